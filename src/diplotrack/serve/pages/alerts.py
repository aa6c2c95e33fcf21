"""The alerts page (``/alerts``): what ``diplotrack alerts`` and ``watch`` fired (table ``alerts``),
newest first, each with its account, the posts its evidence names, where it was delivered, and its
evidence; and the registered rules with what makes each fire (``alerts/registry``).

Selection: ``q`` searches titles, handles and rule names, or ``rule:<name>`` keeps one rule's alerts
(an unknown rule is a 400 naming the rules); the window (``start``, ``end``) applies to when the
change happened (the time it was fired when that is unknown) and ``platform`` to the alert's
account; the other account filters keep the alerts about the selected tracked accounts. The alerts
are read once per store generation (a store holds thousands of them, not millions).

Untrusted text (titles quote names and bios; evidence holds whatever the platforms said) reaches
the page only through the template's autoescape; a value becomes a link only when it is an
http(s) URL or a page of this dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import pandas as pd

from diplotrack.alerts.registry import RULES
from diplotrack.errors import UsageError
from diplotrack.serve.pages.base import Context, Page, Panel, Table, account_url, cut_page, sort_frame
from diplotrack.serve.pages.posts import post_url
from diplotrack.serve.params import View
from diplotrack.serve.query import tracked_keys

EMPTY = "No alerts recorded yet; run `diplotrack alerts` (or `diplotrack watch`) to evaluate the rules."
COLUMNS = (
    *("fired_at", "occurred_at", "rule", "title", "platform", "handle", "user_id", "roster_handle"),
    *("posts", "post_urls", "deliveries", "alert_id", "run_id", "evidence"),
)
MAX_POSTS = 50  # post links listed per alert (its evidence, in JSON, keeps them all)
MAX_EVIDENCE_ROWS = 200  # rows of one evidence table shown in HTML


# -- reading the store ------------------------------------------------------------------------------


def _read(ctx: Context) -> pd.DataFrame:
    """Every recorded alert with its roster account and delivery summary (empty, with the columns,
    when the store has no alerts table or no alert)."""

    def build() -> pd.DataFrame:
        reader = ctx.reader
        has = reader.sql(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('alerts', 'alert_deliveries')"
        )
        if int(has["n"].iloc[0]) < 2:
            return pd.DataFrame(columns=list(COLUMNS))
        keys, params = tracked_keys(View(), prefix="rk")
        df = reader.sql(
            f"""WITH keys AS (SELECT platform, key, min(handle) AS handle FROM {keys} GROUP BY ALL),
                     sent AS (SELECT alert_id, string_agg(channel || ': ' || status
                                  || CASE WHEN status = 'delivered' THEN ''
                                          ELSE ' (' || attempts || ' tries' || coalesce(': ' || last_error, '') || ')'
                                     END, '; ' ORDER BY channel) AS deliveries
                              FROM alert_deliveries GROUP BY alert_id)
                SELECT a.fired_at, a.occurred_at, a.rule, a.title, a.platform, a.handle, a.user_id,
                       coalesce(ku.handle, kh.handle) AS roster_handle, s.deliveries, a.alert_id, a.run_id,
                       CAST(a.evidence AS VARCHAR) AS evidence
                FROM alerts a
                LEFT JOIN keys ku ON ku.platform = a.platform AND ku.key = a.user_id
                LEFT JOIN keys kh ON kh.platform = a.platform AND kh.key = 'handle:' || lower(a.handle)
                LEFT JOIN sent s ON s.alert_id = a.alert_id
                QUALIFY row_number() OVER (PARTITION BY a.alert_id ORDER BY ku.handle NULLS LAST, kh.handle) = 1""",
            params,
        )
        df = df.astype(object).where(df.notna(), None)
        named = [_posts_named(ev, pl) for ev, pl in zip(df["evidence"], df["platform"], strict=True)]
        df["posts"] = [[pid for _, pid in n][:MAX_POSTS] for n in named]
        df["post_urls"] = [[u for pl, pid in n[:MAX_POSTS] if (u := post_url(pl, pid))] for n in named]
        return df[list(COLUMNS)]

    return ctx.reader.memo(("alerts.all",), build)


def _posts_named(evidence: str | None, platform: str | None) -> list[tuple[str | None, str]]:
    """(platform, post id) of every post the evidence names: a ``post_id`` field anywhere in it (its
    ``platform`` beside it, else the alert's), and the items of a ``post_ids`` list; in order, once."""
    try:
        doc = orjson.loads(evidence) if evidence else {}
    except orjson.JSONDecodeError:
        return []
    found: dict[tuple[str | None, str], None] = {}

    def walk(node: Any, pl: str | None) -> None:
        if isinstance(node, dict):
            here = node.get("platform") if isinstance(node.get("platform"), str) else pl
            pid = node.get("post_id")
            if isinstance(pid, str | int) and not isinstance(pid, bool) and str(pid):
                found[(here, str(pid))] = None
            ids = node.get("post_ids")
            if isinstance(ids, list):
                for x in ids:
                    if isinstance(x, str | int) and not isinstance(x, bool):
                        found[(here, str(x))] = None
            for v in node.values():
                walk(v, here)
        elif isinstance(node, list):
            for v in node:
                walk(v, pl)

    walk(doc, platform)
    return list(found)


# -- the selection ----------------------------------------------------------------------------------


def _rule_names(ctx: Context) -> list[str]:
    stored = _read(ctx)["rule"].dropna().unique().tolist()
    return list(dict.fromkeys([r.name for r in RULES] + sorted(stored)))


def _selected(ctx: Context) -> tuple[pd.DataFrame, list[str]]:
    """The alerts of the view, and notes on how it was read."""
    v, f = ctx.view, ctx.view.filters
    df = _read(ctx)
    notes: list[str] = []
    q = v.q.strip()
    if q.lower().startswith("rule:"):
        rule = q[5:].strip()
        names = _rule_names(ctx)
        if rule not in names:
            raise UsageError(f"rule {rule!r} is not one of: {', '.join(names) or 'none registered'}")
        df = df[df["rule"] == rule]
        notes.append(f"Showing the alerts of the rule {rule}.")
    elif q:
        needle = q.casefold()
        hay = df["title"].fillna("") + "\n" + df["handle"].fillna("") + "\n" + df["rule"].fillna("")
        df = df[[needle in h.casefold() for h in hay]]
    if f.platforms:
        df = df[df["platform"].isin(f.platforms)]
    if f.start is not None or f.end is not None:
        when = pd.to_datetime(df["occurred_at"].where(df["occurred_at"].notna(), df["fired_at"]))
        keep = pd.Series(True, index=df.index)
        if f.start is not None:
            keep &= when >= f.start
        if f.end is not None:
            keep &= when < f.end
        df = df[keep]
    if f.states or f.kinds or f.host_countries or f.institutional is not None:
        chosen = _chosen_keys(ctx)
        keep = [
            (pl, uid) in chosen or (pl, f"handle:{(h or '').lower()}") in chosen
            for pl, uid, h in zip(df["platform"], df["user_id"], df["handle"], strict=True)
        ]
        df = df[keep]
        notes.append("The account filters keep the alerts about the selected tracked accounts (none about others).")
    if v.post_filtered:
        notes.append("The language, topic and tone filters do not apply to alerts.")
    return df, notes


def _chosen_keys(ctx: Context) -> set[tuple[str, str]]:
    keys, params = tracked_keys(ctx.view, prefix="ck")

    def build() -> set[tuple[str, str]]:
        got = ctx.reader.sql(f"SELECT DISTINCT platform, key FROM {keys}", params)
        return set(zip(got["platform"], got["key"], strict=True))

    return ctx.reader.memo(("alerts.keys", repr(ctx.view.filters)), build)


# -- the tables -------------------------------------------------------------------------------------


def _alerts(ctx: Context) -> Panel:
    df, notes = _selected(ctx)
    total = len(df)
    rows, nxt = cut_page(
        sort_frame(df.reset_index(drop=True), ctx, key=["fired_at", "alert_id"], default_sort="fired_at"), ctx
    )
    if _read(ctx).empty:
        notes.insert(0, EMPTY)
    notes.append(
        "evidence: the rows that show the change, as JSON; posts: the post ids the evidence names "
        "(post_urls: their addresses on the platform); deliveries: each channel's status."
    )
    links = {
        "handle": lambda r: account_url(r.get("platform"), r.get("roster_handle")),
        "rule": lambda r: "/alerts?" + _rule_query(r.get("rule")) if r.get("rule") else None,
    }
    return Panel(rows, None, next=nxt, total=total, notes=notes, links=links)


def _rule_query(rule: object) -> str:
    from urllib.parse import urlencode

    return urlencode({"q": f"rule:{rule}"})


def _rules(ctx: Context) -> Panel:
    counts = _read(ctx)["rule"].value_counts().to_dict()
    registered = {r.name for r in RULES}
    rows = [
        {
            "rule": r.name,
            "title": r.title,
            "description": r.description,
            "parameters": ", ".join(f"{p.name}={orjson.dumps(p.default, default=str).decode()}" for p in r.params),
            "alerts": int(counts.get(r.name, 0)),
        }
        for r in RULES
    ]
    rows += [
        {
            "rule": name,
            "title": None,
            "description": "not a registered rule (fired by another version)",
            "parameters": None,
            "alerts": int(n),
        }  # fmt: skip
        for name, n in sorted(counts.items())
        if name not in registered
    ]
    df = pd.DataFrame(rows, columns=["rule", "title", "description", "parameters", "alerts"])
    df = sort_frame(df, ctx, key=["rule"], default_sort=None)
    links = {"rule": lambda r: "/alerts?" + _rule_query(r["rule"]) if r.get("alerts") else None}
    note = "The rules and their parameters are set in the config file's [alerts] section (docs/alerts.md)."
    return Panel(df, None, total=len(df), notes=[note], links=links)


# -- the evidence as tables, for the HTML page ------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class EvidenceTable:
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    more: int = 0  # rows not shown


def _cell(name: str, value: Any, platform: str | None) -> Cell:
    if value is None:
        return Cell("")
    if isinstance(value, dict | list):
        return Cell(orjson.dumps(value).decode())
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if name == "post_id" and platform:
        return Cell(text, post_url(platform, text))
    return Cell(text)


def evidence_tables(evidence: str | None, platform: str | None = None) -> list[EvidenceTable]:
    """An alert's evidence as tables: a list of objects as a table of its own (a column per field), an
    object as field and value, and the top-level values together; each cell plain text."""
    try:
        doc = orjson.loads(evidence) if evidence else {}
    except orjson.JSONDecodeError:
        return [EvidenceTable("evidence (not JSON)", ["text"], [[Cell(str(evidence))]])]
    if not isinstance(doc, dict):
        doc = {"evidence": doc}
    out: list[EvidenceTable] = []
    scalars: list[list[Cell]] = []
    for name, value in doc.items():
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            cols = list(dict.fromkeys(k for x in value for k in x))
            rows = [[_cell(c, x.get(c), x.get("platform") or platform) for c in cols] for x in value]
            out.append(EvidenceTable(str(name), cols, rows[:MAX_EVIDENCE_ROWS], max(0, len(rows) - MAX_EVIDENCE_ROWS)))
        elif isinstance(value, dict):
            rows = [[Cell(str(k)), _cell(str(k), v, value.get("platform") or platform)] for k, v in value.items()]
            out.append(EvidenceTable(str(name), ["field", "value"], rows))
        elif isinstance(value, list):
            rows = [[_cell(str(name), x, platform)] for x in value]
            out.append(
                EvidenceTable(str(name), ["value"], rows[:MAX_EVIDENCE_ROWS], max(0, len(rows) - MAX_EVIDENCE_ROWS))
            )
        else:
            scalars.append([Cell(str(name)), _cell(str(name), value, platform)])
    if scalars:
        out.insert(0, EvidenceTable("values", ["field", "value"], scalars))
    return out


@dataclass(frozen=True)
class AlertsPage(Page):
    """The page, with what its template needs beyond the rows: the evidence as tables and each rule's
    description."""

    def evidence_tables(self, evidence: str | None, platform: str | None = None) -> list[EvidenceTable]:
        return evidence_tables(evidence, platform)

    def rule_description(self, name: str) -> str:
        return next((r.description for r in RULES if r.name == name), "not a registered rule")

    def rule_url(self, name: str) -> str:
        return "/alerts?" + _rule_query(name)


PAGES: tuple[Page, ...] = (
    AlertsPage(
        "alerts",
        "/alerts",
        "Alerts",
        (
            Table(
                "alerts",
                "Alerts",
                _alerts,
                "What the rules fired, newest first, with the account, the posts and the evidence; "
                "q searches titles, handles and rules (rule:<name> keeps one rule's alerts).",
            ),
            Table("rules", "Rules", _rules, "The registered rules, what makes each fire, and their alerts here."),
        ),
        description=(
            "Changes worth hearing about, found by the alert rules after each run (diplotrack alerts, watch), "
            "each fired once, with the evidence to check it. An alert is where to look, not a conclusion."
        ),
        template="alerts.html.j2",
    ),
)
