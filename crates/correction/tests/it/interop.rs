//! Every node type and feature against the reference: a Python script builds a correction
//! set using all of them and records correctionlib's outputs for random inputs.

use std::process::Command;

use cf_correction::{CorrectionSet, Evaluate};

use crate::{close, read_json, value};

#[test]
fn every_node_type_agrees_with_python_correctionlib() {
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/node_vectors.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(dir.path())
        .output()
        .expect("python3 must be installed to run the interop test (see tests/requirements.txt)");
    assert!(
        output.status.success(),
        "{script} failed (is the Python module correctionlib installed? see tests/requirements.txt):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let set = CorrectionSet::from_file(dir.path().join("nodes.json")).unwrap();
    let doc = read_json(&dir.path().join("nodes.vectors.json"));
    let vectors = doc["vectors"].as_array().unwrap();
    let mut failures = Vec::new();
    let mut errors = 0;
    for v in vectors {
        let name = v["correction"].as_str().unwrap();
        let eval: &dyn Evaluate = if v["compound"].as_bool().unwrap() {
            set.compound(name).unwrap()
        } else {
            set.correction(name).unwrap()
        };
        let inputs: Vec<_> = v["inputs"].as_array().unwrap().iter().map(value).collect();
        let got = eval.evaluate(&inputs);
        let ok = match (v["output"].as_f64(), &got) {
            (Some(want), Ok(got)) => close(*got, want),
            (None, Err(_)) => {
                errors += 1;
                true
            }
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{name} {}: got {got:?}, reference {}",
                v["inputs"], v["output"]
            ));
        }
    }
    println!(
        "checked {} node-type vectors ({errors} reference errors)",
        vectors.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} disagree:\n{}",
        failures.len(),
        vectors.len(),
        failures[..failures.len().min(15)].join("\n")
    );
    assert!(errors > 10, "the vectors should exercise errors");
}
