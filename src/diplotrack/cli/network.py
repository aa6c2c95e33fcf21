"""``diplotrack network KIND`` and ``diplotrack bursts``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import typer

from diplotrack.analyses.selection import parse_filters
from diplotrack.cli import common
from diplotrack.networks import options  # the accepted values and their checks, without pandas or DuckDB
from diplotrack.networks.options import ACTIONS as COORDINATION_ACTIONS
from diplotrack.networks.options import FORMATS, NETWORK_KINDS
from diplotrack.store.db import open_store_read_only


def network_command(
    kind: str = typer.Argument(..., help=f"One of: {', '.join(NETWORK_KINDS)}."),
    fmt: str = typer.Option("gexf", "--format", "-f", help=f"One of: {', '.join(FORMATS)}."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output file (default: <kind>-network.<format>)."),
    start: str | None = typer.Option(None, "--start", help="Window start (YYYY-MM-DD, inclusive)."),
    end: str | None = typer.Option(None, "--end", help="Window end (YYYY-MM-DD, exclusive)."),
    platform: list[str] | None = typer.Option(None, "--platform", help="Only these platforms."),
    state: list[str] | None = typer.Option(None, "--state", help="Only edges touching actors of these states."),
    actor_kind: list[str] | None = typer.Option(None, "--kind", help="Only edges touching these roster kinds."),
    institutional: bool | None = typer.Option(None, "--institutional/--individual", help="Institutional or not."),
    host_country: list[str] | None = typer.Option(None, "--host-country", help="Only these host countries."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary and top nodes as JSON."),
) -> None:
    options.check_network_kind(kind)
    options.check_format(fmt)
    f = parse_filters(start, end, platform, state, actor_kind, institutional, host_country, db=common.STATE.db)
    from diplotrack.cache import open_cache
    from diplotrack.networks.build import build_network
    from diplotrack.networks.export import write_network
    from diplotrack.networks.metrics import compute_metrics

    con = open_store_read_only(common.STATE.db)
    try:
        with common.err_console.status(f"building the {kind} network", spinner="dots"):
            net = compute_metrics(build_network(con, kind, f), cache=open_cache(con, prune=False))
    finally:
        con.close()
    target = out or Path(f"{kind}-network.{'csv' if fmt == 'csv' else fmt}")
    written = write_network(net.nodes, net.edges, directed=net.directed, fmt=fmt, out=target, title=f"{kind} network")
    top = net.nodes.sort_values("pagerank", ascending=False).head(10) if len(net.nodes) else net.nodes
    if as_json:
        common.print_json(
            {
                "kind": kind,
                "files": [str(p) for p in written],
                **net.summary,
                "top_by_pagerank": [
                    {
                        "id": r.id,
                        "label": r.label,
                        "pagerank": round(float(r.pagerank), 6),
                        "community": int(r.community),
                    }
                    for r in top.itertuples()
                ],
            }
        )
        return
    common.console.print(
        f"{kind} network: {net.summary['nodes']:,} nodes, {net.summary['edges']:,} edges, "
        f"{net.summary['communities']} communities"
        + (f", reciprocity {net.summary['reciprocity']:.3f}" if net.summary.get("reciprocity") is not None else "")
        + f"; written to {', '.join(str(p) for p in written)}",
        markup=False,
    )


def bursts_command(
    by: str = typer.Option("day", "--by", help="hour, day, week (from Monday) or month."),
    accounts: str = typer.Option("all", "--accounts", help="all (every account in the store) or tracked."),
    alpha: float = typer.Option(0.001, "--alpha", help="Flag periods whose count is this unlikely under the baseline."),
    min_count: int = typer.Option(3, "--min-count", help="Flag only periods with at least this many creations."),
    as_json: bool = typer.Option(False, "--json", help="Print the bursts as JSON."),
) -> None:
    options.check_period(by, "--by")
    options.check_accounts(accounts, "--accounts")
    options.check_alpha(alpha, "--alpha")
    from diplotrack.networks.bursts import creation_bursts
    from diplotrack.networks.coordination import json_records

    con = open_store_read_only(common.STATE.db)
    try:
        df = creation_bursts(con, by=by, accounts=accounts, alpha=alpha, min_count=min_count)
    finally:
        con.close()
    if as_json:
        common.print_json(json_records(df))
        return
    if df.empty:
        common.console.print(f"no creation bursts by {by} at alpha {alpha}", markup=False)
        return
    table = []
    for r in df.itertuples():
        shown = _first_members(r.accounts)
        table.append((str(r.period_start), str(r.count), f"{r.expected:.2f}", f"{r.p_value:.2g}", shown))
    common.print_table(("period", "created", "expected", "p-value", "accounts"), table)  # handles cleaned
    common.console.print(f"{len(df)} burst period(s) by {by}", markup=False)


def _first_members(members: Iterable[object], n: int = 8) -> str:
    """The first ``n`` members of a cluster or burst, and how many more."""
    names = [str(m) for m in members]
    return ", ".join(names[:n]) + (f" … (+{len(names) - n})" if len(names) > n else "")


def coordination_command(
    action: str = typer.Argument("repost", help=f"What accounts do together: {', '.join(COORDINATION_ACTIONS)}."),
    window: float = typer.Option(60.0, "--window", help="Seconds within which two accounts act together."),
    min_count: int = typer.Option(2, "--min-count", help="How many times a pair must act together."),
    start: str | None = typer.Option(None, "--start", help="Window start (YYYY-MM-DD, inclusive)."),
    end: str | None = typer.Option(None, "--end", help="Window end (YYYY-MM-DD, exclusive)."),
    platform: list[str] | None = typer.Option(None, "--platform", help="Only these platforms."),
    tracked: bool = typer.Option(False, "--tracked", help="Only tracked (roster) accounts; default: all accounts."),
    limit: int = typer.Option(20, "--limit", "-n", help="How many clusters to print."),
    as_json: bool = typer.Option(False, "--json", help="Print every cluster and pair, with evidence, as JSON."),
) -> None:
    options.check_action(action)
    options.check_co_action(window, min_count, ("--window", "--min-count"))
    f = parse_filters(start, end, platform, None, None, None, None, db=common.STATE.db)
    from diplotrack.networks.coordination import co_action

    con = open_store_read_only(common.STATE.db)
    try:
        result = co_action(
            con,
            action,
            window_s=window,
            min_count=min_count,
            start=f.start,
            end=f.end,
            platforms=f.platforms,
            authors="tracked" if tracked else "all",
        )
    finally:
        con.close()
    if as_json:
        common.print_json(result.as_json())
        return
    if result.clusters.empty:
        common.console.print(
            f"no accounts {action} together within {window:g} s at least {min_count} times", markup=False
        )
        return
    table = []
    for r in result.clusters.head(limit).itertuples():
        shown = _first_members(r.members)
        table.append(
            (
                str(r.cluster),
                str(r.accounts),
                str(r.pairs),
                str(r.events),
                f"{r.median_lag_s:.1f}",
                str(r.tracked_members),
                shown,
            )
        )
    columns = ("cluster", "accounts", "pairs", "events", "median lag (s)", "tracked", "members")
    common.print_table(columns, table)  # handles cleaned, never read as markup
    common.console.print(
        f"{len(result.clusters)} cluster(s), {len(result.pairs)} pair(s) that {action} together within {window:g} s "
        f"at least {min_count} times; evidence per pair with --json",
        markup=False,
    )
