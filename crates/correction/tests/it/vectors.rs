//! Every reference vector in tests/data/corrections/vectors must agree.

use std::collections::BTreeMap;

use cf_correction::{CorrectionSet, Evaluate};

use crate::{close, data_dir, read_json, value};

#[test]
fn all_reference_vectors_agree() {
    let dir = data_dir().join("corrections");
    let mut files: Vec<_> = std::fs::read_dir(dir.join("vectors"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 8, "expected the reference vector files");
    let mut checked = 0usize;
    let mut failures = Vec::new();
    let mut per_file = BTreeMap::new();
    for path in &files {
        let doc = read_json(path);
        assert_eq!(doc["reference"], "correctionlib 2.9.0");
        let file = doc["file"].as_str().unwrap();
        let set = CorrectionSet::from_file(dir.join(file)).unwrap();
        let vectors = doc["vectors"].as_array().unwrap();
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
                (None, Err(_)) => true,
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "{file} {name} {:?}: got {got:?}, reference {} / {}",
                    v["inputs"], v["output"], v["error"]
                ));
            }
            checked += 1;
        }
        per_file.insert(file.to_owned(), vectors.len());
    }
    println!("checked {checked} reference vectors: {per_file:?}");
    assert!(
        failures.is_empty(),
        "{} of {checked} vectors disagree, first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
    assert!(checked > 10_000);
}
