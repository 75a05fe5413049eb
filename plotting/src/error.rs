//! The crate's error type.

use std::path::PathBuf;

/// What went wrong while preparing, drawing or writing a plot.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A histogram's bin edges cannot be drawn.
    #[error("{what}: bin edges {reason}; give at least two finite, strictly increasing edges")]
    BadEdges {
        /// Which input (e.g. `process "tt"`, `data`).
        what: String,
        /// What is wrong with them.
        reason: String,
    },
    /// An array does not have the length its binning asks for.
    #[error("{what}: {field} has {found} entries but the binning has {expected} bins")]
    Length {
        /// Which input.
        what: String,
        /// Which array (`values`, `variances`, ...).
        field: &'static str,
        /// Entries expected.
        expected: usize,
        /// Entries found.
        found: usize,
    },
    /// Two inputs of one plot have different bin edges.
    #[error("{what}: bin edges differ from {reference}'s; rebin both to the same binning")]
    EdgesDiffer {
        /// The input whose edges differ.
        what: String,
        /// The input it was compared with.
        reference: String,
    },
    /// A colour string is not `#rrggbb`.
    #[error("colour {value:?} is not of the form #rrggbb")]
    BadColor {
        /// The string given.
        value: String,
    },
    /// A cf histogram cannot be turned into plot input.
    #[error("histogram {name:?}: {reason}")]
    Histogram {
        /// The histogram's name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The plot has nothing that sets its contents (no process, no step, ...).
    #[error("{0}")]
    Empty(String),
    /// The requested image size is unusable.
    #[error("image size {width}x{height} is outside 64..=8192 pixels per side")]
    Size {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
    },
    /// A file name's extension is not a known image format.
    #[error("{path}: unknown plot format (use .png, .svg or .pdf)")]
    UnknownFormat {
        /// The path.
        path: PathBuf,
    },
    /// A format name is not `png`, `svg` or `pdf`.
    #[error("unknown plot format {0:?} (use png, svg or pdf)")]
    FormatName(String),
    /// plotters failed to draw.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
    /// The SVG could not be converted to PDF.
    #[error("PDF conversion failed: {0}")]
    Pdf(String),
    /// Writing the output file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Short for `std::result::Result<T, cf_plot::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
