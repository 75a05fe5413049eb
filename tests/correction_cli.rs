//! `cf correction` through the real binary, checked against the reference vectors.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn corrections() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/corrections"
    ))
}

fn cf() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cf"))
}

/// The muon vectors of the reference (correctionlib 2.9.0).
fn muon_vectors() -> Vec<serde_json::Value> {
    let text =
        std::fs::read_to_string(corrections().join("vectors/MUO_2018_UL_muon_Z.vectors.json"))
            .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-12 * want.abs() || (got - want).abs() <= 1e-15
}

#[test]
fn summary_lists_corrections_inputs_and_ranges() {
    let out = cf()
        .args(["correction", "summary"])
        .arg(corrections().join("MUO_2018_UL_muon_Z.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("correction NUM_TightID_DEN_TrackerMuons (version 1)"),
        "{text}"
    );
    assert!(text.contains("abseta (real): range [0, 2.4)"), "{text}");
    assert!(text.contains("year (string): values 2018_UL"), "{text}");
    assert_eq!(text.matches("\ncorrection ").count(), 29);
}

#[test]
fn eval_one_point_and_a_batch_agree_with_the_reference() {
    let file = corrections().join("MUO_2018_UL_muon_Z.json");
    let vectors = muon_vectors();
    let ok = vectors.iter().find(|v| v["error"].is_null()).unwrap();
    let name = ok["correction"].as_str().unwrap();
    let args: Vec<String> = ok["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect();
    let out = cf()
        .args(["correction", "eval"])
        .arg(&file)
        .arg(name)
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: f64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(close(got, ok["output"].as_f64().unwrap()));

    // A batch of the first 200 vectors of that correction, errors included.
    let batch: Vec<&serde_json::Value> = vectors
        .iter()
        .filter(|v| v["correction"] == name)
        .take(200)
        .collect();
    assert!(
        batch.iter().any(|v| v["output"].is_null()),
        "the batch should include errors"
    );
    let mut child = cf()
        .args(["correction", "eval"])
        .arg(&file)
        .arg(name)
        .arg("--batch")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        for v in &batch {
            writeln!(stdin, "{}", v["inputs"]).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), batch.len());
    for (line, v) in lines.iter().zip(&batch) {
        match v["output"].as_f64() {
            Some(want) => assert!(close(line.parse().unwrap(), want), "{line} vs {want}"),
            None => assert!(line.starts_with("error: "), "{line} should be an error"),
        }
    }
}

#[test]
fn errors_exit_2_with_a_message_naming_the_problem() {
    let file = corrections().join("MUO_2018_UL_muon_Z.json");
    let out = cf()
        .args(["correction", "eval"])
        .arg(&file)
        .args([
            "NUM_TightID_DEN_TrackerMuons",
            "2018_UL",
            "3.5",
            "45.0",
            "sf",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("abseta") && err.contains("NUM_TightID_DEN_TrackerMuons"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"schema_version\": 2, \"corrections\": [").unwrap();
    let out = cf()
        .args(["correction", "summary"])
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.json"));

    let out = cf()
        .args(["correction", "eval", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for word in ["FILE", "NAME", "INPUT", "--batch"] {
        assert!(help.contains(word), "help should explain {word}:\n{help}");
    }
}
