"""uproot's side of `benches/read.rs`: reads the same 16 AGC columns with `tree.arrays`.

    python3 crates/root/benches/uproot_read.py FILE.root [REPEATS]
"""

import sys
import time

import uproot

COLUMNS = [
    "Jet_pt", "Jet_eta", "Jet_phi", "Jet_mass", "Jet_btagDeepFlavB", "Jet_jetId",
    "Electron_pt", "Electron_eta", "Electron_cutBased", "Electron_sip3d",
    "Muon_pt", "Muon_eta", "Muon_tightId", "Muon_sip3d", "Muon_pfRelIso04_all", "event",
]


def main():
    tree = uproot.open(sys.argv[1])["Events"]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(f"{sys.argv[1]}: {tree.num_entries} events, uproot {uproot.__version__}")
    best = float("inf")
    for run in range(repeats):
        t = time.perf_counter()
        # No array cache: every run decompresses and decodes, as the Rust side does.
        tree.arrays(COLUMNS, array_cache=None)
        s = time.perf_counter() - t
        best = min(best, s)
        print(f"run {run}: {s:.3f} s, {tree.num_entries / s:.0f} events/s")
    print(f"best: {tree.num_entries / best:.0f} events/s ({best:.3f} s)")


if __name__ == "__main__":
    main()
