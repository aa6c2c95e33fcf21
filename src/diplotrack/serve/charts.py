"""Bar and line charts drawn as inline SVG on the server: no JavaScript, nothing loaded, nothing a
Content-Security-Policy must allow, and every label escaped (markupsafe) like the rest of the page.
A chart is an illustration of the table printed under it, which stays the record.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from diplotrack.serve.pages.base import Chart

PALETTE = ("#2b6cb0", "#dd6b20", "#c53030", "#2f855a", "#6b46c1", "#b7791f", "#319795", "#97266d")
W, H, PAD_L, PAD_B, PAD_T, PAD_R = 640, 240, 56, 44, 12, 12
MAX_BARS = 30
MAX_SERIES = 8


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


def _axis(top: float) -> list[str]:
    parts = []
    for tick in _ticks(top):
        y = PAD_T + (H - PAD_T - PAD_B) * (1 - (tick / top if top else 0))
        parts.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_fmt(tick))}</text>')
    return parts


def _label(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return "unknown"
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    return str(v)


def render(chart: Chart, rows: pd.DataFrame) -> Markup:
    """The chart as an ``<svg>`` element (empty markup when there is nothing to draw)."""
    if rows.empty or chart.x not in rows.columns:
        return Markup("")
    if chart.kind == "bar":
        return _bars(chart, rows)
    return _lines(chart, rows)


def _bars(chart: Chart, rows: pd.DataFrame) -> Markup:
    y = chart.y[0]
    data = rows[[chart.x, y]].head(MAX_BARS)
    values = pd.to_numeric(data[y], errors="coerce").fillna(0).astype(float).tolist()
    top = max(values + [0.0]) or 1.0
    top = _ticks(top)[-1] if _ticks(top)[-1] >= top else top
    n = len(values)
    plot_w = W - PAD_L - PAD_R
    bw = plot_w / max(n, 1)
    parts = _axis(top)
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


def _lines(chart: Chart, rows: pd.DataFrame) -> Markup:
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
    top = max([float(y.max()) for y in ys if y.notna().any()] + [0.0]) or 1.0
    top = _ticks(top)[-1] if _ticks(top)[-1] >= top else top
    parts = _axis(top)
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    for i, ((name, s, _c), y) in enumerate(zip(series, ys, strict=True)):
        pts = sorted(
            (PAD_L + plot_w * (x - lo).total_seconds() / span, PAD_T + plot_h * (1 - float(v) / top))
            for x, v in zip(s["_x"], y, strict=True)
            if pd.notna(v)
        )
        if not pts:
            continue
        path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in pts)
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
        )
        parts.append(
            f'<text x="{W - PAD_R}" y="{PAD_T + 12 + 13 * i}" text-anchor="end" fill="{colour}">'
            f"{escape(name[:30])}</text>"
        )
    for when, anchor, x in ((lo, "start", PAD_L), (hi, "end", W - PAD_R)):
        parts.append(
            f'<text x="{x}" y="{H - PAD_B + 16}" text-anchor="{anchor}">{escape(when.strftime("%Y-%m-%d"))}</text>'
        )
    return _svg(chart, parts)


def _svg(chart: Chart, parts: list[str]) -> Markup:
    title = escape(chart.title)
    body = "".join(parts)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{title}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{title}</title>{body}</svg>'
    )
