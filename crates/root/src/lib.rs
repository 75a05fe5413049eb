//! Reads TTree branches of ROOT files (CMS NanoAOD) straight into Arrow arrays.
//!
//! A ROOT file is a set of *keys* (named, possibly compressed objects). A `TTree` key holds
//! the tree's metadata: its branches, each with a leaf saying the value type and, for
//! variable-length branches, the *counter* leaf (`nJet` for `Jet_pt`). The values themselves
//! sit in *baskets*: compressed blocks of consecutive entries of one branch, stored as keys of
//! their own or, when a file was closed with baskets in memory, inside the tree metadata.
//!
//! [`RootFile`] opens a file (reading with `pread`, so the handle is cheap and shareable) and
//! finds trees by name (`Events`, or `dir/sub/Events` in subdirectories); [`Tree`] describes a
//! tree and decodes entry ranges of the branches you name. Only the baskets those branches need
//! for those entries are read and decompressed (ZLIB, LZMA, LZ4, ZSTD or uncompressed).
//!
//! | branch | Arrow array |
//! |---|---|
//! | flat number (`float`, `int32_t`, ...) | `PrimitiveArray` without nulls |
//! | flat `bool` | `BooleanArray` |
//! | jagged (`float[]` with counter `nJet`) | `ListArray` (`i32` offsets, non-null field `item`) |
//!
//! Strings, objects and fixed-size arrays are listed with [`LeafType::Unsupported`]; asking to
//! read them is [`Error::UnsupportedType`].
//!
//! ## Reading many entries
//!
//! [`Tree::read`] decodes one entry range; [`Tree::chunks`] walks the whole tree in chunks,
//! decompressing a basket that spans two chunks once. Both decompress the baskets of all
//! requested branches in parallel on the rayon pool (`RAYON_NUM_THREADS` bounds it). Chunks
//! asked for on a rayon worker are decoded there, when asked for, so that a pool whose
//! workers each read their own file keeps each file's data on one core; elsewhere a
//! background thread decodes up to two chunks ahead. A [`Tree`] is cheap to clone and
//! `Send + Sync`: several threads may read from it at once.
//!
//! Decoded branches stay in a process-wide cache, per file and entry range (least recently
//! used out first, [`DEFAULT_DECODED_CACHE_BYTES`] unless [`set_decoded_cache_capacity`] says
//! otherwise), so that reading the same branches of the same unchanged file again in the same
//! chunks, as every step of a pipeline does, skips decompression and decoding.
//!
//! ## Bad input
//!
//! Every length and position read from the file is checked before use: a truncated, corrupt or
//! foreign file gives an [`Error`] naming the file and the structure (tree, branch, basket),
//! never a panic.
//!
//! # Example
//!
//! ```
//! use arrow_array::{cast::AsArray, types::Float32Type, Array};
//! use cf_root::RootFile;
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/nanoaod/nano_dy.root");
//! let file = RootFile::open(path)?;
//! let tree = file.tree("Events")?;
//! assert_eq!(tree.branch("Jet_pt").and_then(|b| b.counter()), Some("nJet"));
//!
//! // The first 10 events of two columns; jagged columns are lists.
//! let arrays = tree.read(&["nJet", "Jet_pt"], 0..10)?;
//! let jets = arrays[1].as_list::<i32>();
//! assert_eq!(jets.len(), 10);
//! let first_event_pt = jets.value(0);
//! let pt = first_event_pt.as_primitive::<Float32Type>();
//! println!("event 0 has {} jets, leading pt {:?}", pt.len(), pt.values().first());
//!
//! // The whole tree in chunks of 16 events, decoded ahead on a background thread.
//! let mut seen = 0;
//! for chunk in tree.chunks(&["Jet_pt"], 16)? {
//!     seen += chunk?.arrays[0].len() as u64;
//! }
//! assert_eq!(seen, tree.num_entries());
//! # Ok::<(), cf_root::Error>(())
//! ```
#![deny(missing_docs)]

mod cache;
mod compress;
mod cursor;
mod decode;
mod error;
mod file;
mod pool;
mod streamer;
mod tree;

pub use cache::{release_decoded, set_decoded_cache_capacity, FileId, DEFAULT_DECODED_CACHE_BYTES};
pub use error::{Error, Result};
pub use file::{KeyInfo, RootFile};
pub use tree::{Branch, Chunk, Chunks, LeafType, Tree};
