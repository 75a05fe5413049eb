//! End-to-end tests of the analysis pipeline through the real `cf` binary on real NanoAOD:
//! histograms against an independent uproot + awkward + correctionlib computation
//! (`tests/pipeline_reference.py`), reruns that do nothing, shifted runs that reuse the
//! nominal outputs, and chains and parameters refused before anything runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::SystemTime;

const CF: &str = env!("CARGO_BIN_EXE_cf");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
const XSEC: &str = "923.6";
const LUMI: &str = "1000.0";

/// The test analysis: tt simulation and the same file read as data ("data_tt": the shipped
/// data file predates the NanoAOD names the Summer22 JEC needs), JEC with its shift, pileup
/// weights varied by `pu`, and `btag`, which nothing implements. `pipeline_reference.py`
/// mirrors the variables, categories and shift ids.
fn config(keep: &str) -> String {
    format!(
        r#"analysis: pipeline_test
configs:
  - name: run3
    id: 1
    ecm: 13.6
    luminosity: {{value: {LUMI}}}
    processes:
      - {{name: data, id: 1, label: Data, is_data: true}}
      - {{name: tt, id: 1000, label: tt, xsec: {{13.6: {XSEC}}}}}
      - {{name: tt_other, id: 1001, label: tt, xsec: {{13.6: {XSEC}}}}}
    datasets:
      - {{name: tt, id: 1, kind: mc, processes: [tt], files: [{DATA}/nanoaod/nano_tt_v12.root]}}
      - {{name: data_tt, id: 2, kind: data, processes: [data], files: [{DATA}/nanoaod/nano_tt_v12.root]}}
      - {{name: tt_twice, id: 3, kind: mc, processes: [tt_other], files: [{DATA}/nanoaod/nano_tt_v12.root, copy/nano_tt_v12.root]}}
      - {{name: empty, id: 4, kind: mc, processes: [tt_other], files: [{DATA}/nanoaod/nano_dy_empty.root]}}
      - {{name: malformed, id: 5, kind: mc, processes: [tt_other], files: [{DATA}/nanoaod/nano_dy_malformed.parquet]}}
    shifts:
      - {{source: jec, type: shape, id: 10, aliases: {{Jet.pt: "Jet.pt_{{name}}", Jet.mass: "Jet.mass_{{name}}"}}}}
      - {{source: pu, type: shape, id: 20}}
      - {{source: btag, type: rate, id: 30}}
    variables:
      - {{name: jet1_pt, id: 1, expression: "Jet.pt[:,0]", binning: [20, 0.0, 400.0]}}
      - {{name: ht, id: 2, expression: ht, binning: [10, 0.0, 1000.0]}}
      - {{name: jet_pt, id: 3, expression: Jet.pt, binning: [20, 0.0, 400.0]}}
    categories:
      - {{name: incl, id: 1, categorizers: cat_incl}}
      - {{name: e, id: 2, categorizers: cat_e}}
      - {{name: mu, id: 3, categorizers: cat_mu}}
    external_files:
      pu_sf: {DATA}/corrections/LUM_2018_UL_puWeights.json
      jet_jerc: {DATA}/corrections/jet_jerc_Summer22_V3.json.gz
    defaults:
      calibrators: [jec]
      selector: agc
      producers: [features, pu_weight]
      variables: [jet1_pt, ht, jet_pt]
      categories: [incl, e, mu]
    keep_columns:
      ReduceEvents: [{keep}]
    event_weights:
      normalization_weight: []
      pu_weight: [pu]
    inference_models:
      - name: test
        channels:
          - {{name: mu, category: mu, variable: ht, data_datasets: [data_tt]}}
          - {{name: e, category: e, variable: ht}}
        processes:
          - {{name: TT, processes: [tt], signal: true}}
        systematics:
          - {{name: lumi, type: lnN, value: 1.014}}
          - {{name: CMS_scale_j, type: shape, shift_source: jec}}
          - {{name: CMS_pu, type: shape, shift_source: pu, processes: [TT]}}
        auto_mc_stats: 10
"#
    )
}

const KEEP: &str = r#""{run,luminosityBlock,event,genWeight}", "Jet.{pt,eta,phi,mass,btagDeepFlavB}", "{Electron,Muon}.{pt,eta,phi}", Pileup.nTrueInt"#;

struct Analysis {
    dir: tempfile::TempDir,
}

impl Analysis {
    fn new(keep: &str) -> Analysis {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("copy")).unwrap();
        std::fs::copy(
            format!("{DATA}/nanoaod/nano_tt_v12.root"),
            dir.path().join("copy/nano_tt_v12.root"),
        )
        .unwrap();
        std::fs::write(dir.path().join("analysis.yaml"), config(keep)).unwrap();
        Analysis { dir }
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn cf(&self, args: &[&str]) -> Output {
        Command::new(CF)
            .arg("run")
            .args(args)
            .args(["--analysis", "analysis.yaml", "--version", "v1"])
            .current_dir(self.dir.path())
            .env("CF_STORE", self.store())
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cf(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "cf run {args:?} failed:\n{text}");
        text
    }

    /// The shift directories a task family wrote for `dataset`.
    fn shifts_of(&self, family: &str, dataset: &str) -> Vec<String> {
        let dir = self
            .store()
            .join("pipeline_test")
            .join(family)
            .join("run3")
            .join(dataset);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Every file of the store below `family` with its modification time.
    fn files_of(&self, family: &str) -> Vec<(PathBuf, SystemTime)> {
        let mut out = Vec::new();
        walk(&self.store().join("pipeline_test").join(family), &mut out);
        out.sort();
        out
    }
}

/// A JSON file of the store, parsed.
fn read_json(path: impl AsRef<Path>) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, SystemTime)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            let modified = path.metadata().unwrap().modified().unwrap();
            out.push((path, modified));
        }
    }
}

fn ran(text: &str) -> usize {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("ran:"))
        .unwrap_or_else(|| panic!("no summary in:\n{text}"));
    line.trim_start()["ran:".len()..].trim().parse().unwrap()
}

fn find(dir: &Path, name: &str) -> PathBuf {
    let mut files = Vec::new();
    walk(dir, &mut files);
    files
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| p.file_name().is_some_and(|n| n == name))
        .unwrap_or_else(|| panic!("no {name} below {}", dir.display()))
}

fn reference(kind: &str, json: &Path) {
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/pipeline_reference.py"
        ))
        .arg(format!("{DATA}/nanoaod/nano_tt_v12.root"))
        .arg(format!("{DATA}/corrections/jet_jerc_Summer22_V3.json.gz"))
        .arg(format!("{DATA}/corrections/LUM_2018_UL_puWeights.json"))
        .args([XSEC, LUMI, kind])
        .arg(json)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "reference check failed:\n{text}");
    assert!(text.contains("all histograms agree"), "{text}");
}

#[test]
fn histograms_agree_with_an_independent_computation_and_shifts_reuse_nominal() {
    let a = Analysis::new(KEEP);
    let first = a.ok(&["CreateHistograms", "--dataset", "tt"]);
    // GetDatasetFiles, CalibrateEvents, SelectEvents, MergeSelectionStats, ReduceEvents,
    // MergeReducedEvents, two ProduceColumns, CreateHistograms: one file, one branch each.
    assert_eq!(ran(&first), 9, "{first}");
    assert_eq!(ran(&a.ok(&["CreateHistograms", "--dataset", "tt"])), 0);

    let calibrated = a.files_of("CalibrateEvents");
    let nominal_hists = a.files_of("CreateHistograms");
    let jec = a.ok(&["CreateHistograms", "--dataset", "tt", "--shift", "jec_up"]);
    // The calibrator wrote Jet.pt_jec_up in its nominal pass: everything after it reruns
    // (selection, reduction, merge, two producers, histograms), nothing before it, and the
    // normalization keeps the nominal statistics (all generated events, whatever the shift).
    assert_eq!(ran(&jec), 6, "{jec}");
    assert_eq!(
        a.files_of("CalibrateEvents"),
        calibrated,
        "calibration was redone"
    );
    assert_eq!(a.shifts_of("CalibrateEvents", "tt"), ["nominal"]);
    assert_eq!(a.shifts_of("SelectEvents", "tt"), ["jec_up", "nominal"]);
    assert_eq!(a.shifts_of("ProduceColumns", "tt"), ["jec_up", "nominal"]);

    // pu varies only a weight: histograms alone rerun.
    let pu = a.ok(&["CreateHistograms", "--dataset", "tt", "--shift", "pu_down"]);
    assert_eq!(ran(&pu), 1, "{pu}");
    assert_eq!(a.shifts_of("ReduceEvents", "tt"), ["jec_up", "nominal"]);
    // Nothing implements btag: its histograms are the nominal ones.
    assert_eq!(
        ran(&a.ok(&["CreateHistograms", "--dataset", "tt", "--shift", "btag_up"])),
        0
    );
    assert!(a
        .files_of("CreateHistograms")
        .iter()
        .filter(|(p, _)| p.to_string_lossy().contains("/nominal/"))
        .eq(nominal_hists.iter()));

    a.ok(&["MergeShiftedHistograms", "--dataset", "tt"]);
    let shifted = a.store().join("pipeline_test/MergeShiftedHistograms");
    reference("mc", &find(&shifted.join("run3/tt"), "shifted.json"));

    // Data: nominal only, whatever the shift asked for, and no weights.
    let data = a.ok(&[
        "CreateHistograms",
        "--dataset",
        "data_tt",
        "--shift",
        "jec_up",
    ]);
    assert_eq!(
        a.shifts_of("CreateHistograms", "data_tt"),
        ["nominal"],
        "{data}"
    );
    a.ok(&["MergeShiftedHistograms", "--dataset", "data_tt"]);
    reference("data", &find(&shifted.join("run3/data_tt"), "shifted.json"));
}

#[test]
fn summaries_cutflow_yields_and_datacards() {
    let a = Analysis::new(KEEP);
    a.ok(&["CreateCutflowHistograms", "--dataset", "tt"]);
    let cutflow = find(
        &a.store().join("pipeline_test/CreateCutflowHistograms"),
        "cutflow.json",
    );
    let value: serde_json::Value = read_json(cutflow);
    let steps = &value["cutflow"]["axes"][0]["categories"];
    assert_eq!(
        steps,
        &serde_json::json!(["initial", "lepton", "jet", "btag", "selected"]),
        "{value}"
    );
    a.ok(&["MergeSelectionStats", "--dataset", "tt"]);
    let stats = find(
        &a.store().join("pipeline_test/MergeSelectionStats"),
        "stats.json",
    );
    let stats: serde_json::Value = read_json(stats);
    assert_eq!(stats["num_events"], 200);
    let selected = stats["num_events_selected"].as_u64().unwrap();
    assert!(selected > 0 && selected < 200, "{stats}");
    // The cutflow's weighted counts (step x process) are the statistics' sums of generator
    // weights: all events first, the selected ones last.
    let values = &value["cutflow"]["storage"]["values"];
    let close = |a: &serde_json::Value, b: &serde_json::Value| {
        let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
        (a - b).abs() <= 1e-9 * b.abs()
    };
    assert!(close(&values[0][0], &stats["sum_mc_weight"]), "{value}");
    assert!(
        close(&values[4][0], &stats["sum_mc_weight_selected"]),
        "{value}"
    );

    a.ok(&[
        "CreateYieldTable",
        "--datasets",
        "tt,data_tt",
        "--categories",
        "incl,mu",
    ]);
    let table = std::fs::read_to_string(find(
        &a.store().join("pipeline_test/CreateYieldTable"),
        "yields.txt",
    ))
    .unwrap();
    let data_row = table.lines().find(|l| l.starts_with("data")).expect(&table);
    // The data row counts events: as many as the data selection kept.
    a.ok(&["MergeSelectionStats", "--dataset", "data_tt"]);
    let data_stats = find(
        &a.store()
            .join("pipeline_test/MergeSelectionStats/run3/data_tt"),
        "stats.json",
    );
    let data_stats: serde_json::Value = read_json(data_stats);
    let data_selected = data_stats["num_events_selected"].as_u64().unwrap();
    let incl: Vec<&str> = data_row.split_whitespace().collect();
    assert_eq!(incl[1], format!("{data_selected}.00"), "{table}");

    a.ok(&["CreateDatacards"]);
    let cards = a.store().join("pipeline_test/CreateDatacards");
    let card = std::fs::read_to_string(find(&cards, "datacard_mu.txt")).unwrap();
    for expected in [
        "bin",
        "observation",
        "lumi",
        "lnN",
        "CMS_scale_j",
        "shape",
        "autoMCStats",
    ] {
        assert!(card.contains(expected), "`{expected}` missing from\n{card}");
    }
    // data_obs in mu is the data events of the mu category; e has no data: Asimov.
    let observation = card
        .lines()
        .find(|l| l.starts_with("observation"))
        .expect(&card);
    let observed: f64 = observation
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(observed > 0.0 && observed <= selected as f64, "{card}");
    assert!(find(&cards, "shapes_e.root").metadata().unwrap().len() > 0);
}

#[test]
fn a_broken_chain_is_refused_before_anything_runs() {
    // The reduction drops Pileup.nTrueInt, which pu_weight needs after it.
    let a = Analysis::new(
        r#""{run,luminosityBlock,event,genWeight}", "Jet.{pt,eta,phi,mass,btagDeepFlavB}", "{Electron,Muon}.{pt,eta,phi}""#,
    );
    let out = a.cf(&["CreateHistograms", "--dataset", "tt"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("`pu_weight` uses `Pileup.nTrueInt`"), "{err}");
    assert!(!a.store().join("pipeline_test").exists(), "something ran");
}

#[test]
fn bad_parameters_name_the_parameter_and_suggest() {
    let a = Analysis::new(KEEP);
    for (args, expected) in [
        (
            vec!["CreateHistograms", "--dataset", "ttbar"],
            "--dataset `ttbar`: no such dataset",
        ),
        (
            vec!["CreateHistograms", "--dataset", "tt", "--shift", "jec_upp"],
            "did you mean `jec_up`?",
        ),
        (
            vec![
                "CreateHistograms",
                "--dataset",
                "tt",
                "--producers",
                "featurs",
            ],
            "did you mean `features`?",
        ),
        (
            vec![
                "CreateHistograms",
                "--dataset",
                "tt",
                "--variables",
                "ht,jet2_pt",
            ],
            "no such variable",
        ),
        (
            vec!["SelectEvents", "--dataset", "tt", "--config", "run2"],
            "--config `run2`: no such config",
        ),
    ] {
        let out = a.cf(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: not one paragraph: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

fn uhi_values(path: &Path, name: &str) -> Vec<f64> {
    let value: serde_json::Value = read_json(path);
    fn flatten(v: &serde_json::Value, out: &mut Vec<f64>) {
        match v {
            serde_json::Value::Array(items) => items.iter().for_each(|i| flatten(i, out)),
            other => out.push(other.as_f64().unwrap()),
        }
    }
    let mut out = Vec::new();
    flatten(&value[name]["storage"]["values"], &mut out);
    out
}

#[test]
fn files_merge_by_size_and_give_the_same_histograms() {
    let a = Analysis::new(KEEP);
    a.ok(&[
        "MergeHistograms",
        "--dataset",
        "tt_twice",
        "--calibrators",
        "none",
    ]);
    a.ok(&[
        "MergeHistograms",
        "--dataset",
        "tt_twice",
        "--calibrators",
        "none",
        "--merged-size",
        "200",
    ]);
    let merged = a
        .store()
        .join("pipeline_test/MergeReducedEvents/run3/tt_twice/nominal/calib__none/sel__agc");
    assert_eq!(
        a.files_of("SelectEvents")
            .iter()
            .filter(|(p, _)| p.to_string_lossy().contains("results_"))
            .count(),
        2
    );
    // Two input files of 200 events: one merged file by default, two at 200 events each.
    let count = |dir: &Path| {
        let mut files = Vec::new();
        walk(dir, &mut files);
        files.len()
    };
    assert_eq!(count(&merged.join("v1")), 1);
    assert_eq!(count(&merged.join("merged__200/v1")), 2);
    let hists = a.store().join("pipeline_test/MergeHistograms/run3/tt_twice/nominal/calib__none/sel__agc/prod__features__pu_weight/weight__all_weights");
    for variable in ["jet1_pt", "ht", "jet_pt"] {
        let one = uhi_values(&hists.join("v1/hist.json"), variable);
        let two = uhi_values(&hists.join("merged__200/v1/hist.json"), variable);
        assert_eq!(one.len(), two.len());
        assert!(one.iter().sum::<f64>() > 0.0);
        for (x, y) in one.iter().zip(&two) {
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                "{variable}: {one:?} vs {two:?}"
            );
        }
    }
}

/// Every value of the jagged f32 column `route` of a reduced file, event by event.
fn jagged_f32(file: &Path, route: &str) -> Vec<Vec<f32>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Float32Type;
    use arrow_array::Array;
    let events = cf_io::EventFile::open(file).unwrap();
    let route = cf_columns::Route::parse(route).unwrap();
    let set: cf_columns::ColumnSet = [route.clone()].into_iter().collect();
    let mut out = Vec::new();
    for batch in events.read(&set, cf_io::DEFAULT_BATCH_SIZE).unwrap() {
        let column = batch.unwrap().column(&route).unwrap();
        let lists = column.as_list::<i32>();
        for i in 0..lists.len() {
            let values = lists.value(i);
            out.push(values.as_primitive::<Float32Type>().values().to_vec());
        }
    }
    out
}

#[test]
fn a_collection_the_selection_founds_is_reduced_only_when_kept() {
    let reduced = |a: &Analysis| {
        a.ok(&["ReduceEvents", "--dataset", "tt", "--calibrators", "none"]);
        find(
            &a.store().join("pipeline_test/ReduceEvents"),
            "events_0.parquet",
        )
    };
    let plain = Analysis::new(KEEP);
    let file = reduced(&plain);
    let routes: Vec<String> = cf_io::EventFile::open(&file)
        .unwrap()
        .columns()
        .iter()
        .map(|c| c.route.to_string())
        .collect();
    assert!(routes.contains(&"Jet.pt".to_string()), "{routes:?}");
    assert!(!routes.iter().any(|r| r.starts_with("BJet")), "{routes:?}");

    // The agc selector founds BJet from the selected jets that are b-tagged: kept, it holds
    // exactly those of the reduced Jet collection, in their order.
    let with_bjets = Analysis::new(&format!(r#"{KEEP}, "BJet.{{pt,btagDeepFlavB}}""#));
    let file = reduced(&with_bjets);
    let (jet_pt, jet_btag) = (
        jagged_f32(&file, "Jet.pt"),
        jagged_f32(&file, "Jet.btagDeepFlavB"),
    );
    let (bjet_pt, bjet_btag) = (
        jagged_f32(&file, "BJet.pt"),
        jagged_f32(&file, "BJet.btagDeepFlavB"),
    );
    assert_eq!(jet_pt.len(), bjet_pt.len());
    let wp = cf_selectors::BTAG_WORKING_POINT;
    let mut bjets = 0;
    for (event, (pts, tags)) in jet_pt.iter().zip(&jet_btag).enumerate() {
        let tagged = |values: &[f32]| -> Vec<f32> {
            values
                .iter()
                .zip(tags)
                .filter(|(_, &t)| t >= wp)
                .map(|(&v, _)| v)
                .collect()
        };
        assert_eq!(bjet_pt[event], tagged(pts), "event {event}");
        assert_eq!(bjet_btag[event], tagged(tags), "event {event}");
        assert!(
            !bjet_pt[event].is_empty(),
            "the selection asks for a b-tagged jet"
        );
        bjets += bjet_pt[event].len();
    }
    assert!(bjets > 0);
}

#[test]
fn an_empty_file_gives_empty_histograms_and_a_malformed_one_a_clear_error() {
    let a = Analysis::new(KEEP);
    a.ok(&[
        "MergeHistograms",
        "--dataset",
        "empty",
        "--calibrators",
        "none",
    ]);
    let json = find(
        &a.store().join("pipeline_test/MergeHistograms/run3/empty"),
        "hist.json",
    );
    assert_eq!(uhi_values(&json, "ht").iter().sum::<f64>(), 0.0);

    let out = a.cf(&[
        "MergeHistograms",
        "--dataset",
        "malformed",
        "--calibrators",
        "none",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("nano_dy_malformed.parquet") && err.contains("dataset `malformed`"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_two_dimensional_variable_projects_onto_its_parts() {
    let a = Analysis::new(KEEP);
    a.ok(&[
        "MergeHistograms",
        "--dataset",
        "tt",
        "--variables",
        "jet1_pt-ht,ht",
    ]);
    let json = find(
        &a.store().join("pipeline_test/MergeHistograms/run3/tt"),
        "hist.json",
    );
    let value: serde_json::Value = read_json(&json);
    let axes: Vec<&str> = value["jet1_pt-ht"]["axes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(axes, ["category", "process", "shift", "jet1_pt", "ht"]);
    // Summed over jet1_pt (flow included), the 2D histogram is the ht histogram.
    let two = &value["jet1_pt-ht"]["storage"]["values"];
    let one = &value["ht"]["storage"]["values"];
    let categories = one.as_array().unwrap().len();
    let mut compared = 0;
    for c in 0..categories {
        let ht = one[c][0][0].as_array().unwrap();
        let grid = two[c][0][0].as_array().unwrap();
        for (y, expected) in ht.iter().enumerate() {
            let sum: f64 = grid.iter().map(|row| row[y].as_f64().unwrap()).sum();
            let expected = expected.as_f64().unwrap();
            assert!(
                (sum - expected).abs() <= 1e-9 * expected.abs().max(1.0),
                "category {c}, ht bin {y}"
            );
            compared += usize::from(expected > 0.0);
        }
    }
    assert!(compared > 3, "too few filled bins to compare");
}

#[test]
fn generated_datasets_run_the_chain_and_are_shared_across_versions() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"analysis: toy_test
configs:
  - name: toy
    id: 1
    ecm: 13.6
    luminosity: {{value: 20.0}}
    processes:
      - {{name: data, id: 1, is_data: true}}
      - {{name: tt, id: 1000, xsec: {{13.6: 266.474}}}}
    datasets:
      - {{name: tt, id: 1, kind: mc, processes: [tt], generate: {{model: tt_sl, events: 3000, files: 2}}}}
      - {{name: data, id: 2, kind: data, processes: [data], generate: {{model: data, events: 3000, files: 3, seed: 7}}}}
    variables:
      - {{name: jet1_pt, id: 1, expression: "Jet.pt[:,0]", binning: [20, 0.0, 400.0]}}
    categories:
      - {{name: incl, id: 1, categorizers: cat_incl}}
    external_files:
      golden_json: {DATA}/lumi/Cert_294927-306462_13TeV_EOY2017ReReco_Collisions17_JSON.txt
    defaults:
      selector: default
      producers: [features]
      variables: [jet1_pt]
    event_weights:
      normalization_weight: []
"#
    );
    std::fs::write(dir.path().join("analysis.yaml"), config).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(CF)
            .arg("run")
            .args(args)
            .args(["--analysis", "analysis.yaml"])
            .current_dir(dir.path())
            .env("CF_STORE", dir.path().join("store"))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}:\n{text}");
        text
    };
    run(&["MergeHistograms", "--dataset", "tt", "--version", "v1"]);
    run(&["MergeHistograms", "--dataset", "data", "--version", "v1"]);
    let generated = dir.path().join("store/toy_test/GenerateEvents/toy");
    let mut files = Vec::new();
    walk(&generated, &mut files);
    assert_eq!(files.len(), 5, "{files:?}");
    // Another version reruns the chain but not the generation.
    let v2 = run(&["MergeHistograms", "--dataset", "tt", "--version", "v2"]);
    let mut again = Vec::new();
    walk(&generated, &mut again);
    assert_eq!(again, files, "generated files were rewritten:\n{v2}");
    let stats = find(
        &dir.path().join("store/toy_test/MergeSelectionStats/toy/tt"),
        "stats.json",
    );
    let stats: serde_json::Value = read_json(stats);
    assert_eq!(stats["num_events"], 3000);
    let selected = stats["num_events_selected"].as_u64().unwrap();
    assert!(selected > 300 && selected < 1500, "{stats}");
}

fn file_kind(path: &Path) -> &'static str {
    let bytes = std::fs::read(path).unwrap();
    if bytes.starts_with(b"\x89PNG") {
        "png"
    } else if bytes.starts_with(b"%PDF-") {
        "pdf"
    } else if String::from_utf8_lossy(&bytes[..bytes.len().min(400)]).contains("<svg") {
        "svg"
    } else {
        "unknown"
    }
}

#[test]
fn plot_tasks_draw_one_plot_per_category_and_variable_in_every_file_type() {
    let a = Analysis::new(KEEP);
    a.ok(&[
        "PlotVariables1D",
        "--processes",
        "tt,data",
        "--categories",
        "incl,mu",
        "--variables",
        "jet1_pt,ht",
        "--file-types",
        "png,svg,pdf",
        "--shift-sources",
        "jec",
        "--process-settings",
        "tt,label=TT",
        "--variable-settings",
        "ht,rebin=2,overflow",
        "--density",
    ]);
    let mut plots = Vec::new();
    walk(&a.store().join("pipeline_test/PlotVariables1D"), &mut plots);
    assert_eq!(plots.len(), 2 * 2 * 3, "{plots:?}");
    for (path, _) in &plots {
        let ext = path.extension().unwrap().to_str().unwrap();
        assert_eq!(file_kind(path), ext, "{}", path.display());
        assert!(path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("plot__"));
    }
    a.ok(&[
        "PlotVariables2D",
        "--processes",
        "tt",
        "--categories",
        "incl",
        "--variables",
        "jet1_pt-ht",
    ]);
    a.ok(&[
        "PlotShiftedVariables1D",
        "--processes",
        "tt",
        "--categories",
        "mu",
        "--variables",
        "ht",
        "--shift-sources",
        "jec,pu",
    ]);
    a.ok(&[
        "PlotCutflow",
        "--processes",
        "tt,data",
        "--file-types",
        "svg",
    ]);
    for (family, name) in [
        ("PlotVariables2D", "plot__incl__jet1_pt-ht.png"),
        ("PlotShiftedVariables1D", "plot__mu__ht.png"),
        ("PlotCutflow", "cutflow.svg"),
    ] {
        let path = find(&a.store().join("pipeline_test").join(family), name);
        assert_ne!(file_kind(&path), "unknown", "{}", path.display());
    }
    // An unknown plot setting is named.
    let out = a.cf(&[
        "PlotVariables1D",
        "--processes",
        "tt",
        "--variables",
        "ht",
        "--process-settings",
        "tt,stack",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown setting `stack`"));
}
