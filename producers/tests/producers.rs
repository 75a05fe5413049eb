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

fn tree(name: &str, dataset: &DatasetInfo) -> FunctionTree {
    let mut registry = Registry::new();
    cf_producers::register(&mut registry).unwrap();
    FunctionTree::build(&registry, name, Kind::Producer, dataset).unwrap()
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
