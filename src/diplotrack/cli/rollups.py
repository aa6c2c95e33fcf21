"""``diplotrack rollups``: the state of the store's rollups; check them against the base tables or
rebuild them (store/rollups.py, docs/data-model.md "Rollups")."""

from __future__ import annotations

import time

import typer

from diplotrack.cli import common
from diplotrack.store import rollups
from diplotrack.store.db import open_store, open_store_read_only, transaction


def rollups_command(
    rebuild: bool = typer.Option(False, "--rebuild", help="Recompute every rollup from the base tables."),
    check: bool = typer.Option(
        False,
        "--check",
        help="Compare the rollups with a rebuild from the base tables (changes nothing); exit 1 if they differ.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    started = time.perf_counter()
    con = open_store(common.STATE.db) if rebuild else open_store_read_only(common.STATE.db)
    try:
        if rebuild:
            with transaction(con):
                rollups.rebuild(con)
        state = con.execute("SELECT generation, changed_at, rollups_version FROM store_state WHERE id = 1").fetchone()
        info: dict = {
            "version": state[2],
            "current_version": rollups.ROLLUPS_VERSION,
            "usable": rollups.usable(con),
            "generation": state[0],
            "changed_at": state[1].isoformat(sep=" ", timespec="seconds") if state[1] else None,
            "rows": {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in rollups.TABLES},
            "posts_rolled_up": con.execute("SELECT coalesce(sum(posts), 0) FROM rollup_posts_day").fetchone()[0],
        }
        if check:
            info["differences"] = rollups.check(con)
    finally:
        con.close()
    info["seconds"] = round(time.perf_counter() - started, 2)
    if as_json:
        common.print_json(info)
    else:
        common.print_table(("table", "rows"), [(t, f"{n:,}") for t, n in info["rows"].items()])
        state_line = (
            "current: analyses read them"
            if info["usable"]
            else (
                "stale: analyses read the base tables; 'diplotrack rollups --rebuild' (or any import, "
                "collect or enrich) brings them up to date"
            )
        )
        common.console.print(
            f"rollups {'rebuilt' if rebuild else 'version ' + str(info['version'])} "
            f"({info['posts_rolled_up']:,} posts, store generation {info['generation']}): {state_line}",
            markup=False,
        )
    if check:
        bad = {t: n for t, n in info["differences"].items() if n}
        if bad:
            common.console.print(
                "rollups differ from the base tables ("
                + ", ".join(f"{t}: {n} groups" for t, n in bad.items())
                + "); run 'diplotrack rollups --rebuild'",
                markup=False,
            )
            raise typer.Exit(1)
        if not as_json:
            common.console.print(
                f"rollups checked against the base tables in {info['seconds']} s: identical", markup=False
            )
