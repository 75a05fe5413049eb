//! Datasets of toy events (`generate:` in the config): where their files go, the task that
//! writes them, and the columns they will have (for the chain check before they exist).

use std::path::Path;

use cf_columns::{ColumnSet, Route};
use cf_config::{Analysis, Config, Dataset, Generate};
use cf_engine::{BoxError, Output};

use crate::error::{unknown, Result};
use crate::pipeline::InputFile;
use crate::step::PipelineTask;

/// The files of a generated dataset: below the store, in a directory named by everything that
/// decides their content, so any version of any task shares them.
pub(crate) fn files(
    store: &Path,
    analysis: &Analysis,
    config: &Config,
    dataset: &Dataset,
    generate: &Generate,
) -> Vec<InputFile> {
    let dir = store
        .join(analysis.name())
        .join("GenerateEvents")
        .join(config.name())
        .join(&dataset.name)
        .join(format!(
            "{}__seed{}__{}x{}",
            generate.model, generate.seed, generate.events, generate.files
        ));
    let per_file = generate.events / generate.files;
    let extra = generate.events % generate.files;
    let mut first = 0;
    (0..generate.files)
        .map(|i| {
            let events = per_file + u64::from(i < extra);
            let file = InputFile {
                path: dir.join(format!("events_{i}.parquet")),
                events,
                first_event: Some(first),
            };
            first += events;
            file
        })
        .collect()
}

/// The generator model a dataset names, checked.
pub(crate) fn model(dataset: &Dataset, generate: &Generate) -> Result<&'static cf_toy::Model> {
    cf_toy::model(&generate.model).ok_or_else(|| {
        unknown(
            "dataset",
            &generate.model,
            "generator model",
            format!(
                "cf's toy generator (dataset `{}`, {})",
                dataset.name, generate.at
            ),
            cf_toy::models().iter().map(|m| m.name),
        )
    })
}

/// The columns a generated dataset's files will have.
pub(crate) fn columns(model: &cf_toy::Model) -> ColumnSet {
    let names: Vec<&str> = cf_toy::branches(model).iter().map(|(n, _)| *n).collect();
    names
        .iter()
        .filter(|name| !is_counter(name, &names))
        .map(|name| Route::from_branch(name))
        .collect()
}

/// `nJet` counts `Jet_*`: a counter, not a column.
fn is_counter(name: &str, names: &[&str]) -> bool {
    name.strip_prefix('n').is_some_and(|rest| {
        !rest.is_empty() && names.iter().any(|n| n.starts_with(&format!("{rest}_")))
    })
}

/// Writes branch `b` of a generated dataset.
pub(crate) fn run(task: &PipelineTask, b: usize) -> Result<(), BoxError> {
    let dataset = task.dataset()?;
    let generate = dataset.generate.as_ref().ok_or_else(|| {
        format!(
            "dataset `{}` is not generated: it lists files",
            dataset.name
        )
    })?;
    let model = model(dataset, generate)?;
    let files = task.input_files()?;
    let file = files.get(b).ok_or("branch beyond the generated files")?;
    cf_toy::write_events(
        model,
        generate.seed,
        file.first_event.unwrap_or(0),
        file.events,
        &file.path,
    )?;
    Ok(())
}

/// The file branch `b` writes.
pub(crate) fn output(task: &PipelineTask, b: usize) -> Result<Output, BoxError> {
    let files = task.input_files()?;
    let file = files.get(b).ok_or("branch beyond the generated files")?;
    Ok(Output::File(cf_engine::FileTarget::local(&file.path)))
}
