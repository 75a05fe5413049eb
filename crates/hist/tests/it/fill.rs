//! Filling from flat and jagged Arrow arrays, weights, nulls and input errors.

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int32Builder, ListBuilder};
use arrow_array::{Array, Float32Array, Float64Array, Int32Array, ListArray, StringArray};
use cf_hist::{Axis, Error, Histogram, Storage};

fn jagged(rows: &[&[f64]]) -> ListArray {
    let mut b = ListBuilder::new(Float64Builder::new());
    for r in rows {
        b.values().append_slice(r);
        b.append(true);
    }
    b.finish()
}

fn jagged_i32(rows: &[&[i32]]) -> ListArray {
    let mut b = ListBuilder::new(Int32Builder::new());
    for r in rows {
        b.values().append_slice(r);
        b.append(true);
    }
    b.finish()
}

fn pt_cat() -> Histogram {
    Histogram::new(
        vec![
            Axis::regular(2, 0.0, 2.0).unwrap().with_name("pt"),
            Axis::int_category([0, 1])
                .unwrap()
                .with_name("cat")
                .with_flow(false),
        ],
        Storage::Weight,
    )
    .unwrap()
}

#[test]
fn weighted_storage_sums_weights_and_squares() {
    let mut h = crate::h1("w");
    let x = Float64Array::from(vec![0.5, 0.5, 3.5]);
    let w = Float64Array::from(vec![2.0, 3.0, -1.0]);
    h.fill(&[&x], Some(&w)).unwrap();
    assert_eq!(h.values(), vec![0.0, 5.0, 0.0, 0.0, -1.0, 0.0]);
    assert_eq!(h.variances().unwrap(), vec![0.0, 13.0, 0.0, 0.0, 1.0, 0.0]);
    let mut d = Histogram::new(h.axes().to_vec(), Storage::Double).unwrap();
    d.fill(&[&x], Some(&Float32Array::from(vec![2.0f32, 3.0, -1.0])))
        .unwrap();
    assert_eq!(d.values(), h.values());
    assert!(d.variances().is_none());
}

#[test]
fn jagged_values_broadcast_event_weights_and_categories() {
    let mut h = pt_cat();
    let pt = jagged(&[&[0.5, 1.5], &[], &[1.5]]);
    let cat = Int32Array::from(vec![0, 1, 1]);
    let w = Float64Array::from(vec![2.0, 5.0, 3.0]);
    h.fill(&[&pt, &cat], Some(&w)).unwrap();
    // Layout: pt extent (under, 2 bins, over) x cat (0, 1).
    let v = h.values();
    assert_eq!(v[2], 2.0); // pt bin 0, cat 0
    assert_eq!(v[4], 2.0); // pt bin 1, cat 0
    assert_eq!(v[5], 3.0); // pt bin 1, cat 1
    assert_eq!(h.sum(), 7.0);
}

#[test]
fn category_lists_fill_each_category() {
    let mut h = pt_cat();
    let pt = Float64Array::from(vec![0.5, 1.5]);
    let cats = jagged_i32(&[&[0, 1], &[]]);
    h.fill(&[&pt, &cats], None).unwrap();
    let v = h.values();
    assert_eq!((v[2], v[3]), (1.0, 1.0));
    assert_eq!(h.sum(), 2.0, "an event in no category fills nothing");

    // Jagged values times a category list: every object in every category.
    let mut h = pt_cat();
    let pt = jagged(&[&[0.5, 1.5, 1.5]]);
    let cats = jagged_i32(&[&[1, 0]]);
    h.fill(&[&pt, &cats], Some(&Float64Array::from(vec![2.0])))
        .unwrap();
    assert_eq!(h.sum(), 12.0);
    assert_eq!(h.variances().unwrap().iter().sum::<f64>(), 24.0);
}

#[test]
fn per_object_weights_zip_with_values() {
    let mut h = crate::h1("obj");
    let x = jagged(&[&[0.5, 2.5], &[3.5]]);
    let w = jagged(&[&[1.0, 2.0], &[4.0]]);
    h.fill(&[&x], Some(&w)).unwrap();
    assert_eq!(h.values(), vec![0.0, 1.0, 0.0, 2.0, 4.0, 0.0]);
}

#[test]
fn mismatched_jagged_columns_are_an_error_naming_the_event() {
    let mut h = Histogram::new(
        vec![
            Axis::regular(2, 0.0, 2.0).unwrap().with_name("pt"),
            Axis::regular(2, -1.0, 1.0).unwrap().with_name("eta"),
        ],
        Storage::Weight,
    )
    .unwrap();
    let pt = jagged(&[&[0.5], &[0.5, 1.0]]);
    let eta = jagged(&[&[0.1], &[0.2]]);
    let before = h.clone();
    match h.fill(&[&pt, &eta], None) {
        Err(Error::JaggedMismatch {
            event,
            axis,
            expected,
            got,
            ..
        }) => {
            assert_eq!((event, axis.as_str(), expected, got), (1, "eta", 2, 1));
        }
        other => panic!("expected JaggedMismatch, got {other:?}"),
    }
    assert_eq!(h, before, "a failed fill leaves the histogram unchanged");
}

#[test]
fn nulls_skip_entries() {
    let mut h = crate::h1("nulls");
    let x = Float64Array::from(vec![Some(0.5), None, Some(1.5)]);
    let w = Float64Array::from(vec![Some(1.0), Some(1.0), None]);
    h.fill(&[&x], Some(&w)).unwrap();
    assert_eq!(h.sum(), 1.0);
    // Null lists are empty events.
    let mut b = ListBuilder::new(Float64Builder::new());
    b.values().append_value(0.5);
    b.append(true);
    b.append(false);
    let list = b.finish();
    let mut h = crate::h1("nl");
    h.fill(&[&list], None).unwrap();
    assert_eq!(h.sum(), 1.0);
}

#[test]
fn sliced_arrays_respect_offsets() {
    let x = Float64Array::from(vec![0.5, 1.5, 2.5, 3.5]);
    let sliced = x.slice(2, 2);
    let mut h = crate::h1("s");
    h.fill(&[&sliced], None).unwrap();
    assert_eq!(h.values(), vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
    let list = jagged(&[&[0.5], &[1.5, 2.5], &[3.5]]);
    let sl = list.slice(1, 2);
    let mut h = crate::h1("sl");
    h.fill(&[&sl], None).unwrap();
    assert_eq!(h.values(), vec![0.0, 0.0, 1.0, 1.0, 1.0, 0.0]);
}

#[test]
fn input_errors_are_typed() {
    let mut h = crate::h1("e");
    let x = Float64Array::from(vec![0.5, 1.5]);
    assert!(matches!(
        h.fill(&[], None),
        Err(Error::ColumnCount {
            expected: 1,
            got: 0,
            ..
        })
    ));
    assert!(matches!(
        h.fill(&[&x], Some(&Float64Array::from(vec![1.0]))),
        Err(Error::LengthMismatch {
            expected: 2,
            got: 1,
            ..
        })
    ));
    assert!(matches!(
        h.fill(&[&StringArray::from(vec!["a", "b"])], None),
        Err(Error::UnsupportedType { .. })
    ));
    assert!(matches!(
        h.fill(&[&x], Some(&Int32Array::from(vec![1, 2]))),
        Err(Error::UnsupportedType { .. })
    ));
    let mut c = Histogram::new(h.axes().to_vec(), Storage::Count).unwrap();
    assert!(matches!(
        c.fill(&[&x], Some(&Float64Array::from(vec![1.0, 1.0]))),
        Err(Error::WeightOnCount { .. })
    ));
    let s = Histogram::new(vec![Axis::str_category(["a"]).unwrap()], Storage::Count).unwrap();
    let mut s2 = s.clone();
    assert!(matches!(
        s2.fill(&[&x], None),
        Err(Error::UnsupportedType { .. })
    ));
    let arr: Arc<dyn Array> = Arc::new(x);
    h.fill(&[arr.as_ref()], None).unwrap();
    assert_eq!(h.events(), 2);
}

#[test]
fn fill_batch_by_column_name() {
    use arrow_array::RecordBatch;
    let pt: Arc<dyn Array> = Arc::new(jagged(&[&[0.5, 1.5], &[1.5]]));
    let cat: Arc<dyn Array> = Arc::new(Int32Array::from(vec![0, 1]));
    let w: Arc<dyn Array> = Arc::new(Float64Array::from(vec![2.0, 3.0]));
    let batch =
        RecordBatch::try_from_iter([("Jet.pt", pt), ("category", cat), ("weight", w)]).unwrap();
    let mut h = pt_cat();
    h.fill_batch(&batch, &["Jet.pt", "category"], Some("weight"))
        .unwrap();
    assert_eq!(h.sum(), 7.0);
    match h.fill_batch(&batch, &["Jet.eta", "category"], None) {
        Err(Error::NoSuchColumn { column, available }) => {
            assert_eq!(column, "Jet.eta");
            assert_eq!(available.len(), 3);
        }
        other => panic!("expected NoSuchColumn, got {other:?}"),
    }
}
