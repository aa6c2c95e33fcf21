"""Roster benchmark: validate + import a large SYNTHETIC roster (YAML and CSV forms) into a fresh store.

The rosters are SYNTHETIC: actors of every kind, state and host country drawn at random (seeded)
with one to three accounts each on every platform, names, cities, tenures, languages, tags, notes
and user ids shaped like the bundled roster's, so validation and import do their full work. The
same roster is written in both forms.

Run:  .venv/bin/python bench/roster_bench.py [--accounts 100000] [--rounds 3]

Each round runs, in separate fresh processes and alternating, the subject (``load_roster`` then
``import_roster`` into a new store, the path ``diplotrack roster import`` takes) for the YAML form
and the CSV form, and the reference: DuckDB's ``read_csv`` loading the CSV form into a table (no
validation, no actors/accounts split, no history, no store schema: the floor of getting those rows
into a DuckDB file). Peak RSS is that of the process doing the work (and any children), sampled every
20 ms (bench/common.py). Prints min and median seconds and peak RSS of each, and the ratio
of each form's median to the reference's. Targets (100,000 accounts, 2 cores): under 30 s and
under 1 GB peak RSS for each form.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import MIN_ROUNDS, alternate, run_child, summarize  # noqa: E402
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
mode, src, db = sys.argv[1], sys.argv[2], sys.argv[3]
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
out["peak_rss_mb"] = peak_mb()
print(json.dumps(out))
"""


def run_step(mode: str, src: Path, db: Path, accounts: int) -> dict:
    """One run in a fresh process on a new store file; checks every account was stored."""
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    out = run_child(_CHILD, mode, str(src), str(db))
    if out["accounts"] != accounts:
        raise SystemExit(f"{mode} on {src.name}: {out['accounts']} accounts stored, expected {accounts}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=100_000, help="accounts in the synthetic roster (default 100000)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3, at least 3)")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temporary one, removed)")
    args = ap.parse_args()
    rounds = max(MIN_ROUNDS, args.rounds)
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
    runs = alternate(
        {
            "yaml": lambda: run_step("import", yaml_path, work / "yaml.duckdb", args.accounts),
            "csv": lambda: run_step("import", csv_path, work / "csv.duckdb", args.accounts),
            "reference": lambda: run_step("reference", csv_path, work / "reference.duckdb", args.accounts),
        },
        rounds,
    )
    names = {"yaml": "diplotrack YAML", "csv": "diplotrack CSV", "reference": "DuckDB read_csv (reference)"}
    summarize(runs, "reference", names)
    for label in ("yaml", "csv"):
        valid = sorted(r["validate_s"] for r in runs[label])
        print(f"{names[label]}: of which validation min {valid[0]:.2f} s, median {valid[len(valid) // 2]:.2f} s")
    print("targets for each form at 100,000 accounts: under 30 s and under 1024 MB peak RSS")
    if args.dir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
