//! Add (with category union), scale, project, select, rebin, slice, and typed errors.

use arrow_array::{Float64Array, Int32Array, StringArray};
use cf_hist::{Axis, AxisKind, Category, Error, Histogram, Storage};

fn proc_hist(cats: &[&str], fills: &[(&str, f64)]) -> Histogram {
    let mut h = Histogram::new(
        vec![
            Axis::str_category(cats.to_vec())
                .unwrap()
                .with_name("process")
                .with_flow(false),
            Axis::regular(2, 0.0, 2.0).unwrap().with_name("x"),
        ],
        Storage::Weight,
    )
    .unwrap()
    .with_name("h");
    let p = StringArray::from(fills.iter().map(|f| f.0).collect::<Vec<_>>());
    let x = Float64Array::from(fills.iter().map(|f| f.1).collect::<Vec<_>>());
    h.fill(&[&p, &x], None).unwrap();
    h
}

#[test]
fn add_unites_categories() {
    let mut a = proc_hist(&["tt", "dy"], &[("tt", 0.5), ("dy", 1.5)]);
    let b = proc_hist(&["st", "tt"], &[("st", 0.5), ("tt", 0.5)]);
    a.add(&b).unwrap();
    assert_eq!(
        a.axes()[0].kind(),
        &AxisKind::StrCategory {
            categories: vec!["tt".into(), "dy".into(), "st".into()]
        }
    );
    let v = a.values();
    // Rows of 4 (under, 2 bins, over) per process.
    assert_eq!(&v[0..4], &[0.0, 2.0, 0.0, 0.0]);
    assert_eq!(&v[4..8], &[0.0, 0.0, 1.0, 0.0]);
    assert_eq!(&v[8..12], &[0.0, 1.0, 0.0, 0.0]);
    assert_eq!(a.variances().unwrap().iter().sum::<f64>(), 4.0);
    assert_eq!(a.events(), 4);
}

#[test]
fn adding_incompatible_histograms_names_the_difference() {
    let mut a = crate::h1("a");
    let other_binning = Histogram::new(
        vec![Axis::regular(5, 0.0, 4.0).unwrap().with_name("x")],
        Storage::Weight,
    )
    .unwrap()
    .with_name("b");
    let err = a.add(&other_binning).unwrap_err();
    assert!(
        matches!(&err, Error::Incompatible { what, .. } if what.contains("`x`") && what.contains("binning")),
        "{err}"
    );
    let other_storage = Histogram::new(a.axes().to_vec(), Storage::Double).unwrap();
    assert!(
        matches!(a.add(&other_storage), Err(Error::Incompatible { what, .. }) if what.contains("storages"))
    );
    let renamed = Histogram::new(
        vec![Axis::regular(4, 0.0, 4.0).unwrap().with_name("y")],
        Storage::Weight,
    )
    .unwrap();
    assert!(
        matches!(a.add(&renamed), Err(Error::Incompatible { what, .. }) if what.contains("names"))
    );
    let no_flow =
        Histogram::new(vec![a.axes()[0].clone().with_flow(false)], Storage::Weight).unwrap();
    assert!(
        matches!(a.add(&no_flow), Err(Error::Incompatible { what, .. }) if what.contains("flow"))
    );
}

#[test]
fn scale_multiplies_values_and_squares_variances() {
    let mut h = crate::h1("s");
    h.fill(
        &[&Float64Array::from(vec![0.5, 0.5])],
        Some(&Float64Array::from(vec![1.0, 2.0])),
    )
    .unwrap();
    h.scale(3.0);
    assert_eq!(h.values()[1], 9.0);
    assert_eq!(h.variances().unwrap()[1], 45.0);
}

#[test]
fn project_and_sum_over_include_flow_bins() {
    let mut h = Histogram::new(
        vec![
            Axis::regular(2, 0.0, 2.0).unwrap().with_name("x"),
            Axis::int_category([0, 1]).unwrap().with_name("c"),
            Axis::regular(2, 0.0, 2.0).unwrap().with_name("y"),
        ],
        Storage::Weight,
    )
    .unwrap();
    let x = Float64Array::from(vec![0.5, 1.5, 5.0, 0.5]);
    let c = Int32Array::from(vec![0, 1, 1, 7]);
    let y = Float64Array::from(vec![1.5, 1.5, 0.5, -3.0]);
    h.fill(&[&x, &c, &y], None).unwrap();
    let yx = h.project(&["y", "x"]).unwrap();
    assert_eq!(yx.axes()[0].name(), "y");
    assert_eq!(yx.shape(), vec![4, 4]);
    let v = yx.values();
    // (y bin, x bin) with flow offsets of 1.
    assert_eq!(v[2 * 4 + 1], 1.0);
    assert_eq!(v[2 * 4 + 2], 1.0);
    assert_eq!(v[4 + 3], 1.0);
    assert_eq!(
        v[1], 1.0,
        "the unlisted category lands in the other bin and is summed"
    );
    assert_eq!(yx.sum(), 4.0);
    let xy = h.sum_over("c").unwrap();
    assert_eq!(xy.axes().len(), 2);
    assert_eq!(
        xy.project(&["x"]).unwrap().values(),
        vec![0.0, 2.0, 1.0, 1.0]
    );
    assert!(matches!(
        h.project(&["nope"]),
        Err(Error::NoSuchAxis { .. })
    ));
}

#[test]
fn select_keeps_listed_categories_in_order() {
    let h = proc_hist(
        &["tt", "dy", "st"],
        &[("tt", 0.5), ("dy", 1.5), ("st", 0.5), ("st", 0.5)],
    );
    let s = h
        .select("process", &[Category::Str("st"), Category::Str("tt")])
        .unwrap();
    assert_eq!(
        s.axes()[0].kind(),
        &AxisKind::StrCategory {
            categories: vec!["st".into(), "tt".into()]
        }
    );
    assert_eq!(s.values(), vec![0.0, 2.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    assert!(matches!(
        h.select("process", &[Category::Str("ww")]),
        Err(Error::NoSuchCategory { .. })
    ));
    assert!(h.select("x", &[Category::Int(0)]).is_err());
}

#[test]
fn rebin_merges_neighbours_and_keeps_flow() {
    let mut h = Histogram::new(
        vec![Axis::regular(4, 0.0, 4.0).unwrap().with_name("x")],
        Storage::Weight,
    )
    .unwrap();
    h.fill(
        &[&Float64Array::from(vec![
            -1.0, 0.5, 1.5, 2.5, 3.5, 3.5, 9.0,
        ])],
        None,
    )
    .unwrap();
    let r = h.rebin("x", 2).unwrap();
    assert_eq!(
        r.axes()[0].kind(),
        &AxisKind::Regular {
            bins: 2,
            lo: 0.0,
            hi: 4.0
        }
    );
    assert_eq!(r.values(), vec![1.0, 2.0, 3.0, 1.0]);
    assert!(matches!(h.rebin("x", 3), Err(Error::BadOperation { .. })));
    let v = Histogram::new(
        vec![Axis::integer(0, 4).unwrap().with_name("n")],
        Storage::Count,
    )
    .unwrap();
    let rv = v.rebin("n", 2).unwrap();
    assert_eq!(rv.axes()[0].edges().unwrap(), vec![0.0, 2.0, 4.0]);
}

#[test]
fn slice_moves_cut_bins_into_flow() {
    let mut h = Histogram::new(
        vec![Axis::variable(vec![0.0, 1.0, 2.0, 4.0, 8.0])
            .unwrap()
            .with_name("x")],
        Storage::Weight,
    )
    .unwrap();
    h.fill(
        &[&Float64Array::from(vec![0.5, 1.5, 3.0, 5.0, 5.0, -1.0])],
        None,
    )
    .unwrap();
    let s = h.slice("x", 1, 3).unwrap();
    assert_eq!(s.axes()[0].edges().unwrap(), vec![1.0, 2.0, 4.0]);
    assert_eq!(s.values(), vec![2.0, 1.0, 1.0, 2.0]);
    let no_flow =
        Histogram::new(vec![h.axes()[0].clone().with_flow(false)], Storage::Weight).unwrap();
    assert_eq!(no_flow.slice("x", 0, 2).unwrap().shape(), vec![2]);
    assert!(h.slice("x", 2, 2).is_err());
    assert!(h.slice("x", 0, 5).is_err());
}

#[test]
fn relabel_renames_a_shift_and_keeps_contents() {
    let mut h = Histogram::new(
        vec![
            Axis::int_category([0]).unwrap().with_name("shift"),
            Axis::regular(2, 0.0, 2.0).unwrap().with_name("x"),
        ],
        Storage::Weight,
    )
    .unwrap();
    let shift = arrow_array::Int64Array::from(vec![0, 0]);
    let x = Float64Array::from(vec![0.5, 1.5]);
    h.fill(&[&shift, &x], Some(&Float64Array::from(vec![2.0, 3.0])))
        .unwrap();
    let before = h.values();
    h.relabel("shift", 0, 11).unwrap();
    assert_eq!(h.values(), before);
    assert_eq!(h.select("shift", &[Category::Int(11)]).unwrap().sum(), 5.0);
    assert!(matches!(
        h.relabel("shift", 0, 12),
        Err(Error::NoSuchCategory { .. })
    ));
    assert!(h.relabel("x", 0, 1).is_err());
}

#[test]
fn add_to_bin_equals_filling_the_rows_behind_the_sums() {
    let axes = || {
        vec![
            Axis::str_category(["initial", "jet"])
                .unwrap()
                .with_name("step"),
            Axis::int_category([1000])
                .unwrap()
                .with_growth(true)
                .with_name("process"),
        ]
    };
    let rows = [
        ("initial", 1000, 0.5),
        ("jet", 1000, 2.0),
        ("jet", 2000, -1.5),
        ("jet", 2000, 3.0),
    ];
    let mut filled = Histogram::new(axes(), Storage::Weight).unwrap();
    filled
        .fill(
            &[
                &StringArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>()),
                &arrow_array::Int64Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>()),
            ],
            Some(&Float64Array::from(
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            )),
        )
        .unwrap();
    let mut summed = Histogram::new(axes(), Storage::Weight).unwrap();
    summed
        .add_to_bin(&[Category::Str("initial"), Category::Int(1000)], 0.5, 0.25)
        .unwrap();
    summed
        .add_to_bin(&[Category::Str("jet"), Category::Int(1000)], 2.0, 4.0)
        .unwrap();
    // Process 2000 is not declared: the growing axis gains it, as a fill would.
    summed
        .add_to_bin(&[Category::Str("jet"), Category::Int(2000)], 1.5, 11.25)
        .unwrap();
    assert_eq!(summed.axes(), filled.axes());
    assert_eq!(summed.values(), filled.values());
    assert_eq!(summed.variances(), filled.variances());

    // The step axis does not grow: an unknown step, a wrong kind or count are errors that
    // leave the histogram as it was.
    let before = summed.values();
    assert!(matches!(
        summed.add_to_bin(&[Category::Str("btag"), Category::Int(1000)], 1.0, 1.0),
        Err(Error::NoSuchCategory { .. })
    ));
    assert!(summed
        .add_to_bin(&[Category::Int(0), Category::Int(1000)], 1.0, 1.0)
        .is_err());
    assert!(summed
        .add_to_bin(&[Category::Str("jet")], 1.0, 1.0)
        .is_err());
    assert_eq!(summed.values(), before);
    let mut continuous = Histogram::new(
        vec![Axis::regular(2, 0.0, 2.0).unwrap().with_name("x")],
        Storage::Weight,
    )
    .unwrap();
    assert!(matches!(
        continuous.add_to_bin(&[Category::Int(0)], 1.0, 1.0),
        Err(Error::BadOperation { .. })
    ));
}
