//! CreateHistograms, MergeHistograms and MergeShiftedHistograms.
//!
//! Each variable's histogram has the axes columnflow uses: `category` (leaf category ids; an
//! event fills every leaf it is in), `process`, `shift` and the variable. One more histogram,
//! `yields`, has no variable axis: every event once, for yield tables.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array};
use arrow_schema::DataType;
use cf_analysis::{FunctionTree, Kind};
use cf_columns::{ColumnSet, Events, Route};
use cf_config::{Binning, Config, Direction, Variable};
use cf_engine::{BoxError, Output, RunContext};
use cf_hist::{Axis, Histogram, Storage};
use cf_io::DEFAULT_BATCH_SIZE;

use crate::events::{missing_error, Input, Timing};
use crate::pipeline::{external_files, single_process};
use crate::run::{aliases, input_path, write_hist, SelectionStats};
use crate::setup::{names, ALL_WEIGHTS, NOMINAL, NONE};
use crate::step::PipelineTask;

/// Name of the histogram of event yields (no variable axis).
pub(crate) const YIELDS: &str = "yields";
/// The event weight computed from the selection statistics rather than read.
const NORMALIZATION_WEIGHT: &str = "normalization_weight";
/// Key of the UHI JSON file among a merged task's outputs.
const UHI: &str = "uhi";

/// One histogram's variables: `jet1_pt`, or `jet1_pt-ht` for a 2D histogram.
struct Spec<'a> {
    name: String,
    parts: Vec<&'a Variable>,
}

/// Separates the variables of a multi-dimensional histogram (`jet1_pt-ht`), as columnflow does.
pub(crate) const SEPARATOR: char = '-';

fn specs(task: &PipelineTask) -> Result<Vec<Spec<'_>>, BoxError> {
    let config = task.scope.config();
    task.params
        .str_list("variables")?
        .into_iter()
        .map(|name| {
            let parts = name
                .split(SEPARATOR)
                .map(|part| {
                    config
                        .variable(part)
                        .ok_or_else(|| BoxError::from(format!("no variable `{part}`")))
                })
                .collect::<Result<_, _>>()?;
            Ok(Spec {
                name: name.to_string(),
                parts,
            })
        })
        .collect()
}

/// One binary histogram per variable and the yields, named by `file(histogram name)`.
fn hist_outputs(
    task: &PipelineTask,
    file: impl Fn(&str) -> String,
) -> Result<Vec<(String, Output)>, BoxError> {
    let mut names: Vec<String> = specs(task)?.into_iter().map(|s| s.name).collect();
    names.push(YIELDS.to_string());
    names
        .into_iter()
        .map(|name| Ok((name.clone(), Output::File(task.target(&file(&name))?))))
        .collect()
}

/// Per branch: one binary histogram per variable and the yields.
pub(crate) fn branch_output(task: &PipelineTask, m: usize) -> Result<Output, BoxError> {
    let outputs = hist_outputs(task, |name| {
        if name == YIELDS {
            format!("{YIELDS}__{m}.bin")
        } else {
            format!("hist__{name}__{m}.bin")
        }
    })?;
    Ok(Output::map(outputs))
}

/// Merged: one binary histogram per variable and the yields, and all of them as UHI JSON.
pub(crate) fn merged_output(task: &PipelineTask, prefix: &str) -> Result<Output, BoxError> {
    let mut outputs = hist_outputs(task, |name| format!("{prefix}__{name}.bin"))?;
    outputs.push((
        UHI.to_string(),
        Output::File(task.target(&format!("{prefix}.json"))?),
    ));
    Ok(Output::map(outputs))
}

/// Any float or integer Arrow column as f64 (nulls kept).
pub(crate) fn as_f64(array: &ArrayRef, what: &str) -> Result<Float64Array, BoxError> {
    macro_rules! convert {
        ($t:ty) => {
            array
                .as_primitive::<$t>()
                .iter()
                .map(|v| v.map(|v| v as f64))
                .collect()
        };
    }
    Ok(match array.data_type() {
        DataType::Float64 => array.as_primitive::<Float64Type>().clone(),
        DataType::Float32 => convert!(Float32Type),
        DataType::Int8 => convert!(Int8Type),
        DataType::Int16 => convert!(Int16Type),
        DataType::Int32 => convert!(Int32Type),
        DataType::Int64 => convert!(Int64Type),
        DataType::UInt8 => convert!(UInt8Type),
        DataType::UInt16 => convert!(UInt16Type),
        DataType::UInt32 => convert!(UInt32Type),
        DataType::UInt64 => convert!(UInt64Type),
        other => {
            return Err(format!(
                "`{what}` must be one number per event to serve as a weight, but is {other}"
            )
            .into())
        }
    })
}

fn variable_axis(variable: &Variable) -> Result<Axis, BoxError> {
    let axis = match &variable.binning {
        Binning::Regular { n, lo, hi } => Axis::regular(*n as usize, *lo, *hi)?,
        Binning::Edges(edges) => Axis::variable(edges.clone())?,
    };
    let label = match &variable.unit {
        Some(unit) => format!("{} / {unit}", variable.x_title),
        None => variable.x_title.clone(),
    };
    Ok(axis.with_name(&variable.name).with_label(label))
}

fn common_axes(config: &Config, process: Option<i64>, shift: i64) -> Result<Vec<Axis>, BoxError> {
    let leaves: Vec<i64> = config.leaf_categories().iter().map(|c| c.id).collect();
    Ok(vec![
        Axis::int_category(leaves)?
            .with_name("category")
            .with_label("Category"),
        Axis::int_category(process.into_iter().collect::<Vec<_>>())?
            .with_growth(true)
            .with_name("process")
            .with_label("Process"),
        Axis::int_category([shift])?
            .with_growth(true)
            .with_name("shift")
            .with_label("Shift"),
    ])
}

fn shift_id(task: &PipelineTask, shift: &str) -> Result<i64, BoxError> {
    if shift == NOMINAL {
        return Ok(0);
    }
    Ok(task.scope.shift(shift)?.id)
}

/// How the events of a branch are weighted.
enum Weights {
    /// Data: every event counts once.
    One,
    /// The product of the config's event weights; `normalization_weight` is genWeight times
    /// the process's σ·L/Σw.
    Product {
        columns: Vec<Route>,
        normalization: Option<BTreeMap<i64, f64>>,
    },
    /// A weight producer's single produced column.
    Producer { tree: FunctionTree, column: Route },
}

fn normalization_factors(
    task: &PipelineTask,
    stats: &SelectionStats,
) -> Result<BTreeMap<i64, f64>, BoxError> {
    let config = task.scope.config();
    let dataset = task.dataset()?;
    let luminosity = config
        .luminosity()
        .ok_or_else(|| {
            format!(
                "config `{}` has no luminosity; normalization_weight needs it",
                config.name()
            )
        })?
        .value;
    let ecm = config.ecm().ok_or_else(|| {
        format!(
            "config `{}` has no ecm; normalization_weight looks up cross sections at it",
            config.name()
        )
    })?;
    if stats.num_events == 0 {
        // No event to weight: a dataset of empty files gives empty histograms.
        return Ok(BTreeMap::new());
    }
    if stats.sum_mc_weight == 0.0 {
        return Err(format!(
            "dataset `{}` has a sum of generator weights of 0; normalization_weight cannot divide by it",
            dataset.name
        )
        .into());
    }
    let mut factors = BTreeMap::new();
    for name in &dataset.processes {
        let process = config
            .process(name)
            .ok_or_else(|| format!("no process `{name}`"))?;
        let xsec = process.xsec(ecm).ok_or_else(|| {
            format!(
                "process `{name}` ({}) has no cross section at {ecm} TeV; add one under `xsec` for normalization_weight",
                process.at
            )
        })?;
        factors.insert(
            process.id,
            cf_producers::normalization_factor(xsec.value, luminosity, stats.sum_mc_weight),
        );
    }
    Ok(factors)
}

/// The shifts a merged-shifted task puts on its axis: nominal, then up and down per source.
pub(crate) fn shifts_of_sources(task: &PipelineTask) -> Result<Vec<String>, BoxError> {
    let mut shifts = vec![NOMINAL.to_string()];
    if task.dataset()?.is_data() {
        return Ok(shifts);
    }
    for source in names(&task.params, "shift_sources")? {
        if source == NONE {
            continue;
        }
        shifts.push(format!("{source}_up"));
        shifts.push(format!("{source}_down"));
    }
    Ok(shifts)
}

pub(crate) fn create(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let config = task.scope.config();
    let dataset = task.dataset()?;
    let info = task.scope.info(dataset);
    let is_mc = !dataset.is_data();
    let files = external_files(config);
    let shift_name = task.params.str("shift")?;
    let shift = shift_id(task, shift_name)?;
    let variables = specs(task)?;

    let mut categories =
        FunctionTree::build(&task.scope.functions, "category_ids", Kind::Producer, &info)?;
    categories.setup(&files)?;
    let mut aliases = aliases(task)?;
    let weight_producer = task.params.str("weight_producer")?;
    let weights = if !is_mc {
        Weights::One
    } else if weight_producer == ALL_WEIGHTS {
        let mut columns = Vec::new();
        let mut normalization = None;
        for weight in config.event_weights() {
            if weight.column.to_string() == NORMALIZATION_WEIGHT {
                let stats: SelectionStats =
                    serde_json::from_slice(&std::fs::read(input_path(ctx, "stats", None)?)?)?;
                normalization = Some(normalization_factors(task, &stats)?);
                continue;
            }
            columns.push(weight.column.clone());
            // A weight varied by the active shift's source is read from `<column>_<up|down>`
            // unless the shift's aliases say where.
            if shift_name != NOMINAL {
                let active = task.scope.shift(shift_name)?;
                let varied = active
                    .source
                    .as_ref()
                    .is_some_and(|s| weight.shifts.contains(s));
                if varied && !active.aliases.iter().any(|(d, _)| *d == weight.column) {
                    let suffix = match active.direction {
                        Direction::Up => "up",
                        Direction::Down => "down",
                        Direction::Nominal => unreachable!("a named shift has a direction"),
                    };
                    let source = Route::parse(&format!("{}_{suffix}", weight.column))?;
                    aliases.push((weight.column.clone(), source));
                }
            }
        }
        Weights::Product {
            columns,
            normalization,
        }
    } else {
        let mut tree = FunctionTree::build(
            &task.scope.functions,
            weight_producer,
            Kind::WeightProducer,
            &info,
        )?;
        tree.setup(&files)?;
        let produced: Vec<Route> = tree.produced_columns().iter().cloned().collect();
        let [column] = produced.as_slice() else {
            return Err(format!(
                "weight producer `{weight_producer}` must produce exactly one column (the weight), it produces {}",
                produced.len()
            )
            .into());
        };
        let column = column.clone();
        Weights::Producer { tree, column }
    };

    let mut layers: Vec<PathBuf> = Vec::new();
    let input_all = ctx.input()?;
    if let cf_engine::Deps::Map(map) = &input_all {
        for (key, output) in map {
            if key.starts_with("prod:") {
                layers.extend(output.targets().iter().map(|t| t.path().to_path_buf()));
            }
        }
    }
    let input = Input::open(&input_path(ctx, "merged", None)?, &layers)?;

    // Everything is checked before the first event is read.
    let mut wanted = ColumnSet::new();
    let mut missing = Vec::new();
    let mut need = |user: String, route: Route, produced: &ColumnSet| {
        let route = route.without_index();
        if input
            .missing(&[route.clone()].into_iter().collect())
            .is_empty()
        {
            wanted.insert(route);
        } else if !produced
            .iter()
            .any(|p| route.is_within(p) || p.is_within(&route))
        {
            missing.push((user, route));
        }
    };
    let none = ColumnSet::new();
    for variable in variables.iter().flat_map(|s| &s.parts) {
        for route in variable.routes() {
            need(format!("variable `{}`", variable.name), route, &none);
        }
    }
    let category_columns = categories.produced_columns();
    for declaration in categories.declarations() {
        for route in declaration.own_uses().iter() {
            need(
                format!("categorizer `{}`", declaration.name()),
                route.clone(),
                &category_columns,
            );
        }
    }
    match &weights {
        Weights::One => {}
        Weights::Product {
            columns,
            normalization,
        } => {
            for column in columns {
                need("event_weights".into(), column.clone(), &none);
            }
            if normalization.is_some() {
                need(
                    NORMALIZATION_WEIGHT.into(),
                    Route::parse("genWeight")?,
                    &none,
                );
            }
        }
        Weights::Producer { tree, .. } => {
            let produced = tree.produced_columns();
            for declaration in tree.declarations() {
                for route in declaration.own_uses().iter() {
                    need(
                        format!("weight producer `{}`", declaration.name()),
                        route.clone(),
                        &produced,
                    );
                }
            }
        }
    }
    if !missing.is_empty() {
        return Err(Box::new(missing_error(&task.params.to_string(), &missing)));
    }
    let process_route = Route::parse("process_id")?;
    let process_column = input.available().contains(&process_route);
    if process_column {
        wanted.insert(process_route.clone());
    }
    let constant_process = single_process(config, dataset);
    if !process_column && constant_process.is_none() {
        return Err(format!(
            "dataset `{}` has several processes and no `process_id` column; add a producer that writes it",
            dataset.name
        )
        .into());
    }

    let axes = common_axes(config, constant_process, shift)?;
    let mut hists: Vec<Histogram> = variables
        .iter()
        .map(|v| {
            let mut all = axes.clone();
            for part in &v.parts {
                all.push(variable_axis(part)?);
            }
            Ok(Histogram::new(all, Storage::Weight)?
                .with_name(&v.name)
                .with_title(
                    v.parts
                        .iter()
                        .map(|p| p.x_title.as_str())
                        .collect::<Vec<_>>()
                        .join(" vs "),
                ))
        })
        .collect::<Result<_, BoxError>>()?;
    let mut yields = Histogram::new(axes, Storage::Weight)?.with_name(YIELDS);

    let plan = input.plan(&wanted, &aliases);
    let ids_route = Route::parse("category_ids")?;
    let timing = Timing::default();
    for events in timing.reading(input.read(&plan, DEFAULT_BATCH_SIZE)?) {
        let mut events = events?;
        timing.functions(|| categories.run(&mut events))?;
        let ids = events.column(&ids_route)?;
        let n = events.num_events();
        let process: ArrayRef = if process_column {
            events.column(&process_route)?
        } else {
            Arc::new(Int64Array::from(vec![constant_process.unwrap_or(0); n]))
        };
        let shifts = Int64Array::from(vec![shift; n]);
        let weight = timing.functions(|| event_weights(&weights, &mut events, &process))?;
        let weight = weight.as_ref().map(|w| w as &dyn Array);
        for (spec, hist) in variables.iter().zip(&mut hists) {
            let values = timing.functions(|| {
                spec.parts
                    .iter()
                    .map(|v| v.evaluate(&events))
                    .collect::<Result<Vec<ArrayRef>, _>>()
            })?;
            let mut columns: Vec<&dyn Array> = vec![ids.as_ref(), process.as_ref(), &shifts];
            columns.extend(values.iter().map(|v| v.as_ref()));
            timing.writing(|| hist.fill(&columns, weight))?;
        }
        timing.writing(|| yields.fill(&[ids.as_ref(), process.as_ref(), &shifts], weight))?;
    }
    let output = crate::run::output(task)?;
    for hist in hists.iter().chain(std::iter::once(&yields)) {
        let target = output
            .get(hist.name())
            .and_then(Output::file)
            .ok_or_else(|| format!("no output for `{}`", hist.name()))?;
        timing.writing(|| write_hist(hist, target.path()))?;
    }
    timing.report(&task.params);
    Ok(())
}

/// The weight of each event (`None` for data: unweighted fills count events).
fn event_weights(
    weights: &Weights,
    events: &mut Events,
    process: &ArrayRef,
) -> Result<Option<Float64Array>, BoxError> {
    Ok(match weights {
        Weights::One => None,
        Weights::Product {
            columns,
            normalization,
        } => {
            let mut product = vec![1.0f64; events.num_events()];
            for column in columns {
                let values = as_f64(&events.column(column)?, &column.to_string())?;
                for (p, v) in product.iter_mut().zip(values.iter()) {
                    *p *= v.unwrap_or(0.0);
                }
            }
            if let Some(factors) = normalization {
                let gen = as_f64(&events.column(&Route::parse("genWeight")?)?, "genWeight")?;
                let ids = process
                    .as_primitive_opt::<Int64Type>()
                    .ok_or("`process_id` must be Int64")?;
                for (i, p) in product.iter_mut().enumerate() {
                    let id = ids.value(i);
                    let factor = factors.get(&id).ok_or_else(|| {
                        format!("no normalization factor for process id {id}: it is not a process of the dataset")
                    })?;
                    *p *= gen.value(i) * factor;
                }
            }
            Some(Float64Array::from(product))
        }
        Weights::Producer { tree, column } => {
            tree.run(events)?;
            Some(as_f64(&events.column(column)?, &column.to_string())?)
        }
    })
}

/// Sums the histograms of every branch.
pub(crate) fn merge(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let input = ctx.input()?;
    let hists = input.get("hists").ok_or("CreateHistograms missing")?;
    let output = crate::run::output(task)?;
    let mut merged = Vec::new();
    let mut names: Vec<String> = specs(task)?.into_iter().map(|s| s.name).collect();
    names.push(YIELDS.into());
    for name in &names {
        let mut total: Option<Histogram> = None;
        let stem = if name == YIELDS {
            YIELDS.to_string()
        } else {
            format!("hist__{name}")
        };
        for target in hists.targets() {
            let file_stem = target.path().file_stem().and_then(|n| n.to_str());
            let of_this = file_stem
                .and_then(|n| n.rsplit_once("__"))
                .is_some_and(|(s, branch)| s == stem && branch.parse::<usize>().is_ok());
            if !of_this {
                continue;
            }
            let part = Histogram::read_binary(target.path())?;
            match &mut total {
                Some(t) => t.add(&part)?,
                None => total = Some(part),
            }
        }
        let total = total.ok_or_else(|| format!("no histograms of `{name}` to merge"))?;
        let target = output.get(name).and_then(Output::file).ok_or("output")?;
        write_hist(&total, target.path())?;
        merged.push(total);
    }
    let refs: Vec<&Histogram> = merged.iter().collect();
    let uhi = output.get(UHI).and_then(Output::file).ok_or("uhi output")?;
    Histogram::write_uhi_json(uhi.path(), &refs)?;
    Ok(())
}

/// Nominal and every shift of the chosen sources on one shift axis; a shift that resolved to
/// the nominal task contributes the nominal histogram under its own shift id.
pub(crate) fn merge_shifted(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let input = ctx.input()?;
    let output = crate::run::output(task)?;
    let mut names: Vec<String> = specs(task)?.into_iter().map(|s| s.name).collect();
    names.push(YIELDS.into());
    let mut merged = Vec::new();
    for name in &names {
        let mut total: Option<Histogram> = None;
        for shift in shifts_of_sources(task)? {
            let part_output = input
                .get(&shift)
                .ok_or_else(|| format!("MergeHistograms for `{shift}` missing"))?;
            let path = part_output
                .get(name)
                .and_then(Output::file)
                .ok_or_else(|| format!("no `{name}` histogram for `{shift}`"))?
                .path()
                .to_path_buf();
            let mut part = Histogram::read_binary(&path)?;
            let id = shift_id(task, &shift)?;
            if shift != NOMINAL && !path_has_shift(&path, &shift) {
                part.relabel("shift", 0, id)?;
            }
            match &mut total {
                Some(t) => t.add(&part)?,
                None => total = Some(part),
            }
        }
        let total = total.ok_or("no shifts")?;
        let target = output.get(name).and_then(Output::file).ok_or("output")?;
        write_hist(&total, target.path())?;
        merged.push(total);
    }
    let refs: Vec<&Histogram> = merged.iter().collect();
    let uhi = output.get(UHI).and_then(Output::file).ok_or("uhi output")?;
    Histogram::write_uhi_json(uhi.path(), &refs)?;
    Ok(())
}

/// Whether a histogram file lies in the directory of `shift` (else it is the nominal one
/// standing in for it).
fn path_has_shift(path: &std::path::Path, shift: &str) -> bool {
    path.components().any(|c| c.as_os_str() == shift)
}
