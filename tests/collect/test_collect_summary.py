"""The lines ``collect`` prints at the end of a run: why an account is gone, what each platform
spent in its own unit, and a planned stop said as a stop, not an error."""

from __future__ import annotations

from diplotrack.cli.collect import print_report
from diplotrack.collect.engine import CollectReport, PlatformReport
from diplotrack.collect.meter import Meter


def test_the_summary_says_why_in_each_platforms_unit_and_a_quota_stop_is_not_an_error(capsys) -> None:
    gone = {"event": "suspended", "handle": "blockedchan", "detail": "Telegram restricts @blockedchan: …"}
    renamed = {"event": "renamed", "handle": "a", "old": "a", "new": "b", "detail": "not shown for a rename"}
    report = CollectReport(
        run_id=7,
        platforms=[
            PlatformReport("telegram", status="ok", events=[gone, renamed]),
            PlatformReport("youtube", status="budget", error="the YouTube quota is spent", meter=Meter(units=0)),
            PlatformReport("x", status="ok", meter=Meter(cost=1.5)),
        ],
    )
    print_report(report)
    out, err = capsys.readouterr()
    assert "telegram: blockedchan: suspended (Telegram restricts @blockedchan: …)" in err
    assert "telegram: a: renamed a → b\n" in err and "not shown for a rename" not in err
    assert "stopped: the YouTube quota is spent" in err and "error:" not in err
    assert "youtube budget:" in out and "0 quota units" in out  # units even when none were spent
    assert "$0.00" not in out.split("youtube budget:")[1].split(";")[0]
    assert "$1.50 estimated" in out
