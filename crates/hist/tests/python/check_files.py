"""Reads the files cf-hist wrote with Python's hist/uhi and uproot and compares them with the
values cf-hist expected (written by the Rust test to expected.json).

Usage: python3 check_files.py EXPECTED_JSON
Exits non-zero with a message on the first mismatch or a missing module.
"""

import json
import math
import sys

missing = []
for module in ("numpy", "uproot", "hist", "uhi.io.json"):
    try:
        __import__(module)
    except ImportError:
        missing.append(module)
if missing:
    sys.exit(
        f"missing Python module(s) {missing}: install them with "
        "`pip install -r tests/requirements.txt` (repository root)"
    )

import numpy as np  # noqa: E402
import uproot  # noqa: E402
import hist  # noqa: E402
import uhi.io.json  # noqa: E402


def fail(msg):
    sys.exit(f"MISMATCH: {msg}")


def close(a, b, what):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        fail(f"{what}: shape {a.shape} != expected {b.shape}")
    if not np.allclose(a, b, rtol=1e-12, atol=1e-12):
        fail(f"{what}: {a.tolist()} != expected {b.tolist()}")


def check_json(path, expected):
    with open(path) as f:
        data = json.load(f, object_hook=uhi.io.json.object_hook)
    for name, exp in expected.items():
        if name not in data:
            fail(f"JSON file lacks histogram {name!r}; has {sorted(data)}")
        h = hist.Hist(data[name])
        shape = exp["shape"]
        close(h.values(flow=True), np.reshape(exp["values"], shape), f"json {name} values")
        if exp["variances"] is not None:
            close(h.variances(flow=True), np.reshape(exp["variances"], shape), f"json {name} variances")
        if h.name != name or h.label != exp["title"]:
            fail(f"json {name}: name/label {h.name!r}/{h.label!r}, expected {name!r}/{exp['title']!r}")
        for ax, eax in zip(h.axes, exp["axes"]):
            if ax.name != eax["name"] or ax.label != (eax["label"] or eax["name"]):
                fail(f"json {name} axis {ax.name!r}: label {ax.label!r}, expected {eax['label']!r}")
            if eax["kind"] in ("regular", "variable", "integer"):
                close(ax.edges, eax["edges"], f"json {name} axis {ax.name} edges")
                if ax.traits.underflow != eax["underflow"] or ax.traits.overflow != eax["overflow"]:
                    fail(f"json {name} axis {ax.name}: flow {ax.traits}")
            else:
                if list(ax) != eax["categories"]:
                    fail(f"json {name} axis {ax.name}: categories {list(ax)} != {eax['categories']}")
            if eax["kind"] == "integer" and not isinstance(ax, hist.axis.Integer):
                fail(f"json {name} axis {ax.name}: read as {type(ax).__name__}, expected Integer")
            if eax["growth"] != bool(ax.traits.growth):
                fail(f"json {name} axis {ax.name}: growth {ax.traits.growth}")


def check_root(path, expected):
    f = uproot.open(path)
    for key, exp in expected.items():
        h = f[key]
        close(h.values(flow=True), np.reshape(exp["values"], exp["shape"]), f"root {key} values")
        close(h.variances(flow=True), np.reshape(exp["variances"], exp["shape"]), f"root {key} variances")
        if h.member("fTitle") != exp["title"]:
            fail(f"root {key}: title {h.member('fTitle')!r} != {exp['title']!r}")
        for i, (edges, label) in enumerate(zip(exp["edges"], exp["labels"])):
            close(h.axis(i).edges(), edges, f"root {key} axis {i} edges")
            if h.axis(i).member("fTitle") != label:
                fail(f"root {key} axis {i}: title {h.axis(i).member('fTitle')!r} != {label!r}")
        h.to_hist()
    if sorted(f.file.streamers) != sorted(expected_streamers(f)):
        fail("streamer list incomplete")
    check_root_update(path, expected)


def check_root_update(path, expected):
    """uproot.update parses the free segments, directory records and keys lists strictly
    enough to append to the file; every histogram must survive the update."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        copy = f"{tmp}/updated.root"
        shutil.copy(path, copy)
        first_dir = next((k.split("/")[0] for k in expected if "/" in k), None)
        with uproot.update(copy) as f:
            f["added"] = (np.array([1.0, 2.0]), np.array([0.0, 1.0, 2.0]))
            if first_dir:
                f[f"{first_dir}/added_in_dir"] = (np.array([3.0]), np.array([0.0, 1.0]))
        f = uproot.open(copy)
        close(f["added"].values(), [1.0, 2.0], "uproot.update: added histogram")
        if first_dir:
            close(f[f"{first_dir}/added_in_dir"].values(), [3.0], "uproot.update: added in directory")
        for key, exp in expected.items():
            close(f[key].values(flow=True), np.reshape(exp["values"], exp["shape"]), f"after update {key}")


def expected_streamers(f):
    names = {"TH1D", "TH1", "TNamed", "TObject", "TAxis", "TAttAxis", "TAttLine", "TAttFill",
             "TAttMarker", "TString", "TList", "THashList", "TSeqCollection", "TCollection"}
    if any(c == "TH2D" for c in f.classnames(recursive=True).values()):
        names |= {"TH2", "TH2D"}
    return names


def check_datacard(card_path, shapes_path, exp):
    lines = [l for l in open(card_path).read().splitlines() if l.strip() and not l.startswith("#")]
    rows = {}
    for line in lines:
        parts = line.split()
        rows.setdefault(parts[0], []).append(parts[1:])
    imax, jmax, kmax = (int(rows[k][0][0]) for k in ("imax", "jmax", "kmax"))
    shapes_line = rows["shapes"][0]
    if shapes_line[:2] != ["*", "*"] or shapes_line[3:] != ["$CHANNEL/$PROCESS", "$CHANNEL/$PROCESS__$SYSTEMATIC"]:
        fail(f"shapes line {shapes_line}")
    channels = rows["bin"][0]
    observation = [float(v) for v in rows["observation"][0]]
    if len(channels) != imax or len(observation) != imax:
        fail(f"imax {imax} but {len(channels)} channels / {len(observation)} observations")
    bins, names, ids, rates = rows["bin"][1], rows["process"][0], rows["process"][1], rows["rate"][0]
    ncol = len(bins)
    if not (len(names) == len(ids) == len(rates) == ncol):
        fail(f"process columns differ: bin {ncol}, process {len(names)}/{len(ids)}, rate {len(rates)}")
    if len(set(names)) != jmax + 1:
        fail(f"jmax {jmax} but processes {sorted(set(names))}")
    f = uproot.open(shapes_path)
    keys = {k.split(";")[0] for k in f.keys()}
    for ch, obs in zip(channels, observation):
        data = f[f"{ch}/data_obs"].values()
        if not math.isclose(data.sum(), obs, rel_tol=1e-12):
            fail(f"observation of {ch}: {obs} vs data_obs integral {data.sum()}")
    for ch, proc, rate in zip(bins, names, rates):
        key = f"{ch}/{proc}"
        if key not in keys:
            fail(f"card process {key} has no shape in the shapes file; keys {sorted(keys)}")
        if not math.isclose(f[key].values().sum(), float(rate), rel_tol=1e-12):
            fail(f"rate of {key}: {rate} vs integral {f[key].values().sum()}")
    systs = [(k, v[0]) for k, vs in rows.items() for v in vs if v and v[0] in ("lnN", "shape")]
    if len(systs) != kmax:
        fail(f"kmax {kmax} but {len(systs)} systematic rows")
    for name, row in ((k, v) for k, vs in rows.items() for v in vs if v and v[0] in ("lnN", "shape")):
        cells = row[1:]
        if len(cells) != ncol:
            fail(f"systematic {name}: {len(cells)} cells for {ncol} columns")
        if row[0] == "shape":
            for ch, proc, cell in zip(bins, names, cells):
                if cell == "1":
                    for var in ("Up", "Down"):
                        if f"{ch}/{proc}__{name}{var}" not in keys:
                            fail(f"shape {name} of {ch}/{proc} lacks {var} histogram")
    if exp.get("auto_mc_stats") and not any(l.startswith("* autoMCStats") for l in lines):
        fail("autoMCStats line missing")
    for name, expected_cells in exp.get("systematics", {}).items():
        found = [v for k, vs in rows.items() if k == name for v in vs]
        if not found or found[0][1:] != expected_cells:
            fail(f"systematic {name}: {found} != {expected_cells}")


def main():
    with open(sys.argv[1]) as f:
        exp = json.load(f)
    if "json" in exp:
        check_json(exp["json"]["path"], exp["json"]["hists"])
    if "root" in exp:
        check_root(exp["root"]["path"], exp["root"]["hists"])
    if "datacard" in exp:
        d = exp["datacard"]
        check_datacard(d["card"], d["shapes"], d)
    print("OK")


if __name__ == "__main__":
    main()
