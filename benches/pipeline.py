#!/usr/bin/env python3
"""The whole analysis chain, `cf run CreateHistograms`, on 1M NanoAOD-like events.

Makes a NanoAOD-like file set by resampling the events of the shipped real NanoAOD v12 file
(tests/data/nanoaod/nano_tt_v12.root) with a fixed seed: only the branches the chain reads
(JEC inputs, AGC selection, pileup, event ids), with the source's types and compression, split
into several files so the first workflows (CalibrateEvents, SelectEvents, ReduceEvents) have
branches to run in parallel. Writes the analysis YAML of tests/pipeline_cli.rs for those files
(calibrator jec, selector agc, producers features and pu_weight, three categories, weights
normalization_weight and pu_weight), builds the release `cf` and runs the chain from an empty
store with 1 worker pinned to one core and with 2 workers on two cores, then once more on the
complete store (which must run nothing). The source holds 200 events, so the resampled files
repeat them and compress better than real NanoAOD: reading and writing are on the cheap side.

Prints wall time and input events/s, and from cf's `step timing` log lines the seconds per step
(summed over its branches) split into reading (decoding input), functions and writing
(histogram filling included for CreateHistograms), and the wall time no step covers (process
start, scheduling, opening files, loading corrections, metadata). The machine may be shared, so
each configuration runs --rounds times; medians and ranges are printed, with CPU time, which
waiting for a busy core does not inflate.

    python3 benches/pipeline.py [--events 1000000] [--files 4] [--rounds 3] [--workdir target/bench-data]
"""
import argparse
import datetime
import os
import pathlib
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

import awkward as ak
import numpy as np
import uproot

from read_nanoaod import resample

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests/data"
SOURCE = DATA / "nanoaod/nano_tt_v12.root"
XSEC = 923.6
LUMI = 1000.0
# Every branch the chain reads: jec (pt, mass, eta, phi, area, rawFactor, rho), agc (jets, leptons),
# pu_weight (Pileup_nTrueInt), normalization_weight (genWeight), and what ReduceEvents keeps.
COLLECTIONS = {
    "Jet": ["pt", "mass", "eta", "phi", "area", "rawFactor", "jetId", "btagDeepFlavB"],
    "Electron": ["pt", "eta", "phi", "cutBased", "sip3d"],
    "Muon": ["pt", "eta", "phi", "tightId", "sip3d", "pfRelIso04_all"],
}
FLAT = ["Rho_fixedGridRhoFastjetAll", "genWeight", "Pileup_nTrueInt", "run", "luminosityBlock", "event"]
# Events per basket. uproot writes one basket per branch and extend() call; real NanoAOD clusters
# hold thousands of events, not the whole file, and cf reads in batches of 16 384 events.
BASKET_EVENTS = 10_000
SEED = 20261130
STEPS = ["CalibrateEvents", "SelectEvents", "ReduceEvents", "MergeReducedEvents", "ProduceColumns", "CreateHistograms"]
TIMING = re.compile(
    r"^(\S+Z)\s.*step timing task=(\w+)\(.*\) events=(\d+) read_s=(\S+) functions_s=(\S+) write_s=(\S+)$"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def branch_names():
    names = [f"n{c}" for c in COLLECTIONS]
    names += [f"{c}_{f}" for c, fields in COLLECTIONS.items() for f in fields]
    return names + FLAT


def source_arrays():
    tree = uproot.open(SOURCE)["Events"]
    out = {c: ak.zip({f: tree[f"{c}_{f}"].array() for f in fields}) for c, fields in COLLECTIONS.items()}
    out.update({name: tree[name].array() for name in FLAT})
    return out


def types_of(path):
    tree = uproot.open(path)["Events"]
    return tree.num_entries, {name: tree[name].typename for name in branch_names() if name in tree}


def check_types(path, expected_entries):
    """cf decodes branches by their ROOT types, so the resampled files must keep NanoAOD's
    (uint8_t jetId and cutBased, bool tightId, uint64_t event, int32_t counters)."""
    _, want = types_of(SOURCE)
    entries, got = types_of(path)
    problems = [f"{n}: {got.get(n, 'missing')} (source {t})" for n, t in want.items() if got.get(n) != t]
    if entries != expected_entries:
        problems.append(f"{entries} entries, expected {expected_entries}")
    if problems:
        sys.exit(f"{path}: differs from {SOURCE.name}: {'; '.join(problems)}; delete it to regenerate")


# Codecs a file set can be written with instead of the source's (ROOT's default levels); uproot
# needs the named packages for them.
CODECS = {"lz4": (lambda: uproot.LZ4(4), ["lz4", "xxhash"]), "zstd": (lambda: uproot.ZSTD(5), ["zstandard"])}


def make_files(workdir, events, n_files, codec=None):
    """The file set, written once (a rerun with the same --events/--files/codec reuses it), with
    the source's compression or with `codec` (a key of CODECS)."""
    sizes = [events // n_files + (i < events % n_files) for i in range(n_files)]
    suffix = f"_{codec}" if codec else ""
    paths = [workdir / f"pipeline_{events}_{i}of{n_files}{suffix}.root" for i in range(n_files)]
    if codec:
        make, packages = CODECS[codec]
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *packages], check=True)
        compression = make()
    else:
        compression = uproot.open(SOURCE).file.compression
    if not all(p.exists() for p in paths):
        base = source_arrays()
        rng = np.random.default_rng(SEED)
        first_event = 0
        for path, size in zip(paths, sizes):
            tmp = path.with_suffix(".tmp")
            with uproot.recreate(tmp, compression=compression) as out:
                for start in range(0, size, BASKET_EVENTS):
                    n = min(BASKET_EVENTS, size - start)
                    pick = rng.integers(0, len(base["event"]), n)
                    chunk = {k: resample(v, pick) for k, v in base.items()}
                    # Unique event numbers over the whole set, as in a real dataset.
                    chunk["event"] = np.arange(first_event, first_event + n, dtype=np.uint64)
                    first_event += n
                    if start == 0:
                        # mktree: assigning a dict would make uproot write an RNTuple, not a TTree.
                        types = {k: ak.type(v).content if isinstance(v, ak.Array) else v.dtype for k, v in chunk.items()}
                        out.mktree("Events", types)
                    out["Events"].extend(chunk)
            tmp.rename(path)
    for path, size in zip(paths, sizes):
        check_types(path, size)
    return paths, compression


def write_config(workdir, files):
    """The analysis of tests/pipeline_cli.rs (without the data dataset and the inference model,
    which CreateHistograms for tt does not touch), reading the generated files."""
    listed = ", ".join(str(f) for f in files)
    text = f"""analysis: pipeline_bench
configs:
  - name: run3
    id: 1
    ecm: 13.6
    luminosity: {{value: {LUMI}}}
    processes:
      - {{name: tt, id: 1000, label: tt, xsec: {{13.6: {XSEC}}}}}
    datasets:
      - {{name: tt, id: 1, kind: mc, processes: [tt], files: [{listed}]}}
    shifts:
      - {{source: jec, type: shape, id: 10, aliases: {{Jet.pt: "Jet.pt_{{name}}", Jet.mass: "Jet.mass_{{name}}"}}}}
      - {{source: pu, type: shape, id: 20}}
    variables:
      - {{name: jet1_pt, id: 1, expression: "Jet.pt[:,0]", binning: [20, 0.0, 400.0]}}
      - {{name: ht, id: 2, expression: ht, binning: [10, 0.0, 1000.0]}}
      - {{name: jet_pt, id: 3, expression: Jet.pt, binning: [20, 0.0, 400.0]}}
    categories:
      - {{name: incl, id: 1, categorizers: cat_incl}}
      - {{name: e, id: 2, categorizers: cat_e}}
      - {{name: mu, id: 3, categorizers: cat_mu}}
    external_files:
      pu_sf: {DATA}/corrections/LUM_2018_UL_puWeights.json
      jet_jerc: {DATA}/corrections/jet_jerc_Summer22_V3.json.gz
    defaults:
      calibrators: [jec]
      selector: agc
      producers: [features, pu_weight]
      variables: [jet1_pt, ht, jet_pt]
      categories: [incl, e, mu]
    keep_columns:
      ReduceEvents: ["{{run,luminosityBlock,event,genWeight}}", "Jet.{{pt,eta,phi,mass,btagDeepFlavB}}", "{{Electron,Muon}}.{{pt,eta,phi}}", Pileup.nTrueInt]
    event_weights:
      normalization_weight: []
      pu_weight: [pu]
"""
    path = workdir / "pipeline_bench.yaml"
    path.write_text(text)
    return path


class Stores:
    """Empty store directories for timed runs, none of them deleted before the last run.

    On ext4 without a journal (the root file system of the VMs these figures come from),
    creating a file scans past every inode deleted in the last 30 s: deleting the previous
    store right before each run added ~6% to cf's CPU time, all of it in the kernel's inode
    allocator. So every run gets a new directory below `<workdir>/<name>`; what an earlier
    invocation left there is moved aside at the start and deleted, with all but the newest
    store of each tag, by `close()` once the timed runs are over.
    """

    def __init__(self, workdir, name):
        self.root = workdir / name
        self.doomed = []
        if self.root.exists():
            aside = workdir / f"{name}.old-{os.getpid()}"
            self.root.rename(aside)
            self.doomed.append(aside)
        self.root.mkdir(parents=True)
        self.newest = {}
        self.made = 0

    def new(self, tag):
        """A new, not yet existing store directory for a run tagged `tag`."""
        if tag in self.newest:
            self.doomed.append(self.newest[tag])
        self.made += 1
        self.newest[tag] = self.root / f"{tag}-{self.made}"
        return self.newest[tag]

    def close(self):
        for path in self.doomed:
            shutil.rmtree(path, ignore_errors=True)
        self.doomed = []


def run_cf(analysis, store, workers, cores):
    """One `cf run CreateHistograms`: (wall s, CPU s, tasks ran, step timings, start as Unix
    time, cf's stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in ("RUST_LOG", "CF_STORE", "CF_ANALYSIS")}
    env.update(RAYON_NUM_THREADS=str(len(cores)), NO_COLOR="1")
    cmd = ["taskset", "-c", ",".join(map(str, cores)), str(ROOT / "target/release/cf"), "run", "CreateHistograms",
           "--analysis", str(analysis), "--dataset", "tt", "--version", "bench", "--store", str(store),
           "--workers", str(workers), "--log-level", "cf_tasks::timing=info"]
    cpu_before = children_cpu()
    origin = time.time()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    # communicate() has reaped cf, so its CPU time is now counted among the children's.
    cpu = children_cpu() - cpu_before
    if proc.returncode != 0:
        sys.exit(f"cf failed (exit {proc.returncode}): {' '.join(cmd)}\n{stdout}{stderr}")
    ran = re.search(r"^\s*ran:\s*(\d+)", stdout, re.M)
    if ran is None:
        sys.exit(f"no execution summary in cf's output:\n{stdout}")
    steps = []
    for line in ANSI.sub("", stderr).splitlines():
        match = TIMING.match(line.strip())
        if match:
            end, family, events, read, functions, write = match.groups()
            end = datetime.datetime.fromisoformat(end.replace("Z", "+00:00")).timestamp()
            steps.append((family, int(events), float(read), float(functions), float(write), end))
    return wall, cpu, int(ran.group(1)), steps, origin, stderr


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def covered(steps):
    """Wall seconds during which at least one step was reading, running functions or writing:
    the union of the intervals ending at each step's log time, as long as its timed parts."""
    intervals = sorted((end - (r + f + w), end) for _, _, r, f, w, end in steps)
    total, reach = 0.0, float("-inf")
    for start, end in intervals:
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def summarize(steps, wall, origin, sequential):
    """Per family: [branches, input events, read, functions, write, gaps]; plus the uncovered
    time. With one worker, steps run one after the other, so the time between the end of one
    step and the timed start of the next is the next one's: scheduling it, opening its inputs,
    loading its corrections (the first step's also holds start-up and planning)."""
    families = {}
    previous = origin
    for family, events, read, functions, write, end in sorted(steps, key=lambda s: s[-1]):
        gap = (end - read - functions - write - previous) if sequential else 0.0
        previous = end
        row = families.setdefault(family, [0, 0, 0.0, 0.0, 0.0, 0.0])
        for i, value in enumerate((1, events, read, functions, write, gap)):
            row[i] += value
    return families, wall - covered(steps)


def spread(values, fmt):
    """The median and, with more than one value, the range."""
    text = format(statistics.median(values), fmt)
    if len(values) > 1:
        text += f" ({format(min(values), fmt)}–{format(max(values), fmt)})"
    return text


def report(label, runs, events):
    walls = [r["wall"] for r in runs]
    print(f"\n## {label}: wall {spread(walls, '.1f')} s, CPU {spread([r['cpu'] for r in runs], '.1f')} s, "
          f"{spread([events / w for w in walls], ',.0f')} input events/s, {runs[0]['ran']} tasks ran")
    sequential = runs[0]["sequential"]
    print(f"{'step':<20}{'branches':>9}{'events in':>11}{'read s':>9}{'functions s':>13}{'write s':>9}{'sum s':>8}{'share':>7}"
          + (f"{'gap before s':>14}" if sequential else ""))
    totals = [0.0, 0.0, 0.0]
    grand = statistics.median(sum(sum(row[2:5]) for row in r["families"].values()) for r in runs)
    for family in STEPS + sorted(set(runs[0]["families"]) - set(STEPS)):
        rows = [r["families"][family] for r in runs if family in r["families"]]
        if not rows:
            continue
        parts = [statistics.median(row[i] for row in rows) for i in (2, 3, 4)]
        for i, part in enumerate(parts):
            totals[i] += part
        gap = f"{statistics.median(row[5] for row in rows):>14.2f}" if sequential else ""
        print(f"{family:<20}{rows[0][0]:>9}{rows[0][1]:>11,}{parts[0]:>9.2f}{parts[1]:>13.2f}{parts[2]:>9.2f}"
              f"{sum(parts):>8.2f}{sum(parts) / grand:>7.0%}{gap}")
    step_sum = sum(totals)
    print(f"{'all steps':<20}{'':>9}{'':>11}{totals[0]:>9.2f}{totals[1]:>13.2f}{totals[2]:>9.2f}{step_sum:>8.2f}"
          f"{'100%':>7}")
    print(f"{'share of step time':<40}{totals[0] / step_sum:>9.0%}{totals[1] / step_sum:>13.0%}{totals[2] / step_sum:>9.0%}")
    uncovered = [r["uncovered"] for r in runs]
    uncovered_share = statistics.median(u / w for u, w in zip(uncovered, walls))
    print(f"not covered by any step (start-up, scheduler, opening files, corrections, metadata): "
          f"{spread(uncovered, '.2f')} s = {uncovered_share:.0%} of wall")
    return totals, statistics.median(walls), statistics.median(uncovered), uncovered_share


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=4, help="input files = branches of the first workflows")
    parser.add_argument("--rounds", type=int, default=3, help="repeats of each worker count, alternated")
    parser.add_argument("--workdir", type=pathlib.Path, default=ROOT / "target/bench-data")
    args = parser.parse_args()
    if args.events < args.files or args.files < 1 or args.rounds < 1:
        sys.exit("--files and --rounds must be at least 1, and --events at least --files")
    if (os.cpu_count() or 1) < 2:
        sys.exit("the two-worker run needs two cores")
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    files, compression = make_files(workdir, args.events, args.files)
    size = sum(f.stat().st_size for f in files) / 1e6
    print(f"# {len(files)} files, {size:.0f} MB, ready in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    analysis = write_config(workdir, files)
    subprocess.run(["cargo", "build", "-q", "--release", "--bin", "cf"], cwd=ROOT, check=True)

    configs = [("1 worker, 1 core", 1, [0]), ("2 workers, 2 cores", 2, [0, 1])]
    results = {label: [] for label, _, _ in configs}
    warm = {label: [] for label, _, _ in configs}
    stores = Stores(workdir, "pipeline-stores")
    for round_ in range(args.rounds):
        for label, workers, cores in configs:
            store = stores.new(f"{workers}-workers")
            wall, cpu, ran, steps, origin, stderr = run_cf(analysis, store, workers, cores)
            if not steps:
                sys.exit(f"no `step timing` lines in cf's log:\n{stderr[-3000:]}")
            families, uncovered = summarize(steps, wall, origin, workers == 1)
            results[label].append(
                dict(wall=wall, cpu=cpu, ran=ran, families=families, uncovered=uncovered, sequential=workers == 1)
            )
            warm_wall, _, warm_ran, _, _, _ = run_cf(analysis, store, workers, cores)
            if warm_ran != 0:
                sys.exit(f"the rerun on a complete store ran {warm_ran} tasks ({label})")
            warm[label].append(warm_wall)
            print(f"# round {round_ + 1} {label}: {wall:.1f} s, rerun {warm_wall * 1e3:.0f} ms; load {os.getloadavg()[0]:.1f}",
                  file=sys.stderr)
    stores.close()

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"input: {args.events:,} events resampled from {SOURCE.name} (seed {SEED}) in {len(files)} files, "
          f"{size:.0f} MB, {compression}, {BASKET_EVENTS:,}-event baskets, {len(branch_names())} branches")
    print("chain: jec -> agc -> ReduceEvents -> merge -> features, pu_weight -> 3 variables x 3 categories, "
          f"weights normalization_weight * pu_weight; median (range) of {args.rounds} rounds, each from an empty store")
    print("step seconds are summed over a step's branches (with 2 workers they overlap in wall time);")
    print("CreateHistograms' write includes histogram filling; 'events in' counts the step's input events")
    summary = []
    for label, _, _ in configs:
        totals, wall, uncovered, uncovered_share = report(label, results[label], args.events)
        summary.append((label, wall, totals, uncovered, uncovered_share, statistics.median(warm[label])))

    print("\n| workers | wall (median of rounds) | input events/s | read | functions | write | not covered | rerun, complete store |")
    print("|---|---|---|---|---|---|---|---|")
    for label, wall, totals, uncovered, uncovered_share, warm_wall in summary:
        step_sum = sum(totals)
        print(f"| {label} | {wall:.1f} s | {args.events / wall / 1e3:,.0f} k | {totals[0] / step_sum:.0%} | "
              f"{totals[1] / step_sum:.0%} | {totals[2] / step_sum:.0%} | {uncovered:.1f} s ({uncovered_share:.0%}) | "
              f"{warm_wall * 1e3:.0f} ms |")
    print("(read, functions, write: shares of the summed step time; not covered: share of wall)")


if __name__ == "__main__":
    main()
