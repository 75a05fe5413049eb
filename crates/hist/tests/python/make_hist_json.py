"""Fills histograms with Python's hist and writes them as UHI JSON (dense and sparse), plus the
input data, so the Rust test can fill the same data with cf-hist and compare bin by bin.

Usage: python3 make_hist_json.py OUT_DIR
"""

import json
import pathlib
import sys

try:
    import hist
    import numpy as np
    import uhi.io
    import uhi.io.json
except ImportError as err:
    sys.exit(f"missing Python module {err.name}: pip install -r tests/requirements.txt (repository root)")

out = pathlib.Path(sys.argv[1])
rng = np.random.default_rng(7)
n = 2000
x = rng.uniform(-1.0, 4.0, n)
# Values on edges, the upper edge, infinities and NaN.
x[:8] = [0.0, 1.0, 3.0, -0.0, np.nan, np.inf, -np.inf, 2.9999999999999996]
v = rng.uniform(-5.0, 60.0, n)
v[:3] = [0.0, 50.0, np.nan]
k = rng.integers(-2, 6, n)
p = rng.choice([3, 1, 4], n)
s = rng.choice(["ee", "mumu", "emu"], n)
w = rng.uniform(-0.5, 2.0, n)

h = hist.Hist(
    hist.axis.Regular(6, 0.0, 3.0, name="x", label="x label"),
    hist.axis.Variable([0.0, 10.0, 20.0, 50.0], name="v", label="v label", underflow=False),
    hist.axis.Integer(0, 4, name="k", label="k label"),
    hist.axis.IntCategory([1, 3], name="p", label="process"),
    hist.axis.StrCategory([], name="s", label="channel", growth=True),
    storage=hist.storage.Weight(),
    name="dense",
    label="filled by hist",
)
h.fill(x=x, v=v, k=k, p=p, s=s, weight=w)
c = hist.Hist(hist.axis.Regular(5, -1.0, 4.0, name="x", overflow=False), storage=hist.storage.Int64(), name="count", label="counts")
c.fill(x=x)

dense = json.loads(json.dumps(h, default=uhi.io.json.default))
sparse = uhi.io.to_sparse(json.loads(json.dumps(c, default=uhi.io.json.default)))
with open(out / "hist.json", "w") as f:
    json.dump({"dense": dense, "count": sparse}, f, default=uhi.io.json.default)

def finite_or_str(a):
    return [float(e) if np.isfinite(e) else str(e) for e in a]

with open(out / "data.json", "w") as f:
    json.dump({"x": finite_or_str(x), "v": finite_or_str(v), "k": k.tolist(), "p": p.tolist(),
               "s": s.tolist(), "w": w.tolist()}, f)
print("OK")
