"""Bar and line charts drawn as inline SVG on the server: no JavaScript, nothing loaded, nothing a
Content-Security-Policy must allow, and every label escaped (markupsafe) like the rest of the page.
A chart is an illustration of the table printed under it, which stays the record.

Every chart names its unit on the value axis; shares (columns named ``share`` or ``*_share``) are
drawn on a 0–1 axis; a chart per month of shares shows under each point how many posts it rests on
(the rows' ``posts``), and a first or last month the panel's data cover only in part is marked
"partial". The panel's heading is the chart's one visible title (the SVG's ``<title>`` is its
accessible name).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup, escape

from diplotrack.report.figures import month_partial
from diplotrack.serve.pages.base import Chart

if TYPE_CHECKING:
    from diplotrack.serve.pages.base import Panel

PALETTE = ("#2b6cb0", "#dd6b20", "#c53030", "#2f855a", "#6b46c1", "#b7791f", "#319795", "#97266d")
W, H, PAD_L, PAD_B, PAD_T, PAD_R = 640, 240, 64, 44, 12, 12
STRIP = 34  # the row of post counts under a chart of shares per month
MAX_BARS = 30
MAX_SERIES = 8
UNITS = {"joins": "accounts created", "posts": "posts", "accounts": "accounts", "followers": "followers"}
Window = tuple[datetime | None, datetime | None]


def _fmt(v: float) -> str:
    if abs(v) >= 1_000_000:
        return f"{v / 1_000_000:.1f}M"
    if abs(v) >= 10_000:
        return f"{v / 1000:.0f}k"
    if v == int(v):
        return f"{int(v):,}"
    return f"{v:.2f}"


def _ticks(top: float) -> list[float]:
    if top <= 0:
        return [0.0]
    step = 10 ** math.floor(math.log10(top))
    for m in (1, 2, 5, 10):
        if top / (step * m) <= 5:
            step *= m
            break
    return [i * step for i in range(int(top // step) + 1)]


def _is_share(col: str) -> bool:
    return col == "share" or col.endswith("_share")


def unit(chart: Chart) -> str:
    """What the value axis counts: shares on 0–1, else the value column's name in words."""
    if all(_is_share(c) for c in chart.y):
        return "share of posts (0–1)"
    return UNITS.get(chart.y[0], chart.y[0].replace("_", " "))


def _axis(top: float, label: str, bottom: float = H - PAD_B) -> list[str]:
    parts = []
    share_axis = label == "share of posts (0–1)"
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0) if share_axis else _ticks(top):
        y = PAD_T + (bottom - PAD_T) * (1 - (tick / top if top else 0))
        parts.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_fmt(tick))}</text>')
    mid = (PAD_T + bottom) / 2
    parts.append(
        f'<text x="12" y="{mid:.1f}" text-anchor="middle" transform="rotate(-90 12 {mid:.1f})" '
        f'class="unit">{escape(label)}</text>'
    )
    return parts


def _label(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return "unknown"
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    return str(v)


def render(chart: Chart, rows: pd.DataFrame, window: Window = (None, None)) -> Markup:
    """The chart as an ``<svg>`` element (empty markup when there is nothing to draw); ``window``: the
    first and last moment the data cover (inclusive), which marks partial months."""
    if rows.empty or chart.x not in rows.columns:
        return Markup("")
    if chart.kind == "bar":
        return _bars(chart, rows)
    return _lines(chart, rows, window)


def _when(v: Any) -> datetime | None:
    if v is None or v == "":
        return None
    ts = pd.Timestamp(v)
    return None if pd.isna(ts) else ts.tz_localize(None).to_pydatetime() if ts.tzinfo else ts.to_pydatetime()


def panel_window(panel: Panel) -> Window:
    """The window a panel's rows cover: its view's start (else the first post its coverage counts) to
    its view's end (exclusive: a microsecond before; else the last post)."""
    f = panel.view.filters if panel.view is not None else None
    cov = panel.coverage or {}
    start = f.start if f is not None and f.start is not None else _when(cov.get("start"))
    end = f.end - timedelta(microseconds=1) if f is not None and f.end is not None else _when(cov.get("end"))
    return start, end


def render_panel(panel: Panel) -> Markup:
    """``render`` for a page's panel (its chart, rows and window)."""
    return render(panel.chart, panel.rows, panel_window(panel)) if panel.chart else Markup("")


def _bars(chart: Chart, rows: pd.DataFrame) -> Markup:
    y = chart.y[0]
    data = rows[[chart.x, y]].head(MAX_BARS)
    values = pd.to_numeric(data[y], errors="coerce").fillna(0).astype(float).tolist()
    top = 1.0 if _is_share(y) else max(values + [0.0]) or 1.0
    top = _ticks(top)[-1] if _ticks(top)[-1] >= top else top
    n = len(values)
    plot_w = W - PAD_L - PAD_R
    bw = plot_w / max(n, 1)
    parts = _axis(top, unit(chart))
    for i, (label, v) in enumerate(zip(data[chart.x].tolist(), values, strict=True)):
        h = (H - PAD_T - PAD_B) * (v / top)
        x = PAD_L + i * bw
        text = escape(f"{_label(label)}: {_fmt(v)}")
        parts.append(
            f'<rect x="{x + bw * 0.1:.1f}" y="{H - PAD_B - h:.1f}" width="{bw * 0.8:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[0]}"><title>{text}</title></rect>'
        )
        if n <= 16 or i % math.ceil(n / 16) == 0:
            short = escape(_label(label)[:14])
            parts.append(
                f'<text x="{x + bw / 2:.1f}" y="{H - PAD_B + 14}" text-anchor="end" '
                f'transform="rotate(-35 {x + bw / 2:.1f} {H - PAD_B + 14})">{short}</text>'
            )
    return _svg(chart, parts)


def _lines(chart: Chart, rows: pd.DataFrame, window: Window = (None, None)) -> Markup:
    xs = pd.to_datetime(rows[chart.x], errors="coerce", utc=True) if chart.x in rows else None
    if xs is None or xs.isna().all():
        return Markup("")
    frame = rows.assign(_x=xs.dt.tz_localize(None)).dropna(subset=["_x"])
    series: list[tuple[str, pd.DataFrame, str]] = []
    if chart.series and chart.series in frame.columns:
        top = frame.groupby(chart.series, dropna=False)[chart.y[0]].sum().sort_values(ascending=False)
        for name in top.index[:MAX_SERIES]:
            part = frame[frame[chart.series].isna()] if pd.isna(name) else frame[frame[chart.series] == name]
            series.append((_label(name), part, chart.y[0]))
    else:
        series = [(col, frame, col) for col in chart.y[:MAX_SERIES]]
    lo, hi = frame["_x"].min(), frame["_x"].max()
    span = (hi - lo).total_seconds() or 1.0
    ys = [pd.to_numeric(s[c], errors="coerce") for _, s, c in series]
    shares = all(_is_share(c) for c in chart.y)
    top = 1.0 if shares else max([float(y.max()) for y in ys if y.notna().any()] + [0.0]) or 1.0
    top = _ticks(top)[-1] if _ticks(top)[-1] >= top else top
    monthly = chart.x == "month"
    counts = monthly and shares and "posts" in frame.columns and not chart.series
    height = H + STRIP if counts else H
    parts = _axis(top, unit(chart))
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def x_of(when: pd.Timestamp) -> float:
        return PAD_L + plot_w * (when - lo).total_seconds() / span

    months = sorted({pd.Timestamp(m) for m in frame["_x"]}) if monthly else []
    partial = {m for m in (months[:1] + months[-1:]) if month_partial(m.date(), window)}
    for i, ((name, s, _c), y) in enumerate(zip(series, ys, strict=True)):
        pts = sorted((x_of(x), PAD_T + plot_h * (1 - float(v) / top), x) for x, v in zip(s["_x"], y, strict=True)
                     if pd.notna(v))  # fmt: skip
        colour = PALETTE[i % len(PALETTE)]
        label = name if pts else f"{name}: unknown"
        parts.append(
            f'<text x="{W - PAD_R}" y="{PAD_T + 12 + 13 * i}" text-anchor="end" fill="{colour}">'
            f"{escape(label[:40])}</text>"
        )
        if not pts:
            continue
        path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy, _ in pts)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
        )
        for x, yy, when in pts:
            if when in partial:
                parts.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="4" fill="#fff" stroke="{colour}" stroke-width="2">'
                             f"<title>{escape(f'{when:%Y-%m}: partial month')}</title></circle>")  # fmt: skip
    for when, anchor, x in ((lo, "start", PAD_L), (hi, "end", W - PAD_R)):
        text = f"{when:%Y-%m} (partial)" if when in partial else f"{when:%Y-%m}" if monthly else f"{when:%Y-%m-%d}"
        parts.append(f'<text x="{x}" y="{H - PAD_B + 16}" text-anchor="{anchor}">{escape(text)}</text>')
    if counts:
        parts += _count_strip(frame, x_of)
    return _svg(chart, parts, height)


def _count_strip(frame: pd.DataFrame, x_of: Any) -> list[str]:
    """Bars of the posts each month's shares rest on, in a row under the chart, with the largest."""
    n = frame.groupby("_x")["posts"].sum()
    most = float(n.max()) if len(n) else 0.0
    base, room = H + STRIP - 6, STRIP - 14
    parts = [f'<text x="{PAD_L - 6}" y="{base:.1f}" text-anchor="end" class="unit">posts (n)</text>']
    for when, v in n.items():
        h = room * float(v) / most if most > 0 else 0.0
        x = x_of(when)
        parts.append(
            f'<rect x="{x - 3:.1f}" y="{base - h:.1f}" width="6" height="{h:.1f}" fill="#a0aec0">'
            f"<title>{escape(f'{when:%Y-%m}: {int(v):,} posts')}</title></rect>"
        )
    parts.append(f'<text x="{W - PAD_R}" y="{base - room - 2:.1f}" text-anchor="end" class="unit">'
                 f"largest: {int(most):,} posts</text>")  # fmt: skip
    return parts


def _svg(chart: Chart, parts: list[str], height: int = H) -> Markup:
    title = escape(chart.title)
    body = "".join(parts)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{title}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{title}</title>{body}</svg>'
    )
