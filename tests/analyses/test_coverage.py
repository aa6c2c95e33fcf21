"""Running an analysis by name through the registry gives its result and its coverage."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from diplotrack.analyses.base import Filters, Tables
from diplotrack.analyses.coverage import Coverage
from diplotrack.analyses.registry import BY_NAME, run
from diplotrack.errors import UsageError


def test_run_returns_the_result_and_its_coverage(demo: Tables) -> None:
    r = run("accounts_by_kind", demo, Filters(kinds=("ministry",)))
    df = r.table.to_pandas()
    assert df["accounts"].sum() == r.coverage.selected == r.coverage.accounts == 3
    r = run("top_accounts", demo, Filters(), by="posts", n=3)
    assert len(r.table.to_pandas()) == 3
    cov = r.coverage
    # 85 accounts = 81 on X + 4 on mfa; with a post or a snapshot: 78 on X (snapshots, the 4 timelines
    # among them) and the 3 speakers with statements; 陆慷 has neither (no statement in 2020-01..04)
    assert cov.basis == "posts_or_snapshots" and cov.selected == 85 and cov.accounts == 81
    assert set(cov.missing) == {"mfa:陆慷", "x:ChinaEmbEsp", "x:ConsulChinaBcn", "x:zhu_jingyang"}
    assert json.loads(json.dumps(cov.to_dict()))["missing"] == list(cov.missing)


def test_coverage_follows_the_filters_and_the_window(demo: Tables) -> None:
    posts = run("languages", demo, Filters(kinds=("ministry", "spokesperson"))).coverage
    # 13 accounts: 9 on X and the 4 spokespeople at the podium (mfa); MFA_China, SpokespersonCHN and
    # zlj517 post on X in the demo, 华春莹, 赵立坚 and 耿爽 at the podium (陆慷 not in 2020-01..04)
    assert posts.accounts == 6 and posts.selected == 13
    assert "x:MFA_China" not in posts.missing and "mfa:耿爽" not in posts.missing and len(posts.missing) == 7
    assert "mfa:陆慷" in posts.missing
    early = run("languages", demo, Filters(end=datetime(2000, 1, 1))).coverage
    assert early.accounts == 0 and early.start is None
    assert any("No post by the selected accounts" in c for c in early.caveats)


def test_a_repost_analysis_says_when_there_is_no_repost(demo: Tables) -> None:
    cov = run("repost_targets_by_kind", demo, Filters()).coverage
    assert any("amplification by reposting cannot be measured" in c for c in cov.caveats)
    assert "reposting" not in " ".join(run("topics", demo, Filters()).coverage.caveats)


def test_the_coverage_line_names_what_is_missing() -> None:
    cov = Coverage("posts", 1, 13, tuple(f"x:a{i}" for i in range(12)), "2021-01-01", "2021-02-01", ("C.",))
    line = cov.line()
    assert line.startswith("Based on 1 of 13 selected accounts (a post in the window)")
    assert "x:a9" in line and "x:a10" not in line and "and 2 more" in line
    assert "data from 2021-01-01 to 2021-02-01" in line and line.endswith("Caveats: C.")


def test_run_refuses_an_unknown_analysis_or_parameter(demo: Tables) -> None:
    with pytest.raises(UsageError, match="unknown analysis 'nope'"):
        run("nope", demo)
    with pytest.raises(UsageError, match="takes no parameter bogus"):
        run("top_accounts", demo, bogus=1)
    assert BY_NAME["joins_by_cohort"].params["cutoffs"] is not None
