"""What a link request may reach, and for how long (for ``links.py``, ``diplotrack resolve-links``).

* ``usable``: a URL the resolver may ask for (http(s), a host, no user info), or None;
* ``is_private``: whether a URL's host is localhost or a loopback, private, link-local or reserved
  address, written as such (IPv4 inside IPv6 included) or, unless through a proxy, a name that
  looks up to one.

How long: ``links.py`` bounds each whole request with ``collect/deadline.py`` (a server sending its
answer a byte at a time cannot hold a link longer than the timeout).
"""

from __future__ import annotations

import ipaddress
import socket

import httpx

from diplotrack.collect.http import shown_url
from diplotrack.enrich.domains import host_of


def usable(url: str | None) -> str | None:
    """``url`` as it may be requested: an absolute http(s) URL with a host, without ``user:password@``."""
    if not url or not isinstance(url, str) or any(c.isspace() for c in url.strip()):
        return None
    try:  # reading the host decodes it too: a bad IDNA label (``xn--zz``) raises there, not on parsing
        u = httpx.URL(url.strip())
        if u.scheme not in ("http", "https") or not u.host:
            return None
        if u.userinfo:
            u = u.copy_with(userinfo=b"")
        return shown_url(u)
    except (httpx.InvalidURL, ValueError, TypeError):  # IDNAError is a UnicodeError, a ValueError
        return None


def is_private(url: str, *, lookup: bool = True) -> bool:
    """Whether ``url``'s host is ``localhost`` or a loopback, private, link-local or reserved IP
    address: written as one (``127.0.0.1``, ``[::1]``, ``2130706433``, ``127.1``), or, with
    ``lookup``, a name the system resolves to one (a name it cannot resolve is let through: the
    request then fails to connect)."""
    host = host_of(url) or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not_global(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:  # the other ways an IPv4 address may be written, as the system reads them
        return not ipaddress.ip_address(socket.inet_ntoa(socket.inet_aton(host))).is_global
    except OSError:
        pass
    if not lookup:
        return False
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    return any(not_global(ipaddress.ip_address(str(info[4][0]).split("%")[0])) for info in infos)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_V4_COMPATIBLE = ipaddress.ip_network("::/96")


def not_global(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``addr`` is not a global address, or is an IPv6 one carrying an IPv4 address that is
    not (NAT64 ``64:ff9b::10.0.0.5``, 6to4 ``2002:7f00:1::``, IPv4-compatible ``::127.0.0.1``)."""
    if not addr.is_global:
        return True
    if isinstance(addr, ipaddress.IPv6Address):
        if addr in _NAT64 or addr in _V4_COMPATIBLE:
            return not ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF).is_global
        if addr.sixtofour is not None:
            return not addr.sixtofour.is_global
    return False
