"""X API v2 responses to records. Pure: bytes in, records out.

A collected page has exactly the shape of a twarc2 JSONL line (data, includes, errors, meta), so
the one X v2 mapping (importers/x_v2_map.py) maps it as it maps an imported line: a collected post and an imported one
are the same row. Each page is dated by its retrieval time and filed under its URL.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from diplotrack.collect.errors import MalformedPage
from diplotrack.collect.sink import ListSink
from diplotrack.collect.source import Found, Target
from diplotrack.importers.json_text import json_reason
from diplotrack.importers.x_v2_map import NAME, map_page
from diplotrack.importers.x_v2_types import LINE_DECODER, UNSET, Line, XObject
from diplotrack.provenance import Prov
from diplotrack.store.raw import raw_id_of

FORMAT = NAME  # raw payloads of collected pages are stored in the importer's format
SOURCE = "x-api"  # provenance.source of collected records


def decode(body: bytes, url: str) -> Line:
    try:
        return LINE_DECODER.decode(body)
    except msgspec.DecodeError as exc:
        what = "truncated JSON" if "truncated" in str(exc).lower() else "invalid JSON"
        raise MalformedPage(f"{what} ({len(body)} bytes: {exc})", url=url, body=body) from None
    except msgspec.ValidationError as exc:
        raise MalformedPage(f"unexpected X API v2 shape ({exc})", url=url, body=body) from None
    except (UnicodeDecodeError, RecursionError) as exc:  # hostile bytes: a bad byte, a nesting bomb
        raise MalformedPage(json_reason(body, exc), url=url, body=body) from None


def map_timeline(page: Line, body: bytes, url: str, retrieved: datetime) -> ListSink:
    """The records of one decoded page (a timeline page, or a users lookup: the same v2 shape)."""
    sink = ListSink()
    prov = Prov(SOURCE, url, None, raw_id_of(body))
    map_page(page, sink, prov, retrieved=retrieved, fallback=None, mtime=retrieved)
    return sink


def items_of(page: Line) -> tuple[list[XObject], list[XObject], list[XObject]]:
    """(data objects, included posts, included users)."""
    data = page.data
    items = [data] if isinstance(data, XObject) else (data if isinstance(data, list) else [])
    inc = page.includes if page.includes is not UNSET and page.includes is not None else None
    return items, list(getattr(inc, "tweets", None) or []), list(getattr(inc, "users", None) or [])


def found_in_lookup(page: Line, targets: list[Target], by_id: bool) -> list[Found]:
    """What the lookup said of each target: the user, or the error that names it."""
    users, _, _ = items_of(page)
    index = {(str(u.id) if by_id else (u.username or "").lower()): u for u in users}
    problems: dict[str, tuple[str, str]] = {}
    for raw in page.errors or []:
        try:
            e = msgspec.json.decode(bytes(raw))
        except msgspec.DecodeError:
            continue
        if not isinstance(e, dict):
            continue
        value = str(e.get("value") or e.get("resource_id") or "")
        detail = str(e.get("detail") or e.get("title") or "")
        status = "suspended" if "suspend" in detail.lower() else "not_found"
        problems[value if by_id else value.lower()] = (status, detail)
    out: list[Found] = []
    for t in targets:
        key = t.user_id if by_id else t.handle.lower()
        u = index.get(key or "")
        if u is not None:
            status = "protected" if u.protected is True else "active"
            out.append(Found(t, status, user_id=str(u.id), handle=u.username))
        elif key in problems:
            status, detail = problems[key or ""]
            out.append(Found(t, status, user_id=t.user_id, handle=None, detail=detail))
        else:
            out.append(Found(t, "not_found", user_id=t.user_id, detail="absent from the lookup response"))
    return out


def next_token(page: Line, body: bytes) -> str | None:
    """``meta.next_token`` (the typed decoder does not keep ``meta``)."""
    meta = msgspec.json.decode(body, type=_Meta).meta
    return meta.next_token if meta is not None else None


class _MetaInner(msgspec.Struct):
    next_token: str | None = None
    result_count: int | None = None


class _Meta(msgspec.Struct):
    meta: _MetaInner | None = None
