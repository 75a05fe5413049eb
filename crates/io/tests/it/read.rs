use std::io::Write;

use arrow_array::Array;

use cf_columns::ColumnSet;
use cf_io::{Error, EventFile, Format};

use crate::{data, jagged_f32, read_all, route};

#[test]
fn root_and_flat_parquet_give_the_same_events() {
    let root = EventFile::open(data("nano_dy.root")).unwrap();
    let parquet = EventFile::open(data("nano_dy.parquet")).unwrap();
    assert_eq!(root.format(), Format::Root);
    assert_eq!(parquet.format(), Format::Parquet);
    assert_eq!(root.num_events(), 40);
    assert_eq!(parquet.num_events(), 40);
    let columns = ["Jet.{pt,eta}", "Muon.pt", "MET.pt", "event"];
    let a = read_all(&root, &columns, 100);
    let b = read_all(&parquet, &columns, 100);
    for field in ["Jet.pt", "Jet.eta", "Muon.pt"] {
        let values = jagged_f32(&a, field);
        assert_eq!(values, jagged_f32(&b, field), "{field}");
        assert!(
            values.iter().map(Vec::len).sum::<usize>() > 0,
            "{field} should have objects"
        );
    }
    assert_eq!(
        a[0].column(&route("MET.pt")).unwrap().as_ref(),
        b[0].column(&route("MET.pt")).unwrap().as_ref()
    );
    let names: Vec<String> = a[0].routes().iter().map(|r| r.to_string()).collect();
    assert_eq!(
        names.len(),
        5,
        "only the requested columns are decoded: {names:?}"
    );
}

#[test]
fn counters_are_not_columns_and_per_branch_counters_line_up() {
    let file = EventFile::open(data("nano_tt_v12.root")).unwrap();
    assert!(!file.offers(&route("nMuon_pt")));
    assert!(!file.offers(&route("nJet")));
    let batches = read_all(&file, &["Muon"], 64);
    let pt = jagged_f32(&batches, "Muon.pt");
    let eta = jagged_f32(&batches, "Muon.eta");
    assert_eq!(pt.len(), 200);
    let lengths = |v: &Vec<Vec<f32>>| v.iter().map(Vec::len).collect::<Vec<_>>();
    assert_eq!(lengths(&pt), lengths(&eta));
    assert!(
        batches[0].routes().len() > 20,
        "the whole Muon collection is read"
    );
}

#[test]
fn batch_size_does_not_change_the_events() {
    let file = EventFile::open(data("nanoAOD_2015_CMS_Open_Data_ttbar.root")).unwrap();
    let whole = jagged_f32(&read_all(&file, &["Jet.pt"], 1000), "Jet.pt");
    let pieces = read_all(&file, &["Jet.pt"], 7);
    assert_eq!(pieces.len(), 200usize.div_ceil(7));
    assert_eq!(jagged_f32(&pieces, "Jet.pt"), whole);
    // The first event of this file must not hold every jet of the file.
    assert!(whole[0].len() < 20, "event 0 has {} jets", whole[0].len());
}

#[test]
fn indexed_routes_read_their_column() {
    let file = EventFile::open(data("nano_dy.root")).unwrap();
    let batches = read_all(&file, &["Jet.pt[:,0]"], 100);
    let first = batches[0].column(&route("Jet.pt[:,0]")).unwrap();
    let all = jagged_f32(&batches, "Jet.pt");
    let first = first
        .as_any()
        .downcast_ref::<arrow_array::Float32Array>()
        .unwrap();
    for (event, jets) in all.iter().enumerate() {
        assert_eq!(first.is_valid(event), !jets.is_empty());
        if let Some(&pt) = jets.first() {
            assert_eq!(first.value(event), pt);
        }
    }
}

#[test]
fn the_empty_file_gives_empty_columns() {
    let file = EventFile::open(data("nano_dy_empty.root")).unwrap();
    assert_eq!(file.num_events(), 0);
    let batches = read_all(&file, &["Jet.pt", "event"], 100);
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].num_events(), 0);
    assert_eq!(jagged_f32(&batches, "Jet.pt"), Vec::<Vec<f32>>::new());
}

#[test]
fn bad_input_gives_typed_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();

    let missing = dir.path().join("missing.root");
    let err = EventFile::open(&missing).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("missing.root"));

    let err = EventFile::open(data("nano_dy_malformed.parquet")).unwrap_err();
    assert!(
        matches!(err, Error::Parquet { .. } | Error::UnknownFormat { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("nano_dy_malformed.parquet"),
        "{err}"
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not events").unwrap();
    assert!(matches!(
        EventFile::open(&text).unwrap_err(),
        Error::UnknownFormat { .. }
    ));

    let file = EventFile::open(data("nano_dy.root")).unwrap();
    let err = file
        .read(&ColumnSet::parse(["Jet.ptt"]).unwrap(), 10)
        .err()
        .expect("Jet.ptt is not a column");
    assert!(matches!(err, Error::MissingColumn { .. }), "{err}");
    assert!(err.to_string().contains("Jet.ptt") && err.to_string().contains("nano_dy.root"));

    let whole = std::fs::read(data("nano_dy.root")).unwrap();
    for cut in [100, whole.len() / 3, whole.len() - 200] {
        let truncated = dir.path().join(format!("cut_{cut}.root"));
        std::fs::File::create(&truncated)
            .unwrap()
            .write_all(&whole[..cut])
            .unwrap();
        let result = EventFile::open(&truncated).and_then(|f| {
            f.read(&ColumnSet::parse(["Jet", "event"]).unwrap(), 100)?
                .collect::<Result<Vec<_>, _>>()
        });
        let err = result.expect_err("a truncated file must not read as complete");
        assert!(matches!(err, Error::Root(_)), "{err}");
        assert!(
            err.to_string().contains(&format!("cut_{cut}.root")),
            "{err}"
        );
    }
}
