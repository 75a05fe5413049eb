//! The error type of `cf-analysis`.

use cf_columns::Route;

/// Errors declaring, resolving and running analysis functions.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A function name is not in the registry.
    #[error("no function named `{name}` is registered{}; registered {kind}s: {available}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownFunction {
        /// The name asked for.
        name: String,
        /// The kind asked for, or "function".
        kind: String,
        /// The closest registered name, if any is close.
        suggestion: Option<String>,
        /// Registered names of that kind.
        available: String,
    },
    /// Two functions were registered under one name.
    #[error("function `{name}` is registered twice; give one of them another name")]
    DuplicateFunction {
        /// The name.
        name: String,
    },
    /// A function was asked for as a kind it is not (a producer given as `--selector`).
    #[error("`{name}` is a {found}, but a {expected} is needed here")]
    WrongKind {
        /// The function.
        name: String,
        /// What it is.
        found: String,
        /// What was asked for.
        expected: String,
    },
    /// Functions depend on each other in a circle.
    #[error("functions depend on each other in a circle: {}", cycle.join(" -> "))]
    Cycle {
        /// The names along the circle, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// A declared column pattern is not a valid route pattern.
    #[error("function `{function}` declares an invalid column: {source}")]
    BadDeclaration {
        /// The function.
        function: String,
        /// Why the pattern is invalid.
        #[source]
        source: cf_columns::Error,
    },
    /// A function read a column it did not declare in `uses` (or `produces`).
    #[error("function `{function}` reads column `{route}`, which it does not declare: add it to its `uses`")]
    UndeclaredRead {
        /// The function.
        function: String,
        /// The column.
        route: Route,
    },
    /// A function wrote a column it did not declare in `produces`.
    #[error("function `{function}` writes column `{route}`, which it does not declare: add it to its `produces`")]
    UndeclaredWrite {
        /// The function.
        function: String,
        /// The column.
        route: Route,
    },
    /// A function finished without producing a column it declares.
    #[error("function `{function}` declares that it produces `{route}` but did not produce it")]
    NotProduced {
        /// The function.
        function: String,
        /// The missing column.
        route: Route,
    },
    /// A function called another it did not declare in `uses` or `produces`.
    #[error("function `{function}` calls `{callee}`, which it does not declare: add it to its `uses` or `produces`")]
    UndeclaredCall {
        /// The caller.
        function: String,
        /// The function it tried to call.
        callee: String,
    },
    /// A function returned a result of another kind than it declares (a selector that returned
    /// no selection).
    #[error("function `{function}` is a {kind} but returned {returned}")]
    WrongOutcome {
        /// The function.
        function: String,
        /// Its declared kind.
        kind: String,
        /// What it returned.
        returned: &'static str,
    },
    /// A function asked for an external file the config does not name.
    #[error("no external file `{name}` in the config's `external_files` (it has: {available}); add it there")]
    MissingFile {
        /// The name asked for.
        name: String,
        /// The names the config has, comma-separated.
        available: String,
    },
    /// A function's own code failed.
    #[error("function `{function}` failed: {source}")]
    Failed {
        /// The function.
        function: String,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A column operation failed inside a function.
    #[error("function `{function}`: {source}")]
    Columns {
        /// The function.
        function: String,
        /// The column error.
        #[source]
        source: cf_columns::Error,
    },
}

/// The result type of `cf-analysis`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
