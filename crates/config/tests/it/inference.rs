//! `inference_models`: the example's model, merging under `extends`, and every check with its
//! place.

use std::path::PathBuf;

use cf_config::{Analysis, ConfigErrors, Error, LnNEffect, SystematicKind};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/showcase.yaml");

/// A config with what the models below refer to: categories (one generated), variables, a data
/// and an mc dataset, processes with children, and shift sources.
const BASE: &str = r#"analysis: inference
configs:
  - name: base
    id: 1
    processes:
      - {name: data, id: 1, is_data: true}
      - {name: tt, id: 2, children: [tt_sl, tt_dl]}
      - {name: tt_sl, id: 3}
      - {name: tt_dl, id: 4}
      - {name: dy, id: 5}
    datasets:
      - {name: data_mu, id: 1, kind: data, processes: [data], files: [DATA/nano_dimuon.root]}
      - {name: tt_sl_powheg, id: 2, kind: mc, processes: [tt_sl], files: [DATA/nano_tt_v12.root]}
    shifts:
      - {source: jec, type: shape, id: 10}
    variables:
      - {name: ht, id: 1, expression: "Jet.pt[:,0] + Jet.pt[:,1]", binning: [10, 0, 500]}
    categories:
      - {name: mu, id: 1}
      - {name: 4j, id: 10}
    category_groups: {lepton: [mu], jets: [4j]}
"#;

/// Writes `BASE` (with the test data directory in its file paths) followed by `more` into a
/// fresh directory and loads it.
fn load(
    more: &str,
) -> (
    tempfile::TempDir,
    PathBuf,
    String,
    Result<Analysis, ConfigErrors>,
) {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/nanoaod");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inference.yaml");
    let text = format!("{}{more}", BASE.replace("DATA", data));
    std::fs::write(&path, &text).unwrap();
    let result = Analysis::load(&path);
    (dir, path, text, result)
}

fn errors(more: &str) -> (tempfile::TempDir, PathBuf, String, ConfigErrors) {
    let (dir, path, text, result) = load(more);
    match result {
        Ok(_) => panic!("should not load:\n{text}"),
        Err(e) => (dir, path, text, e),
    }
}

/// Asserts that exactly one error sits at the first `needle` of the line holding `line_text`
/// and that its message contains `message`.
fn expect(errors: &ConfigErrors, text: &str, line_text: &str, needle: &str, message: &str) {
    let (index, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(line_text))
        .unwrap_or_else(|| panic!("no line with `{line_text}`"));
    let column = line
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in `{line}`"))
        + 1;
    let found: Vec<&Error> = errors
        .errors()
        .iter()
        .filter(|e| {
            e.location().line() == index + 1
                && e.location().column() == column
                && e.to_string().contains(message)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one error at {}:{column} containing `{message}`, got:\n{errors}",
        index + 1
    );
}

#[test]
fn the_example_model() {
    let analysis = Analysis::load(EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
    let config = analysis.config("run3_2022_preEE").unwrap();
    assert_eq!(config.inference_models().len(), 1);
    let model = config.inference_model("example").unwrap();
    assert_eq!(model.auto_mc_stats, Some(10.0));

    let mu = model.channel("mu_4j2b").unwrap();
    assert_eq!(
        (mu.category.as_str(), mu.variable.as_str()),
        ("mu__4j2b", "ht")
    );
    assert_eq!(mu.data_datasets, ["data_mu_c"]);
    assert!(!mu.is_asimov());
    assert!(model.channel("e_4j2b").unwrap().is_asimov());
    // Every channel stands on a category and a variable of the config.
    for channel in &model.channels {
        assert!(config.category(&channel.category).is_some());
        assert!(config.variable(&channel.variable).is_some());
    }

    let signal: Vec<&str> = model
        .signal_processes()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(signal, ["TT"]);
    assert_eq!(model.process("DY").unwrap().processes, ["dy"]);

    let lumi = model.systematic("lumi").unwrap();
    assert_eq!(lumi.kind, SystematicKind::LnN(LnNEffect::Symmetric(1.014)));
    assert_eq!(lumi.processes, ["TT", "DY"]);
    assert_eq!(
        model.systematic("xsec_dy").unwrap().kind,
        SystematicKind::LnN(LnNEffect::Asymmetric {
            down: 0.98,
            up: 1.02
        })
    );
    let jes = model.systematic("CMS_scale_j").unwrap();
    assert_eq!(
        jes.kind,
        SystematicKind::Shape {
            shift_source: "jec".to_string()
        }
    );
    assert!(config.shift("jec_up").is_some() && config.shift("jec_down").is_some());

    // The extending config inherits the model.
    let post = analysis.config("run3_2022_postEE").unwrap();
    let inherited = post.inference_model("example").unwrap();
    assert_eq!(inherited.channels.len(), 2);
    assert_eq!(inherited.systematics.len(), model.systematics.len());
}

#[test]
fn models_merge_by_name_under_extends() {
    let (_dir, _, _, result) = load(
        r#"    inference_models:
      - name: m
        channels: [{name: mu_4j, category: mu__4j, variable: ht}]
        processes:
          - {name: TT, processes: [tt], signal: true}
          - {name: DY, processes: [dy]}
        systematics:
          - {name: lumi, type: lnN, value: 1.02}
  - name: more
    id: 2
    extends: base
    inference_models:
      - name: m
        auto_mc_stats: 0
        systematics:
          - {name: lumi, value: 1.014}
          - {name: jes, type: shape, shift_source: jec, processes: [TT]}
      - name: tt_only
        channels: [{name: mu, category: mu, variable: ht, data_datasets: data_mu}]
        processes: [{name: TT, processes: [tt_sl, tt_dl], signal: true}]
"#,
    );
    let analysis = result.unwrap_or_else(|e| panic!("{e}"));
    let base = analysis
        .config("base")
        .unwrap()
        .inference_model("m")
        .unwrap();
    assert_eq!(base.auto_mc_stats, None);
    let lumi = base.systematic("lumi").unwrap();
    assert_eq!(lumi.kind, SystematicKind::LnN(LnNEffect::Symmetric(1.02)));
    // Without `processes`, a systematic affects every process of the model.
    assert_eq!(lumi.processes, ["TT", "DY"]);

    let more = analysis.config("more").unwrap();
    let names: Vec<&str> = more
        .inference_models()
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["m", "tt_only"]);
    let m = more.inference_model("m").unwrap();
    assert_eq!(m.auto_mc_stats, Some(0.0));
    assert_eq!(m.channels.len(), 1);
    let names: Vec<&str> = m.systematics.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["lumi", "jes"]);
    // Merged key by key: the type stays, the value changes.
    assert_eq!(
        m.systematic("lumi").unwrap().kind,
        SystematicKind::LnN(LnNEffect::Symmetric(1.014))
    );
    let tt_only = more.inference_model("tt_only").unwrap();
    assert_eq!(tt_only.channels[0].data_datasets, ["data_mu"]);
    assert!(more.inference_model("nope").is_none());
}

#[test]
fn every_inference_error_is_located() {
    let (_dir, path, text, errors) = errors(
        r#"    inference_models:
      - name: m
        auto_mc_stat: 10
        channels:
          - {name: c1, category: mu__4jj, variable: htt, data_datasets: [data_mu, tt_sl_powheg, nodata]}
          - {name: c1, category: mu, variable: ht, data_datasets: [data_mu, data_mu]}
          - {name: "c 3", category: mu, variable: ht, datasets: [data_mu]}
        processes:
          - {name: TT, processes: [tt, ttbar], signal: true}
          - {name: TTSL, processes: [tt_sl]}
          - {name: DATA, processes: [data], signal: yes}
          - {name: EMPTY, processes: []}
        systematics:
          - {name: lumi, type: lnN, processes: [TT, DYY]}
          - {name: jes, type: shape, processes: [TT]}
          - {name: jes2, type: shape, shift_source: jes, value: 1.1}
          - {name: norm, type: lnn, value: 1.1}
          - {name: kappa, type: lnN, value: {up: 1.1, dwn: 0.9}}
          - {name: zero, type: lnN, value: 0, shift_source: jec}
      - name: m
        channels: []
        processes: [{name: DY, processes: dy}]
        auto_mc_stats: -1
"#,
    );
    let e = &errors;
    let t = text.as_str();
    expect(
        e,
        t,
        "auto_mc_stat: 10",
        "auto_mc_stat",
        "unknown key `auto_mc_stat` in inference model (did you mean `auto_mc_stats`?)",
    );
    let c1 = "{name: c1, category: mu__4jj";
    expect(
        e,
        t,
        c1,
        "mu__4jj",
        "unknown category `mu__4jj`: no category of that name is declared (did you mean `mu__4j`?)",
    );
    expect(e, t, c1, "htt", "unknown variable `htt`");
    expect(
        e,
        t,
        c1,
        "tt_sl_powheg",
        "invalid data dataset `tt_sl_powheg`: it is a simulated (`kind: mc`) dataset",
    );
    expect(e, t, c1, "nodata", "unknown dataset `nodata`");
    let c2 = "{name: c1, category: mu, variable";
    expect(e, t, c2, "c1", "duplicate channel name `c1`");
    expect(
        e,
        t,
        c2,
        "data_mu]",
        "invalid repeated entry `data_mu`: `data_datasets` lists it already",
    );
    let c3 = "{name: \"c 3\"";
    expect(
        e,
        t,
        c3,
        "\"c 3\"",
        "invalid channel name `c 3`: use letters, digits and `_`",
    );
    expect(e, t, c3, "datasets:", "unknown key `datasets` in channel");
    expect(
        e,
        t,
        "{name: TT, processes: [tt, ttbar]",
        "ttbar",
        "unknown process `ttbar`",
    );
    expect(
        e,
        t,
        "{name: TTSL",
        "tt_sl]",
        "config process `tt_sl` would be counted twice: `TT` has it already (through `tt`",
    );
    expect(
        e,
        t,
        "{name: DATA",
        "data]",
        "it is a data process (`is_data: true`); data enters a model through a channel's `data_datasets`",
    );
    expect(
        e,
        t,
        "{name: DATA",
        "yes",
        "`signal` must be true or false, found `yes`",
    );
    expect(
        e,
        t,
        "{name: EMPTY",
        "[]",
        "an inference process sums at least one config process",
    );
    expect(
        e,
        t,
        "{name: lumi",
        "{",
        "lnN systematic is missing the required key `value`",
    );
    expect(
        e,
        t,
        "{name: lumi",
        "DYY",
        "unknown inference process `DYY`: no inference process of that name is declared",
    );
    expect(
        e,
        t,
        "{name: jes,",
        "{",
        "shape systematic is missing the required key `shift_source`",
    );
    expect(
        e,
        t,
        "{name: jes2",
        "jes,",
        "unknown shift source `jes`: no shift source of that name is declared (did you mean `jec`?)",
    );
    expect(
        e,
        t,
        "{name: jes2",
        "value",
        "a shape systematic takes a `shift_source`; remove `value` or change `type`",
    );
    expect(
        e,
        t,
        "{name: norm",
        "lnn",
        "invalid systematic type `lnn`: a systematic is `lnN`",
    );
    expect(
        e,
        t,
        "{name: kappa",
        "dwn",
        "unknown key `dwn` in lnN value (did you mean `down`?)",
    );
    expect(
        e,
        t,
        "{name: kappa",
        "{up",
        "lnN value is missing the required key `down`",
    );
    expect(
        e,
        t,
        "{name: zero",
        "0,",
        "`value` must be a positive number (combine's κ",
    );
    expect(
        e,
        t,
        "{name: zero",
        "shift_source",
        "an lnN systematic takes a `value`; remove `shift_source`",
    );
    // The second model: duplicate name, empty channels, no signal, negative threshold.
    let lines: Vec<&str> = text.lines().collect();
    let second = lines.iter().rposition(|l| *l == "      - name: m").unwrap();
    let dup = errors
        .errors()
        .iter()
        .find(|e| e.to_string().contains("duplicate inference model name `m`"))
        .unwrap_or_else(|| panic!("{errors}"));
    assert_eq!(dup.location().line(), second + 1);
    assert_eq!(dup.location().file(), path.as_path());
    expect(
        e,
        t,
        "channels: []",
        "[]",
        "invalid channels `[]`: an inference model needs at least one channel",
    );
    expect(
        e,
        t,
        "processes: [{name: DY",
        "[{",
        "none has `signal: true`; combine needs at least one signal process",
    );
    expect(
        e,
        t,
        "auto_mc_stats: -1",
        "-1",
        "`auto_mc_stats` must be a non-negative number",
    );
    assert_eq!(errors.errors().len(), 28, "{errors}");
}

#[test]
fn a_model_needs_its_keys() {
    let (_dir, _, text, errors) = errors(
        r#"    inference_models:
      - {name: m}
      - name: n
        channels: {name: c}
        processes: [{name: P, processes: [dy], signal: true}]
"#,
    );
    let e = &errors;
    expect(
        e,
        &text,
        "{name: m}",
        "{",
        "inference model is missing the required key `channels`",
    );
    expect(
        e,
        &text,
        "{name: m}",
        "{",
        "inference model is missing the required key `processes`",
    );
    expect(
        e,
        &text,
        "channels: {name: c}",
        "{",
        "`channels` must be a list, found a mapping",
    );
    assert_eq!(errors.errors().len(), 3, "{errors}");
}
