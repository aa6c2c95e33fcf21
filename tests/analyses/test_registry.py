"""Every analysis is registered, callable with the common signature, and documented."""

from __future__ import annotations

import inspect
from pathlib import Path

from diplotrack.analyses import activity, amplification, content, growth, presence
from diplotrack.analyses.registry import ANALYSES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "analyses"
HELPERS = {  # building blocks, not analyses
    "cohort_table",
    "country_table",
    "roster_keys",
    "references",
    "window_references",
    "materialize_references",
    "content_posts",
    "materialize_content",
    "host_languages",
    "unresolved_links",
    "links_caveat",
}


def test_every_public_analysis_function_is_registered() -> None:
    registered = {a.function for a in ANALYSES}
    for module in (presence, activity, growth, amplification, content):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") and name not in HELPERS:
                assert fn in registered, f"{module.__name__}.{name} is not in the registry"


def test_registry_entries_are_sound_and_documented() -> None:
    names = [a.name for a in ANALYSES]
    assert len(names) == len(set(names))
    for a in ANALYSES:
        params = list(inspect.signature(a.function).parameters)
        assert params[:2] == ["t", "f"], f"{a.name} does not take (t, f, ...)"
        assert a.function.__name__ == a.name
        assert a.title and a.reads and a.produces
        page = DOCS / f"{a.module}.md"
        assert page.exists(), f"no page {page}"
        assert a.name in page.read_text(), f"{a.name} is not described in {page.name}"
        assert a.name in (DOCS / "README.md").read_text(), f"{a.name} is not listed in docs/analyses/README.md"
