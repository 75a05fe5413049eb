//! The plot tasks: PlotVariables1D, PlotVariables2D, PlotShiftedVariables1D and PlotCutflow,
//! drawn by `cf-plot` from the merged histograms and the config's processes and variables.

use std::collections::BTreeMap;

use cf_config::{Config, Process, Variable};
use cf_engine::{BoxError, Output, ParamValue, RunContext};
use cf_hist::Histogram;
use cf_plot::{
    CmsLabel, Component, CutflowPlot, CutflowProcess, Format, Header, Hist1D, Hist2D, ImageSize,
    Plot, Plot2D, Rgb, Scale, ShiftSource, ShiftedPlot, StackPlot, SystBand,
};

use crate::histograms::SEPARATOR;
use crate::run::input_path;
use crate::setup::{names, NOMINAL};
use crate::step::{PipelineTask, RequireMap, Step};
use crate::yields::restrict;

/// The parameters the plot families add to the histogram ones.
pub(crate) const PLOT_PARAMS: [&str; 8] = [
    "file_types",
    "process_settings",
    "variable_settings",
    "skip_ratio",
    "shape_norm",
    "density",
    "yscale",
    "cms_label",
];

/// Per-process options from `--process-settings tt,unstack,scale=100:dy,label=DY`.
#[derive(Default, Clone)]
struct ProcessSettings {
    unstack: bool,
    scale: Option<f64>,
    label: Option<String>,
    color: Option<String>,
}

/// Per-variable options from `--variable-settings jet1_pt,rebin=2,overflow`.
#[derive(Default, Clone)]
struct VariableSettings {
    rebin: Option<usize>,
    overflow: bool,
    log: bool,
}

/// Settings of one name: `(key, value)` pairs, the value absent for flags.
type Settings = BTreeMap<String, Vec<(String, Option<String>)>>;

/// `name,key,key=value:name2,...` → per-name key/value lists, checked against `known` keys.
fn parse_settings(text: &str, param: &str, known: &[&str]) -> Result<Settings, BoxError> {
    let mut out = BTreeMap::new();
    for group in text.split(':').filter(|g| !g.trim().is_empty()) {
        let mut parts = group.split(',').map(str::trim);
        let name = parts.next().unwrap_or_default().to_string();
        let mut settings = Vec::new();
        for part in parts.filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (part.to_string(), None),
            };
            if !known.contains(&key.as_str()) {
                return Err(format!(
                    "--{param}: unknown setting `{key}` for `{name}`; known: {}",
                    known.join(", ")
                )
                .into());
            }
            settings.push((key, value));
        }
        out.insert(name, settings);
    }
    Ok(out)
}

fn process_settings(task: &PipelineTask) -> Result<BTreeMap<String, ProcessSettings>, BoxError> {
    let parsed = parse_settings(
        task.params.str("process_settings")?,
        "process-settings",
        &["unstack", "scale", "label", "color"],
    )?;
    let mut out = BTreeMap::new();
    for (name, settings) in parsed {
        let mut s = ProcessSettings::default();
        for (key, value) in settings {
            match key.as_str() {
                "unstack" => s.unstack = true,
                "scale" => {
                    let v =
                        value.ok_or("--process-settings: scale needs a value, e.g. scale=100")?;
                    s.scale =
                        Some(v.parse().map_err(|_| {
                            format!("--process-settings: scale `{v}` is not a number")
                        })?);
                }
                "label" => s.label = value,
                "color" => s.color = value,
                _ => {}
            }
        }
        out.insert(name, s);
    }
    Ok(out)
}

fn variable_settings(task: &PipelineTask) -> Result<BTreeMap<String, VariableSettings>, BoxError> {
    let parsed = parse_settings(
        task.params.str("variable_settings")?,
        "variable-settings",
        &["rebin", "overflow", "log"],
    )?;
    let mut out = BTreeMap::new();
    for (name, settings) in parsed {
        let mut s = VariableSettings::default();
        for (key, value) in settings {
            match key.as_str() {
                "rebin" => {
                    let v =
                        value.ok_or("--variable-settings: rebin needs a factor, e.g. rebin=2")?;
                    s.rebin = Some(v.parse().map_err(|_| {
                        format!("--variable-settings: rebin `{v}` is not a whole number")
                    })?);
                }
                "overflow" => s.overflow = true,
                "log" => s.log = true,
                _ => {}
            }
        }
        out.insert(name, s);
    }
    Ok(out)
}

fn formats(task: &PipelineTask) -> Result<Vec<Format>, BoxError> {
    task.params
        .str_list("file_types")?
        .into_iter()
        .map(|t| match t {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            "pdf" => Ok(Format::Pdf),
            other => Err(format!("--file-types: `{other}` is not png, svg or pdf").into()),
        })
        .collect()
}

fn header(task: &PipelineTask) -> Result<Header, BoxError> {
    let config = task.scope.config();
    let cms = match task.params.str("cms_label")? {
        "pre" => CmsLabel::Preliminary,
        "sim" => CmsLabel::Simulation,
        "public" => CmsLabel::Public,
        "skip" => CmsLabel::Skip,
        _ => CmsLabel::WorkInProgress,
    };
    let mut header = Header {
        cms,
        ..Header::default()
    };
    header.lumi_fb = config.luminosity().map(|l| l.value / 1000.0);
    header.energy_tev = config.ecm();
    Ok(header)
}

fn color(
    process: &Process,
    index: usize,
    settings: Option<&ProcessSettings>,
) -> Result<Rgb, BoxError> {
    if let Some(hex) = settings.and_then(|s| s.color.as_deref()) {
        return Ok(Rgb::from_hex(hex)?);
    }
    Ok(match process.color {
        Some(c) => Rgb(c.0, c.1, c.2),
        None => cf_plot::PALETTE[index % cf_plot::PALETTE.len()],
    })
}

fn label(process: &Process, settings: Option<&ProcessSettings>) -> String {
    settings
        .and_then(|s| s.label.clone())
        .unwrap_or_else(|| process.label.clone())
}

/// The plot's variables: one name, or `a-b` for 2D.
fn variable_parts<'a>(config: &'a Config, spec: &str) -> Result<Vec<&'a Variable>, BoxError> {
    spec.split(SEPARATOR)
        .map(|p| {
            config
                .variable(p)
                .ok_or_else(|| format!("no variable `{p}`").into())
        })
        .collect()
}

/// Which requirement each dataset's histograms come from.
fn hist_family(task: &PipelineTask) -> Result<&'static str, BoxError> {
    Ok(match task.step {
        Step::PlotShifted => "MergeShiftedHistograms",
        _ if names(&task.params, "shift_sources")?.is_empty() => "MergeHistograms",
        _ => "MergeShiftedHistograms",
    })
}

/// The datasets a plot needs: those of its processes.
fn datasets(task: &PipelineTask) -> Result<Vec<String>, BoxError> {
    let config = task.scope.config();
    let mut out = Vec::new();
    for process in task.params.str_list("processes")? {
        for dataset in config.datasets_of(process) {
            if !out.contains(&dataset.name) {
                out.push(dataset.name.clone());
            }
        }
    }
    Ok(out)
}

pub(crate) fn requires(task: &PipelineTask) -> Result<RequireMap, BoxError> {
    let mut map = RequireMap::new();
    if task.step == Step::PlotCutflow {
        for dataset in datasets(task)? {
            map.insert(
                dataset.clone(),
                task.req(
                    "CreateCutflowHistograms",
                    &[
                        ("dataset", ParamValue::from(dataset.as_str())),
                        ("shift", ParamValue::from(NOMINAL)),
                    ],
                )?,
            );
        }
        return Ok(map);
    }
    let family = hist_family(task)?;
    for dataset in datasets(task)? {
        let mut set = vec![("dataset", ParamValue::from(dataset.as_str()))];
        if family == "MergeHistograms" {
            set.push(("shift", ParamValue::from(NOMINAL)));
        }
        map.insert(dataset.clone(), task.req(family, &set)?);
    }
    Ok(map)
}

pub(crate) fn output(task: &PipelineTask) -> Result<Output, BoxError> {
    let mut outputs = Vec::new();
    let formats = formats(task)?;
    let mut add = |stem: String| -> Result<(), BoxError> {
        for format in &formats {
            let name = format!("{stem}.{}", format.extension());
            outputs.push((name.clone(), Output::File(task.target(&name)?)));
        }
        Ok(())
    };
    if task.step == Step::PlotCutflow {
        add("cutflow".into())?;
    } else {
        for category in task.params.str_list("categories")? {
            for variable in task.params.str_list("variables")? {
                add(format!("plot__{category}__{variable}"))?;
            }
        }
    }
    Ok(Output::map(outputs))
}

/// Loads every dataset's histogram `name`.
fn load(
    task: &PipelineTask,
    ctx: &RunContext<'_>,
    name: &str,
) -> Result<Vec<(String, Histogram)>, BoxError> {
    datasets(task)?
        .into_iter()
        .map(|dataset| {
            let path = input_path(ctx, &dataset, Some(name))?;
            Ok((dataset, Histogram::read_binary(&path)?))
        })
        .collect()
}

/// The variable histogram(s) of config process `process` (and its children) in `category`
/// (its leaves) at shift `shift`, summed over the datasets; `None` when nothing matches.
fn process_hist(
    config: &Config,
    hists: &[(String, Histogram)],
    process: &str,
    category: &str,
    shift: i64,
    axes: &[&str],
    rebin: Option<usize>,
) -> Result<Option<Histogram>, BoxError> {
    let ids: Vec<i64> = config.process_tree(process).iter().map(|p| p.id).collect();
    let leaves: Vec<i64> = config.leaves_of(category).iter().map(|c| c.id).collect();
    let mut total: Option<Histogram> = None;
    for (_, hist) in hists {
        let Some(h) = restrict(hist, "category", &leaves)? else {
            continue;
        };
        let Some(h) = restrict(&h, "process", &ids)? else {
            continue;
        };
        let Some(h) = restrict(&h, "shift", &[shift])? else {
            continue;
        };
        let mut h = h.project(axes)?;
        if let Some(factor) = rebin.filter(|f| *f > 1) {
            for axis in axes {
                h = h.rebin(axis, factor)?;
            }
        }
        match &mut total {
            Some(t) => t.add(&h)?,
            None => total = Some(h),
        }
    }
    Ok(total)
}

/// The chosen processes that are simulation.
fn simulated(task: &PipelineTask) -> Result<Vec<&str>, BoxError> {
    let config = task.scope.config();
    Ok(task
        .params
        .str_list("processes")?
        .into_iter()
        .filter(|p| config.process(p).is_some_and(|p| !p.is_data))
        .collect())
}

/// [`process_hist`] summed over several processes (a stack's total, all simulation).
fn processes_hist(
    config: &Config,
    hists: &[(String, Histogram)],
    processes: &[&str],
    category: &str,
    shift: i64,
    axes: &[&str],
    rebin: Option<usize>,
) -> Result<Option<Histogram>, BoxError> {
    let mut total: Option<Histogram> = None;
    for process in processes {
        if let Some(h) = process_hist(config, hists, process, category, shift, axes, rebin)? {
            match &mut total {
                Some(t) => t.add(&h)?,
                None => total = Some(h),
            }
        }
    }
    Ok(total)
}

fn shift_id(task: &PipelineTask, name: &str) -> Result<i64, BoxError> {
    Ok(task.scope.shift(name)?.id)
}

fn save(task: &PipelineTask, plot: &dyn Plot, stem: &str) -> Result<(), BoxError> {
    let formats = formats(task)?;
    let output = crate::run::output(task)?;
    let first = format!("{stem}.{}", formats[0].extension());
    let path = output
        .get(&first)
        .and_then(Output::file)
        .ok_or_else(|| format!("no output {first}"))?
        .path()
        .to_path_buf();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    cf_plot::save_all(
        plot,
        path.with_extension(""),
        &formats,
        ImageSize::default(),
    )?;
    Ok(())
}

pub(crate) fn run(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    match task.step {
        Step::PlotCutflow => cutflow(task, ctx),
        Step::Plot2D => variables_2d(task, ctx),
        Step::PlotShifted => shifted(task, ctx),
        _ => variables_1d(task, ctx),
    }
}

fn scale(task: &PipelineTask, settings: Option<&VariableSettings>) -> Result<Scale, BoxError> {
    Ok(
        if task.params.str("yscale")? == "log" || settings.is_some_and(|s| s.log) {
            Scale::Log
        } else {
            Scale::Linear
        },
    )
}

fn variables_1d(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let config = task.scope.config();
    let processes = process_settings(task)?;
    let variables = variable_settings(task)?;
    let sources = names(&task.params, "shift_sources")?;
    for spec in task.params.str_list("variables")? {
        let parts = variable_parts(config, spec)?;
        let [variable] = parts.as_slice() else {
            return Err(format!(
                "PlotVariables1D draws one variable; `{spec}` is 2D: use PlotVariables2D"
            )
            .into());
        };
        let settings = variables.get(spec);
        let rebin = settings.and_then(|s| s.rebin);
        let hists = load(task, ctx, spec)?;
        for category in task.params.str_list("categories")? {
            let mut plot = StackPlot::new(&variable.x_title);
            plot.unit = variable.unit.clone();
            plot.header = header(task)?;
            plot.skip_ratio = task.params.bool("skip_ratio")?;
            plot.shape_norm = task.params.bool("shape_norm")?;
            plot.density = task.params.bool("density")?;
            plot.fold_flow = settings.is_some_and(|s| s.overflow);
            plot.y_scale = scale(task, settings)?;
            let cat = config.category(category).ok_or("category")?;
            plot.header.annotation = Some(cat.label.clone());
            let mut stacked = Vec::new();
            for (index, name) in task.params.str_list("processes")?.into_iter().enumerate() {
                let process = config.process(name).ok_or("process")?;
                let Some(h) =
                    process_hist(config, &hists, name, category, 0, &[&variable.name], rebin)?
                else {
                    continue;
                };
                let hist = Hist1D::from_histogram(&h)?;
                let settings = processes.get(name);
                if process.is_data {
                    plot.data = Some(hist);
                    plot.data_label = label(process, settings);
                    continue;
                }
                let mut component = Component::new(
                    label(process, settings),
                    color(process, index, settings)?,
                    hist,
                );
                if let Some(factor) = settings.and_then(|s| s.scale) {
                    component = component.scaled(factor);
                }
                if settings.is_some_and(|s| s.unstack) {
                    plot.lines.push(component);
                } else {
                    stacked.push(name.to_string());
                    plot.stack.push(component);
                }
            }
            if !sources.is_empty() && !stacked.is_empty() {
                let stacked: Vec<&str> = stacked.iter().map(String::as_str).collect();
                let total = |shift: i64| -> Result<Option<Hist1D>, BoxError> {
                    let sum = processes_hist(
                        config,
                        &hists,
                        &stacked,
                        category,
                        shift,
                        &[&variable.name],
                        rebin,
                    )?;
                    Ok(sum.map(|h| Hist1D::from_histogram(&h)).transpose()?)
                };
                if let Some(nominal) = total(0)? {
                    let mut pairs = Vec::new();
                    for source in &sources {
                        let up = total(shift_id(task, &format!("{source}_up"))?)?;
                        let down = total(shift_id(task, &format!("{source}_down"))?)?;
                        if let (Some(up), Some(down)) = (up, down) {
                            pairs.push((up, down));
                        }
                    }
                    plot.syst = Some(SystBand::from_sources(&nominal, &pairs)?);
                }
            }
            save(task, &plot, &format!("plot__{category}__{spec}"))?;
        }
    }
    Ok(())
}

fn variables_2d(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let config = task.scope.config();
    for spec in task.params.str_list("variables")? {
        let parts = variable_parts(config, spec)?;
        let [x, y] = parts.as_slice() else {
            return Err(format!(
                "PlotVariables2D draws two variables, written `a-b`; `{spec}` is not"
            )
            .into());
        };
        let hists = load(task, ctx, spec)?;
        for category in task.params.str_list("categories")? {
            let total = processes_hist(
                config,
                &hists,
                &simulated(task)?,
                category,
                0,
                &[&x.name, &y.name],
                None,
            )?;
            let total = total
                .ok_or_else(|| format!("no simulated events of {spec} in category {category}"))?;
            let title = |v: &Variable| match &v.unit {
                Some(unit) => format!("{} ({unit})", v.x_title),
                None => v.x_title.clone(),
            };
            let mut plot = Plot2D::new(Hist2D::from_histogram(&total)?, title(x), title(y));
            plot.header = header(task)?;
            plot.header.annotation = config.category(category).map(|c| c.label.clone());
            plot.z_title = "Events".into();
            if task.params.str("yscale")? == "log" {
                plot.z_scale = Scale::Log;
            }
            save(task, &plot, &format!("plot__{category}__{spec}"))?;
        }
    }
    Ok(())
}

fn shifted(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let config = task.scope.config();
    let sources = names(&task.params, "shift_sources")?;
    for spec in task.params.str_list("variables")? {
        let parts = variable_parts(config, spec)?;
        let [variable] = parts.as_slice() else {
            return Err(
                format!("PlotShiftedVariables1D draws one variable; `{spec}` is 2D").into(),
            );
        };
        let hists = load(task, ctx, spec)?;
        for category in task.params.str_list("categories")? {
            let mc = simulated(task)?;
            let total = |shift: i64| -> Result<Option<Hist1D>, BoxError> {
                let sum = processes_hist(
                    config,
                    &hists,
                    &mc,
                    category,
                    shift,
                    &[&variable.name],
                    None,
                )?;
                Ok(sum.map(|h| Hist1D::from_histogram(&h)).transpose()?)
            };
            let nominal = total(0)?
                .ok_or_else(|| format!("no simulated events of {spec} in category {category}"))?;
            let mut plot = ShiftedPlot::new(nominal, &variable.x_title);
            plot.unit = variable.unit.clone();
            plot.header = header(task)?;
            plot.header.annotation = config.category(category).map(|c| c.label.clone());
            for (index, source) in sources.iter().enumerate() {
                let up = total(shift_id(task, &format!("{source}_up"))?)?;
                let down = total(shift_id(task, &format!("{source}_down"))?)?;
                if let (Some(up), Some(down)) = (up, down) {
                    plot.sources.push(ShiftSource {
                        label: source.clone(),
                        color: cf_plot::PALETTE[index % cf_plot::PALETTE.len()],
                        up,
                        down,
                    });
                }
            }
            save(task, &plot, &format!("plot__{category}__{spec}"))?;
        }
    }
    Ok(())
}

/// Events after each selection step per process, simulation scaled to the luminosity
/// (σ·L / Σ genWeight of all generated events, as the histograms are).
fn cutflow(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let config = task.scope.config();
    let luminosity = config.luminosity().map(|l| l.value);
    // Data may have steps simulation has not (the lumi mask): steps are the union, in order,
    // and a dataset without a step keeps the count of its step before.
    let mut steps: Vec<String> = Vec::new();
    let mut parts: Vec<(usize, Vec<(String, f64)>)> = Vec::new();
    let mut rows: Vec<(String, Rgb)> = Vec::new();
    for (index, name) in task.params.str_list("processes")?.into_iter().enumerate() {
        let process = config.process(name).ok_or("process")?;
        let ids: Vec<i64> = config.process_tree(name).iter().map(|p| p.id).collect();
        let row = rows.len();
        let mut any = false;
        for dataset in config.datasets_of(name) {
            let hist = Histogram::read_binary(input_path(ctx, &dataset.name, Some("hist"))?)?;
            let labels: Vec<String> = match hist.axes()[0].kind() {
                cf_hist::AxisKind::StrCategory { categories } => categories.clone(),
                _ => return Err("a cutflow histogram has a step axis first".into()),
            };
            merge_steps(&mut steps, &labels);
            let Some(h) = restrict(&hist, "process", &ids)? else {
                continue;
            };
            let per_step = h.project(&["step"])?.values();
            let initial = per_step.first().copied().unwrap_or(0.0);
            let xsec = dataset
                .processes
                .first()
                .and_then(|p| config.process(p))
                .zip(config.ecm())
                .and_then(|(p, ecm)| p.xsec(ecm));
            let factor = match (process.is_data, luminosity, xsec) {
                (false, Some(lumi), Some(xsec)) if initial != 0.0 => xsec.value * lumi / initial,
                _ => 1.0,
            };
            let values = labels
                .iter()
                .cloned()
                .zip(per_step.iter().map(|v| v * factor))
                .collect();
            parts.push((row, values));
            any = true;
        }
        if any {
            rows.push((label(process, None), color(process, index, None)?));
        }
    }
    let mut plot = CutflowPlot::new(steps.clone());
    plot.processes = rows
        .into_iter()
        .enumerate()
        .map(|(row, (label, color))| {
            let mut values = vec![0.0; steps.len()];
            for (_, part) in parts.iter().filter(|(r, _)| *r == row) {
                let mut last = 0.0;
                for (value, step) in values.iter_mut().zip(&steps) {
                    if let Some((_, v)) = part.iter().find(|(s, _)| s == step) {
                        last = *v;
                    }
                    *value += last;
                }
            }
            CutflowProcess {
                label,
                color,
                values,
            }
        })
        .collect();
    plot.header = header(task)?;
    plot.y_scale = Scale::Log;
    save(task, &plot, "cutflow")
}

/// Adds the labels of one sequence of steps to `steps`, each new one after its predecessor.
fn merge_steps(steps: &mut Vec<String>, labels: &[String]) {
    let mut at = 0;
    for label in labels {
        match steps.iter().position(|s| s == label) {
            Some(found) => at = found + 1,
            None => {
                steps.insert(at, label.clone());
                at += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_of_data_and_simulation_merge_in_order() {
        let mut steps = Vec::new();
        let mc: Vec<String> = ["initial", "met_filter", "lepton", "selected"]
            .map(String::from)
            .to_vec();
        let data: Vec<String> = ["initial", "lumi", "met_filter", "lepton", "selected"]
            .map(String::from)
            .to_vec();
        merge_steps(&mut steps, &mc);
        merge_steps(&mut steps, &data);
        assert_eq!(steps, data);
    }

    #[test]
    fn settings_parse_and_unknown_keys_are_named() {
        let parsed = parse_settings(
            "tt,unstack,scale=100:dy,label=DY",
            "process-settings",
            &["unstack", "scale", "label"],
        )
        .unwrap();
        assert_eq!(parsed["tt"].len(), 2);
        assert_eq!(
            parsed["dy"][0],
            ("label".to_string(), Some("DY".to_string()))
        );
        let err = parse_settings("tt,stack", "process-settings", &["unstack"]).unwrap_err();
        assert!(
            err.to_string().contains("unknown setting `stack` for `tt`"),
            "{err}"
        );
    }
}
