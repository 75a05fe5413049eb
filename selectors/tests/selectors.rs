//! The standard selectors on real NanoAOD, against independent computations.

use std::collections::BTreeMap;
use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, UInt8Type};
use arrow_array::{Array, BooleanArray};
use cf_analysis::{DatasetInfo, FunctionTree, Kind, Outcome, Registry, SelectionResult};
use cf_columns::{Events, Route};
use cf_io::EventFile;
use cf_selectors::GoldenJson;

fn data(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data")).join(name)
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    cf_selectors::register(&mut registry).unwrap();
    registry
}

fn select(tree: &FunctionTree, events: &mut Events) -> SelectionResult {
    match tree.run(events).unwrap() {
        Outcome::Selection(selection) => selection,
        other => panic!("a selector returns a selection, not {other:?}"),
    }
}

fn f32s(events: &Events, route: &str, i: usize) -> Vec<f32> {
    let column = events.column(&Route::parse(route).unwrap()).unwrap();
    column
        .as_list::<i32>()
        .value(i)
        .as_primitive::<Float32Type>()
        .values()
        .to_vec()
}

#[test]
fn agc_selection_matches_a_direct_computation() {
    let registry = registry();
    let dataset = DatasetInfo {
        name: "tt".into(),
        is_mc: true,
    };
    let tree = FunctionTree::build(&registry, "agc", Kind::Selector, &dataset).unwrap();
    let file = EventFile::open(data("nanoaod/nano_tt_v12.root")).unwrap();
    let mut events = file
        .read(&tree.used_columns(), 1000)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let selection = select(&tree, &mut events);
    let steps: Vec<&str> = selection.steps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(steps, ["lepton", "jet", "btag"]);

    let column = |route: &str| events.column(&Route::parse(route).unwrap()).unwrap();
    let (e_cut, j_id, m_tight) = (
        column("Electron.cutBased"),
        column("Jet.jetId"),
        column("Muon.tightId"),
    );
    let mut passed = 0;
    for i in 0..events.num_events() {
        let (ept, eeta, esip) = (
            f32s(&events, "Electron.pt", i),
            f32s(&events, "Electron.eta", i),
            f32s(&events, "Electron.sip3d", i),
        );
        let ecut = e_cut.as_list::<i32>().value(i);
        let ecut = ecut.as_primitive::<UInt8Type>();
        let electrons = (0..ept.len())
            .filter(|&k| {
                ept[k] > 30.0 && eeta[k].abs() < 2.1 && ecut.value(k) == 4 && esip[k] < 4.0
            })
            .count();
        let (mpt, meta, msip, miso) = (
            f32s(&events, "Muon.pt", i),
            f32s(&events, "Muon.eta", i),
            f32s(&events, "Muon.sip3d", i),
            f32s(&events, "Muon.pfRelIso04_all", i),
        );
        let tight = m_tight.as_list::<i32>().value(i);
        let tight = tight.as_boolean();
        let muons = (0..mpt.len())
            .filter(|&k| {
                mpt[k] > 30.0
                    && meta[k].abs() < 2.1
                    && tight.value(k)
                    && msip[k] < 4.0
                    && miso[k] < 0.15
            })
            .count();
        let (jpt, jeta, jb) = (
            f32s(&events, "Jet.pt", i),
            f32s(&events, "Jet.eta", i),
            f32s(&events, "Jet.btagDeepFlavB", i),
        );
        let jid = j_id.as_list::<i32>().value(i);
        let jid = jid.as_primitive::<UInt8Type>();
        let jets: Vec<usize> = (0..jpt.len())
            .filter(|&k| jpt[k] > 30.0 && jeta[k].abs() < 2.4 && jid.value(k) >= 6)
            .collect();
        let bjets = jets.iter().filter(|&&k| jb[k] >= 0.3).count();
        let expected = electrons + muons == 1 && jets.len() >= 4 && bjets >= 1;
        assert_eq!(selection.event_mask.value(i), expected, "event {i}");
        assert_eq!(selection.steps[1].1.value(i), jets.len() >= 4, "event {i}");
        passed += usize::from(expected);

        let chosen = selection.objects[2].indices.as_list::<i32>().value(i);
        let chosen: Vec<usize> = chosen
            .as_primitive::<arrow_array::types::Int32Type>()
            .values()
            .iter()
            .map(|&k| k as usize)
            .collect();
        assert_eq!(chosen, jets, "selected jets of event {i}");
    }
    assert!(
        passed > 0 && passed < events.num_events(),
        "{passed} of 200 pass"
    );

    drop((e_cut, j_id, m_tight));
    let objects = &selection.objects[3];
    assert_eq!(
        (objects.source.as_str(), objects.target.as_str()),
        ("Jet", "BJet")
    );
    events
        .collection_from_indices(&objects.source, &objects.target, objects.indices.as_ref())
        .unwrap();
    let btag = events
        .column(&Route::parse("BJet.btagDeepFlavB").unwrap())
        .unwrap();
    let values = btag
        .as_list::<i32>()
        .values()
        .as_primitive::<Float32Type>()
        .clone();
    assert!(values.values().iter().all(|&b| b >= 0.3));
}

fn lumi_tree(golden: &std::path::Path) -> Result<FunctionTree, cf_analysis::Error> {
    let registry = registry();
    let dataset = DatasetInfo {
        name: "data_mu".into(),
        is_mc: false,
    };
    let mut tree = FunctionTree::build(&registry, "lumi_mask", Kind::Selector, &dataset)?;
    tree.setup(&BTreeMap::from([(
        "golden_json".to_string(),
        golden.to_path_buf(),
    )]))?;
    Ok(tree)
}

#[test]
fn the_lumi_mask_keeps_certified_blocks_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = EventFile::open(data("nanoaod/nano_dimuon.root")).unwrap();
    let read = |tree: &FunctionTree| {
        file.read(&tree.used_columns(), 100)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
    };

    let covering = dir.path().join("covering.json");
    std::fs::write(
        &covering,
        r#"{"315267": [[1, 100], [200, 210]], "1": [[1, 5]]}"#,
    )
    .unwrap();
    let tree = lumi_tree(&covering).unwrap();
    let selection = select(&tree, &mut read(&tree));
    assert_eq!(
        selection.event_mask.true_count(),
        40,
        "all events are in block 205"
    );

    let missing = dir.path().join("missing.json");
    std::fs::write(&missing, r#"{"315267": [[1, 204], [206, 300]]}"#).unwrap();
    let tree = lumi_tree(&missing).unwrap();
    assert_eq!(
        select(&tree, &mut read(&tree)).event_mask,
        BooleanArray::from(vec![false; 40])
    );

    let real_2017 = data("lumi/Cert_294927-306462_13TeV_EOY2017ReReco_Collisions17_JSON.txt");
    let tree = lumi_tree(&real_2017).unwrap();
    assert_eq!(
        select(&tree, &mut read(&tree)).event_mask.true_count(),
        0,
        "2018 data is not in the 2017 JSON"
    );
    let golden = GoldenJson::from_file(&real_2017).unwrap();
    assert!(golden.contains(297050, 12) && !golden.contains(297050, 11));

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r#"{"315267": [[5, 1]]}"#).unwrap();
    let err = lumi_tree(&broken).err().unwrap().to_string();
    assert!(
        err.contains("broken.json") && err.contains("[5,1]"),
        "{err}"
    );

    let registry = registry();
    let mc = DatasetInfo {
        name: "tt".into(),
        is_mc: true,
    };
    let tree = FunctionTree::build(&registry, "lumi_mask", Kind::Selector, &mc).unwrap();
    assert_eq!(
        tree.name(),
        None,
        "the lumi mask does not run on simulation"
    );
}

#[test]
fn the_default_selector_chains_met_filters_and_agc() {
    let registry = registry();
    let dataset = DatasetInfo {
        name: "tt".into(),
        is_mc: true,
    };
    let default = FunctionTree::build(&registry, "default", Kind::Selector, &dataset).unwrap();
    let filters = FunctionTree::build(&registry, "met_filters", Kind::Selector, &dataset).unwrap();
    let agc = FunctionTree::build(&registry, "agc", Kind::Selector, &dataset).unwrap();
    assert!(
        !default.used_columns().iter().any(|r| r.head() == "run"),
        "no lumi mask on simulation"
    );

    let file = EventFile::open(data("nanoaod/nano_tt_v12.root")).unwrap();
    let mut events = file
        .read(&default.used_columns(), 1000)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let combined = select(&default, &mut events);
    let (met, agc) = (select(&filters, &mut events), select(&agc, &mut events));
    let steps: Vec<&str> = combined.steps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(steps, ["met_filter", "lepton", "jet", "btag"]);
    let expected: BooleanArray = met
        .event_mask
        .iter()
        .zip(agc.event_mask.iter())
        .map(|(a, b)| Some(a.unwrap() && b.unwrap()))
        .collect();
    assert_eq!(combined.event_mask, expected);
    assert_eq!(combined.objects.len(), 4);

    // Older NanoAOD lacks two of the Run 3 flags: reading names the file and the column.
    let old = EventFile::open(data("nanoaod/nano_dimuon.root")).unwrap();
    let err = old
        .read(&filters.used_columns(), 100)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("nano_dimuon.root") && err.contains("Flag.BadPFMuonDzFilter"),
        "{err}"
    );
}

fn mask_of(registry: &Registry, name: &str, events: &mut Events) -> Vec<bool> {
    let dataset = DatasetInfo {
        name: "tt".into(),
        is_mc: true,
    };
    let tree = FunctionTree::build(registry, name, Kind::Categorizer, &dataset).unwrap();
    match tree.run(events).unwrap() {
        Outcome::Mask(mask) => {
            assert_eq!(mask.null_count(), 0, "{name} decides every event");
            mask.iter().map(|v| v.unwrap()).collect()
        }
        other => panic!("a categorizer returns a mask, not {other:?}"),
    }
}

fn count(mask: &[bool]) -> usize {
    mask.iter().filter(|&&m| m).count()
}

#[test]
fn categorizers_count_objects_as_awkward_does() {
    let registry = registry();
    let columns =
        cf_columns::ColumnSet::parse(["{Electron,Muon,Jet}.pt", "Jet.btagDeepFlavB"]).unwrap();
    // Expected counts from uproot + awkward on the same files (b tag: btagDeepFlavB >= 0.3).
    for (file, n, e, mu, four_jets, one_b, two_b) in [
        ("nanoaod/nano_tt_v12.root", 200, 20, 18, 200, 39, 157),
        ("nanoaod/nano_dy.root", 40, 12, 4, 28, 4, 0),
    ] {
        let input = EventFile::open(data(file)).unwrap();
        let mut events = input.read(&columns, 1000).unwrap().next().unwrap().unwrap();
        let mut mask = |name| mask_of(&registry, name, &mut events);
        let (incl, cat_e, cat_mu) = (mask("cat_incl"), mask("cat_e"), mask("cat_mu"));
        let (cat_4j, cat_1b, cat_2b) = (mask("cat_4j"), mask("cat_1b"), mask("cat_2b"));
        assert_eq!(
            [&incl, &cat_e, &cat_mu, &cat_4j, &cat_1b, &cat_2b].map(|m| count(m)),
            [n, e, mu, four_jets, one_b, two_b],
            "{file}: incl, e, mu, 4j, 1b, 2b"
        );
        for i in 0..n {
            let electrons = f32s(&events, "Electron.pt", i).len();
            let muons = f32s(&events, "Muon.pt", i).len();
            let tagged = f32s(&events, "Jet.btagDeepFlavB", i)
                .iter()
                .filter(|&&b| b >= cf_selectors::BTAG_WORKING_POINT)
                .count();
            assert_eq!(cat_e[i], electrons == 1 && muons == 0, "{file} event {i}");
            assert_eq!(cat_mu[i], electrons == 0 && muons == 1, "{file} event {i}");
            assert_eq!((cat_1b[i], cat_2b[i]), (tagged == 1, tagged >= 2));
        }
    }
}

#[test]
fn after_the_agc_selection_every_event_is_in_one_lepton_channel() {
    let registry = registry();
    let dataset = DatasetInfo {
        name: "tt".into(),
        is_mc: true,
    };
    let agc = FunctionTree::build(&registry, "agc", Kind::Selector, &dataset).unwrap();
    let file = EventFile::open(data("nanoaod/nano_tt_v12.root")).unwrap();
    let mut events = file
        .read(&agc.used_columns(), 1000)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let selection = select(&agc, &mut events);
    // What ReduceEvents does: replace the collections by the selected objects (new
    // collections first: `BJet` indexes the original `Jet`), keep the selected events.
    let mut objects: Vec<_> = selection.objects.iter().collect();
    objects.sort_by_key(|o| o.source == o.target);
    for objects in objects {
        events
            .collection_from_indices(&objects.source, &objects.target, objects.indices.as_ref())
            .unwrap();
    }
    let mut reduced = events.filter(&selection.event_mask).unwrap();
    let selected = reduced.num_events();
    assert!(selected > 0, "some events pass the AGC selection");
    let cat_e = mask_of(&registry, "cat_e", &mut reduced);
    let cat_mu = mask_of(&registry, "cat_mu", &mut reduced);
    let cat_4j = mask_of(&registry, "cat_4j", &mut reduced);
    let cat_1b = mask_of(&registry, "cat_1b", &mut reduced);
    let cat_2b = mask_of(&registry, "cat_2b", &mut reduced);
    for i in 0..selected {
        assert!(
            cat_e[i] != cat_mu[i],
            "event {i}: exactly one lepton channel"
        );
        assert!(cat_4j[i], "event {i}: the selection asks for four jets");
        assert!(cat_1b[i] != cat_2b[i], "event {i}: at least one b tag");
    }
    assert!(
        count(&cat_e) > 0 && count(&cat_mu) > 0,
        "both channels occur"
    );
}

#[test]
fn a_categorizer_names_a_column_of_the_wrong_type() {
    let registry = registry();
    let not_a_list = std::sync::Arc::new(arrow_array::Float32Array::from(vec![0.5, 0.1]));
    let dataset = DatasetInfo {
        name: "tt".into(),
        is_mc: true,
    };
    let tree = FunctionTree::build(&registry, "cat_1b", Kind::Categorizer, &dataset).unwrap();
    // A group field holding one value per event, where the categorizer needs one per jet.
    let mut flat = Events::with_num_events(2);
    flat.set_column(&Route::parse("Jet.btagDeepFlavB").unwrap(), not_a_list)
        .unwrap();
    let err = tree.run(&mut flat).unwrap_err().to_string();
    assert!(
        err.contains("cat_1b") && err.contains("Jet.btagDeepFlavB") && err.contains("a list"),
        "{err}"
    );
}
