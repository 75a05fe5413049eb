//! The [`Task`] trait, requirements, and the [`Context`] through which tasks create each other.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{BoxError, Error, Result};
use crate::param::{ParamValue, Params, TaskId};
use crate::registry::Registry;
use crate::target::{FileSystem, FileTarget, LocalFileSystem, Output};
use crate::workflow::{self, Workflow};

/// A shared handle to a task.
pub type TaskRef = Arc<dyn Task>;

/// A unit of work: parameters, requirements, outputs and the code that makes the outputs.
///
/// A task is complete when all its outputs exist; complete tasks are never run again. `run`
/// must write every output through the targets' `dump_*` methods, which write atomically.
pub trait Task: Send + Sync + fmt::Debug {
    /// The parameter values (which also carry the family name).
    fn params(&self) -> &Params;

    /// The tasks that must be complete before this one runs.
    fn requires(&self) -> Result<Requires, BoxError> {
        Ok(Requires::None)
    }

    /// The targets this task produces.
    fn output(&self) -> Result<Output, BoxError>;

    /// Produces the outputs. External tasks ([`Task::is_external`]) are never run.
    fn run(&self, ctx: &RunContext<'_>) -> Result<(), BoxError> {
        let _ = ctx;
        Err(format!(
            "{} has no run(): it is an input that cf cannot produce",
            self.params()
        )
        .into())
    }

    /// Whether the outputs come from outside (law's `ExternalTask`): missing outputs are a
    /// missing input, not work to do.
    fn is_external(&self) -> bool {
        false
    }

    /// Files outside the store that `run` reads (a dataset's input files): with the outputs
    /// of the requirements, what the scheduler counts readers of (see [`Task::done_with`]).
    fn external_inputs(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Whether `run` reads `path`, one of its requirements' outputs. All of them unless a
    /// task says otherwise: one that reads only a requirement's summary lets the rest go
    /// earlier (see [`Task::done_with`]).
    fn reads(&self, path: &Path) -> bool {
        let _ = path;
        true
    }

    /// Called when this task, run or not, was the last task of the run that writes or reads
    /// `path` (one of its outputs, an output of a requirement it [`reads`](Task::reads), or
    /// one of its [`external_inputs`](Task::external_inputs)): what the process keeps of
    /// `path` in memory for later readers can go.
    fn done_with(&self, path: &Path) {
        let _ = path;
    }

    /// The workflow side of this task, for families declared with `Family::workflow`.
    fn as_workflow(&self) -> Option<&dyn Workflow> {
        None
    }

    /// The family name.
    fn family(&self) -> &str {
        self.params().family()
    }

    /// The stable identity hash.
    fn id(&self) -> TaskId {
        self.params().task_id()
    }
}

/// A task's requirements (or, mapped to outputs, its inputs): none, one, a list or a map.
#[derive(Clone, Debug)]
pub enum Deps<T> {
    /// Nothing.
    None,
    /// A single item.
    One(T),
    /// A list.
    List(Vec<T>),
    /// Named items.
    Map(BTreeMap<String, T>),
}

/// Requirements of a task.
pub type Requires = Deps<TaskRef>;
/// Outputs of a task's requirements, in the shape of its [`Requires`].
pub type Input = Deps<Output>;

impl<T> Deps<T> {
    /// All items, in order.
    pub fn items(&self) -> Vec<&T> {
        match self {
            Deps::None => Vec::new(),
            Deps::One(t) => vec![t],
            Deps::List(v) => v.iter().collect(),
            Deps::Map(m) => m.values().collect(),
        }
    }

    /// Applies `f` to each item, keeping the shape.
    pub fn try_map<U, E>(&self, mut f: impl FnMut(&T) -> Result<U, E>) -> Result<Deps<U>, E> {
        Ok(match self {
            Deps::None => Deps::None,
            Deps::One(t) => Deps::One(f(t)?),
            Deps::List(v) => Deps::List(v.iter().map(f).collect::<Result<_, _>>()?),
            Deps::Map(m) => Deps::Map(
                m.iter()
                    .map(|(k, t)| Ok((k.clone(), f(t)?)))
                    .collect::<Result<_, E>>()?,
            ),
        })
    }

    /// The single item of [`Deps::One`].
    pub fn one(&self) -> Option<&T> {
        match self {
            Deps::One(t) => Some(t),
            _ => None,
        }
    }

    /// The item named `key` of [`Deps::Map`].
    pub fn get(&self, key: &str) -> Option<&T> {
        match self {
            Deps::Map(m) => m.get(key),
            _ => None,
        }
    }
}

/// The output of any task; for a workflow, the gathered outputs of its selected branches.
pub fn output_of(task: &dyn Task) -> Result<Output> {
    let wrap = |source| Error::Task {
        task: task.params().to_string(),
        source,
    };
    match workflow::as_workflow_node(task)? {
        Some(wf) => {
            let branches = workflow::selected_branches(task, wf)?;
            let mut outputs = Vec::with_capacity(branches.len());
            for (b, branch) in branches {
                outputs.push((b.to_string(), branch.output().map_err(wrap)?));
            }
            Ok(Output::gather(outputs))
        }
        None => task.output().map_err(wrap),
    }
}

/// What `run` gets: access to the inputs and to the context.
pub struct RunContext<'a> {
    pub(crate) task: &'a dyn Task,
}

impl RunContext<'_> {
    /// The outputs of the task's requirements, in the shape of [`Task::requires`].
    pub fn input(&self) -> Result<Input> {
        let requires = self.task.requires().map_err(|source| Error::Task {
            task: self.task.params().to_string(),
            source,
        })?;
        requires.try_map(|t| output_of(t.as_ref()))
    }
}

/// Everything tasks need to create their requirements and outputs: the store (a directory on a
/// [`FileSystem`]), the registry, and the `--<Task>-<param>` overrides from the command line.
///
/// Tasks that name their outputs with [`Context::target`] run unchanged on any storage: swap
/// the file system with [`Context::with_file_system`].
#[derive(Debug)]
pub struct Context {
    store: PathBuf,
    fs: Arc<dyn FileSystem>,
    registry: Arc<Registry>,
    overrides: BTreeMap<String, Vec<(String, String)>>,
}

impl Context {
    /// A context for tasks writing below `store`.
    pub fn new(store: impl Into<PathBuf>, registry: Arc<Registry>) -> Self {
        Context {
            store: store.into(),
            fs: Arc::new(LocalFileSystem),
            registry,
            overrides: BTreeMap::new(),
        }
    }

    /// Puts the store on `fs` (the local disk by default).
    pub fn with_file_system(mut self, fs: Arc<dyn FileSystem>) -> Self {
        self.fs = fs;
        self
    }

    /// The output target at `relative` below the store, on the store's file system.
    pub fn target(&self, relative: impl AsRef<Path>) -> FileTarget {
        FileTarget::new(self.fs.clone(), self.store.join(relative))
    }

    /// Sets parameter `param` (snake_case) of every required `family` task to `text`.
    pub fn with_override(mut self, family: &str, param: &str, text: &str) -> Result<Self> {
        let fam = self.registry.get(family)?;
        if !fam.decls().iter().any(|d| d.name() == param) {
            return Err(Error::UnknownParam {
                family: family.to_string(),
                param: param.to_string(),
            });
        }
        self.overrides
            .entry(family.to_string())
            .or_default()
            .push((param.to_string(), text.to_string()));
        Ok(self)
    }

    /// The store directory outputs go below.
    pub fn store(&self) -> &Path {
        &self.store
    }

    /// The registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Creates a task of `family` from complete parameter values. A workflow family with
    /// `branch >= 0` gives that branch's task.
    pub fn create(self: &Arc<Self>, params: Params) -> Result<TaskRef> {
        let family = self.registry.get(params.family())?;
        params.check_complete()?;
        if family.is_workflow() {
            let branch = params.int(workflow::BRANCH)?;
            if branch >= 0 {
                let mut wf_params = params.clone();
                wf_params.set(workflow::BRANCH, -1)?;
                let wf = family.construct(wf_params, self)?;
                return workflow::branch_of(wf.as_ref(), branch);
            }
        }
        family.construct(params, self)
    }

    /// law's `req`: a task of `family` with the parameters it shares with `from`, then the
    /// command-line overrides for `family`, then `set` (highest precedence).
    pub fn req(
        self: &Arc<Self>,
        family: &str,
        from: &Params,
        set: &[(&str, ParamValue)],
    ) -> Result<TaskRef> {
        let fam = self.registry.get(family)?;
        let mut params = Params::defaults(family, fam.decls_arc());
        params.inherit(from);
        if fam.is_workflow() {
            // A workflow required by name stands for all its branches unless `set` says otherwise.
            for decl in workflow::workflow_decls() {
                if let Some(default) = decl.default_value() {
                    params.set(decl.name(), default.clone())?;
                }
            }
        }
        for (param, text) in self.overrides.get(family).into_iter().flatten() {
            params.set_text(param, text)?;
        }
        for (name, value) in set {
            params.set(name, value.clone())?;
        }
        self.create(params)
    }
}
