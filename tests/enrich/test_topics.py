"""The topic taxonomy: matches on real posts, the matching rules and user extensions."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from diplotrack.enrich.topics import load_taxonomy
from diplotrack.errors import UsageError


@pytest.fixture(scope="module")
def tx():
    return load_taxonomy()


# --------------------------------------------------------------------------- the bundled taxonomy


def test_bundled_taxonomy_shape(tx) -> None:
    ids = [t.id for t in tx.topics]
    assert len(ids) == len(set(ids))
    assert 15 <= len(ids) <= 25
    for must in ("covid19", "hong_kong", "taiwan", "xinjiang", "tibet", "united_states", "human_rights",
                 "multilateralism", "belt_and_road", "trade_economy", "culture_tourism", "ukraine_war",
                 "development_aid", "climate_environment", "south_china_sea", "technology", "japan", "africa",
                 "global_initiatives", "nato"):  # fmt: skip
        assert must in ids
    for topic in tx.topics:
        langs = {term.lang for term in topic.terms}
        assert {"en", "zh"} <= langs, topic.id
        assert topic.label
    assert re.fullmatch(r"topics-1\+[0-9a-f]{8}", tx.version)
    assert load_taxonomy() is tx  # built once per process


# Real posts of the demo timelines (src/diplotrack/data/demo), quoted as they are in the files.
DEMO_POSTS = [
    (
        "China’s provisional measures on cross-border travel will take effect on January 8 Beijing time. China "
        "will continue to make COVID response more science-based and targeted, and better facilitate the safe and "
        "orderly cross-border travel of Chinese and foreign nationals. https://t.co/7CQh9AABS5",
        [],
        ["covid19"],
    ),
    (
        "Japan has been hyping up regional tensions to seek military breakthrough. This is highly dangerous, "
        "casting serious doubts among its Asian neighbors&amp;the international community over whether Japan is "
        "truly committed to an exclusively defense-oriented policy&amp;peaceful development. https://t.co/ehm7VwaYn7",
        [],
        ["japan"],
    ),
    (
        "Belt and Road cooperation witnesses another year of good progress and gratifying results. "
        "https://t.co/CtCFzlaVld",
        [],
        ["belt_and_road"],
    ),
    ("What exactly does the US want from Asia?\nhttps://t.co/fTQ8CDK8iZ", [], ["united_states"]),
    (
        "What does COVID-19 origins inquiry mean for U.S. scientists?\nhttps://t.co/CPG6B7a9ym",
        [],
        ["covid19", "united_states"],
    ),
    (
        "Why Does the United States Keep Spreading Lies about Xinjiang?https://t.co/qMZgMIMXre",
        [],
        ["united_states", "xinjiang"],
    ),
    (
        "We urge the US to show earnest care to the human rights of its own people and submit a report on the US "
        "human rights conditions to the international community.",
        [],
        ["human_rights", "united_states"],
    ),
    (
        "China calls on Russia and Ukraine to move in the direction of dialogue and negotiation.\n"
        "https://t.co/Z9aML0uVXX",
        [],
        ["ukraine_war"],
    ),
    (
        "#GTVoice: As TikTok has gained a larger market share in US, there has been a menacing resurfacing of "
        "national security allegations, which offers a glimpse into the deterioration of regulatory environment "
        "there. https://t.co/XnJI3fdlZ3",
        ["gtvoice"],
        ["technology", "united_states"],
    ),
    (
        "The G7 only accounts for about 1/10 of the world’s population. It has no authority to speak for the whole "
        "world or present its own values and standards as universal values and standards.\nhttps://t.co/hEvrHiAXHF",
        [],
        ["multilateralism"],
    ),
    (
        "Come and enjoy the annual #Yuyuan Garden lantern show in #Shanghai, embracing the #YearoftheRabbit! "
        "Photos: Chen Xia/GT https://t.co/QSjePeZPCF https://t.co/cao0Gl7inv",
        ["yuyuan", "shanghai", "yearoftherabbit"],
        ["culture_tourism"],
    ),
    (
        "@AmbLiuXiaoMing  met with FM Sergey Lavrov @mfa_russia in #Moscow. They exchanged views on the situation "
        "on the #KoreanPeninsula, believing maintaining #peace&amp; #stability on the Peninsula is in the interest "
        "of both #China and #Russia.  🇨🇳🇷🇺\nhttps://t.co/56x8Z5To1q",
        ["moscow", "koreanpeninsula", "peace", "stability", "china", "russia"],
        ["korean_peninsula"],
    ),
    ("Snapshots of cities across China these days. https://t.co/hj9sLiSRef", [], []),
    # "us" in lower case is the pronoun, not the United States
    (
        '#MediaUnlocked "If China or the Chinese government is saying something scientific, are you suggesting '
        "that we should oppose science? Dismissing anything China said as propaganda will only harm us, it will "
        'not harm China", said German vlogger @NavinaHeyden. https://t.co/52p9s0hpNm',
        ["mediaunlocked"],
        [],
    ),
]


@pytest.mark.parametrize(("text", "hashtags", "expected"), DEMO_POSTS)
def test_demo_posts(tx, text: str, hashtags: list[str], expected: list[str]) -> None:
    assert tx.match(text, hashtags) == expected


# MFA spokesperson remarks (shared/data/texts/mfa-spokesperson-remarks-2016-2020-zh.csv), one paragraph each.
ZH_PARAGRAPHS = [
    (
        "新华社记者：昨晚，金砖国家举行应对新冠肺炎疫情特别外长会。中方如何评价此次会议成果？"
        "会议对国际社会合作抗击疫情有何意义？",
        ["covid19", "multilateralism"],
    ),
    (
        "凤凰卫视记者：美国国务卿蓬佩奥日前在记者会上称，中国正利用全世界关注疫情大流行的时机，继续推进挑衅行为，"
        "包括侵蚀香港自治权、对台湾施加军事压力并胁迫南海邻国。中方对此有何评论？",
        ["covid19", "hong_kong", "south_china_sea", "taiwan", "united_states"],
    ),
    (
        "中国政府多次郑重声明，南海仲裁案及其所谓裁决是非法的、无效的，中方不接受、不参与仲裁，不接受、不承认所谓裁决。"
        "中方这一立场符合国际法。",
        ["south_china_sea"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), ZH_PARAGRAPHS)
def test_chinese_paragraphs(tx, text: str, expected: list[str]) -> None:
    assert tx.match(text) == expected


# --------------------------------------------------------------------------- the matching rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The US and the UN", ["multilateralism", "united_states"]),
        ("let us know what un-American means", ["united_states"]),  # "us", "un" are words; American is the US
        ("let us know", []),
        ("WHO chief Tedros", ["multilateralism"]),
        ("who knows", []),
        ("HK police", ["hong_kong"]),
        ("a hk police", []),
        ("Nato and NATO", ["nato"]),
        ("nato in Italian means born", []),
        ("#US sanctions", ["united_states"]),  # a hashtag in the text is a word
        ("BRUS", []),  # not a whole word
        ("U.S.-China ties", ["united_states"]),
    ],
)
def test_case_sensitive_terms(tx, text: str, expected: list[str]) -> None:
    assert tx.match(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Latin America and the Caribbean", []),  # a stop term hides "America"
        ("American farmers", ["united_states"]),
        ("vaccines, vaccination, vaccinated", ["covid19"]),  # vaccin*: the start of a word
        ("agriculture", []),  # cultur* starts words only
        ("cultural exchanges", ["culture_tourism"]),
        ("the one China principle", ["taiwan"]),  # a space in a term matches hyphens and spaces
        ("the one-china  principle", ["taiwan"]),
        ("Hong\nKong", ["hong_kong"]),
        ("Belt&amp;Road", ["belt_and_road"]),  # entities decoded
        ("Ren’ai Jiao", ["south_china_sea"]),  # ’ matches '
        ("Uyghurs", ["xinjiang"]),
        ("COVID-19x", ["covid19"]),  # covid-19 fails at the word end, covid does not
        ("", []),
        (None, []),
    ],
)
def test_word_terms(tx, text: str | None, expected: list[str]) -> None:
    assert tx.match(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中美关系", ["united_states"]),
        ("中美洲国家", []),  # Central America: a stop term hides 中美
        ("其中东南亚国家", []),  # 其中 + 东南亚, not 中东
        ("中东欧国家", ["europe"]),  # Central and Eastern Europe, not the Middle East
        ("华为5G网络", ["technology"]),  # a Latin term next to Chinese characters
        ("推进共建“一带一路”高质量发展", ["belt_and_road"]),
        ("新疆棉花", ["xinjiang"]),
        ("Украина и Крым", ["ukraine_war"]),  # Russian word starts
        ("الأمم المتحدة", ["multilateralism"]),  # Arabic as a substring
        ("والأمم المتحدة", ["multilateralism"]),  # with the conjunction attached
    ],
)
def test_chinese_russian_arabic(tx, text: str, expected: list[str]) -> None:
    assert tx.match(text) == expected


def test_hashtags(tx) -> None:
    assert tx.match(None, ["HongKong"]) == ["hong_kong"]
    assert tx.match("", ["#COVID19", "beltandroad"]) == ["belt_and_road", "covid19"]
    assert tx.match("nothing here", ["unknowntag", ""]) == []


# --------------------------------------------------------------------------- user files

EXTENSION = """\
# my topics
topics:
  - id: arctic
    label: The Arctic
    terms:
      en: [arctic, polar silk road]
      zh: [北极]
    hashtags: [arctic]
  - id: taiwan
    terms:
      en: [{term: KMT, case_sensitive: true}]
    hashtags: [taiwanstrait2025]
stop_terms:
  en: [arctic monkeys]
"""


def test_user_extension(tmp_path: Path, tx) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(EXTENSION, encoding="utf-8")
    mine = load_taxonomy(path)
    assert mine.version != tx.version and mine.version.startswith("topics-1+")
    assert [t.id for t in mine.topics][-1] == "arctic"
    assert mine.topic("arctic").label == "The Arctic"
    assert mine.match("China is a near-Arctic state") == ["arctic"]
    assert mine.match("中国是近北极国家") == ["arctic"]
    # the longest term wins at a place: "polar silk road" hides "silk road" (belt_and_road)
    assert mine.match("the Polar Silk Road") == ["arctic"]
    assert mine.match("Arctic Monkeys") == []
    assert mine.match("the KMT and the DPP") == ["taiwan"]
    assert mine.match("kmt") == []
    assert mine.match(None, ["TaiwanStrait2025"]) == ["taiwan"]
    taiwan = mine.topic("taiwan")
    assert taiwan.label == "Taiwan" and len(taiwan.terms) == len(tx.topic("taiwan").terms) + 1
    assert tx.match("the KMT") == []  # the bundled taxonomy is untouched


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "topics:\n  - id: taiwan\n    terms:\n      en: [us]\n",
            r"bad\.yaml:4: topic 'taiwan' terms\.en: 'us' is too short .*case_sensitive: true",
        ),
        (
            "topics:\n  - id: arctic\n    terms:\n      en: [arctic]\n",
            r"bad\.yaml:2: topic 'arctic' is new .* needs 'label:'",
        ),
        ("topics:\n  - id: Arctic Ocean\n    label: x\n", r"bad\.yaml:2: id 'Arctic Ocean' is not valid"),
        ("topics:\n  - id: arctic\n    label: x\n    term:\n      en: [x]\n", r"bad\.yaml:4: .*unknown key 'term'"),
        ("topics:\n  - id: x\n    label: [a\n", r"bad\.yaml:4: not valid YAML"),
        ("topics:\n  - id: x\n    label: X\n    terms:\n      English: [x]\n", r"bad\.yaml:5: .*'English' is not a"),
        (
            "topics:\n  - id: x\n    label: X\n    terms:\n      en: [{term: X, case_sensitive: maybe}]\n",
            r"bad\.yaml:5: .*case_sensitive must be true or false",
        ),
        ("topics:\n  - id: x\n    label: X\n    terms:\n      en: [a*b]\n", r"bad\.yaml:5: .*'\*' may only end"),
        ("", r"bad\.yaml:1: the file is empty"),
    ],
)
def test_bad_user_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        load_taxonomy(path)


def test_lower_case_sensitive_term(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("topics:\n  - id: pron\n    label: P\n    terms:\n      en: [{term: us, case_sensitive: true}]\n")
    mine = load_taxonomy(path)
    assert mine.match("let us go") == ["pron"]
    assert mine.match("the US") == ["united_states"]


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("topics:\n  - id: a\n    label: A\n    terms:\n      en: [ab, cd]\n", encoding="utf-8")
    with pytest.raises(UsageError) as err:
        load_taxonomy(path)
    text = str(err.value)
    assert text.startswith("2 problems in ") and "'ab' is too short" in text and "'cd' is too short" in text
    assert "write {term: AB, case_sensitive: true}" in text


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_a_fifo_or_a_folder_is_refused_before_any_read(tmp_path: Path) -> None:
    fifo = tmp_path / "topics.yaml"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    with pytest.raises(UsageError, match="is a FIFO; give a YAML file"):
        load_taxonomy(fifo)
    with pytest.raises(UsageError, match="is a folder; give a YAML file"):
        load_taxonomy(tmp_path)
