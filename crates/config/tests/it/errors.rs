use std::path::{Path, PathBuf};

use cf_config::{Analysis, ConfigErrors, Error};

/// Writes `files` (name, text) into a fresh directory and loads the first one.
fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf, ConfigErrors) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let top = dir.path().join(files[0].0);
    let errors = match Analysis::load(&top) {
        Ok(_) => panic!("{} should not load", files[0].0),
        Err(e) => e,
    };
    (dir, top, errors)
}

/// 1-based column of `needle` in line `line` (1-based) of `text`.
fn col(text: &str, line: usize, needle: &str) -> usize {
    let l = text.lines().nth(line - 1).unwrap();
    l.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in line {line}: {l}"))
        + 1
}

/// The one error at `file:line:column` whose message contains `text`.
fn find<'a>(
    errors: &'a ConfigErrors,
    file: &Path,
    line: usize,
    column: usize,
    text: &str,
) -> &'a Error {
    let found: Vec<&Error> = errors
        .errors()
        .iter()
        .filter(|e| {
            let at = e.location();
            at.file() == file
                && at.line() == line
                && at.column() == column
                && e.to_string().contains(text)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one error at {line}:{column} containing `{text}`, got:\n{errors}"
    );
    found[0]
}

const BAD: &str = r##"analysis: bad
configs:
  - name: c
    id: 1
    processes:
      - {name: tt, id: 1, color: "#zz0000"}
      - {name: dy, id: 1, colour: red}
      - {name: tt, id: 3, children: [tt_sl]}
    datasets:
      - {name: d, id: 1, kind: mc, processes: [ttt], files: [missing_*.root]}
    shifts:
      - {source: jec, type: shape, id: 10, aliases: {Jet.pt: "Jet.pt_{nam}"}}
      - {source: jer, type: shap, id: 10, aliases: {"Jet..pt": "Jet.pt_{name}"}}
    variables:
      - name: jet1_pt
        id: one
        expression: "Jet.pt[:,0] * * 2"
        binnig: [40, 0, 400]
    categories:
      - {name: incl, id: 1, children: [e]}
    defaults:
      variables: [jet1_pt, jet2_pt]
    event_weights:
      pu_weight: [pu]
"##;

#[test]
fn every_error_is_reported_with_its_place() {
    let (_dir, file, errors) = load(&[("bad.yaml", BAD)]);
    let f = file.as_path();
    let at = |line, needle| (line, col(BAD, line, needle));

    let (l, c) = at(6, "\"#zz");
    find(&errors, f, l, c, "invalid colour `#zz0000`");
    let (l, c) = at(7, "1");
    let e = find(&errors, f, l, c, "duplicate process id `1`");
    assert!(matches!(e, Error::Duplicate { first, .. } if first.line() == 6));
    let (l, c) = at(7, "colour");
    let e = find(
        &errors,
        f,
        l,
        c,
        "unknown key `colour` in process (did you mean `color`?)",
    );
    assert!(matches!(e, Error::UnknownKey { suggestion: Some(s), .. } if s == "color"));
    let (l, c) = at(8, "tt");
    find(&errors, f, l, c, "duplicate process name `tt`");
    let (l, c) = at(8, "tt_sl");
    let e = find(&errors, f, l, c, "unknown process `tt_sl`");
    assert!(matches!(
        e,
        Error::UnknownReference {
            suggestion: None,
            ..
        }
    ));
    let (l, c) = at(10, "ttt");
    find(
        &errors,
        f,
        l,
        c,
        "unknown process `ttt`: no process of that name is declared (did you mean `tt`?)",
    );
    let (l, c) = at(10, "missing_");
    let e = find(&errors, f, l, c, "`missing_*.root` matches no file");
    assert!(matches!(e, Error::NoFiles { .. }));
    let (l, c) = at(12, "\"Jet.pt_{nam}");
    find(
        &errors,
        f,
        l,
        c,
        "unknown placeholder `{nam}` (did you mean `{name}`?)",
    );
    let (l, c) = at(13, "shap");
    find(&errors, f, l, c, "invalid shift type `shap`: a shift source is of type `shape` (changes columns) or `rate` (did you mean `shape`?)");
    let (l, c) = at(13, "10");
    find(&errors, f, l, c, "duplicate shift id `10`");
    // jer_down takes id 11, which jec_down has already.
    find(&errors, f, l, c, "duplicate shift id `11`");
    let (l, c) = at(13, "\"Jet..pt");
    let e = find(&errors, f, l, c, "invalid route `Jet..pt`");
    assert!(matches!(e, Error::InvalidRoute { .. }));
    let (l, c) = at(16, "one");
    find(&errors, f, l, c, "`id` must be an integer, found `one`");
    // The column of the second `*` inside the quoted expression.
    let (l, c) = at(17, "* 2");
    let e = find(
        &errors,
        f,
        l,
        c,
        "invalid expression `Jet.pt[:,0] * * 2`: unexpected `*`",
    );
    assert!(matches!(e, Error::InvalidExpression { .. }));
    let (l, c) = at(18, "binnig");
    find(
        &errors,
        f,
        l,
        c,
        "unknown key `binnig` in variable (did you mean `binning`?)",
    );
    let (l, c) = at(15, "name");
    find(
        &errors,
        f,
        l,
        c,
        "variable is missing the required key `binning`",
    );
    let (l, c) = at(20, "e]");
    find(&errors, f, l, c, "unknown category `e`");
    let (l, c) = at(22, "jet2_pt");
    find(
        &errors,
        f,
        l,
        c,
        "unknown variable `jet2_pt`: no variable of that name is declared (did you mean `jet1_pt`?)",
    );
    let (l, c) = at(24, "pu]");
    find(&errors, f, l, c, "unknown shift source `pu`");
    assert_eq!(errors.errors().len(), 19, "{errors}");
    assert_eq!(errors.omitted(), 0);
}

#[test]
fn display_is_one_located_line_per_error() {
    let (_dir, file, errors) = load(&[("bad.yaml", BAD)]);
    let text = errors.to_string();
    assert_eq!(text.lines().count(), errors.errors().len());
    let expected = format!(
        "{}:18:9: unknown key `binnig` in variable (did you mean `binning`?)",
        file.display()
    );
    assert!(
        text.lines().any(|l| l == expected),
        "no line `{expected}` in:\n{text}"
    );
    // Sorted by place.
    let lines: Vec<usize> = errors
        .errors()
        .iter()
        .map(|e| e.location().line())
        .collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn syntax_errors_are_located() {
    let text = "analysis: x\nconfigs:\n  - name: [a, b\n    id: 1\n";
    let (_dir, file, errors) = load(&[("broken.yaml", text)]);
    let [Error::Syntax { at, message }] = errors.errors() else {
        panic!("{errors}")
    };
    assert_eq!(at.file(), file);
    assert_eq!((at.line(), at.column()), (4, 7));
    assert!(!message.is_empty());
}

#[test]
fn a_missing_top_file_is_an_io_error_at_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.yaml");
    let errors = Analysis::load(&path).unwrap_err();
    let [Error::Io {
        at, path: failed, ..
    }] = errors.errors()
    else {
        panic!("{errors}")
    };
    assert_eq!((at.file(), at.line(), at.column()), (path.as_path(), 1, 1));
    assert_eq!(failed, &path);
    assert!(errors
        .to_string()
        .starts_with(&format!("{}:1:1: cannot read", path.display())));
}

#[test]
fn bad_globs_point_into_the_pattern() {
    // The directory name holds glob characters; only the pattern's own may count.
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("run[1]");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("a_1.root"), b"").unwrap();
    let text = "analysis: x\nconfigs:\n  - name: c\n    id: 1\n    processes: [{name: p, id: 1}]\n    datasets:\n\
                \x20     - {name: d, id: 1, kind: mc, processes: p, files: [\"a_*.root\", \"b_[x.root\"]}\n";
    let path = sub.join("c.yaml");
    std::fs::write(&path, text).unwrap();
    let errors = Analysis::load(&path).unwrap_err();
    find(
        &errors,
        &path,
        7,
        col(text, 7, "[x.root"),
        "invalid glob `b_[x.root`",
    );
    assert_eq!(errors.errors().len(), 1, "{errors}");
}

#[test]
fn extends_and_include_problems() {
    let top = "analysis: x\ninclude: [more.yaml, nothere.yaml]\nconfigs:\n  - {name: a, id: 1, extends: b}\n  - {name: b, id: 2, extends: a}\n  - {name: c, id: 3, extends: bb}\n  - {name: c, id: 3}\n";
    let more = "configs:\n  - {id: 4}\ninclude: [top.yaml]\n";
    let (_dir, file, errors) = load(&[("top.yaml", top), ("more.yaml", more)]);
    let f = file.as_path();
    find(
        &errors,
        f,
        5,
        col(top, 5, "a}"),
        "circular extends: a -> b -> a",
    );
    assert_eq!(errors.to_string().matches("circular extends").count(), 1);
    find(
        &errors,
        f,
        6,
        col(top, 6, "bb"),
        "unknown config `bb`: no config of that name is declared (did you mean `b`?)",
    );
    find(
        &errors,
        f,
        7,
        col(top, 7, "c,"),
        "duplicate config name `c`",
    );
    find(&errors, f, 7, col(top, 7, "3"), "duplicate config id `3`");
    let e = find(&errors, f, 2, col(top, 2, "nothere"), "cannot read");
    assert!(matches!(e, Error::Io { path, .. } if path.ends_with("nothere.yaml")));
    let more_file = f.parent().unwrap().join("more.yaml");
    find(
        &errors,
        &more_file,
        2,
        5,
        "config is missing the required key `name`",
    );
    find(
        &errors,
        &more_file,
        3,
        col(more, 3, "top"),
        "circular include",
    );
}

#[test]
fn error_count_is_capped() {
    let mut text = String::from("analysis: x\nconfigs:\n  - name: c\n    id: 1\n    variables:\n");
    for i in 0..150 {
        text.push_str(&format!(
            "      - {{name: v{i}, id: {i}, binning: [1, 0, 1], wrong: 1}}\n"
        ));
    }
    let (_dir, _file, errors) = load(&[("many.yaml", &text)]);
    assert_eq!(errors.errors().len(), cf_config::MAX_ERRORS);
    assert_eq!(errors.omitted(), 150 - cf_config::MAX_ERRORS);
    assert!(errors.to_string().ends_with("and 50 more errors"));
}

#[test]
fn circles_in_children_and_data_mc_mismatch() {
    let text = "analysis: x\nconfigs:\n  - name: c\n    id: 1\n    processes:\n\
                \x20     - {name: a, id: 1, children: [b]}\n      - {name: b, id: 2, children: a}\n\
                \x20     - {name: data, id: 3, is_data: true}\n\
                \x20   datasets:\n      - {name: d, id: 1, kind: mc, processes: [data], files: [x.root]}\n\
                \x20   categories:\n      - {name: p, id: 1, children: [q]}\n      - {name: q, id: 2, children: [p]}\n\
                \x20   luminosity: {value: 10, uncertainy: 0.1}\n\
                \x20   shifts:\n      - {source: jes, type: rate, id: 5, aliases: {Jet.pt: \"Jet.{pt,mass}_{name}\"}}\n\
                \x20   ecm: 13\n    ecm: 14\n";
    let (_dir, file, errors) = load(&[("c.yaml", text), ("x.root", "")]);
    let f = file.as_path();
    find(
        &errors,
        f,
        6,
        col(text, 6, "{"),
        "circular process children: a -> b -> a",
    );
    find(
        &errors,
        f,
        12,
        col(text, 12, "{"),
        "circular category children: p -> q -> p",
    );
    find(
        &errors,
        f,
        10,
        col(text, 10, "data]"),
        "a mc dataset needs simulated processes",
    );
    find(
        &errors,
        f,
        14,
        col(text, 14, "uncertainy"),
        "(did you mean `uncertainty`?)",
    );
    find(
        &errors,
        f,
        16,
        col(text, 16, "\"Jet.{"),
        "`Jet.pt` expands to 1 route(s) but the source to 2",
    );
    find(
        &errors,
        f,
        18,
        5,
        "key `ecm` appears twice in config (first at",
    );
    assert_eq!(errors.errors().len(), 6, "{errors}");
}

#[test]
fn a_file_included_twice_counts_once() {
    let top = "analysis: x\ninclude: [a.yaml, b.yaml]\n";
    let shared = "configs:\n  - {name: shared, id: 1}\n";
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("top.yaml", top),
        ("a.yaml", "include: [shared.yaml]\n"),
        ("b.yaml", "include: [shared.yaml]\n"),
        ("shared.yaml", shared),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let analysis = Analysis::load(dir.path().join("top.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(analysis.configs().len(), 1);
    assert_eq!(analysis.configs()[0].name(), "shared");
}

#[test]
fn wrong_types_are_located() {
    let text = "analysis: x\nconfigs:\n  - name: c\n    id: 1\n    luminosity: lots\n\
                \x20   processes:\n      - {name: a, id: 1, xsec: 800, is_data: yes}\n\
                \x20   variables: {v: 1}\n    event_weights: {w: [], w: []}\n  - just text\n";
    let (_dir, file, errors) = load(&[("t.yaml", text)]);
    let f = file.as_path();
    find(
        &errors,
        f,
        5,
        col(text, 5, "lots"),
        "`luminosity` must be a finite number, found `lots`",
    );
    find(
        &errors,
        f,
        7,
        col(text, 7, "800"),
        "`xsec` must be a mapping of energies (TeV) to cross sections (pb), found `800`",
    );
    find(
        &errors,
        f,
        7,
        col(text, 7, "yes"),
        "`is_data` must be true or false, found `yes`",
    );
    find(
        &errors,
        f,
        8,
        col(text, 8, "{"),
        "`variables` must be a list, found a mapping",
    );
    find(
        &errors,
        f,
        9,
        col(text, 9, "w: []}"),
        "key `w` appears twice in event_weights",
    );
    find(
        &errors,
        f,
        10,
        col(text, 10, "just"),
        "`configs` must be a list of mappings, found `just text`",
    );
    assert_eq!(errors.errors().len(), 6, "{errors}");
}
