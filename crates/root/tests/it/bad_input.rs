//! Bad input gives a typed error naming the file and the item, never a panic.

use std::path::Path;

use cf_root::{Error, RootFile};

use crate::common::{data, supported_branches};

/// Opens `path` and reads every supported branch of its `Events` tree.
fn read_everything(path: &Path) -> Result<usize, Error> {
    let file = RootFile::open(path)?;
    let tree = file.tree("Events")?;
    let names = supported_branches(&tree);
    Ok(tree.read(&names, 0..tree.num_entries())?.len())
}

fn mentions_file(e: &Error, path: &Path) {
    let msg = e.to_string();
    assert!(
        msg.contains(&path.display().to_string()),
        "error does not name the file: {msg}"
    );
}

#[test]
fn missing_file() {
    let path = data("nanoaod/does_not_exist.root");
    let e = RootFile::open(&path).unwrap_err();
    assert!(
        matches!(&e, Error::Io { file, .. } if file == &path),
        "{e:?}"
    );
    mentions_file(&e, &path);
}

#[test]
fn garbage_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.root");
    let bytes: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &bytes).unwrap();
    let e = RootFile::open(&path).unwrap_err();
    assert!(matches!(e, Error::NotRoot { .. }), "{e:?}");
    mentions_file(&e, &path);

    // The right magic followed by garbage.
    let mut fake = b"root".to_vec();
    fake.extend_from_slice(&bytes);
    std::fs::write(&path, &fake).unwrap();
    let e = RootFile::open(&path).unwrap_err();
    assert!(
        matches!(e, Error::Malformed { .. } | Error::Truncated { .. }),
        "{e:?}"
    );
    mentions_file(&e, &path);

    // Empty file.
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(
        RootFile::open(&path).unwrap_err(),
        Error::NotRoot { .. }
    ));
}

#[test]
fn truncated_copies() {
    let source = data("nanoaod/nano_dy.root");
    let bytes = std::fs::read(&source).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.root");
    let len = bytes.len();
    for cut in [
        0,
        3,
        10,
        60,
        300,
        1000,
        len / 4,
        len / 2,
        3 * len / 4,
        len - 1000,
        len - 1,
    ] {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let e = read_everything(&path).expect_err("a truncated file must not read");
        assert!(
            matches!(e, Error::Truncated { .. } | Error::NotRoot { .. }),
            "cut at {cut}: {e:?}"
        );
        mentions_file(&e, &path);
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let source = data("nanoaod/nano_dy.root");
    let bytes = std::fs::read(&source).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.root");
    let mut errors = 0;
    // Overwrite 8 bytes at spread-out places: headers, keys, tree metadata, baskets.
    for k in 0..48 {
        let at = (k * 7919 + k * k * 131) % (bytes.len() - 8);
        for fill in [0x00u8, 0xFF] {
            let mut b = bytes.clone();
            b[at..at + 8].fill(fill);
            std::fs::write(&path, &b).unwrap();
            if let Err(e) = read_everything(&path) {
                mentions_file(&e, &path);
                errors += 1;
            }
        }
    }
    assert!(errors > 0, "no corruption was detected at all");
}

#[test]
fn missing_tree_lists_the_trees() {
    let path = data("nanoaod/nano_dy.root");
    let file = RootFile::open(&path).unwrap();
    let e = file.tree("Evnts").unwrap_err();
    match &e {
        Error::NoSuchTree {
            name, available, ..
        } => {
            assert_eq!(name, "Evnts");
            assert!(
                available.contains(&"Events".to_string())
                    && available.contains(&"Runs".to_string())
            );
        }
        other => panic!("{other:?}"),
    }
    mentions_file(&e, &path);
    assert!(e.to_string().contains("Events"));
}

#[test]
fn missing_branch() {
    let path = data("nanoaod/nano_dy.root");
    let tree = RootFile::open(&path).unwrap().tree("Events").unwrap();
    let e = tree.read(&["Jet_pt", "Jet_ptt"], 0..1).unwrap_err();
    assert!(
        matches!(&e, Error::NoSuchBranch { branch, .. } if branch == "Jet_ptt"),
        "{e:?}"
    );
    mentions_file(&e, &path);
    assert!(tree.chunks(&["Jet_ptt"], 10).is_err());
    assert!(tree.branch("Jet_ptt").is_none());
}

#[test]
fn entry_range_past_the_end() {
    let tree = RootFile::open(data("nanoaod/nano_dy.root"))
        .unwrap()
        .tree("Events")
        .unwrap();
    let n = tree.num_entries();
    assert!(matches!(
        tree.read(&["run"], 0..n + 1),
        Err(Error::EntryRange { .. })
    ));
    assert_eq!(tree.read(&["run", "Jet_pt"], n..n).unwrap()[1].len(), 0);
}

#[test]
fn unsupported_type_is_listed_but_not_read() {
    let path = data("compressed/unsupported.root");
    let tree = RootFile::open(&path).unwrap().tree("Events").unwrap();
    let xyz = tree.branch("xyz").expect("listed");
    assert_eq!(
        xyz.leaf_type(),
        cf_root::LeafType::Unsupported("float[3]".to_string())
    );
    assert!(xyz.arrow_type().is_none());
    let e = tree.read(&["x", "xyz"], 0..tree.num_entries()).unwrap_err();
    assert!(
        matches!(&e, Error::UnsupportedType { branch, type_name, .. } if branch == "xyz" && type_name == "float[3]"),
        "{e:?}"
    );
    mentions_file(&e, &path);
    assert_eq!(tree.read(&["x"], 0..10).unwrap()[0].len(), 10);
}

#[test]
fn empty_tree_gives_empty_arrays() {
    let tree = RootFile::open(data("nanoaod/nano_dy_empty.root"))
        .unwrap()
        .tree("Events")
        .unwrap();
    assert_eq!(tree.num_entries(), 0);
    let arrays = tree.read(&["run", "Jet_pt", "HLT_IsoMu24"], 0..0).unwrap();
    assert!(arrays.iter().all(|a| a.is_empty()));
    assert_eq!(
        arrays[1].data_type(),
        &tree.branch("Jet_pt").unwrap().arrow_type().unwrap()
    );
    assert_eq!(tree.chunks(&["run"], 10).unwrap().count(), 0);
}

#[test]
fn extreme_chunk_sizes() {
    let tree = RootFile::open(data("nanoaod/nano_dy.root"))
        .unwrap()
        .tree("Events")
        .unwrap();
    let n = tree.num_entries();
    let whole: Vec<_> = tree
        .chunks(&["Jet_pt"], u64::MAX)
        .unwrap()
        .map(|c| c.unwrap().range)
        .collect();
    assert_eq!(whole, vec![0..n]);
    // 0 is taken as 1.
    assert_eq!(tree.chunks(&["Jet_pt"], 0).unwrap().count() as u64, n);
}

#[test]
fn an_rntuple_is_named_as_such() {
    let path = data("rntuple.root");
    let e = RootFile::open(&path).unwrap().tree("Events").unwrap_err();
    assert!(
        matches!(&e, Error::NotATree { class, .. } if class.contains("RNTuple")),
        "{e:?}"
    );
    mentions_file(&e, &path);
}
