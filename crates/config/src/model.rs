//! The typed config model: what a loaded, validated config holds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cf_columns::{ColumnSet, Route};

use crate::error::Location;
use crate::expr::Expr;

/// An analysis: a name and its configs (one per campaign).
#[derive(Clone, Debug)]
pub struct Analysis {
    pub(crate) name: String,
    pub(crate) path: PathBuf,
    pub(crate) configs: Vec<Config>,
    pub(crate) aux: serde_json::Value,
}

impl Analysis {
    /// The analysis name (the `analysis:` key).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All configs, in file order (included files after the including file's own).
    pub fn configs(&self) -> &[Config] {
        &self.configs
    }

    /// The config called `name`.
    pub fn config(&self, name: &str) -> Option<&Config> {
        self.configs.iter().find(|c| c.name == name)
    }

    /// Free auxiliary data of the analysis.
    pub fn aux(&self) -> &serde_json::Value {
        &self.aux
    }
}

/// One campaign's config: datasets, processes, shifts, variables, categories and the rest.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) name: String,
    pub(crate) id: i64,
    pub(crate) at: Location,
    pub(crate) extends: Option<String>,
    pub(crate) campaign: Option<String>,
    pub(crate) ecm: Option<f64>,
    pub(crate) luminosity: Option<Luminosity>,
    pub(crate) processes: Vec<Process>,
    pub(crate) datasets: Vec<Dataset>,
    pub(crate) shift_sources: Vec<ShiftSource>,
    pub(crate) shifts: Vec<Shift>,
    pub(crate) variables: Vec<Variable>,
    pub(crate) categories: Vec<Category>,
    pub(crate) external_files: BTreeMap<String, FileRef>,
    pub(crate) defaults: Defaults,
    pub(crate) keep_columns: BTreeMap<String, ColumnSet>,
    pub(crate) event_weights: Vec<EventWeight>,
    pub(crate) inference_models: Vec<InferenceModel>,
    pub(crate) aux: serde_json::Value,
}

macro_rules! by_name {
    ($(#[$doc:meta])* $fn:ident, $field:ident, $ty:ty) => {
        $(#[$doc])*
        pub fn $fn(&self, name: &str) -> Option<&$ty> {
            self.$field.iter().find(|item| item.name == name)
        }
    };
}

impl Config {
    /// The config name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The config id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Where the config is defined.
    pub fn location(&self) -> &Location {
        &self.at
    }

    /// The config this one extends, if any.
    pub fn extends(&self) -> Option<&str> {
        self.extends.as_deref()
    }

    /// The campaign name, if given.
    pub fn campaign(&self) -> Option<&str> {
        self.campaign.as_deref()
    }

    /// The centre-of-mass energy in TeV, if given.
    pub fn ecm(&self) -> Option<f64> {
        self.ecm
    }

    /// The integrated luminosity, if given.
    pub fn luminosity(&self) -> Option<&Luminosity> {
        self.luminosity.as_ref()
    }

    /// All processes, in file order.
    pub fn processes(&self) -> &[Process] {
        &self.processes
    }

    by_name!(
        /// The process called `name`.
        process, processes, Process
    );

    /// The process called `name` and all processes below it (children, their children, …),
    /// each once, parents first. Empty if there is no such process.
    pub fn process_tree(&self, name: &str) -> Vec<&Process> {
        descendants(name, |n| {
            self.process(n).map(|p| (p, p.children.as_slice()))
        })
    }

    /// The datasets containing the process `name` or any process below it.
    pub fn datasets_of(&self, name: &str) -> Vec<&Dataset> {
        let tree: Vec<&str> = self
            .process_tree(name)
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        self.datasets
            .iter()
            .filter(|d| d.processes.iter().any(|p| tree.contains(&p.as_str())))
            .collect()
    }

    /// All datasets, in file order.
    pub fn datasets(&self) -> &[Dataset] {
        &self.datasets
    }

    by_name!(
        /// The dataset called `name`.
        dataset, datasets, Dataset
    );

    /// The declared shift sources (`jec`, `pu`, …).
    pub fn shift_sources(&self) -> &[ShiftSource] {
        &self.shift_sources
    }

    /// All shifts: `nominal` first, then `<source>_up`, `<source>_down` per source.
    pub fn shifts(&self) -> &[Shift] {
        &self.shifts
    }

    by_name!(
        /// The shift called `name` (`nominal`, `jec_up`, …).
        shift, shifts, Shift
    );

    /// All variables, in file order.
    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }

    by_name!(
        /// The variable called `name`.
        variable, variables, Variable
    );

    /// All categories: declared ones in file order, then generated combinations.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    by_name!(
        /// The category called `name` (declared or generated, e.g. `e__4j1b`).
        category, categories, Category
    );

    /// Categories without children: the ones events are finally sorted into.
    pub fn leaf_categories(&self) -> Vec<&Category> {
        self.categories
            .iter()
            .filter(|c| c.children.is_empty())
            .collect()
    }

    /// The leaf categories at or below the category `name`: the ones whose histograms add up
    /// to its histogram. A leaf is its own only leaf; empty if there is no such category.
    pub fn leaves_of(&self, name: &str) -> Vec<&Category> {
        descendants(name, |n| {
            self.category(n).map(|c| (c, c.children.as_slice()))
        })
        .into_iter()
        .filter(|c| c.children.is_empty())
        .collect()
    }

    /// External files by name (corrections, golden JSON, …).
    pub fn external_files(&self) -> &BTreeMap<String, FileRef> {
        &self.external_files
    }

    /// The external file called `name`.
    pub fn external_file(&self, name: &str) -> Option<&FileRef> {
        self.external_files.get(name)
    }

    /// Default functions, variables and categories for tasks.
    pub fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    /// Keep-columns rules per task name.
    pub fn keep_columns(&self) -> &BTreeMap<String, ColumnSet> {
        &self.keep_columns
    }

    /// Event weight columns, each with the shift sources that vary it.
    pub fn event_weights(&self) -> &[EventWeight] {
        &self.event_weights
    }

    /// The statistical models for CMS combine, in file order.
    pub fn inference_models(&self) -> &[InferenceModel] {
        &self.inference_models
    }

    by_name!(
        /// The inference model called `name`.
        inference_model, inference_models, InferenceModel
    );

    /// Free auxiliary data.
    pub fn aux(&self) -> &serde_json::Value {
        &self.aux
    }
}

/// Walks a validated (acyclic) parent → children relation breadth-first from `root`.
fn descendants<'a, T>(
    root: &str,
    lookup: impl Fn(&str) -> Option<(&'a T, &'a [String])>,
) -> Vec<&'a T> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut queue: std::collections::VecDeque<&str> = [root].into();
    while let Some(name) = queue.pop_front() {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        if let Some((item, children)) = lookup(name) {
            out.push(item);
            queue.extend(children.iter().map(String::as_str));
        }
    }
    out
}

/// Integrated luminosity in pb⁻¹ with its relative uncertainty.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct Luminosity {
    /// Value in pb⁻¹.
    pub value: f64,
    /// Relative uncertainty (0.014 is 1.4 %), if given.
    pub uncertainty: Option<f64>,
}

/// A colour as red, green, blue bytes; written `#rrggbb` or a common name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8);

impl Color {
    /// `#rrggbb`.
    pub fn to_hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// A cross section in pb with its absolute uncertainty.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct CrossSection {
    /// Centre-of-mass energy in TeV.
    pub ecm: f64,
    /// Value in pb.
    pub value: f64,
    /// Absolute uncertainty in pb, if given.
    pub uncertainty: Option<f64>,
}

/// A physics process (`tt`, `dy`, `data`), possibly with child processes.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct Process {
    /// Unique name.
    pub name: String,
    /// Unique id.
    pub id: i64,
    /// Label for plots (the name if not given).
    pub label: String,
    /// Plot colour.
    pub color: Option<Color>,
    /// True for real data.
    pub is_data: bool,
    /// Cross sections by centre-of-mass energy.
    pub xsecs: Vec<CrossSection>,
    /// Names of child processes.
    pub children: Vec<String>,
    /// Free auxiliary data.
    pub aux: serde_json::Value,
    /// Where it is defined.
    pub at: Location,
}

impl Process {
    /// The cross section at `ecm` TeV.
    pub fn xsec(&self, ecm: f64) -> Option<&CrossSection> {
        self.xsecs.iter().find(|x| (x.ecm - ecm).abs() < 1e-9)
    }
}

/// Where a dataset's file lives: on disk (resolved, globs expanded) or at a remote URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRef {
    /// A local file.
    Local(PathBuf),
    /// A `root://`, `https://`, `http://` or `s3://` URL, kept for later.
    Remote(String),
}

/// Real data or simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetKind {
    /// Recorded collisions.
    Data,
    /// Monte Carlo simulation.
    Mc,
}

/// A dataset: a set of files holding events of some processes.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Unique name.
    pub name: String,
    /// Unique id.
    pub id: i64,
    /// Data or simulation.
    pub kind: DatasetKind,
    /// Names of the processes it contains.
    pub processes: Vec<String>,
    /// Its files, globs expanded in sorted order; empty for a generated dataset.
    pub files: Vec<FileRef>,
    /// How its events are generated, for a dataset of toy events instead of files.
    pub generate: Option<Generate>,
    /// Number of events, if given; for a generated dataset always `generate.events`.
    pub n_events: Option<u64>,
    /// Number of files, if given; for a generated dataset always `generate.files`.
    pub n_files: Option<u64>,
    /// Tags.
    pub tags: Vec<String>,
    /// Free auxiliary data.
    pub aux: serde_json::Value,
    /// Where it is defined.
    pub at: Location,
}

impl Dataset {
    /// True for real data.
    pub fn is_data(&self) -> bool {
        self.kind == DatasetKind::Data
    }

    /// True if the dataset has `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// The toy events of a generated dataset: which generator model makes them, how many, split
/// into how many files, from which seed (`generate:` of a dataset).
///
/// The model name is kept as written; the generator, not the config, knows which exist.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generate {
    /// The generator model (`tt_sl`).
    pub model: String,
    /// Number of events, at least 1.
    pub events: u64,
    /// Number of files the events are split into, from 1 (the default) to `events`.
    pub files: u64,
    /// Seed of the random numbers; by default the dataset id (a negative id as its
    /// two's-complement bits).
    pub seed: u64,
    /// Where it is defined.
    pub at: Location,
}

/// How a shift acts: on column values (`shape`) or on the normalisation only (`rate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShiftType {
    /// Changes columns (and so shapes).
    Shape,
    /// Changes only the rate.
    Rate,
}

/// A source of systematic uncertainty, giving shifts `<source>_up` and `<source>_down`.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct ShiftSource {
    /// Source name (`jec`).
    pub name: String,
    /// Shape or rate.
    pub kind: ShiftType,
    /// Id of `<source>_up`; `<source>_down` has this plus one.
    pub id: i64,
    /// Column aliases as written: destination pattern → source pattern with `{name}`.
    pub aliases: Vec<(String, String)>,
    /// Free auxiliary data.
    pub aux: serde_json::Value,
    /// Where it is defined.
    pub at: Location,
}

/// Up, down or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The nominal shift.
    Nominal,
    /// `_up`.
    Up,
    /// `_down`.
    Down,
}

/// A shift: `nominal` or `<source>_up|down`, with its aliases expanded.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct Shift {
    /// `nominal`, `jec_up`, …
    pub name: String,
    /// Unique id (`nominal` is 0).
    pub id: i64,
    /// The source, `None` for nominal.
    pub source: Option<String>,
    /// Up, down or nominal.
    pub direction: Direction,
    /// Shape or rate (nominal counts as shape).
    pub kind: ShiftType,
    /// Column aliases: when this shift is active, `source` is read in place of `destination`,
    /// as `(destination, source)` pairs (`Jet.pt` ← `Jet.pt_jec_up`).
    pub aliases: Vec<(Route, Route)>,
}

impl Shift {
    /// True for `nominal`.
    pub fn is_nominal(&self) -> bool {
        self.direction == Direction::Nominal
    }
}

/// Histogram binning of a variable.
#[derive(Clone, Debug, PartialEq)]
pub enum Binning {
    /// `n` equal bins from `lo` to `hi`.
    Regular {
        /// Number of bins.
        n: u32,
        /// Lower edge.
        lo: f64,
        /// Upper edge.
        hi: f64,
    },
    /// Explicit, strictly increasing bin edges.
    Edges(Vec<f64>),
}

impl Binning {
    /// The bin edges.
    pub fn edges(&self) -> Vec<f64> {
        match self {
            Binning::Regular { n, lo, hi } => (0..=*n)
                .map(|i| lo + (hi - lo) * f64::from(i) / f64::from(*n))
                .collect(),
            Binning::Edges(edges) => edges.clone(),
        }
    }
}

/// A variable to histogram: an expression of columns and a binning.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct Variable {
    /// Unique name.
    pub name: String,
    /// Unique id.
    pub id: i64,
    /// The expression as written (the name if not given).
    pub expression_text: String,
    /// The parsed expression.
    pub expression: Expr,
    /// The binning.
    pub binning: Binning,
    /// Value used where the expression is null (e.g. no jet), if given.
    pub null_value: Option<f64>,
    /// Axis title.
    pub x_title: String,
    /// Unit, if any.
    pub unit: Option<String>,
    /// True for integer-valued variables (bin labels are values).
    pub discrete: bool,
    /// Free auxiliary data.
    pub aux: serde_json::Value,
    /// Where it is defined.
    pub at: Location,
}

impl Variable {
    /// The columns the expression reads.
    pub fn routes(&self) -> Vec<Route> {
        self.expression.routes()
    }
}

/// A category of events, selected by named categorizer functions.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct Category {
    /// Unique name (`e__4j1b` for a combination).
    pub name: String,
    /// Unique id (the sum of the parts' ids for a combination).
    pub id: i64,
    /// Label for plots.
    pub label: String,
    /// Names of the categorizer functions that select it (all must accept an event).
    pub categorizers: Vec<String>,
    /// Names of child categories.
    pub children: Vec<String>,
    /// For a generated combination, the categories it combines.
    pub combines: Vec<String>,
    /// Free auxiliary data.
    pub aux: serde_json::Value,
    /// Where it is defined (for a combination: the group list that made it).
    pub at: Location,
}

/// Defaults used by tasks when the command line does not say.
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub struct Defaults {
    /// Calibrator names.
    pub calibrators: Vec<String>,
    /// Selector name.
    pub selector: Option<String>,
    /// Producer names.
    pub producers: Vec<String>,
    /// Variable names (all exist in the config).
    pub variables: Vec<String>,
    /// Category names (all exist in the config).
    pub categories: Vec<String>,
    /// Weight producer name.
    pub weight_producer: Option<String>,
}

/// An event weight column and the shift sources that vary it.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct EventWeight {
    /// The weight column.
    pub column: Route,
    /// Shift sources (declared in `shifts`) whose up/down shifts change this weight.
    pub shifts: Vec<String>,
}

/// A statistical model for CMS combine: which histograms form the datacard bins, how config
/// processes group into combine processes, and the systematic uncertainties on them.
///
/// Every name it holds refers to something of its config that exists (checked at load).
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct InferenceModel {
    /// Unique name among the config's inference models.
    pub name: String,
    /// The datacard bins, one per channel.
    pub channels: Vec<Channel>,
    /// The combine processes.
    pub processes: Vec<InferenceProcess>,
    /// The nuisance parameters.
    pub systematics: Vec<Systematic>,
    /// Threshold of combine's `autoMCStats` (bin-by-bin MC statistical uncertainties), if used.
    pub auto_mc_stats: Option<f64>,
    /// Where it is defined.
    pub at: Location,
}

impl InferenceModel {
    by_name!(
        /// The channel called `name`.
        channel, channels, Channel
    );

    by_name!(
        /// The combine process called `name`.
        process, processes, InferenceProcess
    );

    by_name!(
        /// The systematic called `name`.
        systematic, systematics, Systematic
    );

    /// The signal processes (at least one; combine numbers them 0, -1, …).
    pub fn signal_processes(&self) -> Vec<&InferenceProcess> {
        self.processes.iter().filter(|p| p.signal).collect()
    }
}

/// One datacard bin: the histogram of a variable in a category.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct Channel {
    /// The bin name in the datacard (unique in the model).
    pub name: String,
    /// The config category whose events fill it (declared or generated).
    pub category: String,
    /// The config variable histogrammed.
    pub variable: String,
    /// Data datasets whose sum is `data_obs`. Empty: `data_obs` is the sum of all
    /// processes' expectations (an Asimov data set).
    pub data_datasets: Vec<String>,
    /// Where it is defined.
    pub at: Location,
}

impl Channel {
    /// True when `data_obs` is the expectation rather than recorded data.
    pub fn is_asimov(&self) -> bool {
        self.data_datasets.is_empty()
    }
}

/// A combine process: the sum of some config processes (each with its children).
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct InferenceProcess {
    /// The process name in the datacard (unique in the model).
    pub name: String,
    /// The config processes summed into it (simulated, not data); children are included.
    pub processes: Vec<String>,
    /// True for a signal process (scaled by the signal strength).
    pub signal: bool,
    /// Where it is defined.
    pub at: Location,
}

/// A nuisance parameter of the model.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct Systematic {
    /// The nuisance name in the datacard (unique in the model).
    pub name: String,
    /// How it acts: a log-normal rate or a shape from a shift source.
    pub kind: SystematicKind,
    /// The combine processes it affects (all of the model's when not written).
    pub processes: Vec<String>,
    /// Where it is defined.
    pub at: Location,
}

/// How a systematic acts on the processes it affects.
#[derive(Clone, Debug, PartialEq)]
pub enum SystematicKind {
    /// A log-normal rate uncertainty (`lnN`).
    LnN(LnNEffect),
    /// A shape uncertainty whose up/down templates come from the shifts
    /// `<shift_source>_up` and `<shift_source>_down`.
    Shape {
        /// The config shift source.
        shift_source: String,
    },
}

/// The size of an `lnN` uncertainty, as combine's κ (1.014 is 1.4 %).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LnNEffect {
    /// The same κ up and down (`value: 1.014`).
    Symmetric(f64),
    /// κ for the down and up variations (`value: {up: 1.02, down: 0.98}`); a datacard writes
    /// `down/up`.
    Asymmetric {
        /// κ of the down variation.
        down: f64,
        /// κ of the up variation.
        up: f64,
    },
}
