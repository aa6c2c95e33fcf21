"""The host and the registered domain of a URL, offline.

``registered_domain`` is the domain someone registered, found with the Public Suffix List that the
``publicsuffixlist`` package ships (no download): ``english.news.cn`` → ``news.cn``,
``www.bbc.co.uk`` → ``bbc.co.uk``, ``t.co`` → ``t.co``. The whole list is used, its private
section included, so ``someone.github.io`` is its own registered domain, as browsers treat it.

Rules, for every function here:

- a URL without a scheme (``news.cn/a``, ``//news.cn/a``) is read as ``http://`` one;
- the host is lower-cased and, when it is written in another script, IDNA-encoded
  (``例子.中国`` → ``xn--fsqu00a.xn--fiqs8s``): the ASCII form is the one stored and compared;
- a trailing dot, a port and ``user:password@`` are dropped;
- garbage gives ``None``: no host, a space in it, a label that is empty, too long or not letters,
  digits, ``-`` and ``_``, a host that is only a public suffix (``co.uk``) or under a top-level
  domain the list does not know (``localhost``, ``intranet.corp``); an IP address has a host but no
  registered domain.

Both functions are pure and cached (``functools.lru_cache``), so a run over many posts that link the
same hosts does each host once.

**Shorteners.** ``is_shortener`` says whether a URL (or a host or domain) is on a URL shortener of
the bundled list (``data/shorteners.txt``: ``t.co``, ``bit.ly``, news outlets' own such as
``xhne.ws``): its domain says nothing about where the link leads. ``link_domain`` is the domain a
link counts under: the final domain ``diplotrack resolve-links`` found by following its redirects
when there is one (and it is not itself a shortener), else the link's own registered domain, and
``None`` (an *unresolved shortened link*) for a shortener link not resolved yet. Shortener domains
never count as link domains.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

_PSL = PublicSuffixList(accept_unknown=False)  # built once (~0.1 s), read-only afterwards
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_NOT_A_HOST_SCHEME = re.compile(r"(?:mailto|tel|sms|data|javascript|urn|about|news|magnet):", re.IGNORECASE)
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_SPACE = re.compile(r"\s")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=65536)
def host_of(url: str | None) -> str | None:
    """The lower-cased, IDNA-encoded host of ``url`` (an IP address as written), or ``None``."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if not url or _SPACE.search(url):
        return None
    if not _SCHEME.match(url):
        if url.startswith("//"):
            url = "http:" + url
        elif _NOT_A_HOST_SCHEME.match(url):
            return None
        else:
            url = "http://" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed [IPv6 bracket
        return None
    if not host:
        return None
    if ":" in host:  # an IPv6 literal (urlsplit has taken the brackets off)
        return host if _is_ip(host) else None
    host = host.rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
    if len(host) > 253:
        return None
    if _is_ip(host):
        return host
    if not all(_LABEL.fullmatch(label) for label in host.split(".")):
        return None
    return host


@lru_cache(maxsize=65536)
def _registered(host: str) -> str | None:
    if ":" in host or _is_ip(host):
        return None
    return _PSL.privatesuffix(host)


@lru_cache(maxsize=65536)
def registered_domain(url: str | None) -> str | None:
    """The registered domain of ``url`` (``https://english.news.cn/x`` → ``news.cn``), or ``None``."""
    host = host_of(url)
    if host is None:
        return None
    return _registered(host)


SHORTENERS_FILE = "shorteners.txt"


@lru_cache(maxsize=1)
def _shortener_list() -> tuple[frozenset[str], str]:
    text = resources.files("diplotrack.enrich").joinpath("data", SHORTENERS_FILE).read_text(encoding="utf-8")
    hosts = frozenset(
        line.split("#", 1)[0].strip().lower() for line in text.splitlines() if line.split("#", 1)[0].strip()
    )
    return hosts, hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def shorteners() -> frozenset[str]:
    """The hosts of the bundled shortener list."""
    return _shortener_list()[0]


def shorteners_version() -> str:
    """``shorteners+<first 8 hex digits of the SHA-1 of the list>``: part of the enrichment version."""
    return f"shorteners+{_shortener_list()[1]}"


@lru_cache(maxsize=65536)
def _host_is_shortener(host: str) -> bool:
    hosts = shorteners()
    labels = host.split(".")
    return any(".".join(labels[i:]) in hosts for i in range(len(labels) - 1))


def is_shortener(url_or_host: str | None) -> bool:
    """Whether ``url_or_host`` (``https://t.co/x``, ``www.bit.ly``, ``t.co``) is on a URL shortener."""
    host = host_of(url_or_host)
    return host is not None and _host_is_shortener(host)


def link_domain(url: str | None, final_domain: str | None = None) -> tuple[str | None, bool]:
    """The registered domain a link counts under, and whether it is an unresolved shortened link.

    ``final_domain``: where ``diplotrack resolve-links`` found the link leads (None when it was not
    resolved, or its redirects led nowhere usable). ``(domain, False)`` for a link that counts,
    ``(None, True)`` for a shortener link whose destination is unknown, ``(None, False)`` for a
    URL with no registered domain (garbage, an IP address)."""
    if final_domain and not _host_is_shortener(final_domain):
        return final_domain, False
    if is_shortener(url):
        return None, True
    return registered_domain(url), False
