"""YouTube channels: the channel's Atom feed without a key, the Data API v3 with one or more keys."""
