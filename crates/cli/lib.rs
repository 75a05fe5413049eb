//! The `cf` command line as a library: arguments parsed, dispatched to the cf crates, errors
//! turned into one readable paragraph and an exit code.
//!
//! The `cf` binary is [`main`]. An analysis with functions or tasks of its own is a crate that
//! builds its own `cf` by calling [`main_with`], adding them to the standard ones:
//!
//! ```no_run
//! use cf::Setup;
//! use cf_analysis::producer;
//!
//! fn main() -> std::process::ExitCode {
//!     cf::main_with(|setup: &mut Setup| {
//!         setup.functions().register(|| {
//!             producer("my_feature").uses("Jet.pt").unwrap().produces("my_feature").unwrap()
//!                 .apply(|_events, _| Ok(()))
//!         })?;
//!         Ok(())
//!     })
//! }
//! ```
//!
//! `crates/example-analysis` is such a crate.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod check;
mod correction;
mod functions;
mod inspect;
mod run;

/// cf: columnar event processing for high-energy-physics analyses.
#[derive(Parser)]
#[command(name = "cf", version, about, long_about = None)]
struct Cli {
    /// Log verbosity: error, warn, info, debug or trace (or a tracing filter such as `cf_io=debug`).
    #[arg(long, global = true, default_value = "warn", value_name = "LEVEL")]
    log_level: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List a ROOT or Parquet event file's trees and columns with types and entries; with
    /// `--stats`, per-branch statistics to check against another reader.
    Inspect(inspect::Args),
    /// Inspect and evaluate correctionlib JSON files (scale factors, energy corrections):
    /// `summary` lists corrections and their inputs, `eval` evaluates one point or a batch.
    Correction(correction::Args),
    /// Check, before reading any event, that every column the chosen calibrators, selector,
    /// producers, variables and categories use is in the input files or produced upstream.
    Check(check::Args),
    /// List the calibrators, selectors, producers and categorizers this binary knows, with the
    /// columns they use and produce and the shifts they implement.
    Functions(functions::Args),
    /// Run a task and whatever it requires that is not complete yet (`cf run <Task> --help`).
    #[command(disable_help_flag = true)]
    Run(run::RunArgs),
    /// List the tasks that `cf run` knows.
    Tasks,
    /// Print a shell completion script.
    Completion {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

/// Exit code for a usage error or bad input (file, config, parameter).
const EXIT_USAGE: u8 = 2;

/// What a `cf` binary knows: its tasks and its analysis functions.
pub struct Setup {
    tasks: cf_engine::Registry,
    functions: cf_analysis::Registry,
}

impl Setup {
    /// cf's own tasks and functions.
    pub fn standard() -> anyhow::Result<Setup> {
        let mut functions = cf_analysis::Registry::new();
        cf_selectors::register(&mut functions)?;
        cf_producers::register(&mut functions)?;
        Ok(Setup {
            tasks: run::registry()?,
            functions,
        })
    }

    /// The task registry, to add task families to.
    pub fn tasks(&mut self) -> &mut cf_engine::Registry {
        &mut self.tasks
    }

    /// The function registry, to add calibrators, selectors, producers and categorizers to.
    pub fn functions(&mut self) -> &mut cf_analysis::Registry {
        &mut self.functions
    }
}

/// Runs the standard `cf` command line.
pub fn main() -> ExitCode {
    main_with(|_| Ok(()))
}

/// Runs the `cf` command line with what `extend` adds to the standard setup.
pub fn main_with(extend: impl FnOnce(&mut Setup) -> anyhow::Result<()>) -> ExitCode {
    let cli = Cli::parse();
    let log_level = match &cli.command {
        Command::Run(args) => args.log_level().unwrap_or(cli.log_level),
        _ => cli.log_level,
    };
    init_logging(&log_level);
    let result = Setup::standard().and_then(|mut setup| {
        extend(&mut setup)?;
        // The pipeline's tasks run the functions of this binary, the analysis's included.
        cf_tasks::register(&mut setup.tasks, setup.functions.clone())?;
        dispatch(cli.command, setup)
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report(&err),
    }
}

fn dispatch(command: Command, setup: Setup) -> anyhow::Result<()> {
    match command {
        Command::Inspect(args) => inspect::run(args),
        Command::Correction(args) => correction::run(args),
        Command::Check(args) => check::run(args, &setup.functions),
        Command::Functions(args) => functions::run(args, &setup.functions),
        Command::Run(args) => run::run(args, setup.tasks),
        Command::Tasks => run::tasks(&setup.tasks),
        Command::Completion { shell } => run::completion(shell, &mut Cli::command()),
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

/// Prints an error chain as one paragraph; a closed stdout (e.g. `cf inspect f | head`) is not an error.
fn report(err: &anyhow::Error) -> ExitCode {
    let broken_pipe = err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {}", one_paragraph(err));
    let code = err
        .chain()
        .find_map(|cause| cause.downcast_ref::<cf_engine::Error>())
        .map_or(EXIT_USAGE, cf_engine::Error::exit_code);
    ExitCode::from(code)
}

/// The error and its causes in one line, leaving out causes whose text an outer message
/// already quotes (library errors often name their cause in their own message).
fn one_paragraph(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let message = cause.to_string();
        if !text.contains(&message) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&message);
        }
    }
    text
}
