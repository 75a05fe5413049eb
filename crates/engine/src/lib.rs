//! Make-like task execution for cf: typed parameters, targets written atomically, workflows,
//! a local worker pool, per-task locks and law's inspection flags.
//!
//! The central type is the [`Task`] trait: parameters ([`Params`]) that make up its identity,
//! [`Task::requires`], [`Task::output`] ([`FileTarget`]s and collections of them) and
//! [`Task::run`]. A task is complete when all its outputs exist, and complete tasks are never
//! run again. [`scheduler::plan`] builds the graph of a request (stopping at complete tasks)
//! and [`scheduler::Plan::execute`] runs the rest on worker threads, under a lock per task id,
//! so two processes sharing a store never run the same task at once.
//!
//! Families are registered in a [`Registry`] (name -> parameter declarations + constructor);
//! tasks create their requirements through the [`Context`] (`ctx.req(...)`, law's `req`).
//! Workflows ([`Workflow`]) have a branch map and run their branches through a
//! [`WorkflowRunner`] ([`LocalRunner`] here; batch systems implement the same trait).
//!
//! # Example
//!
//! Count the words of two files with the bundled [`demo`] family, then see that a second run
//! has nothing left to do:
//!
//! ```
//! use std::sync::Arc;
//! use cf_engine::{demo, scheduler, Context, Registry, RunOptions};
//!
//! # let dir = tempfile::tempdir().unwrap();
//! # let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
//! # std::fs::write(&a, "to be or not to be").unwrap();
//! # std::fs::write(&b, "be quick").unwrap();
//! # let store = dir.path().join("store");
//! let mut registry = Registry::new();
//! demo::register(&mut registry)?;
//! let ctx = Arc::new(Context::new(&store, Arc::new(registry)));
//!
//! let mut params = ctx.registry().get("MergeCounts")?.defaults();
//! params.set_text("inputs", &format!("{},{}", a.display(), b.display()))?;
//! let task = ctx.create(params)?;
//!
//! let summary = scheduler::run(&[task.clone()], &RunOptions::new(&store).with_workers(2))?;
//! assert_eq!(summary.ran.len(), 3); // two CountWords branches, then MergeCounts
//! summary.result()?;
//!
//! let again = scheduler::run(&[task], &RunOptions::new(&store))?;
//! assert!(again.ran.is_empty());
//! # Ok::<(), cf_engine::Error>(())
//! ```
//!
//! # Writing a task family
//!
//! A family declares its parameters and a constructor; the task names its outputs below the
//! store with [`Context::target`] and writes them with the targets' `dump_*` methods (always
//! to a temporary name, then renamed into place):
//!
//! ```
//! use std::sync::Arc;
//! use cf_engine::{
//!     scheduler, BoxError, Context, Family, Output, ParamDecl, ParamKind, Params, Registry,
//!     RunContext, RunOptions, Task,
//! };
//!
//! #[derive(Debug)]
//! struct Greet {
//!     params: Params,
//!     ctx: Arc<Context>,
//! }
//!
//! impl Task for Greet {
//!     fn params(&self) -> &Params {
//!         &self.params
//!     }
//!     fn output(&self) -> Result<Output, BoxError> {
//!         let name = self.params.str("name")?;
//!         Ok(Output::File(self.ctx.target(format!("Greet/{name}.txt"))))
//!     }
//!     fn run(&self, _: &RunContext<'_>) -> Result<(), BoxError> {
//!         let text = format!("hello {}", self.params.str("name")?);
//!         Ok(self.output()?.file().ok_or("one file")?.dump_text(&text)?)
//!     }
//! }
//!
//! let mut registry = Registry::new();
//! registry.register(Family::new(
//!     "Greet",
//!     "Writes a greeting",
//!     vec![ParamDecl::new("name", ParamKind::Str, "whom to greet").with_default("world")],
//!     |params, ctx| Ok(Arc::new(Greet { params, ctx: ctx.clone() })),
//! ))?;
//! # let dir = tempfile::tempdir().unwrap();
//! let ctx = Arc::new(Context::new(dir.path(), Arc::new(registry)));
//! let task = ctx.create(ctx.registry().get("Greet")?.defaults())?;
//! scheduler::run(&[task], &RunOptions::new(dir.path()))?.result()?;
//! assert_eq!(std::fs::read_to_string(dir.path().join("Greet/world.txt")).unwrap(), "hello world");
//! # Ok::<(), cf_engine::Error>(())
//! ```
//!
//! # Command line
//!
//! With the `cli` feature, `cli::run_command` turns a registry into `cf run <Task> ...`
//! (a parser built from the parameter declarations, `--<Family>-<param>` for required tasks,
//! `--workers`, and the inspection flags of [`interactive`]). Errors carry the process exit
//! code: [`EXIT_SUCCESS`], [`EXIT_TASK_FAILED`], [`EXIT_BAD_PARAMS`], [`EXIT_MISSING_INPUT`].
#![deny(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod demo;
mod error;
pub mod interactive;
pub mod lock;
pub mod param;
pub mod registry;
pub mod scheduler;
pub mod target;
pub mod task;
pub mod workflow;

pub use error::{
    BoxError, Error, Result, EXIT_BAD_PARAMS, EXIT_MISSING_INPUT, EXIT_SUCCESS, EXIT_TASK_FAILED,
};
pub use param::{MultiRange, ParamDecl, ParamKind, ParamValue, Params, TaskId};
pub use registry::{Family, Registry};
pub use scheduler::{Observer, Plan, RunOptions, Summary};
pub use target::{
    FileSystem, FileTarget, LocalFileSystem, Output, SiblingFileCollection, TargetCollection,
};
pub use task::{Context, Deps, Input, Requires, RunContext, Task, TaskRef};
pub use workflow::{BranchMap, LocalRunner, Workflow, WorkflowRunner};
