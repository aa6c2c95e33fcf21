"""A handle token says a kind only when it is a kind word: two roster consuls general named Zhang
make ``zhang`` a pattern of the roster's handles, never the kind consul_general."""

from __future__ import annotations

from diplotrack.discover.handles import kind_words, learn
from diplotrack.discover.patterns import load_patterns

ROSTER = (
    ("x", "ZhangMeifang", "consul_general"),
    ("x", "Zhang_Yiming", "consul_general"),
    ("x", "ChinaEmbKenya", "embassy"),
    ("x", "ChinaEmbSpain", "embassy"),
    ("x", "ChinaConsulSydney", "consulate"),
    ("x", "ChinaConsulOsaka", "consulate"),
)


def test_only_kind_words_give_a_kind_and_lower_case_handles_are_cut_for_it():
    model = learn(
        ROSTER,
        [("x", h) for h in ("foodblog", "ChinaDailyFan", "china_watch", "dumplings")],
        kind_words(load_patterns()),
    )
    zhang = model.best("x", "zhang_heqing")
    assert zhang is not None and zhang.token == "zhang" and zhang.strength > 0  # still adds to the signal
    assert zhang.kind is None  # a surname is no kind
    assert model.best("x", "ChinaEmbPeru").kind == "embassy"
    assert model.best("x", "chinaconsulmilan").kind == "consulate"  # a four-letter word matches inside
    manila = model.best("x", "Chinaembmanila")
    assert manila is not None and manila.kind == "embassy" and manila.kind_token == "emb"
    assert manila.token == "china"  # the cut gives the kind only: the signal's strength is unchanged
    assert model.best("x", "Chinaembmanila").strength == model.best("x", "ChinaManila").strength
