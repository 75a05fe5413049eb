//! Vectorised evaluation speed on real CMS corrections, single-threaded and on all cores.
//!
//! Reads the inputs and the Python correctionlib outputs that `benches/correction_vs_python.py`
//! writes (raw little-endian f64 files), checks that cf agrees, and prints one
//! `RESULT <case> <threads> <wall seconds> <cpu seconds>` line per measurement plus a table.
//!
//! `cargo bench -p cf-correction --bench eval -- --data DIR [--reps N] [--case NAME]`

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{ArrayRef, Float64Array};
use cf_correction::{Column, CorrectionSet, Evaluate, Value};

struct Case {
    name: &'static str,
    file: &'static str,
    correction: &'static str,
    compound: bool,
    /// Per input: a data file stem, or a fixed string.
    inputs: &'static [Input],
}

enum Input {
    Array(&'static str),
    Str(&'static str),
}

const CASES: [Case; 4] = [
    Case {
        name: "muon_sf",
        file: "MUO_2018_UL_muon_Z.json",
        correction: "NUM_TightID_DEN_TrackerMuons",
        compound: false,
        inputs: &[
            Input::Str("2018_UL"),
            Input::Array("muon_abseta"),
            Input::Array("muon_pt"),
            Input::Str("sf"),
        ],
    },
    Case {
        name: "electron_id",
        file: "EGM_2018_UL_electron.json",
        correction: "UL-Electron-ID-SF",
        compound: false,
        inputs: &[
            Input::Str("2018"),
            Input::Str("sf"),
            Input::Str("Medium"),
            Input::Array("electron_eta"),
            Input::Array("electron_pt"),
        ],
    },
    Case {
        name: "jec_compound",
        file: "jet_jerc_Summer22_V3.json.gz",
        correction: "Summer22_22Sep2023_RunCD_V3_DATA_L1L2L3Res_AK4PFPuppi",
        compound: true,
        inputs: &[
            Input::Array("jec_area"),
            Input::Array("jec_eta"),
            Input::Array("jec_pt"),
            Input::Array("jec_rho"),
        ],
    },
    Case {
        name: "met_phi",
        file: "JME_2018_UL_met.json",
        correction: "pt_metphicorr_pfmet_data",
        compound: false,
        inputs: &[
            Input::Array("met_pt"),
            Input::Array("met_phi"),
            Input::Array("met_npvs"),
            Input::Array("met_run"),
        ],
    },
];

fn read_f64(path: &Path) -> Vec<f64> {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

/// CPU time of all threads of this process, in seconds (Linux; `None` elsewhere). On a
/// shared machine it does not count the time spent waiting for a core, unlike wall time.
fn cpu_seconds() -> Option<f64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total as f64 * 1e-9)
}

/// Best wall time and best CPU time over `reps` runs, and the last output.
fn time_best(reps: usize, mut f: impl FnMut() -> ArrayRef) -> (f64, f64, ArrayRef) {
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    let mut out = f();
    for _ in 0..reps {
        let cpu = cpu_seconds();
        let start = Instant::now();
        out = std::hint::black_box(f());
        best = best.min(start.elapsed().as_secs_f64());
        if let (Some(before), Some(after)) = (cpu, cpu_seconds()) {
            best_cpu = best_cpu.min(after - before);
        }
    }
    (best, best_cpu, out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value_of = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let Some(data) = value_of("--data").map(PathBuf::from) else {
        eprintln!("usage: cargo bench -p cf-correction --bench eval -- --data DIR [--reps N] [--case NAME]");
        eprintln!("(DIR is written by benches/correction_vs_python.py)");
        std::process::exit(2);
    };
    let reps: usize = value_of("--reps").and_then(|r| r.parse().ok()).unwrap_or(5);
    let only = value_of("--case");
    let corrections = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/corrections"
    ));
    let threads = rayon::current_num_threads();
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");

    println!(
        "{:<14} {:>10} {:>12} {:>12} {:>12} {:>10}",
        "case",
        "elements",
        "load s",
        "1 thread s",
        format!("{threads} threads s"),
        "max |diff|"
    );
    for case in CASES
        .iter()
        .filter(|c| only.as_deref().is_none_or(|o| o == c.name))
    {
        let start = Instant::now();
        let set = CorrectionSet::from_file(corrections.join(case.file)).expect("load");
        let load = start.elapsed().as_secs_f64();
        let eval: &dyn Evaluate = if case.compound {
            set.compound(case.correction).expect("compound")
        } else {
            set.correction(case.correction).expect("correction")
        };
        let arrays: Vec<Option<ArrayRef>> = case
            .inputs
            .iter()
            .map(|input| match input {
                Input::Array(stem) => Some(Arc::new(Float64Array::from(read_f64(
                    &data.join(format!("{stem}.f64")),
                ))) as ArrayRef),
                Input::Str(_) => None,
            })
            .collect();
        let columns: Vec<Column<'_>> = case
            .inputs
            .iter()
            .zip(&arrays)
            .map(|(input, array)| match (input, array) {
                (_, Some(array)) => Column::Array(array.as_ref()),
                (Input::Str(s), None) => Column::Scalar(Value::Str(s)),
                (Input::Array(_), None) => unreachable!("arrays are loaded above"),
            })
            .collect();
        let run = || eval.evaluate_columns(&columns).expect("evaluation");
        let (t1, cpu1, out) = single.install(|| time_best(reps, run));
        let (tn, cpun, _) = time_best(reps, run);
        let reference = read_f64(&data.join(format!("{}_out.f64", case.name)));
        let got = out.as_primitive::<Float64Type>().values();
        assert_eq!(got.len(), reference.len(), "output length");
        let mut max_diff = 0.0f64;
        let mut disagree = 0usize;
        for (&g, &r) in got.iter().zip(&reference) {
            let diff = (g - r).abs();
            max_diff = max_diff.max(diff);
            if diff > 1e-12 * r.abs() && diff > 1e-15 {
                disagree += 1;
            }
        }
        println!(
            "{:<14} {:>10} {:>12.3} {:>12.4} {:>12.4} {:>10.2e}",
            case.name,
            got.len(),
            load,
            t1,
            tn,
            max_diff
        );
        println!("RESULT {} 1 {t1} {cpu1}", case.name);
        println!("RESULT {} {threads} {tn} {cpun}", case.name);
        println!("LOAD {} {load}", case.name);
        println!("AGREE {} {disagree}", case.name);
    }
}
