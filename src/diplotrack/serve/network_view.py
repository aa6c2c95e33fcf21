"""The routes of the networks page that are not tables: (being written)."""

from __future__ import annotations

from typing import Any

from diplotrack.serve.reader import StoreReader


def register(app: Any, reader: StoreReader) -> None:
    """Add the network drawing and download routes to ``app``."""
