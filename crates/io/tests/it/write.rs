use cf_io::{Error, EventFile, EventWriter, LAYOUT_KEY};
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::{data, jagged_f32, python_readback, read_all};

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
    let seen = python_readback(&out, "Jet", "pt");
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

/// Events with every column shape cf writes by its own page writer: numbers of every type
/// (one nullable, with nulls), a struct, a list of numbers and a collection with empty lists.
fn every_shape(n: usize) -> cf_columns::Events {
    use arrow_array::builder::{Float32Builder, ListBuilder};
    use arrow_array::*;
    use std::sync::Arc;

    let mut events = cf_columns::Events::with_num_events(n);
    let mut set = |route: &str, array: ArrayRef| {
        events
            .set_column(&cf_columns::Route::parse(route).unwrap(), array)
            .unwrap();
    };
    let i = |k: usize| k as i64 * 7919 % 1000 - 500;
    set(
        "flag",
        Arc::new(BooleanArray::from_iter((0..n).map(|k| Some(k % 3 == 0)))),
    );
    set(
        "i8",
        Arc::new(Int8Array::from_iter_values((0..n).map(|k| i(k) as i8))),
    );
    set(
        "i16",
        Arc::new(Int16Array::from_iter_values((0..n).map(|k| i(k) as i16))),
    );
    set(
        "i32",
        Arc::new(Int32Array::from_iter_values((0..n).map(|k| i(k) as i32))),
    );
    set("i64", Arc::new(Int64Array::from_iter_values((0..n).map(i))));
    set(
        "u8",
        Arc::new(UInt8Array::from_iter_values((0..n).map(|k| k as u8))),
    );
    set(
        "u16",
        Arc::new(UInt16Array::from_iter_values(
            (0..n).map(|k| (k as u16).wrapping_mul(300)),
        )),
    );
    set(
        "u32",
        Arc::new(UInt32Array::from_iter_values(
            (0..n).map(|k| k as u32 * 70_000),
        )),
    );
    set(
        "u64",
        Arc::new(UInt64Array::from_iter_values(
            (0..n).map(|k| u64::MAX - k as u64),
        )),
    );
    set(
        "f64",
        Arc::new(Float64Array::from_iter_values(
            (0..n).map(|k| k as f64 / 3.0),
        )),
    );
    set(
        "maybe",
        Arc::new(Float32Array::from_iter(
            (0..n).map(|k| (k % 4 != 1).then_some(k as f32)),
        )),
    );
    set(
        "maybe_id",
        Arc::new(Int64Array::from_iter(
            (0..n).map(|k| (k % 3 != 2).then_some(i(k) * 7)),
        )),
    );
    set(
        "MET.pt",
        Arc::new(Float32Array::from_iter_values(
            (0..n).map(|k| k as f32 * 0.5),
        )),
    );
    set(
        "MET.phi",
        Arc::new(Float64Array::from_iter_values((0..n).map(|k| -(k as f64)))),
    );
    let mut weights = ListBuilder::new(Float32Builder::new()).with_field(Arc::new(
        arrow_schema::Field::new("item", arrow_schema::DataType::Float32, false),
    ));
    for k in 0..n {
        weights.values().append_slice(&vec![k as f32; k % 3]);
        weights.append(true);
    }
    set("weights", Arc::new(weights.finish()));
    // Jets: k % 4 per event, so a quarter of the events have none.
    let lengths = (0..n).map(|k| k % 4);
    let offsets = arrow_buffer::OffsetBuffer::from_lengths(lengths);
    let jets = offsets[offsets.len() - 1] as usize;
    for (field, scale) in [("pt", 1.5f32), ("eta", -0.1)] {
        let values = Float32Array::from_iter_values((0..jets).map(|j| j as f32 * scale));
        let item = Arc::new(arrow_schema::Field::new(
            "item",
            arrow_schema::DataType::Float32,
            false,
        ));
        let list = ListArray::new(item, offsets.clone(), Arc::new(values), None);
        set(&format!("Jet.{field}"), Arc::new(list));
    }
    let ids = Int32Array::from_iter_values((0..jets as i32).map(|j| j % 5));
    let item = Arc::new(arrow_schema::Field::new(
        "item",
        arrow_schema::DataType::Int32,
        false,
    ));
    set(
        "Jet.id",
        Arc::new(ListArray::new(item, offsets, Arc::new(ids), None)),
    );
    events
}

#[test]
fn every_column_shape_reads_back_equal_in_arrow_rs_and_cf() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shapes.parquet");
    let events = every_shape(1000);
    // Sliced batches (non-zero offsets everywhere) across row groups of 300 events.
    let mut writer = EventWriter::try_new(&out).unwrap().with_row_group_size(300);
    for (start, len) in [(0, 1), (1, 399), (400, 250), (650, 350)] {
        writer
            .write(&cf_columns::Events::new(events.batch().slice(start, len)))
            .unwrap();
    }
    assert_eq!(writer.finish().unwrap(), 1000);

    let file = std::fs::File::open(&out).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    assert_eq!(reader.metadata().num_row_groups(), 4);
    // cf's page writer (not arrow-rs's, which writes chunk statistics) wrote every column.
    let first = reader.metadata().row_group(0);
    assert!(first.columns().iter().all(|c| c.statistics().is_none()));
    // Chunks that LZ4 shrinks are compressed, the others stored as they are; both read back.
    let codecs: Vec<_> = first.columns().iter().map(|c| c.compression()).collect();
    assert!(
        codecs.contains(&parquet::basic::Compression::LZ4_RAW),
        "{codecs:?}"
    );
    assert!(
        codecs.contains(&parquet::basic::Compression::UNCOMPRESSED),
        "{codecs:?}"
    );
    // Integers are bit-packed deltas, floats and booleans PLAIN (either LZ4-compressed where
    // that pays).
    let schema = reader.metadata().file_metadata().schema_descr();
    for (i, chunk) in first.columns().iter().enumerate() {
        let integer = matches!(
            schema.column(i).physical_type(),
            parquet::basic::Type::INT32 | parquet::basic::Type::INT64
        );
        let delta = chunk
            .encodings()
            .any(|e| e == parquet::basic::Encoding::DELTA_BINARY_PACKED);
        assert_eq!(delta, integer, "{}", chunk.column_path());
    }
    let batches: Vec<_> = reader.build().unwrap().map(Result::unwrap).collect();
    let back = arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap();
    assert_eq!(back, *events.batch(), "arrow-rs reads what was written");

    let seen = python_readback(&out, "Jet", "pt");
    assert_eq!(seen["awkward_type"], "1000 * var * float32");
    let values: Vec<Vec<f32>> = serde_json::from_value(seen["values"].clone()).unwrap();
    assert_eq!(values, jagged_f32(std::slice::from_ref(&events), "Jet.pt"));
    let seen = python_readback(&out, "Jet", "id");
    assert_eq!(seen["awkward_type"], "1000 * var * int32");
    let ids: Vec<Vec<i32>> = serde_json::from_value(seen["values"].clone()).unwrap();
    let jet_ids = events
        .column(&cf_columns::Route::parse("Jet.id").unwrap())
        .unwrap();
    let jet_ids = jet_ids
        .as_any()
        .downcast_ref::<arrow_array::ListArray>()
        .unwrap();
    let expected: Vec<Vec<i32>> = jet_ids
        .iter()
        .map(|l| {
            let l = l.unwrap();
            let l = l
                .as_any()
                .downcast_ref::<arrow_array::Int32Array>()
                .unwrap();
            l.values().to_vec()
        })
        .collect();
    assert_eq!(
        ids, expected,
        "pyarrow and awkward read the delta-packed ids"
    );

    let file = EventFile::open(&out).unwrap();
    let all: cf_columns::ColumnSet = file.columns().iter().map(|c| c.route.clone()).collect();
    let parts: Vec<_> = file
        .read(&all, 128)
        .unwrap()
        .map(|b| b.unwrap().into_batch())
        .collect();
    let ours = arrow_select::concat::concat_batches(&parts[0].schema(), &parts).unwrap();
    for field in events.batch().schema().fields() {
        assert_eq!(
            ours.column_by_name(field.name()).unwrap().as_ref(),
            events
                .batch()
                .column_by_name(field.name())
                .unwrap()
                .as_ref(),
            "cf reads {} back",
            field.name()
        );
    }
}

#[test]
fn batches_handed_over_in_the_writing_process_equal_those_decoded_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("written.parquet");
    let events = every_shape(1000);
    let mut writer = EventWriter::try_new(&written).unwrap();
    for start in (0..1000).step_by(128) {
        let part = events.batch().slice(start, 128.min(1000 - start));
        writer.write(&cf_columns::Events::new(part)).unwrap();
    }
    writer.finish().unwrap();
    // A copy is another file: this process never wrote it, so it is decoded.
    let copy = dir.path().join("copy.parquet");
    std::fs::copy(&written, &copy).unwrap();

    for columns in [
        &["flag", "maybe", "MET.pt", "weights", "Jet.{pt,id}"][..],
        &["Jet.eta", "u64"],
    ] {
        for batch_size in [128, 100] {
            let read = |path: &std::path::Path| -> Vec<_> {
                read_all(&EventFile::open(path).unwrap(), columns, batch_size)
                    .into_iter()
                    .map(|e| e.into_batch())
                    .collect()
            };
            let (handed, decoded) = (read(&written), read(&copy));
            assert_eq!(handed, decoded, "{columns:?} in batches of {batch_size}");
            // In the batch size it was written in, the file is not decoded at all: the values
            // are the writer's own buffers.
            let values = |batch: &arrow_array::RecordBatch| {
                batch
                    .column_by_name("u64")
                    .map(|c| c.to_data().buffers()[0].as_ptr())
            };
            if columns.contains(&"u64") {
                let shared = values(&handed[0]) == values(events.batch());
                assert_eq!(shared, batch_size == 128, "batches of {batch_size}");
                assert_ne!(values(&decoded[0]), values(events.batch()));
            }
        }
    }
}
