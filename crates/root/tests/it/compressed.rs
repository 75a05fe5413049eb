//! Files written by `tests/data/make_compressed.py` (uproot) with each compression must read
//! back identical to the uncompressed copy, including a basket split into several blocks.

use std::collections::BTreeSet;

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::Array;

use crate::common::{concat, data};
use cf_root::{LeafType, RootFile, Tree};

fn events(name: &str) -> Tree {
    let path = data(&format!("compressed/{name}.root"));
    RootFile::open(&path)
        .and_then(|f| f.tree("Events"))
        .unwrap_or_else(|e| panic!("{e} (regenerate with python3 tests/data/make_compressed.py)"))
}

fn names(tree: &Tree) -> Vec<&str> {
    tree.branches().iter().map(|b| b.name()).collect()
}

#[test]
fn uncompressed_reference_covers_every_numeric_type() {
    let tree = events("none");
    let types: BTreeSet<String> = tree.branches().iter().map(|b| b.type_name()).collect();
    for t in [
        "bool",
        "bool[]",
        "int8_t",
        "int8_t[]",
        "uint8_t",
        "uint8_t[]",
        "int16_t[]",
        "uint16_t[]",
        "int32_t",
        "int32_t[]",
        "uint32_t",
        "int64_t",
        "int64_t[]",
        "uint64_t",
        "float",
        "float[]",
        "double",
        "double[]",
    ] {
        assert!(types.contains(t), "none.root lacks a {t} branch: {types:?}");
    }
    assert_eq!(tree.num_entries(), 600);
    assert_eq!(tree.branch("Jet_pt").unwrap().counter(), Some("nJet"));
}

#[test]
fn every_compression_reads_back_identical() {
    let reference = events("none");
    let names = names(&reference);
    let expected = reference.read(&names, 0..reference.num_entries()).unwrap();
    for name in ["zlib", "lzma", "lz4", "zstd"] {
        let tree = events(name);
        assert_eq!(self::names(&tree), names, "{name}: branches");
        let got = tree.read(&names, 0..tree.num_entries()).unwrap();
        for ((b, e), g) in names.iter().zip(&expected).zip(&got) {
            assert_eq!(e, g, "{name}.root: branch {b} differs from none.root");
        }
        // Chunks of 37 cross the 75-entry basket boundaries at varying places.
        let mut parts = vec![Vec::new(); names.len()];
        for chunk in tree.chunks(&names, 37).unwrap() {
            for (p, a) in parts.iter_mut().zip(chunk.unwrap().arrays) {
                p.push(a);
            }
        }
        for ((b, e), p) in names.iter().zip(&expected).zip(&parts) {
            assert_eq!(e, &concat(p), "{name}.root: chunked {b} differs");
        }
    }
}

#[test]
fn basket_of_several_compression_blocks() {
    for name in ["zlib", "lzma", "lz4", "zstd"] {
        let file = RootFile::open(data(&format!("compressed/{name}.root"))).unwrap();
        let tree = file.tree("Blocks").unwrap();
        assert_eq!(tree.branch("x").unwrap().leaf_type(), LeafType::F32);
        let n = tree.num_entries();
        assert_eq!(n, 4_200_000, "{name}");
        // The end of the basket lies in the second compression block (past 2^24 - 1 bytes).
        let tail = tree.read(&["x"], n - 1000..n).unwrap();
        let tail = tail[0].as_primitive::<Float32Type>();
        for (i, v) in tail.values().iter().enumerate() {
            assert_eq!(
                *v,
                ((n - 1000 + i as u64) / 65536) as f32,
                "{name}: entry {}",
                n - 1000 + i as u64
            );
        }
        let all = tree.read(&["x"], 0..n).unwrap();
        let all = all[0].as_primitive::<Float32Type>();
        assert_eq!(all.len() as u64, n);
        assert!(
            all.values()
                .iter()
                .enumerate()
                .all(|(i, v)| *v == (i / 65536) as f32),
            "{name}"
        );
        assert_eq!(all.null_count(), 0);
    }
}

#[test]
fn damaged_lz4_block_fails_its_checksum() {
    let bytes = std::fs::read(data("compressed/lz4.root")).unwrap();
    // Compressed blocks start with the tag "L4", a method byte (1 here) and two 3-byte
    // little-endian sizes; damage the body of a sizeable one in the middle of the file (a
    // basket), past its 9-byte header and 8-byte checksum.
    let size = |at: usize| {
        bytes[at] as usize | (bytes[at + 1] as usize) << 8 | (bytes[at + 2] as usize) << 16
    };
    let tags: Vec<usize> = (0..bytes.len() - 9)
        .filter(|&i| {
            &bytes[i..i + 3] == b"L4\x01" && size(i + 3) > 100 && i + 9 + size(i + 3) <= bytes.len()
        })
        .collect();
    let at = tags[tags.len() / 2] + 9 + 8 + 20;
    let mut damaged = bytes.clone();
    damaged[at] ^= 0x5A;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.root");
    std::fs::write(&path, &damaged).unwrap();
    let file = RootFile::open(&path).unwrap();
    let result = file.tree("Events").and_then(|t| {
        let names: Vec<&str> = t.branches().iter().map(|b| b.name()).collect();
        t.read(&names, 0..t.num_entries())
    });
    match result {
        Err(e @ cf_root::Error::Decompress { .. }) => {
            assert!(e.to_string().contains("checksum"), "{e}")
        }
        other => panic!("expected a checksum error, got {other:?}"),
    }
}
