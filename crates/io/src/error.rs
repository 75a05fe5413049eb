//! The error type of `cf-io`.

use std::path::PathBuf;

use cf_columns::Route;

/// Errors reading or writing event files.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened, read or written by the operating system.
    #[error("cannot access {}: {source} (check that the path exists and is readable)", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The file is neither ROOT nor Parquet.
    #[error("{} is neither a ROOT nor a Parquet file (by its first bytes); pass a .root or .parquet file", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// A Parquet file could not be read or written.
    #[error("Parquet file {}: {source}; the file may be truncated or not Parquet, write it again", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The Parquet library's error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// Reading a ROOT file failed (the error names the file and branch).
    #[error(transparent)]
    Root(#[from] cf_root::Error),
    /// A requested column is not in the file.
    #[error("{} has no column `{route}` (branch `{branch}`); check the column name, or the step that should produce it", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The requested route.
        route: Route,
        /// The NanoAOD branch name it maps to.
        branch: String,
    },
    /// A column operation failed while assembling events from a file.
    #[error("{}: {source}", path.display())]
    Columns {
        /// The file whose columns were being assembled.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: cf_columns::Error,
    },
    /// A file holds a column type cf does not read.
    #[error("{}: column `{route}` has type {found}, which cf does not read; leave it out of the columns", path.display())]
    UnsupportedType {
        /// The file.
        path: PathBuf,
        /// The column.
        route: Route,
        /// Its type.
        found: String,
    },
    /// An overlay has a different number of events than the file it overlays.
    #[error(
        "overlay {} has {overlay_events} events but {} has {base_events}; overlays must be written row by row \
         from the same events (remove the overlay and rerun the step that wrote it)",
        overlay.display(), base.display()
    )]
    RowCountMismatch {
        /// The base (or earlier) file.
        base: PathBuf,
        /// Its events.
        base_events: u64,
        /// The overlay.
        overlay: PathBuf,
        /// Its events.
        overlay_events: u64,
    },
    /// In strict mode, two sources provide the same column.
    #[error(
        "column `{route}` of {} would replace the one from {}; in strict mode a column may come from one \
         source only (rename the produced column, or turn strict mode off to let the later source win)",
        later.display(), earlier.display()
    )]
    Conflict {
        /// The column.
        route: Route,
        /// The source it came from first.
        earlier: PathBuf,
        /// The source that would replace it.
        later: PathBuf,
    },
    /// A writer was finished without any batch, so the file's columns are unknown.
    #[error("no events were written to {}: write at least one (possibly empty) batch before finishing", path.display())]
    NothingWritten {
        /// The file that was to be written.
        path: PathBuf,
    },
    /// Batches written to one file must share one schema.
    #[error("{}: batch {batch} has columns {found}, but the file was started with {expected}", path.display())]
    SchemaChanged {
        /// The file being written.
        path: PathBuf,
        /// The batch number.
        batch: usize,
        /// The schema of the first batch.
        expected: String,
        /// The schema of this batch.
        found: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn parquet(path: impl Into<PathBuf>, source: parquet::errors::ParquetError) -> Self {
        Error::Parquet {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn columns(path: impl Into<PathBuf>, source: cf_columns::Error) -> Self {
        Error::Columns {
            path: path.into(),
            source,
        }
    }
}

/// The result type of `cf-io`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
