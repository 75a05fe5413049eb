//! What each pipeline step requires, writes and does.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, BooleanArray, Float64Array};
use arrow_buffer::BooleanBuffer;
use cf_analysis::{FunctionTree, Kind, Outcome};
use cf_columns::{ColumnSet, Events, Route};
use cf_engine::{BoxError, Output, ParamValue, RunContext};
use cf_hist::{Axis, Category, Histogram, Storage};
use cf_io::{EventFile, DEFAULT_BATCH_SIZE};
use serde::{Deserialize, Serialize};

use crate::events::{kept, missing_error, Input, Timing, Writer};
use crate::histograms;
use crate::pipeline::{external_files, single_process};
use crate::setup::{names, NOMINAL};
use crate::step::{PipelineTask, RequireMap, Step};

/// Column prefix of object selections in a selection result file: `objects__Jet__BJet`.
const OBJECTS: &str = "objects__";
/// The keep-columns rule of the config that applies to the reduction.
const REDUCE_KEEP: &str = "ReduceEvents";

pub(crate) fn requires(task: &PipelineTask) -> Result<RequireMap, BoxError> {
    let mut map = RequireMap::new();
    let str = |v: &str| ParamValue::from(v);
    match task.step {
        Step::Generate => {}
        Step::DatasetFiles => {
            if task.dataset()?.generate.is_some() {
                map.insert("generated".into(), task.req("GenerateEvents", &[])?);
            }
        }
        Step::Calibrate => {
            map.insert("files".into(), task.req("GetDatasetFiles", &[])?);
        }
        Step::Select | Step::Reduce => {
            let b = task.branch().ok_or("a branch")?;
            for calibrator in applicable(task, "calibrators", Kind::Calibrator)? {
                map.insert(
                    format!("calib:{calibrator}"),
                    task.req_branch("CalibrateEvents", b, &[("calibrator", str(&calibrator))])?,
                );
            }
            if task.step == Step::Select {
                map.insert("files".into(), task.req("GetDatasetFiles", &[])?);
            } else {
                map.insert("selection".into(), task.req_branch("SelectEvents", b, &[])?);
            }
        }
        Step::MergeStats | Step::Cutflow => {
            map.insert("selection".into(), task.req("SelectEvents", &[])?);
        }
        Step::MergeReduced => {
            let m = task.branch().ok_or("a branch")?;
            let groups = task.merge_groups()?;
            for &b in groups.get(m).ok_or("no such merge group")? {
                map.insert(
                    format!("reduced:{b:06}"),
                    task.req_branch("ReduceEvents", b, &[])?,
                );
            }
        }
        Step::Produce => {
            let m = task.branch().ok_or("a branch")?;
            map.insert(
                "merged".into(),
                task.req_branch("MergeReducedEvents", m, &[])?,
            );
        }
        Step::Histograms => {
            let m = task.branch().ok_or("a branch")?;
            map.insert(
                "merged".into(),
                task.req_branch("MergeReducedEvents", m, &[])?,
            );
            for producer in applicable(task, "producers", Kind::Producer)? {
                map.insert(
                    format!("prod:{producer}"),
                    task.req_branch("ProduceColumns", m, &[("producer", str(&producer))])?,
                );
            }
            if !task.dataset()?.is_data() {
                // Normalization uses all generated events, the same for every shift.
                map.insert(
                    "stats".into(),
                    task.req("MergeSelectionStats", &[("shift", str(NOMINAL))])?,
                );
            }
        }
        Step::MergeHistograms => {
            map.insert("hists".into(), task.req("CreateHistograms", &[])?);
        }
        Step::MergeShifted => {
            for shift in histograms::shifts_of_sources(task)? {
                map.insert(
                    shift.clone(),
                    task.req("MergeHistograms", &[("shift", str(&shift))])?,
                );
            }
        }
        Step::YieldTable => {
            for dataset in task.params.str_list("datasets")? {
                map.insert(
                    dataset.to_string(),
                    task.req(
                        "MergeHistograms",
                        &[("dataset", str(dataset)), ("shift", str(NOMINAL))],
                    )?,
                );
            }
        }
        Step::Plot1D | Step::Plot2D | Step::PlotShifted | Step::PlotCutflow => {
            return crate::plots::requires(task);
        }
        Step::Datacards => {
            for dataset in crate::datacards::datasets(task)? {
                map.insert(
                    dataset.clone(),
                    task.req("MergeShiftedHistograms", &[("dataset", str(&dataset))])?,
                );
            }
        }
    }
    Ok(map)
}

pub(crate) fn output(task: &PipelineTask) -> Result<Output, BoxError> {
    let file = |name: String| -> Result<Output, BoxError> { Ok(Output::File(task.target(&name)?)) };
    Ok(match task.step {
        Step::Generate => crate::generate::output(task, branch(task)?)?,
        Step::DatasetFiles => file("files.json".into())?,
        Step::Calibrate => file(format!("calib_{}.parquet", branch(task)?))?,
        Step::Select => {
            let b = branch(task)?;
            let mut outputs = vec![
                ("results", file(format!("results_{b}.parquet"))?),
                ("stats", file(format!("stats_{b}.json"))?),
                ("cutflow", file(format!("cutflow_{b}.bin"))?),
            ];
            if selector_produces(task)? {
                outputs.push(("columns", file(format!("columns_{b}.parquet"))?));
            }
            Output::map(outputs)
        }
        Step::MergeStats => file("stats.json".into())?,
        Step::Reduce | Step::MergeReduced => file(format!("events_{}.parquet", branch(task)?))?,
        Step::Produce => file(format!("columns_{}.parquet", branch(task)?))?,
        Step::Histograms => histograms::branch_output(task, branch(task)?)?,
        Step::MergeHistograms => histograms::merged_output(task, "hist")?,
        Step::MergeShifted => histograms::merged_output(task, "shifted")?,
        Step::Cutflow => Output::map([
            ("hist", file("cutflow.bin".into())?),
            ("json", file("cutflow.json".into())?),
        ]),
        Step::YieldTable => Output::map([
            ("table", file("yields.txt".into())?),
            ("json", file("yields.json".into())?),
        ]),
        Step::Datacards => crate::datacards::output(task)?,
        Step::Plot1D | Step::Plot2D | Step::PlotShifted | Step::PlotCutflow => {
            crate::plots::output(task)?
        }
    })
}

pub(crate) fn run(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    match task.step {
        Step::Generate => crate::generate::run(task, branch(task)?),
        Step::DatasetFiles => dataset_files(task),
        Step::Calibrate => calibrate(task),
        Step::Select => select(task, ctx),
        Step::MergeStats => merge_stats(task, ctx),
        Step::Reduce => reduce(task, ctx),
        Step::MergeReduced => merge_reduced(task, ctx),
        Step::Produce => produce(task, ctx),
        Step::Histograms => histograms::create(task, ctx),
        Step::MergeHistograms => histograms::merge(task, ctx),
        Step::MergeShifted => histograms::merge_shifted(task, ctx),
        Step::Cutflow => cutflow(task, ctx),
        Step::YieldTable => crate::yields::create(task, ctx),
        Step::Datacards => crate::datacards::create(task, ctx),
        Step::Plot1D | Step::Plot2D | Step::PlotShifted | Step::PlotCutflow => {
            crate::plots::run(task, ctx)
        }
    }
}

fn branch(task: &PipelineTask) -> Result<usize, BoxError> {
    task.branch()
        .ok_or_else(|| format!("{} has no branch", task.params).into())
}

/// The functions of list `param` that apply to the task's dataset (MC-only ones vanish on data).
pub(crate) fn applicable(
    task: &PipelineTask,
    param: &str,
    kind: Kind,
) -> Result<Vec<String>, BoxError> {
    let dataset = task.dataset()?;
    let info = task.scope.info(dataset);
    let mut out = Vec::new();
    for name in names(&task.params, param)? {
        if FunctionTree::build(&task.scope.functions, &name, kind, &info)?
            .name()
            .is_some()
        {
            out.push(name);
        }
    }
    Ok(out)
}

fn selector_tree(task: &PipelineTask) -> Result<FunctionTree, BoxError> {
    let dataset = task.dataset()?;
    Ok(FunctionTree::build(
        &task.scope.functions,
        task.params.str("selector")?,
        Kind::Selector,
        &task.scope.info(dataset),
    )?)
}

fn selector_produces(task: &PipelineTask) -> Result<bool, BoxError> {
    Ok(!selector_tree(task)?.produced_columns().is_empty())
}

/// The input file of branch `b`.
pub(crate) fn input_file(task: &PipelineTask, b: usize) -> Result<PathBuf, BoxError> {
    let files = task.input_files()?;
    Ok(files
        .get(b)
        .ok_or("branch beyond the input files")?
        .path
        .clone())
}

/// The files of the requirements whose key starts with `prefix`, in key order.
fn inputs_with(ctx: &RunContext<'_>, prefix: &str) -> Result<Vec<PathBuf>, BoxError> {
    let input = ctx.input()?;
    let cf_engine::Deps::Map(map) = input else {
        return Ok(Vec::new());
    };
    Ok(map
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .flat_map(|(_, o)| o.targets())
        .map(|t| t.path().to_path_buf())
        .collect())
}

/// The single file of requirement `key` (or its output `part`).
pub(crate) fn input_path(
    ctx: &RunContext<'_>,
    key: &str,
    part: Option<&str>,
) -> Result<PathBuf, BoxError> {
    let input = ctx.input()?;
    let output = input
        .get(key)
        .ok_or_else(|| format!("requirement `{key}` missing"))?;
    let output = match part {
        Some(part) => output
            .get(part)
            .ok_or_else(|| format!("requirement `{key}` has no `{part}`"))?,
        None => output,
    };
    Ok(output
        .file()
        .ok_or_else(|| format!("requirement `{key}` is not one file"))?
        .path()
        .to_path_buf())
}

fn out_path(task: &PipelineTask) -> Result<PathBuf, BoxError> {
    let output = output(task)?;
    let file = output.file().ok_or("one output file")?;
    Ok(file.path().to_path_buf())
}

/// The aliases of the task's shift, `(destination, source)`.
pub(crate) fn aliases(task: &PipelineTask) -> Result<Vec<(Route, Route)>, BoxError> {
    let shift = task.params.str("shift")?;
    if shift == NOMINAL {
        return Ok(Vec::new());
    }
    Ok(task.scope.shift(shift)?.aliases.clone())
}

/// Checks that `used` is available (or produced by the step itself) before reading events.
fn check_available(
    task: &PipelineTask,
    input: &Input,
    trees: &[&FunctionTree],
    extra: &ColumnSet,
) -> Result<(), BoxError> {
    let mut missing = Vec::new();
    for tree in trees {
        let produced = tree.produced_columns();
        for declaration in tree.declarations() {
            for route in input.missing(&declaration.own_uses()) {
                if !produced
                    .iter()
                    .any(|p| p.is_within(&route) || route.is_within(p))
                {
                    missing.push((format!("`{}`", declaration.name()), route));
                }
            }
        }
    }
    for route in input.missing(extra) {
        missing.push((task.step.name().to_string(), route));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Box::new(missing_error(&task.params.to_string(), &missing)))
    }
}

/// Every used column the input has: a tree may also use what it produces itself.
fn readable(input: &Input, used: &ColumnSet) -> ColumnSet {
    used.columns()
        .iter()
        .filter(|r| input.available().iter().any(|a| a.is_within(r)))
        .cloned()
        .collect()
}

fn dataset_files(task: &PipelineTask) -> Result<(), BoxError> {
    let files = task.input_files()?;
    let total: u64 = files.iter().map(|f| f.events).sum();
    let value = serde_json::json!({
        "dataset": task.dataset()?.name,
        "events": total,
        "files": &*files,
    });
    output(task)?.file().ok_or("one file")?.dump_json(&value)?;
    Ok(())
}

fn calibrate(task: &PipelineTask) -> Result<(), BoxError> {
    let dataset = task.dataset()?;
    let for_only = if dataset.is_data() {
        "simulation"
    } else {
        "data"
    };
    write_columns(
        task,
        Kind::Calibrator,
        task.params.str("calibrator")?,
        &input_file(task, branch(task)?)?,
        &format!(" (it is for {for_only} only); leave it out of --calibrators"),
    )
}

/// Runs one calibrator or producer over `input` and writes the columns it produces: the
/// body of CalibrateEvents and ProduceColumns. `hint` ends the error when the function does
/// not apply to the dataset.
fn write_columns(
    task: &PipelineTask,
    kind: Kind,
    name: &str,
    input: &std::path::Path,
    hint: &str,
) -> Result<(), BoxError> {
    let dataset = task.dataset()?;
    let mut tree =
        FunctionTree::build(&task.scope.functions, name, kind, &task.scope.info(dataset))?;
    if tree.name().is_none() {
        return Err(format!(
            "{kind} `{name}` does not apply to dataset `{}`{hint}",
            dataset.name
        )
        .into());
    }
    tree.setup(&external_files(task.scope.config()))?;
    let input = Input::open(input, &[])?;
    check_available(task, &input, &[&tree], &ColumnSet::new())?;
    let produced = tree.produced_columns();
    let plan = input.plan(&readable(&input, &tree.used_columns()), &aliases(task)?);
    let mut writer = Writer::new(&out_path(task)?)?;
    let timing = Timing::default();
    for events in timing.reading(input.read(&plan, DEFAULT_BATCH_SIZE)?) {
        let mut events = events?;
        timing.functions(|| tree.run(&mut events))?;
        timing.writing(|| writer.write(&events.select(&produced)?))?;
    }
    timing.writing(|| writer.finish())?;
    timing.report(&task.params);
    Ok(())
}

/// Selection statistics of a file or a dataset.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct SelectionStats {
    pub num_events: u64,
    pub num_events_selected: u64,
    /// Σ genWeight over all events (the number of events for data).
    pub sum_mc_weight: f64,
    pub sum_mc_weight_selected: f64,
    /// Events and Σ genWeight passing each step and every step before it.
    pub steps: Vec<StepStats>,
    /// The same per process id.
    pub processes: BTreeMap<String, ProcessStats>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct StepStats {
    pub name: String,
    pub num_events: u64,
    pub sum_mc_weight: f64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct ProcessStats {
    pub num_events: u64,
    pub num_events_selected: u64,
    pub sum_mc_weight: f64,
    pub sum_mc_weight_selected: f64,
}

impl SelectionStats {
    fn add(&mut self, other: &SelectionStats) -> Result<(), BoxError> {
        self.num_events += other.num_events;
        self.num_events_selected += other.num_events_selected;
        self.sum_mc_weight += other.sum_mc_weight;
        self.sum_mc_weight_selected += other.sum_mc_weight_selected;
        if self.steps.is_empty() {
            self.steps = other.steps.clone();
        } else if !other.steps.is_empty() {
            if self.steps.len() != other.steps.len() {
                return Err("selection statistics with different steps cannot be summed".into());
            }
            for (a, b) in self.steps.iter_mut().zip(&other.steps) {
                a.num_events += b.num_events;
                a.sum_mc_weight += b.sum_mc_weight;
            }
        }
        for (id, p) in &other.processes {
            let entry = self.processes.entry(id.clone()).or_default();
            entry.num_events += p.num_events;
            entry.num_events_selected += p.num_events_selected;
            entry.sum_mc_weight += p.sum_mc_weight;
            entry.sum_mc_weight_selected += p.sum_mc_weight_selected;
        }
        Ok(())
    }
}

/// `genWeight` as f64 for simulation, ones for data.
fn mc_weights(events: &Events, is_mc: bool) -> Result<Float64Array, BoxError> {
    if !is_mc {
        return Ok(Float64Array::from(vec![1.0; events.num_events()]));
    }
    let weights = events.column(&Route::parse("genWeight")?)?;
    histograms::as_f64(&weights, "genWeight")
}

fn process_of(task: &PipelineTask) -> Result<i64, BoxError> {
    let dataset = task.dataset()?;
    single_process(task.scope.config(), dataset).ok_or_else(|| {
        format!(
            "dataset `{}` has {} processes; cf assigns a process per event only for datasets of one process (a producer writing `process_id` lifts this for histograms)",
            dataset.name,
            dataset.processes.len()
        )
        .into()
    })
}

fn select(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let b = branch(task)?;
    let dataset = task.dataset()?;
    let is_mc = !dataset.is_data();
    let process = process_of(task)?;
    let mut tree = selector_tree(task)?;
    tree.setup(&external_files(task.scope.config()))?;
    let input = Input::open(&input_file(task, b)?, &inputs_with(ctx, "calib:")?)?;
    let mut extra = ColumnSet::new();
    if is_mc {
        extra.insert(Route::parse("genWeight")?);
    }
    check_available(task, &input, &[&tree], &extra)?;
    let produced = tree.produced_columns();
    let plan = input.plan(
        &readable(&input, &tree.used_columns()).union(&extra),
        &aliases(task)?,
    );
    let output = output(task)?;
    let path = |key: &str| -> Result<PathBuf, BoxError> {
        Ok(output
            .get(key)
            .and_then(Output::file)
            .ok_or_else(|| format!("no output `{key}`"))?
            .path()
            .to_path_buf())
    };
    let mut results = Writer::new(&path("results")?)?;
    let mut columns = match output.get("columns") {
        Some(_) => Some(Writer::new(&path("columns")?)?),
        None => None,
    };
    let mut stats = SelectionStats::default();
    let mut cutflow: Option<Histogram> = None;
    let timing = Timing::default();
    for events in timing.reading(input.read(&plan, DEFAULT_BATCH_SIZE)?) {
        let mut events = events?;
        let selection = match timing.functions(|| tree.run(&mut events))? {
            Outcome::Selection(selection) => selection,
            other => {
                return Err(format!(
                    "selector `{}` returned {other:?} instead of a selection",
                    task.params.str("selector")?
                )
                .into())
            }
        };
        let weights = mc_weights(&events, is_mc)?;
        let n = events.num_events();
        let mut record = Events::with_num_events(n);
        record.set_column(
            &Route::parse("event")?,
            Arc::new(selection.event_mask.clone()),
        )?;
        for (name, mask) in &selection.steps {
            record.set_column(
                &Route::new(["steps", name.as_str()]),
                Arc::new(mask.clone()),
            )?;
        }
        for object in &selection.objects {
            let name = format!("{OBJECTS}{}__{}", object.source, object.target);
            record.set_column(&Route::new([name.as_str()]), object.indices.clone())?;
        }
        timing.writing(|| -> Result<(), BoxError> {
            results.write(&record)?;
            if let Some(writer) = &mut columns {
                writer.write(&events.select(&produced)?)?;
            }
            Ok(())
        })?;
        timing.functions(|| -> Result<(), BoxError> {
            let passed = cumulative(&selection.steps, n);
            let steps = &selection.steps;
            let tallies = Tallies::of(&selection.event_mask, &passed, weights.values());
            stats.add(&batch_stats(steps, &tallies, process))?;
            let cutflow = match &mut cutflow {
                Some(hist) => hist,
                None => cutflow.insert(cutflow_hist(steps, process)?),
            };
            fill_cutflow(cutflow, steps, &tallies, process)
        })?;
    }
    timing.writing(|| -> Result<(), BoxError> {
        results.finish()?;
        if let Some(writer) = columns {
            writer.finish()?;
        }
        Ok(())
    })?;
    timing.report(&task.params);
    let cutflow = match cutflow {
        Some(h) => h,
        None => cutflow_hist(&[], process)?,
    };
    write_hist(&cutflow, &path("cutflow")?)?;
    output
        .get("stats")
        .and_then(Output::file)
        .ok_or("no stats output")?
        .dump_json(&stats)?;
    Ok(())
}

/// The events passing each cumulative selection step (a null counts as failing), in order.
fn cumulative(steps: &[(String, BooleanArray)], n: usize) -> Vec<BooleanBuffer> {
    let mut passed = BooleanBuffer::new_set(n);
    steps
        .iter()
        .map(|(_, step)| {
            passed = &passed & &truth(step);
            passed.clone()
        })
        .collect()
}

/// The true entries of a mask; nulls are false.
fn truth(mask: &BooleanArray) -> BooleanBuffer {
    match mask.nulls() {
        Some(nulls) => mask.values() & nulls.inner(),
        None => mask.values().clone(),
    }
}

/// Events, Σ weight and Σ weight² of a batch's events passing something.
#[derive(Clone, Copy)]
struct Tally {
    events: u64,
    sum: f64,
    sum_sq: f64,
}

impl Tally {
    fn of(bits: &BooleanBuffer, w: &[f64]) -> Tally {
        let (sum, sum_sq) = bits
            .set_indices()
            .fold((0.0, 0.0), |(s, q), i| (s + w[i], q + w[i] * w[i]));
        Tally {
            events: bits.count_set_bits() as u64,
            sum,
            sum_sq,
        }
    }
}

/// What a batch adds to the statistics and the cutflow: all events, those passing each
/// cumulative step, and the selected ones.
struct Tallies {
    initial: Tally,
    steps: Vec<Tally>,
    selected: Tally,
}

impl Tallies {
    fn of(mask: &BooleanArray, passed: &[BooleanBuffer], w: &[f64]) -> Tallies {
        let (sum, sum_sq) = w.iter().fold((0.0, 0.0), |(s, q), v| (s + v, q + v * v));
        Tallies {
            initial: Tally {
                events: w.len() as u64,
                sum,
                sum_sq,
            },
            steps: passed.iter().map(|bits| Tally::of(bits, w)).collect(),
            selected: Tally::of(&truth(mask), w),
        }
    }
}

fn batch_stats(
    steps: &[(String, BooleanArray)],
    tallies: &Tallies,
    process: i64,
) -> SelectionStats {
    let (initial, selected) = (tallies.initial, tallies.selected);
    let mut stats = SelectionStats {
        num_events: initial.events,
        sum_mc_weight: initial.sum,
        num_events_selected: selected.events,
        sum_mc_weight_selected: selected.sum,
        ..SelectionStats::default()
    };
    for ((name, _), tally) in steps.iter().zip(&tallies.steps) {
        stats.steps.push(StepStats {
            name: name.clone(),
            num_events: tally.events,
            sum_mc_weight: tally.sum,
        });
    }
    stats.processes.insert(
        process.to_string(),
        ProcessStats {
            num_events: stats.num_events,
            num_events_selected: stats.num_events_selected,
            sum_mc_weight: stats.sum_mc_weight,
            sum_mc_weight_selected: stats.sum_mc_weight_selected,
        },
    );
    stats
}

/// The cutflow histogram: events (Σ genWeight for simulation) after each cumulative step,
/// `initial` first and `selected` (the event mask) last, per process.
fn cutflow_hist(steps: &[(String, BooleanArray)], process: i64) -> Result<Histogram, BoxError> {
    let mut labels = vec!["initial".to_string()];
    labels.extend(steps.iter().map(|(n, _)| n.clone()));
    labels.push("selected".into());
    Ok(Histogram::new(
        vec![
            Axis::str_category(labels)?
                .with_name("step")
                .with_label("Selection step"),
            Axis::int_category([process])?
                .with_growth(true)
                .with_name("process"),
        ],
        Storage::Weight,
    )?
    .with_name("cutflow"))
}

/// Adds a batch's sums to the cutflow: one bin per step, not one row per event.
fn fill_cutflow(
    hist: &mut Histogram,
    steps: &[(String, BooleanArray)],
    tallies: &Tallies,
    process: i64,
) -> Result<(), BoxError> {
    let labels = std::iter::once("initial")
        .chain(steps.iter().map(|(name, _)| name.as_str()))
        .chain(["selected"]);
    let sums = std::iter::once(&tallies.initial)
        .chain(&tallies.steps)
        .chain([&tallies.selected]);
    for (label, tally) in labels.zip(sums) {
        let bin = [Category::Str(label), Category::Int(process)];
        hist.add_to_bin(&bin, tally.sum, tally.sum_sq)?;
    }
    Ok(())
}

pub(crate) fn write_hist(hist: &Histogram, path: &std::path::Path) -> Result<(), BoxError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    hist.write_binary(path)?;
    Ok(())
}

fn merge_stats(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let input = ctx.input()?;
    let selection = input.get("selection").ok_or("SelectEvents missing")?;
    let mut stats = SelectionStats::default();
    for target in selection.targets() {
        if target.path().extension().is_some_and(|e| e == "json") {
            let part: SelectionStats = target.load_json()?;
            stats.add(&part)?;
        }
    }
    output(task)?.file().ok_or("one file")?.dump_json(&stats)?;
    Ok(())
}

fn cutflow(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let input = ctx.input()?;
    let selection = input.get("selection").ok_or("SelectEvents missing")?;
    let mut total: Option<Histogram> = None;
    for target in selection.targets() {
        if target.path().extension().is_some_and(|e| e == "bin") {
            let part = Histogram::read_binary(target.path())?;
            match &mut total {
                Some(t) => t.add(&part)?,
                None => total = Some(part),
            }
        }
    }
    let total = total.ok_or("no cutflow histograms")?;
    let output = output(task)?;
    let hist = output
        .get("hist")
        .and_then(Output::file)
        .ok_or("hist output")?;
    write_hist(&total, hist.path())?;
    let json = output
        .get("json")
        .and_then(Output::file)
        .ok_or("json output")?;
    Histogram::write_uhi_json(json.path(), &[&total])?;
    Ok(())
}

/// The object selections of a selection result file: `(source, target, column)`.
fn object_selections(results: &EventFile) -> Vec<(String, String, Route)> {
    results
        .columns()
        .iter()
        .filter_map(|c| {
            let name = c.route.to_string();
            let rest = name.strip_prefix(OBJECTS)?;
            let (source, target) = rest.split_once("__")?;
            Some((source.to_string(), target.to_string(), c.route.clone()))
        })
        .collect()
}

fn reduce(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let b = branch(task)?;
    let mut layers = inputs_with(ctx, "calib:")?;
    let input_all = ctx.input()?;
    let selection = input_all.get("selection").ok_or("SelectEvents missing")?;
    if let Some(columns) = selection.get("columns").and_then(Output::file) {
        layers.push(columns.path().to_path_buf());
    }
    let results_path = selection
        .get("results")
        .and_then(Output::file)
        .ok_or("no selection results")?
        .path()
        .to_path_buf();
    let results = EventFile::open(&results_path)?;
    let input = Input::open(&input_file(task, b)?, &layers)?;
    let produced = selector_tree(task)?.produced_columns();
    let keep: ColumnSet = match task.scope.config().keep_columns().get(REDUCE_KEEP) {
        Some(rule) => rule.union(&produced),
        None => input.available().clone(),
    };
    // A collection the reduction does not keep (the AGC's `BJet`) would be gathered from its
    // source, object by object, only to be dropped before writing.
    let objects: Vec<_> = object_selections(&results)
        .into_iter()
        .filter(|(_, target, _)| keep.iter().any(|r| r.head() == target))
        .collect();
    let mut wanted = input.expand(&keep);
    for (source, target, _) in &objects {
        for route in input.available().iter() {
            if route.head() != source || route.fields().len() != 2 {
                continue;
            }
            if keep.covers(&Route::new([target.as_str(), route.fields()[1].as_str()])) {
                wanted.insert(route.clone());
            }
        }
    }
    let plan = input.plan(&wanted, &aliases(task)?);
    let results_columns: ColumnSet = results.columns().iter().map(|c| c.route.clone()).collect();
    let mut result_batches = results.read(&results_columns, DEFAULT_BATCH_SIZE)?;
    // MergeReducedEvents copies the pages of these files; nothing decodes them in this run.
    let mut writer = Writer::new(&out_path(task)?)?.without_handoff();
    let event = Route::parse("event")?;
    let timing = Timing::default();
    for events in timing.reading(input.read(&plan, DEFAULT_BATCH_SIZE)?) {
        let events = events?;
        let result = timing
            .read_time(|| result_batches.next())
            .ok_or("the selection results end before the events")??;
        if result.num_events() != events.num_events() {
            return Err(format!(
                "selection results {} do not line up with the events (batch of {} vs {}); remove them and rerun SelectEvents",
                results_path.display(),
                result.num_events(),
                events.num_events()
            )
            .into());
        }
        // The kept events with their selected objects, each object copied once.
        let selected = timing.functions(|| -> Result<Events, BoxError> {
            let mask = result.column(&event)?;
            let mask = mask
                .as_boolean_opt()
                .ok_or("the event mask is not boolean")?;
            let mut indices = Vec::new();
            for (source, target, column) in &objects {
                if events.has(&Route::new([source.as_str()])) {
                    indices.push((source.as_str(), target.as_str(), result.column(column)?));
                }
            }
            let picks: Vec<(&str, &str, &dyn Array)> = indices
                .iter()
                .map(|(source, target, column)| (*source, *target, column.as_ref()))
                .collect();
            Ok(events.filter_and_pick(mask, &picks)?)
        })?;
        let keep_now = kept(&selected, &keep);
        timing.writing(|| writer.write(&selected.select(&keep_now)?))?;
    }
    timing.writing(|| writer.finish())?;
    timing.report(&task.params);
    Ok(())
}

fn merge_reduced(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let files = inputs_with(ctx, "reduced:")?;
    let out = out_path(task)?;
    let timing = Timing::default();
    // Reduced files of one task share their schema: their row groups are copied as encoded.
    if let Some(events) = timing.writing(|| cf_io::concat_files(&files, &out))? {
        timing.count(events);
        timing.report(&task.params);
        return Ok(());
    }
    let mut writer = Writer::new(&out)?;
    for path in files {
        let file = EventFile::open(&path)?;
        let all: ColumnSet = file.columns().iter().map(|c| c.route.clone()).collect();
        for events in timing.reading(
            file.read(&all, DEFAULT_BATCH_SIZE)?
                .map(|e| e.map_err(Into::into)),
        ) {
            let events = events?;
            timing.writing(|| writer.write(&events))?;
        }
    }
    timing.writing(|| writer.finish())?;
    timing.report(&task.params);
    Ok(())
}

fn produce(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    write_columns(
        task,
        Kind::Producer,
        task.params.str("producer")?,
        &input_path(ctx, "merged", None)?,
        "; leave it out of --producers",
    )
}
