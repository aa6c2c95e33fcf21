"""(being written)"""

from __future__ import annotations

from diplotrack.serve.pages.base import Page

PAGES: tuple[Page, ...] = ()
