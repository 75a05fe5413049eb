//! The example analysis: its functions on real NanoAOD events, and its own binary.

use std::process::Command;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int32Type};
use arrow_array::Array;
use cf_analysis::{DatasetInfo, FunctionTree, Kind, Outcome, Registry};
use cf_columns::Route;
use cf_io::EventFile;

/// The functions of the example's `cf-example` binary: cf's standard ones and the example's.
fn registry() -> Registry {
    let mut setup = cf::Setup::standard().unwrap();
    cf_example_analysis::register(setup.functions()).unwrap();
    std::mem::take(setup.functions())
}

fn nanoaod(name: &str) -> String {
    format!(
        "{}/../../tests/data/nanoaod/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn features_on_real_events_match_an_independent_computation() {
    let registry = registry();
    let dataset = DatasetInfo {
        name: "tt".into(),
        is_mc: true,
    };
    let mut tree =
        FunctionTree::build(&registry, "jet_features", Kind::Producer, &dataset).unwrap();
    tree.setup(&Default::default()).unwrap();
    let file = EventFile::open(nanoaod("nano_tt_v12.root")).unwrap();
    let mut checked = 0;
    for batch in file.read(&tree.used_columns(), 64).unwrap() {
        let mut events = batch.unwrap();
        let pt = events.column(&Route::parse("Jet.pt").unwrap()).unwrap();
        tree.run(&mut events).unwrap();
        let ht = events.column(&Route::parse("ht").unwrap()).unwrap();
        let n_jet = events.column(&Route::parse("n_jet").unwrap()).unwrap();
        let jet1 = events.column(&Route::parse("jet1_pt").unwrap()).unwrap();
        let pt = pt.as_list::<i32>();
        for i in 0..events.num_events() {
            let jets = pt.value(i);
            let jets = jets.as_primitive::<Float32Type>().values();
            let mut sum = 0.0f32;
            for &p in jets.iter() {
                sum += p;
            }
            assert_eq!(ht.as_primitive::<Float32Type>().value(i), sum);
            assert_eq!(
                n_jet.as_primitive::<Int32Type>().value(i) as usize,
                jets.len()
            );
            assert_eq!(jet1.is_valid(i), !jets.is_empty());
            if let Some(&first) = jets.first() {
                assert_eq!(jet1.as_primitive::<Float32Type>().value(i), first);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 200);

    let categorizer =
        FunctionTree::build(&registry, "cat_4j", Kind::Categorizer, &dataset).unwrap();
    let mut events = file
        .read(&categorizer.used_columns(), 1000)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let Outcome::Mask(mask) = categorizer.run(&mut events).unwrap() else {
        panic!("a categorizer returns a mask");
    };
    let pt = events.column(&Route::parse("Jet.pt").unwrap()).unwrap();
    let pt = pt.as_list::<i32>();
    let expected: Vec<bool> = (0..pt.len()).map(|i| pt.value_length(i) >= 4).collect();
    assert_eq!(
        mask.iter().map(Option::unwrap).collect::<Vec<_>>(),
        expected
    );
}

#[test]
fn the_analysis_binary_knows_its_functions_and_every_cf_command() {
    let exe = env!("CARGO_BIN_EXE_cf-example");
    let output = Command::new(exe)
        .args(["functions", "jet_features"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("jet_features (producer)"), "{text}");
    assert!(text.contains("writes    ht, jet1_pt, n_jet"), "{text}");
    assert!(text.contains("reads     Jet.pt"), "{text}");

    let output = Command::new(exe)
        .args(["functions", "--kind", "categorizer"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("cat_4j (categorizer)") && !text.contains("ht (producer)"),
        "{text}"
    );

    let output = Command::new(exe)
        .args(["functions", "jet_featres"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `jet_features`"));

    let output = Command::new(exe)
        .args(["inspect", &nanoaod("nano_dy.root")])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("tree Events: 40 entries"));
}

fn check(args: &[&str]) -> (Option<i32>, String, String) {
    let config = format!("{}/tests/data/analysis.yaml", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_cf-example"))
        .args(["check", "--analysis", &config])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn the_column_check_accepts_the_chain_and_rejects_broken_ones() {
    let (code, stdout, stderr) = check(&[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("dataset tt_v12: every used column is available"),
        "{stdout}"
    );

    let (code, stdout, _) = check(&["--variables", "jet1_pt,ht_per_jet"]);
    assert_eq!(code, Some(2));
    assert!(
        stdout.contains("variable `ht_per_jet` uses `n_jet_total`, which is neither in the input nor produced by an earlier step"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("`ht`,"),
        "ht is produced by jet_features: {stdout}"
    );

    let (code, stdout, _) = check(&["--producers", "", "--variables", "ht"]);
    assert_eq!(code, Some(2));
    assert!(stdout.contains("variable `ht` uses `ht`"), "{stdout}");

    let (code, stdout, _) = check(&["--variables", "mu1_pt"]);
    assert_eq!(
        code,
        Some(2),
        "Muon.pt is in the input but not kept by ReduceEvents"
    );
    assert!(
        stdout.contains("variable `mu1_pt` uses `Muon.pt`"),
        "{stdout}"
    );

    let (code, _, stderr) = check(&["--categories", "five_jets"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("analysis.yaml:19:9:") && stderr.contains("category `five_jets`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no function named `cat_5j`") && stderr.contains("did you mean `cat_4j`"),
        "{stderr}"
    );

    let (code, _, stderr) = check(&["--producers", "jet_featrues"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("did you mean `jet_features`"), "{stderr}");
}

#[test]
fn the_analysis_uses_cf_s_muon_weight_with_the_file_its_config_names() {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    let registry = registry();
    let dataset = DatasetInfo {
        name: "dy".into(),
        is_mc: true,
    };
    let mut tree = FunctionTree::build(&registry, "muon_weight", Kind::Producer, &dataset).unwrap();

    let err = tree.setup(&BTreeMap::new()).unwrap_err();
    assert!(
        err.to_string().contains("no external file `muon_sf`"),
        "{err}"
    );

    let sf_path = PathBuf::from(format!(
        "{}/../../tests/data/corrections/MUO_2018_UL_muon_Z.json",
        env!("CARGO_MANIFEST_DIR")
    ));
    tree.setup(&BTreeMap::from([("muon_sf".to_string(), sf_path)]))
        .unwrap();
    let file = EventFile::open(nanoaod("nano_dy.root")).unwrap();
    let mut events = file
        .read(&tree.used_columns(), 1000)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    tree.run(&mut events).unwrap();
    let weights = events
        .column(&Route::parse("muon_weight").unwrap())
        .unwrap();
    let weights = weights.as_primitive::<arrow_array::types::Float64Type>();
    let pt = events.column(&Route::parse("Muon.pt").unwrap()).unwrap();
    let pt = pt.as_list::<i32>();
    let mut corrected = 0;
    for i in 0..events.num_events() {
        // The tight-ID factors are measured from 15 GeV; muons below count as 1.
        let measured = pt
            .value(i)
            .as_primitive::<Float32Type>()
            .values()
            .iter()
            .any(|&p| p >= 15.0);
        assert_eq!(weights.value(i) != 1.0, measured, "event {i}");
        corrected += usize::from(measured);
    }
    assert!(corrected > 0, "nano_dy has muons above 15 GeV");

    let data = DatasetInfo {
        name: "data".into(),
        is_mc: false,
    };
    let on_data = FunctionTree::build(&registry, "muon_weight", Kind::Producer, &data).unwrap();
    assert_eq!(
        on_data.name(),
        None,
        "an MC-only producer does not run on data"
    );
}
