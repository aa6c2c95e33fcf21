import csv
import json
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
import pathlib

from curated import C

from diplotrack.roster.snapshots import SNAPSHOT_COLUMNS

B = str(pathlib.Path(__file__).resolve().parents[2] / "src/diplotrack/roster/bundled")
S = B + "/sources/"


def load(f, key):
    return {r[key].lower(): r for r in csv.DictReader(open(S + f, newline="", encoding="utf-8"))}


L21 = load("chc-2021-roster-46.csv", "handle")
L22 = load("chc-2022-roster-78.csv", "handle")
L24 = load("chc-2024-diplomacy-81-descriptions.csv", "User")
L24.update(load("chc-2024-media-descriptions.csv", "User"))
assert len(L24) == 81
q = lambda s: json.dumps(s, ensure_ascii=False)


# snapshots
def snap(L, fn, obs):
    with open(f"{B}/snapshots/{fn}", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(SNAPSHOT_COLUMNS)  # the header the roster loader reads
        for r in L.values():
            iv = lambda v: str(int(float(v))) if v.strip() else ""
            susp = "suspend" in r["status_note"].lower()
            notes = [
                "end of collection period used as observed_at (exact capture date not published)",
                "created_at month precision",
            ]
            if susp:
                notes.append("suspended at snapshot; source gives no metrics (N/A)")
            src = r["source"].split(" (snapshot")[0]
            w.writerow(
                [
                    "x",
                    r["handle"],
                    obs,
                    iv(r["followers"]),
                    iv(r["followings"]),
                    iv(r["statuses_total"]),
                    r["created_ym"],
                    "suspended" if susp else "active",
                    src,
                    "; ".join(notes),
                ]
            )


snap(L21, "chc-2021.csv", "2021-02-28")
snap(L22, "chc-2022.csv", "2022-04-30")

out = [
    """# China's diplomatic corps and state media on X: the bundled real roster of diplotrack.
#
# What: 81 X accounts of Chinese embassies, consulates, missions, ambassadors, consuls general,
# MFA diplomats and spokespeople, ministries and state media / state-media journalists, as listed by
# the Centre for Humanities Computing (Aarhus University) in three public research repositories
# (2021: 46 accounts, 2022: 78, 2024: 81 with tenure years). The union of the three lists is 81 handles.
# How built: from the copies in sources/ (see sources/SOURCES.md). Each role text was read by hand to
# set kind, host_country (ISO 3166-1 alpha-2), host_city (only where the text names it, or the seat of
# the UN/EU body), organisation, person and tenure (YYYY, from the 2024 text's "(2019-2023)").
# The lists' acct_type column is a regex guess and was not taken as given. Where lists disagree the
# latest role is used and `notes` says so; `notes` quotes the role texts used, with their list.
# Actor `source`: the lists naming the account. Account `source`: the latest list with a profile snapshot
# of it (chc2024 where only the 2024 list has it). Handles keep the case of the 2024 list.
# Checked by scripts/check_bundled_roster.py.
# Licence: the source repositories state none; this file holds account facts only (public handles and roles).
roster: 1
name: China's diplomatic corps and state media on X (CHC lists 2021, 2022, 2024)
description: >-
  Chinese state diplomatic accounts (embassies, consulates, missions, ambassadors, consuls general,
  MFA diplomats and spokespeople, ministries) and state-media accounts on X, as collected by the Centre
  for Humanities Computing, Aarhus University, for Nov 2019 - Apr 2022. Roles are as of the 2024 list.
sources:
  chc2021: {title: "China's public diplomacy on Twitter, Nov 2019 - Feb 2021 (CHC, Aarhus University)", url: "https://github.com/centre-for-humanities-computing/china-twitter", note: "README tables 2 and 3; metrics snapshot at end of collection 2021-02-28"}
  chc2022: {title: "China's public diplomacy on Twitter, Nov 2019 - Apr 2022 (CHC, Aarhus University)", url: "https://github.com/centre-for-humanities-computing/china-twiplomacy-2020-2022", note: "README tables 2a and 3a; metrics snapshot at end of collection 2022-04-30"}
  chc2024: {title: "China's diplomacy and state media on Twitter: account descriptions with tenures (CHC, Aarhus University)", url: "https://github.com/centre-for-humanities-computing/china-twitter2", note: "role texts with tenure years; post counts for 2019-11-01..2022-04-30; no profile metrics"}
snapshots:
  - file: snapshots/chc-2021.csv
  - file: snapshots/chc-2022.csv
actors:"""
]
order = [
    "ministry",
    "spokesperson",
    "diplomat",
    "mission",
    "embassy",
    "consulate",
    "ambassador",
    "consul_general",
    "state_media",
    "state_media_journalist",
]
items = sorted(L24.items(), key=lambda kv: (order.index(C[kv[1]["User"]]["kind"]), C[kv[1]["User"]]["actor_id"]))
for k, r24 in items:
    h = r24["User"]
    c = C[h]
    srcs = [n for n, L in (("chc2021", L21), ("chc2022", L22), ("chc2024", L24)) if k in L]
    texts = []
    for n, L, col in (
        ("chc2021", L21, "description"),
        ("chc2022", L22, "description"),
        ("chc2024", L24, "Description"),
    ):
        if k in L:
            texts.append((n, L[k][col].strip()))
    # quote distinct texts, grouping lists with same text
    grp = {}
    for n, t in texts:
        grp.setdefault(t, []).append(n)
    parts = [f"role text ({'/'.join(ns)}): " + (f"'{t}'" if t else "(empty)") for t, ns in grp.items()]
    acct = (L22.get(k) or L21.get(k) or {}).get("acct_type")
    if acct and acct != c["kind"]:
        parts.append(f"acct_type guess was {acct}")
    if c["note"]:
        parts.append(c["note"])
    out.append(f"  - actor_id: {c['actor_id']}")
    out.append(f"    name: {q(c['name'])}")
    out.append(f"    kind: {c['kind']}")
    out.append("    state: CN")
    if c["host_country"]:
        out.append(f"    host_country: {c['host_country']}")
    if c["host_city"]:
        out.append(f"    host_city: {q(c['host_city'])}")
    for f in ("organisation", "person"):
        if c[f]:
            out.append(f"    {f}: {q(c[f])}")
    for f in ("tenure_start", "tenure_end"):
        if c[f]:
            out.append(f"    {f}: {q(c[f])}")
    if c["tags"]:
        out.append(f"    tags: [{', '.join(c['tags'])}]")
    out.append(f"    source: {', '.join(srcs)}")
    out.append(f"    notes: {q('; '.join(parts))}")
    out.append("    accounts:")
    out.append("      - platform: x")
    out.append(f"        handle: {h}")
    asrc = "chc2022" if k in L22 else "chc2021" if k in L21 else "chc2024"
    out.append(f"        source: {asrc}")
    # handle case differences
    cases = {L[k][col] for L, col in ((L21, "handle"), (L22, "handle"), (L24, "User")) if k in L}
    if len(cases) > 1:
        out[-1] += f"\n        notes: {q('handle case differs across lists: ' + ', '.join(sorted(cases)))}"
open(B + "/china.yaml", "w", encoding="utf-8").write("\n".join(out) + "\n")
print("ok")
