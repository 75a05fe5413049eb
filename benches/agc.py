#!/usr/bin/env python3
"""The AGC ttbar benchmark side by side with the Python stack, on the same files in one run.

Makes (or reuses) the 1M-event NanoAOD-like file set of benches/pipeline.py, resampled from
tests/data/nanoaod/nano_tt_v12.root, writes configs/agc.yaml's analysis reading those files,
installs the Python peers (tests/requirements.txt) and runs, on 1 core and on 2 cores (taskset
and RAYON_NUM_THREADS; Python pinned the same way, with one process per core):

  (a) cf kernel: producers/benches/agc_kernel.rs, one pass of cf's functions over the events
      (read -> agc_jet_variations -> per jet shift: agc selection, selected jets,
      agc_observables, agc_btag_weights, categories -> fill), no task outputs;
  (b) cf pipeline: `cf run MergeShiftedHistograms` from an empty store, every shift (a new
      store directory per run, below <stores>/agc-stores, <stores> being --stores or else
      <workdir>; see pipeline.Stores);
  (c) Python: benches/agc_python.py (uproot + awkward + hist), the same cuts, shifts, random
      numbers (cf's gaussian ported to numpy) and binning.

Prints events/s of each (median and range over --rounds), the ratios cf/Python, the 2-core over
1-core speed-ups, the kernel's time per phase next to the Python peer's time reading with
uproot and the best ratio the kernel could reach if its analysis took no time at all (Python's
time over the kernel's reading), where the pipeline's time goes (its `step timing` log lines)
and on which file system its stores were, and checks that the three sets of histograms agree
bin by bin (values and variances, flow bins included, relative tolerance 1e-6: the sums run in
different orders), listing any bin that differs. Exits non-zero when they do not agree. The
goals of issue 10 are checked and printed: kernel >= 10x Python per core, pipeline >= 3x, 2
cores >= 1.8x 1 core.

    python3 benches/agc.py [--events 1000000] [--files 4] [--rounds 3] [--workdir target/bench-data]
                           [--compression lz4|zstd] [--stores DIR]
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs/agc.yaml"
DEFAULT_FILES = "files: [../tests/data/nanoaod/nano_tt_v12.root]"
SHIFTS = {"nominal": 0, "scale_up": 10, "scale_down": 11, "res_up": 20, "res_down": 21, "btag_up": 30, "btag_down": 31}
CATEGORIES = {1: "4j1b", 2: "4j2b"}
VARIABLES = ("HT", "m_bjj")
# The AGC's observable per region; the other pairs are compared too but not shown as a table.
OBSERVABLES = {1: "HT", 2: "m_bjj"}
RTOL = 1e-6
CORES = [("1 core", [0]), ("2 cores", [0, 1])]


def file_system(path):
    """The type of the file system holding `path` (as findmnt names it), or None."""
    try:
        out = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "-T", path], capture_output=True, text=True).stdout
    except OSError:
        return None
    # The last line is the mount on top when several are stacked at the same place.
    return out.split()[-1] if out.split() else None


def install_peers():
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(ROOT / "tests/requirements.txt")], check=True)


def build():
    """The release `cf` and the kernel bench binary; returns the kernel's path."""
    subprocess.run(["cargo", "build", "-q", "--release", "--bin", "cf"], cwd=ROOT, check=True)
    out = subprocess.run(
        ["cargo", "bench", "-q", "-p", "cf-producers", "--bench", "agc_kernel", "--no-run", "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("target", {}).get("name") == "agc_kernel":
            if message.get("executable"):
                return message["executable"]
    sys.exit("cargo did not report the agc_kernel executable")


def write_config(workdir, files):
    """configs/agc.yaml with its dataset reading `files`."""
    text = CONFIG.read_text()
    if text.count(DEFAULT_FILES) != 1:
        sys.exit(f"{CONFIG}: expected one `{DEFAULT_FILES}` to replace with the benchmark's files")
    path = workdir / "agc_bench.yaml"
    path.write_text(text.replace(DEFAULT_FILES, f"files: [{', '.join(str(f) for f in files)}]"))
    return path


def pinned(cores, cmd):
    env = {k: v for k, v in os.environ.items() if k not in ("RUST_LOG", "CF_STORE", "CF_ANALYSIS")}
    env.update(RAYON_NUM_THREADS=str(len(cores)), OMP_NUM_THREADS="1", NO_COLOR="1")
    return ["taskset", "-c", ",".join(map(str, cores))] + [str(c) for c in cmd], env


def run_json(cores, cmd):
    """Runs a program that prints one JSON line (events, seconds); adds wall and CPU seconds."""
    # benches/pipeline.py imports awkward and uproot, so it is imported after install_peers.
    from pipeline import children_cpu

    cmd, env = pinned(cores, cmd)
    cpu = children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update(wall=wall, cpu=children_cpu() - cpu)
    return result


def run_pipeline(cf, analysis, store, cores):
    """`cf run MergeShiftedHistograms` from an empty store: wall, CPU, step timings, UHI JSON."""
    from pipeline import ANSI, TIMING, children_cpu

    cmd, env = pinned(cores, [cf, "run", "MergeShiftedHistograms", "--analysis", analysis, "--dataset", "tt",
                              "--version", "bench", "--store", store, "--workers", len(cores),
                              "--log-level", "cf_tasks::timing=info"])
    cpu = children_cpu()
    origin = time.time()
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"cf failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    steps = []
    for line in ANSI.sub("", proc.stderr).splitlines():
        match = TIMING.match(line.strip())
        if match:
            end, family, events, read, functions, write = match.groups()
            end = datetime.datetime.fromisoformat(end.replace("Z", "+00:00")).timestamp()
            steps.append((family, int(events), float(read), float(functions), float(write), end))
    if not steps:
        sys.exit(f"no `step timing` lines in cf's log:\n{proc.stderr[-3000:]}")
    uhi = list(pathlib.Path(store).glob("*/MergeShiftedHistograms/**/*.json"))
    if len(uhi) != 1:
        sys.exit(f"expected one MergeShiftedHistograms JSON below {store}, found {len(uhi)}")
    return dict(wall=wall, cpu=children_cpu() - cpu, steps=steps, origin=origin, json=uhi[0])


def load(path):
    import hist
    import uhi.io.json

    with open(path) as f:
        return {name: hist.Hist(h) for name, h in json.load(f, object_hook=uhi.io.json.object_hook).items()}


def cell(h, category, shift):
    """Values and variances (flow included) of one category and shift, summed over process."""
    import numpy as np

    c = list(h.axes["category"]).index(category)
    s = list(h.axes["shift"]).index(shift)
    return (np.asarray(h.values(flow=True))[c, :, s, :].sum(axis=0),
            np.asarray(h.variances(flow=True))[c, :, s, :].sum(axis=0))


def compare(label_a, a, label_b, b):
    """Every differing bin of every variable, category and shift, as lines of text."""
    import numpy as np

    problems = []
    for name in VARIABLES:
        for category in CATEGORIES:
            for shift, shift_id in SHIFTS.items():
                try:
                    va, wa = cell(a[name], category, shift_id)
                    vb, wb = cell(b[name], category, shift_id)
                except (KeyError, ValueError) as err:
                    problems.append(f"{name} {CATEGORIES[category]} {shift}: missing ({err})")
                    continue
                for what, x, y in (("value", va, vb), ("variance", wa, wb)):
                    bad = ~np.isclose(x, y, rtol=RTOL, atol=1e-9)
                    for i in np.flatnonzero(bad):
                        where = "underflow" if i == 0 else "overflow" if i == len(x) - 1 else f"bin {i - 1}"
                        problems.append(f"{name} {CATEGORIES[category]} {shift} {where} {what}: "
                                        f"{label_a} {x[i]:.9g} vs {label_b} {y[i]:.9g}")
    return problems


def spread(values, fmt):
    text = format(statistics.median(values), fmt)
    if len(values) > 1:
        text += f" ({format(min(values), fmt)}–{format(max(values), fmt)})"
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=4, help="input files (the kernel and Python split work by file)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=pathlib.Path, default=ROOT / "target/bench-data")
    parser.add_argument("--no-install", action="store_true", help="skip pip install -r tests/requirements.txt")
    parser.add_argument("--compression", choices=["lz4", "zstd"],
                        help="write the file set with this codec instead of the source's ZLIB (its own files)")
    parser.add_argument("--stores", type=pathlib.Path,
                        help="put the pipeline's stores below this directory instead of --workdir, e.g. on a "
                             "tmpfs to see what writing and syncing its files to disk costs")
    args = parser.parse_args()
    if args.events < args.files or args.files < 2 or args.rounds < 1:
        sys.exit("--files must be at least 2 (two cores), --rounds at least 1, --events at least --files")
    if (os.cpu_count() or 1) < 2:
        sys.exit("the two-core runs need two cores")
    if not args.no_install:
        install_peers()
    from pipeline import STEPS, Stores, make_files, summarize

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    files, compression = make_files(workdir, args.events, args.files, args.compression)
    size = sum(f.stat().st_size for f in files) / 1e6
    print(f"# {len(files)} files, {size:.0f} MB, ready in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    analysis = write_config(workdir, files)
    kernel = build()
    cf = ROOT / "target/release/cf"
    python_peer = [sys.executable, ROOT / "benches/agc_python.py"]

    load_before = os.getloadavg()[0]
    results = {label: {"kernel": [], "pipeline": [], "python": []} for label, _ in CORES}
    outputs = {}
    stores_root = (args.stores or workdir).resolve()
    stores_root.mkdir(parents=True, exist_ok=True)
    stores = Stores(stores_root, "agc-stores")
    for round_ in range(args.rounds):
        for label, cores in CORES:
            tag = f"{len(cores)}c"
            k = run_json(cores, [kernel, "--out", workdir / f"agc-kernel-{tag}.json", *files])
            p = run_pipeline(cf, analysis, stores.new(tag), cores)
            y = run_json(cores, python_peer + ["--workers", len(cores), "--out", workdir / f"agc-python-{tag}.json", *files])
            for kind, r in (("kernel", k), ("pipeline", p), ("python", y)):
                results[label][kind].append(r)
            outputs[label] = dict(kernel=workdir / f"agc-kernel-{tag}.json", pipeline=p["json"],
                                  python=workdir / f"agc-python-{tag}.json")
            print(f"# round {round_ + 1} {label}: kernel {k['seconds']:.2f} s, pipeline {p['wall']:.2f} s, "
                  f"python {y['seconds']:.2f} s; load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    stores.close()

    events = args.events
    load_after = os.getloadavg()[0]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"load average {load_before:.1f} at the start, {load_after:.1f} at the end")
    if max(load_before, load_after) > 1.5:
        print("WARNING: other work shared the cores: wall-clock rates and above all the 2-core speed-ups "
              "understate cf and Python alike; the CPU-time line below is the per-core comparison to trust")
    print(f"input: {events:,} events resampled from nano_tt_v12.root in {len(files)} files, {size:.0f} MB, {compression}")
    print("analysis: configs/agc.yaml (AGC ttbar: 3 jet variations re-selected, b-tag weight up/down, HT in 4j1b, "
          f"m_bjj in 4j2b, 11 bins 110-550 GeV); median (range) of {args.rounds} rounds")
    print("events/s: input events / seconds; kernel and Python timed inside the process (imports and process "
          "start excluded), the pipeline by wall time of `cf run` from an empty store")
    rates = {}
    print("\n| cores | (a) cf kernel | (b) cf pipeline | (c) Python | a/c | b/c |")
    print("|---|---|---|---|---|---|")
    for label, _ in CORES:
        r = results[label]
        kernel_rates = [events / x["seconds"] for x in r["kernel"]]
        pipeline_rates = [events / x["wall"] for x in r["pipeline"]]
        python_rates = [events / x["seconds"] for x in r["python"]]
        rates[label] = {k: statistics.median(v) for k, v in
                        (("kernel", kernel_rates), ("pipeline", pipeline_rates), ("python", python_rates))}
        m = rates[label]
        print(f"| {label} | {spread([x / 1e3 for x in kernel_rates], ',.0f')} k | {spread([x / 1e3 for x in pipeline_rates], ',.0f')} k | "
              f"{spread([x / 1e3 for x in python_rates], ',.1f')} k | {m['kernel'] / m['python']:.1f}× | "
              f"{m['pipeline'] / m['python']:.1f}× |")
    print("\n| | 2 cores / 1 core |")
    print("|---|---|")
    for kind in ("kernel", "pipeline", "python"):
        print(f"| {kind} | {rates['2 cores'][kind] / rates['1 core'][kind]:.2f}× |")
    # CPU time does not grow while another process holds the core, so on a shared machine it
    # gives the per-core ratios that wall time cannot. cf's processes start in milliseconds;
    # Python's is timed inside, without its imports.
    cpu = {kind: statistics.median(x["cpu"] for x in results["1 core"][kind]) for kind in ("kernel", "pipeline")}
    cpu["python"] = statistics.median(x["cpu_seconds"] for x in results["1 core"]["python"])
    print("\n1 core by CPU time (robust to other load): "
          + ", ".join(f"{k} {v:.2f} s = {events / v / 1e3:,.0f} k ev/s" for k, v in cpu.items())
          + f"; kernel/Python {cpu['python'] / cpu['kernel']:.1f}×, pipeline/Python {cpu['python'] / cpu['pipeline']:.1f}×")
    for label, _ in CORES:
        phases = {name: statistics.median(x["phases"][name] for x in results[label]["kernel"])
                  for name in results[label]["kernel"][0]["phases"]}
        print(f"kernel, {label}: seconds per phase (median, summed over threads): "
              + ", ".join(f"{k} {v:.2f}" for k, v in phases.items()))
        read = statistics.median(x["read_seconds"] for x in results[label]["python"])
        print(f"python, {label}: {read:.2f} s reading the branches with uproot (median, summed over processes), "
              f"{read / phases['read']:.1f}x the kernel's read")
        if label == "1 core":
            # Reading (decompressing and decoding the input) is a floor under the kernel's time.
            print(f"kernel, 1 core: with an analysis taking no time at all, reading alone would hold the kernel "
                  f"to {cpu['python'] / phases['read']:.1f}× Python (Python's CPU time over the kernel's read)")

    print(f"\npipeline stores below {stores_root} ({file_system(stores_root) or 'file system unknown'})")
    for label, _ in CORES:
        runs = results[label]["pipeline"]
        sequential = label == "1 core"
        summaries = [summarize(r["steps"], r["wall"], r["origin"], sequential) for r in runs]
        print(f"\npipeline, {label}: where the time goes (median over rounds; step seconds summed over branches)")
        print(f"{'step':<20}{'branches':>9}{'read s':>9}{'functions s':>13}{'write s':>9}{'sum s':>8}"
              + (f"{'gap before s':>14}" if sequential else ""))
        families = summaries[0][0]
        for family in STEPS + sorted(set(families) - set(STEPS)):
            rows = [s[0][family] for s in summaries if family in s[0]]
            if not rows:
                continue
            parts = [statistics.median(row[i] for row in rows) for i in (2, 3, 4)]
            gap = f"{statistics.median(row[5] for row in rows):>14.2f}" if sequential else ""
            print(f"{family:<20}{rows[0][0]:>9}{parts[0]:>9.2f}{parts[1]:>13.2f}{parts[2]:>9.2f}{sum(parts):>8.2f}{gap}")
        uncovered = statistics.median(s[1] for s in summaries)
        wall = statistics.median(r["wall"] for r in runs)
        print(f"wall {wall:.2f} s, of which covered by no step (start-up, scheduling, opening files, metadata): "
              f"{uncovered:.2f} s")

    print("\nhistograms (HT in 4j1b, m_bjj in 4j2b; values summed over the 11 bins, 2-core outputs):")
    hists = {kind: load(path) for kind, path in outputs["2 cores"].items()}
    print(f"| shift | region | {' | '.join(hists)} |")
    print("|---|---|" + "---|" * len(hists))
    for shift, shift_id in SHIFTS.items():
        for category, variable in OBSERVABLES.items():
            sums = [cell(h[variable], category, shift_id)[0][1:-1].sum() for h in hists.values()]
            print(f"| {shift} | {CATEGORIES[category]} {variable} | " + " | ".join(f"{s:,.3f}" for s in sums) + " |")
    problems = []
    for label, _ in CORES:
        h = {kind: load(path) for kind, path in outputs[label].items()}
        problems += [f"{label}: {p}" for p in compare("kernel", h["kernel"], "pipeline", h["pipeline"])]
        problems += [f"{label}: {p}" for p in compare("kernel", h["kernel"], "python", h["python"])]
    compared = len(VARIABLES) * len(CATEGORIES) * len(SHIFTS) * 13 * 2
    if problems:
        print(f"\nHISTOGRAMS DIFFER in {len(problems)} bins:")
        print("\n".join(problems))
    else:
        print(f"\nall histograms agree bin by bin: kernel = pipeline = Python, {compared} bins (values, variances; "
              f"2 variables x 2 categories x 7 shifts x 13 bins incl. flow) on 1 and on 2 cores, rtol {RTOL}")

    one, two = rates["1 core"], rates["2 cores"]
    goals = [
        ("kernel >= 10x Python per core", one["kernel"] / one["python"], 10.0),
        ("pipeline >= 3x Python per core", one["pipeline"] / one["python"], 3.0),
        ("kernel 2 cores >= 1.8x 1 core", two["kernel"] / one["kernel"], 1.8),
        ("pipeline 2 cores >= 1.8x 1 core", two["pipeline"] / one["pipeline"], 1.8),
    ]
    print("\n| goal | measured | |")
    print("|---|---|---|")
    for name, value, target in goals:
        print(f"| {name} | {value:.2f}× | {'met' if value >= target else f'MISSED by {(1 - value / target):.0%}'} |")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
