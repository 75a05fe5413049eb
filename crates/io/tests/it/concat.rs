use cf_io::{concat_files, EventFile, EventWriter};

use crate::{data, jagged_f32, python_readback, read_all};

/// Writes events `range` of nano_dy.root's `columns` to `out` in row groups of 7 events.
fn write_part(columns: &[&str], range: std::ops::Range<usize>, out: &std::path::Path) {
    let input = EventFile::open(data("nano_dy.root")).unwrap();
    let mut writer = EventWriter::try_new(out).unwrap().with_row_group_size(7);
    for events in read_all(&input, columns, 40) {
        let part = cf_columns::Events::new(events.batch().slice(range.start, range.len()));
        writer.write(&part).unwrap();
    }
    writer.finish().unwrap();
}

#[test]
fn concatenated_files_hold_every_event_in_order_for_cf_and_pyarrow() {
    let dir = tempfile::tempdir().unwrap();
    let columns = ["Jet.{pt,eta}", "MET.pt", "event"];
    let parts: Vec<_> = [(0, 15), (15, 15), (30, 10)]
        .iter()
        .enumerate()
        .map(|(i, &(start, len))| {
            let path = dir.path().join(format!("part{i}.parquet"));
            write_part(&columns, start..start + len, &path);
            path
        })
        .collect();
    // An empty part has the same schema and adds no row group.
    let empty = dir.path().join("empty.parquet");
    write_part(&columns, 0..0, &empty);
    let inputs = [parts[0].clone(), empty, parts[1].clone(), parts[2].clone()];
    let out = dir.path().join("merged/events.parquet");

    assert_eq!(concat_files(&inputs, &out).unwrap(), Some(40));

    let whole = EventFile::open(data("nano_dy.root")).unwrap();
    let expected = jagged_f32(&read_all(&whole, &["Jet.pt"], 40), "Jet.pt");
    let merged = EventFile::open(&out).unwrap();
    assert_eq!(merged.num_events(), 40);
    assert_eq!(
        jagged_f32(&read_all(&merged, &["Jet.pt"], 9), "Jet.pt"),
        expected
    );

    let seen = python_readback(&out, "Jet", "pt");
    assert_eq!(seen["pyarrow_num_rows"], 40);
    let values: Vec<Vec<f32>> = serde_json::from_value(seen["values"].clone()).unwrap();
    assert_eq!(values, expected);
}

#[test]
fn files_of_different_columns_or_formats_are_left_to_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.parquet");
    let b = dir.path().join("b.parquet");
    write_part(&["Jet.pt", "event"], 0..10, &a);
    write_part(&["Jet.eta", "event"], 10..20, &b);
    let out = dir.path().join("out.parquet");

    assert_eq!(concat_files(&[a.clone(), b], &out).unwrap(), None);
    assert_eq!(
        concat_files(&[a, data("nano_dy.root")], &out).unwrap(),
        None
    );
    assert_eq!(concat_files(&[], &out).unwrap(), None);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 2, "nothing written, no temporary file left");
}
