"""Measure ``diplotrack discover`` on the demo store: hide a share of the bundled roster's X accounts,
discover from the rest, and report recall at 10, 20 and 50 and precision of the top 20 over many
random splits, each with a 95% bootstrap interval of the mean over splits (docs/discovery.md).

    python scripts/evaluate_discovery.py                      # evaluation family: seeds 0..19
    python scripts/evaluate_discovery.py --seeds 1000 --splits 20   # the tuning family
    python scripts/evaluate_discovery.py --db demo.duckdb --share 0.3 --json

The weights (``discover.score.Weights``) were chosen on the tuning family (seeds 1000..1019) and are
evaluated, unchanged, on the evaluation family (seeds 0..19). Without ``--db`` the demo store is built
in a temporary folder first (a few seconds). Besides the default weights, the script reports two
ablations (no handle pattern; the graph alone; no follow list, whose edges here only ever point at
roster accounts) so that each signal's share can be read off.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from diplotrack.discover.evaluate import KS, PRECISION_AT, Holdout, summarise
from diplotrack.discover.score import DEFAULT_WEIGHTS, Weights

VARIANTS = {  # name: (weights, random order)
    "default": (DEFAULT_WEIGHTS, False),
    "no handle pattern": (Weights(handle=0.0), False),
    "graph only": (Weights(handle=0.0, use_profiles=False, use_links=False), False),
    # the demo's follow edges are the CHC list of follows AMONG its 46 accounts, all in the roster: a
    # candidate found through them is a hidden roster account by construction (see docs/discovery.md)
    "without the follow list": (Weights(use_follows=False), False),
    "without the follow list, random order": (Weights(use_follows=False), True),
    "random order (baseline)": (DEFAULT_WEIGHTS, True),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo store (default: build one in a temporary folder)")
    parser.add_argument("--seeds", type=int, default=0, help="first seed (default 0: the evaluation family)")
    parser.add_argument("--splits", type=int, default=20, help="how many random splits (default 20)")
    parser.add_argument("--share", type=float, default=0.2, help="share of the X accounts hidden (default 0.2)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not 0 < args.share < 1:
        parser.error("--share must be between 0 and 1")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from diplotrack.demo import build_demo

            db = Path(tmp) / "demo.duckdb"
            build_demo(db)
        started = time.perf_counter()
        holdout = Holdout(db)
        try:
            seeds = range(args.seeds, args.seeds + args.splits)
            figures = {}
            for name, (weights, shuffle) in VARIANTS.items():
                results = [holdout.run(s, args.share, weights, shuffle=shuffle) for s in seeds]
                figures[name] = {
                    "summary": summarise(results),
                    "hidden_per_split": len(results[0].hidden),
                    "candidates_mean": sum(r.candidates for r in results) / len(results),
                }
            pool = len(holdout.pool)
        finally:
            holdout.close()
    elapsed = time.perf_counter() - started
    if args.json:
        print(
            json.dumps(
                {
                    "seeds": [args.seeds, args.seeds + args.splits - 1],
                    "share": args.share,
                    "accounts": pool,
                    "seconds": round(elapsed, 1),
                    "variants": figures,
                },
                indent=2,
            )
        )
        return 0
    print(
        f"{pool} X accounts in the roster; {args.splits} splits (seeds {args.seeds}..{args.seeds + args.splits - 1}), "
        f"{args.share:.0%} hidden each; {elapsed:.1f} s"
    )
    for name, f in figures.items():
        print(f"\n{name}: {f['hidden_per_split']} hidden per split, {f['candidates_mean']:.0f} candidates on average")
        measures = [f"recall@{k}" for k in KS] + [f"precision@{PRECISION_AT}", f"precision@{PRECISION_AT} ceiling"]
        measures.append("reachable")
        for m in measures:
            s = f["summary"][m]
            print(
                f"  {m:<21} {s['mean']:.3f}  95% CI {s['low']:.3f}-{s['high']:.3f}  "
                f"(splits: {s['min']:.3f}-{s['max']:.3f})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
