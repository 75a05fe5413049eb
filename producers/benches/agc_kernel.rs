//! The AGC ttbar analysis as one pass of cf's functions over NanoAOD files, without tasks or
//! intermediate files: read → `agc_jet_variations` → per jet shift (nominal, `scale_up`,
//! `res_up`): `agc` selection → selected events and jets → `agc_observables` (and on nominal
//! `agc_btag_weights`) → categories 4j1b / 4j2b → fill `HT` and `m_bjj`. The histograms have
//! the axes and shift ids of `cf run MergeShiftedHistograms` on `configs/agc.yaml` (the
//! one-sided `scale_down`/`res_down` are the nominal histograms, as there) and are written as
//! UHI JSON, so `benches/agc.py` compares them with the pipeline's and the Python peer's.
//!
//! ```sh
//! cargo bench -p cf-producers --bench agc_kernel -- --out hists.json FILE.root...
//! ```
//!
//! Files are processed by `RAYON_NUM_THREADS` worker threads, each file's batches in order;
//! the histograms of the files are added in file order. Prints one JSON line: events, seconds
//! (from opening the first file to the filled histograms), events per second, and the seconds
//! spent reading (waiting for decoded batches), calibrating, selecting, reducing (keeping the
//! selected events and jets), producing and filling, summed over threads.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array};
use cf_analysis::{DatasetInfo, FunctionTree, Kind, Outcome, Registry};
use cf_columns::{ColumnSet, Events, Route};
use cf_hist::{Axis, Histogram, Storage};
use cf_io::{EventFile, DEFAULT_BATCH_SIZE};
use cf_producers::{category_ids, LeafCategory};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

// The allocator of the `cf` binary: batches allocate and free large buffers at a high rate,
// which glibc's malloc hands back to the kernel and faults in again (a tenth of the kernel's
// time with it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `configs/agc.yaml`: process, cross section (pb), luminosity (pb⁻¹), shift ids, categories.
const PROCESS: i64 = 1000;
const XSEC: f64 = 923.6;
const LUMI: f64 = 1000.0;
const NOMINAL: i64 = 0;
/// The jet shifts: name (the column `Jet.pt_<name>`, none for nominal), id, id of the
/// one-sided opposite that is filled with the nominal histograms.
const JET_SHIFTS: [(&str, i64, Option<i64>); 3] = [
    ("nominal", NOMINAL, None),
    ("scale_up", 10, Some(11)),
    ("res_up", 20, Some(21)),
];
const BTAG_UP: i64 = 30;
const BTAG_DOWN: i64 = 31;
/// Category id and categorizers; the variable histogrammed there.
const CATEGORIES: [(i64, [&str; 2]); 2] = [(1, ["cat_4j", "cat_1b"]), (2, ["cat_4j", "cat_2b"])];
const VARIABLES: [&str; 2] = ["HT", "m_bjj"];
const BINNING: (usize, f64, f64) = (11, 110.0, 550.0);

/// The function trees, built once and shared by the threads (running a tree takes `&self`).
struct Functions {
    calibrator: FunctionTree,
    selector: FunctionTree,
    observables: FunctionTree,
    btag_weights: FunctionTree,
    categories: FunctionTree,
    /// [`Functions::read_after_selection`], the columns the reduction keeps.
    after_selection: ColumnSet,
}

impl Functions {
    fn build() -> Result<Functions, BoxError> {
        let mut registry = Registry::new();
        cf_selectors::register(&mut registry)?;
        cf_producers::register(&mut registry)?;
        let leaves: Vec<LeafCategory> = CATEGORIES
            .iter()
            .map(|(id, names)| LeafCategory {
                id: *id,
                categorizers: names.iter().map(|n| n.to_string()).collect(),
            })
            .collect();
        registry.register(move || category_ids(leaves.clone()))?;
        let mc = DatasetInfo {
            name: "tt".into(),
            is_mc: true,
        };
        let tree = |name, kind| FunctionTree::build(&registry, name, kind, &mc);
        let mut functions = Functions {
            calibrator: tree("agc_jet_variations", Kind::Calibrator)?,
            selector: tree("agc", Kind::Selector)?,
            observables: tree("agc_observables", Kind::Producer)?,
            btag_weights: tree("agc_btag_weights", Kind::Producer)?,
            categories: tree("category_ids", Kind::Producer)?,
            after_selection: ColumnSet::default(),
        };
        functions.after_selection = functions.read_after_selection();
        Ok(functions)
    }

    /// The columns read after the selection: by the producers, the categorizers and the fill.
    fn read_after_selection(&self) -> ColumnSet {
        let mut columns = self.observables.used_columns();
        for tree in [&self.btag_weights, &self.categories] {
            columns = columns.union(&tree.used_columns());
        }
        columns.insert(route("genWeight"));
        columns
    }

    /// Every column read from the files.
    fn input_columns(&self) -> ColumnSet {
        let mut columns = self.calibrator.used_columns();
        for tree in [
            &self.selector,
            &self.observables,
            &self.btag_weights,
            &self.categories,
        ] {
            columns = columns.union(&tree.used_columns());
        }
        columns.insert(route("genWeight"));
        columns
    }
}

fn route(text: &str) -> Route {
    Route::parse(text).expect("literal routes are valid")
}

/// One histogram per variable with the pipeline's axes, and Σ genWeight of every event read.
struct Filled {
    hists: Vec<Histogram>,
    sum_gen_weight: f64,
    events: u64,
    phases: Phases,
}

impl Filled {
    fn new() -> Result<Filled, BoxError> {
        let hists = VARIABLES
            .iter()
            .map(|name| {
                let axes = vec![
                    Axis::int_category(CATEGORIES.map(|c| c.0))?.with_name("category"),
                    Axis::int_category([PROCESS])?
                        .with_growth(true)
                        .with_name("process"),
                    Axis::int_category([NOMINAL])?
                        .with_growth(true)
                        .with_name("shift"),
                    Axis::regular(BINNING.0, BINNING.1, BINNING.2)?.with_name(*name),
                ];
                Ok(Histogram::new(axes, Storage::Weight)?.with_name(*name))
            })
            .collect::<Result<_, BoxError>>()?;
        Ok(Filled {
            hists,
            sum_gen_weight: 0.0,
            events: 0,
            phases: Phases::default(),
        })
    }

    fn add(&mut self, other: &Filled) -> Result<(), BoxError> {
        for (h, o) in self.hists.iter_mut().zip(&other.hists) {
            h.add(o)?;
        }
        self.sum_gen_weight += other.sum_gen_weight;
        self.events += other.events;
        self.phases.add(&other.phases);
        Ok(())
    }
}

/// The whole analysis over one file.
fn process_file(functions: &Functions, path: &PathBuf) -> Result<Filled, BoxError> {
    let file = EventFile::open(path)?;
    let mut filled = Filled::new()?;
    let mut phases = Phases::default();
    let (jet_pt, gen_weight) = (route("Jet.pt"), route("genWeight"));
    let mut stream = file.read(&functions.input_columns(), DEFAULT_BATCH_SIZE)?;
    while let Some(events) = timed(&mut phases.read, || stream.next()) {
        let mut events = events?;
        filled.events += events.num_events() as u64;
        let gen = events.column(&gen_weight)?;
        filled.sum_gen_weight += as_f64(&gen)?.values().iter().sum::<f64>();
        timed(&mut phases.calibrate, || {
            functions.calibrator.run(&mut events)
        })?;
        for (name, shift, _) in JET_SHIFTS {
            let mut shifted = events.clone();
            if shift != NOMINAL {
                let varied = shifted.column(&route(&format!("Jet.pt_{name}")))?;
                shifted.set_column(&jet_pt, varied)?;
            }
            let mut selected = select(functions, &mut shifted, &mut phases)?;
            timed(&mut phases.produce, || -> Result<(), BoxError> {
                functions.observables.run(&mut selected)?;
                functions.categories.run(&mut selected)?;
                if shift == NOMINAL {
                    functions.btag_weights.run(&mut selected)?;
                }
                Ok(())
            })?;
            let gen = as_f64(&selected.column(&gen_weight)?)?;
            timed(&mut phases.fill, || -> Result<(), BoxError> {
                if shift != NOMINAL {
                    // The b-tag weight is 1 off nominal (the pipeline reads the nominal column).
                    return fill(&mut filled, &selected, shift, &gen);
                }
                for (column, id) in [
                    ("btag_weight", NOMINAL),
                    ("btag_weight_up", BTAG_UP),
                    ("btag_weight_down", BTAG_DOWN),
                ] {
                    let btag = as_f64(&selected.column(&route(column))?)?;
                    fill(&mut filled, &selected, id, &product(&gen, &btag))?;
                }
                Ok(())
            })?;
        }
    }
    filled.phases = phases;
    Ok(filled)
}

/// Seconds spent per part of the pass, summed over files (so over threads).
#[derive(Default, Clone, Copy)]
struct Phases {
    read: Duration,
    calibrate: Duration,
    select: Duration,
    reduce: Duration,
    produce: Duration,
    fill: Duration,
}

impl Phases {
    fn add(&mut self, other: &Phases) {
        self.read += other.read;
        self.calibrate += other.calibrate;
        self.select += other.select;
        self.reduce += other.reduce;
        self.produce += other.produce;
        self.fill += other.fill;
    }

    fn json(&self) -> String {
        format!(
            "{{\"read\": {:.4}, \"calibrate\": {:.4}, \"select\": {:.4}, \"reduce\": {:.4}, \"produce\": {:.4}, \"fill\": {:.4}}}",
            self.read.as_secs_f64(),
            self.calibrate.as_secs_f64(),
            self.select.as_secs_f64(),
            self.reduce.as_secs_f64(),
            self.produce.as_secs_f64(),
            self.fill.as_secs_f64()
        )
    }
}

fn timed<T>(total: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    *total += start.elapsed();
    out
}

/// Runs the selector and keeps the selected events with their selected jets, as ReduceEvents.
fn select(
    functions: &Functions,
    events: &mut Events,
    phases: &mut Phases,
) -> Result<Events, BoxError> {
    let Outcome::Selection(result) = timed(&mut phases.select, || functions.selector.run(events))?
    else {
        return Err("the agc selector returned no selection".into());
    };
    timed(&mut phases.reduce, || {
        let mask = &result.event_mask;
        // Only what the functions after the selection read is kept (the pipeline's reduction
        // writes the leptons and the jet shifts too; here nothing would read them).
        let after: ColumnSet = events
            .routes()
            .into_iter()
            .filter(|r| functions.after_selection.covers(r))
            .collect();
        let jets = result
            .objects
            .iter()
            .find(|o| o.source == "Jet" && o.target == "Jet")
            .ok_or("the agc selector selects no jets")?;
        // Filtering the events and picking the selected jets in one step copies each
        // selected jet once (filter, then collection_from_indices, would copy it twice).
        let selected = events
            .select(&after)?
            .filter_and_pick(mask, &[("Jet", "Jet", jets.indices.as_ref())])?;
        Ok(selected)
    })
}

fn fill(
    filled: &mut Filled,
    events: &Events,
    shift: i64,
    weight: &Float64Array,
) -> Result<(), BoxError> {
    let n = events.num_events();
    let ids = events.column(&route("category_ids"))?;
    let process = Int64Array::from(vec![PROCESS; n]);
    let shifts = Int64Array::from(vec![shift; n]);
    for (hist, variable) in filled.hists.iter_mut().zip(VARIABLES) {
        let values = events.column(&route(variable))?;
        hist.fill(
            &[ids.as_ref(), &process, &shifts, values.as_ref()],
            Some(weight as &dyn Array),
        )?;
    }
    Ok(())
}

/// A weight column as f64: genWeight is float32 in NanoAOD, the b-tag weights float64.
fn as_f64(column: &ArrayRef) -> Result<Float64Array, BoxError> {
    if let Some(values) = column.as_primitive_opt::<Float64Type>() {
        return Ok(values.clone());
    }
    let values = column
        .as_primitive_opt::<Float32Type>()
        .ok_or_else(|| format!("a weight column is {}, not a float", column.data_type()))?;
    if values.null_count() > 0 {
        // Null slots read as 0 in the sums, whatever their buffer holds.
        return Ok(values.iter().map(|v| v.map(f64::from)).collect());
    }
    Ok(values.unary(f64::from))
}

fn product(a: &Float64Array, b: &Float64Array) -> Float64Array {
    a.values()
        .iter()
        .zip(b.values())
        .map(|(x, y)| x * y)
        .collect()
}

struct Args {
    out: PathBuf,
    files: Vec<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut out = None;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            // `cargo bench` passes --bench to every bench target.
            "--bench" => {}
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    let out = out.ok_or("--out FILE.json is required")?;
    if files.is_empty() {
        return Err("no input files given".into());
    }
    Ok(Args { out, files })
}

fn run(args: &Args) -> Result<(), BoxError> {
    // Each branch is read once, so cf-root's cache of decoded arrays (kept for the pipeline's
    // later steps) would only hold memory: every batch would be decoded into fresh pages.
    cf_root::set_decoded_cache_capacity(0);
    let functions = Functions::build()?;
    let start = Instant::now();
    // Each rayon worker takes the next file and decodes its batches itself (cf-root reads
    // inline on rayon workers), so every core runs one file's whole chain with no hand-over
    // between threads; a worker left without a file helps the others decompress.
    let next = AtomicUsize::new(0);
    let parts: Vec<Mutex<Option<Result<Filled, String>>>> =
        args.files.iter().map(|_| Mutex::new(None)).collect();
    // As in cf-engine's worker pool: every loop holds its own thread before any file is read,
    // or a thread waiting inside a file's decompression could steal a loop not yet started
    // and run it nested, leaving another thread without a file.
    let threads = rayon::current_num_threads();
    let started = Barrier::new(threads);
    rayon::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|_| {
                started.wait();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = args.files.get(i) else {
                        break;
                    };
                    let result = process_file(&functions, path)
                        .map_err(|e| format!("{}: {e}", path.display()));
                    *parts[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                }
            });
        }
    });
    let mut total = Filled::new()?;
    for part in parts {
        let part = part.into_inner().unwrap_or_else(|e| e.into_inner());
        total.add(&part.ok_or("a worker thread stopped before its file")??)?;
    }
    // normalization_weight = genWeight · σ · L / Σ genWeight; genWeight is already in the fill.
    let factor = cf_producers::normalization_factor(XSEC, LUMI, total.sum_gen_weight);
    for hist in &mut total.hists {
        hist.scale(factor);
        // One-sided jet shifts: their down side is the nominal histogram, as in the pipeline.
        for (_, _, opposite) in JET_SHIFTS {
            if let Some(id) = opposite {
                let mut copy = hist.select("shift", &[cf_hist::Category::Int(NOMINAL)])?;
                copy.relabel("shift", NOMINAL, id)?;
                hist.add(&copy)?;
            }
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let refs: Vec<&Histogram> = total.hists.iter().collect();
    Histogram::write_uhi_json(&args.out, &refs)?;
    println!(
        "{{\"events\": {}, \"seconds\": {seconds:.6}, \"events_per_s\": {:.1}, \"threads\": {}, \"phases\": {}}}",
        total.events,
        total.events as f64 / seconds,
        rayon::current_num_threads(),
        total.phases.json()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("agc_kernel: {e}\nusage: agc_kernel --out FILE.json FILE.root...");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agc_kernel: {e}");
            ExitCode::FAILURE
        }
    }
}
