//! Every branch of every reference file must match uproot's statistics, and reading in chunks
//! must give the same arrays as one whole read.

use arrow_array::{Array, ArrayRef};
use serde_json::Value;

use crate::common::{concat, data, flat_f64, supported_branches};
use cf_root::RootFile;

/// Rewrites the bare `NaN` tokens of the reference files (outside strings) as the string
/// `"NaN"`, which serde_json accepts.
fn lenient(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if rest.starts_with("NaN") {
            out.push_str("\"NaN\"");
            rest = &rest[3..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) if s == "NaN" => Some(f64::NAN),
        Value::Null => None,
        v => v.as_f64(),
    }
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// NaN-propagating minimum and maximum, as numpy computes them.
fn min_max(v: &[f64]) -> Option<(f64, f64)> {
    let first = *v.first()?;
    Some(v.iter().fold((first, first), |(lo, hi), &x| {
        if lo.is_nan() || x.is_nan() {
            (f64::NAN, f64::NAN)
        } else {
            (lo.min(x), hi.max(x))
        }
    }))
}

fn check_file(stem: &str) -> usize {
    let reference = data(&format!("nanoaod/reference/{stem}.reference.json"));
    let text = std::fs::read_to_string(&reference).expect("reference file");
    let refj: Value = serde_json::from_str(&lenient(&text)).expect("reference JSON");
    let file = RootFile::open(data(&format!("nanoaod/{stem}.root"))).expect("open");
    let tree = file.tree("Events").expect("tree");
    assert_eq!(
        tree.num_entries(),
        refj["num_entries"].as_u64().unwrap(),
        "{stem}"
    );
    let branches = refj["branches"].as_object().unwrap();
    let names: Vec<&str> = branches.keys().map(|s| s.as_str()).collect();
    let arrays = tree
        .read(&names, 0..tree.num_entries())
        .expect("read all branches");
    let mut failures = Vec::new();
    for ((name, r), array) in branches.iter().zip(&arrays) {
        let b = tree.branch(name).unwrap();
        let values = flat_f64(array.as_ref());
        let mut problems = Vec::new();
        if b.type_name() != r["type"].as_str().unwrap() {
            problems.push(format!("type {} vs {}", b.type_name(), r["type"]));
        }
        if b.is_jagged() != r["jagged"].as_bool().unwrap() {
            problems.push("jaggedness".to_string());
        }
        if array.len() as u64 != r["entries"].as_u64().unwrap() {
            problems.push(format!("entries {} vs {}", array.len(), r["entries"]));
        }
        if values.len() as u64 != r["count"].as_u64().unwrap() {
            problems.push(format!("count {} vs {}", values.len(), r["count"]));
        }
        let sum: f64 = values.iter().sum();
        let rsum = num(&r["sum"]).unwrap();
        let close = same(sum, rsum) || (sum - rsum).abs() <= 1e-9 * rsum.abs().max(sum.abs());
        if !close {
            problems.push(format!("sum {sum} vs {rsum}"));
        }
        let (rmin, rmax) = (num(&r["min"]), num(&r["max"]));
        match (min_max(&values), rmin, rmax) {
            (None, None, None) => {}
            (Some((lo, hi)), Some(rlo), Some(rhi)) if same(lo, rlo) && same(hi, rhi) => {}
            (got, _, _) => problems.push(format!("min/max {got:?} vs {rmin:?}/{rmax:?}")),
        }
        let head: Vec<f64> = r["head"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(num)
            .collect();
        let n = head.len().min(values.len());
        if head.len() != values.len().min(5)
            || !head.iter().zip(&values[..n]).all(|(a, b)| same(*a, *b))
        {
            problems.push(format!(
                "head {:?} vs {head:?}",
                &values[..values.len().min(5)]
            ));
        }
        if !problems.is_empty() {
            failures.push(format!("{stem}:{name}: {}", problems.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} branches differ from uproot:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // The same branches through chunks of an odd size.
    let mut parts: Vec<Vec<_>> = vec![Vec::new(); names.len()];
    let mut next = 0;
    for chunk in tree.chunks(&names, 37).expect("chunks") {
        let chunk = chunk.expect("chunk");
        assert_eq!(chunk.range.start, next, "{stem}: chunks must be contiguous");
        next = chunk.range.end;
        for (p, a) in parts.iter_mut().zip(chunk.arrays) {
            assert_eq!(a.len() as u64, chunk.range.end - chunk.range.start);
            p.push(a);
        }
    }
    assert_eq!(
        next,
        tree.num_entries(),
        "{stem}: chunks must cover the tree"
    );
    if tree.num_entries() > 0 {
        for ((name, p), whole) in names.iter().zip(&parts).zip(&arrays) {
            assert_eq!(
                &concat(p),
                whole,
                "{stem}:{name}: chunked read differs from whole read"
            );
        }
    }
    names.len()
}

#[test]
fn every_branch_matches_uproot() {
    let mut total = 0;
    for stem in [
        "nano_tt_v12",
        "nanoAOD_2015_CMS_Open_Data_ttbar",
        "nano_dy",
        "nano_dimuon",
        "nano_dy_empty",
    ] {
        let n = check_file(stem);
        println!("{stem}: {n} branches match uproot (whole read and chunks of 37)");
        total += n;
    }
    println!("checked {total} branches against the uproot references");
    assert!(
        total > 5000,
        "expected thousands of branches, checked {total}"
    );
}

#[test]
fn embedded_baskets_spread_over_all_events() {
    // oxyroot 0.1.25 returned every Jet_pt of this file in event 0.
    let file = RootFile::open(data("nanoaod/nanoAOD_2015_CMS_Open_Data_ttbar.root")).unwrap();
    let tree = file.tree("Events").unwrap();
    let a = tree
        .read(&["nJet", "Jet_pt"], 0..tree.num_entries())
        .unwrap();
    let counts = flat_f64(a[0].as_ref());
    let jets = arrow_array::cast::AsArray::as_list::<i32>(a[1].as_ref());
    assert!(counts.iter().filter(|&&c| c > 0.0).count() > 100);
    for (i, c) in counts.iter().enumerate() {
        assert_eq!(jets.value_length(i) as f64, *c, "event {i}");
    }
}

#[test]
fn partial_range_reads_slices_of_the_whole() {
    let file = RootFile::open(data("nanoaod/nano_tt_v12.root")).unwrap();
    let tree = file.tree("Events").unwrap();
    let names = ["Muon_pt", "event", "Muon_tightId", "nMuon_pt"];
    let whole = tree.read(&names, 0..tree.num_entries()).unwrap();
    let part = tree.read(&names, 13..150).unwrap();
    for (w, p) in whole.iter().zip(&part) {
        assert_eq!(&w.slice(13, 137), p);
    }
    assert_eq!(tree.branch("Muon_pt").unwrap().counter(), Some("nMuon_pt"));
}

#[test]
fn one_tree_read_from_several_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<RootFile>();
    send_sync::<cf_root::Tree>();
    let file = RootFile::open(data("nanoaod/nano_dimuon.root")).unwrap();
    let tree = file.tree("Events").unwrap();
    let names = ["Muon_pt", "Muon_eta", "nMuon", "run", "HLT_IsoMu24"];
    let whole = tree.read(&names, 0..tree.num_entries()).unwrap();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4u64)
            .map(|k| {
                let tree = &tree;
                s.spawn(move || tree.read(&names, k * 10..k * 10 + 10).unwrap())
            })
            .collect();
        for (k, h) in handles.into_iter().enumerate() {
            for (part, w) in h.join().unwrap().iter().zip(&whole) {
                assert_eq!(part, &w.slice(k * 10, 10));
            }
        }
    });
}

#[test]
fn chunks_consumed_on_every_rayon_worker_do_not_deadlock() {
    use rayon::prelude::*;
    // More files than workers of the global pool: every worker waits for chunks whose
    // decoding needs that same pool.
    let file = RootFile::open(data("nanoaod/nano_dy.root")).unwrap();
    let tree = file.tree("Events").unwrap();
    let files = 4 * rayon::current_num_threads() as u64;
    let seen: u64 = (0..files)
        .into_par_iter()
        .map(|_| {
            let mut n = 0;
            for c in tree.chunks(&["Jet_pt", "run"], 7).unwrap() {
                n += c.unwrap().arrays[0].len() as u64;
            }
            // Dropping an unfinished iterator on a worker must not hang either.
            let mut early = tree.chunks(&["Jet_pt"], 3).unwrap();
            assert!(early.next().is_some());
            n
        })
        .sum();
    assert_eq!(seen, tree.num_entries() * files);
}

#[test]
fn trees_in_subdirectories() {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Float32Type;
    let path = data("compressed/nested.root");
    let file = RootFile::open(&path).unwrap();
    let x = |name: &str| {
        let tree = file.tree(name).unwrap();
        let a = tree.read(&["x"], 0..tree.num_entries()).unwrap();
        a[0].as_primitive::<Float32Type>().values().to_vec()
    };
    let top = x("Events");
    let nested = x("dir/sub/Events");
    assert_eq!(nested, (0..10).map(|i| i as f32).collect::<Vec<_>>());
    assert_eq!(top, nested.iter().map(|v| 2.0 * v).collect::<Vec<_>>());
    assert!(matches!(
        file.tree("dir/Events"),
        Err(cf_root::Error::NoSuchTree { .. })
    ));
    assert!(matches!(
        file.tree("nodir/Events"),
        Err(cf_root::Error::NoSuchTree { .. })
    ));
    assert!(file
        .keys()
        .iter()
        .any(|k| k.name == "dir" && k.class_name == "TDirectory"));
}

/// A chunk's first and end entry and its arrays, or the error's text.
type Outcome = Result<(u64, u64, Vec<ArrayRef>), String>;

/// What `chunks` of every supported branch yields.
fn chunk_outcomes(tree: &cf_root::Tree, size: u64) -> Vec<Outcome> {
    let names = supported_branches(tree);
    tree.chunks(&names, size)
        .unwrap()
        .map(|c| {
            c.map(|c| (c.range.start, c.range.end, c.arrays))
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// A rayon pool of its own, so that work installed in it runs on a rayon worker.
fn two_workers() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
}

#[test]
fn chunks_decoded_on_a_rayon_worker_equal_chunks_decoded_ahead() {
    let file = RootFile::open(data("nanoaod/nano_dy.root")).unwrap();
    let tree = file.tree("Events").unwrap();
    let ahead = chunk_outcomes(&tree, 37);
    let pool = two_workers();
    let inline = pool.install(|| chunk_outcomes(&tree, 37));
    assert!(ahead.len() > 1 && ahead.iter().all(|c| c.is_ok()));
    assert_eq!(inline, ahead);
    // Made outside the pool, consumed on a worker: still every chunk, in order.
    let made_outside = tree.chunks(&["Jet_pt"], 37).unwrap();
    let consumed: Vec<u64> = pool.install(|| made_outside.map(|c| c.unwrap().range.end).collect());
    let expected: Vec<u64> = ahead.iter().map(|c| c.as_ref().unwrap().1).collect();
    assert_eq!(consumed, expected);
}

#[test]
fn chunks_stop_after_a_corrupt_basket_on_a_rayon_worker_as_ahead() {
    let mut bytes = std::fs::read(data("nanoaod/nano_dy.root")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.root");
    let at = bytes.len() / 3;
    bytes[at..at + 256].fill(0xA5);
    std::fs::write(&path, &bytes).unwrap();
    let file = RootFile::open(&path).unwrap();
    let tree = file.tree("Events").unwrap();
    let ahead = chunk_outcomes(&tree, 50);
    let pool = two_workers();
    let inline = pool.install(|| chunk_outcomes(&tree, 50));
    let last = ahead.last().expect("a chunk or an error");
    let message = last
        .as_ref()
        .expect_err("the corrupt basket gives an error");
    assert!(message.contains("corrupt.root"), "{message}");
    assert!(ahead[..ahead.len() - 1].iter().all(|c| c.is_ok()));
    assert_eq!(inline, ahead);
}
