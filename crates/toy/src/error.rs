//! The error type of `cf-toy`.

use std::path::PathBuf;

/// Errors writing toy event files.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The output file or its directory could not be created, written or renamed.
    #[error("cannot write {}: {source} (check that the directory is writable and the disk not full)", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The Parquet encoder failed.
    #[error("cannot encode Parquet file {}: {source}", path.display())]
    Parquet {
        /// The file being written.
        path: PathBuf,
        /// The Parquet library's error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// The requested events run past the largest event index.
    #[error("events {first_event}.. (+{n}) of model `{model}` run past event index 2^64-1; ask for fewer events or start earlier")]
    EventRange {
        /// The model asked for.
        model: &'static str,
        /// The first event index asked for.
        first_event: u64,
        /// The number of events asked for.
        n: u64,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn parquet(
        path: impl Into<PathBuf>,
        source: parquet::errors::ParquetError,
    ) -> Error {
        Error::Parquet {
            path: path.into(),
            source,
        }
    }
}
