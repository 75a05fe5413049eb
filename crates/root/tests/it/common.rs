//! Helpers shared by the test modules.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;

/// The repository's test data folder.
pub fn data(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data")).join(rel)
}

/// The names of the branches of `tree` that cf-root reads (those with an Arrow type).
pub fn supported_branches(tree: &cf_root::Tree) -> Vec<&str> {
    tree.branches()
        .iter()
        .filter(|b| b.arrow_type().is_some())
        .map(|b| b.name())
        .collect()
}

/// The values of an array (the flattened values of a list array) as f64.
pub fn flat_f64(a: &dyn Array) -> Vec<f64> {
    macro_rules! prim {
        ($t:ty) => {
            a.as_primitive::<$t>()
                .values()
                .iter()
                .map(|&v| v as f64)
                .collect()
        };
    }
    match a.data_type() {
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let start = l.value_offsets()[0] as usize;
            let end = l.value_offsets()[l.len()] as usize;
            flat_f64(l.values().slice(start, end - start).as_ref())
        }
        DataType::Boolean => a
            .as_boolean()
            .iter()
            .map(|v| v.map_or(f64::NAN, |b| b as u8 as f64))
            .collect(),
        DataType::Int8 => prim!(Int8Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float32 => prim!(Float32Type),
        DataType::Float64 => prim!(Float64Type),
        other => panic!("unexpected type {other}"),
    }
}

/// Concatenates chunk arrays of one column.
pub fn concat(parts: &[ArrayRef]) -> ArrayRef {
    let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
    arrow_select::concat::concat(&refs).expect("concatenating chunks")
}
