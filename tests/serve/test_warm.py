"""The start-up warm-up fills the cache the pages read: after it, the unfiltered pages and the
network drawings are answered without a query or a network build."""

from __future__ import annotations

import pytest

from diplotrack.serve.app import table_view
from diplotrack.serve.pages import PAGES
from diplotrack.serve.pages.base import Context
from diplotrack.serve.params import parse_view
from diplotrack.serve.warm import warm_up


def test_after_the_warm_up_every_unfiltered_page_comes_from_the_cache(reader, monkeypatch: pytest.MonkeyPatch):
    from diplotrack.serve.pages.networks import network_of

    warm_up(reader)

    def refuse(*args, **kwargs):
        raise AssertionError("computed again: the warm-up did not fill the cache")

    monkeypatch.setattr("diplotrack.networks.build.build_network", refuse)
    monkeypatch.setattr(reader, "sql", refuse)
    monkeypatch.setattr("diplotrack.analyses.registry.run_frame", refuse)
    view = parse_view({}, con=reader.cursor())
    built = 0
    for page in PAGES:
        if "{" in page.path:
            continue
        for table in page.tables:
            table.build(Context(reader, table_view(view, page, table)))
            built += 1
    assert built >= 20
    assert network_of(reader, "mention", view.filters).summary["nodes"] > 0
