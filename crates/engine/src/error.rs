//! The engine's error type and the process exit codes it maps to.

use std::path::PathBuf;

/// A boxed error raised by a task's own code (`run`, `requires`, `output`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result alias used throughout the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit code: every requested task is complete.
pub const EXIT_SUCCESS: u8 = 0;
/// Exit code: a task failed, or could not run because a requirement failed.
pub const EXIT_TASK_FAILED: u8 = 1;
/// Exit code: bad parameters, flags or configuration (nothing was run).
pub const EXIT_BAD_PARAMS: u8 = 2;
/// Exit code: an external input (a task that cf cannot produce) is missing.
pub const EXIT_MISSING_INPUT: u8 = 3;

/// Everything that can go wrong while declaring, planning or running tasks.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter value could not be parsed as its declared kind.
    #[error("parameter `{param}` of {family}: cannot read `{value}` as {expected}: {reason}")]
    BadParam {
        /// Task family that declares the parameter.
        family: String,
        /// Parameter name.
        param: String,
        /// The raw value given.
        value: String,
        /// What the parameter expects (e.g. "an integer").
        expected: String,
        /// Why the value was rejected.
        reason: String,
    },
    /// A parameter that the family does not declare was given or asked for.
    #[error(
        "task {family} has no parameter `{param}`; `cf run {family} --help` lists its parameters"
    )]
    UnknownParam {
        /// Task family.
        family: String,
        /// The unknown parameter name.
        param: String,
    },
    /// A parameter without default was not given.
    #[error("parameter `{param}` of {family} has no default: pass `--{flag}`", flag = param.replace('_', "-"))]
    MissingParam {
        /// Task family.
        family: String,
        /// The missing parameter.
        param: String,
    },
    /// A parameter declaration is invalid (bad name, duplicate, default of the wrong kind).
    #[error("declaration of parameter `{param}` of {family} is invalid: {reason}")]
    BadDeclaration {
        /// Task family.
        family: String,
        /// Parameter name.
        param: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No task family of this name is registered.
    #[error("unknown task `{family}`; `cf tasks` lists the known tasks")]
    UnknownFamily {
        /// The requested family name.
        family: String,
    },
    /// A family of this name is already registered.
    #[error("task family `{family}` is registered twice; rename one of them")]
    DuplicateFamily {
        /// The family name.
        family: String,
    },
    /// The command line of `cf run <Task>` could not be parsed (the message is clap's, with usage).
    #[error("{message}")]
    Usage {
        /// The task family whose command line was parsed.
        family: String,
        /// The rendered parser message, including usage and a hint.
        message: String,
    },
    /// An inspection or engine option has an invalid value.
    #[error("option `--{option}` got `{value}`: {reason}")]
    BadOption {
        /// Option name without dashes.
        option: String,
        /// The raw value.
        value: String,
        /// What is expected instead.
        reason: String,
    },
    /// A branch was requested that the workflow's branch map does not have.
    #[error("{task}: branch {branch} is not in the branch map ({count} branches); choose one of 0..{count}")]
    BadBranch {
        /// The workflow task.
        task: String,
        /// The requested branch.
        branch: i64,
        /// Number of branches in the map.
        count: usize,
    },
    /// A file-system operation failed.
    #[error("{action} {path}")]
    Io {
        /// What was being done ("reading", "renaming into place", ...).
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file's content could not be decoded or encoded in the given format.
    #[error("{format} in {path}")]
    Format {
        /// "json", "yaml" or "text".
        format: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// A task cannot be set up from its parameters: an unknown dataset, shift or function, a
    /// config that does not load.
    #[error("{family}: {source}")]
    Setup {
        /// Task family.
        family: String,
        /// What is wrong, naming the parameter or config entry.
        #[source]
        source: BoxError,
    },
    /// The requirements of a task form a cycle.
    #[error("dependency cycle: {task} requires itself (through {path}); break the cycle in its requires()")]
    Cycle {
        /// The task found twice on the path.
        task: String,
        /// The chain of tasks that closes the cycle.
        path: String,
    },
    /// A task's own code (`requires`, `output`, `branch_map`) failed while the graph was built.
    #[error("{task}")]
    Task {
        /// The task concerned.
        task: String,
        /// What the task reported.
        #[source]
        source: BoxError,
    },
    /// At the end of a run, some tasks failed or were not run because a requirement failed.
    #[error("{failed} task(s) failed and {not_run} could not run because a requirement failed; see the summary above")]
    TasksFailed {
        /// Number of tasks (or workflows) that failed.
        failed: usize,
        /// Number of tasks not run because of a failed requirement.
        not_run: usize,
    },
    /// At the end of a run, external inputs were missing.
    #[error("{count} external input(s) missing, first: {first}; create them or fix the parameters that point to them")]
    MissingInput {
        /// Number of missing external tasks.
        count: usize,
        /// The first missing output.
        first: String,
    },
}

impl Error {
    /// The process exit code a command line should use for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::TasksFailed { .. } | Error::Task { .. } => EXIT_TASK_FAILED,
            Error::MissingInput { .. } => EXIT_MISSING_INPUT,
            Error::Io { .. } | Error::Format { .. } => EXIT_TASK_FAILED,
            Error::BadParam { .. }
            | Error::UnknownParam { .. }
            | Error::MissingParam { .. }
            | Error::BadDeclaration { .. }
            | Error::UnknownFamily { .. }
            | Error::DuplicateFamily { .. }
            | Error::BadOption { .. }
            | Error::Usage { .. }
            | Error::BadBranch { .. }
            | Error::Setup { .. }
            | Error::Cycle { .. } => EXIT_BAD_PARAMS,
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
