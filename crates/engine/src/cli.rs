//! The `cf run`, `cf tasks` and `cf completion` commands, built from a [`Registry`].
//!
//! `cf run <Task>` gets a parser built at run time from the family's parameter declarations:
//! one `--<param>` per parameter, `--<Family>-<param>` for the parameters of every other
//! family (they reach required tasks through [`Context::req`]), then the run and inspection
//! options. Any binary can embed these commands by handing its registry to [`run_command`]
//! (or [`run_command_with`], adding workflow runners such as a batch system), which is how an
//! analysis crate builds its own `cf` with extra tasks.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Arg, ArgAction, ArgMatches, Command};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::{Error, Result};
use crate::interactive::{self, Mode};
use crate::registry::{Family, Registry};
use crate::scheduler::{self, Observer, RunOptions};
use crate::task::Context;
use crate::workflow::{LocalRunner, WorkflowRunner};

/// Environment variable with the default store directory.
pub const STORE_ENV: &str = "CF_STORE";
/// Store directory used when neither `--store` nor `CF_STORE` is given.
pub const DEFAULT_STORE: &str = "store";

const RUN_HEADING: &str = "Run options";
const INSPECT_HEADING: &str = "Inspection (print or act on outputs instead of running)";

fn override_id(family: &str, param: &str) -> String {
    format!("{family}.{param}")
}

/// The parser of `cf run <family>` (with only the local runner for `--workflow`).
pub fn task_command(registry: &Registry, family: &Family) -> Command {
    task_command_with(registry, family, &["local".to_string()])
}

fn task_command_with(registry: &Registry, family: &Family, runners: &[String]) -> Command {
    let mut cmd = Command::new(format!("cf run {}", family.name()))
        .about(family.help().to_string())
        .no_binary_name(true)
        .next_help_heading("Parameters");
    for decl in family.decls() {
        cmd = cmd.arg(param_arg(
            decl.name(),
            &decl.flag(),
            decl,
            family.name(),
            true,
        ));
    }
    cmd = cmd.next_help_heading("Parameters of required tasks");
    for other in registry.families().filter(|f| f.name() != family.name()) {
        for decl in other.decls() {
            let long = format!("{}-{}", other.name(), decl.flag());
            let id = override_id(other.name(), decl.name());
            cmd = cmd.arg(param_arg(&id, &long, decl, other.name(), false));
        }
    }
    cmd.next_help_heading(RUN_HEADING)
        .arg(
            Arg::new("workers")
                .long("workers")
                .value_name("N")
                .value_parser(clap::value_parser!(usize))
                .default_value("1")
                .help(
                    "number of tasks run at the same time; they run on a pool of one thread \
                     per core (RAYON_NUM_THREADS sets another count, never below N) whose idle \
                     threads help with the parallel work inside running tasks",
                ),
        )
        .arg(
            Arg::new("store")
                .long("store")
                .value_name("DIR")
                .help(format!(
                    "directory of all outputs and task locks [default: ${STORE_ENV} or ./{DEFAULT_STORE}]"
                )),
        )
        .arg(
            Arg::new("workflow")
                .long("workflow")
                .value_name("RUNNER")
                .value_parser(clap::builder::PossibleValuesParser::new(runners.to_vec()))
                .default_value("local")
                .help("where workflow branches run"),
        )
        .arg(
            Arg::new("log_level")
                .long("log-level")
                .value_name("LEVEL")
                .hide(true),
        )
        .next_help_heading(INSPECT_HEADING)
        .arg(inspect_arg(
            "print_deps",
            "D",
            "print the requirements to depth D (0: the task, -1: all)",
        ))
        .arg(inspect_arg(
            "print_status",
            "D[,TD]",
            "print existent/absent per output to depth D; TD > 0 lists collection members",
        ))
        .arg(inspect_arg(
            "print_output",
            "D",
            "print the output paths to depth D",
        ))
        .arg(inspect_arg(
            "remove_output",
            "D[,a|d|i]",
            "remove outputs to depth D: a all, d dry run, i ask per task (dry run when stdin is not a terminal)",
        ))
        .arg(inspect_arg(
            "fetch_output",
            "D[,a|d|i[,DIR]]",
            "copy existing outputs to depth D into DIR (default: .)",
        ))
}

fn param_arg(id: &str, long: &str, decl: &crate::param::ParamDecl, family: &str, own: bool) -> Arg {
    let mut help = decl.help().to_string();
    if !own {
        help = format!("{family}: {help}");
    }
    match decl.default_value() {
        Some(d) => help.push_str(&format!(" [default: {d}]")),
        None if own => help.push_str(" [required]"),
        None => {}
    }
    if !decl.is_significant() {
        help.push_str(" [insignificant]");
    }
    let mut arg = Arg::new(id.to_string())
        .long(long.to_string())
        .help(help)
        .value_name(value_name(decl.kind()))
        .action(ArgAction::Set)
        .allow_hyphen_values(true);
    if matches!(decl.kind(), crate::param::ParamKind::Bool) {
        // A bare flag is `true`; the next `--option` is never taken as its value.
        arg = arg
            .num_args(0..=1)
            .default_missing_value("true")
            .allow_hyphen_values(false);
    }
    if !own {
        arg = arg.hide_short_help(true);
    }
    arg
}

fn value_name(kind: &crate::param::ParamKind) -> String {
    use crate::param::ParamKind::*;
    match kind {
        Str => "TEXT".into(),
        Int => "INT".into(),
        Float => "NUMBER".into(),
        Bool => "BOOL".into(),
        Choice(c) => c.join("|"),
        List(_) => "A,B,...".into(),
        MultiRange => "RANGES".into(),
    }
}

fn inspect_arg(id: &'static str, value: &'static str, help: &'static str) -> Arg {
    Arg::new(id)
        .long(id.replace('_', "-"))
        .value_name(value)
        .allow_hyphen_values(true)
        .help(help)
}

/// Writes the list of tasks (`cf tasks`).
pub fn list_tasks(registry: &Registry, out: &mut dyn Write) -> Result<()> {
    let width = registry
        .families()
        .map(|f| f.name().len())
        .max()
        .unwrap_or(0);
    for family in registry.families() {
        let kind = if family.is_workflow() {
            " (workflow)"
        } else {
            ""
        };
        writeln!(out, "{:width$}  {}{kind}", family.name(), family.help())
            .map_err(|e| Error::io("printing", "<stdout>", e))?;
    }
    Ok(())
}

/// Writes a completion script for `shell` (`cf completion bash|zsh|fish|...`).
pub fn print_completion(shell: clap_complete::Shell, cmd: &mut Command, out: &mut dyn Write) {
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, cmd, name, out);
}

fn general_help(registry: &Registry) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let io = |e| Error::io("printing", "<stdout>", e);
    writeln!(
        out,
        "Run a task and whatever it requires that is not complete yet.\n\n\
         Usage: cf run <TASK> [--<param> <value>]... [options]\n\
         `cf run <TASK> --help` lists the task's parameters and the options.\n\nTasks:"
    )
    .map_err(io)?;
    list_tasks(registry, &mut out)
}

struct ProgressObserver {
    bar: ProgressBar,
}

impl Observer for ProgressObserver {
    fn planned(&self, to_run: usize) {
        self.bar.set_length(to_run as u64);
    }
    fn started(&self, task: &str) {
        self.bar.set_message(task.to_string());
    }
    fn finished(&self, _task: &str, _ok: bool) {
        self.bar.inc(1);
    }
}

/// Runs `cf run <argv...>`: `argv[0]` is the task family, the rest its flags.
///
/// Prints the help, the inspection output or the execution summary to stdout. The error
/// carries the exit code ([`Error::exit_code`]). Workflow branches run locally.
pub fn run_command(registry: Arc<Registry>, argv: &[String]) -> Result<()> {
    run_command_with(registry, &[], argv)
}

/// [`run_command`] with extra workflow runners (e.g. a batch system) that `--workflow <name>`
/// selects; `local` is always available.
pub fn run_command_with(
    registry: Arc<Registry>,
    runners: &[Arc<dyn WorkflowRunner>],
    argv: &[String],
) -> Result<()> {
    let mut runners: Vec<Arc<dyn WorkflowRunner>> = runners.to_vec();
    if !runners.iter().any(|r| r.name() == "local") {
        runners.insert(0, Arc::new(LocalRunner));
    }
    let names: Vec<String> = runners.iter().map(|r| r.name().to_string()).collect();
    let Some(name) = argv.first() else {
        return general_help(&registry);
    };
    if name == "-h" || name == "--help" {
        return general_help(&registry);
    }
    let family = registry.get(name)?;
    let matches =
        match task_command_with(&registry, family, &names).try_get_matches_from(&argv[1..]) {
            Ok(m) => m,
            Err(e)
                if matches!(
                    e.kind(),
                    clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
                ) =>
            {
                if std::io::stdout().is_terminal() {
                    print!("{}", e.render().ansi());
                } else {
                    print!("{}", e.render());
                }
                return Ok(());
            }
            Err(e) => {
                return Err(Error::Usage {
                    family: name.clone(),
                    // The caller prefixes "error: " itself.
                    message: e
                        .render()
                        .to_string()
                        .trim_start_matches("error: ")
                        .trim_end()
                        .to_string(),
                });
            }
        };
    let mut params = family.defaults();
    for decl in family.decls() {
        if let Some(text) = matches.get_one::<String>(decl.name()) {
            params.set_text(decl.name(), text)?;
        }
    }
    let store = match matches.get_one::<String>("store") {
        Some(s) => PathBuf::from(s),
        None => std::env::var_os(STORE_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE)),
    };
    let mut ctx = Context::new(&store, registry.clone());
    for other in registry.families().filter(|f| f.name() != family.name()) {
        for decl in other.decls() {
            if let Some(text) = matches.get_one::<String>(&override_id(other.name(), decl.name())) {
                ctx = ctx.with_override(other.name(), decl.name(), text)?;
            }
        }
    }
    let ctx = Arc::new(ctx);
    let task = ctx.create(params)?;
    if inspect(&task, &matches)? {
        return Ok(());
    }
    let workers = matches.get_one::<usize>("workers").copied().unwrap_or(1);
    let draw = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(None, draw);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}") {
        bar.set_style(style);
    }
    let observer = Arc::new(ProgressObserver { bar: bar.clone() });
    let runner = matches
        .get_one::<String>("workflow")
        .and_then(|name| runners.iter().find(|r| r.name() == name))
        .cloned()
        .unwrap_or_else(|| Arc::new(LocalRunner));
    let options = RunOptions::new(&store)
        .with_workers(workers)
        .with_runner(runner)
        .with_observer(observer);
    let plan = scheduler::plan(std::slice::from_ref(&task))?;
    tracing::info!("{} task(s) to run for {}", plan.to_run(), task.params());
    let summary = plan.execute(&options);
    bar.finish_and_clear();
    print!("{summary}");
    summary.result()
}

/// Runs the inspection flags present in `matches`; returns whether there was any.
fn inspect(task: &crate::task::TaskRef, matches: &ArgMatches) -> Result<bool> {
    let mut out = std::io::stdout().lock();
    let mut any = false;
    let tty = std::io::stdin().is_terminal();
    let mut ask = |question: &str| -> bool {
        eprint!("{question} [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).is_ok()
            && matches!(answer.trim(), "y" | "Y" | "yes")
    };
    if let Some(spec) = matches.get_one::<String>("print_deps") {
        any = true;
        let depth = interactive::parse_depth_spec("print-deps", spec)?;
        interactive::print_deps(task, depth, &mut out)?;
    }
    if let Some(spec) = matches.get_one::<String>("print_status") {
        any = true;
        let (depth, target_depth) = interactive::parse_status_spec(spec)?;
        interactive::print_status(task, depth, target_depth, &mut out)?;
    }
    if let Some(spec) = matches.get_one::<String>("print_output") {
        any = true;
        let depth = interactive::parse_depth_spec("print-output", spec)?;
        interactive::print_output(task, depth, &mut out)?;
    }
    if let Some(spec) = matches.get_one::<String>("fetch_output") {
        any = true;
        let (depth, mode, dir) = interactive::parse_fetch_spec(spec)?;
        let prompt: interactive::Prompt<'_> = if tty && mode == Mode::Interactive {
            Some(&mut ask)
        } else {
            None
        };
        interactive::fetch_output(
            task,
            depth,
            mode,
            std::path::Path::new(&dir),
            prompt,
            &mut out,
        )?;
    }
    if let Some(spec) = matches.get_one::<String>("remove_output") {
        any = true;
        let (depth, mode) = interactive::parse_remove_spec(spec)?;
        let prompt: interactive::Prompt<'_> = if tty && mode == Mode::Interactive {
            Some(&mut ask)
        } else {
            None
        };
        interactive::remove_output(task, depth, mode, prompt, &mut out)?;
    }
    Ok(any)
}
