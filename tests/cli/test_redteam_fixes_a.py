"""Red-team findings of issue 12 (part A), each reproduced through the real command line: a store in
use is never replaced by ``demo``, a roster that is not a regular file is refused at once, a tiny
terminal width still shows everything, ``--json`` never writes raw terminal-driving characters, and
bad values are usage errors (exit 2), not internal errors (exit 70).

The command line runs in-process (``main()``, tests/cli_inprocess.py) except where a process is the
point: a terminal width is read when a process starts, and the rosters that are not regular files
are read in one child process with a memory cap and a time limit (a read that never ends must not
take the test run with it)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli_inprocess import cli
from diplotrack.store.db import open_store

TWO_TWEETS = Path(__file__).resolve().parents[1] / "fixtures" / "x-v2" / "twarc2" / "two_tweets.jsonl"

# characters --json must write as \\u escapes: C1 controls, bidi marks, embeddings, overrides and
# isolates, and the line and paragraph separators
UNSAFE = [chr(c) for c in range(0x80, 0xA0)] + [
    "\u200e",
    "\u200f",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
    "\u2028",
    "\u2029",
]


def _limit_memory() -> None:  # a roster read that never ends fails fast instead of eating the machine
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def run(*args: str, db: Path, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return cli(*args, db=db, env=env, cwd=cwd)


def run_process(
    *args: str, db: Path, env: dict | None = None, timeout: float = 60, **kw
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "diplotrack.cli.main", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
        **kw,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("store") / "s.duckdb"
    open_store(db).close()
    return db


# 1. demo --force on a store another process is writing to

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE mine AS SELECT 42 AS answer")
print("ready", flush=True)
sys.stdin.read()
con.close()
"""


@pytest.mark.parametrize("force", [True, False])
def test_demo_never_replaces_a_store_in_use(tmp_path: Path, force: bool) -> None:
    db = tmp_path / "b4.duckdb"
    open_store(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        proc = run("demo", "--no-report", *(["--force"] if force else []), db=db)
        assert proc.returncode == 75, proc.stderr
        assert "in use" in proc.stderr and "Traceback" not in proc.stderr
    finally:
        holder.communicate("", timeout=30)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT answer FROM mine").fetchall() == [(42,)]  # the other process's work
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b4.duckdb"]


def test_demo_force_still_replaces_a_store_no_one_uses(tmp_path: Path) -> None:
    db = tmp_path / "mine.duckdb"
    assert run("import", str(TWO_TWEETS), db=db).returncode == 0
    assert run("demo", "--no-report", db=db).returncode == 2
    proc = run("demo", "--no-report", "--force", db=db)
    assert proc.returncode == 0, proc.stderr
    out = run("sql", "select count(*) > 0 as ok from posts", "--json", db=db)
    assert json.loads(out.stdout) == [{"ok": True}]


# 3. a roster from a device or a FIFO


ROSTER_COMMANDS = ["validate", "import"]
ROSTER_SOURCES = ["zero.yaml", "zero.csv", "urandom.yaml", "fifo.yaml", "fifo.csv"]
SNAPSHOT_TARGETS = ["fifo", "/dev/zero"]
# runs each (key, argv) through main() in this child and prints {key: [exit code, stdout, stderr]}
READER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from cli_inprocess import cli
calls = json.loads(sys.stdin.read())
print(json.dumps({key: [(p := cli(*argv)).returncode, p.stdout, p.stderr] for key, argv in calls}))
"""


@pytest.fixture(scope="module")
def not_regular(tmp_path_factory: pytest.TempPathFactory, store: Path) -> dict[str, tuple[int, str, str, Path]]:
    """Each roster (and roster with a snapshot file) that is a device or a FIFO, given to the command
    line in one child process with a memory cap and a time limit: {case: (code, stdout, stderr, path)}."""
    tmp = tmp_path_factory.mktemp("not-regular")
    calls, paths = [], {}
    for command in ROSTER_COMMANDS:
        for source in ROSTER_SOURCES:
            key, folder = f"{command}-{source}", tmp / f"{command}-{source}"
            folder.mkdir()
            path = folder / source
            if source.startswith("fifo"):
                os.mkfifo(path)
            else:
                path.symlink_to("/dev/" + source.split(".")[0])
            db = folder / "s.duckdb"
            db.write_bytes(store.read_bytes())
            calls.append((key, ["--db", str(db), "roster", command, str(path)]))
            paths[key] = path
    good = Path(__file__).resolve().parents[1] / "roster" / "fixtures" / "good.yaml"
    for i, target in enumerate(SNAPSHOT_TARGETS):
        folder = tmp / f"snapshot-{i}"
        folder.mkdir()
        snap = folder / "snap.csv"
        os.mkfifo(snap) if target == "fifo" else snap.symlink_to(target)
        roster = folder / "r.yaml"
        roster.write_text(good.read_text(encoding="utf-8").replace("snapshots/good-2022.csv", "snap.csv"), "utf-8")
        calls.append((target, ["--db", str(folder / "s.duckdb"), "roster", "validate", str(roster)]))
        paths[target] = snap
    proc = subprocess.run(
        [sys.executable, "-c", READER, str(Path(__file__).resolve().parents[1])],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return {key: (*got, paths[key]) for key, got in json.loads(proc.stdout).items()}


@pytest.mark.parametrize("command", ROSTER_COMMANDS)
@pytest.mark.parametrize("source", ROSTER_SOURCES)
def test_a_roster_that_is_not_a_regular_file_is_refused_at_once(
    not_regular: dict[str, tuple[int, str, str, Path]], command: str, source: str
) -> None:
    code, _, stderr, path = not_regular[f"{command}-{source}"]
    assert code == 2, stderr
    assert "not a regular file" in stderr and str(path) in stderr
    assert len(stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("target", SNAPSHOT_TARGETS)
def test_a_snapshot_file_that_is_not_a_regular_file_is_a_roster_problem(
    not_regular: dict[str, tuple[int, str, str, Path]], target: str
) -> None:
    code, stdout, stderr, _ = not_regular[target]
    assert code != 0 and "snap.csv" in stdout + stderr, stderr
    assert "not a regular file" in stdout + stderr, stdout + stderr


# 4. COLUMNS=0 or 1


@pytest.mark.parametrize("columns", ["0", "1"])
def test_a_tiny_terminal_width_still_shows_output_and_errors(tmp_path: Path, store: Path, columns: str) -> None:
    env = {"COLUMNS": columns}  # read when the process starts: a process of its own
    missing = run_process("runs", db=tmp_path / "nonexistent.duckdb", env=env)
    assert missing.returncode == 2 and "there is no store" in missing.stderr
    out = run_process("sql", "select 7 as seven", db=store, env=env)
    assert out.returncode == 0, out.stderr
    assert "seven" in out.stdout and "7" in out.stdout and "1 row(s)" in out.stdout


# 5. --json and characters that drive a terminal


def test_sql_json_escapes_c1_and_bidi_characters(store: Path) -> None:
    proc = run("sql", "--json", "select chr(155) || '31mX' || chr(8238) || chr(8233) || chr(133) as c", db=store)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert not any(ch in text for ch in UNSAFE), ascii(text)
    assert "\\u009b" in text and "\\u202e" in text
    assert json.loads(text) == [{"c": "\x9b31mX\u202e\u2029\x85"}]


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.text(alphabet=st.sampled_from([*UNSAFE, "a", "é", "\x1b", '"', "\\", "\n"])),
        lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=3), kids, max_size=3),
        max_leaves=6,
    )
)
def test_dumps_round_trips_and_never_writes_unsafe_characters(value: object) -> None:
    from diplotrack.cli.common import dumps

    text = dumps(value)
    assert not any(ch in text for ch in UNSAFE)
    assert json.loads(text) == value


# 6. values that are usage errors, not internal errors


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--out", "r", "--posts-over", "99999999999999999999999"],
        ["report", "--out", "r", "--followers-over", "99999999999999999999999"],
        ["report", "--out", "r", "--dormant-days", "99999999999999999999999"],
        ["report", "--out", "r", "--posts-over", "-1"],
        ["runs", "--limit", "-1"],
        ["runs", "--limit", "99999999999999999999999"],
        ["sql", "select 1", "--limit", "-1"],
        ["sql", "EXPLAIN (FORMAT json) DELETE FROM posts"],
        ["sql", "EXPLAIN (FORMAT json SELECT 1"],
        ["sql", "select interval (2147483647) days"],
        ["sql", "select interval (2147483647) days", "--json"],
        ["sql", "select '20000-01-01'::timestamptz"],
    ],
)
def test_bad_values_are_usage_errors(tmp_path: Path, store: Path, args: list[str]) -> None:
    proc = run(*args, db=store, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "r").exists()


def test_a_value_python_cannot_hold_says_how_to_show_it(store: Path) -> None:
    proc = run("sql", "select interval (2147483647) days as d", db=store)
    assert proc.returncode == 2 and "CAST(" in proc.stderr and "VARCHAR" in proc.stderr, proc.stderr


def test_infinite_dates_and_times_show_as_infinity(store: Path) -> None:
    query = (
        "select 'infinity'::timestamp as a, '-infinity'::timestamp as b, 'infinity'::timestamptz as c, "
        "'infinity'::date as d, '-infinity'::date as d, timestamp '2021-02-28 12:00' as e, "
        "timestamp '9999-12-31 23:59:59.999999' as f, null::timestamp as g"
    )
    proc = run("sql", query, "--json", db=store)
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)[0]
    assert row == {
        "a": "infinity",
        "b": "-infinity",
        "c": "infinity",
        "d": "-infinity",  # the later of two columns of one name, as for any other type
        "e": "2021-02-28T12:00:00",
        "f": "9999-12-31T23:59:59.999999",
        "g": None,
    }
    table = run("sql", query, db=store, env={"COLUMNS": "400"})
    assert table.returncode == 0 and "infinity" in table.stdout and "-infinity" in table.stdout, table.stderr


def test_sql_limit_zero_shows_no_rows(store: Path) -> None:
    proc = run("sql", "select * from range(3)", "--limit", "0", db=store)
    assert proc.returncode == 0 and "3 row(s) (showing 0)" in proc.stdout, proc.stderr


def test_explain_with_options_shows_the_plan(store: Path) -> None:
    proc = run("sql", "EXPLAIN (FORMAT json) SELECT 1", "--json", db=store)
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert json.loads(row["explain_value"])[0]["name"] == "PROJECTION"
