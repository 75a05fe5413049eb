#!/usr/bin/env python3
"""The AGC ttbar analysis in Python with uproot + awkward + hist: the peer of cf's kernel and
pipeline in benches/agc.py, written to do exactly what configs/agc.yaml does with cf's
functions, so the histograms agree bin by bin.

- Jet shifts: nominal; scale_up (pt x 1.03); res_up (pt x (1 + 0.05 g), g the standard normal
  number of cf_producers::gaussian(event, jet index), ported below with uint64 arithmetic).
  Computed in float64, stored as float32, like cf. scale_down/res_down are one-sided in the AGC
  and, as in cf, filled with the nominal histograms.
- Selection (after the jet shift): exactly one lepton (electrons pt > 30, |eta| < 2.1,
  cutBased == 4, sip3d < 4; muons pt > 30, |eta| < 2.1, tightId, sip3d < 4,
  pfRelIso04_all < 0.15), >= 4 jets (pt > 30, |eta| < 2.4, jetId >= 6), >= 1 of them with
  btagDeepFlavB >= 0.3.
- Regions: 4j1b (exactly one b-tagged selected jet), 4j2b (>= 2); cf's cat_4j holds for every
  selected event. HT and m_bjj (mass of the
  highest-pt trijet of selected jets holding a b-tag; first of equals) are filled in both,
  11 bins 110-550 GeV, with flow.
- Weights: genWeight * xsec * lumi / sum(genWeight of all events) * btag weight; btag_up/down
  use prod over the first four selected jets of (1 +- 0.075 pt/50).

Histograms have cf's axes (category, process, shift, variable) and are written as UHI JSON.

    python3 benches/agc_python.py --out hists.json [--workers N] FILE.root...

--workers N processes files in N processes (the 2-core run); prints one JSON line with events,
seconds (reading to filled histograms, imports excluded), events/s and, with one worker, the CPU
seconds of that work.
"""
import argparse
import concurrent.futures
import json
import time

import awkward as ak
import hist
import numpy as np
import uhi.io.json
import uproot

XSEC, LUMI, PROCESS = 923.6, 1000.0, 1000
SHIFTS = {"nominal": 0, "scale_up": 10, "scale_down": 11, "res_up": 20, "res_down": 21, "btag_up": 30, "btag_down": 31}
CATEGORIES = (1, 2)
VARIABLES = ("HT", "m_bjj")
BINNING = (11, 110.0, 550.0)
BTAG_WP = np.float32(0.3)
BRANCHES = (
    [f"Jet_{f}" for f in ("pt", "eta", "phi", "mass", "jetId", "btagDeepFlavB")]
    + [f"Electron_{f}" for f in ("pt", "eta", "cutBased", "sip3d")]
    + [f"Muon_{f}" for f in ("pt", "eta", "tightId", "sip3d", "pfRelIso04_all")]
    + ["event", "genWeight"]
)

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
TWO53 = float(1 << 53)
# AS 241's coefficients (cf_producers' random.rs), highest power first for Horner's rule.
CENTRAL = (
    (2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
     13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.387132872796366608),
    (5226.495278852854561, 28729.085735721942674, 39307.89580009271061, 21213.794301586595867,
     5394.1960214247511077, 687.1870074920579083, 42.313330701600911252, 1.0),
)
INTERMEDIATE = (
    (7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177, 1.27045825245236838258,
     3.64784832476320460504, 5.7694972214606914055, 4.6303378461565452959, 1.42343711074968357734),
    (1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966, 0.14810397642748007459,
     0.68976733498510000455, 1.6763848301838038494, 2.05319162663775882187, 1.0),
)
FAR = (
    (2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386, 0.026532189526576123093,
     0.29656057182850489123, 1.7848265399172913358, 5.4637849111641143699, 6.6579046435011037772),
    (2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5, 7.868691311456132591e-4,
     0.0148753612908506148525, 0.13692988092273580531, 0.59983220655588793769, 1.0),
)


def horner(coefficients, x):
    total = coefficients[0]
    for c in coefficients[1:]:
        total = total * x + c
    return total


def gaussian(event, jet):
    """cf_producers::gaussian, elementwise: splitmix64 seeded with event ^ jet * golden, one
    draw as the uniform (2k + 1) / 2^53, put through AS 241's normal quantile function, with the
    operations in cf's order. uint64 arrays wrap on overflow as Rust's wrapping_* do."""
    z = (event.astype(np.uint64) ^ (jet.astype(np.uint64) * GOLDEN)) + GOLDEN
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    z = z ^ (z >> np.uint64(31))
    u = ((z >> np.uint64(12)) * np.uint64(2) + np.uint64(1)).astype(np.float64) / TWO53
    q = u - 0.5
    r = 0.180625 - q * q
    out = q * horner(CENTRAL[0], r) / horner(CENTRAL[1], r)
    tail = np.abs(q) > 0.425
    u, q = u[tail], q[tail]
    r = np.sqrt(-np.log(np.where(q < 0.0, u, 1.0 - u)))
    near, far = r - 1.6, r - 5.0
    x = np.where(r <= 5.0, horner(INTERMEDIATE[0], near) / horner(INTERMEDIATE[1], near),
                 horner(FAR[0], far) / horner(FAR[1], far))
    out[tail] = np.where(q < 0.0, -x, x)
    return out


def new_hists():
    out = {}
    for name in VARIABLES:
        out[name] = hist.Hist(
            hist.axis.IntCategory(list(CATEGORIES), name="category"),
            hist.axis.IntCategory([PROCESS], growth=True, name="process"),
            hist.axis.IntCategory([0], growth=True, name="shift"),
            hist.axis.Regular(*BINNING, name=name),
            storage=hist.storage.Weight(),
        )
    return out


def observables(pt, eta, phi, mass, btag):
    """HT and m_bjj per event (float32; m_bjj NaN without a b-tagged trijet), from the selected
    jets, computed in float64 in the order cf's agc_observables sums."""
    ht = ak.to_numpy(ak.sum(ak.values_astype(pt, np.float64), axis=1)).astype(np.float32)
    pt64, eta64, phi64, m64 = (ak.values_astype(a, np.float64) for a in (pt, eta, phi, mass))
    px, py, pz = pt64 * np.cos(phi64), pt64 * np.sin(phi64), pt64 * np.sinh(eta64)
    e = np.sqrt(px * px + py * py + pz * pz + m64 * m64)
    jets = ak.zip({"px": px, "py": py, "pz": pz, "e": e, "tag": btag >= BTAG_WP})
    a, b, c = ak.unzip(ak.combinations(jets, 3))
    tpx, tpy, tpz, te = a.px + b.px + c.px, a.py + b.py + c.py, a.pz + b.pz + c.pz, a.e + b.e + c.e
    pt2 = tpx * tpx + tpy * tpy
    tagged = a.tag | b.tag | c.tag
    pt2, tpz, te = pt2[tagged], tpz[tagged], te[tagged]
    best = ak.argmax(pt2, axis=1, keepdims=True)
    m2 = te[best] * te[best] - (pt2[best] + tpz[best] * tpz[best])
    m = ak.firsts(np.sqrt(np.maximum(m2, 0.0)))
    m_bjj = ak.to_numpy(ak.fill_none(m, np.nan)).astype(np.float32)
    return ht, m_bjj


def btag_weights(pt):
    """Up and down: prod over the first four jets of 1 +- 0.075 pt/50 (float64)."""
    lead = ak.values_astype(pt[:, :4], np.float64)
    variation = 0.075 * (lead / 50.0)
    return ak.to_numpy(ak.prod(1.0 + variation, axis=1)), ak.to_numpy(ak.prod(1.0 - variation, axis=1))


def fill(hists, shift, ht, m_bjj, n_btag, weight):
    for category, region in ((1, n_btag == 1), (2, n_btag >= 2)):
        for name, values in (("HT", ht), ("m_bjj", m_bjj)):
            keep = region & ~np.isnan(values)
            hists[name].fill(
                category=category, process=PROCESS, shift=shift,
                **{name: values[keep].astype(np.float64)}, weight=weight[keep],
            )


def process_file(path):
    """(histograms filled with genWeight x btag weight, sum of genWeight, events, seconds spent
    reading the branches) for one file."""
    start = time.perf_counter()
    ev = uproot.open(path)["Events"].arrays(BRANCHES)
    read = time.perf_counter() - start
    gen = ak.to_numpy(ev.genWeight).astype(np.float64)
    electrons = (
        (ev.Electron_pt > 30) & (abs(ev.Electron_eta) < 2.1) & (ev.Electron_cutBased == 4) & (ev.Electron_sip3d < 4)
    )
    muons = (
        (ev.Muon_pt > 30) & (abs(ev.Muon_eta) < 2.1) & ev.Muon_tightId & (ev.Muon_sip3d < 4)
        & (ev.Muon_pfRelIso04_all < 0.15)
    )
    one_lepton = ak.to_numpy(ak.sum(electrons, axis=1) + ak.sum(muons, axis=1)) == 1
    counts = ak.to_numpy(ak.num(ev.Jet_pt))
    pt_flat = ak.to_numpy(ak.flatten(ev.Jet_pt))
    jet_index = ak.to_numpy(ak.flatten(ak.local_index(ev.Jet_pt)))
    numbers = np.repeat(ak.to_numpy(ev.event), counts)
    pt64 = pt_flat.astype(np.float64)
    jet_pts = {
        "nominal": pt_flat,
        "scale_up": (pt64 * 1.03).astype(np.float32),
        "res_up": (pt64 * (1.0 + 0.05 * gaussian(numbers, jet_index))).astype(np.float32),
    }
    hists = new_hists()
    jet_ok = (abs(ev.Jet_eta) < 2.4) & (ev.Jet_jetId >= 6)
    for shift, flat in jet_pts.items():
        pt = ak.unflatten(flat, counts)
        jets = jet_ok & (pt > 30)
        tags = jets & (ev.Jet_btagDeepFlavB >= BTAG_WP)
        selected = one_lepton & (ak.to_numpy(ak.sum(jets, axis=1)) >= 4) & (ak.to_numpy(ak.sum(tags, axis=1)) >= 1)
        keep = jets[selected]
        sel_pt = pt[selected][keep]
        sel_btag = ev.Jet_btagDeepFlavB[selected][keep]
        ht, m_bjj = observables(
            sel_pt, ev.Jet_eta[selected][keep], ev.Jet_phi[selected][keep], ev.Jet_mass[selected][keep], sel_btag
        )
        n_btag = ak.to_numpy(ak.sum(sel_btag >= BTAG_WP, axis=1))
        weight = gen[selected]
        fill(hists, SHIFTS[shift], ht, m_bjj, n_btag, weight)
        if shift == "nominal":
            up, down = btag_weights(sel_pt)
            fill(hists, SHIFTS["btag_up"], ht, m_bjj, n_btag, weight * up)
            fill(hists, SHIFTS["btag_down"], ht, m_bjj, n_btag, weight * down)
    return hists, float(gen.sum()), len(gen), read


def with_nominal_copies(h):
    """h with the one-sided jet shifts' down sides added to its shift axis, each a copy of the
    nominal histogram (as cf's MergeShiftedHistograms does for a shift nothing implements)."""
    shifts = list(h.axes["shift"])
    downs = [SHIFTS["scale_down"], SHIFTS["res_down"]]
    axes = list(h.axes)
    axes[2] = hist.axis.IntCategory(shifts + downs, growth=True, name="shift")
    out = hist.Hist(*axes, storage=hist.storage.Weight())
    view, source = out.view(flow=True), h.view(flow=True)
    view[:, :, : len(shifts), :] = source
    for k in range(len(downs)):
        view[:, :, len(shifts) + k, :] = source[:, :, shifts.index(0), :]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    start, cpu = time.perf_counter(), time.process_time()
    if args.workers > 1:
        with concurrent.futures.ProcessPoolExecutor(args.workers) as pool:
            parts = list(pool.map(process_file, args.files))
    else:
        parts = [process_file(f) for f in args.files]
    hists = new_hists()
    for part, *_ in parts:
        for name in VARIABLES:
            hists[name] += part[name]
    sum_gen = sum(p[1] for p in parts)
    events = sum(p[2] for p in parts)
    norm = XSEC * LUMI / sum_gen
    for name in VARIABLES:
        hists[name] = with_nominal_copies(hists[name] * norm)
    seconds = time.perf_counter() - start
    with open(args.out, "w") as f:
        json.dump({n: h for n, h in hists.items()}, f, default=uhi.io.json.default)
    # CPU seconds of this process: the whole work with one worker, not the pool's with more.
    cpu = time.process_time() - cpu if args.workers == 1 else None
    print(json.dumps({"events": events, "seconds": seconds, "events_per_s": events / seconds, "workers": args.workers,
                      "cpu_seconds": cpu, "read_seconds": sum(p[3] for p in parts)}))


if __name__ == "__main__":
    main()
