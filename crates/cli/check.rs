//! `cf check`: every column the chosen chain of functions, variables and categories uses is
//! either in the input files or produced upstream, checked before a single event is read.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use cf_analysis::{check_columns, Chain, DatasetInfo, Kind, Registry};
use cf_config::{Analysis, Config, Dataset};

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
    let chain = chain(&args, config, registry)?;
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
        let input = cf_tasks::dataset_columns(dataset)?;
        let info = DatasetInfo {
            name: dataset.name.clone(),
            is_mc: !dataset.is_data(),
        };
        let missing = check_columns(registry, &chain, &info, input)?;
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
            writeln!(out, "  {m}")?;
        }
    }
    if failed > 0 {
        bail!("the column check failed for {failed} dataset(s); fix the chain before running it");
    }
    Ok(())
}

/// The chain the arguments choose, the config's defaults filling what they leave out.
fn chain(args: &Args, config: &Config, registry: &Registry) -> anyhow::Result<Chain> {
    let defaults = config.defaults();
    let variables = chosen(&args.variables, &defaults.variables)
        .into_iter()
        .map(|name| {
            let variable = config
                .variable(&name)
                .with_context(|| format!("config `{}` has no variable `{name}`", config.name()))?;
            Ok((name, variable.routes()))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut categorizers = BTreeSet::new();
    for name in chosen(&args.categories, &defaults.categories) {
        let category = config
            .category(&name)
            .with_context(|| format!("config `{}` has no category `{name}`", config.name()))?;
        for categorizer in &category.categorizers {
            // Named in the config, so a missing one is reported where the config names it.
            registry
                .create(categorizer, Some(Kind::Categorizer))
                .with_context(|| format!("{}: category `{}`", category.at, category.name))?;
            categorizers.insert(categorizer.clone());
        }
    }
    Ok(Chain {
        calibrators: chosen(&args.calibrators, &defaults.calibrators),
        selector: args.selector.clone().or_else(|| defaults.selector.clone()),
        reduced_columns: config.keep_columns().get(REDUCE_TASK).cloned(),
        producers: chosen(&args.producers, &defaults.producers),
        variables,
        categorizers: categorizers.into_iter().collect(),
    })
}

/// The names given on the command line, or the config's defaults; `--producers ""` means none.
fn chosen(given: &Option<Vec<String>>, defaults: &[String]) -> Vec<String> {
    let names = given.as_deref().unwrap_or(defaults);
    names.iter().filter(|n| !n.is_empty()).cloned().collect()
}
