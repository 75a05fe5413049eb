//! The error type of the lepton scale-factor producers and the lepton features.

use std::path::PathBuf;

/// Errors of cf-producers' lepton functions. The function's name is added by cf-analysis,
/// which reports every error as "function `name` failed: …".
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The correction file could not be loaded, or does not hold the correction asked for.
    #[error("{}: {source}", file.display())]
    Correction {
        /// The external file.
        file: PathBuf,
        /// What the correctionlib reader reported.
        #[source]
        source: cf_correction::Error,
    },
    /// The correction's inputs are not the ones the producer fills.
    #[error("{}: correction `{correction}` takes inputs ({takes}), but this producer fills ({fills}); choose a correction with those inputs", file.display())]
    Inputs {
        /// The external file.
        file: PathBuf,
        /// The correction.
        correction: String,
        /// The correction's inputs as `name: type`, in order.
        takes: String,
        /// What the producer fills, as `name: type`.
        fills: String,
    },
    /// A fixed key (year, working point, variation) is not one the correction knows.
    #[error("{}: correction `{correction}` has no `{key}` for input `{input}` (it has: {available}); set the key to one of those", file.display())]
    UnknownKey {
        /// The external file.
        file: PathBuf,
        /// The correction.
        correction: String,
        /// The input.
        input: String,
        /// The key asked for.
        key: String,
        /// The keys the correction has for that input.
        available: String,
    },
    /// `call` ran before `setup` loaded the corrections (a task skipped setup).
    #[error("the corrections are not loaded: call setup (which reads the config's external file `{file}`) before running")]
    NotSetUp {
        /// The external file setup reads.
        file: &'static str,
    },
    /// A column does not have the type NanoAOD gives it.
    #[error("column `{column}` holds {found}, but {expected} is needed; check the input file or the step that wrote the column")]
    ColumnType {
        /// The column's route.
        column: String,
        /// The type needed.
        expected: &'static str,
        /// The type found.
        found: String,
    },
    /// Two fields of one collection have different numbers of objects.
    #[error("columns `{first}` and `{second}` have different numbers of objects; they must be fields of one collection")]
    Misaligned {
        /// One column.
        first: String,
        /// The other.
        second: String,
    },
    /// Evaluating the correction failed other than by an object outside its bins.
    #[error("{}: {source}", file.display())]
    Evaluation {
        /// The external file.
        file: PathBuf,
        /// What the evaluator reported.
        #[source]
        source: cf_correction::Error,
    },
}
