//! The error type of this crate.

use std::fmt;

use arrow_schema::DataType;

use crate::InputType;

/// Which side of a binning a value fell out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The value is below the first edge.
    Below,
    /// The value is at or above the last edge.
    Above,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Below => "below",
            Side::Above => "above",
        })
    }
}

/// Everything that can go wrong loading or evaluating corrections.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Returned when a correction file cannot be opened or read.
    #[error("cannot read correction file {file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Returned when a `.json.gz` file is not a valid single-member gzip stream.
    #[error("{file}: cannot decompress gzip data ({problem}); check that the file is a complete .json.gz")]
    Gzip {
        /// The file.
        file: String,
        /// What the decompressor reported.
        problem: String,
    },
    /// Returned when the file is not valid JSON.
    #[error("{file}: not valid JSON: {source}; check that the file is a complete correctionlib JSON file")]
    Json {
        /// The file.
        file: String,
        /// The parser error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// Returned when the file declares a schema version other than 2.
    #[error("{file}: schema_version {version} is not supported; cf evaluates correctionlib schema version 2 only (upgrade the file with correctionlib's `correction` tools)")]
    UnsupportedSchema {
        /// The file.
        file: String,
        /// The declared version, as written in the file (`missing` when absent).
        version: String,
    },
    /// Returned when the JSON is well-formed but not a valid correction (missing attribute,
    /// wrong type, inconsistent binning, unknown node type, formula syntax error, ...).
    #[error("{file}: invalid correction data at {at}: {problem}")]
    Invalid {
        /// The file.
        file: String,
        /// JSON path of the offending element, e.g. `$.corrections[2].data.content[0]`.
        at: String,
        /// What is wrong there.
        problem: String,
    },
    /// Returned when a correction name is not in the set.
    #[error("{file}: no correction named '{name}'; available: {}", .available.join(", "))]
    UnknownCorrection {
        /// The file.
        file: String,
        /// The requested name.
        name: String,
        /// Names of the corrections and compound corrections in the file.
        available: Vec<String>,
    },
    /// Returned when the number of inputs does not match the correction's declaration.
    #[error("correction '{correction}' takes {expected} inputs, got {got}")]
    InputCount {
        /// The correction.
        correction: String,
        /// Declared number of inputs.
        expected: usize,
        /// Number given.
        got: usize,
    },
    /// Returned when a scalar input has the wrong type (e.g. a string for a real input).
    #[error("correction '{correction}': input '{input}' must be {expected}, got {got}")]
    InputType {
        /// The correction.
        correction: String,
        /// The input's name.
        input: String,
        /// Declared type.
        expected: InputType,
        /// Type given.
        got: InputType,
    },
    /// Returned when a value falls outside a binning whose flow is `error`.
    #[error("correction '{correction}': input '{input}' value {value} is {side} the bin edges (flow is 'error')")]
    OutOfRange {
        /// The correction evaluated (the constituent, for a compound correction).
        correction: String,
        /// The input's name.
        input: String,
        /// The value that fell outside.
        value: f64,
        /// Which side.
        side: Side,
    },
    /// Returned when a category has no entry for a key and no default.
    #[error("correction '{correction}': input '{input}' has no category '{key}' and there is no default")]
    UnknownCategory {
        /// The correction evaluated (the constituent, for a compound correction).
        correction: String,
        /// The input's name.
        input: String,
        /// The key looked up.
        key: String,
    },
    /// Returned when an Arrow array's type cannot feed an input (e.g. floats for an `int` input).
    #[error("correction '{correction}': input '{input}' ({expected}) cannot be read from an Arrow array of type {data_type}")]
    ColumnType {
        /// The correction.
        correction: String,
        /// The input's name.
        input: String,
        /// Declared type.
        expected: InputType,
        /// The array's type.
        data_type: DataType,
    },
    /// Returned when array inputs have different lengths (flat arrays must match each other,
    /// or the number of lists of the jagged inputs).
    #[error("correction '{correction}': input '{input}' has length {got}, expected {expected}")]
    ColumnLength {
        /// The correction.
        correction: String,
        /// The input's name.
        input: String,
        /// Expected length.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// Returned when jagged inputs do not share the same list offsets.
    #[error("correction '{correction}': jagged input '{input}' has different list lengths than the other jagged inputs")]
    OffsetsMismatch {
        /// The correction.
        correction: String,
        /// The input's name.
        input: String,
    },
    /// Returned when an array input contains nulls (corrections are defined for values only).
    #[error("correction '{correction}': input '{input}' contains nulls; fill or drop them first")]
    NullInput {
        /// The correction.
        correction: String,
        /// The input's name.
        input: String,
    },
    /// Wraps an evaluation error of one element of a vectorised evaluation.
    #[error("at element {index}: {source}")]
    Element {
        /// Index of the element in the flattened output.
        index: usize,
        /// The error for that element.
        #[source]
        source: Box<Error>,
    },
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
