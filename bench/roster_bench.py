"""Roster benchmark: validate + import a large SYNTHETIC roster (YAML and CSV forms) into a fresh store.

The rosters are SYNTHETIC: actors of every kind, state and host country drawn at random (seeded)
with one to three accounts each on every platform, names, cities, tenures, languages, tags, notes
and user ids shaped like the bundled roster's, so validation and import do their full work. The
same roster is written in both forms.

Run:  .venv/bin/python bench/roster_bench.py [--accounts 100000] [--rounds 3]

Each round runs, in separate fresh processes and alternating, the subject (``load_roster`` then
``import_roster`` into a new store, the path ``diplotrack roster import`` takes) for the YAML form
and the CSV form, and the reference: DuckDB's ``read_csv`` loading the CSV form into a table (no
validation; the floor of getting those rows into a DuckDB file). Peak RSS is the process doing
the work, sampled every 20 ms. Prints min and median seconds and peak RSS of each, and the ratio
of each form's median to the reference's. Targets (100,000 accounts, 2 cores): under 30 s and
under 1 GB peak RSS for each form.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from diplotrack.roster.csv_form import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from diplotrack.roster.model import HOST_COUNTRY_KINDS, KINDS
from diplotrack.roster.model import PLATFORMS as ROSTER_PLATFORMS

HOSTED = HOST_COUNTRY_KINDS
STATES = ("CN", "RU", "IR", "US", "FR", "DE", "GB", "IN", "BR", "ZA", "TR", "SA", "JP", "KR", "NG")
HOSTS = ("FR", "IT", "DE", "ES", "GB", "US", "CA", "BR", "AR", "ZA", "KE", "NG", "IN", "JP", "AU", "NO", "SE")
CITIES = ("Paris", "Rome", "Berlin", "Madrid", "London", "Washington", "Ottawa", "Brasília", "Nairobi", "Oslo")
LANGS = ("en", "fr", "zh", "es", "de", "ru", "ar", "pt", "ja")
PLATFORMS = ROSTER_PLATFORMS
CSV_HEADER = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def synthetic_actors(accounts: int, seed: int = 12) -> list[dict]:
    rng = random.Random(seed)
    actors: list[dict] = []
    made = 0
    while made < accounts:
        i = len(actors)
        kind = rng.choice(KINDS)
        state = rng.choice(STATES)
        actor = {
            "actor_id": f"{state.lower()}-{kind.replace('_', '-')}-{i:06d}",
            "name": f"Synthetic {kind.replace('_', ' ')} number {i} of {state}",
            "kind": kind,
            "state": state,
            "host_country": rng.choice(HOSTS) if kind in HOSTED else "",
            "host_city": rng.choice(CITIES) if kind in HOSTED else "",
            "person": f"PERSON {i}" if kind in ("ambassador", "diplomat", "spokesperson") else "",
            "tenure_start": f"{rng.randint(2005, 2019)}-{rng.randint(1, 12):02d}" if rng.random() < 0.3 else "",
            "languages": rng.sample(LANGS, rng.randint(1, 3)),
            "tags": ["synthetic", rng.choice(("europe", "africa", "asia", "americas"))],
            "notes": "a synthetic actor for the roster benchmark" if rng.random() < 0.2 else "",
            "accounts": [],
        }
        for k in range(min(rng.randint(1, 3), accounts - made)):
            platform = PLATFORMS[(i + k) % len(PLATFORMS)]
            handle = f"synth_{i}_{k}" + ("@mastodon.social" if platform == "mastodon" else "")
            user_id = str(10**17 + i * 10 + k) if platform == "x" and rng.random() < 0.7 else ""
            actor["accounts"].append({"platform": platform, "handle": handle, "user_id": user_id})
            made += 1
        actors.append(actor)
    return actors


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar


def write_yaml(path: Path, actors: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("roster: 1\nname: synthetic benchmark roster\n")
        out.write("description: SYNTHETIC actors and accounts for bench/roster_bench.py\nactors:\n")
        for a in actors:
            out.write(f"  - actor_id: {a['actor_id']}\n    name: {_q(a['name'])}\n    kind: {a['kind']}\n")
            out.write(f"    state: {a['state']}\n")
            for key in ("host_country", "host_city", "person", "tenure_start", "notes"):
                if a[key]:
                    out.write(f"    {key}: {_q(a[key])}\n")
            out.write(f"    languages: [{', '.join(a['languages'])}]\n    tags: [{', '.join(a['tags'])}]\n")
            out.write("    accounts:\n")
            for acc in a["accounts"]:
                out.write(f"      - platform: {acc['platform']}\n        handle: {acc['handle']}\n")
                if acc["user_id"]:
                    out.write(f'        user_id: "{acc["user_id"]}"\n')


def write_csv(path: Path, actors: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(CSV_HEADER)
        for a in actors:
            for acc in a["accounts"]:
                w.writerow(
                    (
                        a["actor_id"],
                        a["name"],
                        a["kind"],
                        a["state"],
                        a["host_country"],
                        a["host_city"],
                        acc["platform"],
                        acc["handle"],
                        acc["user_id"],
                        "",
                        a["person"],
                        a["tenure_start"],
                        "",
                        ";".join(a["languages"]),
                        ";".join(a["tags"]),
                        "",
                        a["notes"],
                        "",
                    )
                )


_CHILD = r"""
import json, sys, threading, time
import psutil
mode, src, db = sys.argv[1], sys.argv[2], sys.argv[3]
peak = 0
def sample():
    global peak
    me = psutil.Process()
    while True:
        try:
            peak = max(peak, me.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
t0 = time.perf_counter()
if mode == "reference":
    import duckdb
    con = duckdb.connect(db)
    con.execute("CREATE TABLE roster AS SELECT * FROM read_csv(?, header=true, all_varchar=true)", [src])
    con.execute("CHECKPOINT")
    out = {"accounts": con.execute("SELECT count(*) FROM roster").fetchone()[0]}
else:
    from diplotrack.roster import import_roster, load_roster
    from diplotrack.store.db import open_store
    roster, problems = load_roster(src)
    if problems:
        raise SystemExit(f"{len(problems)} problems, first: {problems[0]}")
    t_valid = time.perf_counter() - t0
    con = open_store(db)
    r = import_roster(con, roster)
    con.execute("CHECKPOINT")
    out = {"accounts": con.execute("SELECT count(*) FROM accounts").fetchone()[0], "validate_s": t_valid,
           "accounts_new": r.accounts_new}
out["seconds"] = time.perf_counter() - t0
time.sleep(0.05)
out["peak_rss_mb"] = peak / 2**20
print(json.dumps(out))
"""


def run_child(mode: str, src: Path, db: Path) -> dict:
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(src), str(db)], capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise SystemExit(f"{mode} run on {src.name} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=100_000, help="accounts in the synthetic roster (default 100000)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3, at least 3)")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one, removed)")
    args = ap.parse_args()
    rounds = max(3, args.rounds)
    work = args.dir or Path(tempfile.mkdtemp(prefix="diplotrack-roster-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    actors = synthetic_actors(args.accounts)
    yaml_path, csv_path = work / "synthetic-roster.yaml", work / "synthetic-roster.csv"
    write_yaml(yaml_path, actors)
    write_csv(csv_path, actors)
    print(
        f"SYNTHETIC roster: {len(actors):,} actors, {args.accounts:,} accounts; YAML "
        f"{yaml_path.stat().st_size / 2**20:.1f} MB, CSV {csv_path.stat().st_size / 2**20:.1f} MB "
        f"(written in {time.perf_counter() - t0:.1f} s)",
        flush=True,
    )
    runs: dict[str, list[dict]] = {"yaml": [], "csv": [], "reference": []}
    subjects = {"yaml": ("import", yaml_path), "csv": ("import", csv_path), "reference": ("reference", csv_path)}
    for n in range(rounds):
        for label, (mode, src) in subjects.items():
            out = run_child(mode, src, work / f"{label}.duckdb")
            if out["accounts"] != args.accounts:
                raise SystemExit(f"{label}: {out['accounts']} accounts stored, expected {args.accounts}")
            runs[label].append(out)
            extra = f", validation {out['validate_s']:.1f} s" if "validate_s" in out else ""
            print(
                f"round {n + 1} {label:9}: {out['seconds']:6.2f} s, peak RSS {out['peak_rss_mb']:6.0f} MB{extra}",
                flush=True,
            )
    ref = statistics.median(r["seconds"] for r in runs["reference"])
    names = {"yaml": "diplotrack YAML", "csv": "diplotrack CSV", "reference": "DuckDB read_csv (reference)"}
    for label, name in names.items():
        secs = [r["seconds"] for r in runs[label]]
        rss = [r["peak_rss_mb"] for r in runs[label]]
        med = statistics.median(secs)
        print(
            f"{name:28}: min {min(secs):6.2f} s, median {med:6.2f} s, ratio to reference {med / ref:5.1f}x; "
            f"peak RSS min {min(rss):.0f} MB, median {statistics.median(rss):.0f} MB"
        )
    print("targets for each form at 100,000 accounts: under 30 s and under 1024 MB peak RSS")
    if args.dir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
