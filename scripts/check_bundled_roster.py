#!/usr/bin/env python
"""Check the bundled China roster (src/diplotrack/roster/bundled/) for consistency.

Standalone: needs only the standard library, PyYAML and pycountry. Exits non-zero on any problem.
Checks: the roster's handles are exactly the union of the source lists in bundled/sources/
(81, case-insensitive) and each appears once; required actor fields; valid kinds; valid ISO 3166-1
codes; valid tenure years; snapshot files have the documented header and only roster handles.
Prints counts by kind.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

import pycountry
import yaml

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "src" / "diplotrack" / "roster" / "bundled"
KINDS = {
    "embassy",
    "consulate",
    "mission",
    "ambassador",
    "consul_general",
    "diplomat",
    "spokesperson",
    "ministry",
    "state_media",
    "state_media_journalist",
    "other",
}
NEEDS_HOST = {"embassy", "consulate", "mission", "ambassador", "consul_general"}
PLATFORMS = {"x", "bluesky", "mastodon", "youtube", "telegram"}
SNAP_HEADER = [
    "platform",
    "handle",
    "observed_at",
    "followers",
    "following",
    "posts_count",
    "created_at",
    "status",
    "source",
    "notes",
]
SOURCE_LISTS = {
    "chc-2021-roster-46.csv": "handle",
    "chc-2022-roster-78.csv": "handle",
    "chc-2024-diplomacy-81-descriptions.csv": "User",
    "chc-2024-media-descriptions.csv": "User",
}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
EXPECTED_HANDLES = 81


def main() -> int:
    errors: list[str] = []
    err = errors.append

    def iso(code: str) -> bool:
        return isinstance(code, str) and pycountry.countries.get(alpha_2=code) is not None

    union: set[str] = set()
    for fn, col in SOURCE_LISTS.items():
        with open(BUNDLED / "sources" / fn, newline="", encoding="utf-8") as f:
            union |= {r[col].strip().lower() for r in csv.DictReader(f) if r[col].strip()}

    doc = yaml.safe_load((BUNDLED / "china.yaml").read_text(encoding="utf-8"))
    if doc.get("roster") != 1:
        err("roster: must be 1")
    for key in ("name", "sources", "actors"):
        if not doc.get(key):
            err(f"top-level {key!r} missing")
    source_keys = set(doc.get("sources") or {})

    seen_ids: set[str] = set()
    handles: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for i, actor in enumerate(doc.get("actors") or []):
        aid = actor.get("actor_id")
        where = f"actor {aid or i}"
        for field in ("actor_id", "name", "kind", "state"):
            if not actor.get(field):
                err(f"{where}: {field} missing")
        if aid and not ID_RE.match(str(aid)):
            err(f"{where}: bad actor_id")
        if aid in seen_ids:
            err(f"{where}: duplicate actor_id")
        seen_ids.add(aid)
        kind = actor.get("kind")
        kinds[kind] += 1
        if kind not in KINDS:
            err(f"{where}: kind {kind!r} not in vocabulary")
        if actor.get("state") and not iso(actor["state"]):
            err(f"{where}: state {actor['state']!r} not ISO 3166-1 alpha-2")
        hc = actor.get("host_country")
        if hc and not iso(hc):
            err(f"{where}: host_country {hc!r} not ISO 3166-1 alpha-2")
        if kind in NEEDS_HOST and not hc:
            err(f"{where}: host_country required for kind {kind}")
        for field in ("tenure_start", "tenure_end"):
            v = actor.get(field)
            if v is not None and not DATE_RE.match(str(v)):
                err(f"{where}: {field} {v!r} not YYYY[-MM[-DD]]")
        if (
            actor.get("tenure_start")
            and actor.get("tenure_end")
            and str(actor["tenure_end"]) < str(actor["tenure_start"])
        ):
            err(f"{where}: tenure_end before tenure_start")
        for s in str(actor.get("source") or "").split(","):
            if s.strip() and s.strip() not in source_keys:
                err(f"{where}: source {s.strip()!r} not a key of sources:")
        accounts = actor.get("accounts") or []
        if not accounts:
            err(f"{where}: no accounts")
        for acc in accounts:
            if acc.get("platform") not in PLATFORMS:
                err(f"{where}: bad platform {acc.get('platform')!r}")
            h = str(acc.get("handle") or "")
            if not h or h.startswith("@"):
                err(f"{where}: bad handle {h!r}")
            handles[h.lower()] += 1

    for h, n in handles.items():
        if n > 1:
            err(f"handle {h} appears {n} times")
    if len(handles) != EXPECTED_HANDLES:
        err(f"{len(handles)} distinct handles, expected {EXPECTED_HANDLES}")
    if set(handles) != union:
        missing, extra = sorted(union - set(handles)), sorted(set(handles) - union)
        err(f"roster vs source union: missing {missing}, extra {extra}")

    for snap in doc.get("snapshots") or []:
        path = BUNDLED / snap["file"]
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            if header != SNAP_HEADER:
                err(f"{snap['file']}: header {header}")
            rows = [dict(zip(header, r, strict=True)) for r in reader]
        for r in rows:
            tag = f"{snap['file']} {r.get('handle')}"
            if r["handle"].lower() not in handles:
                err(f"{tag}: handle not in roster")
            if r["platform"] != "x":
                err(f"{tag}: platform")
            if not DATE_RE.match(r["observed_at"]) or not DATE_RE.match(r["created_at"] or "0000"):
                err(f"{tag}: bad date")
            for c in ("followers", "following", "posts_count"):
                if r[c] and not r[c].isdigit():
                    err(f"{tag}: {c} {r[c]!r} not an integer")
            if r["status"] not in ("active", "suspended"):
                err(f"{tag}: status {r['status']!r}")
        print(f"{snap['file']}: {len(rows)} rows")

    print(f"actors: {sum(kinds.values())}, handles: {len(handles)}")
    for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {k:24} {n}")
    for e in errors:
        print("ERROR:", e, file=sys.stderr)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
