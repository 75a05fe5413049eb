"""Independent reference for the pipeline end-to-end test (tests/pipeline_cli.rs).

Recomputes, with uproot + awkward + correctionlib + numpy, the histograms cf's pipeline
writes for the test analysis (tests/pipeline_cli.rs writes the config): the Summer22 JEC on
jets (and its total uncertainty for jec_up/jec_down), the AGC selection, the reduction to the
selected objects, the `features` ht, pileup weights (and their up/down), normalization
σ·L/Σw, and the categories incl / e / mu. It then compares them bin by bin (flow bins
included) with cf's MergeShiftedHistograms UHI JSON and exits non-zero on any difference.

usage: pipeline_reference.py NANO JERC PU XSEC LUMI KIND CF_JSON
  KIND is `mc` or `data` (data: no weights, the data JEC, nominal only).
"""

import json
import sys

import awkward as ak
import correctionlib
import hist
import numpy as np
import uproot
import uhi.io.json

nano, jerc_path, pu_path, xsec, lumi, kind, cf_json = sys.argv[1:8]
xsec, lumi, is_mc = float(xsec), float(lumi), kind == "mc"

# The test config: variables, categories and shifts (ids) as tests/pipeline_cli.rs writes them.
VARIABLES = {"jet1_pt": (20, 0.0, 400.0), "ht": (10, 0.0, 1000.0), "jet_pt": (20, 0.0, 400.0)}
CATEGORIES = {1: "incl", 2: "e", 3: "mu"}
SHIFTS = {"nominal": 0, "jec_up": 10, "jec_down": 11, "pu_up": 20, "pu_down": 21, "btag_up": 30, "btag_down": 31}

events = uproot.open(nano)["Events"].arrays(
    [
        "Jet_pt", "Jet_mass", "Jet_eta", "Jet_area", "Jet_rawFactor", "Jet_jetId", "Jet_btagDeepFlavB",
        "Rho_fixedGridRhoFastjetAll", "Electron_pt", "Electron_eta", "Electron_cutBased", "Electron_sip3d",
        "Muon_pt", "Muon_eta", "Muon_tightId", "Muon_sip3d", "Muon_pfRelIso04_all", "genWeight",
        "Pileup_nTrueInt",
    ]
)

# JEC exactly as the calibrator: undo NanoAOD's factor in f64, correct, store f32.
jerc = correctionlib.CorrectionSet.from_file(jerc_path)
compound = jerc.compound[
    "Summer22_22Sep2023_V3_MC_L1L2L3Res_AK4PFPuppi" if is_mc else "Summer22_22Sep2023_RunCD_V3_DATA_L1L2L3Res_AK4PFPuppi"
]
counts = ak.num(events.Jet_pt)
raw_factor = 1.0 - ak.flatten(events.Jet_rawFactor).to_numpy().astype(np.float64)
raw_pt = ak.flatten(events.Jet_pt).to_numpy().astype(np.float64) * raw_factor
eta = ak.flatten(events.Jet_eta).to_numpy().astype(np.float64)
area = ak.flatten(events.Jet_area).to_numpy().astype(np.float64)
rho = np.repeat(events.Rho_fixedGridRhoFastjetAll.to_numpy().astype(np.float64), counts)
factor = compound.evaluate(area, eta, raw_pt, rho)
pt_nominal = (raw_pt * factor).astype(np.float32)
jet_pts = {"nominal": pt_nominal}
if is_mc:
    unc = jerc["Summer22_22Sep2023_V3_MC_Total_AK4PFPuppi"].evaluate(eta, pt_nominal.astype(np.float64))
    jet_pts["jec_up"] = (raw_pt * factor * (1.0 + unc)).astype(np.float32)
    jet_pts["jec_down"] = (raw_pt * factor * (1.0 - unc)).astype(np.float32)

pu = next(iter(correctionlib.CorrectionSet.from_file(pu_path).values()))
n_true = events.Pileup_nTrueInt.to_numpy().astype(np.float64)
pu_weights = {v: pu.evaluate(n_true, v) for v in ("nominal", "up", "down")} if is_mc else None
gen = events.genWeight.to_numpy().astype(np.float64)
norm = xsec * lumi / gen.sum() if is_mc else None

electrons = (
    (events.Electron_pt > 30) & (abs(events.Electron_eta) < 2.1) & (events.Electron_cutBased == 4) & (events.Electron_sip3d < 4)
)
muons = (
    (events.Muon_pt > 30) & (abs(events.Muon_eta) < 2.1) & events.Muon_tightId & (events.Muon_sip3d < 4)
    & (events.Muon_pfRelIso04_all < 0.15)
)
n_e, n_mu = ak.sum(electrons, axis=1).to_numpy(), ak.sum(muons, axis=1).to_numpy()


def expected(shift):
    """Histograms (category, variable) -> (values, variances) with flow, for one shift."""
    pt = ak.unflatten(jet_pts.get(shift, jet_pts["nominal"]), counts)
    jets = (pt > 30) & (abs(events.Jet_eta) < 2.4) & (events.Jet_jetId >= 6)
    bjets = jets & (events.Jet_btagDeepFlavB >= 0.3)
    selected = (n_e + n_mu == 1) & (ak.sum(jets, axis=1).to_numpy() >= 4) & (ak.sum(bjets, axis=1).to_numpy() >= 1)
    jet_pt = pt[jets][selected]
    if is_mc:
        pu_key = {"pu_up": "up", "pu_down": "down"}.get(shift, "nominal")
        weight = (gen * norm * pu_weights[pu_key])[selected]
    else:
        weight = np.ones(int(selected.sum()))
    categories = {
        1: np.ones(len(weight), dtype=bool),
        2: (n_e == 1)[selected] & (n_mu == 0)[selected],
        3: (n_mu == 1)[selected] & (n_e == 0)[selected],
    }
    values = {
        "jet1_pt": (ak.firsts(jet_pt).to_numpy().astype(np.float64), weight),
        "ht": (np.array([np.float32(sum(np.float32(x) for x in jets_)) for jets_ in ak.to_list(jet_pt)], dtype=np.float64), weight),
        "jet_pt": (ak.flatten(jet_pt).to_numpy().astype(np.float64), np.repeat(weight, ak.num(jet_pt).to_numpy())),
    }
    out = {}
    for name, (n, lo, hi) in VARIABLES.items():
        x, w = values[name]
        for cat, mask in categories.items():
            if name == "jet_pt":
                mask = np.repeat(mask, ak.num(jet_pt).to_numpy())
            xs, ws = x[mask], w[mask]
            index = np.where(xs < lo, 0, np.where(xs >= hi, n + 1, np.floor((xs - lo) / (hi - lo) * n).astype(int) + 1))
            out[(cat, name)] = (
                np.bincount(index, weights=ws, minlength=n + 2),
                np.bincount(index, weights=ws * ws, minlength=n + 2),
            )
    return out


with open(cf_json) as f:
    hists = {name: hist.Hist(h) for name, h in json.load(f, object_hook=uhi.io.json.object_hook).items()}

failures = []
shifts = list(hists["jet1_pt"].axes["shift"])
for shift, shift_id in SHIFTS.items():
    if shift_id not in shifts:
        continue
    reference = expected(shift)
    for (cat, name), (values, variances) in reference.items():
        h = hists[name]
        cat_index = list(h.axes["category"]).index(cat)
        shift_index = list(h.axes["shift"]).index(shift_id)
        got = h.values(flow=True)[cat_index, :, shift_index, :].sum(axis=0)
        got_var = h.variances(flow=True)[cat_index, :, shift_index, :].sum(axis=0)
        if not (np.allclose(got, values, rtol=1e-6, atol=1e-9) and np.allclose(got_var, variances, rtol=1e-6, atol=1e-9)):
            failures.append(f"{name} in {CATEGORIES[cat]} for {shift}: cf {got.tolist()} != reference {values.tolist()}")
    print(f"{shift}: {len(reference)} histograms compared")

if failures:
    sys.exit("\n".join(failures))
print("all histograms agree")
