"""Every page of the dashboard, registered once: the app makes its HTML, JSON and CSV routes, the
navigation, the OpenAPI description and the docs test walk this list. A new page is a module with a
``PAGES`` tuple and one line here."""

from __future__ import annotations

from diplotrack.serve.pages import accounts, alerts, coordination, data, entities, networks, overview, posts
from diplotrack.serve.pages.base import NotFound, Page

__all__ = ["PAGES", "NotFound", "Page"]


PAGES: tuple[Page, ...] = (
    *overview.PAGES,
    *accounts.PAGES,
    *posts.PAGES,
    *entities.PAGES,
    *networks.PAGES,
    *coordination.PAGES,
    *alerts.PAGES,
    *data.PAGES,
)
