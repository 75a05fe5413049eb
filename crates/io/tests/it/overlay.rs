use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::{ArrayRef, Float32Array, ListArray};
use cf_columns::{ColumnSet, Events};
use cf_io::{Error, EventFile, EventWriter, Overlay};

use crate::{data, jagged_f32, read_all, route};

fn jagged(values: &[Vec<f32>]) -> ArrayRef {
    Arc::new(ListArray::from_iter_primitive::<Float32Type, _, _>(
        values.iter().map(|v| Some(v.iter().copied().map(Some))),
    ))
}

/// Writes a column file computed from the base events, batch by batch.
fn write_layer(
    path: &std::path::Path,
    base: &[Events],
    make: impl Fn(&Events) -> Vec<(&'static str, ArrayRef)>,
) {
    let mut writer = EventWriter::try_new(path).unwrap();
    for events in base {
        let mut layer = Events::with_num_events(events.num_events());
        for (name, column) in make(events) {
            layer.set_column(&route(name), column).unwrap();
        }
        writer.write(&layer).unwrap();
    }
    writer.finish().unwrap();
}

fn doubled(events: &Events) -> ArrayRef {
    let pt = jagged_f32(std::slice::from_ref(events), "Jet.pt");
    let doubled: Vec<Vec<f32>> = pt
        .iter()
        .map(|v| v.iter().map(|x| 2.0 * x).collect())
        .collect();
    jagged(&doubled)
}

fn ht(events: &Events) -> ArrayRef {
    let pt = jagged_f32(std::slice::from_ref(events), "Jet.pt");
    Arc::new(Float32Array::from_iter_values(
        pt.iter().map(|v| v.iter().sum::<f32>()),
    ))
}

#[test]
fn layers_add_fields_and_columns_to_the_base_events() {
    let dir = tempfile::tempdir().unwrap();
    let base_path = data("nano_dy.root");
    let base = read_all(&EventFile::open(&base_path).unwrap(), &["Jet.pt"], 16);
    let layer = dir.path().join("features.parquet");
    write_layer(&layer, &base, |e| {
        vec![("Jet.pt2", doubled(e)), ("ht", ht(e))]
    });

    let overlay = Overlay::try_new(
        EventFile::open(&base_path).unwrap(),
        vec![EventFile::open(&layer).unwrap()],
    )
    .unwrap();
    let columns = ColumnSet::parse(["Jet.{pt,pt2,eta}", "ht"]).unwrap();
    let merged: Vec<Events> = overlay
        .read(&columns, 16)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let pt = jagged_f32(&merged, "Jet.pt");
    let pt2 = jagged_f32(&merged, "Jet.pt2");
    assert_eq!(pt.len(), 40);
    for (a, b) in pt.iter().zip(&pt2) {
        assert_eq!(a.iter().map(|x| 2.0 * x).collect::<Vec<_>>(), *b);
    }
    let ht: Vec<f32> = merged
        .iter()
        .flat_map(|e| {
            e.column(&route("ht"))
                .unwrap()
                .as_primitive::<Float32Type>()
                .values()
                .to_vec()
        })
        .collect();
    assert_eq!(ht[3], pt[3].iter().sum::<f32>());
    assert_eq!(jagged_f32(&merged, "Jet.eta").len(), 40);
}

#[test]
fn a_later_source_replaces_a_column_and_strict_mode_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let base_path = data("nano_dy.root");
    let base = read_all(&EventFile::open(&base_path).unwrap(), &["Jet.pt"], 16);
    let layer = dir.path().join("calibrated.parquet");
    write_layer(&layer, &base, |e| vec![("Jet.pt", doubled(e))]);
    let open = || {
        Overlay::try_new(
            EventFile::open(&base_path).unwrap(),
            vec![EventFile::open(&layer).unwrap()],
        )
        .unwrap()
    };
    let columns = ColumnSet::parse(["Jet.pt"]).unwrap();
    let merged: Vec<Events> = open()
        .read(&columns, 16)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let original = jagged_f32(&base, "Jet.pt");
    let replaced = jagged_f32(&merged, "Jet.pt");
    assert_eq!(
        replaced[0],
        original[0].iter().map(|x| 2.0 * x).collect::<Vec<_>>()
    );

    let err = open().with_strict(true).read(&columns, 16).err().unwrap();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("calibrated.parquet"));
}

#[test]
fn misaligned_layers_are_refused_naming_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let base_path = data("nano_dy.root");
    let base = read_all(&EventFile::open(&base_path).unwrap(), &["Jet.pt"], 16);

    let short = dir.path().join("short.parquet");
    write_layer(&short, &base[..1], |e| vec![("ht", ht(e))]);
    let err = Overlay::try_new(
        EventFile::open(&base_path).unwrap(),
        vec![EventFile::open(&short).unwrap()],
    )
    .unwrap_err();
    assert!(matches!(
        err,
        Error::RowCountMismatch {
            base_events: 40,
            overlay_events: 16,
            ..
        }
    ));
    let message = err.to_string();
    assert!(
        message.contains("short.parquet") && message.contains("nano_dy.root"),
        "{message}"
    );

    let shifted = dir.path().join("shifted.parquet");
    write_layer(&shifted, &base, |e| {
        let mut pt = jagged_f32(std::slice::from_ref(e), "Jet.pt");
        pt.rotate_left(1);
        vec![("Jet.pt_rotated", jagged(&pt))]
    });
    let overlay = Overlay::try_new(
        EventFile::open(&base_path).unwrap(),
        vec![EventFile::open(&shifted).unwrap()],
    )
    .unwrap();
    let result: Result<Vec<Events>, _> = overlay
        .read(&ColumnSet::parse(["Jet.pt", "Jet.pt_rotated"]).unwrap(), 16)
        .unwrap()
        .collect();
    let err = result.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Columns {
                source: cf_columns::Error::OffsetsMismatch { .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("shifted.parquet"));

    let err = overlay
        .read(&ColumnSet::parse(["Jet.nothing"]).unwrap(), 16)
        .err()
        .unwrap();
    assert!(matches!(err, Error::MissingColumn { .. }));
}
