//! The three file forms read back by Python: UHI JSON with `hist`, ROOT files and datacard
//! shapes with `uproot`. Runs `tests/python/check_files.py`, which fails (never skips) when a
//! Python module is missing.

use std::path::Path;
use std::process::Command;

use arrow_array::{Float64Array, Int32Array};
use cf_hist::datacard::{Datacard, LnN};
use cf_hist::root::RootFile;
use cf_hist::{Axis, AxisKind, Histogram, Storage};
use serde_json::{json, Value};

fn run_check(expected: &Value, dir: &Path) {
    let path = dir.join("expected.json");
    std::fs::write(&path, serde_json::to_vec_pretty(expected).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/check_files.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3 must be installed to check interoperability");
    assert!(
        out.status.success(),
        "python check failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "OK");
}

fn axis_json(a: &Axis) -> Value {
    let (kind, categories) = match a.kind() {
        AxisKind::Regular { .. } => ("regular", json!(null)),
        AxisKind::Variable { .. } => ("variable", json!(null)),
        AxisKind::Integer { .. } => ("integer", json!(null)),
        AxisKind::IntCategory { categories } => ("category", json!(categories)),
        AxisKind::StrCategory { categories } => ("category", json!(categories)),
    };
    json!({
        "name": a.name(), "label": a.label(), "kind": kind, "edges": a.edges(),
        "categories": categories, "underflow": a.underflow(), "overflow": a.overflow(),
        "growth": a.growth(),
    })
}

fn uhi_expected(h: &Histogram) -> Value {
    json!({
        "shape": h.shape(), "values": h.values(), "variances": h.variances(),
        "title": h.title(), "axes": h.axes().iter().map(axis_json).collect::<Vec<_>>(),
    })
}

/// Values and variances as ROOT stores them: every axis with both flow bins.
fn root_expected(h: &Histogram) -> Value {
    let axes = h.axes();
    let root_shape: Vec<usize> = axes.iter().map(|a| a.bins() + 2).collect();
    let pad = |data: &[f64]| -> Vec<f64> {
        let n: usize = root_shape.iter().product();
        let mut out = vec![0.0; n];
        let shape = h.shape();
        for (flat, v) in data.iter().enumerate() {
            let mut rem = flat;
            let mut target = 0;
            for k in 0..axes.len() {
                let inner: usize = shape[k + 1..].iter().product();
                let idx = rem / inner;
                rem %= inner;
                let root_idx = idx + usize::from(!axes[k].underflow());
                let root_inner: usize = root_shape[k + 1..].iter().product();
                target += root_idx * root_inner;
            }
            out[target] = *v;
        }
        out
    };
    let values = pad(&h.values());
    let variances = h.variances().map_or(values.clone(), |v| pad(&v));
    json!({
        "shape": root_shape, "values": values, "variances": variances, "title": h.title(),
        "edges": axes.iter().map(|a| a.edges()).collect::<Vec<_>>(),
        "labels": axes.iter().map(|a| a.label()).collect::<Vec<_>>(),
    })
}

fn filled(axes: Vec<Axis>, storage: Storage, name: &str, seed: u64) -> Histogram {
    let mut h = Histogram::new(axes, storage)
        .unwrap()
        .with_name(name)
        .with_title(format!("{name} title"));
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let n = 500;
    let cols: Vec<Box<dyn arrow_array::Array>> = h
        .axes()
        .iter()
        .map(|a| -> Box<dyn arrow_array::Array> {
            match a.kind() {
                AxisKind::IntCategory { categories } => Box::new(Int32Array::from(
                    (0..n)
                        .map(|_| categories[(next() * categories.len() as f64) as usize] as i32)
                        .collect::<Vec<_>>(),
                )),
                _ => {
                    let e = a.edges().unwrap();
                    let (lo, hi) = (e[0], e[e.len() - 1]);
                    Box::new(Float64Array::from(
                        (0..n)
                            .map(|_| lo - 0.2 * (hi - lo) + 1.4 * (hi - lo) * next())
                            .collect::<Vec<_>>(),
                    ))
                }
            }
        })
        .collect();
    let refs: Vec<&dyn arrow_array::Array> = cols.iter().map(|c| c.as_ref()).collect();
    let w = Float64Array::from((0..n).map(|_| 0.1 + next()).collect::<Vec<_>>());
    let weights = (storage != Storage::Count).then_some(&w as &dyn arrow_array::Array);
    h.fill(&refs, weights).unwrap();
    h
}

#[test]
fn uhi_json_reads_in_hist() {
    let dir = tempfile::tempdir().unwrap();
    let every = crate::files::every_axis();
    let count = filled(
        vec![Axis::integer(-2, 3).unwrap().with_name("n").with_label("N")],
        Storage::Count,
        "count",
        1,
    );
    let double = filled(
        vec![Axis::variable(vec![0.0, 1.0, 10.0])
            .unwrap()
            .with_name("v")
            .with_label("V")
            .with_underflow(false)],
        Storage::Double,
        "double",
        2,
    );
    let path = dir.path().join("hists.json");
    Histogram::write_uhi_json(&path, &[&every, &count, &double]).unwrap();
    let hists: serde_json::Map<String, Value> = [&every, &count, &double]
        .iter()
        .map(|h| (h.name().to_string(), uhi_expected(h)))
        .collect();
    run_check(&json!({"json": {"path": path, "hists": hists}}), dir.path());
}

#[test]
fn root_file_reads_in_uproot() {
    let dir = tempfile::tempdir().unwrap();
    let regular = filled(
        vec![Axis::regular(5, -1.0, 1.5)
            .unwrap()
            .with_name("x")
            .with_label("#eta")],
        Storage::Weight,
        "regular",
        3,
    );
    let variable = filled(
        vec![Axis::variable(vec![0.0, 20.0, 50.0, 200.0])
            .unwrap()
            .with_name("pt")
            .with_label("p_{T} [GeV]")
            .with_flow(false)],
        Storage::Weight,
        "variable",
        4,
    );
    let integer = filled(
        vec![Axis::integer(0, 6)
            .unwrap()
            .with_name("njet")
            .with_label("jets")],
        Storage::Double,
        "integer",
        5,
    );
    let two_d = filled(
        vec![
            Axis::regular(3, 0.0, 3.0)
                .unwrap()
                .with_name("x")
                .with_label("X"),
            Axis::variable(vec![-1.0, 0.0, 2.0, 5.0])
                .unwrap()
                .with_name("y")
                .with_label("Y")
                .with_overflow(false),
        ],
        Storage::Weight,
        "two_d",
        6,
    );
    let long_name = "n".repeat(300);
    let mut f = RootFile::new().with_title("cf test");
    let entries = [
        ("regular", &regular),
        ("sub/variable", &variable),
        ("sub/deeper/integer", &integer),
        ("two_d", &two_d),
        (long_name.as_str(), &regular),
    ];
    let mut hists = serde_json::Map::new();
    for (path, h) in entries {
        f.add(path, h).unwrap();
        hists.insert(path.to_string(), root_expected(h));
    }
    let path = dir.path().join("hists.root");
    f.write(&path).unwrap();
    run_check(&json!({"root": {"path": path, "hists": hists}}), dir.path());
}

#[test]
fn datacard_matches_its_shapes_file() {
    let dir = tempfile::tempdir().unwrap();
    let x = || {
        Axis::regular(4, 0.0, 200.0)
            .unwrap()
            .with_name("mjj")
            .with_label("m_{jj}")
    };
    let h = |name: &str, seed: u64| filled(vec![x()], Storage::Weight, name, seed);
    let mut card = Datacard::new().with_auto_mc_stats(10.0);
    let mut seed = 10;
    for ch in ["ee", "mumu"] {
        card.add_channel(ch, &h("data", seed)).unwrap();
        for (proc, signal) in [("hh", true), ("tt", false), ("dy", false)] {
            seed += 1;
            card.add_process(ch, proc, signal, &h(proc, seed)).unwrap();
            if proc != "dy" {
                card.add_shape(ch, proc, "jec", &h(proc, seed + 100), &h(proc, seed + 200))
                    .unwrap();
            }
            card.add_lnn("lumi", ch, proc, LnN::Symmetric(1.025))
                .unwrap();
        }
        card.add_lnn(
            "tt_xsec",
            ch,
            "tt",
            LnN::Asymmetric {
                down: 0.95,
                up: 1.06,
            },
        )
        .unwrap();
    }
    assert!(
        card.add_process("ee", "dy", false, &h("dy", 1)).is_err(),
        "duplicate process"
    );
    assert!(card
        .add_process(
            "ee",
            "hh2",
            false,
            &filled(
                vec![Axis::regular(3, 0.0, 1.0).unwrap()],
                Storage::Weight,
                "x",
                1
            )
        )
        .is_err());
    assert!(
        card.add_lnn("jec", "ee", "tt", LnN::Symmetric(1.1))
            .is_err(),
        "jec is a shape"
    );
    let card_path = dir.path().join("datacard.txt");
    let shapes_path = dir.path().join("shapes.root");
    card.write(&card_path, &shapes_path).unwrap();
    let text = std::fs::read_to_string(&card_path).unwrap();
    assert!(
        text.contains("shapes * * shapes.root $CHANNEL/$PROCESS $CHANNEL/$PROCESS__$SYSTEMATIC")
    );
    assert!(text.contains("jmax 2 "));
    let process_ids = text
        .lines()
        .filter(|l| l.starts_with("process"))
        .nth(1)
        .unwrap();
    assert_eq!(
        process_ids.split_whitespace().skip(1).collect::<Vec<_>>(),
        ["0", "1", "2", "0", "1", "2"]
    );
    let expected = json!({
        "datacard": {
            "card": card_path, "shapes": shapes_path, "auto_mc_stats": true,
            "systematics": {
                "lumi": ["1.025", "1.025", "1.025", "1.025", "1.025", "1.025"],
                "jec": ["1", "1", "-", "1", "1", "-"],
                "tt_xsec": ["-", "0.95/1.06", "-", "-", "0.95/1.06", "-"],
            },
        }
    });
    run_check(&expected, dir.path());
}

#[test]
fn hist_json_reads_in_cf_and_bins_agree_with_boost_histogram() {
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/make_hist_json.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .arg(dir.path())
        .output()
        .expect("python3 must be installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let data: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("data.json")).unwrap()).unwrap();
    let floats = |k: &str| -> Float64Array {
        data[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                v.as_f64()
                    .unwrap_or_else(|| v.as_str().unwrap().parse::<f64>().unwrap())
            })
            .collect::<Vec<f64>>()
            .into()
    };
    let ints = |k: &str| -> arrow_array::Int64Array {
        data[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect::<Vec<i64>>()
            .into()
    };
    let strings: arrow_array::StringArray = data["s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .into();
    let mut read = Histogram::read_uhi_json(dir.path().join("hist.json")).unwrap();
    read.sort_by(|a, b| a.name().cmp(b.name()));
    let (count, dense) = (&read[0], &read[1]);

    // The growing string axis starts empty, as in the Python script; growth follows first
    // appearance, so the same data in the same order gives the same categories.
    let mut axes = dense.axes()[..4].to_vec();
    axes.push(
        Axis::str_category(Vec::<String>::new())
            .unwrap()
            .with_name("s")
            .with_label("channel")
            .with_growth(true),
    );
    let mut mine = Histogram::new(axes, Storage::Weight).unwrap();
    let (x, v, k, p, w) = (floats("x"), floats("v"), ints("k"), ints("p"), floats("w"));
    mine.fill(&[&x, &v, &k, &p, &strings], Some(&w)).unwrap();
    assert_eq!(mine.axes(), dense.axes(), "axes read from hist's JSON");
    assert_eq!(dense.title(), "filled by hist");
    let close = |a: &[f64], b: &[f64]| {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                "bin {i}: {x} vs {y}"
            );
        }
    };
    close(&mine.values(), &dense.values());
    close(&mine.variances().unwrap(), &dense.variances().unwrap());

    let mut mine_count = Histogram::new(count.axes().to_vec(), Storage::Count).unwrap();
    mine_count.fill(&[&x], None).unwrap();
    assert_eq!(count.storage(), Storage::Count);
    assert_eq!(mine_count.values(), count.values(), "sparse int storage");
}
