"""What every benchmark shares: running a measured step in a fresh process with its peak RSS, and
alternating subject and reference runs for several rounds, then printing min and median of each and
their ratio.

The machine these run on is shared and noisy: one pair of runs misleads (an import ratio of 1.20x
measured 0.57-1.15x in interleaved rounds), so every benchmark alternates its subject and its
reference, at least three rounds each, and reports the min and the median.

A child process is a Python snippet that ends by printing one JSON object (its last stdout line)
with at least ``seconds``; ``PEAK_RSS_PRELUDE`` gives it ``peak_mb()``: the peak RSS of the process
and its children (worker processes included), sampled every 20 ms by a thread.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

MIN_ROUNDS = 3
ROOT = Path(__file__).resolve().parents[1]

# prepended to every child snippet: a thread samples the RSS of the process tree every 20 ms
PEAK_RSS_PRELUDE = """
import json, sys, threading, time
import psutil

_peak = 0
_stop = threading.Event()


def _sample():
    global _peak
    me = psutil.Process()
    while not _stop.is_set():
        try:
            procs = [me, *me.children(recursive=True)]
            _peak = max(_peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)


threading.Thread(target=_sample, daemon=True).start()


def peak_mb():
    time.sleep(0.05)
    _stop.set()
    return _peak / 2**20
"""


def run_child(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    """Run ``code`` (after ``PEAK_RSS_PRELUDE``) in a fresh Python with ``args`` as ``sys.argv[1:]``;
    returns the JSON object it printed last. Raises SystemExit with its stderr if it fails."""
    res = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_PRELUDE + code, *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if res.returncode != 0:
        raise SystemExit(f"benchmark step failed ({' '.join(args)}):\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def alternate(
    steps: dict[str, Callable[[], dict]], rounds: int = MIN_ROUNDS, *, echo: bool = True
) -> dict[str, list[dict]]:
    """Run every step once per round, in the given order, for ``max(rounds, MIN_ROUNDS)`` rounds.

    Each step returns a dict with at least ``seconds`` (and, where measured, ``peak_rss_mb``)."""
    runs: dict[str, list[dict]] = {label: [] for label in steps}
    for n in range(max(rounds, MIN_ROUNDS)):
        for label, step in steps.items():
            out = step()
            runs[label].append(out)
            if echo:
                rss = f", peak RSS {out['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in out else ""
                print(f"round {n + 1} {label:24}: {out['seconds']:8.2f} s{rss}", flush=True)
    return runs


def summarize(runs: dict[str, list[dict]], reference: str, names: dict[str, str] | None = None) -> dict[str, dict]:
    """Print min and median seconds (and peak RSS) of each step and the ratio of its median to the
    reference's median (below 1: faster than the reference). Returns the figures by label."""
    names = names or {}
    ref_med = statistics.median(r["seconds"] for r in runs[reference])
    out: dict[str, dict] = {}
    width = max(len(names.get(k, k)) for k in runs)
    for label, rs in runs.items():
        secs = [r["seconds"] for r in rs]
        med = statistics.median(secs)
        fig = {"min": min(secs), "median": med, "ratio": med / ref_med if ref_med else float("nan")}
        rss = [r["peak_rss_mb"] for r in rs if "peak_rss_mb" in r]
        extra = ""
        if rss:
            fig["peak_rss_mb"] = max(rss)
            extra = f"; peak RSS max {max(rss):.0f} MB"
        ratio = "(reference)" if label == reference else f"ratio of medians {fig['ratio']:.2f}x"
        print(f"{names.get(label, label):{width}}: min {min(secs):8.2f} s, median {med:8.2f} s, {ratio}{extra}")
        out[label] = fig
    return out
