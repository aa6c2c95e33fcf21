"""Telegram public channels, read from their web preview (``t.me/s/<name>``): no login, no API key."""
