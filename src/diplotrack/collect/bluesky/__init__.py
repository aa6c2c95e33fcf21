"""Bluesky: profiles, author feeds and (opt-in) reposts, likes and quotes, from the public AppView, no login."""
