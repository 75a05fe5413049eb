//! cf's binary form, UHI JSON and ROOT files: round trips, atomic writes and damage handling.

use arrow_array::{Float64Array, Int32Array, StringArray};
use cf_hist::root::RootFile;
use cf_hist::{Axis, Error, Histogram, Storage};

/// A histogram using every axis type and both flow settings.
pub fn every_axis() -> Histogram {
    let mut h = Histogram::new(
        vec![
            Axis::regular(3, 0.0, 3.0)
                .unwrap()
                .with_name("x")
                .with_label("x label"),
            Axis::variable(vec![0.0, 1.0, 5.0])
                .unwrap()
                .with_name("v")
                .with_flow(false),
            Axis::integer(0, 2)
                .unwrap()
                .with_name("n")
                .with_label("count"),
            Axis::int_category([3, 1]).unwrap().with_name("process"),
            Axis::str_category(["a"])
                .unwrap()
                .with_name("shift")
                .with_growth(true),
        ],
        Storage::Weight,
    )
    .unwrap()
    .with_name("every")
    .with_title("every axis");
    let x = Float64Array::from(vec![0.5, 2.5, -1.0, 7.0, 1.5]);
    let v = Float64Array::from(vec![0.5, 4.0, 0.5, 0.2, 9.0]);
    let n = Int32Array::from(vec![0, 1, 5, -1, 1]);
    let p = Int32Array::from(vec![3, 1, 1, 8, 3]);
    let s = StringArray::from(vec!["a", "b", "a", "c", "b"]);
    let w = Float64Array::from(vec![1.5, 0.25, 2.0, 3.0, 1.0]);
    h.fill(&[&x, &v, &n, &p, &s], Some(&w)).unwrap();
    h
}

#[test]
fn binary_round_trip_is_exact() {
    let h = every_axis();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.cfh");
    h.write_binary(&path).unwrap();
    let back = Histogram::read_binary(&path).unwrap();
    assert_eq!(back, h);
    assert_eq!(back.events(), h.events());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn binary_damage_is_a_typed_error() {
    let bytes = every_axis().to_bytes();
    for len in 0..bytes.len() {
        assert!(
            matches!(
                Histogram::from_bytes(&bytes[..len]),
                Err(Error::Corrupt { .. })
            ),
            "truncation to {len} bytes"
        );
    }
    for i in (0..bytes.len()).step_by(7) {
        let mut bad = bytes.clone();
        bad[i] ^= 0x5a;
        assert!(
            matches!(Histogram::from_bytes(&bad), Err(Error::Corrupt { .. })),
            "flip at {i}"
        );
    }
    let mut version = bytes.clone();
    version[8] = 9;
    let err = Histogram::from_bytes(&version).unwrap_err();
    assert!(err.to_string().contains("version 9"), "{err}");
    assert!(matches!(
        Histogram::read_binary("/nonexistent/h.cfh"),
        Err(Error::Io { .. })
    ));
}

#[test]
fn uhi_json_round_trip() {
    let h = every_axis();
    let count = {
        let mut c = Histogram::new(
            vec![Axis::integer(0, 3).unwrap().with_name("i")],
            Storage::Count,
        )
        .unwrap()
        .with_name("count");
        c.fill(&[&Int32Array::from(vec![0, 2, 2, 5])], None)
            .unwrap();
        c
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.json");
    Histogram::write_uhi_json(&path, &[&h, &count]).unwrap();
    let mut back = Histogram::read_uhi_json(&path).unwrap();
    back.sort_by(|a, b| a.name().cmp(b.name()));
    assert_eq!(back[0], count);
    assert_eq!(back[1], h);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"uhi_schema\":1"));
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"h": {"uhi_schema": 1, "axes": [{"type": "boolean"}], "storage": {"type": "int"}}}"#,
    )
    .unwrap();
    assert!(
        matches!(Histogram::read_uhi_json(&bad), Err(Error::Json { at, .. }) if at.contains("axes[0]"))
    );
}

#[test]
fn root_writer_rejects_what_th1_cannot_hold() {
    let mut f = RootFile::new();
    let err = f.add("h", &every_axis()).unwrap_err();
    assert!(matches!(err, Error::Unwritable { .. }));
    let cat = Histogram::new(
        vec![Axis::int_category([1]).unwrap().with_name("c")],
        Storage::Weight,
    )
    .unwrap();
    assert!(f
        .add("c", &cat)
        .unwrap_err()
        .to_string()
        .contains("category"));
    f.add("d/h", &crate::h1("h")).unwrap();
    assert!(f.add("d/h", &crate::h1("h")).is_err(), "duplicate path");
    assert!(f.add("d", &crate::h1("h")).is_err(), "a directory name");
    assert!(f.add("d//x", &crate::h1("h")).is_err());
    let bytes = f.to_bytes("t.root").unwrap();
    assert_eq!(&bytes[..4], b"root");
}
