//! The `cf` command line: parses arguments, dispatches to the libraries, sets the exit code.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod correction;
mod inspect;
mod run;

// Event batches allocate and free large buffers at a high rate; mimalloc reuses them where
// the system allocator returns them to the kernel and faults them in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_level = match &cli.command {
        Command::Run(args) => args.log_level().unwrap_or(cli.log_level),
        _ => cli.log_level,
    };
    init_logging(&log_level);
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report(&err),
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Inspect(args) => inspect::run(args),
        Command::Correction(args) => correction::run(args),
        Command::Run(args) => run::run(args),
        Command::Tasks => run::tasks(),
        Command::Completion { shell } => run::completion(shell, &mut Cli::command()),
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
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
