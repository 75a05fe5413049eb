//! The process-wide cache of decoded branches: a second read gives the same arrays, and a file
//! rewritten at the same path is read anew, never from the arrays of its old content.

use cf_root::RootFile;

use crate::common::data;

#[test]
fn a_rewritten_file_is_never_served_from_the_old_files_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.root");
    let read = |path: &std::path::Path| {
        let tree = RootFile::open(path).unwrap().tree("Events").unwrap();
        let n = tree.num_entries().min(50);
        tree.read(&["Jet_pt", "Muon_pt"], 0..n).unwrap()
    };

    std::fs::copy(data("nanoaod/nano_dy.root"), &path).unwrap();
    let first = read(&path);
    // Read again: the arrays come from the cache now, and must be the same.
    assert_eq!(read(&path), first);

    // Same path, other content (written in place, so possibly the same inode).
    std::fs::write(
        &path,
        std::fs::read(data("nanoaod/nano_tt_v12.root")).unwrap(),
    )
    .unwrap();
    let rewritten = read(&path);
    assert_eq!(rewritten, read(&data("nanoaod/nano_tt_v12.root")));
    assert_ne!(rewritten, first);
}
