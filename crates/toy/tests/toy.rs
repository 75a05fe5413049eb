//! The toy's files read back through cf-io as NanoAOD v12 would, are reproducible and
//! split-invariant, and carry the physics the example analysis looks for.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int16Type, Int32Type, UInt32Type, UInt8Type};
use arrow_array::{Array, ArrayRef};
use cf_columns::{ColumnSet, Events, Route};
use cf_io::EventFile;
use cf_toy::{branches, data_source, model, models, write_events, Error, Model};

fn data_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data"))
}

fn toy(model_name: &str, seed: u64, first: u64, n: u64, dir: &Path) -> PathBuf {
    let model = model(model_name).unwrap();
    let path = dir.join(format!("{model_name}_{seed}_{first}_{n}.parquet"));
    assert_eq!(write_events(model, seed, first, n, &path).unwrap(), n);
    path
}

/// Every column of the file, in one batch.
fn read_all(path: &Path) -> Events {
    let file = EventFile::open(path).unwrap();
    let all: ColumnSet = file.columns().iter().map(|c| c.route.clone()).collect();
    let mut batches: Vec<Events> = file
        .read(&all, file.num_events().max(1) as usize)
        .unwrap()
        .map(|b| b.unwrap())
        .collect();
    assert_eq!(batches.len(), 1);
    batches.pop().unwrap()
}

fn column(events: &Events, route: &str) -> ArrayRef {
    events.column(&Route::parse(route).unwrap()).unwrap()
}

/// A collection field as one vector per event.
fn jagged<T>(events: &Events, route: &str, value: impl Fn(&ArrayRef, usize) -> T) -> Vec<Vec<T>> {
    let array = column(events, route);
    let list = array.as_list::<i32>();
    (0..list.len())
        .map(|i| {
            let values = list.value(i);
            (0..values.len()).map(|j| value(&values, j)).collect()
        })
        .collect()
}

fn f32s(events: &Events, route: &str) -> Vec<Vec<f32>> {
    jagged(events, route, |a, j| {
        a.as_primitive::<Float32Type>().value(j)
    })
}

fn u8s(events: &Events, route: &str) -> Vec<Vec<u8>> {
    jagged(events, route, |a, j| a.as_primitive::<UInt8Type>().value(j))
}

fn i32s(events: &Events, route: &str) -> Vec<Vec<i32>> {
    jagged(events, route, |a, j| a.as_primitive::<Int32Type>().value(j))
}

fn bools(events: &Events, route: &str) -> Vec<Vec<bool>> {
    jagged(events, route, |a, j| a.as_boolean().value(j))
}

fn scalar_f32(events: &Events, route: &str) -> Vec<f32> {
    column(events, route)
        .as_primitive::<Float32Type>()
        .values()
        .to_vec()
}

/// The AGC selection with its published cuts: exactly one tight lepton above 30 GeV, at
/// least four jets above 30 GeV, at least one of them b-tagged (`btagDeepFlavB` ≥ 0.3).
fn agc_pass(events: &Events) -> Vec<bool> {
    let (ept, eeta, eid, esip) = (
        f32s(events, "Electron.pt"),
        f32s(events, "Electron.eta"),
        u8s(events, "Electron.cutBased"),
        f32s(events, "Electron.sip3d"),
    );
    let (mpt, meta, mid, msip, miso) = (
        f32s(events, "Muon.pt"),
        f32s(events, "Muon.eta"),
        bools(events, "Muon.tightId"),
        f32s(events, "Muon.sip3d"),
        f32s(events, "Muon.pfRelIso04_all"),
    );
    let (jpt, jeta, jid, jb) = (
        f32s(events, "Jet.pt"),
        f32s(events, "Jet.eta"),
        u8s(events, "Jet.jetId"),
        f32s(events, "Jet.btagDeepFlavB"),
    );
    (0..events.num_events())
        .map(|i| {
            let electrons = (0..ept[i].len())
                .filter(|&k| {
                    ept[i][k] > 30.0 && eeta[i][k].abs() < 2.1 && eid[i][k] == 4 && esip[i][k] < 4.0
                })
                .count();
            let muons = (0..mpt[i].len())
                .filter(|&k| {
                    mpt[i][k] > 30.0
                        && meta[i][k].abs() < 2.1
                        && mid[i][k]
                        && msip[i][k] < 4.0
                        && miso[i][k] < 0.15
                })
                .count();
            let jets: Vec<usize> = (0..jpt[i].len())
                .filter(|&k| jpt[i][k] > 30.0 && jeta[i][k].abs() < 2.4 && jid[i][k] >= 6)
                .collect();
            let btags = jets.iter().filter(|&&k| jb[i][k] >= 0.3).count();
            electrons + muons == 1 && jets.len() >= 4 && btags >= 1
        })
        .collect()
}

fn fraction(pass: &[bool]) -> f64 {
    pass.iter().filter(|&&p| p).count() as f64 / pass.len() as f64
}

/// The invariant mass of the two leading leptons when they are a same-flavour,
/// opposite-charge pair above 20 GeV.
fn dilepton_masses(events: &Events) -> Vec<Option<f64>> {
    let mut flavours = Vec::new();
    for name in ["Electron", "Muon"] {
        flavours.push((
            f32s(events, &format!("{name}.pt")),
            f32s(events, &format!("{name}.eta")),
            f32s(events, &format!("{name}.phi")),
            i32s(events, &format!("{name}.charge")),
        ));
    }
    (0..events.num_events())
        .map(|i| {
            flavours.iter().find_map(|(pt, eta, phi, charge)| {
                (pt[i].len() >= 2 && pt[i][1] > 20.0 && charge[i][0] != charge[i][1]).then(|| {
                    let (p1, p2) = (f64::from(pt[i][0]), f64::from(pt[i][1]));
                    let deta = f64::from(eta[i][0] - eta[i][1]);
                    let dphi = f64::from(phi[i][0] - phi[i][1]);
                    (2.0 * p1 * p2 * (deta.cosh() - dphi.cos())).sqrt()
                })
            })
        })
        .collect()
}

#[test]
fn files_read_back_as_routes_with_the_types_of_nanoaod_v12() {
    let dir = tempfile::tempdir().unwrap();
    let reference = EventFile::open(data_dir().join("nanoaod/nano_tt_v12.root")).unwrap();
    let v12: HashMap<&Route, _> = reference.columns().iter().map(|c| (&c.route, c)).collect();
    for model in models() {
        let path = toy(model.name, 3, 0, 300, dir.path());
        let file = EventFile::open(&path).unwrap();
        assert_eq!(file.num_events(), 300);
        let offered: HashMap<&Route, _> = file.columns().iter().map(|c| (&c.route, c)).collect();
        let expected = branches(model);
        for (name, _) in &expected {
            let route = Route::from_branch(name);
            let is_counter = name.starts_with('n')
                && expected
                    .iter()
                    .any(|(other, _)| other.starts_with(&format!("{}_", &name[1..])));
            if is_counter {
                assert!(
                    !offered.contains_key(&route),
                    "{}: counter {name} is a column",
                    model.name
                );
                continue;
            }
            let ours = offered
                .get(&route)
                .unwrap_or_else(|| panic!("{}: {name} is not offered as {route}", model.name));
            let theirs = v12
                .get(&route)
                .unwrap_or_else(|| panic!("{name} is not a NanoAOD v12 branch"));
            assert_eq!(
                ours.data_type, theirs.data_type,
                "{}: type of {name}",
                model.name
            );
            assert_eq!(
                ours.jagged, theirs.jagged,
                "{}: jaggedness of {name}",
                model.name
            );
        }
        assert_eq!(
            file.columns().len(),
            expected.len() - expected.iter().filter(|(n, _)| n.starts_with('n')).count(),
            "{}: every branch but the counters is a column",
            model.name
        );
        for route in [
            "Jet.pt",
            "Electron.cutBased",
            "Muon.tightId",
            "MET.pt",
            "Flag.goodVertices",
        ] {
            assert!(file.offers(&Route::parse(route).unwrap()), "{route}");
        }
    }
}

#[test]
fn the_flags_are_the_met_filters_the_selector_applies() {
    let flags: Vec<String> = cf_selectors::MET_FILTERS
        .iter()
        .map(|f| format!("Flag_{f}"))
        .collect();
    assert_eq!(cf_toy::MET_FILTER_FLAGS.to_vec(), flags);
    let dir = tempfile::tempdir().unwrap();
    let events = read_all(&toy("dy", 1, 0, 5000, dir.path()));
    for flag in cf_selectors::MET_FILTERS {
        let pass = column(&events, &format!("Flag.{flag}"));
        let failed = pass.as_boolean().false_count();
        assert!(failed < 25, "{flag}: {failed} of 5000 fail");
    }
}

#[test]
fn events_depend_only_on_seed_model_and_index() {
    let dir = tempfile::tempdir().unwrap();
    // Cuts inside and across the generator's 8192-event tasks.
    let whole = read_all(&toy("tt_sl", 11, 100, 20_000, dir.path()));
    let head = read_all(&toy("tt_sl", 11, 100, 7_000, dir.path()));
    let tail = read_all(&toy("tt_sl", 11, 7_100, 13_000, dir.path()));
    for route in whole.routes() {
        let all = column(&whole, &route.to_string());
        let first = column(&head, &route.to_string());
        let second = column(&tail, &route.to_string());
        assert_eq!(
            all.slice(0, 7_000).to_data(),
            first.to_data(),
            "{route}, first file"
        );
        assert_eq!(
            all.slice(7_000, 13_000).to_data(),
            second.to_data(),
            "{route}, second file"
        );
    }
    let events = column(&whole, "event");
    let events = events.as_primitive::<arrow_array::types::UInt64Type>();
    assert_eq!((events.value(0), events.value(19_999)), (101, 20_100));

    let again = read_all(&toy("tt_sl", 11, 100, 20_000, &dir.path().join("again")));
    assert_eq!(whole.batch(), again.batch());
    let other_seed = read_all(&toy("tt_sl", 12, 100, 20_000, dir.path()));
    assert_ne!(
        column(&whole, "Jet.pt").to_data(),
        column(&other_seed, "Jet.pt").to_data()
    );
    let other_model = read_all(&toy("st", 11, 100, 20_000, dir.path()));
    assert_ne!(
        column(&whole, "MET.pt").to_data(),
        column(&other_model, "MET.pt").to_data()
    );
}

#[test]
fn pseudo_data_has_no_generator_branches_and_only_certified_lumi_sections() {
    let dir = tempfile::tempdir().unwrap();
    // Enough events to cross several lumi sections.
    let file = EventFile::open(toy("data", 5, 1_166_000, 6_000, dir.path())).unwrap();
    for gen in [
        "genWeight",
        "Pileup.nTrueInt",
        "GenJet.pt",
        "Jet.hadronFlavour",
        "Jet.genJetIdx",
    ] {
        assert!(
            !file.offers(&Route::parse(gen).unwrap()),
            "data offers {gen}"
        );
    }
    let golden: HashMap<String, Vec<[u32; 2]>> = serde_json::from_str(
        &std::fs::read_to_string(
            data_dir().join("lumi/Cert_294927-306462_13TeV_EOY2017ReReco_Collisions17_JSON.txt"),
        )
        .unwrap(),
    )
    .unwrap();
    let events = read_all(file.path());
    let runs = column(&events, "run");
    let lumis = column(&events, "luminosityBlock");
    let mut seen = std::collections::BTreeSet::new();
    for (run, lumi) in runs
        .as_primitive::<UInt32Type>()
        .values()
        .iter()
        .zip(lumis.as_primitive::<UInt32Type>().values())
    {
        let ranges = &golden[&run.to_string()];
        assert!(
            ranges.iter().any(|[a, b]| (a..=b).contains(&lumi)),
            "run {run} lumi {lumi} is not certified"
        );
        seen.insert(*lumi);
    }
    // 584 sections of 2000 events: 1,166,000 events in, the last section (776) wraps to the first.
    assert!(seen.contains(&776) && seen.contains(&193), "{seen:?}");

    for model in models().iter().filter(|m| !m.is_data) {
        assert!(branches(model).iter().any(|(n, _)| *n == "genWeight"));
    }
}

#[test]
fn jets_are_ordered_in_acceptance_and_point_at_their_gen_jets() {
    let dir = tempfile::tempdir().unwrap();
    let events = read_all(&toy("tt_sl", 2, 0, 3000, dir.path()));
    let (pt, eta, phi) = (
        f32s(&events, "Jet.pt"),
        f32s(&events, "Jet.eta"),
        f32s(&events, "Jet.phi"),
    );
    let gen_idx = jagged(&events, "Jet.genJetIdx", |a, j| {
        a.as_primitive::<Int16Type>().value(j)
    });
    let flavour = u8s(&events, "Jet.hadronFlavour");
    let (gpt, geta, gphi) = (
        f32s(&events, "GenJet.pt"),
        f32s(&events, "GenJet.eta"),
        f32s(&events, "GenJet.phi"),
    );
    let raw = f32s(&events, "Jet.rawFactor");
    let (mut matched, mut jets) = (0, 0);
    for i in 0..events.num_events() {
        assert!(
            pt[i].windows(2).all(|w| w[0] >= w[1]),
            "event {i} not pt-ordered"
        );
        assert!(
            gpt[i].windows(2).all(|w| w[0] >= w[1]),
            "event {i} gen jets not pt-ordered"
        );
        for k in 0..pt[i].len() {
            jets += 1;
            assert!(pt[i][k] > 15.0 && eta[i][k].abs() < 4.7);
            assert!((0.0..=0.1).contains(&raw[i][k]));
            assert!([0, 4, 5].contains(&flavour[i][k]));
            if let Ok(g) = usize::try_from(gen_idx[i][k]) {
                matched += 1;
                let dphi = (phi[i][k] - gphi[i][g]).abs();
                let dphi = dphi.min(std::f32::consts::TAU - dphi);
                let dr = (eta[i][k] - geta[i][g]).hypot(dphi);
                assert!(dr < 0.2, "event {i} jet {k}: ΔR {dr} to its gen jet");
                assert!((pt[i][k] / gpt[i][g] - 1.0).abs() < 1.5);
            }
        }
    }
    // All but the pileup jets have a generator-level partner.
    let share = f64::from(matched) / f64::from(jets);
    assert!((0.6..0.98).contains(&share), "{share}");
}

#[test]
fn agc_selection_prefers_tt_by_far() {
    let dir = tempfile::tempdir().unwrap();
    let pass: HashMap<&str, f64> = ["tt_sl", "st", "wjets", "dy"]
        .iter()
        .map(|&name| {
            (
                name,
                fraction(&agc_pass(&read_all(&toy(name, 7, 0, 20_000, dir.path())))),
            )
        })
        .collect();
    assert!(pass["tt_sl"] > 0.15, "{pass:?}");
    assert!(pass["tt_sl"] > 4.0 * pass["st"], "{pass:?}");
    assert!(pass["tt_sl"] > 50.0 * pass["wjets"], "{pass:?}");
    assert!(pass["tt_sl"] > 50.0 * pass["dy"], "{pass:?}");
}

#[test]
fn drell_yan_dileptons_peak_at_the_z() {
    let dir = tempfile::tempdir().unwrap();
    let masses: Vec<f64> = dilepton_masses(&read_all(&toy("dy", 4, 0, 20_000, dir.path())))
        .into_iter()
        .flatten()
        .collect();
    assert!(masses.len() > 8_000, "{} pairs", masses.len());
    let mut bins = [0usize; 50];
    for m in &masses {
        if (50.0..150.0).contains(m) {
            bins[((m - 50.0) / 2.0) as usize] += 1;
        }
    }
    let peak = 50.0 + 2.0 * bins.iter().enumerate().max_by_key(|(_, &n)| n).unwrap().0 as f64 + 1.0;
    assert!((peak - 91.0).abs() <= 5.0, "m_ll peaks at {peak}");
}

#[test]
fn jets_b_tags_follow_their_flavour() {
    let dir = tempfile::tempdir().unwrap();
    let events = read_all(&toy("tt_sl", 9, 0, 10_000, dir.path()));
    let (eta, score, flavour) = (
        f32s(&events, "Jet.eta"),
        f32s(&events, "Jet.btagDeepFlavB"),
        u8s(&events, "Jet.hadronFlavour"),
    );
    let mut tagged: HashMap<u8, (usize, usize)> = HashMap::new();
    for i in 0..events.num_events() {
        for k in 0..eta[i].len() {
            if eta[i][k].abs() < 2.4 {
                let entry = tagged.entry(flavour[i][k]).or_default();
                entry.0 += usize::from(score[i][k] >= 0.3);
                entry.1 += 1;
            }
        }
    }
    let rate = |f| tagged[&f].0 as f64 / tagged[&f].1 as f64;
    assert!((0.72..0.78).contains(&rate(5)), "b: {}", rate(5));
    assert!((0.12..0.25).contains(&rate(4)), "c: {}", rate(4));
    assert!(rate(0) < 0.03, "light: {}", rate(0));
}

#[test]
fn weights_and_leptons_look_like_simulation() {
    let dir = tempfile::tempdir().unwrap();
    for (name, negative) in [("tt_sl", 0.0), ("wjets", 0.1), ("dy", 0.1)] {
        let events = read_all(&toy(name, 8, 0, 10_000, dir.path()));
        let weights = scalar_f32(&events, "genWeight");
        assert!(weights.iter().all(|w| w.abs() == 1.0));
        let share = weights.iter().filter(|&&w| w < 0.0).count() as f64 / 1e4;
        assert!((share - negative).abs() < 0.015, "{name}: {share} negative");
        let pileup = scalar_f32(&events, "Pileup.nTrueInt");
        assert!(pileup.iter().all(|&n| (0.0..100.0).contains(&n)));
    }
    // tt̄ jets hold non-prompt leptons: not isolated, most fail the tight id.
    let events = read_all(&toy("tt_sl", 8, 0, 10_000, dir.path()));
    let iso = f32s(&events, "Muon.pfRelIso04_all");
    let (isolated, all) = iso
        .iter()
        .flatten()
        .fold((0, 0), |(i, a), &v| (i + usize::from(v < 0.15), a + 1));
    assert!(
        isolated < all && isolated * 10 > all * 3,
        "{isolated} of {all} muons isolated"
    );
    let ids = u8s(&events, "Electron.cutBased");
    let tight = ids.iter().flatten().filter(|&&c| c == 4).count();
    let electrons = ids.iter().flatten().count();
    assert!(
        tight < electrons && tight * 10 > electrons * 3,
        "{tight} of {electrons}"
    );
}

#[test]
fn single_top_has_a_forward_jet() {
    let dir = tempfile::tempdir().unwrap();
    let forward = |name| {
        let events = read_all(&toy(name, 6, 0, 10_000, dir.path()));
        let (pt, eta) = (f32s(&events, "Jet.pt"), f32s(&events, "Jet.eta"));
        (0..events.num_events())
            .filter(|&i| (0..pt[i].len()).any(|k| pt[i][k] > 30.0 && eta[i][k].abs() > 2.5))
            .count() as f64
            / 1e4
    };
    let (st, tt) = (forward("st"), forward("tt_sl"));
    assert!(st > 1.5 * tt, "forward jets: st {st}, tt {tt}");
}

#[test]
fn pseudo_data_is_drawn_in_proportion_to_cross_sections() {
    let simulated: Vec<&Model> = models().iter().filter(|m| !m.is_data).collect();
    let total: f64 = simulated.iter().map(|m| m.xsec_pb).sum();
    assert!((model("data").unwrap().xsec_pb - total).abs() < 1e-9 * total);
    let n = 400_000;
    let mut counts: HashMap<&str, f64> = HashMap::new();
    for index in 0..n {
        *counts.entry(data_source(5, index).name).or_default() += 1.0;
    }
    for m in &simulated {
        let p = m.xsec_pb / total;
        let sigma = (p * (1.0 - p) / n as f64).sqrt();
        let observed = counts.get(m.name).copied().unwrap_or(0.0) / n as f64;
        assert!(
            (observed - p).abs() < 5.0 * sigma,
            "{}: {observed} vs {p}",
            m.name
        );
    }

    // The events themselves follow: the share of Z-like dilepton events in pseudo-data is
    // the σ-weighted mixture of the simulated samples' shares.
    let dir = tempfile::tempdir().unwrap();
    let z_like = |path: PathBuf| {
        let masses = dilepton_masses(&read_all(&path));
        let n = masses.len() as f64;
        let k = masses
            .iter()
            .flatten()
            .filter(|&&m| (m - 91.0).abs() < 15.0)
            .count() as f64;
        (k / n, (k.max(1.0)).sqrt() / n)
    };
    let (observed, observed_error) = z_like(toy("data", 5, 0, 40_000, dir.path()));
    let (mut expected, mut variance) = (0.0, observed_error.powi(2));
    for m in &simulated {
        let (share, error) = z_like(toy(m.name, 5, 0, 10_000, dir.path()));
        expected += share * m.xsec_pb / total;
        variance += (error * m.xsec_pb / total).powi(2);
    }
    assert!(
        (observed - expected).abs() < 5.0 * variance.sqrt(),
        "Z-like share: data {observed}, mixture {expected} ± {}",
        variance.sqrt()
    );
}

#[test]
fn bad_requests_are_typed_errors_and_leave_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let tt = model("tt_sl").unwrap();
    let err = write_events(tt, 1, u64::MAX, 2, &dir.path().join("x.parquet")).unwrap_err();
    assert!(
        matches!(err, Error::EventRange { model: "tt_sl", .. }),
        "{err}"
    );

    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let err = write_events(tt, 1, 0, 10, &blocker.join("x.parquet")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("file"), "{err}");

    let empty = dir.path().join("empty.parquet");
    assert_eq!(write_events(tt, 1, 0, 0, &empty).unwrap(), 0);
    let file = EventFile::open(&empty).unwrap();
    assert_eq!(file.num_events(), 0);
    assert!(file.offers(&Route::parse("Jet.pt").unwrap()));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
