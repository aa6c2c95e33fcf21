"""Charts that do not mislead: every report chart names the unit of its axes and has one title; shares
are drawn on 0–1; a chart per month shows the posts under each point and marks partial months; the
dashboard's SVG charts do the same; the network view labels its largest nodes and draws arrows."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from diplotrack.report import charts
from diplotrack.report.figures import data_window, month_partial, partial_months

D = datetime
MONTHS = pd.DataFrame(
    {
        "month": pd.to_datetime(["2021-07-01", "2021-08-01", "2021-09-01"]),
        "posts": [19, 126, 80],
        "posts_enriched": [19, 120, 80],
        "share": [0.1, 0.25, 0.02],
        "confrontational_share": [0.05, 0.4, 0.3],
        "conciliatory_share": [0.3, 0.1, 0.2],
        "state_media_share": [0.0, 0.001, 0.0],
        "ministry_share": [None, None, None],
        "kind": ["embassy", "ministry", "state_media"],
    }
)
WINDOW = (D(2021, 7, 27, 3), D(2021, 9, 15))  # starts and ends mid-month


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """The figures the chart functions make, kept instead of saved (nothing is rendered)."""
    figs: list[Figure] = []
    monkeypatch.setattr(charts, "_save", lambda fig, path, tight=True: figs.append(fig) or path)
    return figs


def _calls() -> dict[str, tuple]:
    joins = pd.DataFrame({"period": ["2020", "2021", "2022"], "joins": [3, 5, 1], "cumulative": [3, 8, 9]})
    kinds = pd.DataFrame({"kind": ["embassy", "diplomat"], "institutional": [True, False], "accounts": [4, 2]})
    thr = pd.DataFrame({"measure": ["posts_count", "followers"], "threshold": [1000, 10000],
                        "accounts_with_data": [4, 4], "accounts_over": [1, 2], "share": [0.25, 0.5]})  # fmt: skip
    targets = pd.DataFrame({"handle": ["a"], "reposts": [4], "to_state_media": [1], "to_ministry": [1],
                            "to_missions": [1], "to_untracked": [1]})  # fmt: skip
    amp = pd.DataFrame({"amplifier": ["x", "y"], "amplifier_tracked": [True, False], "count": [3, 2]})
    by_kind = MONTHS.assign(posts=[5, 3, 2])
    return {
        "joins_over_time": (joins, D(2022, 4, 30)),
        "accounts_by_kind": (kinds,),
        "thresholds": (thr,),
        "followers_distribution": (pd.Series([10, 2000, 40000]),),
        "growth": (pd.DataFrame({"handle": ["a", "b"], "growth": [5, -2]}),),
        "amplification": (targets,),
        "amplifiers": (amp,),
        "horizontal_counts": (
            pd.DataFrame({"account": ["a", "b"], "pagerank": [0.3, 0.1]}),
            "account",
            "pagerank",
            "PageRank (weighted)",
        ),  # fmt: skip
        "tone_trend": (MONTHS, WINDOW),
        "topic_trend": (MONTHS, "covid19", WINDOW),
        "amplification_shares": (by_kind,),
    }


def test_every_report_chart_names_its_units_and_has_one_title(drawn: list[Figure], tmp_path: Path) -> None:
    calls = _calls()
    drawable = {n for n, f in vars(charts).items() if callable(f) and getattr(f, "__module__", "") == charts.__name__}
    drawable -= {"monthly_shares"}  # the monthly charts' shared body, drawn through them
    assert drawable <= set(calls) | {n for n in drawable if n.startswith("_")}, "a chart without a check here"
    for name, args in calls.items():
        before = len(drawn)
        assert getattr(charts, name)(*args, f"The {name} chart", tmp_path / f"{name}.png") is not None, name
        fig = drawn[before]
        sup = [fig._suptitle.get_text()] if fig._suptitle else []
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()] + sup
        assert titles == [f"The {name} chart"], (name, titles)
        for ax in fig.axes:
            labels = (ax.get_xlabel(), ax.get_ylabel())
            shared_x = ax.get_shared_x_axes().get_siblings(ax)
            assert ax.get_ylabel(), (name, labels)
            assert ax.get_xlabel() or len(shared_x) > 1, (name, labels)
            if "share" in ax.get_ylabel():
                assert ax.get_ylim() == (0.0, 1.0), (name, ax.get_ylim())
    pagerank = drawn[list(calls).index("horizontal_counts")]
    assert pagerank.axes[0].get_xlabel() == "PageRank (weighted)"  # the unit, not "posts"


def test_monthly_charts_show_the_posts_per_point_and_mark_partial_months(drawn: list[Figure], tmp_path: Path) -> None:
    charts.topic_trend(MONTHS, "covid19", WINDOW, "t", tmp_path / "t.png")
    top, counts = drawn[0].axes
    assert [round(p.get_height()) for p in counts.patches] == [19, 120, 80]  # posts with known topics
    assert {t.get_text() for t in counts.texts} == {"19", "120", "80"}
    ticks = [t.get_text() for t in counts.get_xticklabels()]
    assert ticks[0] == "2021-07\npartial" and ticks[-1] == "2021-09\npartial" and "partial" not in ticks[1]
    # a series with no known value is named unknown, not drawn as 0
    series = (("state_media_share", "state media", "red"), ("ministry_share", "the ministry", "blue"))
    charts.monthly_shares(MONTHS, series, "posts", "posts", WINDOW, "a", tmp_path / "a.png")
    legend = [t.get_text() for t in drawn[1].axes[0].get_legend().get_texts()]
    assert legend == ["state media", "the ministry: unknown"]
    # whole months: nothing partial; posts without a time belong to no month
    undated = pd.concat([MONTHS, MONTHS.head(1).assign(month=pd.NaT)], ignore_index=True)
    charts.tone_trend(undated, (D(2021, 7, 1), D(2021, 9, 30, 20)), "tone", tmp_path / "x.png")
    assert not any("partial" in t.get_text() for t in drawn[2].axes[1].get_xticklabels())
    assert len(drawn[2].axes[1].patches) == 3


def test_partial_months_are_judged_by_day() -> None:
    months = [date(2021, 7, 1), date(2021, 8, 1), date(2021, 9, 1)]
    assert partial_months(months, WINDOW) == {0, 2}
    assert partial_months(months, (D(2021, 7, 1, 9), D(2021, 9, 30, 1))) == set()
    assert partial_months(months, (None, None)) == set() and partial_months([], WINDOW) == set()
    assert month_partial(date(2021, 8, 1), (D(2021, 8, 2), None)) and not month_partial(date(2021, 8, 1), WINDOW)
    act = pd.DataFrame({"first_post_at": [D(2021, 7, 27), None], "last_post_at": [D(2021, 9, 15), None]})
    from diplotrack.analyses.base import Filters

    assert data_window(act, Filters()) == (D(2021, 7, 27), D(2021, 9, 15))
    lo, hi = data_window(act, Filters(start=D(2021, 7, 1), end=D(2021, 10, 1)))
    assert lo == D(2021, 7, 1) and hi.date() == date(2021, 9, 30)  # the end is exclusive


def test_dashboard_charts_name_the_unit_draw_shares_on_0_1_and_show_counts_and_partial_months() -> None:
    from diplotrack.serve.charts import render
    from diplotrack.serve.pages.base import Chart

    tone = Chart("line", "month", ("confrontational_share", "conciliatory_share"), "Tone per month")
    svg = str(render(tone, MONTHS, WINDOW))
    assert "share of posts (0–1)" in svg and ">1<" in svg and ">0.50<" in svg  # the 0–1 axis
    assert "posts (n)" in svg and "2021-08: 126 posts" in svg  # the count under each month
    assert "2021-07 (partial)" in svg and "2021-09 (partial)" in svg and svg.count("partial month") == 4
    assert len(re.findall(r"<title>", svg)) >= 1 and svg.count("Tone per month") == 2  # aria-label and title
    whole = str(render(tone, MONTHS, (D(2021, 7, 1), D(2021, 9, 30))))
    assert "partial" not in whole
    joins = str(render(Chart("bar", "period", ("joins",), "Joins"), pd.DataFrame({"period": ["2020"], "joins": [3]})))
    assert "accounts created" in joins
    counts = str(render(Chart("line", "month", ("posts",), "Posts"), MONTHS, WINDOW))
    assert ">posts<" in counts and "posts (n)" not in counts  # the value is the count itself


def test_the_network_view_labels_its_largest_nodes_and_draws_arrows() -> None:
    from diplotrack.networks.html_view import render_html

    nodes = pd.DataFrame({"id": list("abcd"), "label": ["Big", "Mid", "Small", "<b>x</b>"],
                          "pagerank": [0.5, 0.3, 0.1, 0.05]})  # fmt: skip
    edges = pd.DataFrame({"source": ["b", "c", "d"], "target": ["a", "a", "b"], "weight": [3, 1, 1]})
    page = render_html(nodes, edges, directed=True, title="t", labels=2)
    texts = re.findall(r"<text [^>]*>([^<]*)</text>", page)
    assert texts == ["Big", "Mid"]  # the two largest, by PageRank
    assert page.count('marker-end="url(#arrow)"') == 3 and '<marker id="arrow"' in page
    plain = render_html(nodes, edges, directed=False, title="t")
    assert "marker" not in plain and len(re.findall(r"<text ", plain)) == 4
    assert "&lt;b&gt;x&lt;/b&gt;" in plain and "<b>x</b>" not in plain
