//! Integration tests of cf-io on the real NanoAOD files in tests/data.

mod concat;
mod overlay;
mod read;
mod write;

use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::{Array, ArrayRef};
use cf_columns::{ColumnSet, Events, Route};
use cf_io::EventFile;

pub fn data(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/nanoaod"
    ))
    .join(name)
}

pub fn route(text: &str) -> Route {
    Route::parse(text).unwrap()
}

/// All batches of `columns` from `file`, concatenated per route as nested Vecs of f32.
pub fn read_all(file: &EventFile, columns: &[&str], batch_size: usize) -> Vec<Events> {
    let set = ColumnSet::parse(columns).unwrap();
    file.read(&set, batch_size)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

pub fn jagged_f32(batches: &[Events], text: &str) -> Vec<Vec<f32>> {
    let mut out = Vec::new();
    for events in batches {
        let column: ArrayRef = events.column(&route(text)).unwrap();
        let list = column.as_list::<i32>();
        for i in 0..list.len() {
            out.push(
                list.value(i)
                    .as_primitive::<Float32Type>()
                    .values()
                    .to_vec(),
            );
        }
    }
    out
}

/// What pyarrow and awkward see of `Collection.field` in a Parquet file
/// (tests/python/check_readback.py), as JSON.
pub fn python_readback(path: &std::path::Path, collection: &str, field: &str) -> serde_json::Value {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/check_readback.py"
    );
    let output = std::process::Command::new("python3")
        .args([script, path.to_str().unwrap(), collection, field])
        .output()
        .expect("python3 must be installed to check interoperability");
    assert!(
        output.status.success(),
        "python check failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
