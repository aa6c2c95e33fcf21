"""Measure ``diplotrack discover`` on the demo store, out of sample: the roster's X accounts are cut
once into a tuning half and an evaluation half (``discover.evaluate.partition``); the score's
weights are chosen on splits that hide accounts of the tuning half only (a small grid,
``evaluate.GRID``), then measured on splits that hide accounts of the evaluation half only: recall at
10, 20 and 50 and precision of the top 20, each with a 95% bootstrap interval of the mean over splits
(docs/discovery.md).

    python scripts/evaluate_discovery.py                  # partition, tuning grid, evaluation
    python scripts/evaluate_discovery.py --no-tune        # evaluate score.py's weights only (fast)
    python scripts/evaluate_discovery.py --sensitivity    # also: every grid setting on the evaluation
    python scripts/evaluate_discovery.py --db demo.duckdb --json

Without ``--db`` the demo store is built in a temporary folder first (a few seconds). Besides the
chosen weights the evaluation reports the random order of the same candidates (the baseline a score
must beat), the score without the handle pattern, and the score without the follow list (whose
edges here only ever point at roster accounts), with its own random order. ``--sensitivity`` runs
every grid setting on the evaluation splits too, to show how far the figure would move had another
been chosen; it is reported, never used to choose.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from diplotrack.discover.evaluate import (
    EVALUATION_SEEDS,
    GRID,
    HIDDEN,
    KS,
    PRECISION_AT,
    TUNING_SEEDS,
    Holdout,
    Tried,
    changed,
    choose,
    gain_interval,
    grid_weights,
    summarise,
    tune,
)
from diplotrack.discover.score import DEFAULT_WEIGHTS, Weights

MEASURES = [f"recall@{k}" for k in KS] + [f"precision@{PRECISION_AT}", f"precision@{PRECISION_AT} ceiling", "reachable"]


def variants(chosen: Weights) -> dict[str, tuple[Weights, bool]]:
    """name: (weights, random order). The demo's follow edges are the CHC list of follows AMONG its 46
    accounts, all in the roster: a candidate found through them is a hidden roster account by
    construction (docs/discovery.md), hence the variant without them."""
    no_follows = replace(chosen, use_follows=False)
    return {
        "chosen weights": (chosen, False),
        "random order (baseline)": (chosen, True),
        "no handle pattern": (replace(chosen, handle=0.0), False),
        "without the follow list": (no_follows, False),
        "without the follow list, random order": (no_follows, True),
    }


def evaluate(holdout: Holdout, weights: Weights, seeds: range, hidden: int, shuffle: bool) -> dict[str, Any]:
    results = [holdout.run(s, weights, half="evaluation", hidden=hidden, shuffle=shuffle) for s in seeds]
    return {
        "summary": summarise(results),
        "hidden_per_split": len(results[0].hidden),
        "candidates_mean": sum(r.candidates for r in results) / len(results),
    }


def tried_json(t: Tried) -> dict[str, Any]:
    return {"changed": changed(t.weights), "recall@20": t.mean_recall20, f"precision@{PRECISION_AT}": t.mean_precision}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo store (default: build one in a temporary folder)")
    parser.add_argument("--splits", type=int, default=20, help="splits per family (default 20)")
    parser.add_argument("--hidden", type=int, default=HIDDEN, help=f"accounts hidden per split (default {HIDDEN})")
    parser.add_argument("--no-tune", action="store_true", help="skip the grid; evaluate score.py's weights")
    parser.add_argument("--sensitivity", action="store_true", help="run every grid setting on the evaluation too")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.splits < 2 or args.hidden < 1:
        parser.error("--splits must be 2 or more and --hidden 1 or more")
    tuning_seeds = range(TUNING_SEEDS.start, TUNING_SEEDS.start + args.splits)
    evaluation_seeds = range(EVALUATION_SEEDS.start, EVALUATION_SEEDS.start + args.splits)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from diplotrack.demo import build_demo

            db = Path(tmp) / "demo.duckdb"
            build_demo(db)
        started = time.perf_counter()
        holdout = Holdout(db)
        try:
            halves = holdout.halves
            out["accounts"] = len(holdout.pool)
            out["halves"] = {
                name: {
                    "accounts": len(hs),
                    "kinds": dict(sorted(Counter(holdout.kinds[h.lower()] for h in hs).items())),
                }
                for name, hs in halves.items()
            }
            if min(len(hs) for hs in halves.values()) < args.hidden:
                parser.error(f"--hidden {args.hidden} is more than a half holds")
            chosen = DEFAULT_WEIGHTS
            if not args.no_tune:
                grid = grid_weights()
                tried = tune(holdout, grid, tuning_seeds, hidden=args.hidden)
                picked = choose(tried)
                chosen = picked.weights
                base = next(t for t in tried if t.weights == DEFAULT_WEIGHTS)
                low, high = gain_interval(tried[0], base)
                out["tuning"] = {
                    "seeds": [tuning_seeds.start, tuning_seeds.stop - 1],
                    "grid": {k: list(v) for k, v in GRID.items()},
                    "settings": len(grid),
                    "best": tried_json(tried[0]),
                    "best_gain_over_defaults": {
                        "mean": tried[0].mean_recall20 - base.mean_recall20,
                        "low": low,
                        "high": high,
                    },
                    "defaults": tried_json(base),
                    "worst": tried_json(tried[-1]),
                    "chosen": tried_json(picked),
                    "all": [tried_json(t) for t in tried],
                }
            out["chosen_weights"] = asdict(chosen)
            out["chosen_differs_from_score_py"] = changed(chosen)
            out["evaluation"] = {
                "seeds": [evaluation_seeds.start, evaluation_seeds.stop - 1],
                "variants": {
                    name: evaluate(holdout, w, evaluation_seeds, args.hidden, shuffle)
                    for name, (w, shuffle) in variants(chosen).items()
                },
            }
            if args.sensitivity:
                out["sensitivity"] = [
                    {
                        "changed": changed(w),
                        **evaluate(holdout, w, evaluation_seeds, args.hidden, False)["summary"]["recall@20"],
                    }
                    for w in grid_weights()
                ]
        finally:
            holdout.close()
    out["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print_report(out, args.hidden)
    return 0


def print_report(out: dict[str, Any], hidden: int) -> None:
    print(f"{out['accounts']} X accounts in the roster; {hidden} hidden per split; {out['seconds']} s")
    for name, h in out["halves"].items():
        kinds = ", ".join(f"{k} {n}" for k, n in h["kinds"].items())
        print(f"  {name} half: {h['accounts']} accounts ({kinds})")
    if "tuning" in out:
        t = out["tuning"]
        first, last = t["seeds"]
        print(f"\ntuning: {t['settings']} settings x {last - first + 1} splits (seeds {first}..{last}), tuning half")
        for label in ("best", "defaults", "worst", "chosen"):
            r = t[label]
            what = r["changed"] or "score.py defaults"
            print(f"  {label:<9} recall@20 {r['recall@20']:.4f}  precision@20 {r['precision@20']:.4f}  {what}")
        g = t["best_gain_over_defaults"]
        print(f"  best - defaults: {g['mean']:+.4f} (95% CI {g['low']:+.4f} to {g['high']:+.4f})")
    print(f"\nchosen weights differ from score.py: {out['chosen_differs_from_score_py'] or 'no'}")
    e = out["evaluation"]
    print(f"\nevaluation: seeds {e['seeds'][0]}..{e['seeds'][1]}, evaluation half hidden")
    for name, f in e["variants"].items():
        print(f"\n{name}: {f['hidden_per_split']} hidden per split, {f['candidates_mean']:.0f} candidates on average")
        for m in MEASURES:
            s = f["summary"][m]
            interval = f"95% CI {s['low']:.3f}-{s['high']:.3f}  (splits: {s['min']:.3f}-{s['max']:.3f})"
            print(f"  {m:<21} {s['mean']:.3f}  {interval}")
    if "sensitivity" in out:
        means = [s["mean"] for s in out["sensitivity"]]
        span = f"{min(means):.3f}-{max(means):.3f}"
        print(f"\nsensitivity: recall@20 on the evaluation over the {len(means)} grid settings: {span}")


if __name__ == "__main__":
    sys.exit(main())
