//! Functions over event batches, the view of the events they get, and what they return.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::{ArrayRef, BooleanArray};
use cf_columns::{ColumnSet, Events, Route};

use crate::declaration::{Declaration, Kind};
use crate::error::{Error, Result};
use crate::tree::FunctionTree;

/// The error a function body returns: anything, boxed. Contract violations raised by
/// [`FnEvents`] pass through unchanged; other errors are reported as [`Error::Failed`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The result type of a function body.
pub type FnResult<T> = std::result::Result<T, BoxError>;

/// What a function learns about the dataset before its columns are resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetInfo {
    /// The dataset's name.
    pub name: String,
    /// True for simulation, false for recorded data.
    pub is_mc: bool,
}

/// What a function gets when it loads its resources, once per task.
#[derive(Debug)]
pub struct SetupContext<'a> {
    /// The dataset the task processes.
    pub dataset: &'a DatasetInfo,
    /// The config's external files (correction JSONs, golden JSON) by name.
    pub files: &'a BTreeMap<String, PathBuf>,
}

impl SetupContext<'_> {
    /// The external file the config names `name`.
    pub fn file(&self, name: &str) -> Result<&Path> {
        self.files
            .get(name)
            .map(PathBuf::as_path)
            .ok_or_else(|| Error::MissingFile {
                name: name.to_string(),
                available: self.files.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }
}

/// A calibrator, selector, producer, reducer, weight producer or categorizer.
///
/// Most functions are written with [`Declaration::apply`], [`Declaration::select`] or
/// [`Declaration::categorize`]; implement the trait directly for functions that keep state
/// loaded in [`Function::setup`] (e.g. a correction set).
pub trait Function: Send + Sync {
    /// What the function declares; after [`Function::init`], as adjusted for the dataset.
    fn declaration(&self) -> &Declaration;

    /// Adjusts the declaration for one dataset (e.g. adds MC-only columns); called once,
    /// before the columns of the tree are resolved.
    fn init(&mut self, _dataset: &DatasetInfo) -> FnResult<()> {
        Ok(())
    }

    /// Loads what the function needs, once per task, before the first batch.
    fn setup(&mut self, _context: &SetupContext<'_>) -> FnResult<()> {
        Ok(())
    }

    /// Runs on one batch of events.
    fn call(&self, events: &mut FnEvents<'_>, context: &CallContext<'_>) -> FnResult<Outcome>;
}

/// What a function returns, by kind.
#[derive(Debug)]
pub enum Outcome {
    /// Calibrators, producers, reducers and weight producers: their columns are in the events.
    Columns,
    /// Selectors: masks, steps and object selections.
    Selection(SelectionResult),
    /// Categorizers: the events in the category.
    Mask(BooleanArray),
}

impl Outcome {
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Outcome::Columns => "columns",
            Outcome::Selection(_) => "a selection",
            Outcome::Mask(_) => "an event mask",
        }
    }

    pub(crate) fn fits(&self, kind: Kind) -> bool {
        matches!(
            (self, kind),
            (Outcome::Selection(_), Kind::Selector)
                | (Outcome::Mask(_), Kind::Categorizer)
                | (
                    Outcome::Columns,
                    Kind::Calibrator | Kind::Producer | Kind::Reducer | Kind::WeightProducer
                )
        )
    }
}

/// What a selector decides for one batch.
#[derive(Debug)]
pub struct SelectionResult {
    /// The events that pass the whole selection.
    pub event_mask: BooleanArray,
    /// Named steps in order (`trigger`, `lepton`, `jet`, …): the events passing each step alone,
    /// from which cutflows are built.
    pub steps: Vec<(String, BooleanArray)>,
    /// Object selections: new collections built from indices into existing ones.
    pub objects: Vec<ObjectSelection>,
    /// Further per-event arrays a selector hands on (e.g. the number of selected jets).
    pub aux: BTreeMap<String, ArrayRef>,
}

impl SelectionResult {
    /// A selection with only an event mask.
    pub fn new(event_mask: BooleanArray) -> Self {
        SelectionResult {
            event_mask,
            steps: Vec::new(),
            objects: Vec::new(),
            aux: BTreeMap::new(),
        }
    }

    /// Adds a named step.
    pub fn with_step(mut self, name: impl Into<String>, mask: BooleanArray) -> Self {
        self.steps.push((name.into(), mask));
        self
    }

    /// Adds an object selection: collection `target` made of the objects of `source` at
    /// `indices` (a list of indices per event).
    pub fn with_objects(
        mut self,
        source: impl Into<String>,
        target: impl Into<String>,
        indices: ArrayRef,
    ) -> Self {
        self.objects.push(ObjectSelection {
            source: source.into(),
            target: target.into(),
            indices,
        });
        self
    }
}

/// A collection made of selected objects of another (`Jet` → `BJet` by indices).
#[derive(Debug)]
pub struct ObjectSelection {
    /// The existing collection.
    pub source: String,
    /// The new collection.
    pub target: String,
    /// Per event, the indices of the selected objects in `source`.
    pub indices: ArrayRef,
}

/// The events as one function sees them: reading and writing only what it declared.
#[derive(Debug)]
pub struct FnEvents<'a> {
    pub(crate) events: &'a mut Events,
    pub(crate) function: &'a str,
    pub(crate) reads: &'a ColumnSet,
    pub(crate) writes: &'a ColumnSet,
}

impl FnEvents<'_> {
    /// Number of events in the batch.
    pub fn num_events(&self) -> usize {
        self.events.num_events()
    }

    /// The column at `route` (`Jet.pt`, `Jet.pt[:,0]`); it must be declared in `uses` or
    /// `produces`.
    pub fn column(&self, route: &str) -> Result<ArrayRef> {
        let route = self.route(route)?;
        if !self.reads.covers(&route.without_index()) {
            return Err(Error::UndeclaredRead {
                function: self.function.to_string(),
                route,
            });
        }
        self.events
            .column(&route)
            .map_err(|source| self.columns_error(source))
    }

    /// True when the batch has the column (which need not be declared: presence tells
    /// nothing of the values).
    pub fn has(&self, route: &str) -> bool {
        Route::parse(route).is_ok_and(|r| self.events.has(&r))
    }

    /// Sets the column at `route`; it must be declared in `produces`.
    pub fn set_column(&mut self, route: &str, array: ArrayRef) -> Result<()> {
        let route = self.route(route)?;
        if !self.writes.covers(&route) {
            return Err(Error::UndeclaredWrite {
                function: self.function.to_string(),
                route,
            });
        }
        self.events
            .set_column(&route, array)
            .map_err(|source| self.columns_error(source))
    }

    fn route(&self, text: &str) -> Result<Route> {
        Route::parse(text).map_err(|source| self.columns_error(source))
    }

    fn columns_error(&self, source: cf_columns::Error) -> Error {
        Error::Columns {
            function: self.function.to_string(),
            source,
        }
    }
}

/// What a running function can reach besides the events: the functions it declared.
pub struct CallContext<'a> {
    pub(crate) tree: &'a FunctionTree,
    pub(crate) node: usize,
}

impl CallContext<'_> {
    /// Runs function `name`, which the caller must declare in `uses` or `produces`, on the same
    /// events; it sees them through its own declaration.
    pub fn call(&self, name: &str, events: &mut FnEvents<'_>) -> Result<Outcome> {
        let callee = self.tree.callee(self.node, name)?;
        self.tree.run_node(callee, events.events)
    }

    /// The dataset the tree was built for.
    pub fn dataset(&self) -> &DatasetInfo {
        self.tree.dataset()
    }
}

type ApplyFn = dyn Fn(&mut FnEvents<'_>, &CallContext<'_>) -> FnResult<()> + Send + Sync;
type SelectFn =
    dyn Fn(&mut FnEvents<'_>, &CallContext<'_>) -> FnResult<SelectionResult> + Send + Sync;
type CategorizeFn =
    dyn Fn(&mut FnEvents<'_>, &CallContext<'_>) -> FnResult<BooleanArray> + Send + Sync;

enum Body {
    Apply(Box<ApplyFn>),
    Select(Box<SelectFn>),
    Categorize(Box<CategorizeFn>),
}

/// A function made of a declaration and a closure.
pub struct ClosureFunction {
    declaration: Declaration,
    body: Body,
}

impl Function for ClosureFunction {
    fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    fn call(&self, events: &mut FnEvents<'_>, context: &CallContext<'_>) -> FnResult<Outcome> {
        Ok(match &self.body {
            Body::Apply(f) => {
                f(events, context)?;
                Outcome::Columns
            }
            Body::Select(f) => Outcome::Selection(f(events, context)?),
            Body::Categorize(f) => Outcome::Mask(f(events, context)?),
        })
    }
}

impl Declaration {
    /// A calibrator, producer, reducer or weight producer whose body writes columns.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{cast::AsArray, types::Float32Type, Array, Float32Array};
    /// use cf_analysis::{producer, Function};
    ///
    /// let ht = producer("ht").uses("Jet.pt")?.produces("ht")?.apply(|events, _| {
    ///     let pt = events.column("Jet.pt")?;
    ///     let pt = pt.as_list::<i32>();
    ///     let ht: Float32Array = (0..pt.len())
    ///         .map(|i| pt.value(i).as_primitive::<Float32Type>().values().iter().sum::<f32>())
    ///         .map(Some)
    ///         .collect();
    ///     events.set_column("ht", Arc::new(ht))?;
    ///     Ok(())
    /// });
    /// assert_eq!(ht.declaration().name(), "ht");
    /// # Ok::<(), cf_analysis::Error>(())
    /// ```
    pub fn apply<F>(self, body: F) -> ClosureFunction
    where
        F: Fn(&mut FnEvents<'_>, &CallContext<'_>) -> FnResult<()> + Send + Sync + 'static,
    {
        ClosureFunction {
            declaration: self,
            body: Body::Apply(Box::new(body)),
        }
    }

    /// A selector.
    pub fn select<F>(self, body: F) -> ClosureFunction
    where
        F: Fn(&mut FnEvents<'_>, &CallContext<'_>) -> FnResult<SelectionResult>
            + Send
            + Sync
            + 'static,
    {
        ClosureFunction {
            declaration: self,
            body: Body::Select(Box::new(body)),
        }
    }

    /// A categorizer.
    pub fn categorize<F>(self, body: F) -> ClosureFunction
    where
        F: Fn(&mut FnEvents<'_>, &CallContext<'_>) -> FnResult<BooleanArray>
            + Send
            + Sync
            + 'static,
    {
        ClosureFunction {
            declaration: self,
            body: Body::Categorize(Box::new(body)),
        }
    }
}

/// Starts the declaration of a calibrator.
pub fn calibrator(name: impl Into<String>) -> Declaration {
    Declaration::new(name, Kind::Calibrator)
}

/// Starts the declaration of a selector.
pub fn selector(name: impl Into<String>) -> Declaration {
    Declaration::new(name, Kind::Selector)
}

/// Starts the declaration of a reducer.
pub fn reducer(name: impl Into<String>) -> Declaration {
    Declaration::new(name, Kind::Reducer)
}

/// Starts the declaration of a producer.
pub fn producer(name: impl Into<String>) -> Declaration {
    Declaration::new(name, Kind::Producer)
}

/// Starts the declaration of a weight producer.
pub fn weight_producer(name: impl Into<String>) -> Declaration {
    Declaration::new(name, Kind::WeightProducer)
}

/// Starts the declaration of a categorizer.
pub fn categorizer(name: impl Into<String>) -> Declaration {
    Declaration::new(name, Kind::Categorizer)
}
