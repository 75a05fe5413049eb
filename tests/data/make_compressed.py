"""Writes tests/data/compressed/*.root: the same NanoAOD-like trees once per compression.

Run from anywhere (needs numpy, awkward, uproot):

    python3 tests/data/make_compressed.py

Each file holds
  * tree ``Events``: Jet, Muon and Electron fields plus event-level columns taken from
    ``nanoaod/nano_tt_v12.root``, resampled (fixed seed) to 600 events and written in
    extends of 75 events, so every branch has 8 baskets; it covers bool, int8/uint8,
    int16/uint16, int32/uint32, int64/uint64, float32 and float64, flat and jagged;
  * tree ``Blocks``: one float32 branch ``x`` of 4,200,000 entries in a single basket
    (16.8 MB, more than ROOT's 16 MiB compression-block limit, so it is stored as two
    compressed blocks), with ``x[i] = i // 65536``.

``unsupported.root`` holds a tree ``Events`` with a supported branch ``x`` and a fixed-size
array branch ``xyz`` (``float[3]``), which cf-root lists but does not read.

``nested.root`` holds a tree ``Events`` (branch ``x``, 10 entries) in the subdirectory
``dir/sub`` and one with ``x`` doubled at the top.

``none.root`` is the uncompressed reference the Rust tests compare the others against
(without the ``Blocks`` tree, which would be 17 MB; its values follow from the formula).
"""

import contextlib
import os
import tempfile

import awkward as ak
import numpy as np
import uproot

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "nanoaod", "nano_tt_v12.root")
OUT = os.path.join(HERE, "compressed")

EVENTS = 600
PER_BASKET = 75
BLOCK_ENTRIES = 4_200_000

COLLECTIONS = {
    "Jet": ["pt", "eta", "jetId", "genJetIdx"],
    "Muon": ["pt", "eta", "charge", "tightId", "genPartIdx"],
    "Electron": ["pt", "cutBased", "seediEtaOriX", "photonIdx"],
}
FLAT = ["event", "run", "luminosityBlock", "genWeight", "PV_npvs", "BeamSpot_type", "HLT_PFHT1050", "Flag_HBHENoiseFilter"]


def events():
    tree = uproot.open(SOURCE)["Events"]
    names = FLAT + [f"{c}_{f}" for c, fs in COLLECTIONS.items() for f in fs]
    arrays = tree.arrays(names, library="ak")
    rng = np.random.default_rng(20240601)
    idx = rng.integers(0, tree.num_entries, EVENTS)
    arrays = arrays[idx]
    out = {name: ak.to_numpy(arrays[name]) for name in FLAT}
    # Types NanoAOD v12 lacks as flat columns, derived so that every numeric type is covered.
    out["eventSigned"] = out["event"].astype(np.int64) - 100_000
    out["genWeightDouble"] = out["genWeight"].astype(np.float64) * 1.000001
    for coll, fields in COLLECTIONS.items():
        record = {f: arrays[f"{coll}_{f}"] for f in fields}
        if coll == "Jet":
            record["ptDouble"] = ak.values_astype(record["pt"], np.float64) * 1.5
            record["ptLong"] = ak.values_astype(record["pt"] * 1000, np.int64)
            record["ptShort"] = ak.values_astype(record["pt"] * 10, np.uint16)
        out[coll] = ak.zip(record)
    return out


@contextlib.contextmanager
def atomic(path):
    """Yields a temporary path next to `path`, renamed onto it on success, so an interrupted
    run never leaves a half-written file."""
    fd, tmp = tempfile.mkstemp(suffix=".root", dir=os.path.dirname(path))
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write(path, compression, data, with_blocks):
    with atomic(path) as tmp, uproot.recreate(tmp, compression=compression) as f:
        # mktree: assigning a dict would write an RNTuple in uproot 5.7.
        types = {k: v.dtype if isinstance(v, np.ndarray) else v.type.content for k, v in data.items()}
        f.mktree("Events", types)
        for start in range(0, EVENTS, PER_BASKET):
            f["Events"].extend({k: v[start : start + PER_BASKET] for k, v in data.items()})
        if with_blocks:
            x = (np.arange(BLOCK_ENTRIES) // 65536).astype(np.float32)
            f.mktree("Blocks", {"x": x.dtype})
            f["Blocks"].extend({"x": x})


def write_tree(path, columns):
    with atomic(path) as tmp, uproot.recreate(tmp, compression=None) as f:
        f.mktree("Events", {k: (v.dtype, v.shape[1:]) for k, v in columns.items()})
        f["Events"].extend(columns)


def main():
    os.makedirs(OUT, exist_ok=True)
    data = events()
    write(os.path.join(OUT, "none.root"), None, data, with_blocks=False)
    for name, compression in [
        ("zlib", uproot.ZLIB(4)),
        ("lzma", uproot.LZMA(4)),
        ("lz4", uproot.LZ4(4)),
        ("zstd", uproot.ZSTD(4)),
    ]:
        write(os.path.join(OUT, f"{name}.root"), compression, data, with_blocks=True)
    xyz = np.arange(30, dtype=np.float32).reshape(10, 3)
    write_tree(os.path.join(OUT, "unsupported.root"), {"x": xyz[:, 0].copy(), "xyz": xyz})
    with atomic(os.path.join(OUT, "nested.root")) as tmp, uproot.recreate(tmp) as f:
        x = np.arange(10, dtype=np.float32)
        f.mkdir("dir").mkdir("sub")
        f["dir/sub"].mktree("Events", {"x": x.dtype})
        f["dir/sub/Events"].extend({"x": x})
        f.mktree("Events", {"x": x.dtype})
        f["Events"].extend({"x": 2 * x})
    for name in sorted(os.listdir(OUT)):
        print(name, os.path.getsize(os.path.join(OUT, name)))


if __name__ == "__main__":
    main()
