//! Event files, whatever their format: the columns they offer and streams of event batches.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow_schema::DataType;
use cf_columns::{ColumnSet, Events, Route};

use crate::error::{Error, Result};
use crate::parquet_source::ParquetSource;
use crate::root_source::RootSource;

/// Events per batch when the caller has no preference: large enough that per-batch costs vanish,
/// small enough that a batch's buffers are reused by the allocator and stay warm in cache
/// (reading the AGC columns from Parquet measured ~25% faster than with 100k-event batches).
pub const DEFAULT_BATCH_SIZE: usize = 16_384;

/// A stream of event batches, all with the same columns, in file order.
pub type EventStream = Box<dyn Iterator<Item = Result<Events>> + Send>;

/// The on-disk format of an event file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A ROOT file with an `Events` TTree (NanoAOD).
    Root,
    /// A Parquet file, in cf's nested layout or with flat NanoAOD names.
    Parquet,
}

/// One column an event file offers.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnInfo {
    /// The column's route (`Jet.pt`).
    pub route: Route,
    /// Its name in the file: the branch (`Jet_pt`) or the Parquet column path.
    pub name: String,
    /// The type of one value (`Float32` for `Jet.pt`), `None` when cf cannot read it.
    pub data_type: Option<DataType>,
    /// True when the column holds a list of values per event.
    pub jagged: bool,
}

/// An opened event file: its columns and number of events, ready to be read in batches.
///
/// ```no_run
/// use cf_columns::ColumnSet;
/// use cf_io::EventFile;
///
/// let file = EventFile::open("nano.root")?;
/// let columns = ColumnSet::parse(["Jet.{pt,eta}", "event"]).unwrap();
/// for batch in file.read(&columns, 50_000)? {
///     let events = batch?;
///     println!("{} events", events.num_events());
/// }
/// # Ok::<(), cf_io::Error>(())
/// ```
#[derive(Debug)]
pub struct EventFile {
    path: PathBuf,
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Root(RootSource),
    Parquet(ParquetSource),
}

impl EventFile {
    /// Opens a ROOT or Parquet file (told apart by its first bytes) and reads its metadata.
    pub fn open(path: impl AsRef<Path>) -> Result<EventFile> {
        let path = path.as_ref().to_path_buf();
        let inner = match sniff(&path)? {
            Format::Root => Inner::Root(RootSource::open(&path)?),
            Format::Parquet => Inner::Parquet(ParquetSource::open(&path)?),
        };
        Ok(EventFile { path, inner })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        match self.inner {
            Inner::Root(_) => Format::Root,
            Inner::Parquet(_) => Format::Parquet,
        }
    }

    /// Number of events in the file.
    pub fn num_events(&self) -> u64 {
        match &self.inner {
            Inner::Root(s) => s.num_events(),
            Inner::Parquet(s) => s.num_events(),
        }
    }

    /// Every column the file offers, as routes.
    pub fn columns(&self) -> &[ColumnInfo] {
        match &self.inner {
            Inner::Root(s) => s.columns(),
            Inner::Parquet(s) => s.columns(),
        }
    }

    /// True when the file has a column at or below `route` (`Jet` is offered when `Jet.pt` is).
    pub fn offers(&self, route: &Route) -> bool {
        self.columns().iter().any(|c| c.route.is_within(route))
    }

    /// Reads the columns in `columns` (whole collections or single fields; indices are ignored)
    /// in batches of `batch_size` events. Nothing else is decoded. A file without events yields
    /// one empty batch, so that the columns' types are still known.
    pub fn read(&self, columns: &ColumnSet, batch_size: usize) -> Result<EventStream> {
        let picked = self.resolve(columns)?;
        let batch_size = batch_size.max(1);
        match &self.inner {
            Inner::Root(s) => s.read(&picked, batch_size),
            Inner::Parquet(s) => s.read(&picked, batch_size),
        }
    }

    /// Indices into [`EventFile::columns`] of every column below a requested route.
    fn resolve(&self, columns: &ColumnSet) -> Result<Vec<usize>> {
        let mut picked = Vec::new();
        for route in columns.columns().iter() {
            let before = picked.len();
            picked.extend(
                self.columns()
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.route.is_within(route))
                    .map(|(i, _)| i),
            );
            if picked.len() == before {
                return Err(Error::MissingColumn {
                    path: self.path.clone(),
                    route: route.clone(),
                    branch: route.to_branch(),
                });
            }
        }
        picked.sort_unstable();
        picked.dedup();
        for &i in &picked {
            let column = &self.columns()[i];
            if column.data_type.is_none() {
                return Err(Error::UnsupportedType {
                    path: self.path.clone(),
                    route: column.route.clone(),
                    found: column.name.clone(),
                });
            }
        }
        Ok(picked)
    }
}

fn sniff(path: &Path) -> Result<Format> {
    let mut magic = [0u8; 4];
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut filled = 0;
    while filled < magic.len() {
        match file
            .read(&mut magic[filled..])
            .map_err(|e| Error::io(path, e))?
        {
            0 => break,
            n => filled += n,
        }
    }
    match &magic[..filled] {
        b"root" => Ok(Format::Root),
        b"PAR1" => Ok(Format::Parquet),
        _ => Err(Error::UnknownFormat {
            path: path.to_path_buf(),
        }),
    }
}
