//! The AGC functions on real NanoAOD (tests/data/nanoaod/nano_tt_v12.root), against direct
//! computations written independently of the functions' loops.

use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, UInt64Type};
use arrow_array::{Array, ArrayRef};
use cf_analysis::{DatasetInfo, FunctionTree, Kind, Registry};
use cf_columns::{Events, Route};
use cf_io::EventFile;

fn nano() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/nanoaod/nano_tt_v12.root"
    ))
}

fn dataset(is_mc: bool) -> DatasetInfo {
    DatasetInfo {
        name: if is_mc { "tt" } else { "data" }.into(),
        is_mc,
    }
}

fn tree(name: &str, kind: Kind, is_mc: bool) -> FunctionTree {
    let mut registry = Registry::new();
    cf_producers::register(&mut registry).unwrap();
    FunctionTree::build(&registry, name, kind, &dataset(is_mc)).unwrap()
}

/// Every event of the file, with the tree's columns read and the tree run.
fn run(tree: &FunctionTree) -> Events {
    let file = EventFile::open(nano()).unwrap();
    let mut events = file
        .read(&tree.used_columns(), 100_000)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    tree.run(&mut events).unwrap();
    events
}

fn column(events: &Events, route: &str) -> ArrayRef {
    events.column(&Route::parse(route).unwrap()).unwrap()
}

/// Per event, the values of a jagged f32 column.
fn jagged(events: &Events, route: &str) -> Vec<Vec<f32>> {
    let column = column(events, route);
    let lists = column.as_list::<i32>();
    (0..lists.len())
        .map(|i| {
            lists
                .value(i)
                .as_primitive::<Float32Type>()
                .values()
                .to_vec()
        })
        .collect()
}

#[test]
fn jet_variations_scale_and_smear_every_jet_reproducibly() {
    let calibrator = tree("agc_jet_variations", Kind::Calibrator, true);
    assert_eq!(
        calibrator.shifts().into_iter().collect::<Vec<_>>(),
        ["res_up", "scale_up"]
    );
    let events = run(&calibrator);
    let pt = jagged(&events, "Jet.pt");
    let scaled = jagged(&events, "Jet.pt_scale_up");
    let smeared = jagged(&events, "Jet.pt_res_up");
    let numbers = column(&events, "event");
    let numbers = numbers.as_primitive::<UInt64Type>();
    let mut ratios = Vec::new();
    for event in 0..pt.len() {
        assert_eq!(scaled[event].len(), pt[event].len());
        assert_eq!(smeared[event].len(), pt[event].len());
        for (k, &p) in pt[event].iter().enumerate() {
            assert_eq!(scaled[event][k], (p as f64 * 1.03) as f32);
            let g = cf_producers::gaussian(numbers.value(event), k);
            assert_eq!(smeared[event][k], (p as f64 * (1.0 + 0.05 * g)) as f32);
            ratios.push(smeared[event][k] as f64 / p as f64);
        }
    }
    // The smearing is N(1, 0.05) over the file's jets.
    assert!(ratios.len() > 1000, "{} jets", ratios.len());
    let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
    let sd = (ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / ratios.len() as f64).sqrt();
    assert!((mean - 1.0).abs() < 0.005, "mean {mean}");
    assert!((sd - 0.05).abs() < 0.005, "sd {sd}");
    // A second pass gives the same bits.
    assert_eq!(jagged(&run(&calibrator), "Jet.pt_res_up"), smeared);
}

#[test]
fn observables_are_ht_and_the_leading_btagged_trijet_mass() {
    let events = run(&tree("agc_observables", Kind::Producer, true));
    let pt = jagged(&events, "Jet.pt");
    let eta = jagged(&events, "Jet.eta");
    let phi = jagged(&events, "Jet.phi");
    let mass = jagged(&events, "Jet.mass");
    let btag = jagged(&events, "Jet.btagDeepFlavB");
    let ht = column(&events, "HT");
    let m_bjj = column(&events, "m_bjj");
    let (ht, m_bjj) = (
        ht.as_primitive::<Float32Type>(),
        m_bjj.as_primitive::<Float32Type>(),
    );
    let (mut with_trijet, mut without) = (0, 0);
    #[allow(clippy::needless_range_loop)] // e indexes six parallel columns
    for e in 0..pt.len() {
        let sum: f64 = pt[e].iter().map(|&p| p as f64).sum();
        assert_eq!(ht.value(e), sum as f32, "HT of event {e}");

        // Every trijet as (pt, mass), computed from the components written out, in the
        // order of nested loops; the highest pt with a tag wins, the first of equals.
        let p4 = |j: usize| {
            let (p, h, f, m) = (
                pt[e][j] as f64,
                eta[e][j] as f64,
                phi[e][j] as f64,
                mass[e][j] as f64,
            );
            let (x, y, z) = (p * f.cos(), p * f.sin(), p * h.sinh());
            [x, y, z, (x * x + y * y + z * z + m * m).sqrt()]
        };
        let n = pt[e].len();
        let mut candidates = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                for k in j + 1..n {
                    if [i, j, k].iter().all(|&q| btag[e][q] < 0.3) {
                        continue;
                    }
                    let s: Vec<f64> = (0..4).map(|c| p4(i)[c] + p4(j)[c] + p4(k)[c]).collect();
                    let trijet_pt = (s[0] * s[0] + s[1] * s[1]).sqrt();
                    let m2 = s[3] * s[3] - (s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);
                    candidates.push((trijet_pt, m2.max(0.0).sqrt()));
                }
            }
        }
        let best = candidates
            .iter()
            .fold(None::<(f64, f64)>, |b, &c| match b {
                Some(b) if b.0 >= c.0 => Some(b),
                _ => Some(c),
            })
            .map(|(_, m)| m as f32);
        if best.is_some() {
            with_trijet += 1;
            assert_eq!(Some(m_bjj.value(e)), best, "m_bjj of event {e}");
        } else {
            without += 1;
            assert!(m_bjj.is_null(e), "event {e} has no b-tagged trijet");
        }
    }
    // The file has both kinds of event (most have a b-tagged trijet, a few too few jets or no
    // tag), so both branches above were exercised.
    assert!(
        with_trijet > 100 && without > 0,
        "{with_trijet} / {without}"
    );
}

#[test]
fn btag_weights_vary_with_the_four_leading_jets_only_on_simulation() {
    let producer = tree("agc_btag_weights", Kind::Producer, true);
    assert_eq!(
        producer.shifts().into_iter().collect::<Vec<_>>(),
        ["btag_down", "btag_up"]
    );
    let events = run(&producer);
    let pt = jagged(&events, "Jet.pt");
    let weight = |route| column(&events, route).as_primitive::<Float64Type>().clone();
    let (nominal, up, down) = (
        weight("btag_weight"),
        weight("btag_weight_up"),
        weight("btag_weight_down"),
    );
    let mut varied = 0;
    for (e, jets) in pt.iter().enumerate() {
        assert_eq!(nominal.value(e), 1.0);
        let (mut u, mut d) = (1.0, 1.0);
        for &p in jets.iter().take(4) {
            u *= 1.0 + 0.075 * (p as f64 / 50.0);
            d *= 1.0 - 0.075 * (p as f64 / 50.0);
        }
        assert_eq!(up.value(e), u, "event {e}");
        assert_eq!(down.value(e), d, "event {e}");
        if jets.len() > 4 {
            varied += 1;
        }
    }
    assert!(
        varied > 10,
        "events with a fifth jet, which must not count: {varied}"
    );

    // Simulation only, like the jet variations.
    assert!(tree("agc_btag_weights", Kind::Producer, false)
        .name()
        .is_none());
    assert!(tree("agc_jet_variations", Kind::Calibrator, false)
        .name()
        .is_none());
    assert!(tree("agc_observables", Kind::Producer, false)
        .name()
        .is_some());
}

#[test]
fn a_jet_column_of_the_wrong_type_is_named_in_the_error() {
    use arrow_array::types::Int32Type;
    use arrow_array::ListArray;
    use std::sync::Arc;
    let producer = tree("agc_btag_weights", Kind::Producer, true);
    let mut events = Events::with_num_events(2);
    let integers =
        ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(40)]), Some(vec![])]);
    events
        .set_column(&Route::parse("Jet.pt").unwrap(), Arc::new(integers))
        .unwrap();
    let message = match producer.run(&mut events) {
        Ok(_) => panic!("integer jet pt was accepted"),
        Err(e) => e.to_string(),
    };
    assert!(message.contains("agc_btag_weights"), "{message}");
    assert!(message.contains("`Jet.pt` holds"), "{message}");
    assert!(message.contains("float32"), "{message}");
}
