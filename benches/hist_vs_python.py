#!/usr/bin/env python3
"""Side-by-side fill speed: cf-hist (Rust, 1 and 2 threads) vs boost-histogram and hist.

Makes ~10M events (x, process id, shift id, weight) with numpy, fills a weighted histogram
Regular(40, 0, 200) x IntCategory(0..9) x IntCategory(0..4) with boost-histogram and hist
(best of --repeat), writes the same arrays for the Rust bench (crates/hist/benches/fill.rs),
runs it with 1 and 2 threads and prints a table with fills/s and ratios to boost-histogram.

Usage: python3 benches/hist_vs_python.py [--events N] [--repeat R]
"""

import argparse
import pathlib
import re
import subprocess
import sys
import tempfile
import time

try:
    import boost_histogram as bh
    import hist
    import numpy as np
except ImportError as err:
    sys.exit(f"missing Python module: {err.name}; pip install -r tests/requirements.txt")

ROOT = pathlib.Path(__file__).resolve().parent.parent


def best_of(repeat, fn):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.events
    rng = np.random.default_rng(42)
    x = rng.uniform(-10.0, 220.0, n)
    process = rng.integers(0, 10, n).astype(np.int32)
    shift = rng.integers(0, 5, n).astype(np.int32)
    weight = rng.uniform(0.5, 1.5, n)

    def fill_bh():
        h = bh.Histogram(
            bh.axis.Regular(40, 0.0, 200.0),
            bh.axis.IntCategory(list(range(10))),
            bh.axis.IntCategory(list(range(5))),
            storage=bh.storage.Weight(),
        )
        h.fill(x, process, shift, weight=weight)
        return h

    def fill_hist():
        h = hist.Hist(
            hist.axis.Regular(40, 0.0, 200.0, name="x"),
            hist.axis.IntCategory(list(range(10)), name="process"),
            hist.axis.IntCategory(list(range(5)), name="shift"),
            storage=hist.storage.Weight(),
        )
        h.fill(x=x, process=process, shift=shift, weight=weight)
        return h

    rows = []
    t_bh, h_bh = best_of(args.repeat, fill_bh)
    rows.append(("boost-histogram", 1, t_bh, h_bh.sum(flow=True).value))
    t_hist, h_hist = best_of(args.repeat, fill_hist)
    rows.append(("hist", 1, t_hist, h_hist.sum(flow=True).value))

    cpu_note = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        x.astype("<f8").tofile(tmp / "x.f64")
        process.astype("<i4").tofile(tmp / "process.i32")
        shift.astype("<i4").tofile(tmp / "shift.i32")
        weight.astype("<f8").tofile(tmp / "weight.f64")
        for threads in (1, 2):
            cmd = [
                "cargo", "bench", "-q", "-p", "cf-hist", "--bench", "fill", "--",
                "--data", str(tmp), "--threads", str(threads), "--repeat", str(args.repeat),
            ]
            out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            match = re.search(r"RESULT .*seconds=(\S+) .*cpu_per_wall=(\S+) sum=(\S+)", out.stdout)
            if out.returncode != 0 or not match:
                sys.exit(f"cf-hist bench failed:\n{out.stdout}\n{out.stderr}")
            rows.append(("cf-hist", threads, float(match.group(1)), float(match.group(3))))
            cpu_note.append(f"cf-hist {threads} thread(s): {float(match.group(2)):.2f} CPU cores busy per wall second")

    print(f"{n} events, Regular(40) x IntCategory(10) x IntCategory(5), weighted storage, best of {args.repeat}")
    print(f"{'tool':<16} {'threads':>7} {'seconds':>9} {'Mfills/s':>9} {'vs boost-histogram':>19} {'sum of weights':>16}")
    for tool, threads, t, total in rows:
        print(f"{tool:<16} {threads:>7} {t:>9.4f} {n / t / 1e6:>9.1f} {t_bh / t:>18.2f}x {total:>16.4f}")
    # On a shared machine the threads may not get their cores: this shows how many they got.
    for note in cpu_note:
        print(note)
    sums = [r[3] for r in rows]
    if max(sums) - min(sums) > 1e-9 * abs(sums[0]):
        sys.exit(f"the tools disagree on the total: {sums}")


if __name__ == "__main__":
    main()
