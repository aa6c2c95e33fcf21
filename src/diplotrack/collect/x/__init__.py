"""X API v2: users lookup and user timelines, with a bearer token (app-only auth)."""
