"""The state-media list: look-ups by domain and account, the bundled roster, user extensions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from diplotrack.enrich import state_media as sm_module
from diplotrack.enrich.domains import registered_domain
from diplotrack.enrich.state_media import KINDS, load_state_media
from diplotrack.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sm():
    return load_state_media()


def test_bundled_list(sm) -> None:
    assert re.fullmatch(r"state-media-1\+[0-9a-f]{8}", sm.version)
    ids = [o.id for o in sm.outlets]
    assert len(ids) == len(set(ids))
    for outlet in sm.outlets:
        assert outlet.kind in KINDS and outlet.source and outlet.name
        assert re.fullmatch(r"[A-Z]{2}", outlet.state)
        assert outlet.domains or outlet.accounts
        for domain in outlet.domains:
            assert registered_domain(domain) == domain
    assert load_state_media() is sm


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("news.cn", "xinhua"),
        ("xinhuanet.com", "xinhua"),
        ("cgtn.com", "cgtn"),
        ("people.com.cn", "peoples_daily"),
        ("peopledaily.com.cn", "peoples_daily"),
        ("chinadaily.com.cn", "china_daily"),
        ("globaltimes.cn", "global_times"),
        ("chinanews.com.cn", "china_news_service"),
        ("ecns.cn", "china_news_service"),
        ("cctv.com", "cctv"),
        ("cri.cn", "cri"),
        ("china.org.cn", "china_org_cn"),
        ("rt.com", "rt"),
        ("sputnikglobe.com", "sputnik"),
        ("tass.ru", "tass"),
        ("presstv.ir", "press_tv"),
        ("trtworld.com", "trt"),
        ("aa.com.tr", "anadolu"),
        ("NEWS.CN", "xinhua"),
        ("english.news.cn", "xinhua"),  # a host is reduced to its registered domain
    ],
)
def test_by_domain(sm, domain: str, expected: str) -> None:
    outlet = sm.by_domain(domain)
    assert outlet is not None and outlet.id == expected


def test_by_domain_of_links(sm) -> None:
    assert sm.by_domain(registered_domain("https://english.news.cn/20221227/x.htm")).id == "xinhua"
    assert sm.by_domain(registered_domain("http://www.globaltimes.cn/page/1.shtml")).id == "global_times"
    assert sm.by_domain(registered_domain("https://chinaplus.cri.cn/news")).id == "cri"
    assert sm.by_domain(registered_domain("https://www.bbc.co.uk/news")) is None
    assert sm.by_domain(registered_domain("https://t.co/E6zXeGtj6s")) is None
    assert sm.by_domain(None) is None
    assert sm.by_domain("") is None


def test_by_account(sm) -> None:
    assert sm.by_account("x", "XHNews").id == "xinhua"
    assert sm.by_account("x", "xhnews").id == "xinhua"  # any case
    assert sm.by_account("x", "@CGTNOfficial").id == "cgtn"
    assert sm.by_account("twitter", "globaltimesnews").id == "global_times"  # twitter is x
    assert sm.by_account("X", "PDChina").id == "peoples_daily"
    assert sm.by_account("x", "RT_com").id == "rt"
    assert sm.by_account("bluesky", "XHNews") is None  # another platform
    assert sm.by_account("x", "MFA_China") is None  # a ministry, not media
    assert sm.by_account("x", None) is None


def test_roster_state_media_accounts_are_listed(sm) -> None:
    roster = yaml.safe_load((ROOT / "src/diplotrack/roster/bundled/china.yaml").read_text(encoding="utf-8"))
    handles = [
        account["handle"]
        for actor in roster["actors"]
        if actor["kind"] == "state_media"
        for account in actor.get("accounts", [])
        if account["platform"] == "x"
    ]
    assert len(handles) >= 10
    missing = [h for h in handles if sm.by_account("x", h) is None]
    assert missing == []


def test_platforms_are_the_rosters() -> None:
    from diplotrack.roster.model import PLATFORMS

    assert sm_module.PLATFORMS == PLATFORMS


EXTENSION = """\
outlets:
  - id: xinhua
    domains: [xinhua.org]
    accounts:
      - {platform: x, handle: ExampleHandle}
  - id: my_outlet
    name: My State Outlet
    state: CN
    kind: state-affiliated
    domains: [example-state-news.cn]
    accounts:
      - {platform: bluesky, handle: mystate.bsky.social}
    source: my own research notes
"""


def test_user_extension(tmp_path: Path, sm) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(EXTENSION, encoding="utf-8")
    mine = load_state_media(path)
    assert mine.version != sm.version
    assert mine.by_domain("xinhua.org").id == "xinhua"
    assert mine.by_domain("news.cn").id == "xinhua"  # the bundled domains stay
    assert mine.by_account("x", "examplehandle").id == "xinhua"
    assert mine.by_domain("example-state-news.cn").id == "my_outlet"
    assert mine.by_account("bluesky", "@mystate.bsky.social").id == "my_outlet"
    assert mine.outlet("my_outlet").kind == "state-affiliated"
    assert sm.by_domain("xinhua.org") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "outlets:\n  - id: cgtn\n    domains: [www.cgtn.com]\n",
            r"bad\.yaml:3: .*'www\.cgtn\.com' is not a registered domain; write 'cgtn\.com'",
        ),
        (
            "outlets:\n  - id: mine\n    domains: [mine.cn]\n",
            r"bad\.yaml:2: outlet 'mine' is new .* needs name, state, kind, source",
        ),
        (
            "outlets:\n  - id: mine\n    name: M\n    state: China\n    kind: state-controlled\n"
            "    domains: [mine.cn]\n    source: s\n",
            r"bad\.yaml:4: outlet 'mine' state: 'China' is not an ISO 3166-1 alpha-2",
        ),
        (
            "outlets:\n  - id: mine\n    name: M\n    state: CN\n    kind: propaganda\n"
            "    domains: [mine.cn]\n    source: s\n",
            r"bad\.yaml:5: .*'propaganda' is not a kind",
        ),
        (
            "outlets:\n  - id: mine\n    name: M\n    state: CN\n    kind: state-controlled\n"
            "    domains: [cgtn.com]\n    source: s\n",
            r"bad\.yaml:6: domain 'cgtn\.com' of outlet 'mine' is already that of outlet 'cgtn'",
        ),
        (
            "outlets:\n  - id: cgtn\n    accounts:\n      - {platform: myspace, handle: cgtn}\n",
            r"bad\.yaml:4: .*'myspace' is not a platform",
        ),
        ("outlets:\n  - id: cgtn\n    website: cgtn.com\n", r"bad\.yaml:3: .*unknown key 'website'"),
    ],
)
def test_bad_user_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        load_state_media(path)
