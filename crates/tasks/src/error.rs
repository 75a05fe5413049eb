//! Errors of the pipeline tasks, each naming the parameter, config entry, file or column
//! concerned and what to do.

use std::path::PathBuf;

/// What can go wrong while setting up or running a pipeline task.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The analysis file does not exist.
    #[error("analysis file {} does not exist; pass `--analysis <file.yaml>` or set CF_ANALYSIS", path.display())]
    NoAnalysis {
        /// The path given.
        path: PathBuf,
    },
    /// The analysis file does not load.
    #[error("analysis file {} is invalid:\n{errors}", path.display())]
    Config {
        /// The analysis file.
        path: PathBuf,
        /// Every problem found, one located line each.
        errors: String,
    },
    /// A name given on the command line is not in the config.
    #[error(
        "--{} `{}`: no such {} in {}{}; known: {}",
        flag(.0.param),
        .0.value,
        .0.what,
        .0.scope,
        .0.suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        .0.known
    )]
    Unknown(Box<UnknownName>),
    /// A function named by a parameter does not exist or has the wrong kind.
    #[error("--{}: {source}", flag(param))]
    Function {
        /// The parameter.
        param: &'static str,
        /// The registry's error (with suggestions).
        #[source]
        source: Box<cf_analysis::Error>,
    },
    /// A parameter combination that cannot work.
    #[error("{0}")]
    Invalid(String),
    /// A dataset lists a remote file, which this build cannot read yet.
    #[error(
        "dataset `{dataset}` lists the remote file {url}; copy it locally and list the local path"
    )]
    RemoteFile {
        /// The dataset.
        dataset: String,
        /// The file's URL.
        url: String,
    },
    /// A dataset has no files.
    #[error("dataset `{dataset}` ({at}) has no input files; check its `files` globs")]
    NoFiles {
        /// The dataset.
        dataset: String,
        /// Where the dataset is defined.
        at: String,
    },
    /// An input file of a dataset cannot be opened.
    #[error("dataset `{dataset}`: {source}")]
    Input {
        /// The dataset.
        dataset: String,
        /// The reader's error, naming the file.
        #[source]
        source: Box<cf_io::Error>,
    },
    /// Columns a step needs are in none of its inputs.
    #[error("{step} cannot run: {missing}; produce them in an earlier step (or fix the config), `cf check` shows the whole chain")]
    MissingColumns {
        /// The task.
        step: String,
        /// Which columns, and who uses them.
        missing: String,
    },
    /// A function failed or broke its contract.
    #[error(transparent)]
    Analysis(Box<cf_analysis::Error>),
    /// Reading or writing events failed.
    #[error(transparent)]
    Io(Box<cf_io::Error>),
    /// A column operation failed.
    #[error(transparent)]
    Columns(Box<cf_columns::Error>),
    /// The engine failed (a target, a requirement).
    #[error(transparent)]
    Engine(Box<cf_engine::Error>),
}

macro_rules! boxed_from {
    ($($variant:ident: $source:ty),*) => {
        $(impl From<$source> for Error {
            fn from(source: $source) -> Self {
                Error::$variant(Box::new(source))
            }
        })*
    };
}

boxed_from!(
    Analysis: cf_analysis::Error,
    Io: cf_io::Error,
    Columns: cf_columns::Error,
    Engine: cf_engine::Error
);

/// A parameter as its command-line flag spells it.
fn flag(param: &str) -> String {
    param.replace('_', "-")
}

/// A name that names nothing: which parameter, what it should name, the nearest known names.
#[derive(Debug)]
pub struct UnknownName {
    /// The parameter.
    pub param: &'static str,
    /// The value given.
    pub value: String,
    /// What it should name ("config", "dataset", "shift", ...).
    pub what: &'static str,
    /// Where it was looked up.
    pub scope: String,
    /// The nearest known name.
    pub suggestion: Option<String>,
    /// The known names.
    pub known: String,
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The known name nearest to `name`, when near enough to be a typo.
pub(crate) fn nearest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    known
        .into_iter()
        .map(|k| (distance(name, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_string())
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// An [`Error::Unknown`] for `value` among `known`.
pub(crate) fn unknown<'a>(
    param: &'static str,
    value: &str,
    what: &'static str,
    scope: impl Into<String>,
    known: impl IntoIterator<Item = &'a str> + Clone,
) -> Error {
    let list: Vec<&str> = known.clone().into_iter().collect();
    Error::Unknown(Box::new(UnknownName {
        param,
        value: value.to_string(),
        what,
        scope: scope.into(),
        suggestion: nearest(value, known),
        known: if list.is_empty() {
            "none".into()
        } else {
            list.join(", ")
        },
    }))
}
