"""A refused value of a network analysis is the project's UsageError, raised by the library, with one
sentence the CLI prints as is."""

from __future__ import annotations

import duckdb
import pytest

from diplotrack.errors import UsageError
from diplotrack.networks import options
from diplotrack.networks.build import build_network
from diplotrack.networks.bursts import PERIODS, creation_bursts
from diplotrack.networks.coordination import co_action
from diplotrack.networks.export import FORMATS
from diplotrack.networks.polyphony import polyphony
from diplotrack.store.db import open_store

WINDOW = "window_s must be zero or more seconds and min_count at least 1"


@pytest.fixture
def con(tmp_path):  # type: ignore[no-untyped-def]
    c = open_store(tmp_path / "s.duckdb")
    yield c
    c.close()


def test_the_light_module_names_what_the_library_accepts() -> None:
    assert tuple(PERIODS) == options.PERIODS
    assert options.FORMATS == FORMATS


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: build_network(c, "likes"), "unknown network kind 'likes'; use one of repost, quote"),
        (lambda c: co_action(c, "like"), "unknown action 'like'; use one of repost, hashtag, link, post"),
        (lambda c: co_action(c, "repost", authors="x"), "authors 'x': use all or tracked"),
        (
            lambda c: co_action(c, "repost", window_s=-1),
            "window_s must be zero or more seconds and min_count at least 1",
        ),
        (
            lambda c: co_action(c, "repost", min_count=0),
            "window_s must be zero or more seconds and min_count at least 1",
        ),
        (lambda c: creation_bursts(c, by="year"), "by 'year' is not a period; use one of hour, day, week, month"),
        (lambda c: creation_bursts(c, accounts="some"), "accounts 'some': use all or tracked"),
        (lambda c: creation_bursts(c, neighbours=-2), "neighbours must be zero or more, not -2"),
        (lambda c: polyphony(c, what="emoji"), "unknown polyphony item 'emoji'; use one of hashtag, topic"),
    ],
)
def test_refused_values_are_usage_errors(con: duckdb.DuckDBPyConnection, call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError) as err:
        call(con)
    assert str(err.value) == message or str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_the_cli_prints_the_library_sentence_with_its_flags(tmp_path, con) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from diplotrack.cli.main import app

    db = str(tmp_path / "s.duckdb")
    con.close()
    # the app raises the library's UsageError (main() prints it as is, exit 2: tests/cli)
    out = CliRunner().invoke(app, ["--db", db, "coordination", "repost", "--window", "-5"])
    assert isinstance(out.exception, UsageError)
    assert str(out.exception) == "--window must be zero or more seconds and --min-count at least 1"
    out = CliRunner().invoke(app, ["--db", db, "bursts", "--by", "year"])
    assert isinstance(out.exception, UsageError)
    assert str(out.exception) == "--by 'year' is not a period; use one of hour, day, week, month"


@pytest.mark.parametrize("window", [float("inf"), float("nan"), 1e400, 1e12])
def test_a_window_that_is_not_a_finite_number_of_seconds_is_refused(con, window: float) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match="window_s must be a number of seconds"):
        co_action(con, "repost", window_s=window)


@pytest.mark.parametrize("alpha", [float("nan"), -1.0, 0.0, 1.0, 5.0])
def test_a_burst_alpha_outside_0_1_is_refused(con, alpha: float) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=r"alpha must be a probability between 0 and 1"):
        creation_bursts(con, alpha=alpha)


@pytest.mark.parametrize(
    "args",
    [
        ["coordination", "post", "--window", "inf"],
        ["coordination", "repost", "--window", "nan"],
        ["coordination", "link", "--window", "1e400"],
        ["bursts", "--alpha", "nan"],
        ["bursts", "--alpha", "5"],
    ],
)
def test_the_cli_refuses_them_with_exit_2(tmp_path, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    from cli_inprocess import cli

    db = tmp_path / "s.duckdb"
    open_store(db).close()
    done = cli(*args, db=db)  # in-process: main(), what the command runs
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
