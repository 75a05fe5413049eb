#!/usr/bin/env python3
"""Side-by-side read benchmark: cf vs uproot on the same NanoAOD-like files, in one run.

Makes a large NanoAOD-like file by resampling the events of the shipped real NanoAOD v12 file
(tests/data/nanoaod/nano_tt_v12.root: every numeric Jet, Electron, Muon and MET branch plus the
event ids), written by uproot once with ZLIB and once with LZMA. Then reads the 16 AGC columns:
uproot (tree.arrays), and cf (benches/read_columns.rs through cf-io) on 1 and 2 threads, from
each ROOT file and from cf's own Parquet (converted by cf from the ZLIB file); pyarrow reads
that Parquet as a peer. Prints events/s and ratios.

    python3 benches/read_nanoaod.py [--events 1000000] [--workdir target/bench-data]
"""
import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

import awkward as ak
import numpy as np
import pyarrow.parquet as pq
import uproot

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests/data/nanoaod/nano_tt_v12.root"
COLLECTIONS = ["Jet", "Electron", "Muon"]
AGC = (
    [f"Jet_{f}" for f in ["pt", "eta", "phi", "mass", "btagDeepFlavB", "jetId"]]
    + [f"Electron_{f}" for f in ["pt", "eta", "cutBased", "sip3d"]]
    + [f"Muon_{f}" for f in ["pt", "eta", "tightId", "sip3d", "pfRelIso04_all"]]
    + ["event"]
)
NUMERIC = set("bool int8_t uint8_t int16_t uint16_t int32_t uint32_t int64_t uint64_t float double".split())
REPEATS = 3


def source_arrays():
    tree = uproot.open(SOURCE)["Events"]
    out = {}
    for name in COLLECTIONS:
        fields = {}
        for branch in tree.keys(filter_name=f"{name}_*"):
            if tree[branch].typename.rstrip("[]") in NUMERIC and tree[branch].typename.endswith("[]"):
                fields[branch[len(name) + 1 :]] = tree[branch].array()
        out[name] = ak.zip(fields)
    met = {b[4:]: tree[b].array() for b in tree.keys(filter_name="MET_*") if tree[b].typename in NUMERIC}
    out["MET"] = ak.zip(met)
    for flat in ["run", "luminosityBlock", "event", "genWeight", "PV_npvs"]:
        out[flat] = tree[flat].array()
    return out


def resample(array, pick):
    """array[pick] for flat arrays and records of jagged fields, done with numpy on the offsets
    (awkward's generic indexing of wide records is far slower)."""
    if array.ndim == 1 and not array.fields:
        return ak.to_numpy(array)[pick]
    if array.ndim == 1:
        return ak.zip({f: ak.Array(ak.to_numpy(array[f])[pick]) for f in array.fields})
    counts = ak.to_numpy(ak.num(array))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    lengths = counts[pick]
    starts = np.repeat(offsets[pick], lengths)
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    flat = starts + within
    fields = {f: ak.unflatten(ak.to_numpy(ak.flatten(array[f]))[flat], lengths) for f in array.fields}
    return ak.zip(fields)


def make_file(path, events, compression):
    if path.exists():
        return
    base = source_arrays()
    rng = np.random.default_rng(20261130)
    step = 100_000
    tmp = path.with_suffix(".tmp")
    with uproot.recreate(tmp, compression=compression) as out:
        for start in range(0, events, step):
            n = min(step, events - start)
            pick = rng.integers(0, len(base["event"]), n)
            chunk = {k: resample(v, pick) for k, v in base.items()}
            chunk["event"] = np.arange(start, start + n, dtype=np.uint64)
            if start == 0:
                # mktree: assigning a dict would make uproot 5.7 write an RNTuple, not a TTree.
                types = {k: ak.type(v).content if isinstance(v, ak.Array) else v.dtype for k, v in chunk.items()}
                out.mktree("Events", types)
            out["Events"].extend(chunk)
    tmp.rename(path)


def time_uproot(path):
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        arrays = uproot.open(path)["Events"].arrays(AGC)
        best = min(best, time.perf_counter() - start)
    return len(arrays), best


def time_pyarrow(path):
    """pyarrow reading the same 16 leaves, on one thread like the other peers."""
    columns = [name.replace("_", ".list.item.", 1) if "_" in name else name for name in AGC]
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        table = pq.ParquetFile(path).read(columns=columns, use_threads=False)
        best = min(best, time.perf_counter() - start)
    return table.num_rows, best


def run_cf(files, parquet, threads):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    cmd = ["cargo", "bench", "-q", "--bench", "read_columns", "--", "--to-parquet", str(parquet)] + [str(f) for f in files]
    if parquet.exists():
        cmd = ["cargo", "bench", "-q", "--bench", "read_columns", "--"] + [str(f) for f in files] + [str(parquet)]
    out = subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    sys.stderr.write(out.stderr[-2000:] if "converted" in out.stderr else "")
    return {json.loads(l)["file"]: json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=pathlib.Path, default=ROOT / "target/bench-data")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    files = {
        "ROOT ZLIB": args.workdir / f"agc_like_{args.events}_zlib.root",
        "ROOT LZMA": args.workdir / f"agc_like_{args.events}_lzma.root",
    }
    for label, path in files.items():
        start = time.perf_counter()
        # LZMA level 1: uproot needs ~25 min to write 1M events at level 6, and the level
        # hardly changes decompression speed, which is what is measured.
        make_file(path, args.events, uproot.ZLIB(4) if "ZLIB" in label else uproot.LZMA(1))
        print(f"# {label}: {path.name} ({path.stat().st_size / 1e6:.0f} MB, ready in {time.perf_counter() - start:.0f} s)", file=sys.stderr)
    parquet = args.workdir / f"agc_like_{args.events}.parquet"
    subprocess.run(["cargo", "build", "-q", "--release", "--benches"], cwd=ROOT, check=True)
    cf1 = run_cf(list(files.values()), parquet, 1)
    cf2 = run_cf(list(files.values()), parquet, 2)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; uproot {uproot.__version__}; {args.events} events, 16 AGC columns")
    print(f"{'source':<22}{'peer':>10}{'peer ev/s':>14}{'cf 1 thr ev/s':>16}{'cf 2 thr ev/s':>16}{'cf1/peer':>10}{'cf2/peer':>10}{'cf2/cf1':>9}")
    rows = [(label, path, "uproot", time_uproot(path)) for label, path in files.items()]
    rows.append(("cf Parquet", parquet, "pyarrow", time_pyarrow(parquet)))
    results = []
    for label, path, peer, (n, seconds) in rows:
        peer_rate = n / seconds
        one = cf1[str(path)]["events_per_s"]
        two = cf2[str(path)]["events_per_s"]
        print(f"{label:<22}{peer:>10}{peer_rate:>14,.0f}{one:>16,.0f}{two:>16,.0f}{one / peer_rate:>10.2f}{two / peer_rate:>10.2f}{two / one:>9.2f}")
        results.append({"source": label, "peer": peer, "peer_events_per_s": peer_rate, "cf_1_thread": one, "cf_2_threads": two})
    (args.workdir / "read_nanoaod.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
