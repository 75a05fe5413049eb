//! The standard producers on real NanoAOD, against independent computations.

use std::collections::BTreeMap;
use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type};
use arrow_array::Array;
use cf_analysis::{DatasetInfo, FunctionTree, Kind, Registry};
use cf_columns::{Events, Route};
use cf_correction::{CorrectionSet, Evaluate, Value};
use cf_io::EventFile;

fn data(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data")).join(name)
}

fn mc() -> DatasetInfo {
    DatasetInfo {
        name: "tt".into(),
        is_mc: true,
    }
}

fn tree_of(name: &str, kind: Kind, dataset: &DatasetInfo) -> FunctionTree {
    let mut registry = Registry::new();
    cf_producers::register(&mut registry).unwrap();
    FunctionTree::build(&registry, name, kind, dataset).unwrap()
}

fn tree(name: &str, dataset: &DatasetInfo) -> FunctionTree {
    tree_of(name, Kind::Producer, dataset)
}

fn run(tree: &FunctionTree, file: &str) -> Events {
    let file = EventFile::open(data(file)).unwrap();
    let mut events = file
        .read(&tree.used_columns(), 1000)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    tree.run(&mut events).unwrap();
    events
}

fn column(events: &Events, route: &str) -> arrow_array::ArrayRef {
    events.column(&Route::parse(route).unwrap()).unwrap()
}

#[test]
fn features_match_a_direct_computation() {
    let events = run(&tree("features", &mc()), "nanoaod/nano_tt_v12.root");
    let (pt, btag) = (
        column(&events, "Jet.pt"),
        column(&events, "Jet.btagDeepFlavB"),
    );
    let (ht, n_jet) = (column(&events, "ht"), column(&events, "n_jet"));
    let (n_btag, jet1) = (column(&events, "n_btag"), column(&events, "jet1_pt"));
    for i in 0..events.num_events() {
        let jets = pt.as_list::<i32>().value(i);
        let jets = jets.as_primitive::<Float32Type>().values().to_vec();
        let scores = btag.as_list::<i32>().value(i);
        let tagged = scores
            .as_primitive::<Float32Type>()
            .values()
            .iter()
            .filter(|&&b| b >= 0.3)
            .count();
        let mut sum = 0.0f32;
        for p in &jets {
            sum += p;
        }
        assert_eq!(ht.as_primitive::<Float32Type>().value(i), sum, "event {i}");
        assert_eq!(
            n_jet.as_primitive::<Int32Type>().value(i) as usize,
            jets.len()
        );
        assert_eq!(n_btag.as_primitive::<Int32Type>().value(i) as usize, tagged);
        assert_eq!(jet1.is_valid(i), !jets.is_empty());
        if let Some(&first) = jets.first() {
            assert_eq!(jet1.as_primitive::<Float32Type>().value(i), first);
        }
    }
}

#[test]
fn pileup_weights_match_point_evaluations() {
    let file = data("corrections/LUM_2018_UL_puWeights.json");
    let mut pu = tree("pu_weight", &mc());
    assert_eq!(
        pu.shifts().into_iter().collect::<Vec<_>>(),
        ["pu_down", "pu_up"]
    );
    let err = pu.setup(&BTreeMap::new()).unwrap_err();
    assert!(err.to_string().contains("`pu_sf`"), "{err}");
    pu.setup(&BTreeMap::from([("pu_sf".to_string(), file.clone())]))
        .unwrap();
    let events = run(&pu, "nanoaod/nano_tt_v12.root");

    let reference = CorrectionSet::from_file(&file).unwrap();
    let correction = reference.corrections().next().unwrap();
    let n_true = column(&events, "Pileup.nTrueInt");
    for (route, variation) in [
        ("pu_weight", "nominal"),
        ("pu_weight_up", "up"),
        ("pu_weight_down", "down"),
    ] {
        let weights = column(&events, route);
        for i in 0..events.num_events() {
            let n = f64::from(n_true.as_primitive::<Float32Type>().value(i));
            let expected = correction
                .evaluate(&[Value::Real(n), Value::Str(variation)])
                .unwrap();
            assert_eq!(
                weights.as_primitive::<Float64Type>().value(i),
                expected,
                "{route}, event {i}"
            );
        }
    }
    let data_set = DatasetInfo {
        name: "data".into(),
        is_mc: false,
    };
    assert_eq!(
        tree("pu_weight", &data_set).name(),
        None,
        "pileup weights are for simulation only"
    );
}

#[test]
fn jet_energy_corrections_match_point_evaluations() {
    let file = data("corrections/jet_jerc_Summer22_V3.json.gz");
    let files = BTreeMap::from([("jet_jerc".to_string(), file.clone())]);
    let mut jec = tree_of("jec", Kind::Calibrator, &mc());
    assert_eq!(
        jec.shifts().into_iter().collect::<Vec<_>>(),
        ["jec_down", "jec_up"]
    );
    jec.setup(&files).unwrap();
    let input = EventFile::open(data("nanoaod/nano_tt_v12.root")).unwrap();
    let mut events = input
        .read(&jec.used_columns(), 1000)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let before = events.clone();
    jec.run(&mut events).unwrap();

    let reference = CorrectionSet::from_file(&file).unwrap();
    let version = cf_producers::JecVersion::default();
    let compound = reference.compound(&version.compound_mc).unwrap();
    let total = reference.correction(&version.uncertainty).unwrap();
    let jagged = |e: &Events, route: &str| column(e, route);
    let (pt, mass, eta, area, raw) = (
        jagged(&before, "Jet.pt"),
        jagged(&before, "Jet.mass"),
        jagged(&before, "Jet.eta"),
        jagged(&before, "Jet.area"),
        jagged(&before, "Jet.rawFactor"),
    );
    let rho = column(&before, "Rho.fixedGridRhoFastjetAll");
    let (new_pt, new_mass, up, down) = (
        jagged(&events, "Jet.pt"),
        jagged(&events, "Jet.mass"),
        jagged(&events, "Jet.pt_jec_up"),
        jagged(&events, "Jet.mass_jec_down"),
    );
    let value = |a: &arrow_array::ArrayRef, i: usize, k: usize| {
        f64::from(
            a.as_list::<i32>()
                .value(i)
                .as_primitive::<Float32Type>()
                .value(k),
        )
    };
    let mut jets = 0;
    for i in 0..events.num_events() {
        let rho = f64::from(rho.as_primitive::<Float32Type>().value(i));
        for k in 0..pt.as_list::<i32>().value_length(i) as usize {
            let scale = 1.0 - value(&raw, i, k);
            let (raw_pt, raw_mass) = (value(&pt, i, k) * scale, value(&mass, i, k) * scale);
            let factor = compound
                .evaluate(&[
                    Value::Real(value(&area, i, k)),
                    Value::Real(value(&eta, i, k)),
                    Value::Real(raw_pt),
                    Value::Real(rho),
                ])
                .unwrap();
            let corrected = (raw_pt * factor) as f32;
            assert_eq!(value(&new_pt, i, k) as f32, corrected, "event {i}, jet {k}");
            assert_eq!(value(&new_mass, i, k) as f32, (raw_mass * factor) as f32);
            let uncertainty = total
                .evaluate(&[
                    Value::Real(value(&eta, i, k)),
                    Value::Real(f64::from(corrected)),
                ])
                .unwrap();
            assert_eq!(
                value(&up, i, k) as f32,
                (raw_pt * factor * (1.0 + uncertainty)) as f32
            );
            assert_eq!(
                value(&down, i, k) as f32,
                (raw_mass * factor * (1.0 - uncertainty)) as f32
            );
            jets += 1;
        }
    }
    assert!(jets > 1000, "{jets} jets checked");

    let data_set = DatasetInfo {
        name: "data".into(),
        is_mc: false,
    };
    let on_data = tree_of("jec", Kind::Calibrator, &data_set);
    assert!(on_data.shifts().is_empty(), "no JEC variations on data");
    assert!(!on_data
        .produced_columns()
        .iter()
        .any(|r| r.to_string().contains("jec_up")));
}

#[test]
fn jer_smearing_follows_the_hybrid_method_and_ignores_batching() {
    let file = data("corrections/jet_jerc_Summer22_V3.json.gz");
    let files = BTreeMap::from([("jet_jerc".to_string(), file.clone())]);
    let mut jets = tree_of("jets", Kind::Calibrator, &mc());
    let shifts: Vec<String> = jets.shifts().into_iter().collect();
    assert_eq!(shifts, ["jec_down", "jec_up", "jer_down", "jer_up"]);
    jets.setup(&files).unwrap();
    let mut jec = tree_of("jec", Kind::Calibrator, &mc());
    jec.setup(&files).unwrap();

    let input = EventFile::open(data("nanoaod/nano_tt_v12.root")).unwrap();
    let read = |size: usize| -> Vec<Events> {
        input
            .read(&jets.used_columns(), size)
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut whole = read(1000).remove(0);
    let mut after_jec = whole.clone();
    jec.run(&mut after_jec).unwrap();
    jets.run(&mut whole).unwrap();

    let reference = CorrectionSet::from_file(&file).unwrap();
    let version = cf_producers::JerVersion::default();
    let resolution = reference.correction(&version.resolution).unwrap();
    let scale_factor = reference.correction(&version.scale_factor).unwrap();
    let f = |events: &Events, route: &str, i: usize| -> Vec<f32> {
        column(events, route)
            .as_list::<i32>()
            .value(i)
            .as_primitive::<Float32Type>()
            .values()
            .to_vec()
    };
    let (mut matched, mut unmatched) = (0, 0);
    for i in 0..whole.num_events() {
        let (pt, eta, phi) = (
            f(&after_jec, "Jet.pt", i),
            f(&after_jec, "Jet.eta", i),
            f(&after_jec, "Jet.phi", i),
        );
        let (gpt, geta, gphi) = (
            f(&after_jec, "GenJet.pt", i),
            f(&after_jec, "GenJet.eta", i),
            f(&after_jec, "GenJet.phi", i),
        );
        let gen_index = column(&after_jec, "Jet.genJetIdx");
        let gen_index = gen_index.as_list::<i32>().value(i);
        let gen_index = gen_index.as_primitive::<arrow_array::types::Int16Type>();
        let rho = f64::from(
            column(&after_jec, "Rho.fixedGridRhoFastjetAll")
                .as_primitive::<Float32Type>()
                .value(i),
        );
        let event = column(&after_jec, "event")
            .as_primitive::<arrow_array::types::UInt64Type>()
            .value(i);
        let smeared = f(&whole, "Jet.pt", i);
        let up = f(&whole, "Jet.pt_jer_up", i);
        for k in 0..pt.len() {
            let (p, e) = (f64::from(pt[k]), f64::from(eta[k]));
            let sigma = resolution
                .evaluate(&[Value::Real(e), Value::Real(p), Value::Real(rho)])
                .unwrap();
            for (systematic, observed) in [("nom", smeared[k]), ("up", up[k])] {
                let sf = scale_factor
                    .evaluate(&[Value::Real(e), Value::Real(p), Value::Str(systematic)])
                    .unwrap();
                let g = gen_index.value(k);
                let gen = (g >= 0 && (g as usize) < gpt.len())
                    .then_some(g as usize)
                    .filter(|&g| {
                        let dphi = (f64::from(phi[k] - gphi[g]).abs())
                            .min(2.0 * std::f64::consts::PI - f64::from(phi[k] - gphi[g]).abs());
                        let deta = f64::from(eta[k] - geta[g]);
                        (deta * deta + dphi * dphi).sqrt() < 0.2
                            && (p - f64::from(gpt[g])).abs() < 3.0 * sigma * p
                    });
                let factor = match gen {
                    Some(g) => 1.0 + (sf - 1.0) * (p - f64::from(gpt[g])) / p,
                    None => {
                        1.0 + cf_producers::gaussian(event, k)
                            * sigma
                            * (sf * sf - 1.0).max(0.0).sqrt()
                    }
                }
                .max(0.0);
                assert_eq!(
                    observed,
                    (p * factor) as f32,
                    "event {i}, jet {k}, {systematic}"
                );
                if systematic == "nom" {
                    if gen.is_some() {
                        matched += 1
                    } else {
                        unmatched += 1
                    }
                }
            }
        }
    }
    assert!(
        matched > 100 && unmatched > 100,
        "{matched} matched, {unmatched} unmatched jets"
    );

    let mut pieces = read(37);
    let smeared: Vec<f32> = pieces
        .iter_mut()
        .flat_map(|events| {
            jets.run(events).unwrap();
            let pt = column(events, "Jet.pt");
            pt.as_list::<i32>()
                .values()
                .as_primitive::<Float32Type>()
                .values()
                .to_vec()
        })
        .collect();
    let whole_pt = column(&whole, "Jet.pt");
    assert_eq!(
        smeared,
        whole_pt
            .as_list::<i32>()
            .values()
            .as_primitive::<Float32Type>()
            .values()
            .to_vec()
    );
}

/// A categorizer's name and its decision from an event's number of jets.
type JetCountCategorizer = (&'static str, fn(usize) -> Option<bool>);

/// Runs `category_ids` of `leaves` over nano_dy, with `categorizers` registered; returns each
/// event's number of jets and category ids.
fn category_ids_by_jet_count(
    categorizers: &[JetCountCategorizer],
    leaves: Vec<cf_producers::LeafCategory>,
) -> Vec<(usize, Vec<i64>)> {
    use cf_analysis::categorizer;

    let mut registry = Registry::new();
    cf_producers::register(&mut registry).unwrap();
    for &(name, decide) in categorizers {
        registry
            .register(move || {
                categorizer(name)
                    .uses("Jet.pt")
                    .unwrap()
                    .categorize(move |events, _| {
                        let pt = events.column("Jet.pt")?;
                        let pt = pt.as_list::<i32>();
                        Ok((0..pt.len())
                            .map(|i| decide(pt.value_length(i) as usize))
                            .collect())
                    })
            })
            .unwrap();
    }
    registry
        .register(move || cf_producers::category_ids(leaves.clone()))
        .unwrap();
    let tree = FunctionTree::build(&registry, "category_ids", Kind::Producer, &mc()).unwrap();
    let events = run(&tree, "nanoaod/nano_dy.root");
    let pt = column(&events, "Jet.pt");
    let ids = column(&events, "category_ids");
    (0..events.num_events())
        .map(|i| {
            let found = ids.as_list::<i32>().value(i);
            let found = found.as_primitive::<arrow_array::types::Int64Type>();
            (
                pt.as_list::<i32>().value_length(i) as usize,
                found.values().to_vec(),
            )
        })
        .collect()
}

#[test]
fn category_ids_list_every_leaf_category_of_an_event() {
    use cf_producers::LeafCategory;

    let leaves = vec![
        LeafCategory {
            id: 1,
            categorizers: vec!["has_jets".into()],
        },
        LeafCategory {
            id: 12,
            categorizers: vec!["has_jets".into(), "many_jets".into()],
        },
        LeafCategory {
            id: 2,
            categorizers: vec!["many_jets".into()],
        },
    ];
    let categorizers: [JetCountCategorizer; 2] = [
        ("has_jets", |n| Some(n > 0)),
        ("many_jets", |n| Some(n >= 8)),
    ];
    let mut many = 0;
    for (i, (n, found)) in category_ids_by_jet_count(&categorizers, leaves)
        .into_iter()
        .enumerate()
    {
        let expected: Vec<i64> = match (n > 0, n >= 8) {
            (true, true) => vec![1, 12, 2],
            (true, false) => vec![1],
            (false, _) => vec![],
        };
        many += usize::from(n >= 8);
        assert_eq!(found, expected, "event {i}");
    }
    assert!(many > 0, "nano_dy has events with at least 8 jets");
}

#[test]
fn a_null_categorizer_entry_keeps_the_event_out_of_its_categories() {
    use cf_producers::LeafCategory;

    let leaves = vec![
        LeafCategory {
            id: 5,
            categorizers: vec!["jets_unless_two".into()],
        },
        LeafCategory {
            id: 6,
            categorizers: vec![],
        },
    ];
    // Accepts events with jets, says nothing (null) about events with exactly two.
    let categorizers: [JetCountCategorizer; 1] =
        [("jets_unless_two", |n| (n != 2).then_some(n > 0))];
    let mut two = 0;
    for (i, (n, found)) in category_ids_by_jet_count(&categorizers, leaves)
        .into_iter()
        .enumerate()
    {
        two += usize::from(n == 2);
        // A leaf without categorizers takes every event.
        let expected: Vec<i64> = if n > 0 && n != 2 { vec![5, 6] } else { vec![6] };
        assert_eq!(found, expected, "event {i}");
    }
    assert!(two > 0, "nano_dy has events with exactly two jets");
}

#[test]
fn normalization_weights_scale_generator_weights_by_process() {
    use cf_producers::{normalization_factor, normalization_weight, process_id};

    let factor = normalization_factor(923.6, 7980.4, 1.5e6);
    assert_eq!(factor, 923.6 * 7980.4 / 1.5e6);
    let run_with = |id: i64| {
        let mut registry = Registry::new();
        registry.register(move || process_id(id)).unwrap();
        registry
            .register(move || normalization_weight(BTreeMap::from([(1100, factor)])))
            .unwrap();
        let pid = FunctionTree::build(&registry, "process_id", Kind::Producer, &mc()).unwrap();
        let norm =
            FunctionTree::build(&registry, "normalization_weight", Kind::Producer, &mc()).unwrap();
        let input = EventFile::open(data("nanoaod/nano_tt_v12.root")).unwrap();
        let read = cf_columns::ColumnSet::parse(["genWeight"]).unwrap();
        let mut events = input.read(&read, 1000).unwrap().next().unwrap().unwrap();
        pid.run(&mut events).unwrap();
        norm.run(&mut events).map(|_| events)
    };

    let events = run_with(1100).unwrap();
    let gen = column(&events, "genWeight");
    let weight = column(&events, "normalization_weight");
    for i in 0..events.num_events() {
        let expected = f64::from(gen.as_primitive::<Float32Type>().value(i)) * factor;
        assert_eq!(weight.as_primitive::<Float64Type>().value(i), expected);
    }

    let err = run_with(5000).err().unwrap().to_string();
    assert!(err.contains("process id 5000"), "{err}");
}

fn f32_lists(events: &Events, route: &str, i: usize) -> Vec<f32> {
    column(events, route)
        .as_list::<i32>()
        .value(i)
        .as_primitive::<Float32Type>()
        .values()
        .to_vec()
}

/// Runs a lepton weight and checks its three columns against a point evaluation per object,
/// where `inputs(pt, eta, delta_eta_sc, variation)` gives the correction's inputs, or `None`
/// for an object outside the correction's bins. Returns (objects inside, objects outside).
fn check_lepton_weight(
    name: &str,
    collection: &str,
    sf_file: (&str, &str),
    correction: &str,
    variations: [&'static str; 3],
    inputs: impl Fn(f32, f32, f32, &'static str) -> Option<Vec<Value<'static>>>,
) -> (usize, usize) {
    let file = data(sf_file.1);
    let mut weight = tree(name, &mc());
    assert_eq!(
        weight.shifts().into_iter().collect::<Vec<_>>(),
        [
            format!("{}_sf_down", collection.to_lowercase()),
            format!("{}_sf_up", collection.to_lowercase())
        ]
    );
    let err = weight.setup(&BTreeMap::new()).unwrap_err().to_string();
    assert!(err.contains(&format!("`{}`", sf_file.0)), "{err}");
    weight
        .setup(&BTreeMap::from([(sf_file.0.to_string(), file.clone())]))
        .unwrap();
    let events = run(&weight, "nanoaod/nano_tt_v12.root");

    let reference = CorrectionSet::from_file(&file).unwrap();
    let sf = reference.correction(correction).unwrap();
    let (mut inside, mut outside) = (0, 0);
    let mut varied = 0;
    let columns = [
        name.to_string(),
        format!("{name}_up"),
        format!("{name}_down"),
    ];
    let weights: Vec<_> = columns.iter().map(|c| column(&events, c)).collect();
    for i in 0..events.num_events() {
        let pt = f32_lists(&events, &format!("{collection}.pt"), i);
        let eta = f32_lists(&events, &format!("{collection}.eta"), i);
        let delta = if collection == "Electron" {
            f32_lists(&events, "Electron.deltaEtaSC", i)
        } else {
            vec![0.0; pt.len()]
        };
        let mut expected = [1.0f64; 3];
        for k in 0..pt.len() {
            for (v, variation) in variations.into_iter().enumerate() {
                if let Some(values) = inputs(pt[k], eta[k], delta[k], variation) {
                    expected[v] *= sf.evaluate(&values).unwrap();
                    inside += usize::from(v == 0);
                } else {
                    outside += usize::from(v == 0);
                }
            }
        }
        let found: Vec<f64> = weights
            .iter()
            .map(|w| w.as_primitive::<Float64Type>().value(i))
            .collect();
        assert_eq!(found, expected, "{name}, event {i}");
        assert!(
            found[2] <= found[0] && found[0] <= found[1],
            "event {i}: {found:?}"
        );
        varied += usize::from(found[2] < found[1]);
    }
    assert!(
        varied > 0,
        "the up and down weights differ where there are {collection}s"
    );

    let data_set = DatasetInfo {
        name: "data".into(),
        is_mc: false,
    };
    assert_eq!(
        tree(name, &data_set).name(),
        None,
        "{name} is for simulation only"
    );
    (inside, outside)
}

#[test]
fn muon_weights_multiply_the_factors_of_muons_inside_the_bins() {
    // MUO 2018 UL Z-based tight ID: |eta| < 2.4, pt >= 15 GeV; outside, a factor of 1.
    let (inside, outside) = check_lepton_weight(
        "muon_weight",
        "Muon",
        ("muon_sf", "corrections/MUO_2018_UL_muon_Z.json"),
        "NUM_TightID_DEN_TrackerMuons",
        ["sf", "systup", "systdown"],
        |pt, eta, _, variation| {
            let (pt, abseta) = (f64::from(pt), f64::from(eta).abs());
            (pt >= 15.0 && abseta < 2.4).then(|| {
                vec![
                    Value::Str("2018_UL"),
                    Value::Real(abseta),
                    Value::Real(pt),
                    Value::Str(variation),
                ]
            })
        },
    );
    // nano_tt_v12 has 210 muons, 100 of them below 15 GeV and one at |eta| >= 2.4 (uproot).
    assert_eq!((inside, outside), (109, 101));
}

#[test]
fn electron_weights_use_the_supercluster_eta() {
    // EGM 2018 UL tight ID: pt >= 10 GeV, any supercluster eta; below, a factor of 1.
    let (inside, outside) = check_lepton_weight(
        "electron_weight",
        "Electron",
        ("electron_sf", "corrections/EGM_2018_UL_electron.json"),
        "UL-Electron-ID-SF",
        ["sf", "sfup", "sfdown"],
        |pt, eta, delta, variation| {
            let sc_eta = f64::from(eta) + f64::from(delta);
            (pt >= 10.0).then(|| {
                vec![
                    Value::Str("2018"),
                    Value::Str(variation),
                    Value::Str("Tight"),
                    Value::Real(sc_eta),
                    Value::Real(f64::from(pt)),
                ]
            })
        },
    );
    // nano_tt_v12 has 310 electrons, 107 of them below 10 GeV (uproot).
    assert_eq!((inside, outside), (203, 107));
}

#[test]
fn a_lepton_weight_with_a_wrong_correction_or_key_fails_in_setup() {
    use cf_producers::{ElectronSf, LeptonWeight, MuonSf};

    fn setup(
        function: impl Fn() -> LeptonWeight + Send + Sync + 'static,
        file_name: &str,
        file: &str,
    ) -> String {
        let mut registry = Registry::new();
        registry.register(function).unwrap();
        let name = registry.names(None)[0].to_string();
        let mut tree = FunctionTree::build(&registry, &name, Kind::Producer, &mc()).unwrap();
        tree.setup(&BTreeMap::from([(file_name.to_string(), data(file))]))
            .unwrap_err()
            .to_string()
    }
    let muons = "corrections/MUO_2018_UL_muon_Z.json";
    let electrons = "corrections/EGM_2018_UL_electron.json";

    let err = setup(
        || {
            LeptonWeight::muon(MuonSf {
                correction: "NUM_TightID_DEN_TrackerMuon".into(),
                ..MuonSf::default()
            })
        },
        "muon_sf",
        muons,
    );
    assert!(
        err.contains("muon_weight")
            && err.contains("MUO_2018_UL_muon_Z.json")
            && err.contains("no correction named 'NUM_TightID_DEN_TrackerMuon'"),
        "{err}"
    );

    let err = setup(
        || {
            LeptonWeight::muon(MuonSf {
                year: "2017_UL".into(),
                ..MuonSf::default()
            })
        },
        "muon_sf",
        muons,
    );
    assert!(
        err.contains("no `2017_UL` for input `year` (it has: 2018_UL)"),
        "{err}"
    );

    let err = setup(
        || {
            LeptonWeight::electron(ElectronSf {
                working_point: "tight".into(),
                ..ElectronSf::default()
            })
        },
        "electron_sf",
        electrons,
    );
    assert!(
        err.contains("EGM_2018_UL_electron.json")
            && err.contains("no `tight` for input `WorkingPoint`")
            && err.contains("Tight"),
        "{err}"
    );

    // The pileup file's correction takes other inputs than a muon scale factor.
    let err = setup(
        || {
            LeptonWeight::muon(MuonSf {
                correction: "Collisions18_UltraLegacy_goldenJSON".into(),
                ..MuonSf::default()
            })
        },
        "muon_sf",
        "corrections/LUM_2018_UL_puWeights.json",
    );
    assert!(
        err.contains("takes inputs (NumTrueInteractions: real, weights: string)")
            && err.contains("fills (year: string, abseta: real, pt: real, ValType: string)"),
        "{err}"
    );
}

#[test]
fn lepton_features_take_the_highest_pt_lepton_of_both_flavours() {
    let events = run(&tree("lepton_features", &mc()), "nanoaod/nano_tt_v12.root");
    let (n_lep, pt) = (column(&events, "n_lep"), column(&events, "lep1_pt"));
    let (eta, phi) = (column(&events, "lep1_eta"), column(&events, "lep1_phi"));
    let (mut with, mut without, mut muon_leads) = (0, 0, 0);
    for i in 0..events.num_events() {
        let mut leptons: Vec<(f32, f32, f32, bool)> = Vec::new();
        for (collection, is_muon) in [("Electron", false), ("Muon", true)] {
            let pts = f32_lists(&events, &format!("{collection}.pt"), i);
            let etas = f32_lists(&events, &format!("{collection}.eta"), i);
            let phis = f32_lists(&events, &format!("{collection}.phi"), i);
            for k in 0..pts.len() {
                leptons.push((pts[k], etas[k], phis[k], is_muon));
            }
        }
        assert_eq!(
            n_lep.as_primitive::<Int32Type>().value(i) as usize,
            leptons.len()
        );
        // Stable sort: among equal pts the electron, listed first, stays first.
        leptons.sort_by(|a, b| b.0.total_cmp(&a.0));
        match leptons.first() {
            None => {
                without += 1;
                assert!(
                    pt.is_null(i) && eta.is_null(i) && phi.is_null(i),
                    "event {i}"
                );
            }
            Some(&(p, e, f, is_muon)) => {
                with += 1;
                muon_leads += usize::from(is_muon);
                let found = [&pt, &eta, &phi].map(|c| c.as_primitive::<Float32Type>().value(i));
                assert_eq!(found, [p, e, f], "event {i}");
            }
        }
    }
    assert!(
        with > 0 && without > 0,
        "{with} events with leptons, {without} without"
    );
    assert!(
        muon_leads > 0 && muon_leads < with,
        "both flavours lead somewhere"
    );
}

/// `cf_producers::gaussian` against an independent computation: the same splitmix64 draw in
/// Python's integers, put through Python's `statistics.NormalDist().inv_cdf` (its own
/// implementation of AS 241). They agree to rounding (to the bit with the same libm); a wrong
/// coefficient or branch would show far above it.
#[test]
fn the_smearing_gaussian_is_pythons_normal_quantile_of_the_same_draw() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let mut pairs: Vec<(u64, usize)> = vec![(0, 0), (u64::MAX, 0), (u64::MAX, 7), (1, 1 << 40)];
    pairs.extend((0..3000u64).map(|i| (i.wrapping_mul(0x2545_f491_4f6c_dd1d), (i % 13) as usize)));
    let script = r#"
import sys
from statistics import NormalDist
M, G = (1 << 64) - 1, 0x9E3779B97F4A7C15
quantile = NormalDist().inv_cdf
for line in sys.stdin:
    event, k = map(int, line.split())
    z = ((event ^ (k * G & M)) + G) & M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    z ^= z >> 31
    print(repr(quantile(((z >> 12) * 2 + 1) / 2**53)))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 must be installed for the cross-check");
    let input: String = pairs.iter().map(|(e, k)| format!("{e} {k}\n")).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let expected: Vec<f64> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(expected.len(), pairs.len());
    let mut tails = 0;
    for (&(event, k), &want) in pairs.iter().zip(&expected) {
        let found = cf_producers::gaussian(event, k);
        assert!(
            (found - want).abs() <= 4.0 * f64::EPSILON * want.abs().max(1.0),
            "gaussian({event}, {k}) = {found}, Python {want}"
        );
        tails += usize::from(want.abs() > 1.44);
    }
    // Both approximations were exercised: |x| > 1.44 is the tail (|u - 1/2| > 0.425).
    assert!(tails > 300, "{tails} tail numbers");
}
