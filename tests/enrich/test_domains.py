"""Hosts and registered domains of URLs (Public Suffix List, offline)."""

from __future__ import annotations

import pytest

from diplotrack.enrich.domains import host_of, registered_domain


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.cn/20221227/abc/c.html", "news.cn"),
        ("http://www.globaltimes.cn/page/202212/1282770.shtml", "globaltimes.cn"),
        ("https://english.news.cn/20221227/x.htm", "news.cn"),
        ("https://www.bbc.co.uk/news/world-asia-china-64099000", "bbc.co.uk"),
        ("https://t.co/E6zXeGtj6s", "t.co"),
        ("https://chinaplus.cri.cn/news", "cri.cn"),
        ("http://en.people.cn/", "people.cn"),
        ("http://www.people.com.cn/", "people.com.cn"),
        # no scheme, odd case, port, credentials, trailing dot
        ("news.cn/politics", "news.cn"),
        ("//english.news.cn/x", "news.cn"),
        ("HTTPS://WWW.CGTN.COM./news", "cgtn.com"),
        ("http://user:pw@www.xinhuanet.com:8080/a", "xinhuanet.com"),
        # IDNA: stored in its ASCII form
        ("http://例子.中国/", "xn--fsqu00a.xn--fiqs8s"),
        ("https://xn--fsqu00a.xn--fiqs8s/", "xn--fsqu00a.xn--fiqs8s"),
        # the private part of the list: a blog is its own registered domain
        ("https://someone.blogspot.com/2020/01/x.html", "someone.blogspot.com"),
    ],
)
def test_registered_domain(url: str, expected: str) -> None:
    assert registered_domain(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "   ",
        "garbage",
        "not a url",
        "http://",
        "https://exa mple.com/",
        "mailto:press@mfa.gov.cn",
        "javascript:alert(1)",
        "http://localhost:8000/x",
        "http://intranet.corp/",  # not a known top-level domain
        "http://co.uk/",  # a public suffix only
        "http://a..b.com/",
        "http://-bad-.com/",
        "http://192.168.0.1/admin",  # an IP address has no registered domain
        "http://[::1]/",
        "http://[::1",
    ],
)
def test_garbage_gives_none(url: str | None) -> None:
    assert registered_domain(url) is None


def test_host_of() -> None:
    assert host_of("https://English.News.cn/x") == "english.news.cn"
    assert host_of("t.co/abc") == "t.co"
    assert host_of("http://192.168.0.1/x") == "192.168.0.1"
    assert host_of("http://[::1]:80/") == "::1"
    assert host_of("not a url") is None
    assert host_of(None) is None
