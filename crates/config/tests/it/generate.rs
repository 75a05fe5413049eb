//! `generate:` of datasets (toy events from cf's generator): the typed model with its defaults,
//! merging under `extends`, and every check with its place.

use std::path::{Path, PathBuf};

use cf_config::{Analysis, ConfigErrors, Dataset, Error, FileRef};

const GOOD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/generate.yaml");

fn good() -> Analysis {
    Analysis::load(GOOD).unwrap_or_else(|e| panic!("{GOOD} does not load:\n{e}"))
}

fn dataset<'a>(analysis: &'a Analysis, config: &str, name: &str) -> &'a Dataset {
    analysis
        .config(config)
        .and_then(|c| c.dataset(name))
        .unwrap_or_else(|| panic!("no dataset {name} in {config}"))
}

/// Line and column of the first `needle` on the first line holding `line_text`.
fn place(text: &str, line_text: &str, needle: &str) -> (usize, usize) {
    let (index, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(line_text))
        .unwrap_or_else(|| panic!("no line with `{line_text}`"));
    let column = line
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in `{line}`"));
    (index + 1, column + 1)
}

/// Writes `files` into a fresh directory and loads the first, which must fail.
fn errors(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf, ConfigErrors) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let top = dir.path().join(files[0].0);
    match Analysis::load(&top) {
        Ok(_) => panic!("{} should not load", files[0].0),
        Err(e) => (dir, top, e),
    }
}

/// The one error at `file:line:column` whose message contains `message`.
fn find<'a>(
    errors: &'a ConfigErrors,
    file: &Path,
    (line, column): (usize, usize),
    message: &str,
) -> &'a Error {
    let found: Vec<&Error> = errors
        .errors()
        .iter()
        .filter(|e| {
            let at = e.location();
            (at.file(), at.line(), at.column()) == (file, line, column)
                && e.to_string().contains(message)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one error at {line}:{column} containing `{message}`, got:\n{errors}"
    );
    found[0]
}

#[test]
fn generated_datasets_have_their_settings_and_defaults() {
    let analysis = good();
    let text = std::fs::read_to_string(GOOD).unwrap();

    let toy = dataset(&analysis, "toys", "tt_sl_toy");
    let g = toy.generate.as_ref().expect("tt_sl_toy is generated");
    assert_eq!(
        (g.model.as_str(), g.events, g.files, g.seed),
        ("tt_sl", 200_000, 4, 1)
    );
    assert_eq!(
        (g.at.line(), g.at.column()),
        place(&text, "generate: {model: tt_sl, events: 200000", "{")
    );
    assert!(toy.files.is_empty());
    // Filled from `generate` where the config does not say.
    assert_eq!((toy.n_events, toy.n_files), (Some(200_000), Some(4)));

    // Files default to 1 and the seed to the dataset id; agreeing counts are accepted.
    let dy = dataset(&analysis, "toys", "dy_toy");
    let g = dy.generate.as_ref().expect("dy_toy is generated");
    assert_eq!(
        (g.model.as_str(), g.events, g.files, g.seed),
        ("dy_ll", 1000, 1, 8)
    );
    assert_eq!(
        (g.at.line(), g.at.column()),
        place(&text, "model: dy_ll", "model")
    );
    assert_eq!((dy.n_events, dy.n_files), (Some(1000), Some(1)));

    let powheg = dataset(&analysis, "toys", "tt_sl_powheg");
    assert!(powheg.generate.is_none());
    assert!(matches!(&powheg.files[..], [FileRef::Local(p)] if p.ends_with("nano_tt_v12.root")));
    assert_eq!((powheg.n_events, powheg.n_files), (None, None));
}

#[test]
fn generate_merges_under_extends() {
    let analysis = good();
    let toy = dataset(&analysis, "toys_more", "tt_sl_toy");
    let g = toy.generate.as_ref().expect("tt_sl_toy is generated");
    assert_eq!(
        (g.model.as_str(), g.events, g.files, g.seed),
        ("tt_sl", 400_000, 4, 1)
    );
    assert_eq!(toy.n_events, Some(400_000));

    // `files: ~` took back the base's files; the seed is the (negative) id's bits.
    let switched = dataset(&analysis, "toys_more", "tt_sl_powheg");
    assert!(switched.files.is_empty());
    let g = switched
        .generate
        .as_ref()
        .expect("tt_sl_powheg is generated");
    assert_eq!((g.events, g.files, g.seed), (10, 10, u64::MAX - 8));
    assert_eq!((switched.n_events, switched.n_files), (Some(10), Some(10)));

    // The base config is untouched.
    assert!(dataset(&analysis, "toys", "tt_sl_powheg")
        .generate
        .is_none());
    let dy = dataset(&analysis, "toys_more", "dy_toy");
    assert_eq!(dy.generate, dataset(&analysis, "toys", "dy_toy").generate);
}

const BAD: &str = r#"analysis: x
configs:
  - name: c
    id: 1
    processes: [{name: p, id: 1}]
    datasets:
      - {name: both, id: 1, kind: mc, processes: [p], files: [x.root], generate: {model: m, events: 10}}
      - {name: none, id: 2, kind: mc, processes: [p]}
      - {name: zero, id: 3, kind: mc, processes: [p], generate: {model: m, events: 0, files: 0}}
      - {name: many, id: 4, kind: mc, processes: [p], generate: {model: m, events: 3, files: 4}}
      - {name: types, id: 5, kind: mc, processes: [p], generate: {model: [m], events: lots, seed: -1, file: 2}}
      - {name: empty, id: 6, kind: mc, processes: [p], generate: {}}
      - {name: counts, id: 7, kind: mc, processes: [p], n_events: 5, n_files: 2, generate: {model: m, events: 10, files: 3}}
      - {name: scalar, id: 8, kind: mc, processes: [p], generate: tt_sl}
      - name: reversed
        id: 9
        kind: mc
        processes: [p]
        generate: {model: m, events: 1}
        files: [x.root]
"#;

#[test]
fn both_none_and_bad_values_are_located() {
    let (_dir, file, errors) = errors(&[("bad.yaml", BAD), ("x.root", "")]);
    let f = file.as_path();
    let at = |line_text, needle| place(BAD, line_text, needle);

    let e = find(
        &errors,
        f,
        at("name: both", "generate"),
        "dataset has both `files` (at ",
    );
    let Error::ConflictingKeys {
        key,
        other,
        other_at,
        ..
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!((*key, *other), ("generate", "files"));
    assert_eq!(
        (other_at.line(), other_at.column()),
        at("name: both", "files")
    );
    assert!(e
        .to_string()
        .contains("which exclude each other; keep one (an extending config drops its base's with `files: ~` or `generate: ~`)"));
    // Written the other way round, the error sits at `files`.
    find(
        &errors,
        f,
        at("        files: [x.root]", "files"),
        "dataset has both `generate` (at ",
    );

    let e = find(
        &errors,
        f,
        at("name: none", "{"),
        "dataset needs `files` or `generate`; `files` lists the files to read, `generate` makes toy events instead",
    );
    assert!(matches!(e, Error::MissingEither { .. }));

    find(
        &errors,
        f,
        at("name: zero", "0,"),
        "invalid number of generated events `0`: generate at least one event",
    );
    find(
        &errors,
        f,
        at("name: zero", "0}"),
        "invalid number of generated files `0`: a generated dataset has at least one file",
    );
    find(
        &errors,
        f,
        at("name: many", "4}"),
        "invalid number of generated files `4`: 3 event(s) cannot fill 4 files (each file holds at least one event); use at most 3",
    );

    find(
        &errors,
        f,
        at("name: types", "[m]"),
        "`model` must be text, found a list",
    );
    find(
        &errors,
        f,
        at("name: types", "lots"),
        "`events` must be a non-negative integer, found `lots`",
    );
    find(
        &errors,
        f,
        at("name: types", "-1"),
        "`seed` must be a non-negative integer, found `-1`",
    );
    let e = find(
        &errors,
        f,
        at("name: types", "file:"),
        "unknown key `file` in generate (did you mean `files`?)",
    );
    assert!(matches!(e, Error::UnknownKey { .. }));

    let empty = at("name: empty", "{}");
    find(
        &errors,
        f,
        empty,
        "generate is missing the required key `model`",
    );
    find(
        &errors,
        f,
        empty,
        "generate is missing the required key `events`",
    );

    let generate_at = at("name: counts", "{model");
    let e = find(
        &errors,
        f,
        at("name: counts", "5,"),
        &format!(
            "invalid n_events `5`: `generate` (at {}:{}:{}) makes 10 events; write 10 or leave `n_events` out (it is filled from `generate`)",
            f.display(),
            generate_at.0,
            generate_at.1
        ),
    );
    assert!(matches!(e, Error::InvalidValue { .. }));
    find(
        &errors,
        f,
        at("name: counts", "2,"),
        "invalid n_files `2`: `generate` (at ",
    );

    find(
        &errors,
        f,
        at("name: scalar", "tt_sl}"),
        "`generate` must be a mapping, found `tt_sl`",
    );
    assert_eq!(errors.errors().len(), 15, "{errors}");
}

#[test]
fn extending_a_dataset_of_files_with_generate_needs_files_taken_back() {
    let base = "analysis: x\nconfigs:\n  - name: base\n    id: 1\n    processes: [{name: p, id: 1}]\n    datasets:\n\
                \x20     - {name: d, id: 1, kind: mc, processes: [p], files: [x.root], n_events: 7}\n\
                \x20     - {name: e, id: 2, kind: mc, processes: [p], files: [x.root]}\n";
    let more = "configs:\n  - name: more\n    id: 2\n    extends: base\n    datasets:\n\
                \x20     - {name: d, generate: {model: m, events: 5}}\n\
                \x20     - {name: e, files: ~}\n";
    let (_dir, top, errors) = errors(&[
        ("base.yaml", &format!("include: [more.yaml]\n{base}")),
        ("more.yaml", more),
        ("x.root", ""),
    ]);
    let base_text = format!("include: [more.yaml]\n{base}");
    let more_file = top.parent().unwrap().join("more.yaml");
    // The merged-in key is the one reported, with the base's key as the other place.
    let e = find(
        &errors,
        &more_file,
        place(more, "name: d", "generate"),
        "dataset has both `files` (at ",
    );
    let Error::ConflictingKeys { other_at, .. } = e else {
        panic!("{e:?}")
    };
    assert_eq!(other_at.file(), top);
    assert_eq!(
        (other_at.line(), other_at.column()),
        place(&base_text, "name: d", "files")
    );
    // The base's n_events is inherited and disagrees with what `generate` makes.
    find(
        &errors,
        &top,
        place(&base_text, "name: d", "7"),
        "invalid n_events `7`: `generate` (at ",
    );
    // Taking back `files` without a `generate` leaves the dataset without events.
    find(
        &errors,
        &more_file,
        place(more, "name: e", "{"),
        "dataset needs `files` or `generate`",
    );
    assert_eq!(errors.errors().len(), 3, "{errors}");
}
