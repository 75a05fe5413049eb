//! Each axis type: bin lookup, flow bins, NaN, the last-edge option, growth.

use arrow_array::{Float64Array, Int64Array, StringArray};
use cf_hist::{Axis, AxisKind, Histogram, Storage};

fn fill_counts(axis: Axis, x: &dyn arrow_array::Array) -> Vec<f64> {
    let mut h = Histogram::new(vec![axis], Storage::Count).unwrap();
    h.fill(&[x], None).unwrap();
    h.values()
}

#[test]
fn regular_bins_and_flow() {
    let x = Float64Array::from(vec![
        -0.1,
        0.0,
        0.49,
        0.5,
        1.99,
        2.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ]);
    let axis = Axis::regular(4, 0.0, 2.0).unwrap();
    assert_eq!(axis.extent(), 6);
    // underflow, 4 bins, overflow; NaN goes to overflow as in boost-histogram.
    assert_eq!(
        fill_counts(axis.clone(), &x),
        vec![2.0, 2.0, 1.0, 0.0, 1.0, 3.0]
    );
    let no_flow = axis.clone().with_flow(false);
    assert_eq!(no_flow.extent(), 4);
    assert_eq!(fill_counts(no_flow, &x), vec![2.0, 1.0, 0.0, 1.0]);
    let only_over = axis.with_underflow(false);
    assert_eq!(fill_counts(only_over, &x), vec![2.0, 1.0, 0.0, 1.0, 3.0]);
}

#[test]
fn last_edge_inclusive_counts_upper_edge_in_last_bin() {
    let x = Float64Array::from(vec![2.0, 2.0, 3.0]);
    let axis = Axis::regular(2, 0.0, 2.0).unwrap();
    assert_eq!(fill_counts(axis.clone(), &x), vec![0.0, 0.0, 0.0, 3.0]);
    assert_eq!(
        fill_counts(axis.with_last_edge_inclusive(true), &x),
        vec![0.0, 0.0, 2.0, 1.0]
    );
    let var = Axis::variable(vec![0.0, 1.0, 5.0])
        .unwrap()
        .with_last_edge_inclusive(true);
    assert_eq!(fill_counts(var, &x), vec![0.0, 0.0, 3.0, 0.0]);
}

#[test]
fn variable_axis_uses_edges() {
    let axis = Axis::variable(vec![0.0, 1.0, 10.0, 100.0]).unwrap();
    let x = Float64Array::from(vec![-1.0, 0.0, 0.99, 1.0, 50.0, 100.0, f64::NAN]);
    assert_eq!(fill_counts(axis.clone(), &x), vec![1.0, 2.0, 1.0, 1.0, 2.0]);
    assert_eq!(axis.edges().unwrap(), vec![0.0, 1.0, 10.0, 100.0]);
    assert!(Axis::variable(vec![0.0, 0.0, 1.0]).is_err());
    assert!(Axis::variable(vec![1.0]).is_err());
}

#[test]
fn integer_axis_takes_ints_and_floors_floats() {
    let axis = Axis::integer(-1, 2).unwrap();
    let ints = Int64Array::from(vec![-2, -1, 0, 1, 1, 2, 7]);
    assert_eq!(
        fill_counts(axis.clone(), &ints),
        vec![1.0, 1.0, 1.0, 2.0, 2.0]
    );
    let floats = Float64Array::from(vec![-0.5, 0.5, 1.9, f64::NAN]);
    assert_eq!(
        fill_counts(axis.clone(), &floats),
        vec![0.0, 1.0, 1.0, 1.0, 1.0]
    );
    assert_eq!(axis.edges().unwrap(), vec![-1.0, 0.0, 1.0, 2.0]);
    assert!(Axis::integer(3, 3).is_err());
}

#[test]
fn int_category_in_listed_order_with_other_bin() {
    let axis = Axis::int_category([10, 3, 7]).unwrap();
    let ids = Int64Array::from(vec![3, 3, 7, 10, 99, -5]);
    assert_eq!(fill_counts(axis.clone(), &ids), vec![1.0, 2.0, 1.0, 2.0]);
    assert_eq!(
        fill_counts(axis.with_flow(false), &ids),
        vec![1.0, 2.0, 1.0]
    );
    assert!(Axis::int_category([1, 1]).is_err());
}

#[test]
fn int_category_with_wide_range_uses_lookup() {
    let axis = Axis::int_category([i64::MIN + 1, 0, 1 << 40]).unwrap();
    let ids = Int64Array::from(vec![1 << 40, i64::MIN + 1, 5]);
    assert_eq!(fill_counts(axis, &ids), vec![1.0, 0.0, 1.0, 1.0]);
}

#[test]
fn str_category_and_growth() {
    let axis = Axis::str_category(["ee", "mumu"])
        .unwrap()
        .with_name("channel");
    let s = StringArray::from(vec!["mumu", "emu", "ee", "mumu"]);
    assert_eq!(fill_counts(axis.clone(), &s), vec![1.0, 2.0, 1.0]);

    let mut h = Histogram::new(vec![axis.with_growth(true)], Storage::Count).unwrap();
    h.fill(&[&s], None).unwrap();
    assert_eq!(
        h.axes()[0].kind(),
        &AxisKind::StrCategory {
            categories: vec!["ee".into(), "mumu".into(), "emu".into()]
        }
    );
    assert_eq!(h.values(), vec![1.0, 2.0, 1.0]);
    h.fill(&[&StringArray::from(vec!["tautau", "ee"])], None)
        .unwrap();
    assert_eq!(h.values(), vec![2.0, 2.0, 1.0, 1.0]);
}

#[test]
fn str_labels_in_runs_with_nulls_and_unknown_labels_fill_like_single_ones() {
    // Runs of one label (as a cutflow fills), broken by nulls and labels the axis lacks: each
    // entry must land where it would alone.
    let labels = [
        Some("ee"),
        Some("ee"),
        None,
        Some("ee"),
        Some("tautau"),
        Some("tautau"),
        Some("mumu"),
        None,
        None,
        Some("mumu"),
        Some("ee"),
    ];
    let axis = Axis::str_category(["ee", "mumu"]).unwrap();
    let whole = fill_counts(axis.clone(), &StringArray::from(labels.to_vec()));
    let mut single = vec![0.0; whole.len()];
    for label in labels {
        let one = fill_counts(axis.clone(), &StringArray::from(vec![label]));
        single.iter_mut().zip(one).for_each(|(a, b)| *a += b);
    }
    assert_eq!(whole, single);
    assert_eq!(whole, vec![4.0, 2.0, 2.0]);
}

#[test]
fn growing_int_category_keeps_existing_bins() {
    let axis = Axis::int_category(Vec::<i64>::new())
        .unwrap()
        .with_growth(true);
    let mut h = Histogram::new(
        vec![axis, Axis::regular(2, 0.0, 2.0).unwrap()],
        Storage::Weight,
    )
    .unwrap();
    let ids = Int64Array::from(vec![5, 2, 5]);
    let x = Float64Array::from(vec![0.5, 1.5, 1.5]);
    h.fill(&[&ids, &x], None).unwrap();
    h.fill(
        &[
            &Int64Array::from(vec![9, 2]),
            &Float64Array::from(vec![0.5, 0.5]),
        ],
        None,
    )
    .unwrap();
    assert_eq!(
        h.axes()[0].kind(),
        &AxisKind::IntCategory {
            categories: vec![5, 2, 9]
        }
    );
    // Each category row: underflow, 2 bins, overflow.
    assert_eq!(
        h.values(),
        vec![0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    );
}

#[test]
fn invalid_axes_are_errors() {
    assert!(Axis::regular(0, 0.0, 1.0).is_err());
    assert!(Axis::regular(3, 1.0, 1.0).is_err());
    assert!(Axis::regular(3, 0.0, f64::NAN).is_err());
    assert!(
        Axis::regular(3, -f64::MAX, f64::MAX).is_err(),
        "width overflows"
    );
    assert!(Axis::str_category(["a", "a"]).is_err());
    assert!(Axis::regular(usize::MAX, 0.0, 1.0).is_err());
    assert!(Axis::integer(i64::MIN, i64::MAX).is_err());
    let big = || Axis::regular(100_000, 0.0, 1.0).unwrap();
    assert!(matches!(
        Histogram::new(vec![big(), big(), big()], Storage::Weight),
        Err(cf_hist::Error::TooLarge { .. })
    ));
}

#[test]
fn str_category_from_dictionary_encoded_strings() {
    use arrow_array::types::Int8Type;
    use arrow_array::DictionaryArray;
    let dict: DictionaryArray<Int8Type> =
        vec![Some("mumu"), Some("emu"), None, Some("ee"), Some("mumu")]
            .into_iter()
            .collect();
    let axis = Axis::str_category(["ee", "mumu"]).unwrap();
    assert_eq!(fill_counts(axis.clone(), &dict), vec![1.0, 2.0, 1.0]);
    let mut h = Histogram::new(vec![axis.with_growth(true)], Storage::Count).unwrap();
    h.fill(&[&dict], None).unwrap();
    assert_eq!(
        h.axes()[0].kind(),
        &AxisKind::StrCategory {
            categories: vec!["ee".into(), "mumu".into(), "emu".into()]
        }
    );
    assert_eq!(h.values(), vec![1.0, 2.0, 1.0]);
}

#[test]
fn growing_int_category_from_runs_of_repeated_ids() {
    // Runs of one id (as a process or shift column), a null inside a run, an id that was
    // already on the axis, and a run returning to an earlier id.
    let axis = Axis::int_category([3]).unwrap().with_growth(true);
    let mut h = Histogram::new(vec![axis], Storage::Count).unwrap();
    let ids = Int64Array::from(vec![
        Some(7),
        Some(7),
        None,
        Some(7),
        Some(3),
        Some(3),
        Some(9),
        Some(7),
        Some(9),
    ]);
    h.fill(&[&ids], None).unwrap();
    assert_eq!(
        h.axes()[0].kind(),
        &AxisKind::IntCategory {
            categories: vec![3, 7, 9]
        }
    );
    assert_eq!(h.values(), vec![2.0, 4.0, 2.0]);
}
