//! Event files: reading ROOT and Parquet with column projection, overlays, and atomic Parquet output.
//!
//! [`EventFile`] opens a NanoAOD ROOT file or a Parquet file (cf's nested layout, awkward's
//! records, or flat NanoAOD names such as `Jet_pt`) and offers its columns as routes. Reading
//! takes a [`cf_columns::ColumnSet`] and decodes only those columns, in batches of events.
//! [`Overlay`] stacks the column files later steps wrote on top of their input events and reads
//! them as one stream. [`EventWriter`] writes batches as LZ4 Parquet, atomically.
//!
//! # Example
//!
//! ```
//! use cf_columns::{ColumnSet, Route};
//! use cf_io::{EventFile, EventWriter};
//!
//! # let dir = tempfile::tempdir().unwrap();
//! # let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/nanoaod");
//! let input = EventFile::open(format!("{data}/nano_dy.root"))?;
//! let columns = ColumnSet::parse(["Jet.{pt,eta}", "event"]).unwrap();
//!
//! let out = dir.path().join("events.parquet");
//! let mut writer = EventWriter::try_new(&out)?;
//! for events in input.read(&columns, 16)? {
//!     writer.write(&events?)?;
//! }
//! assert_eq!(writer.finish()?, 40);
//!
//! let back = EventFile::open(&out)?;
//! assert!(back.offers(&Route::parse("Jet.eta").unwrap()));
//! # Ok::<(), cf_io::Error>(())
//! ```
#![deny(missing_docs)]

mod cf_parquet;
mod concat;
mod delta;
mod error;
mod handoff;
mod overlay;
mod parquet_source;
mod plain_writer;
mod root_source;
mod source;
mod writer;

pub use concat::concat_files;
pub use error::{Error, Result};
pub use overlay::Overlay;
pub use parquet_source::{LAYOUT_KEY, NESTED_LAYOUT};
pub use root_source::EVENTS_TREE;
pub use source::{ColumnInfo, EventFile, EventStream, Format, DEFAULT_BATCH_SIZE};
pub use writer::{temp_path, EventWriter, DEFAULT_ROW_GROUP_SIZE};

/// Drops what this process keeps of the file at `path` for its next readers (the ROOT
/// branches decoded from it, the batches written to it), so that the memory serves the files
/// after it. For when nothing will read the file again; a later read decodes it anew.
pub fn release(path: &std::path::Path) {
    if let Some(id) = cf_root::FileId::of_path(path) {
        handoff::release(id);
        cf_root::release_decoded(id);
    }
}
