"""Side-by-side speed of cf-correction and Python correctionlib on the same inputs.

Generates N inputs for four real CMS corrections (muon ID scale factor: categories and
binnings; electron ID scale factor: categories and a multibinning; the JEC L1L2L3Res compound
correction; the MET phi correction), times correctionlib evaluating them vectorised
with numpy, writes inputs and outputs as raw little-endian f64 files, runs the Rust bench
(`cargo bench -p cf-correction --bench eval`, which checks it agrees with these outputs)
and prints a table with the ratios.

The machine is shared, so timings are taken in rounds that alternate Python and Rust, and
the best time of each over all rounds is kept; the load average is printed alongside.
Single-threaded runs are also compared in CPU time, which waiting for a busy core does
not inflate.

usage: python3 benches/correction_vs_python.py [--n 1000000] [--reps 5] [--rounds 3] [--out DIR]
"""

import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

try:
    import correctionlib
    import numpy as np
except ImportError as exc:  # the benchmark needs both peers
    sys.exit(f"missing Python module: {exc.name}; install tests/requirements.txt")

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "corrections"


def cases(n, rng):
    """(name, file, correction, compound, inputs as (stem or None, array or scalar))."""
    return [
        ("muon_sf", "MUO_2018_UL_muon_Z.json", "NUM_TightID_DEN_TrackerMuons", False, [
            (None, "2018_UL"),
            ("muon_abseta", rng.uniform(0.0, 2.4, n)),
            ("muon_pt", 15.0 + rng.exponential(30.0, n)),
            (None, "sf"),
        ]),
        ("electron_id", "EGM_2018_UL_electron.json", "UL-Electron-ID-SF", False, [
            (None, "2018"),
            (None, "sf"),
            (None, "Medium"),
            ("electron_eta", rng.uniform(-2.5, 2.5, n)),
            ("electron_pt", 10.0 + rng.exponential(30.0, n)),
        ]),
        ("jec_compound", "jet_jerc_Summer22_V3.json.gz",
         "Summer22_22Sep2023_RunCD_V3_DATA_L1L2L3Res_AK4PFPuppi", True, [
            ("jec_area", rng.uniform(0.3, 0.7, n)),
            ("jec_eta", rng.uniform(-4.7, 4.7, n)),
            ("jec_pt", 15.0 + rng.exponential(60.0, n)),
            ("jec_rho", rng.uniform(0.0, 50.0, n)),
        ]),
        ("met_phi", "JME_2018_UL_met.json", "pt_metphicorr_pfmet_data", False, [
            ("met_pt", rng.exponential(50.0, n).clip(0.0, 6000.0)),
            ("met_phi", rng.uniform(-3.14, 3.14, n)),
            ("met_npvs", rng.integers(1, 80, n).astype(np.float64)),
            ("met_run", rng.integers(315252, 325274, n).astype(np.float64)),
        ]),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="inputs per correction")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions (best is kept)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating Python/Rust rounds")
    parser.add_argument("--out", help="directory for inputs/outputs (default: a temporary one)")
    args = parser.parse_args()
    out = pathlib.Path(args.out or tempfile.mkdtemp(prefix="cf-correction-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(12345)

    load_before = os.getloadavg()[0]
    evaluators = {}
    for name, file, corr, compound, inputs in cases(args.n, rng):
        cset = correctionlib.CorrectionSet.from_file(str(DATA / file))
        evaluator = cset.compound[corr] if compound else cset[corr]
        values = [v for _, v in inputs]
        evaluators[name] = (evaluator, values)
        for stem, v in inputs:
            if stem is not None:
                np.ascontiguousarray(v, dtype="<f8").tofile(out / f"{stem}.f64")
        result = evaluator.evaluate(*values)
        np.ascontiguousarray(result, dtype="<f8").tofile(out / f"{name}_out.f64")

    python = {name: float("inf") for name in evaluators}
    python_cpu = {name: float("inf") for name in evaluators}
    rust = {}
    rust_cpu = {}
    agree = {}
    cmd = ["cargo", "bench", "-p", "cf-correction", "--bench", "eval", "--",
           "--data", str(out), "--reps", str(args.reps)]
    for _ in range(args.rounds):
        for name, (evaluator, values) in evaluators.items():
            for _ in range(args.reps):
                cpu = time.process_time()
                start = time.perf_counter()
                evaluator.evaluate(*values)
                python[name] = min(python[name], time.perf_counter() - start)
                python_cpu[name] = min(python_cpu[name], time.process_time() - cpu)
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{run.stderr[-4000:]}")
        for line in run.stdout.splitlines():
            if m := re.match(r"RESULT (\S+) (\d+) (\S+) (\S+)", line):
                key = (m[1], int(m[2]))
                rust[key] = min(rust.get(key, float("inf")), float(m[3]))
                rust_cpu[key] = min(rust_cpu.get(key, float("inf")), float(m[4]))
            elif m := re.match(r"AGREE (\S+) (\d+)", line):
                agree[m[1]] = max(agree.get(m[1], 0), int(m[2]))
    threads = max(t for _, t in rust)
    load_after = os.getloadavg()[0]

    print(f"{args.n} inputs per correction, best of {args.reps} x {args.rounds} rounds; "
          f"machine: {os.cpu_count()} cores, load average {load_before:.1f} -> {load_after:.1f}")
    print(f"python correctionlib {correctionlib.__version__} (numpy, 1 thread) vs cf-correction")
    header = (f"{'case':<13} {'python s':>8} {'cf 1t s':>8} {'x 1t':>5} {'x 1t cpu':>8} "
              f"{f'cf {threads}t s':>8} {f'x {threads}t':>5} {'cf Mevals/s':>11} {'disagree':>8}")
    print(header)
    print("-" * len(header))
    for name in python:
        py, t1, tn = python[name], rust[(name, 1)], rust[(name, threads)]
        cpu_ratio = python_cpu[name] / rust_cpu[(name, 1)]
        print(f"{name:<13} {py:>8.4f} {t1:>8.4f} {py / t1:>5.2f} {cpu_ratio:>8.2f} {tn:>8.4f} "
              f"{py / tn:>5.2f} {args.n / tn / 1e6:>11.1f} {agree.get(name, -1):>8}")
    print("(x = python time / cf time, wall clock; x 1t cpu = the same in CPU time;")
    print(f" disagree = outputs differing beyond 1e-12 relative; data in {out})")


if __name__ == "__main__":
    main()
