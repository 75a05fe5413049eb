//! `cf check`: every column the chosen chain of functions, variables and categories uses is
//! either in the input files or produced upstream, checked before a single event is read.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use cf_analysis::{DatasetInfo, FunctionTree, Kind, Registry};
use cf_columns::{ColumnSet, Route};
use cf_config::{Analysis, Config, Dataset, FileRef};
use cf_io::EventFile;

/// The task whose keep-columns rule decides what the reduced events hold.
const REDUCE_TASK: &str = "ReduceEvents";

/// Arguments of `cf check`.
#[derive(clap::Args)]
pub struct Args {
    /// The analysis file.
    #[arg(long, default_value = "configs/example.yaml")]
    analysis: PathBuf,
    /// The config (campaign) to check; the first of the analysis file by default.
    #[arg(long)]
    config: Option<String>,
    /// Datasets to check, comma-separated; every dataset of the config by default.
    #[arg(long, value_delimiter = ',')]
    datasets: Vec<String>,
    /// Calibrators, comma-separated; the config's defaults when not given.
    #[arg(long, value_delimiter = ',')]
    calibrators: Option<Vec<String>>,
    /// The selector; the config's default when not given.
    #[arg(long)]
    selector: Option<String>,
    /// Producers, comma-separated; the config's defaults when not given.
    #[arg(long, value_delimiter = ',')]
    producers: Option<Vec<String>>,
    /// Variables, comma-separated; the config's defaults when not given.
    #[arg(long, value_delimiter = ',')]
    variables: Option<Vec<String>>,
    /// Categories, comma-separated; the config's defaults when not given.
    #[arg(long, value_delimiter = ',')]
    categories: Option<Vec<String>>,
}

/// A column used but not available where it is used.
struct Missing {
    step: &'static str,
    user: String,
    route: Route,
}

/// Runs `cf check`.
pub fn run(args: Args, registry: &Registry) -> anyhow::Result<()> {
    let analysis = Analysis::load(&args.analysis)?;
    let config = match &args.config {
        Some(name) => analysis.config(name).with_context(|| {
            let names: Vec<&str> = analysis.configs().iter().map(|c| c.name()).collect();
            format!(
                "{} has no config `{name}`; its configs: {}",
                args.analysis.display(),
                names.join(", ")
            )
        })?,
        None => analysis
            .configs()
            .first()
            .with_context(|| format!("{} defines no config", args.analysis.display()))?,
    };
    let datasets: Vec<&Dataset> = if args.datasets.is_empty() {
        config.datasets().iter().collect()
    } else {
        args.datasets
            .iter()
            .map(|name| {
                config
                    .dataset(name)
                    .with_context(|| format!("config `{}` has no dataset `{name}`", config.name()))
            })
            .collect::<anyhow::Result<_>>()?
    };
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for dataset in datasets {
        let missing = check_dataset(&args, config, dataset, registry)?;
        if missing.is_empty() {
            writeln!(
                out,
                "dataset {}: every used column is available",
                dataset.name
            )?;
            continue;
        }
        failed += 1;
        writeln!(
            out,
            "dataset {}: {} columns missing",
            dataset.name,
            missing.len()
        )?;
        for m in &missing {
            writeln!(
                out,
                "  {} `{}` uses `{}`, which is neither in the input nor produced by an earlier step",
                m.step,
                m.user,
                m.route.without_index()
            )?;
        }
    }
    if failed > 0 {
        bail!("the column check failed for {failed} dataset(s); fix the chain before running it");
    }
    Ok(())
}

fn check_dataset(
    args: &Args,
    config: &Config,
    dataset: &Dataset,
    registry: &Registry,
) -> anyhow::Result<Vec<Missing>> {
    let input = dataset
        .files
        .iter()
        .find_map(|f| match f {
            FileRef::Local(path) => Some(path.clone()),
            FileRef::Remote(_) => None,
        })
        .with_context(|| {
            format!(
                "dataset `{}` has no local file to read the columns of",
                dataset.name
            )
        })?;
    let file = EventFile::open(&input)?;
    let mut available: ColumnSet = file.columns().iter().map(|c| c.route.clone()).collect();
    let info = DatasetInfo {
        name: dataset.name.clone(),
        is_mc: !dataset.is_data(),
    };
    let defaults = config.defaults();
    let mut missing = Vec::new();
    let calibrators = chosen(&args.calibrators, &defaults.calibrators);
    for name in &calibrators {
        step(
            registry,
            name,
            Kind::Calibrator,
            &info,
            "calibrator",
            &mut available,
            &mut missing,
        )?;
    }
    if let Some(name) = args.selector.clone().or_else(|| defaults.selector.clone()) {
        step(
            registry,
            &name,
            Kind::Selector,
            &info,
            "selector",
            &mut available,
            &mut missing,
        )?;
    }
    if let Some(keep) = config.keep_columns().get(REDUCE_TASK) {
        available = available
            .iter()
            .filter(|r| keep.covers(r))
            .cloned()
            .collect();
    }
    let producers = chosen(&args.producers, &defaults.producers);
    for name in &producers {
        step(
            registry,
            name,
            Kind::Producer,
            &info,
            "producer",
            &mut available,
            &mut missing,
        )?;
    }
    let variables = chosen(&args.variables, &defaults.variables);
    for name in &variables {
        let variable = config
            .variable(name)
            .with_context(|| format!("config `{}` has no variable `{name}`", config.name()))?;
        for route in variable.routes() {
            if !is_available(&available, &route.without_index()) {
                missing.push(Missing {
                    step: "variable",
                    user: name.clone(),
                    route,
                });
            }
        }
    }
    let categories = chosen(&args.categories, &defaults.categories);
    let mut categorizers = BTreeSet::new();
    for name in &categories {
        let category = config
            .category(name)
            .with_context(|| format!("config `{}` has no category `{name}`", config.name()))?;
        categorizers.extend(category.categorizers.iter().cloned());
    }
    for name in &categorizers {
        step(
            registry,
            name,
            Kind::Categorizer,
            &info,
            "categorizer",
            &mut available,
            &mut missing,
        )?;
    }
    Ok(missing)
}

/// The names given on the command line, or the config's defaults; `--producers ""` means none.
fn chosen(given: &Option<Vec<String>>, defaults: &[String]) -> Vec<String> {
    let names = given.as_deref().unwrap_or(defaults);
    names.iter().filter(|n| !n.is_empty()).cloned().collect()
}

/// Checks one function tree against what is available, then adds what it produces. A column
/// produced by another function of the same tree counts as available to it.
fn step(
    registry: &Registry,
    name: &str,
    kind: Kind,
    dataset: &DatasetInfo,
    label: &'static str,
    available: &mut ColumnSet,
    missing: &mut Vec<Missing>,
) -> anyhow::Result<()> {
    let tree = FunctionTree::build(registry, name, kind, dataset)?;
    let produced = tree.produced_columns();
    for declaration in tree.declarations() {
        for route in declaration.own_uses().iter() {
            if !is_available(available, route) && !is_available(&produced, route) {
                missing.push(Missing {
                    step: label,
                    user: if declaration.name() == name {
                        name.to_string()
                    } else {
                        format!("{} (called by {name})", declaration.name())
                    },
                    route: route.clone(),
                });
            }
        }
    }
    *available = available.union(&produced);
    Ok(())
}

/// True when `route` or something below or above it is available (`Jet` when `Jet.pt` is,
/// `Jet.pt` when all of `Jet` is).
fn is_available(available: &ColumnSet, route: &Route) -> bool {
    available.covers(route) || available.iter().any(|r| r.is_within(route))
}
