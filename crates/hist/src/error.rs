//! The one error type of cf-hist.

use std::path::PathBuf;

/// What went wrong while building, filling, combining, reading or writing a histogram.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An axis was described with impossible parameters.
    #[error("invalid axis `{axis}`: {reason}; fix the axis definition")]
    InvalidAxis {
        /// Name of the axis (may be empty).
        axis: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The axes would make more bins than [`crate::MAX_BINS`].
    #[error("axes with extents {shape:?} make too many bins; use fewer or coarser axes")]
    TooLarge {
        /// Extent of each axis.
        shape: Vec<usize>,
    },
    /// A fill got a different number of input columns than the histogram has axes.
    #[error("histogram `{histogram}` has {expected} axes but the fill got {got} columns; pass one column per axis")]
    ColumnCount {
        /// Histogram name.
        histogram: String,
        /// Number of axes.
        expected: usize,
        /// Number of columns passed.
        got: usize,
    },
    /// Input columns (or the weight column) have different numbers of events.
    #[error("column for axis `{axis}` has {got} events but the first column has {expected}; all columns must be row-aligned")]
    LengthMismatch {
        /// Axis name (or `weight`).
        axis: String,
        /// Events in the first column.
        expected: usize,
        /// Events in this column.
        got: usize,
    },
    /// Two per-object (jagged) inputs disagree on the number of objects in one event.
    #[error("jagged column for `{axis}` has {got} objects in event {event} but `{reference}` has {expected}; per-object columns must come from the same collection")]
    JaggedMismatch {
        /// Axis (or `weight`) whose column disagrees.
        axis: String,
        /// Axis of the reference column.
        reference: String,
        /// Event (row) index.
        event: usize,
        /// Objects in the reference column.
        expected: usize,
        /// Objects in this column.
        got: usize,
    },
    /// A column has an Arrow type this axis cannot be filled from.
    #[error(
        "column for axis `{axis}` has type {data_type}, which this axis cannot take: {expected}"
    )]
    UnsupportedType {
        /// Axis name (or `weight`).
        axis: String,
        /// The Arrow type received.
        data_type: String,
        /// What would be accepted.
        expected: &'static str,
    },
    /// A record batch lacks a column the fill names.
    #[error("no column `{column}` in the batch (columns: {available:?}); check the column names")]
    NoSuchColumn {
        /// The missing column.
        column: String,
        /// Columns the batch has.
        available: Vec<String>,
    },
    /// Weights were passed to a histogram with count storage.
    #[error("histogram `{histogram}` has count storage, which takes no weights; use Storage::Weight or Storage::Double")]
    WeightOnCount {
        /// Histogram name.
        histogram: String,
    },
    /// Two histograms cannot be added: the message names what differs.
    #[error("cannot combine histograms `{left}` and `{right}`: {what}")]
    Incompatible {
        /// Name of the left histogram.
        left: String,
        /// Name of the right histogram.
        right: String,
        /// What differs (axis name and property, or storage).
        what: String,
    },
    /// An axis was named or numbered that the histogram does not have.
    #[error("histogram `{histogram}` has no axis `{axis}`")]
    NoSuchAxis {
        /// Histogram name.
        histogram: String,
        /// The requested axis (name or index).
        axis: String,
    },
    /// An operation does not apply to this kind of axis or these arguments.
    #[error("cannot {operation} on axis `{axis}`: {reason}")]
    BadOperation {
        /// What was attempted (rebin, slice, select...).
        operation: &'static str,
        /// Axis name.
        axis: String,
        /// Why it cannot be done.
        reason: String,
    },
    /// A category that is not on the axis was requested.
    #[error("axis `{axis}` has no category `{category}`")]
    NoSuchCategory {
        /// Axis name.
        axis: String,
        /// The requested category.
        category: String,
    },
    /// A writer was given a histogram its format cannot hold.
    #[error("cannot write histogram `{histogram}` as {format}: {reason}")]
    Unwritable {
        /// Histogram name.
        histogram: String,
        /// Target format.
        format: &'static str,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("i/o error on {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A cf binary histogram is truncated, corrupt or of an unknown version.
    #[error("corrupt cf histogram data ({what}); the file is damaged or not a cf histogram, re-create it")]
    Corrupt {
        /// What check failed.
        what: String,
    },
    /// A UHI JSON document does not describe a histogram cf can hold.
    #[error("invalid UHI JSON at `{at}`: {reason}")]
    Json {
        /// JSON path of the offending item.
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// A datacard description is inconsistent.
    #[error("invalid datacard: {reason}")]
    Datacard {
        /// What is inconsistent, naming channel/process/systematic.
        reason: String,
    },
}

/// Result with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}
