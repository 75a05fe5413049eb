//! The pipeline's task families: one [`Step`] each, one task type for all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cf_engine::{
    BoxError, BranchMap, Context, Family, Output, ParamValue, Params, Registry, Requires,
    RunContext, Task, TaskRef, Workflow,
};

use crate::pipeline::{merge_groups, InputFile, Pipeline};
use crate::setup::{decls, resolve, Scope, Stage};

/// One family of the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Generate,
    DatasetFiles,
    Calibrate,
    Select,
    MergeStats,
    Reduce,
    MergeReduced,
    Produce,
    Histograms,
    MergeHistograms,
    MergeShifted,
    Cutflow,
    YieldTable,
    Datacards,
    Plot1D,
    Plot2D,
    PlotShifted,
    PlotCutflow,
}

pub(crate) const STEPS: [Step; 18] = [
    Step::Generate,
    Step::DatasetFiles,
    Step::Calibrate,
    Step::Select,
    Step::MergeStats,
    Step::Reduce,
    Step::MergeReduced,
    Step::Produce,
    Step::Histograms,
    Step::MergeHistograms,
    Step::MergeShifted,
    Step::Cutflow,
    Step::YieldTable,
    Step::Datacards,
    Step::Plot1D,
    Step::Plot2D,
    Step::PlotShifted,
    Step::PlotCutflow,
];

const BASE: [&str; 3] = ["analysis", "config", "version"];

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Generate => "GenerateEvents",
            Step::DatasetFiles => "GetDatasetFiles",
            Step::Calibrate => "CalibrateEvents",
            Step::Select => "SelectEvents",
            Step::MergeStats => "MergeSelectionStats",
            Step::Reduce => "ReduceEvents",
            Step::MergeReduced => "MergeReducedEvents",
            Step::Produce => "ProduceColumns",
            Step::Histograms => "CreateHistograms",
            Step::MergeHistograms => "MergeHistograms",
            Step::MergeShifted => "MergeShiftedHistograms",
            Step::Cutflow => "CreateCutflowHistograms",
            Step::YieldTable => "CreateYieldTable",
            Step::Datacards => "CreateDatacards",
            Step::Plot1D => "PlotVariables1D",
            Step::Plot2D => "PlotVariables2D",
            Step::PlotShifted => "PlotShiftedVariables1D",
            Step::PlotCutflow => "PlotCutflow",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Step::Generate => "Writes the toy events of a generated dataset (`generate:` in the config), one branch per file",
            Step::DatasetFiles => "Lists a dataset's input files with their numbers of events",
            Step::Calibrate => "Runs one calibrator on each input file and writes the columns it produces",
            Step::Select => "Runs the selector on each input file: event mask, steps, object selections, statistics, cutflow",
            Step::MergeStats => "Sums the selection statistics of a dataset (events and generator weights, total and selected)",
            Step::Reduce => "Applies the event and object selections to each input file and keeps the configured columns",
            Step::MergeReduced => "Merges reduced files into files of about --merged-size input events",
            Step::Produce => "Runs one producer on each merged reduced file and writes the columns it produces",
            Step::Histograms => "Fills the variables' histograms (category x process x shift x variable) per merged file",
            Step::MergeHistograms => "Sums a dataset's histograms over its merged files",
            Step::MergeShifted => "Puts a dataset's nominal and shifted histograms on one shift axis",
            Step::Cutflow => "Sums the cutflow histograms of a dataset (events after each selection step)",
            Step::YieldTable => "Writes a table of yields per process and category, with statistical uncertainties",
            Step::Datacards => "Writes CMS combine datacards and shapes for the config's inference model",
            Step::Plot1D => "Stacked histograms of simulation with data, ratio panel and uncertainty bands, per category and variable",
            Step::Plot2D => "2D histograms (`--variables a-b`) of the summed simulation as colour maps, per category",
            Step::PlotShifted => "Nominal simulation with the up/down variations of each shift source and their ratio",
            Step::PlotCutflow => "Events after each selection step per process (simulation scaled to the luminosity)",
        }
    }

    fn params(self) -> Vec<&'static str> {
        if self == Step::Generate {
            // Generated events do not depend on a version: every version shares them.
            return vec!["analysis", "config", "dataset"];
        }
        let rest: &[&str] = match self {
            Step::Generate | Step::DatasetFiles => &["dataset"],
            Step::Calibrate => &["dataset", "shift", "calibrator"],
            Step::Select | Step::MergeStats | Step::Reduce | Step::Cutflow => {
                &["dataset", "shift", "calibrators", "selector"]
            }
            Step::MergeReduced => &["dataset", "shift", "calibrators", "selector", "merged_size"],
            Step::Produce => &[
                "dataset",
                "shift",
                "calibrators",
                "selector",
                "producer",
                "merged_size",
            ],
            Step::Histograms | Step::MergeHistograms => &[
                "dataset",
                "shift",
                "calibrators",
                "selector",
                "producers",
                "weight_producer",
                "variables",
                "merged_size",
            ],
            Step::MergeShifted => &[
                "dataset",
                "shift_sources",
                "calibrators",
                "selector",
                "producers",
                "weight_producer",
                "variables",
                "merged_size",
            ],
            Step::YieldTable => &[
                "datasets",
                "processes",
                "categories",
                "calibrators",
                "selector",
                "producers",
                "weight_producer",
                "variables",
                "merged_size",
            ],
            Step::Plot1D | Step::Plot2D | Step::PlotShifted => &[
                "processes",
                "categories",
                "variables",
                "shift_sources",
                "calibrators",
                "selector",
                "producers",
                "weight_producer",
                "merged_size",
            ],
            Step::PlotCutflow => &["processes", "calibrators", "selector"],
            Step::Datacards => &[
                "inference_model",
                "calibrators",
                "selector",
                "producers",
                "weight_producer",
                "variables",
                "merged_size",
            ],
        };
        let plot: &[&str] = match self {
            Step::Plot1D | Step::Plot2D | Step::PlotShifted => &crate::plots::PLOT_PARAMS,
            Step::PlotCutflow => &["file_types", "cms_label"],
            _ => &[],
        };
        BASE.iter().chain(rest).chain(plot).copied().collect()
    }

    fn stage(self) -> Option<Stage> {
        match self {
            Step::Generate | Step::DatasetFiles => None,
            Step::Calibrate => Some(Stage::Calibrate),
            Step::Select => Some(Stage::Select),
            Step::MergeStats
            | Step::Reduce
            | Step::MergeReduced
            | Step::Produce
            | Step::Cutflow => Some(Stage::Reduce),
            Step::Histograms | Step::MergeHistograms => Some(Stage::Histogram),
            Step::MergeShifted
            | Step::YieldTable
            | Step::Datacards
            | Step::Plot1D
            | Step::Plot2D
            | Step::PlotShifted
            | Step::PlotCutflow => None,
        }
    }

    pub fn is_workflow(self) -> bool {
        matches!(
            self,
            Step::Generate
                | Step::Calibrate
                | Step::Select
                | Step::Reduce
                | Step::MergeReduced
                | Step::Produce
                | Step::Histograms
        )
    }

    /// Whether the branches are the merged files (else the input files).
    fn over_merged(self) -> bool {
        matches!(self, Step::MergeReduced | Step::Produce | Step::Histograms)
    }
}

/// Registers every pipeline family.
pub(crate) fn register(registry: &mut Registry, pipeline: Arc<Pipeline>) -> cf_engine::Result<()> {
    for step in STEPS {
        let pipeline = pipeline.clone();
        let construct = move |params: Params, ctx: &Arc<Context>| -> cf_engine::Result<TaskRef> {
            let (params, scope) = resolve(&pipeline, ctx, params, step.stage()).map_err(|e| {
                cf_engine::Error::Setup {
                    family: step.name().to_string(),
                    source: Box::new(e),
                }
            })?;
            Ok(Arc::new(PipelineTask {
                step,
                params,
                scope,
            }) as TaskRef)
        };
        let family = if step.is_workflow() {
            Family::workflow(step.name(), step.help(), decls(&step.params()), construct)
        } else {
            Family::new(step.name(), step.help(), decls(&step.params()), construct)
        };
        registry.register(family)?;
    }
    Ok(())
}

/// A task of any pipeline family.
pub(crate) struct PipelineTask {
    pub step: Step,
    pub params: Params,
    pub scope: Scope,
}

impl std::fmt::Debug for PipelineTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.params)
    }
}

impl PipelineTask {
    /// The branch number, or `None` for a workflow node and a plain task.
    pub fn branch(&self) -> Option<usize> {
        if !self.step.is_workflow() {
            return None;
        }
        self.params
            .int(cf_engine::workflow::BRANCH)
            .ok()
            .and_then(|b| usize::try_from(b).ok())
    }

    pub fn dataset(&self) -> Result<&cf_config::Dataset, BoxError> {
        Ok(self.scope.dataset(self.params.str("dataset")?)?)
    }

    pub fn input_files(&self) -> Result<Arc<Vec<InputFile>>, BoxError> {
        let dataset = self.dataset()?;
        Ok(self.scope.pipeline.input_files(
            self.scope.ctx.store(),
            &self.scope.analysis,
            self.scope.config(),
            dataset,
        )?)
    }

    /// Merged file `m` → the input files it holds.
    pub fn merge_groups(&self) -> Result<Vec<Vec<usize>>, BoxError> {
        let files = self.input_files()?;
        Ok(merge_groups(
            &files,
            self.params.int("merged_size")?.max(1) as u64,
        ))
    }

    /// A task of `family` sharing this task's parameters, with `set` on top.
    pub fn req(&self, family: &str, set: &[(&str, ParamValue)]) -> Result<TaskRef, BoxError> {
        Ok(self.scope.ctx.req(family, &self.params, set)?)
    }

    /// Branch `branch` of workflow `family`.
    pub fn req_branch(
        &self,
        family: &str,
        branch: usize,
        set: &[(&str, ParamValue)],
    ) -> Result<TaskRef, BoxError> {
        let mut all: Vec<(&str, ParamValue)> = set.to_vec();
        all.push((cf_engine::workflow::BRANCH, ParamValue::Int(branch as i64)));
        self.req(family, &all)
    }

    pub fn target(&self, name: &str) -> Result<cf_engine::FileTarget, BoxError> {
        Ok(self.scope.target(&self.params, name)?)
    }
}

impl Workflow for PipelineTask {
    fn branch_map(&self) -> Result<BranchMap, BoxError> {
        let count = if self.step.over_merged() {
            self.merge_groups()?.len()
        } else {
            self.input_files()?.len()
        };
        Ok((0..count)
            .map(|b| (b as i64, serde_json::Value::Null))
            .collect())
    }

    fn branch_task(&self, branch: i64, _: &serde_json::Value) -> Result<TaskRef, BoxError> {
        let mut params = self.params.clone();
        params.set(cf_engine::workflow::BRANCH, branch)?;
        Ok(Arc::new(PipelineTask {
            step: self.step,
            params,
            scope: self.scope.clone(),
        }))
    }
}

impl Task for PipelineTask {
    fn params(&self) -> &Params {
        &self.params
    }

    fn as_workflow(&self) -> Option<&dyn Workflow> {
        self.step.is_workflow().then_some(self as &dyn Workflow)
    }

    fn requires(&self) -> Result<Requires, BoxError> {
        if self.step.is_workflow() && self.branch().is_none() {
            return Ok(Requires::None);
        }
        let map = crate::run::requires(self)?;
        Ok(if map.is_empty() {
            Requires::None
        } else {
            Requires::Map(map)
        })
    }

    fn output(&self) -> Result<Output, BoxError> {
        if self.step.is_workflow() && self.branch().is_none() {
            return Ok(cf_engine::task::output_of(self)?);
        }
        crate::run::output(self)
    }

    fn run(&self, ctx: &RunContext<'_>) -> Result<(), BoxError> {
        crate::run::run(self, ctx)
    }

    fn external_inputs(&self) -> Vec<PathBuf> {
        match (self.step, self.branch()) {
            (Step::Calibrate | Step::Select | Step::Reduce, Some(b)) => {
                crate::run::input_file(self, b).ok().into_iter().collect()
            }
            _ => Vec::new(),
        }
    }

    fn reads(&self, path: &Path) -> bool {
        // Of SelectEvents' outputs, the statistics merge reads only the statistics and the
        // cutflow only the cutflow histograms, not the selection results.
        let extension = path.extension().and_then(|e| e.to_str());
        match self.step {
            Step::MergeStats => extension == Some("json"),
            Step::Cutflow => extension == Some("bin"),
            _ => true,
        }
    }

    fn done_with(&self, path: &Path) {
        // Decoded input branches and handed-off batches of a file no later task reads would
        // only hold memory that the next files then take fresh from the system.
        cf_io::release(path);
    }
}

/// Requirements by name, for `run` to find its inputs.
pub(crate) type RequireMap = BTreeMap<String, TaskRef>;
