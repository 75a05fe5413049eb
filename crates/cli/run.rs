//! `cf run`, `cf tasks` and `cf completion`: the task registry of this binary and the glue to
//! the engine's dynamic command line.

use std::sync::Arc;

use cf_engine::{cli, demo, Registry};

/// Arguments of `cf run`: the task name and its flags, parsed later by a parser built from the
/// task's parameter declarations.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The task, then its parameters and options (`cf run <Task> --help` lists them).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        num_args = 0..,
        value_name = "TASK [ARGS]"
    )]
    args: Vec<String>,
}

impl RunArgs {
    /// A `--log-level` given after the task name (the global flag placed anywhere still works).
    pub fn log_level(&self) -> Option<String> {
        let mut iter = self.args.iter();
        while let Some(arg) = iter.next() {
            if arg == "--log-level" {
                return iter.next().cloned();
            }
            if let Some(level) = arg.strip_prefix("--log-level=") {
                return Some(level.to_string());
            }
        }
        None
    }
}

/// cf's own tasks; an analysis crate adds its families through [`crate::Setup::tasks`].
pub fn registry() -> anyhow::Result<Registry> {
    let mut registry = Registry::new();
    demo::register(&mut registry)?;
    Ok(registry)
}

/// `cf run <Task> ...`.
pub fn run(args: RunArgs, tasks: Registry) -> anyhow::Result<()> {
    cli::run_command(Arc::new(tasks), &args.args)?;
    Ok(())
}

/// `cf tasks`.
pub fn tasks(tasks: &Registry) -> anyhow::Result<()> {
    cli::list_tasks(tasks, &mut std::io::stdout().lock())?;
    Ok(())
}

/// `cf completion <shell>`.
pub fn completion(shell: clap_complete::Shell, cmd: &mut clap::Command) -> anyhow::Result<()> {
    cli::print_completion(shell, cmd, &mut std::io::stdout().lock());
    Ok(())
}
