//! Parameters of the pipeline tasks, their resolution against the config (defaults, names,
//! shifts) and the store layout they decide.
//!
//! Resolution happens when a task is created, so that a task's identity is what it computes:
//! `--producers` left out and `--producers features,weights` (the config's default) are one
//! task, and `SelectEvents --shift pu_up` *is* the nominal SelectEvents when nothing before the
//! selection implements `pu`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use cf_analysis::{DatasetInfo, Kind, Registry};
use cf_config::{Analysis, Config, Dataset, Shift};
use cf_engine::{param::fnv1a64, Context, FileTarget, ParamDecl, ParamKind, ParamValue, Params};

use crate::error::{unknown, Error, Result};
use crate::pipeline::Pipeline;

/// The built-in weight producer: the product of the config's `event_weights` columns, with
/// `normalization_weight` computed from the selection statistics.
pub const ALL_WEIGHTS: &str = "all_weights";
/// The shift every dataset has.
pub const NOMINAL: &str = "nominal";
/// Input events per merged reduced file unless `--merged-size` says otherwise.
pub const DEFAULT_MERGED_SIZE: i64 = 2_000_000;
/// Written for a function list that is empty on purpose (`--producers none`).
pub const NONE: &str = "none";

/// How far along the chain a task is: decides which shifts change its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    Calibrate,
    Select,
    Reduce,
    Histogram,
}

fn list() -> ParamKind {
    ParamKind::List(Box::new(ParamKind::Str))
}

/// The parameters a family declares, by name.
pub(crate) fn decl(name: &str) -> ParamDecl {
    let empty = ParamValue::List(Vec::new());
    match name {
        "analysis" => ParamDecl::new(
            "analysis",
            ParamKind::Str,
            "the analysis file (YAML); default: $CF_ANALYSIS, else configs/example.yaml",
        )
        .with_default(std::env::var("CF_ANALYSIS").unwrap_or_else(|_| "configs/example.yaml".into())),
        "config" => ParamDecl::new(
            "config",
            ParamKind::Str,
            "the config (campaign) of the analysis file; default: its first config",
        )
        .with_default(""),
        "version" => ParamDecl::new(
            "version",
            ParamKind::Str,
            "version tag of the outputs (a new tag recomputes everything below it)",
        ),
        "dataset" => ParamDecl::new("dataset", ParamKind::Str, "the dataset to process"),
        "datasets" => ParamDecl::new(
            "datasets",
            list(),
            "datasets, comma-separated; default: every dataset of the config",
        )
        .with_default(empty),
        "shift" => ParamDecl::new(
            "shift",
            ParamKind::Str,
            "systematic shift (`nominal`, `jec_up`, ...); a task no function of its chain varies runs as nominal",
        )
        .with_default(NOMINAL),
        "shift_sources" => ParamDecl::new(
            "shift_sources",
            list(),
            "shift sources whose up/down histograms to add (`jec,pu`); default: every source of the config",
        )
        .with_default(empty),
        "calibrators" => ParamDecl::new(
            "calibrators",
            list(),
            "calibrators, comma-separated, or `none`; default: the config's defaults.calibrators",
        )
        .with_default(empty),
        "calibrator" => ParamDecl::new("calibrator", ParamKind::Str, "the calibrator to run"),
        "selector" => ParamDecl::new(
            "selector",
            ParamKind::Str,
            "the selector; default: the config's defaults.selector",
        )
        .with_default(""),
        "producers" => ParamDecl::new(
            "producers",
            list(),
            "producers, comma-separated, or `none`; default: the config's defaults.producers",
        )
        .with_default(empty),
        "producer" => ParamDecl::new("producer", ParamKind::Str, "the producer to run"),
        "variables" => ParamDecl::new(
            "variables",
            list(),
            "variables to histogram, comma-separated (`a-b`: the 2D histogram of a and b); default: the config's defaults.variables",
        )
        .with_default(empty),
        "weight_producer" => ParamDecl::new(
            "weight_producer",
            ParamKind::Str,
            "the weight producer; default: the config's defaults.weight_producer, else all_weights (the product of the config's event_weights)",
        )
        .with_default(""),
        "merged_size" => ParamDecl::new(
            "merged_size",
            ParamKind::Int,
            "input events per merged reduced file; later steps run one branch per merged file",
        )
        .with_default(DEFAULT_MERGED_SIZE),
        "processes" => ParamDecl::new(
            "processes",
            list(),
            "processes (rows of the table), comma-separated; default: every process with a dataset",
        )
        .with_default(empty),
        "categories" => ParamDecl::new(
            "categories",
            list(),
            "categories, comma-separated; default: the config's defaults.categories",
        )
        .with_default(empty),
        "inference_model" => ParamDecl::new(
            "inference_model",
            ParamKind::Str,
            "the config's inference model; default: its first",
        )
        .with_default(""),
        "file_types" => ParamDecl::new(
            "file_types",
            ParamKind::List(Box::new(ParamKind::Choice(vec!["png".into(), "svg".into(), "pdf".into()]))),
            "plot file types, comma-separated: png, svg, pdf",
        )
        .with_default(ParamValue::List(vec![ParamValue::from("png")])),
        "process_settings" => ParamDecl::new(
            "process_settings",
            ParamKind::Str,
            "per-process plot settings, `tt,unstack,scale=100:dy,label=DY,color=#5790fc` (unstack, scale, label, color)",
        )
        .with_default(""),
        "variable_settings" => ParamDecl::new(
            "variable_settings",
            ParamKind::Str,
            "per-variable plot settings, `jet1_pt,rebin=2,overflow:ht,log` (rebin, overflow: fold flow bins in, log)",
        )
        .with_default(""),
        "skip_ratio" => ParamDecl::new("skip_ratio", ParamKind::Bool, "leave out the data/MC ratio panel")
            .with_default(false),
        "shape_norm" => ParamDecl::new(
            "shape_norm",
            ParamKind::Bool,
            "normalise every process to unit area (shapes only)",
        )
        .with_default(false),
        "density" => ParamDecl::new(
            "density",
            ParamKind::Bool,
            "divide every bin by its width (events per GeV), for variable binnings",
        )
        .with_default(false),
        "yscale" => ParamDecl::new(
            "yscale",
            ParamKind::Choice(vec!["linear".into(), "log".into()]),
            "y axis (z for 2D plots): linear or log",
        )
        .with_default("linear"),
        "cms_label" => ParamDecl::new(
            "cms_label",
            ParamKind::Choice(["wip", "pre", "sim", "public", "skip"].map(String::from).to_vec()),
            "the CMS label: wip (work in progress), pre (preliminary), sim (simulation), public, skip",
        )
        .with_default("wip"),
        other => unreachable!("no pipeline parameter `{other}`"),
    }
}

/// The declarations of `names`, in order.
pub(crate) fn decls(names: &[&str]) -> Vec<ParamDecl> {
    names.iter().map(|n| decl(n)).collect()
}

/// A task's resolved setting: the analysis, its config, the functions it may call.
#[derive(Clone)]
pub(crate) struct Scope {
    pub pipeline: Arc<Pipeline>,
    pub ctx: Arc<Context>,
    pub analysis: Arc<Analysis>,
    config: usize,
    pub functions: Registry,
}

impl Scope {
    pub fn config(&self) -> &Config {
        &self.analysis.configs()[self.config]
    }

    pub fn dataset(&self, name: &str) -> Result<&Dataset> {
        let config = self.config();
        config.dataset(name).ok_or_else(|| {
            unknown(
                "dataset",
                name,
                "dataset",
                format!("config `{}`", config.name()),
                config.datasets().iter().map(|d| d.name.as_str()),
            )
        })
    }

    pub fn shift(&self, name: &str) -> Result<&Shift> {
        let config = self.config();
        config.shift(name).ok_or_else(|| {
            unknown(
                "shift",
                name,
                "shift",
                format!("config `{}`", config.name()),
                config.shifts().iter().map(|s| s.name.as_str()),
            )
        })
    }

    pub fn info(&self, dataset: &Dataset) -> DatasetInfo {
        DatasetInfo {
            name: dataset.name.clone(),
            is_mc: !dataset.is_data(),
        }
    }

    /// The target `name` in the task's directory of the store.
    pub fn target(&self, params: &Params, name: &str) -> Result<FileTarget> {
        Ok(self.ctx.target(self.dir(params)?.join(name)))
    }

    /// `<analysis>/<Task>/<config>/<dataset>/<shift>/calib__…/sel__…/prod__…/<version>`.
    pub fn dir(&self, params: &Params) -> Result<PathBuf> {
        let mut dir = PathBuf::from(self.analysis.name());
        dir.push(params.family());
        dir.push(params.str("config")?);
        for (param, prefix) in [
            ("dataset", ""),
            ("datasets", "datasets__"),
            ("shift", ""),
            ("calibrators", "calib__"),
            ("calibrator", "calib__"),
            ("selector", "sel__"),
            ("producers", "prod__"),
            ("producer", "prod__"),
            ("weight_producer", "weight__"),
            ("shift_sources", "shifts__"),
            ("inference_model", "model__"),
        ] {
            if !params.has(param) {
                continue;
            }
            let text = match params.get(param)? {
                ParamValue::List(items) => repr(items),
                value => value.canonical(),
            };
            dir.push(format!("{prefix}{text}"));
        }
        if params.has("merged_size") && params.int("merged_size")? != DEFAULT_MERGED_SIZE {
            dir.push(format!("merged__{}", params.int("merged_size")?));
        }
        dir.push(params.str("version")?);
        Ok(dir)
    }
}

/// A list as a path part: names joined by `__`; long lists as the first two, the count and a
/// hash, so paths stay short and still differ.
fn repr(items: &[ParamValue]) -> String {
    let names: Vec<String> = items.iter().map(ParamValue::canonical).collect();
    let joined = names.join("__");
    if names.is_empty() {
        return NONE.into();
    }
    if joined.len() <= 60 {
        return joined;
    }
    format!(
        "{}__{}__{}_{:08x}",
        names[0],
        names[1],
        names.len(),
        fnv1a64(joined.as_bytes()) as u32
    )
}

/// The names of a resolved function list (`none` means no function).
pub(crate) fn names(params: &Params, param: &str) -> Result<Vec<String>> {
    Ok(params
        .str_list(param)?
        .into_iter()
        .filter(|n| *n != NONE)
        .map(str::to_string)
        .collect())
}

/// Resolves `params` against the config: defaults filled in, names checked, the shift
/// replaced by the one the task at `stage` actually computes.
pub(crate) fn resolve(
    pipeline: &Arc<Pipeline>,
    ctx: &Arc<Context>,
    mut params: Params,
    stage: Option<Stage>,
) -> Result<(Params, Scope)> {
    let analysis = pipeline.analysis(params.str("analysis")?)?;
    let wanted = params.str("config")?.to_string();
    let index = if wanted.is_empty() {
        if analysis.configs().is_empty() {
            return Err(Error::Invalid(format!(
                "analysis file {} defines no config",
                analysis.path().display()
            )));
        }
        0
    } else {
        analysis
            .configs()
            .iter()
            .position(|c| c.name() == wanted)
            .ok_or_else(|| {
                unknown(
                    "config",
                    &wanted,
                    "config",
                    format!("analysis file {}", analysis.path().display()),
                    analysis.configs().iter().map(|c| c.name()),
                )
            })?
    };
    let config_name = analysis.configs()[index].name().to_string();
    params.set("config", config_name)?;
    let mut scope = Scope {
        pipeline: pipeline.clone(),
        ctx: ctx.clone(),
        analysis,
        config: index,
        functions: Registry::new(),
    };
    let dataset = if params.has("dataset") {
        Some(scope.dataset(params.str("dataset")?)?.clone())
    } else {
        None
    };
    if let Some(generate) = dataset
        .as_ref()
        .and_then(|d| d.generate.as_ref().map(|g| (d, g)))
    {
        crate::generate::model(generate.0, generate.1)?;
    }
    scope.functions = pipeline.functions_for(scope.config(), dataset.as_ref());
    let defaults = scope.config().defaults().clone();

    resolve_list(
        &mut params,
        &scope,
        "calibrators",
        &defaults.calibrators,
        Kind::Calibrator,
    )?;
    resolve_list(
        &mut params,
        &scope,
        "producers",
        &defaults.producers,
        Kind::Producer,
    )?;
    for (param, kind) in [
        ("calibrator", Kind::Calibrator),
        ("producer", Kind::Producer),
    ] {
        if params.has(param) {
            check_function(&scope, param, params.str(param)?, kind)?;
        }
    }
    if params.has("selector") {
        let selector = match params.str("selector")? {
            "" => defaults.selector.clone().ok_or_else(|| {
                Error::Invalid(format!(
                    "no selector: pass --selector or set defaults.selector in config `{}`",
                    scope.config().name()
                ))
            })?,
            given => given.to_string(),
        };
        check_function(&scope, "selector", &selector, Kind::Selector)?;
        params.set("selector", selector)?;
    }
    if params.has("weight_producer") {
        let producer = match params.str("weight_producer")? {
            "" => defaults
                .weight_producer
                .clone()
                .unwrap_or_else(|| ALL_WEIGHTS.to_string()),
            given => given.to_string(),
        };
        if producer != ALL_WEIGHTS {
            check_function(&scope, "weight_producer", &producer, Kind::WeightProducer)?;
        }
        params.set("weight_producer", producer)?;
    }
    if params.has("variables") {
        let mut variables = params
            .str_list("variables")?
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>();
        if variables.is_empty() {
            variables = defaults.variables.clone();
        }
        if variables.is_empty() {
            return Err(Error::Invalid(format!(
                "no variables: pass --variables or set defaults.variables in config `{}`",
                scope.config().name()
            )));
        }
        let config = scope.config();
        // `a-b` is the 2D histogram of variables a and b.
        for name in variables
            .iter()
            .flat_map(|v| v.split(crate::histograms::SEPARATOR))
        {
            if config.variable(name).is_none() {
                return Err(unknown(
                    "variables",
                    name,
                    "variable",
                    format!("config `{}`", config.name()),
                    config.variables().iter().map(|v| v.name.as_str()),
                ));
            }
        }
        params.set("variables", to_list(variables))?;
    }
    if params.has("datasets") {
        let mut datasets: Vec<String> = params
            .str_list("datasets")?
            .iter()
            .map(|s| s.to_string())
            .collect();
        if datasets.is_empty() {
            datasets = scope
                .config()
                .datasets()
                .iter()
                .map(|d| d.name.clone())
                .collect();
        }
        for name in &datasets {
            scope.dataset(name)?;
        }
        params.set("datasets", to_list(datasets))?;
    }
    if params.has("categories") {
        let mut categories: Vec<String> = params
            .str_list("categories")?
            .iter()
            .map(|s| s.to_string())
            .collect();
        if categories.is_empty() {
            categories = defaults.categories.clone();
        }
        let config = scope.config();
        for name in &categories {
            if config.category(name).is_none() {
                return Err(unknown(
                    "categories",
                    name,
                    "category",
                    format!("config `{}`", config.name()),
                    config.categories().iter().map(|c| c.name.as_str()),
                ));
            }
        }
        params.set("categories", to_list(categories))?;
    }
    if params.has("processes") {
        let config = scope.config();
        let mut processes: Vec<String> = params
            .str_list("processes")?
            .iter()
            .map(|s| s.to_string())
            .collect();
        if processes.is_empty() {
            // Top-level processes with a dataset below them: `tt`, not its child `tt_sl`.
            let children: BTreeSet<&str> = config
                .processes()
                .iter()
                .flat_map(|p| p.children.iter().map(String::as_str))
                .collect();
            processes = config
                .processes()
                .iter()
                .filter(|p| !children.contains(p.name.as_str()))
                .filter(|p| !config.datasets_of(&p.name).is_empty())
                .map(|p| p.name.clone())
                .collect();
        }
        for name in &processes {
            if config.process(name).is_none() {
                return Err(unknown(
                    "processes",
                    name,
                    "process",
                    format!("config `{}`", config.name()),
                    config.processes().iter().map(|p| p.name.as_str()),
                ));
            }
        }
        params.set("processes", to_list(processes))?;
    }
    if params.has("shift_sources") {
        let config = scope.config();
        let mut sources: Vec<String> = params
            .str_list("shift_sources")?
            .iter()
            .map(|s| s.to_string())
            .collect();
        // Plots draw a systematic band only when asked; the other tasks take every source.
        let plot_band =
            params.family().starts_with("Plot") && params.family() != "PlotShiftedVariables1D";
        if sources.is_empty() && !plot_band {
            sources = config
                .shift_sources()
                .iter()
                .map(|s| s.name.clone())
                .collect();
        }
        for name in &sources {
            if !config.shift_sources().iter().any(|s| &s.name == name) {
                return Err(unknown(
                    "shift_sources",
                    name,
                    "shift source",
                    format!("config `{}`", config.name()),
                    config.shift_sources().iter().map(|s| s.name.as_str()),
                ));
            }
        }
        if sources.is_empty() {
            sources.push(NONE.into());
        }
        params.set("shift_sources", to_list(sources))?;
    }
    if params.has("inference_model") {
        let config = scope.config();
        let name = match params.str("inference_model")? {
            "" => config
                .inference_models()
                .first()
                .map(|m| m.name.clone())
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "config `{}` has no inference_models; add one to write datacards",
                        config.name()
                    ))
                })?,
            given => given.to_string(),
        };
        if config.inference_model(&name).is_none() {
            return Err(unknown(
                "inference_model",
                &name,
                "inference model",
                format!("config `{}`", config.name()),
                config.inference_models().iter().map(|m| m.name.as_str()),
            ));
        }
        params.set("inference_model", name)?;
    }
    if params.has("shift") {
        let requested = params.str("shift")?.to_string();
        if requested != NOMINAL {
            scope.shift(&requested)?;
        }
        let effective = match (stage, &dataset) {
            (Some(stage), Some(dataset)) if requested != NOMINAL && !dataset.is_data() => {
                let upstream = upstream_shifts(&scope, &params, stage, dataset)?;
                if upstream.contains(&requested) {
                    requested
                } else {
                    NOMINAL.to_string()
                }
            }
            _ => {
                if requested != NOMINAL && dataset.as_ref().is_some_and(Dataset::is_data) {
                    NOMINAL.to_string()
                } else {
                    requested
                }
            }
        };
        params.set("shift", effective)?;
    }
    if let (Some(Stage::Histogram), Some(dataset)) = (stage, &dataset) {
        check_chain(&scope, &params, dataset)?;
    }
    Ok((params, scope))
}

/// The column check of the whole chain, on the metadata of the dataset's first input file:
/// a broken chain fails when the task is created, before any event is read or any step runs.
fn check_chain(scope: &Scope, params: &Params, dataset: &Dataset) -> Result<()> {
    let config = scope.config();
    let key = format!("{}\0{}", params.canonical(), dataset.name);
    if scope.pipeline.chain_checked(&key) {
        return Ok(());
    }
    let files = scope
        .pipeline
        .input_files(scope.ctx.store(), &scope.analysis, config, dataset)?;
    let first = &files[0].path;
    let input = match &dataset.generate {
        Some(_) => crate::dataset_columns(dataset)?,
        None => cf_io::EventFile::open(first)
            .map_err(|source| Error::Input {
                dataset: dataset.name.clone(),
                source: Box::new(source),
            })?
            .columns()
            .iter()
            .map(|c| c.route.clone())
            .collect(),
    };
    let mut variables: Vec<(String, Vec<cf_columns::Route>)> = params
        .str_list("variables")?
        .into_iter()
        .flat_map(|name| name.split(crate::histograms::SEPARATOR))
        .filter_map(|name| config.variable(name))
        .map(|v| (v.name.clone(), v.routes()))
        .collect();
    if !dataset.is_data() && params.str("weight_producer")? == ALL_WEIGHTS {
        for weight in config.event_weights() {
            let column = weight.column.to_string();
            let routes = if column == "normalization_weight" {
                vec![cf_columns::Route::new(["genWeight"])]
            } else {
                vec![weight.column.clone()]
            };
            variables.push((format!("{column} (event weight)"), routes));
        }
    }
    let mut categorizers: Vec<String> = config
        .leaf_categories()
        .iter()
        .flat_map(|c| c.categorizers.clone())
        .collect();
    categorizers.sort();
    categorizers.dedup();
    let chain = cf_analysis::Chain {
        calibrators: names(params, "calibrators")?,
        selector: Some(params.str("selector")?.to_string()),
        reduced_columns: config.keep_columns().get("ReduceEvents").cloned(),
        producers: names(params, "producers")?,
        variables,
        categorizers,
    };
    let missing =
        cf_analysis::check_columns(&scope.functions, &chain, &scope.info(dataset), input)?;
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(ToString::to_string).collect();
        return Err(Error::MissingColumns {
            step: format!(
                "the chain for dataset `{}` (checked on {})",
                dataset.name,
                first.display()
            ),
            missing: list.join("; "),
        });
    }
    scope.pipeline.mark_chain_checked(key);
    Ok(())
}

/// Shifts that change the output of a task at `stage`: those implemented by the functions
/// that run before it writes. A function that writes a shift's columns in its nominal pass
/// (`Jet.pt_jec_up`) leaves its own step nominal; later steps read them through the shift's
/// aliases. Weight shifts (from `event_weights`) change only histograms.
pub(crate) fn upstream_shifts(
    scope: &Scope,
    params: &Params,
    stage: Stage,
    dataset: &Dataset,
) -> Result<BTreeSet<String>> {
    let info = scope.info(dataset);
    let mut shifts = BTreeSet::new();
    let mut add = |name: &str, kind: Kind| -> Result<()> {
        let implemented = scope
            .pipeline
            .shifts_of(&scope.functions, name, kind, &info)?;
        shifts.extend(implemented.iter().cloned());
        Ok(())
    };
    if stage > Stage::Calibrate {
        for name in names(params, "calibrators")? {
            add(&name, Kind::Calibrator)?;
        }
    }
    if stage > Stage::Select {
        add(params.str("selector")?, Kind::Selector)?;
    }
    if stage >= Stage::Histogram {
        for name in names(params, "producers")? {
            add(&name, Kind::Producer)?;
        }
        let weights = params.str("weight_producer")?;
        if weights != ALL_WEIGHTS {
            add(weights, Kind::WeightProducer)?;
        }
        for weight in scope.config().event_weights() {
            for source in &weight.shifts {
                shifts.insert(format!("{source}_up"));
                shifts.insert(format!("{source}_down"));
            }
        }
    }
    Ok(shifts)
}

fn to_list(names: Vec<String>) -> ParamValue {
    ParamValue::List(names.into_iter().map(ParamValue::Str).collect())
}

fn check_function(scope: &Scope, param: &'static str, name: &str, kind: Kind) -> Result<()> {
    scope
        .functions
        .create(name, Some(kind))
        .map(drop)
        .map_err(|source| Error::Function {
            param,
            source: Box::new(source),
        })
}

fn resolve_list(
    params: &mut Params,
    scope: &Scope,
    param: &'static str,
    defaults: &[String],
    kind: Kind,
) -> Result<()> {
    if !params.has(param) {
        return Ok(());
    }
    let given: Vec<String> = params
        .str_list(param)?
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut resolved = if given.is_empty() {
        defaults.to_vec()
    } else {
        given
    };
    resolved.retain(|n| n != NONE && !n.is_empty());
    for name in &resolved {
        check_function(scope, param, name, kind)?;
    }
    if resolved.is_empty() {
        resolved.push(NONE.into());
    }
    params.set(param, to_list(resolved))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_become_a_short_hashed_repr() {
        let short = repr(&[ParamValue::from("jec"), ParamValue::from("jer")]);
        assert_eq!(short, "jec__jer");
        let many: Vec<ParamValue> = (0..20)
            .map(|i| ParamValue::from(format!("producer{i}")))
            .collect();
        let long = repr(&many);
        assert!(long.starts_with("producer0__producer1__20_"), "{long}");
        assert!(long.len() < 50);
        let mut other = many.clone();
        other.swap(3, 4);
        assert_ne!(repr(&other), long);
        assert_eq!(repr(&[]), NONE);
    }
}
