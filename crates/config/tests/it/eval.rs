//! Expression evaluation: on real NanoAOD (checked against values computed here from the raw
//! arrays) and on hand-made batches for nulls, types and errors.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int64Type, UInt8Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float32Array, Float64Array, Int64Array, ListArray, StringArray,
};
use cf_columns::{ColumnSet, Events, Route};
use cf_config::{Analysis, EvalError, Expr, Func, Values};
use cf_io::EventFile;

const TT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/nanoaod/nano_tt_v12.root"
);
const DIMUON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/nanoaod/nano_dimuon.root"
);
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/showcase.yaml");

fn route(text: &str) -> Route {
    Route::parse(text).unwrap()
}

/// The NanoAOD ttbar file (200 events, 4 to 13 jets each) in batches of 64 events.
fn tt_batches() -> Vec<Events> {
    let batches = read(TT, 64);
    assert_eq!(batches.len(), 4, "200 events in batches of 64");
    batches
}

fn read(path: &str, batch_size: usize) -> Vec<Events> {
    let columns = ColumnSet::parse([
        "Jet.{pt,jetId}",
        "Muon.{pt,charge,tightId}",
        "MET.pt",
        "event",
        "PV.npvs",
    ])
    .unwrap();
    EventFile::open(path)
        .unwrap()
        .read(&columns, batch_size)
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn eval(text: &str, events: &Events) -> Values {
    Expr::parse(text)
        .unwrap()
        .evaluate(events)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn flat(values: Values) -> Vec<Option<f64>> {
    match values {
        Values::Flat(array) => array.iter().collect(),
        Values::Jagged(_) => panic!("expected one value per event"),
    }
}

fn jagged(values: Values) -> Vec<Option<Vec<Option<f64>>>> {
    match values {
        Values::Jagged(list) => lists(&list),
        Values::Flat(_) => panic!("expected a list per event"),
    }
}

fn lists(list: &ListArray) -> Vec<Option<Vec<Option<f64>>>> {
    list.iter()
        .map(|l| l.map(|l| l.as_primitive::<Float64Type>().iter().collect()))
        .collect()
}

/// `Jet.pt` (or any float per-object field) of a batch as plain vectors.
fn raw_f32(events: &Events, text: &str) -> Vec<Vec<f32>> {
    let column = events.column(&route(text)).unwrap();
    column
        .as_list::<i32>()
        .iter()
        .map(|l| l.unwrap().as_primitive::<Float32Type>().values().to_vec())
        .collect()
}

#[test]
fn sums_of_indexed_jets_on_nanoaod() {
    let mut nulls = [0; 2];
    for events in tt_batches() {
        let pt = raw_f32(&events, "Jet.pt");
        for (k, (i, j)) in [(0, 1), (4, 5)].into_iter().enumerate() {
            let expected: Vec<Option<f64>> = pt
                .iter()
                .map(|jets| Some(f64::from(*jets.get(i)?) + f64::from(*jets.get(j)?)))
                .collect();
            nulls[k] += expected.iter().filter(|v| v.is_none()).count();
            let text = format!("Jet.pt[:,{i}] + Jet.pt[:,{j}]");
            assert_eq!(flat(eval(&text, &events)), expected, "{text}");
        }
    }
    // Every event has four jets or more; 29 of them fewer than six.
    assert_eq!(nulls, [0, 29]);
}

#[test]
fn per_jet_expressions_on_nanoaod() {
    for events in tt_batches() {
        let pt = raw_f32(&events, "Jet.pt");
        let met = events.column(&route("MET.pt")).unwrap();
        let met = met.as_primitive::<Float32Type>();

        let roundtrip = jagged(eval("sqrt(Jet.pt * Jet.pt)", &events));
        let expected: Vec<_> = pt
            .iter()
            .map(|jets| {
                Some(
                    jets.iter()
                        .map(|&p| Some((f64::from(p) * f64::from(p)).sqrt()))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(roundtrip, expected);

        let shifted = jagged(eval("Jet.pt * 2 + MET.pt", &events));
        let expected: Vec<_> = pt
            .iter()
            .zip(met.values())
            .map(|(jets, &m)| {
                Some(
                    jets.iter()
                        .map(|&p| Some(f64::from(p) * 2.0 + f64::from(m)))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(shifted, expected);
        // The flat operand may stand on either side.
        assert_eq!(jagged(eval("MET.pt + 2 * Jet.pt", &events)), expected);
    }
}

#[test]
fn integer_and_boolean_columns_compute_as_f64() {
    for events in tt_batches() {
        let jet_id = events.column(&route("Jet.jetId")).unwrap();
        let expected: Vec<_> = jet_id
            .as_list::<i32>()
            .iter()
            .map(|l| {
                Some(
                    l.unwrap()
                        .as_primitive::<UInt8Type>()
                        .values()
                        .iter()
                        .map(|&v| Some(f64::from(v) / 2.0))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(jagged(eval("Jet.jetId / 2", &events)), expected);

        let muons = events.column(&route("Muon.tightId")).unwrap();
        let charges = events.column(&route("Muon.charge")).unwrap();
        let expected: Vec<_> = muons
            .as_list::<i32>()
            .iter()
            .zip(charges.as_list::<i32>().iter())
            .map(|(ids, qs)| {
                let ids = ids.unwrap();
                let qs = qs.unwrap();
                Some(
                    ids.as_boolean()
                        .values()
                        .iter()
                        .zip(qs.as_primitive::<arrow_array::types::Int32Type>().values())
                        .map(|(id, &q)| Some(if id { 1.0 } else { 0.0 } * f64::from(q)))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            jagged(eval("Muon.tightId * Muon.charge", &events)),
            expected
        );

        let event = events.column(&route("event")).unwrap();
        let npvs = events.column(&route("PV.npvs")).unwrap();
        let expected: Vec<_> = event
            .as_primitive::<arrow_array::types::UInt64Type>()
            .values()
            .iter()
            .zip(npvs.as_primitive::<UInt8Type>().values())
            .map(|(&e, &n)| Some(e as f64 - f64::from(n)))
            .collect();
        assert_eq!(flat(eval("event - PV.npvs", &events)), expected);
    }
}

#[test]
fn nanoaod_errors_name_the_route_and_the_expression() {
    let events = &tt_batches()[0];
    // A counter is not a column: list lengths carry it.
    let err = Expr::parse("nJet * 2")
        .unwrap()
        .evaluate(events)
        .unwrap_err();
    assert!(
        matches!(&err, EvalError::MissingColumn { route, .. } if route.to_string() == "nJet"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with("expression `(nJet * 2)` reads `nJet`, which is not in the events"),
        "{message}"
    );
    assert!(
        message.contains("Jet"),
        "lists the available columns: {message}"
    );

    // Jets and muons have different counts per event; the first such event is named.
    let pt = raw_f32(events, "Jet.pt");
    let muons = raw_f32(events, "Muon.pt");
    let first = (0..pt.len())
        .find(|&i| pt[i].len() != muons[i].len())
        .unwrap();
    let err = Expr::parse("Jet.pt + Muon.pt")
        .unwrap()
        .evaluate(events)
        .unwrap_err();
    match &err {
        EvalError::CountMismatch {
            left,
            right,
            event,
            left_count,
            right_count,
            ..
        } => {
            assert_eq!((left.as_str(), right.as_str()), ("Jet.pt", "Muon.pt"));
            assert_eq!(*event, first);
            assert_eq!(
                (*left_count, *right_count),
                (pt[first].len(), muons[first].len())
            );
        }
        other => panic!("expected a count mismatch, got {other:?}"),
    }
    assert!(err.to_string().contains(&format!("in event {first}")));
}

#[test]
fn example_variables_on_nanoaod() {
    let analysis = Analysis::load(EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
    let config = analysis.config("run3_2022_preEE").unwrap();
    let jet1_pt = config.variable("jet1_pt").unwrap();
    let ht = config.variable("ht").unwrap();
    let n_jet = config.variable("n_jet").unwrap();
    let mut replaced = 0;
    let mut short = 0;
    // The data file of the example's data_mu_c: one event without jets, five with fewer than four.
    for events in read(DIMUON, 16) {
        let pt = raw_f32(&events, "Jet.pt");

        // null_value: -1 stands in for events without a jet.
        let values = jet1_pt.evaluate(&events).unwrap();
        let values = values.as_primitive::<Float64Type>();
        assert_eq!(values.null_count(), 0);
        for (jets, value) in pt.iter().zip(values.values()) {
            match jets.first() {
                Some(&p) => assert_eq!(*value, f64::from(p)),
                None => {
                    assert_eq!(*value, -1.0);
                    replaced += 1;
                }
            }
        }

        // No null_value: events with fewer than four jets stay null.
        let values = ht.evaluate(&events).unwrap();
        let values: Vec<Option<f64>> = values.as_primitive::<Float64Type>().iter().collect();
        let expected: Vec<Option<f64>> = pt
            .iter()
            .map(|jets| {
                (jets.len() >= 4).then(|| jets[..4].iter().map(|&p| f64::from(p)).sum::<f64>())
            })
            .collect();
        short += expected.iter().filter(|v| v.is_none()).count();
        assert_eq!(values, expected);

        let err = n_jet.evaluate(&events).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("variable `n_jet` (`nJet`) reads `nJet`"),
            "{err}"
        );
    }
    assert_eq!((replaced, short), (1, 5));
}

/// Three events: jets (50, 30), (40), none; `mu` a list with a null value and a null list;
/// `ht` and `n` with a null each; a boolean and a text column.
fn hand_made() -> Events {
    let mut events = Events::with_num_events(3);
    let pt = ListArray::from_iter_primitive::<Float32Type, _, _>(vec![
        Some(vec![Some(50.0), Some(30.0)]),
        Some(vec![Some(40.0)]),
        Some(vec![]),
    ]);
    events.set_column(&route("Jet.pt"), Arc::new(pt)).unwrap();
    let eta = ListArray::from_iter_primitive::<Float32Type, _, _>(vec![
        Some(vec![Some(1.0), Some(-2.0)]),
        Some(vec![Some(0.5)]),
        Some(vec![]),
    ]);
    events.set_column(&route("Jet.eta"), Arc::new(eta)).unwrap();
    let mu = ListArray::from_iter_primitive::<Int64Type, _, _>(vec![
        Some(vec![Some(7), Some(9)]),
        Some(vec![Some(8), None]),
        None,
    ]);
    events.set_column(&route("mu"), Arc::new(mu)).unwrap();
    let ht: ArrayRef = Arc::new(Float32Array::from(vec![Some(80.0), None, Some(0.0)]));
    events.set_column(&route("ht"), ht).unwrap();
    let n: ArrayRef = Arc::new(Int64Array::from(vec![Some(2), Some(1), None]));
    events.set_column(&route("n"), n).unwrap();
    let flag: ArrayRef = Arc::new(BooleanArray::from(vec![true, false, true]));
    events.set_column(&route("flag"), flag).unwrap();
    let name: ArrayRef = Arc::new(StringArray::from(vec!["a", "b", "c"]));
    events.set_column(&route("name"), name).unwrap();
    events
}

#[test]
fn nulls_propagate_and_broadcast() {
    let events = hand_made();
    assert_eq!(
        flat(eval("Jet.pt[:,1] * 2", &events)),
        [Some(60.0), None, None]
    );
    assert_eq!(
        flat(eval("ht + n * flag", &events)),
        [Some(82.0), None, None]
    );
    // A null event value makes the whole list null, as in awkward.
    assert_eq!(
        jagged(eval("Jet.pt / ht", &events)),
        [
            Some(vec![Some(50.0 / 80.0), Some(30.0 / 80.0)]),
            None,
            Some(vec![])
        ]
    );
    // Null values inside a list and null lists both survive a jagged operation.
    assert_eq!(
        jagged(eval("-mu", &events)),
        [
            Some(vec![Some(-7.0), Some(-9.0)]),
            Some(vec![Some(-8.0), None]),
            None
        ]
    );
    assert_eq!(
        jagged(eval("max(Jet.pt, 45, Jet.eta)", &events)),
        [
            Some(vec![Some(50.0), Some(45.0)]),
            Some(vec![Some(45.0)]),
            Some(vec![])
        ]
    );
    assert_eq!(
        jagged(eval("Jet.pt - Jet.eta", &events)),
        [
            Some(vec![Some(49.0), Some(32.0)]),
            Some(vec![Some(39.5)]),
            Some(vec![])
        ]
    );
}

#[test]
fn ieee_division_and_constants() {
    let events = hand_made();
    let values = flat(eval("Jet.pt[:,0] / (ht - ht)", &events));
    assert_eq!(values[0], Some(f64::INFINITY));
    assert_eq!(values[1], None);
    assert!(values[2].is_none(), "no jet in the third event");
    let values = flat(eval("ht / ht", &events));
    assert!(values[2].unwrap().is_nan(), "0/0 is NaN");
    assert!(flat(eval("min(ht / ht, 1)", &events))[2].unwrap().is_nan());
    assert!(flat(eval("log(0 * ht)", &events))[0].unwrap() == f64::NEG_INFINITY);
    // A literal-only expression is one constant, spread over the batch only at the end.
    assert_eq!(
        flat(eval("sqrt(2 * 8) + exp(0) - abs(-1)", &events)),
        [Some(4.0); 3]
    );
}

#[test]
fn null_value_fills_flat_and_jagged_results() {
    let text = r#"analysis: a
configs:
  - name: c
    id: 1
    variables:
      - {name: second, id: 1, expression: "Jet.pt[:,1]", binning: [10, 0, 100], null_value: -5}
      - {name: muons, id: 2, expression: "mu * 1", binning: [10, 0, 10], null_value: 0}
      - {name: raw, id: 3, expression: "Jet.pt[:,1] + 1", binning: [10, 0, 10]}
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.yaml");
    std::fs::write(&path, text).unwrap();
    let analysis = Analysis::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let config = analysis.config("c").unwrap();
    let events = hand_made();

    let second = config
        .variable("second")
        .unwrap()
        .evaluate(&events)
        .unwrap();
    let second = second.as_primitive::<Float64Type>();
    assert_eq!(second.null_count(), 0);
    assert_eq!(second.values().as_ref(), [30.0, -5.0, -5.0]);

    let muons = config.variable("muons").unwrap().evaluate(&events).unwrap();
    // Null values in a list are filled; a null list stays null.
    assert_eq!(
        lists(muons.as_list::<i32>()),
        [
            Some(vec![Some(7.0), Some(9.0)]),
            Some(vec![Some(8.0), Some(0.0)]),
            None
        ]
    );

    let raw = config.variable("raw").unwrap().evaluate(&events).unwrap();
    let raw: &Float64Array = raw.as_primitive();
    assert_eq!(raw.iter().collect::<Vec<_>>(), [Some(31.0), None, None]);
}

#[test]
fn evaluation_leaves_the_events_alone() {
    // Float64 columns are used without a copy; the operators must not write into them.
    let mut events = hand_made();
    let weight: ArrayRef = Arc::new(Float64Array::from(vec![0.5, 1.5, 2.5]));
    events.set_column(&route("weight"), weight).unwrap();
    let x = ListArray::from_iter_primitive::<Float64Type, _, _>(vec![
        Some(vec![Some(1.0), Some(2.0)]),
        Some(vec![Some(3.0)]),
        Some(vec![]),
    ]);
    events.set_column(&route("Jet.x"), Arc::new(x)).unwrap();
    let before = (
        events.column(&route("weight")).unwrap().to_data(),
        events.column(&route("Jet.x")).unwrap().to_data(),
    );
    assert_eq!(
        jagged(eval("-(Jet.x * weight) + Jet.x[:,0]", &events)),
        [
            Some(vec![Some(0.5), Some(0.0)]),
            Some(vec![Some(-1.5)]),
            None // no first jet: a null event value nulls the list
        ]
    );
    assert_eq!(
        flat(eval("sqrt(weight) * 0 + weight / weight", &events)),
        [Some(1.0); 3]
    );
    let after = (
        events.column(&route("weight")).unwrap().to_data(),
        events.column(&route("Jet.x")).unwrap().to_data(),
    );
    assert_eq!(before, after);
}

#[test]
fn hand_made_errors() {
    let events = hand_made();
    let err = Expr::parse("Jet.pt * mu")
        .unwrap()
        .evaluate(&events)
        .unwrap_err();
    assert!(
        matches!(
            &err,
            EvalError::CountMismatch {
                event: 1,
                left_count: 1,
                right_count: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "expression `(Jet.pt * mu)`: `Jet.pt` and `mu` have different numbers of values in event 1 \
         (1 and 2); per-object operands must come from the same collection (or pick one object with `[:,i]`)"
    );
    // The operand named is the sub-expression that made the list.
    let err = Expr::parse("abs(Jet.pt) + mu")
        .unwrap()
        .evaluate(&events)
        .unwrap_err();
    assert!(matches!(&err, EvalError::CountMismatch { left, .. } if left == "abs(Jet.pt)"));

    let err = Expr::parse("name + 1")
        .unwrap()
        .evaluate(&events)
        .unwrap_err();
    assert!(matches!(&err, EvalError::UnsupportedType { .. }), "{err:?}");
    assert!(err.to_string().contains("`name` of type Utf8"), "{err}");

    let err = Expr::parse("ht[:,0]")
        .unwrap()
        .evaluate(&events)
        .unwrap_err();
    assert!(matches!(&err, EvalError::Column { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("expression `ht[:,0]` cannot read `ht[:,0]`"),
        "{err}"
    );

    // Only a hand-built expression can call a function with the wrong number of arguments.
    let bad = Expr::Call(Func::Max, vec![Expr::Number(1.0)]);
    let err = bad.evaluate(&events).unwrap_err();
    assert!(
        matches!(
            &err,
            EvalError::Arity {
                function: "max",
                found: 1,
                ..
            }
        ),
        "{err:?}"
    );
}
