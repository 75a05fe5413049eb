//! Event files: Parquet and ROOT sources with column projection, overlays, and atomic Parquet output.
#![deny(missing_docs)]
