"""What reaches the terminal: stored text can neither drive the terminal (escape sequences, control
characters) nor be read as Rich markup, and tables stay readable at 80 columns."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from cli_inprocess import cli
from diplotrack.cli import common
from diplotrack.records import Post, Provenance
from diplotrack.roster import import_roster, load_roster
from diplotrack.store.db import open_store
from diplotrack.store.runs import start_run
from diplotrack.store.writer import StoreWriter

# retitle the terminal, clear the screen, move the cursor, red text, an 8-bit CSI, a bidi override
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mred\x9b2J\u202eevil\x00\x08"
# what a terminal could act on: C0 controls but newline, DEL, C1 controls, bidi embeddings/overrides/isolates
FORBIDDEN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def run(*args: str, db: Path, columns: int = 80) -> subprocess.CompletedProcess:
    """The command in-process, its output captured as a pipe would take it (the consoles read
    ``COLUMNS`` each time they print)."""
    return cli(*args, db=db, env={"COLUMNS": str(columns), "TERM": "xterm-256color"})


def test_clean_removes_escape_sequences_and_keeps_the_text() -> None:
    assert common.clean(HOSTILE) == "redevil"
    assert common.clean("Paris [b]bold[/b] ✓ ﷽ 中文\tx\ny") == "Paris [b]bold[/b] ✓ ﷽ 中文 x y"
    assert common.clean("a\nb", keep_newlines=True) == "a\nb"
    assert common.clean(None) == "" and common.clean(-5) == "-5"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_clean_never_lets_a_control_character_through(s: str) -> None:
    assert not FORBIDDEN.search(common.clean(s, keep_newlines=True))
    assert "\n" not in common.clean(s)


def _render(columns: list[str], rows: list[list[object]], width: int = 80) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=True, color_system="truecolor", highlight=False)
    common.print_table(columns, rows, console=console)
    return buf.getvalue()


def test_print_table_strips_escapes_and_is_not_markup() -> None:
    out = _render(["name", "note"], [[HOSTILE, "[bold]x[/bold] [/]"]])
    assert "]0;pwned" not in out and "\x07" not in out and "[2J" not in out and "\u202e" not in out
    assert "redevil" in out and "[bold]x[/bold] [/]" in out
    # the only escape sequences left are the table's own styles (SGR: ESC [ ... m)
    assert not re.search(r"\x1b(?!\[[0-9;]*m)", out)


def test_wide_tables_at_80_columns_show_every_value_in_full() -> None:
    columns = [f"column_{i}" for i in range(20)]
    rows = [[f"value-{r}-{i}-xyz" for i in range(20)] for r in range(3)]
    out = _render(columns, rows)
    assert max(len(line) for line in re.sub(r"\x1b\[[0-9;]*m", "", out).splitlines()) <= 80
    for r in rows:
        for v in r:
            assert v in out, v
    for c in columns:
        assert c in out


def test_narrow_tables_at_80_columns_wrap_instead_of_cutting() -> None:
    columns = ["platform", "handle", "kind", "inst.", "host", "city", "name"]
    rows = [["x", "AmbassadeChineFrance", "embassy", "yes", "FR", "Paris", "Embassy of the People's Republic"]]
    out = re.sub(r"\x1b\[[0-9;]*m", "", _render(columns, rows))
    assert "…" not in out
    assert "AmbassadeChineFrance" in out  # the handle: never folded, never cut
    assert all(w in out for w in ["Embassy", "of", "the", "People's", "Republic"])


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("term")
    roster = base / "r.yaml"
    roster.write_text(
        "roster: 1\nname: t\nactors:\n  - actor_id: a1\n    name: Embassy\n    kind: embassy\n    state: CN\n"
        "    host_country: FR\n    accounts: [{platform: x, handle: AmbassadeChine}]\n"
    )
    db = base / "t.duckdb"
    con = open_store(db)
    loaded, problems = load_roster(roster)
    assert not problems and loaded is not None
    import_roster(con, loaded)
    con.execute("UPDATE actors SET name = ?, host_city = ?", [HOSTILE, "[red]Paris[/]"])
    w = StoreWriter(con, 0)
    w.add_post(Post("x", "1", "9", "AmbassadeChine", datetime(2022, 1, 1), HOSTILE, "fr", "original", Provenance("t")))
    w.flush()
    run_id = start_run(con, "import", "import x", [HOSTILE])
    con.execute("UPDATE runs SET status = 'failed', error = ? WHERE run_id = ?", [HOSTILE, run_id])
    con.close()
    return db


def _assert_clean(text: str) -> None:
    assert not re.search(r"\x1b(?!\[[0-9;]*m)", text), repr(text)
    assert not FORBIDDEN.search(re.sub(r"\x1b\[[0-9;]*m", "", text)), repr(text)
    assert "pwned" not in text, repr(text)


@pytest.mark.parametrize(
    "args",
    [("sql", "select * from posts"), ("roster", "list"), ("runs",)],
    ids=["sql", "roster-list", "runs"],
)
def test_commands_print_stored_escapes_harmlessly(hostile_db: Path, args: tuple[str, ...]) -> None:
    proc = run(*args, db=hostile_db)
    assert proc.returncode == 0, proc.stderr
    _assert_clean(proc.stdout)
    assert "redevil" in proc.stdout


def test_roster_list_shows_stored_markup_as_written(hostile_db: Path) -> None:
    proc = run("roster", "list", db=hostile_db, columns=200)
    assert "[red]Paris[/]" in proc.stdout


def test_sql_at_80_columns_shows_full_values(hostile_db: Path) -> None:
    proc = run("sql", "select * from posts", db=hostile_db)
    assert proc.returncode == 0, proc.stderr
    assert "AmbassadeChine" in proc.stdout and "2022-01-01" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80


def test_error_messages_print_stored_escapes_harmlessly(hostile_db: Path) -> None:
    proc = run("sql", f'select * from "{HOSTILE.replace(chr(0), "")}"', db=hostile_db)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, repr(proc.stderr)
    _assert_clean(proc.stderr)


def test_tables_that_cannot_wrap_between_words_fold_long_words_but_cut_nothing() -> None:
    columns = ["platform", "handle", "kind", "inst.", "host", "city", "name"]
    rows = [["x", "AmbassadeChineFrance", "ministry_spokesperson", "yes", "FR", "Paris", "Embassy of the Republic"]]
    out = re.sub(r"\x1b\[[0-9;]*m", "", _render(columns, rows))
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in out
    assert all(c in lines[1] for c in columns)  # one table, its header on one line
    body = [line for line in lines[3:] if line.startswith("│")]
    pieces = [[c.strip() for c in line.strip("│").split("│")] for line in body]
    for i, v in enumerate(rows[0]):  # each column's pieces, put back together, give the whole value
        assert "".join(p[i] for p in pieces).replace(" ", "") == v.replace(" ", ""), v


def test_progress_and_message_lines_that_echo_data_are_cleaned(capsys: pytest.CaptureFixture[str]) -> None:
    """Lines like ``skipped FILE: reason`` or ``x: HANDLE: renamed`` go through the shared consoles."""
    from rich.progress import Progress

    common.err_console.print(f"skipped {HOSTILE}.json: [bold]bad[/]", markup=False, highlight=False)
    common.console.print(f"x: {HOSTILE}: renamed")
    common.print_error(f"error: {HOSTILE}\nsecond line")
    out = capsys.readouterr()
    _assert_clean(out.out + out.err)
    assert "skipped redevil.json: [bold]bad[/]" in out.err and "x: redevil: renamed" in out.out
    assert "error: redevil second line\n" in out.err
    buf = io.StringIO()
    progress = Progress(common.SafeTextColumn(), console=Console(file=buf, width=80, force_terminal=True))
    with progress:
        progress.add_task(f"x: {HOSTILE} [/]", total=1)
    assert "redevil [/]" in buf.getvalue() and "pwned" not in buf.getvalue()
