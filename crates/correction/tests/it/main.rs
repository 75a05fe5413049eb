//! Integration tests of cf-correction against the reference correctionlib.

mod columns;
mod errors;
mod interop;
mod summary;
mod vectors;

use std::path::PathBuf;

use cf_correction::Value;

/// The shared real test data (`tests/data` at the workspace root).
pub fn data_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data"))
}

/// Reads a JSON file, gzip-compressed or not.
pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap();
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let size = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().unwrap()) as usize;
        let mut out = vec![0u8; size];
        let n = libdeflater::Decompressor::new()
            .gzip_decompress(&bytes, &mut out)
            .unwrap();
        out.truncate(n);
        out
    } else {
        bytes
    };
    serde_json::from_slice(&text).unwrap()
}

/// A JSON input as the reference's Python binding types it: str, int or float.
pub fn value(json: &serde_json::Value) -> Value<'_> {
    match json {
        serde_json::Value::String(s) => Value::Str(s),
        serde_json::Value::Number(n) if n.is_i64() => Value::Int(n.as_i64().unwrap()),
        serde_json::Value::Number(n) => Value::Real(n.as_f64().unwrap()),
        other => panic!("unexpected input {other}"),
    }
}

/// Relative 1e-12, absolute 1e-15 near zero; NaN equals NaN.
pub fn close(got: f64, want: f64) -> bool {
    if got.is_nan() || want.is_nan() {
        return got.is_nan() && want.is_nan();
    }
    got == want || (got - want).abs() <= 1e-12 * want.abs() || (got - want).abs() <= 1e-15
}

#[test]
fn a_shared_set_is_loaded_once_until_the_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pu.json");
    std::fs::copy(
        data_dir().join("corrections/LUM_2018_UL_puWeights.json"),
        &path,
    )
    .unwrap();
    let first = cf_correction::CorrectionSet::shared(&path).unwrap();
    let again = cf_correction::CorrectionSet::shared(&path).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again));

    // Another file in its place (other length): loaded anew.
    std::fs::copy(
        data_dir().join("corrections/MUO_2018_UL_muon_Z.json"),
        &path,
    )
    .unwrap();
    let changed = cf_correction::CorrectionSet::shared(&path).unwrap();
    assert!(!std::sync::Arc::ptr_eq(&first, &changed));
    assert_ne!(first.corrections().count(), changed.corrections().count());
    assert!(cf_correction::CorrectionSet::shared(dir.path().join("missing.json")).is_err());
}
