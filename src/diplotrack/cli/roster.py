"""``diplotrack roster validate|import|list``"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from diplotrack.cli import common
from diplotrack.roster import import_roster, list_accounts, load_roster
from diplotrack.store.db import open_store, open_store_read_only

roster_app = typer.Typer(help="Who is tracked: check, load and list roster files.", no_args_is_help=True)


def _problems_or_exit(path: Path):  # type: ignore[no-untyped-def]
    roster, problems = load_roster(path)
    for p in problems:
        common.err_console.print(str(p), markup=False, highlight=False)
    if problems or roster is None:
        common.err_console.print(
            f"{len(problems)} problem(s) in {path}; fix them and run again", markup=False, highlight=False
        )
        raise typer.Exit(2)
    return roster


@roster_app.command("validate")
def validate(path: Path = typer.Argument(..., help="Roster file (.yaml/.yml or .csv).")) -> None:
    """Check a roster file; every problem is printed as FILE:LINE: field: message (exit 2 if any)."""
    roster = _problems_or_exit(path)
    n_accounts = sum(len(a.accounts) for a in roster.actors)
    common.console.print(
        f"{path}: valid, {len(roster.actors)} actors, {n_accounts} accounts, {len(roster.snapshots)} snapshot rows",
        markup=False,
    )


@roster_app.command("import")
def import_(
    path: Path = typer.Argument(..., help="Roster file (.yaml/.yml or .csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Load a roster into the store (re-import updates, never duplicates)."""
    roster = _problems_or_exit(path)
    con = open_store(common.STATE.db)
    try:
        result = import_roster(con, roster)
    finally:
        con.close()
    if as_json:
        common.print_json(asdict(result))
        return
    common.console.print(
        f"roster {path}: {result.actors_new} new actors, {result.actors_updated} updated; "
        f"{result.accounts_new} new accounts, {result.accounts_updated} updated; "
        f"{result.snapshots_new} new profile snapshots",
        markup=False,
    )


@roster_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print a JSON array of accounts.")) -> None:
    """List the tracked accounts with their actor's kind, host country and city."""
    con = open_store_read_only(common.STATE.db)
    try:
        rows = list_accounts(con)
    finally:
        con.close()
    if as_json:
        common.print_json(rows)
        return
    table = [
        (
            r["platform"],
            r["handle"],
            r["kind"],
            "yes" if r["institutional"] else "no",
            r.get("host_country") or "",
            r.get("host_city") or "",
            r["name"],
        )
        for r in rows
    ]
    # cleaned and shown as written (never read as Rich markup), readable at 80 columns
    common.print_table(("platform", "handle", "kind", "inst.", "host", "city", "name"), table)
    common.console.print(f"{len(rows)} account(s)", markup=False)
