"""The Python API (diplotrack.api) on the demo store, and the example notebook run top to bottom."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import diplotrack.api as dt
from diplotrack.analyses import registry
from diplotrack.errors import UsageError

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "examples" / "python-api.ipynb"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    db = tmp_path_factory.mktemp("api") / "demo.duckdb"
    shutil.copyfile(demo_template, db)
    return db


def test_the_catalogue_is_the_registry(demo_db: Path) -> None:
    with dt.open_store(demo_db) as store:
        cat = store.analyses()
    assert list(cat["name"]) == [a.name for a in registry.ANALYSES]
    row = cat.set_index("name").loc["joins_by_period"]
    assert row["section"] == "presence" and row["docs"] == "docs/analyses/presence.md"
    assert row["parameters"] == {"period": "year"}


def test_a_run_gives_the_same_rows_as_the_registry_with_coverage(demo_db: Path) -> None:
    with dt.open_store(demo_db) as store:
        r = store.run("accounts_by_kind", kind="embassy")
        direct = registry.run("accounts_by_kind", store.tables, store.filters(kind="embassy")).table.to_pandas()
    assert isinstance(r.df, pd.DataFrame) and set(r.df["kind"]) == {"embassy"}
    assert r.df["accounts"].sum() == direct["accounts"].sum() == 11  # the bundled roster's embassies
    assert r.coverage.selected == 11
    assert r.to_arrow().num_rows == len(r.df)
    out = json.loads(json.dumps(r.to_dict(), default=str))
    assert out["filters"]["kinds"] == ["embassy"] and out["coverage"]["selected"] == 11


def test_filters_are_checked_as_on_the_command_line_naming_the_keyword(demo_db: Path) -> None:
    with dt.open_store(demo_db) as store:
        with pytest.raises(UsageError, match=r"kind= 'embassyy' is not a roster kind; did you mean 'embassy'"):
            store.run("accounts_by_kind", kind="embassyy")
        with pytest.raises(UsageError, match=r"host_country= 'France' is not an ISO 3166 .* did you mean 'FR'"):
            store.run("accounts_by_kind", host_country="France")
        with pytest.raises(UsageError, match="start=2022-01-01 is not before end=2021-01-01"):
            store.run("account_activity", start="2022-01-01", end="2021-01-01")
        with pytest.raises(UsageError, match="takes no parameter"):
            store.run("accounts_by_kind", colour="red")
        # a parameter value the analysis does not take: the project's usage error, still a ValueError
        with pytest.raises(UsageError, match="period must be one of year, quarter") as caught:
            store.run("joins_by_period", period="decade")
        assert isinstance(caught.value, ValueError) and caught.value.exit_code == 2


def test_the_store_is_opened_read_only(demo_db: Path) -> None:
    with dt.open_store(demo_db) as store, pytest.raises(Exception, match="read-only"):
        store.sql("DELETE FROM posts")


def test_the_example_notebook_runs_top_to_bottom(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIPLOTRACK_DB", str(demo_db))
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(cells) >= 5
    namespace: dict = {"__name__": "__notebook__"}
    for i, source in enumerate(cells):
        exec(compile(source, f"{NOTEBOOK.name}[cell {i}]", "exec"), namespace)  # noqa: S102 (our own notebook)
    assert len(namespace["joins"].df) > 0 and namespace["missions"].coverage.selected > 0


def test_parameters_with_a_filters_name_are_passed_apart(demo_db: Path) -> None:
    with dt.open_store(demo_db) as store:
        follow = store.run("network_nodes", params={"kind": "follow", "n": 100})
        growth = store.run(
            "growth_between", params={"start": date(2021, 2, 28), "end": date(2022, 4, 30)}, kind="embassy"
        )
        with pytest.raises(UsageError, match="'kind' is both a filter and a parameter of network_nodes"):
            store.run("network_nodes", kind="follow")
        with pytest.raises(UsageError, match="needs the parameter"):
            store.run("growth_between")
        with pytest.raises(UsageError, match="no filter named colour"):
            store.run("accounts_by_kind", filters={"colour": "red"})
    assert len(follow.df) > 40  # the CHC follow list: most tracked accounts follow or are followed
    # the follow network rests on follow edges, not posts: its coverage says so
    assert follow.coverage.basis == "follows" and follow.coverage.accounts > 40
    assert len(growth.df) > 0 and growth.filters.kinds == ("embassy",)


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"institutional": "no"}, "institutional= takes True, False or None"),
        ({"kind": 5}, "kind= takes text or a list of text"),
        ({"kind": ["embassy", None]}, "kind= takes text or a list of text"),
        ({"start": 5}, "start= takes a date"),
    ],
)
def test_filter_values_of_the_wrong_type_are_usage_errors(demo_db: Path, keywords: dict, message: str) -> None:
    with dt.open_store(demo_db) as store, pytest.raises(UsageError, match=message):
        store.run("accounts_by_kind", **keywords)
