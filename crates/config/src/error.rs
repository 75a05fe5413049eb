//! The error types of `cf-config`: every error says where in which file it was found.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A place in a config file: file, 1-based line and 1-based column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    file: Arc<Path>,
    line: usize,
    column: usize,
}

impl Location {
    /// A location in `file` at `line` and `column` (both counted from 1).
    pub fn new(file: Arc<Path>, line: usize, column: usize) -> Self {
        Location { file, line, column }
    }

    /// The file, as it was reached (the path given to `Analysis::load`, or relative to it).
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The line, counted from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column, counted from 1.
    pub fn column(&self) -> usize {
        self.column
    }

    pub(crate) fn file_arc(&self) -> &Arc<Path> {
        &self.file
    }

    /// The same line, `offset` characters further right (for places inside a scalar).
    pub(crate) fn shifted(&self, offset: usize) -> Location {
        Location {
            file: self.file.clone(),
            line: self.line,
            column: self.column + offset,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

/// One problem found in a config, with the place it was found.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file (the analysis file, an included file, a glob) could not be read.
    #[error("{at}: cannot read `{}`: {source}; check the path (relative paths start at the file that names them)", path.display())]
    Io {
        /// Where the file was named (line 1, column 1 of the file itself for the top file).
        at: Location,
        /// The path that failed.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not valid YAML.
    #[error("{at}: YAML syntax error: {message}")]
    Syntax {
        /// Where the parser stopped.
        at: Location,
        /// The parser's message.
        message: String,
    },
    /// A key that this section does not know.
    #[error("{at}: unknown key `{key}` in {section}{}", did_you_mean(suggestion))]
    UnknownKey {
        /// Where the key is.
        at: Location,
        /// The key as written.
        key: String,
        /// The kind of section (`variable`, `dataset`, …).
        section: &'static str,
        /// The closest known key, if one is close.
        suggestion: Option<String>,
    },
    /// A required key is absent.
    #[error("{at}: {section} is missing the required key `{key}`")]
    MissingKey {
        /// The start of the section lacking the key.
        at: Location,
        /// The missing key.
        key: &'static str,
        /// The kind of section.
        section: &'static str,
    },
    /// A value has the wrong YAML type (a list where a number belongs, …).
    #[error("{at}: `{key}` must be {expected}, found {found}")]
    WrongType {
        /// Where the value is.
        at: Location,
        /// The key or item the value belongs to.
        key: String,
        /// What is expected.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A value has the right type but is not acceptable.
    #[error("{at}: invalid {what} `{value}`: {reason}{}", did_you_mean(suggestion))]
    InvalidValue {
        /// Where the value is.
        at: Location,
        /// What the value is (`colour`, `binning`, `shift type`, …).
        what: &'static str,
        /// The value as written.
        value: String,
        /// Why it is rejected and what is accepted.
        reason: String,
        /// The closest accepted value, if one is close.
        suggestion: Option<String>,
    },
    /// Two items of one kind share a name or an id.
    #[error("{at}: duplicate {kind} {field} `{value}` (first defined at {first}); give each {kind} its own {field}")]
    Duplicate {
        /// Where the second one is.
        at: Location,
        /// The kind of item.
        kind: &'static str,
        /// `name` or `id`.
        field: &'static str,
        /// The repeated value.
        value: String,
        /// Where the first one is.
        first: Location,
    },
    /// A mapping has the same key twice.
    #[error("{at}: key `{key}` appears twice in {section} (first at {first}); keep one")]
    DuplicateKey {
        /// Where the second one is.
        at: Location,
        /// The key.
        key: String,
        /// The kind of section.
        section: &'static str,
        /// Where the first one is.
        first: Location,
    },
    /// A name refers to an item that does not exist.
    #[error(
        "{at}: unknown {kind} `{name}`: no {kind} of that name is declared{}",
        did_you_mean(suggestion)
    )]
    UnknownReference {
        /// Where the reference is.
        at: Location,
        /// The kind of item referred to.
        kind: &'static str,
        /// The name as written.
        name: String,
        /// The closest existing name, if one is close.
        suggestion: Option<String>,
    },
    /// A route or route pattern is malformed.
    #[error("{at}: {source}")]
    InvalidRoute {
        /// Where the route is.
        at: Location,
        /// The route error.
        source: cf_columns::Error,
    },
    /// A variable expression does not parse.
    #[error("{at}: invalid expression `{expression}`: {reason}")]
    InvalidExpression {
        /// Where in the expression the problem is.
        at: Location,
        /// The whole expression.
        expression: String,
        /// What is wrong.
        reason: String,
    },
    /// A file path or glob names no existing file.
    #[error("{at}: `{pattern}` matches no file (paths are relative to {})", base.display())]
    NoFiles {
        /// Where the path is.
        at: Location,
        /// The path or glob as written.
        pattern: String,
        /// The directory it was resolved against.
        base: std::path::PathBuf,
    },
    /// Two keys that exclude each other are both given (a dataset's `files` and `generate`).
    #[error("{at}: {section} has both `{other}` (at {other_at}) and `{key}`, which exclude each other; keep one (an extending config drops its base's with `{other}: ~` or `{key}: ~`)")]
    ConflictingKeys {
        /// Where the key written second is.
        at: Location,
        /// The kind of section.
        section: &'static str,
        /// The key written second.
        key: &'static str,
        /// The key written first.
        other: &'static str,
        /// Where the key written first is.
        other_at: Location,
    },
    /// Neither of two keys, one of which is required, is given.
    #[error("{at}: {section} needs `{first}` or `{second}`; {hint}")]
    MissingEither {
        /// The start of the section lacking both.
        at: Location,
        /// The kind of section.
        section: &'static str,
        /// One key.
        first: &'static str,
        /// The other key.
        second: &'static str,
        /// What each key is for.
        hint: &'static str,
    },
    /// Items refer to each other in a circle (`extends`, `include`, `children`).
    #[error("{at}: circular {kind}: {chain}; break the circle")]
    Cycle {
        /// Where the circle closes.
        at: Location,
        /// What refers (`extends`, `include`, `process children`, …).
        kind: &'static str,
        /// The names in the circle, `a -> b -> a`.
        chain: String,
    },
}

impl Error {
    /// Where the problem was found.
    pub fn location(&self) -> &Location {
        match self {
            Error::Io { at, .. }
            | Error::Syntax { at, .. }
            | Error::UnknownKey { at, .. }
            | Error::MissingKey { at, .. }
            | Error::WrongType { at, .. }
            | Error::InvalidValue { at, .. }
            | Error::Duplicate { at, .. }
            | Error::DuplicateKey { at, .. }
            | Error::UnknownReference { at, .. }
            | Error::InvalidRoute { at, .. }
            | Error::InvalidExpression { at, .. }
            | Error::NoFiles { at, .. }
            | Error::ConflictingKeys { at, .. }
            | Error::MissingEither { at, .. }
            | Error::Cycle { at, .. } => at,
        }
    }
}

/// The result type of `cf-config`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Most errors kept per load; past this the rest are counted, not kept.
pub const MAX_ERRORS: usize = 100;

/// Every error found while loading an analysis, in file order.
///
/// Its `Display` prints one error per line, `file:line:col: message (did you mean …?)`.
#[derive(Debug)]
pub struct ConfigErrors {
    errors: Vec<Error>,
    omitted: usize,
}

impl ConfigErrors {
    pub(crate) fn new(mut errors: Vec<Error>) -> Self {
        errors.sort_by(|a, b| {
            let (a, b) = (a.location(), b.location());
            (a.file(), a.line(), a.column()).cmp(&(b.file(), b.line(), b.column()))
        });
        let omitted = errors.len().saturating_sub(MAX_ERRORS);
        errors.truncate(MAX_ERRORS);
        ConfigErrors { errors, omitted }
    }

    /// The errors kept (at most [`MAX_ERRORS`]).
    pub fn errors(&self) -> &[Error] {
        &self.errors
    }

    /// How many further errors were found but not kept.
    pub fn omitted(&self) -> usize {
        self.omitted
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        if self.omitted > 0 {
            write!(f, "\n… and {} more errors", self.omitted)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}
