//! `cf inspect` through the real binary: conformance with uproot's statistics for every branch
//! of every reference file, Parquet against ROOT, and clear errors for bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nanoaod")
        .join(name)
}

fn cf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cf"))
        .args(args)
        .output()
        .expect("the cf binary runs")
}

fn stats(file: &Path) -> Value {
    let output = cf(&["inspect", file.to_str().unwrap(), "--stats", "--json"]);
    assert!(
        output.status.success(),
        "cf inspect failed on {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cf inspect --json prints JSON")
}

/// Python's JSON writes NaN as a bare token, which is not JSON; read it as null.
fn reference(name: &str) -> Value {
    let path = data("reference").join(format!("{name}.reference.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("NaN", "null");
    serde_json::from_str(&text).unwrap()
}

/// A number, with null (NaN) as NaN.
fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// Compares one branch's statistics; returns a description of the first difference.
fn compare(name: &str, ours: &Value, theirs: &Value) -> Result<(), String> {
    for key in ["type", "jagged", "entries", "count"] {
        if ours[key] != theirs[key] {
            return Err(format!(
                "{name}: {key} is {} but uproot says {}",
                ours[key], theirs[key]
            ));
        }
    }
    for key in ["min", "max"] {
        let (a, b) = (&ours[key], &theirs[key]);
        let equal = (a.is_null() && b.is_null()) || same(number(a), number(b));
        if !equal {
            return Err(format!("{name}: {key} is {a} but uproot says {b}"));
        }
    }
    let (a, b) = (number(&ours["sum"]), number(&theirs["sum"]));
    if !(same(a, b) || (a - b).abs() <= 1e-9 * b.abs().max(1e-300)) {
        return Err(format!("{name}: sum is {a} but uproot says {b}"));
    }
    let (ha, hb) = (
        ours["head"].as_array().unwrap(),
        theirs["head"].as_array().unwrap(),
    );
    if ha.len() != hb.len() || ha.iter().zip(hb).any(|(x, y)| !same(number(x), number(y))) {
        return Err(format!("{name}: head is {ha:?} but uproot says {hb:?}"));
    }
    Ok(())
}

#[test]
fn every_branch_of_every_reference_file_matches_uproot() {
    let mut checked = 0;
    for name in [
        "nanoAOD_2015_CMS_Open_Data_ttbar",
        "nano_tt_v12",
        "nano_dy",
        "nano_dimuon",
        "nano_dy_empty",
    ] {
        let theirs = reference(name);
        let ours = stats(&data(&format!("{name}.root")));
        assert_eq!(ours["num_entries"], theirs["num_entries"], "{name}");
        let (ours, theirs) = (
            ours["branches"].as_object().unwrap(),
            theirs["branches"].as_object().unwrap(),
        );
        let mut failures = Vec::new();
        for (branch, expected) in theirs {
            match ours.get(branch) {
                None => failures.push(format!("{branch}: missing from cf's output")),
                Some(found) => {
                    if let Err(e) = compare(branch, found, expected) {
                        failures.push(e);
                    }
                }
            }
            checked += 1;
        }
        assert!(
            failures.is_empty(),
            "{name}: {} of {} branches differ from uproot:\n{}",
            failures.len(),
            theirs.len(),
            failures
                .iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert_eq!(
            ours.len(),
            theirs.len(),
            "{name}: cf lists branches uproot does not"
        );
    }
    println!("{checked} branches agree with uproot");
    assert!(checked > 5000);
}

#[test]
fn flat_parquet_statistics_match_the_root_reference() {
    let theirs = reference("nano_dy");
    let ours = stats(&data("nano_dy.parquet"));
    let ours = ours["branches"].as_object().unwrap();
    let mut compared = 0;
    for (branch, found) in ours {
        let expected = &theirs["branches"][branch];
        assert!(
            !expected.is_null(),
            "{branch} is not a branch of nano_dy.root"
        );
        if let Err(e) = compare(branch, found, expected) {
            panic!("nano_dy.parquet: {e}");
        }
        compared += 1;
    }
    assert!(compared > 1000, "only {compared} columns compared");
}

#[test]
fn listing_shows_trees_types_and_routes() {
    let output = cf(&["inspect", data("nano_tt_v12.root").to_str().unwrap()]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("tree Events: 200 entries"), "{text}");
    let jet_pt = text
        .lines()
        .find(|l| l.starts_with("Jet_pt "))
        .expect("Jet_pt listed");
    assert!(
        jet_pt.contains("float[]") && jet_pt.contains("route Jet.pt"),
        "{jet_pt}"
    );

    let output = cf(&[
        "inspect",
        data("nano_dy.parquet").to_str().unwrap(),
        "--json",
    ]);
    let listing: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listing["num_entries"], 40);
    assert_eq!(listing["branches"]["Jet_pt"]["type"], "float[]");
}

fn assert_clear_failure(args: &[&str], expected: &[&str]) {
    let output = cf(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?} should fail with exit code 2"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one paragraph: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    for word in expected {
        assert!(stderr.contains(word), "`{word}` missing from: {stderr}");
    }
}

#[test]
fn bad_input_fails_with_one_clear_paragraph() {
    let dir = tempfile::tempdir().unwrap();
    let malformed = data("nano_dy_malformed.parquet");
    assert_clear_failure(
        &["inspect", malformed.to_str().unwrap()],
        &["nano_dy_malformed.parquet"],
    );
    assert_clear_failure(
        &["inspect", "/no/such/file.root"],
        &["/no/such/file.root", "No such file"],
    );

    let cut = dir.path().join("cut.root");
    let bytes = std::fs::read(data("nano_dy.root")).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert_clear_failure(
        &["inspect", cut.to_str().unwrap(), "--stats"],
        &["cut.root", "truncated"],
    );

    let root = data("nano_dy.root");
    assert_clear_failure(
        &["inspect", root.to_str().unwrap(), "--tree", "Nope"],
        &["Nope", "Events"],
    );
}
