"""Writes a large ZLIB NanoAOD-like file for `benches/read.rs` and `benches/uproot_read.py`.

    python3 crates/root/benches/make_bench_file.py OUT.root [EVENTS] [EVENTS_PER_BASKET] [ALGORITHM]

The 16 AGC columns (Jet/Electron/Muon fields and `event`) of
`tests/data/nanoaod/nano_tt_v12.root`, resampled with a fixed seed to EVENTS events (default
1,000,000), written with uproot in extends of EVENTS_PER_BASKET (default 10,000) events, so
each branch has EVENTS / EVENTS_PER_BASKET baskets, compressed with ALGORITHM: ZLIB level 1
(the default; ROOT's setting 101 used by the NanoAOD test files), or LZMA level 9, LZ4 level 4,
ZSTD level 5 (the settings CMS uses for NanoAOD productions).
"""

import os
import sys
import tempfile

import awkward as ak
import numpy as np
import uproot

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "..", "..", "tests", "data", "nanoaod", "nano_tt_v12.root")
COLLECTIONS = {
    "Jet": ["pt", "eta", "phi", "mass", "btagDeepFlavB", "jetId"],
    "Electron": ["pt", "eta", "cutBased", "sip3d"],
    "Muon": ["pt", "eta", "tightId", "sip3d", "pfRelIso04_all"],
}


def main():
    out = sys.argv[1]
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    step = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    compression = {
        "ZLIB": uproot.ZLIB(1),
        "LZMA": uproot.LZMA(9),
        "LZ4": uproot.LZ4(4),
        "ZSTD": uproot.ZSTD(5),
    }[sys.argv[4].upper() if len(sys.argv) > 4 else "ZLIB"]
    source = uproot.open(SOURCE)["Events"]
    names = [f"{c}_{f}" for c, fs in COLLECTIONS.items() for f in fs]
    arrays = source.arrays(names)
    rng = np.random.default_rng(1)
    fd, tmp = tempfile.mkstemp(suffix=".root", dir=os.path.dirname(os.path.abspath(out)))
    os.close(fd)
    try:
        with uproot.recreate(tmp, compression=compression) as f:
            for start in range(0, events, step):
                idx = rng.integers(0, len(arrays), min(step, events - start))
                sample = arrays[idx]
                data = {"event": np.arange(start, start + len(idx), dtype=np.uint64)}
                for coll, fields in COLLECTIONS.items():
                    data[coll] = ak.zip({x: sample[f"{coll}_{x}"] for x in fields})
                if start == 0:
                    types = {k: v.dtype if isinstance(v, np.ndarray) else v.type.content for k, v in data.items()}
                    f.mktree("Events", types)
                f["Events"].extend(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


if __name__ == "__main__":
    main()
