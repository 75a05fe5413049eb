//! The analysis pipeline as tasks of `cf-engine`: calibrate → select → reduce → merge →
//! produce → histogram, and the summaries built on the histograms (cutflows, yield tables,
//! datacards).
//!
//! | task | branches | writes |
//! |---|---|---|
//! | `GenerateEvents` | generated files | toy events of a `generate:` dataset (no version) |
//! | `GetDatasetFiles` | — | the dataset's files and event counts |
//! | `CalibrateEvents` | input files | the columns one calibrator produces |
//! | `SelectEvents` | input files | event mask, steps, object indices; statistics; a cutflow |
//! | `MergeSelectionStats` | — | the dataset's summed statistics |
//! | `ReduceEvents` | input files | selected events and objects, the configured columns |
//! | `MergeReducedEvents` | merged files | reduced files concatenated (`--merged-size`) |
//! | `ProduceColumns` | merged files | the columns one producer produces |
//! | `CreateHistograms` | merged files | category × process × shift × variable histograms |
//! | `MergeHistograms` | — | the dataset's histograms (binary + UHI JSON) |
//! | `MergeShiftedHistograms` | — | nominal and up/down of shift sources on one axis |
//! | `CreateCutflowHistograms` | — | events after each selection step |
//! | `CreateYieldTable` | — | yields per process and category |
//! | `CreateDatacards` | — | combine datacards + shapes for an inference model |
//! | `PlotVariables1D`, `PlotVariables2D` | — | stacked 1D and 2D plots per category and variable (PNG, SVG, PDF) |
//! | `PlotShiftedVariables1D`, `PlotCutflow` | — | up/down variations per shift source; events per selection step |
//!
//! Every step reads only the columns its functions use and writes only those they produce;
//! later steps read the input events with those column files laid over them. Outputs live at
//! `<store>/<analysis>/<Task>/<config>/<dataset>/<shift>/calib__…/sel__…/prod__…/<version>/`.
//!
//! # Shifts
//!
//! Parameters are resolved when a task is created (config defaults filled in, names checked),
//! and so is the shift: a task runs shifted only when a function *before* it implements the
//! shift (its own functions write their variations, `Jet.pt_jec_up`, in the nominal pass) or,
//! for histograms, when the shift varies an event weight. Otherwise it is the nominal task,
//! same identity and same path, so `--shift jec_up` after a nominal run reruns only what jec
//! changes. A shifted step reads the shift's aliases (`Jet.pt` ← `Jet.pt_jec_up`) in place of
//! the nominal columns; data has only the nominal shift.
#![deny(missing_docs)]

mod datacards;
mod error;
mod events;
mod generate;
mod histograms;
mod pipeline;
mod plots;
mod run;
mod setup;
mod step;
mod yields;

use std::sync::Arc;

pub use error::{Error, Result, UnknownName};
pub use pipeline::InputFile;
pub use setup::{ALL_WEIGHTS, DEFAULT_MERGED_SIZE, NOMINAL};

/// The columns a dataset's events offer, from the metadata of its first local file or, for a
/// generated dataset, from the generator (its files need not exist yet).
pub fn dataset_columns(dataset: &cf_config::Dataset) -> Result<cf_columns::ColumnSet> {
    if let Some(generate) = &dataset.generate {
        return Ok(generate::columns(generate::model(dataset, generate)?));
    }
    let path = dataset
        .files
        .iter()
        .find_map(|f| match f {
            cf_config::FileRef::Local(path) => Some(path.clone()),
            cf_config::FileRef::Remote(_) => None,
        })
        .ok_or_else(|| {
            Error::Invalid(format!(
                "dataset `{}` has no local file to read the columns of",
                dataset.name
            ))
        })?;
    let file = cf_io::EventFile::open(&path).map_err(|source| Error::Input {
        dataset: dataset.name.clone(),
        source: Box::new(source),
    })?;
    Ok(file.columns().iter().map(|c| c.route.clone()).collect())
}

/// Registers the pipeline's task families; their functions come from `functions` (cf's
/// standard ones plus an analysis's own).
pub fn register(
    tasks: &mut cf_engine::Registry,
    functions: cf_analysis::Registry,
) -> cf_engine::Result<()> {
    step::register(tasks, Arc::new(pipeline::Pipeline::new(functions)))
}
