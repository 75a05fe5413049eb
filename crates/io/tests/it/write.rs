use std::process::Command;

use cf_io::{Error, EventFile, EventWriter, LAYOUT_KEY};
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::{data, jagged_f32, read_all};

fn write_copy(columns: &[&str], out: &std::path::Path, row_group_size: usize) -> Vec<Vec<f32>> {
    let input = EventFile::open(data("nano_dy.root")).unwrap();
    let batches = read_all(&input, columns, 16);
    let mut writer = EventWriter::try_new(out)
        .unwrap()
        .with_row_group_size(row_group_size);
    for events in &batches {
        writer.write(events).unwrap();
    }
    assert_eq!(writer.finish().unwrap(), 40);
    jagged_f32(&batches, "Jet.pt")
}

#[test]
fn written_events_read_back_the_same_in_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sub/events.parquet");
    let pt = write_copy(&["Jet.{pt,eta,phi}", "MET.pt", "event"], &out, 16);

    let reader = SerializedFileReader::new(std::fs::File::open(&out).unwrap()).unwrap();
    assert_eq!(reader.metadata().num_row_groups(), 3);
    let kv = reader
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .unwrap();
    assert!(kv.iter().any(|e| e.key == LAYOUT_KEY));

    let back = EventFile::open(&out).unwrap();
    assert_eq!(back.num_events(), 40);
    assert_eq!(jagged_f32(&read_all(&back, &["Jet.pt"], 10), "Jet.pt"), pt);
    let only_pt = read_all(&back, &["Jet.pt"], 100);
    let names: Vec<String> = only_pt[0].routes().iter().map(|r| r.to_string()).collect();
    assert_eq!(
        names,
        ["Jet.pt"],
        "a leaf projection decodes one field of the collection"
    );
}

#[test]
fn pyarrow_and_awkward_read_the_nested_structure() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("events.parquet");
    let pt = write_copy(&["Jet.{pt,eta}", "MET.pt", "event"], &out, 1000);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/check_readback.py"
    );
    let output = Command::new("python3")
        .args([script, out.to_str().unwrap(), "Jet", "pt"])
        .output()
        .expect("python3 must be installed to check interoperability");
    assert!(
        output.status.success(),
        "python check failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(seen["pyarrow_num_rows"], 40);
    assert_eq!(seen["awkward_type"], "40 * var * float32");
    let fields: Vec<&str> = seen["awkward_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(fields, ["event", "Jet", "MET"]);
    let values: Vec<Vec<f32>> = serde_json::from_value(seen["values"].clone()).unwrap();
    assert_eq!(values, pt);
}

#[test]
fn an_unfinished_write_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("events.parquet");
    let input = EventFile::open(data("nano_dy.root")).unwrap();
    let batches = read_all(&input, &["Jet.pt"], 16);
    {
        let mut writer = EventWriter::try_new(&out).unwrap();
        writer.write(&batches[0]).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "a temp file while writing"
        );
        assert!(!out.exists());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let writer = EventWriter::try_new(&out).unwrap();
    assert!(matches!(writer.finish(), Err(Error::NothingWritten { .. })));
    assert!(!out.exists());
}

#[test]
fn a_batch_with_other_columns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = EventFile::open(data("nano_dy.root")).unwrap();
    let a = read_all(&input, &["Jet.pt"], 100);
    let b = read_all(&input, &["Jet.eta"], 100);
    let mut writer = EventWriter::try_new(dir.path().join("e.parquet")).unwrap();
    writer.write(&a[0]).unwrap();
    let err = writer.write(&b[0]).unwrap_err();
    assert!(
        matches!(err, Error::SchemaChanged { batch: 1, .. }),
        "{err}"
    );
}
