use cf_columns::Route;
use cf_config::{Analysis, Binning, Direction, FileRef, ShiftType};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/showcase.yaml");

fn example() -> Analysis {
    Analysis::load(EXAMPLE).unwrap_or_else(|e| panic!("example config does not load:\n{e}"))
}

fn route(text: &str) -> Route {
    Route::parse(text).unwrap()
}

#[test]
fn example_has_processes_and_datasets() {
    let analysis = example();
    assert_eq!(analysis.name(), "ttbar_example");
    let config = analysis.config("run3_2022_preEE").unwrap();
    assert_eq!(config.ecm(), Some(13.6));
    let lumi = config.luminosity().unwrap();
    assert_eq!((lumi.value, lumi.uncertainty), (7980.4, Some(0.014)));

    let tt = config.process("tt").unwrap();
    assert_eq!(tt.color.unwrap().to_hex(), "#e42536");
    assert_eq!(tt.children, ["tt_sl", "tt_dl"]);
    let xsec = tt.xsec(13.6).unwrap();
    assert_eq!((xsec.value, xsec.uncertainty), (923.6, Some(39.6)));
    assert!(tt.xsec(13.0).is_none());
    assert_eq!(
        config.process("data").unwrap().color.unwrap().to_hex(),
        "#000000"
    );
    assert_eq!(
        config.process("dy").unwrap().xsec(13.0).unwrap().value,
        6077.22
    );

    let tt_sl = config.dataset("tt_sl_powheg").unwrap();
    assert!(!tt_sl.is_data() && tt_sl.has_tag("has_top"));
    let data_dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/nanoaod"
    ));
    let expected: Vec<_> = std::fs::read_dir(data_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("nano_tt_") && n.ends_with(".root"))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(tt_sl.files.len(), expected.len());
    for file in &tt_sl.files {
        let FileRef::Local(path) = file else {
            panic!("{file:?} should be local")
        };
        assert!(path.is_file(), "{} should exist", path.display());
    }

    let dy = config.dataset("dy_m50_madgraph").unwrap();
    assert_eq!(dy.n_events, Some(40000));
    assert!(matches!(&dy.files[1], FileRef::Remote(url) if url.starts_with("root://")));
    assert!(config.dataset("data_mu_c").unwrap().is_data());
    assert!(config.dataset("tt_dl").is_none());

    assert!(matches!(config.external_file("pu_sf"), Some(FileRef::Local(p)) if p.is_file()));
    assert_eq!(config.defaults().selector.as_deref(), Some("default"));
    assert_eq!(
        config.defaults().categories,
        ["incl", "e__4j1b", "mu__4j1b"]
    );
    let weights: Vec<(String, Vec<String>)> = config
        .event_weights()
        .iter()
        .map(|w| (w.column.to_string(), w.shifts.clone()))
        .collect();
    assert_eq!(
        weights,
        [
            ("normalization_weight".to_string(), vec![]),
            ("pu_weight".to_string(), vec!["pu".to_string()])
        ]
    );
    let keep = &config.keep_columns()["ReduceEvents"];
    assert!(keep.contains(&route("Jet.btagDeepFlavB")));
    assert!(keep.contains(&route("Muon.phi")));
    assert!(keep.contains(&route("luminosityBlock")));
    assert_eq!(keep.len(), 3 + 5 + 6 + 1);
    assert_eq!(config.aux()["btag_working_point"], 0.3086);
}

#[test]
fn shift_aliases_expand_per_shift() {
    let analysis = example();
    let config = analysis.config("run3_2022_preEE").unwrap();
    let names: Vec<(&str, i64)> = config
        .shifts()
        .iter()
        .map(|s| (s.name.as_str(), s.id))
        .collect();
    assert_eq!(
        names,
        [
            ("nominal", 0),
            ("jec_up", 10),
            ("jec_down", 11),
            ("jer_up", 20),
            ("jer_down", 21),
            ("pu_up", 30),
            ("pu_down", 31)
        ]
    );
    let jec_down = config.shift("jec_down").unwrap();
    assert_eq!(jec_down.direction, Direction::Down);
    assert_eq!(jec_down.source.as_deref(), Some("jec"));
    assert_eq!(
        jec_down.aliases,
        [
            (route("Jet.pt"), route("Jet.pt_jec_down")),
            (route("Jet.mass"), route("Jet.mass_jec_down")),
            (route("MET.pt"), route("MET.pt_jec_down")),
        ]
    );
    assert_eq!(
        config.shift("jer_up").unwrap().aliases,
        [(route("Jet.pt"), route("Jet.pt_jer_up"))]
    );
    let pu_up = config.shift("pu_up").unwrap();
    assert_eq!(pu_up.kind, ShiftType::Rate);
    assert!(pu_up.aliases.is_empty());
    assert!(config.shift("nominal").unwrap().is_nominal());
}

#[test]
fn variables_parse_expressions_and_binning() {
    let analysis = example();
    let config = analysis.config("run3_2022_preEE").unwrap();
    let ht = config.variable("ht").unwrap();
    let routes: Vec<String> = ht.routes().iter().map(Route::to_string).collect();
    assert_eq!(
        routes,
        ["Jet.pt[:,0]", "Jet.pt[:,1]", "Jet.pt[:,2]", "Jet.pt[:,3]"]
    );
    assert_eq!(
        ht.binning,
        Binning::Edges(vec![0., 100., 200., 300., 400., 600., 800., 1200.])
    );
    let jet1 = config.variable("jet1_pt").unwrap();
    assert_eq!(
        jet1.binning,
        Binning::Regular {
            n: 40,
            lo: 0.0,
            hi: 400.0
        }
    );
    assert_eq!(jet1.binning.edges().len(), 41);
    assert_eq!(jet1.null_value, Some(-1.0));
    assert_eq!(jet1.unit.as_deref(), Some("GeV"));
    let n_jet = config.variable("n_jet").unwrap();
    assert!(n_jet.discrete);
    assert_eq!(n_jet.routes(), [route("nJet")]);
}

#[test]
fn category_combinations_are_leaves() {
    let analysis = example();
    let config = analysis.config("run3_2022_preEE").unwrap();
    let combo = config.category("mu__4j2b").unwrap();
    assert_eq!(combo.id, 200 + 2000);
    assert_eq!(combo.categorizers, ["cat_mu", "cat_4j", "cat_2b"]);
    assert_eq!(combo.combines, ["mu", "4j2b"]);
    assert_eq!(combo.label, "$\\mu$, 4j, 2b");
    assert_eq!(
        config.category("e").unwrap().children,
        ["e__4j1b", "e__4j2b"]
    );
    assert_eq!(
        config.category("4j1b").unwrap().children,
        ["e__4j1b", "mu__4j1b"]
    );
    let mut leaves: Vec<&str> = config
        .leaf_categories()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    leaves.sort_unstable();
    assert_eq!(
        leaves,
        ["e__4j1b", "e__4j2b", "incl", "mu__4j1b", "mu__4j2b"]
    );
}

#[test]
fn three_groups_nest_pairs_under_triples() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("analysis.yaml");
    std::fs::write(
        &path,
        "analysis: a\nconfigs:\n  - name: c\n    id: 1\n    categories:\n\
         \x20     - {name: e, id: 1}\n      - {name: mu, id: 2}\n      - {name: j4, id: 10}\n\
         \x20     - {name: os, id: 100}\n      - {name: ss, id: 200}\n\
         \x20   category_groups: {lep: [e, mu], jets: [j4], sign: [os, ss]}\n",
    )
    .unwrap();
    let analysis = Analysis::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let config = analysis.config("c").unwrap();
    // 2 + 4 + 2 pairs, 4 triples.
    assert_eq!(config.categories().len(), 5 + 8 + 4);
    assert_eq!(config.category("mu__j4__ss").unwrap().id, 212);
    assert_eq!(
        config.category("mu__j4").unwrap().children,
        ["mu__j4__os", "mu__j4__ss"]
    );
    assert_eq!(config.category("e__ss").unwrap().children, ["e__j4__ss"]);
    assert_eq!(config.leaf_categories().len(), 4);
}

#[test]
fn extending_config_merges_by_name() {
    let analysis = example();
    let post = analysis.config("run3_2022_postEE").unwrap();
    assert_eq!((post.id(), post.extends()), (2, Some("run3_2022_preEE")));
    assert_eq!(post.campaign(), Some("run3_2022_postEE_nano_v12"));
    assert_eq!(post.luminosity().unwrap().value, 26671.7);
    assert_eq!(post.ecm(), Some(13.6));
    let jet1 = post.variable("jet1_pt").unwrap();
    assert_eq!(
        jet1.binning,
        Binning::Regular {
            n: 60,
            lo: 0.0,
            hi: 600.0
        }
    );
    assert_eq!(jet1.expression_text, "Jet.pt[:,0]");
    assert_eq!(jet1.unit.as_deref(), Some("GeV"));
    assert_eq!(post.variables().len(), 3);
    assert_eq!(post.processes().len(), 5);
    assert_eq!(post.leaf_categories().len(), 5);
    let pre = analysis.config("run3_2022_preEE").unwrap();
    assert_eq!(pre.variable("jet1_pt").unwrap().binning.edges().len(), 41);
}

#[test]
fn extends_across_included_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/events.root"), b"").unwrap();
    std::fs::write(
        dir.path().join("sub/base.yaml"),
        "configs:\n  - name: base\n    id: 1\n    processes:\n      - {name: tt, id: 1, xsec: {13: 800}}\n\
         \x20     - {name: dy, id: 2}\n    datasets:\n\
         \x20     - {name: tt_a, id: 1, kind: mc, processes: [tt], files: [events.root], tags: [a]}\n",
    )
    .unwrap();
    let top = dir.path().join("analysis.yaml");
    std::fs::write(
        &top,
        "analysis: x\ninclude: [sub/base.yaml]\nconfigs:\n  - name: child\n    id: 2\n    extends: base\n\
         \x20   processes:\n      - {name: tt, xsec: {13.6: 900}}\n      - {name: st, id: 3}\n",
    )
    .unwrap();
    let analysis = Analysis::load(&top).unwrap_or_else(|e| panic!("{e}"));
    let child = analysis.config("child").unwrap();
    let tt = child.process("tt").unwrap();
    assert_eq!(
        (
            tt.id,
            tt.xsec(13.0).unwrap().value,
            tt.xsec(13.6).unwrap().value
        ),
        (1, 800.0, 900.0)
    );
    let names: Vec<&str> = child.processes().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["tt", "dy", "st"]);
    // The dataset path stays relative to the file that wrote it.
    let FileRef::Local(file) = &child.dataset("tt_a").unwrap().files[0] else {
        panic!()
    };
    assert!(file.ends_with("sub/events.root") && file.is_file());
    assert_eq!(analysis.config("base").unwrap().processes().len(), 2);
}

#[test]
fn alias_patterns_expand_on_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.yaml");
    std::fs::write(
        &path,
        "analysis: a\nconfigs:\n  - name: c\n    id: 1\n    shifts:\n      - source: jec\n        type: shape\n        id: 2\n\
         \x20       aliases:\n          \"{Jet,FatJet}.{pt,mass}\": \"{Jet,FatJet}.{pt,mass}_{source}{direction}\"\n\
         \x20         MET.phi: \"MET.phi_{name}\"\n",
    )
    .unwrap();
    let analysis = Analysis::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let config = analysis.config("c").unwrap();
    let down: Vec<(String, String)> = config
        .shift("jec_down")
        .unwrap()
        .aliases
        .iter()
        .map(|(d, s)| (d.to_string(), s.to_string()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("Jet.pt", "Jet.pt_jecdown"),
        ("Jet.mass", "Jet.mass_jecdown"),
        ("FatJet.pt", "FatJet.pt_jecdown"),
        ("FatJet.mass", "FatJet.mass_jecdown"),
        ("MET.phi", "MET.phi_jec_down"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(down, expected);
    assert_eq!(config.shift("jec_up").unwrap().id, 2);
    assert_eq!(config.shift_sources()[0].aliases.len(), 2);
}

#[test]
fn trees_of_processes_and_categories() {
    let analysis = example();
    let config = analysis.config("run3_2022_preEE").unwrap();
    let tree: Vec<&str> = config
        .process_tree("tt")
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(tree, ["tt", "tt_sl", "tt_dl"]);
    let datasets: Vec<&str> = config
        .datasets_of("tt")
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(datasets, ["tt_sl_powheg"]);
    assert!(config.datasets_of("tt_dl").is_empty());
    assert!(config.process_tree("nope").is_empty());
    let leaves: Vec<&str> = config
        .leaves_of("mu")
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(leaves, ["mu__4j1b", "mu__4j2b"]);
    let leaves: Vec<&str> = config
        .leaves_of("4j2b")
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(leaves, ["e__4j2b", "mu__4j2b"]);
    assert_eq!(config.leaves_of("incl").len(), 1);
}
