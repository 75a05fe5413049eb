//! Trees and branches: metadata, and reading entry ranges of branches into Arrow arrays.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::mpsc::{sync_channel, Receiver, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;

use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field};
use rayon::prelude::*;

use crate::compress::decompress;
use crate::cursor::{Cursor, Parse};
use crate::decode::{build, check_offsets, Basket, Piece};
use crate::error::{Error, Result};
use crate::file::{Key, Source};
use crate::pool;
use crate::streamer::{basket_header, parse_tree, EmbeddedBasket, RawBranch, RawLeaf};

/// The value type of a branch (of each element, for jagged branches).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LeafType {
    /// `bool` (`TLeafO`).
    Bool,
    /// `int8_t` (`TLeafB`).
    I8,
    /// `uint8_t` (unsigned `TLeafB`).
    U8,
    /// `int16_t` (`TLeafS`).
    I16,
    /// `uint16_t` (unsigned `TLeafS`).
    U16,
    /// `int32_t` (`TLeafI`).
    I32,
    /// `uint32_t` (unsigned `TLeafI`).
    U32,
    /// `int64_t` (`TLeafL`).
    I64,
    /// `uint64_t` (unsigned `TLeafL`).
    U64,
    /// `float` (`TLeafF`).
    F32,
    /// `double` (`TLeafD`).
    F64,
    /// Anything else (strings, objects, fixed-size arrays, leaf lists), with ROOT's name for it.
    Unsupported(String),
}

impl LeafType {
    /// The Arrow type of one value, `None` for [`LeafType::Unsupported`].
    pub fn arrow_type(&self) -> Option<DataType> {
        Some(match self {
            LeafType::Bool => DataType::Boolean,
            LeafType::I8 => DataType::Int8,
            LeafType::U8 => DataType::UInt8,
            LeafType::I16 => DataType::Int16,
            LeafType::U16 => DataType::UInt16,
            LeafType::I32 => DataType::Int32,
            LeafType::U32 => DataType::UInt32,
            LeafType::I64 => DataType::Int64,
            LeafType::U64 => DataType::UInt64,
            LeafType::F32 => DataType::Float32,
            LeafType::F64 => DataType::Float64,
            LeafType::Unsupported(_) => return None,
        })
    }

    /// Bytes per value in a basket.
    pub(crate) fn size(&self) -> Option<usize> {
        Some(match self {
            LeafType::Bool | LeafType::I8 | LeafType::U8 => 1,
            LeafType::I16 | LeafType::U16 => 2,
            LeafType::I32 | LeafType::U32 | LeafType::F32 => 4,
            LeafType::I64 | LeafType::U64 | LeafType::F64 => 8,
            LeafType::Unsupported(_) => return None,
        })
    }

    /// The C++ name of the type, as uproot prints it (`float`, `uint8_t`, ...).
    pub fn type_name(&self) -> &str {
        match self {
            LeafType::Bool => "bool",
            LeafType::I8 => "int8_t",
            LeafType::U8 => "uint8_t",
            LeafType::I16 => "int16_t",
            LeafType::U16 => "uint16_t",
            LeafType::I32 => "int32_t",
            LeafType::U32 => "uint32_t",
            LeafType::I64 => "int64_t",
            LeafType::U64 => "uint64_t",
            LeafType::F32 => "float",
            LeafType::F64 => "double",
            LeafType::Unsupported(name) => name,
        }
    }

    fn of_leaf(leaf: &RawLeaf) -> LeafType {
        let u = leaf.unsigned;
        match leaf.class.as_str() {
            "TLeafO" => LeafType::Bool,
            "TLeafB" if u => LeafType::U8,
            "TLeafB" => LeafType::I8,
            "TLeafS" if u => LeafType::U16,
            "TLeafS" => LeafType::I16,
            "TLeafI" if u => LeafType::U32,
            "TLeafI" => LeafType::I32,
            "TLeafL" | "TLeafG" if u => LeafType::U64,
            "TLeafL" | "TLeafG" => LeafType::I64,
            "TLeafF" => LeafType::F32,
            "TLeafD" => LeafType::F64,
            "TLeafC" => LeafType::Unsupported("string (TLeafC)".to_string()),
            "TLeafElement" => LeafType::Unsupported("object (TLeafElement)".to_string()),
            other => LeafType::Unsupported(other.to_string()),
        }
    }
}

/// Where one basket of a branch lives.
#[derive(Debug, Clone)]
enum BasketSource {
    /// Its own key in the file.
    Disk { seek: u64, bytes: usize },
    /// Inside the TTree metadata.
    Embedded(Arc<EmbeddedBasket>),
}

#[derive(Debug, Clone)]
struct BasketLoc {
    first: u64,
    end: u64,
    source: BasketSource,
}

/// A branch: one column of a tree.
#[derive(Debug, Clone)]
pub struct Branch {
    name: String,
    leaf_type: LeafType,
    counter: Option<String>,
    baskets: Vec<BasketLoc>,
    /// Why the branch cannot be read, found while reading the metadata; reported when the
    /// branch is requested, so one bad branch does not hide the others.
    broken: Option<String>,
}

impl Branch {
    /// The branch name, e.g. `Jet_pt`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value type (of each element for jagged branches).
    pub fn leaf_type(&self) -> LeafType {
        self.leaf_type.clone()
    }

    /// The leaf holding the per-entry count of a jagged branch, e.g. `nJet`.
    pub fn counter(&self) -> Option<&str> {
        self.counter.as_deref()
    }

    /// Whether entries hold a variable number of values.
    pub fn is_jagged(&self) -> bool {
        self.counter.is_some()
    }

    /// The Arrow type [`Tree::read`] returns for this branch: the value type, or a list of it
    /// for jagged branches; `None` for unsupported types.
    pub fn arrow_type(&self) -> Option<DataType> {
        let item = self.leaf_type.arrow_type()?;
        Some(if self.is_jagged() {
            DataType::List(Arc::new(Field::new("item", item, false)))
        } else {
            item
        })
    }

    /// The type as uproot prints it: `float`, or `float[]` for jagged branches.
    pub fn type_name(&self) -> String {
        if self.is_jagged() {
            format!("{}[]", self.leaf_type.type_name())
        } else {
            self.leaf_type.type_name().to_string()
        }
    }

    fn from_raw(mut raw: RawBranch, tree_entries: u64, out: &mut Vec<Branch>) {
        let (leaf_type, counter) = match raw.leaves.as_slice() {
            [leaf] if leaf.len == 1 => (LeafType::of_leaf(leaf), leaf.count.clone()),
            [leaf] => {
                let base = LeafType::of_leaf(leaf);
                let name = format!("{}[{}]", base.type_name(), leaf.len);
                (LeafType::Unsupported(name), leaf.count.clone())
            }
            [] => (LeafType::Unsupported(raw.class.clone()), None),
            _ => (LeafType::Unsupported("leaf list".to_string()), None),
        };
        let leaf_type = if raw.class == "TBranch" {
            leaf_type
        } else {
            LeafType::Unsupported(raw.class.clone())
        };
        let (baskets, broken) = match basket_locations(&mut raw, tree_entries) {
            Ok(b) => (b, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        out.push(Branch {
            name: raw.name,
            leaf_type,
            counter,
            baskets,
            broken,
        });
        for sub in raw.branches {
            Branch::from_raw(sub, tree_entries, out);
        }
    }
}

/// Where the baskets of a branch are; they must cover all entries of the tree, in order.
fn basket_locations(raw: &mut RawBranch, tree_entries: u64) -> Parse<Vec<BasketLoc>> {
    let mut baskets = Vec::new();
    let mut next = 0u64;
    for i in 0..raw.write_basket {
        let first = raw.basket_entry[i];
        let end = raw.basket_entry.get(i + 1).copied().unwrap_or(raw.entries);
        let (seek, bytes) = (raw.basket_seek[i], raw.basket_bytes[i]);
        if first != next as i64 || end < first || seek <= 0 || bytes <= 0 {
            return Err(format!(
                "basket {i} has entries {first}..{end} (expected to start at {next}), position {seek}, size {bytes}"
            ));
        }
        baskets.push(BasketLoc {
            first: first as u64,
            end: end as u64,
            source: BasketSource::Disk {
                seek: seek as u64,
                bytes: bytes as usize,
            },
        });
        next = end as u64;
    }
    for e in std::mem::take(&mut raw.embedded) {
        let end = next + e.entries as u64;
        baskets.push(BasketLoc {
            first: next,
            end,
            source: BasketSource::Embedded(Arc::new(e)),
        });
        next = end;
    }
    if next < tree_entries {
        return Err(format!(
            "its baskets hold {next} of the tree's {tree_entries} entries"
        ));
    }
    baskets.retain(|b| b.end > b.first);
    Ok(baskets)
}

#[derive(Debug)]
struct TreeInner {
    src: Arc<Source>,
    /// Where the tree's key sits in the file: tells trees of one file apart in the cache.
    at: u64,
    name: String,
    entries: u64,
    branches: Vec<Branch>,
    index: HashMap<String, usize>,
}

/// A TTree: named branches over `num_entries()` entries.
///
/// Cloning is cheap (shared metadata), and a `Tree` is `Send + Sync`, so several threads can
/// read from one tree.
#[derive(Debug, Clone)]
pub struct Tree {
    inner: Arc<TreeInner>,
}

/// Baskets decoded for one chunk that the next chunk may still need.
type BasketCache = HashMap<(usize, usize), Arc<Basket>>;

impl Tree {
    pub(crate) fn from_key(src: Arc<Source>, key: &Key) -> Result<Tree> {
        let buf = src.read_object(key)?;
        let what = || format!("TTree {:?}", key.name);
        let raw = parse_tree(&buf, key.keylen as usize).map_err(|e| src.malformed(what(), e))?;
        let entries = raw.entries as u64;
        let mut branches = Vec::new();
        for b in raw.branches {
            Branch::from_raw(b, entries, &mut branches);
        }
        let index = branches
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name.clone(), i))
            .collect();
        Ok(Tree {
            inner: Arc::new(TreeInner {
                src,
                at: key.seek_key,
                name: key.name.clone(),
                entries,
                branches,
                index,
            }),
        })
    }

    /// The tree name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Number of entries (events).
    pub fn num_entries(&self) -> u64 {
        self.inner.entries
    }

    /// All branches, in file order.
    pub fn branches(&self) -> &[Branch] {
        &self.inner.branches
    }

    /// The branch called `name`.
    pub fn branch(&self, name: &str) -> Option<&Branch> {
        self.inner.index.get(name).map(|&i| &self.inner.branches[i])
    }

    /// Decodes the named branches for entries in `range`; nothing else is decompressed.
    ///
    /// Returns one array per name, in order: a primitive (or boolean) array for flat
    /// branches, a `ListArray` with `i32` offsets for jagged ones. Baskets of all branches are
    /// decompressed in parallel.
    pub fn read(&self, names: &[&str], range: Range<u64>) -> Result<Vec<ArrayRef>> {
        let ids = self.resolve(names)?;
        self.check_range(&range)?;
        self.inner.read(&ids, range, &mut HashMap::new())
    }

    /// Iterates over chunks of `chunk_entries` entries (the last may be shorter; 0 is taken
    /// as 1) of the named branches; a basket spanning two chunks is decompressed once. A tree
    /// without entries yields no chunk.
    ///
    /// Called from outside the rayon pool, a background thread decodes at most two chunks
    /// ahead of the consumer, so decoding overlaps the consumer's work and memory stays
    /// bounded. Called on a rayon worker (a pool whose workers each take a file), each chunk
    /// is decoded on that worker when asked for, so the file's data stays in that core's
    /// cache, and other workers help decompress only when they have nothing else to do.
    pub fn chunks(&self, names: &[&str], chunk_entries: u64) -> Result<Chunks> {
        let mut reader = ChunkReader {
            inner: self.inner.clone(),
            ids: self.resolve(names)?,
            step: chunk_entries.max(1),
            start: 0,
            cache: BasketCache::new(),
        };
        if rayon::current_thread_index().is_some() {
            return Ok(Chunks(ChunkSource::Inline(reader)));
        }
        let (tx, rx) = sync_channel(AHEAD);
        let worker = std::thread::Builder::new()
            .name(format!("cf-root chunks {}", self.inner.name))
            .spawn(move || {
                while let Some(chunk) = reader.next() {
                    if tx.send(chunk).is_err() {
                        return;
                    }
                }
            })
            .map_err(|source| Error::Io {
                file: self.inner.src.path.clone(),
                source,
            })?;
        Ok(Chunks(ChunkSource::Ahead {
            rx: Some(rx),
            worker: Some(worker),
        }))
    }

    fn resolve(&self, names: &[&str]) -> Result<Vec<usize>> {
        names
            .iter()
            .map(|&name| {
                let &i = self
                    .inner
                    .index
                    .get(name)
                    .ok_or_else(|| Error::NoSuchBranch {
                        file: self.inner.src.path.clone(),
                        tree: self.inner.name.clone(),
                        branch: name.to_string(),
                    })?;
                let b = &self.inner.branches[i];
                if let LeafType::Unsupported(t) = &b.leaf_type {
                    return Err(Error::UnsupportedType {
                        file: self.inner.src.path.clone(),
                        branch: name.to_string(),
                        type_name: t.clone(),
                    });
                }
                if let Some(reason) = &b.broken {
                    return Err(self.inner.src.malformed(
                        format!("branch {name} of tree {}", self.inner.name),
                        reason.clone(),
                    ));
                }
                Ok(i)
            })
            .collect()
    }

    fn check_range(&self, range: &Range<u64>) -> Result<()> {
        if range.start > range.end || range.end > self.inner.entries {
            return Err(Error::EntryRange {
                file: self.inner.src.path.clone(),
                tree: self.inner.name.clone(),
                start: range.start,
                end: range.end,
                num_entries: self.inner.entries,
            });
        }
        Ok(())
    }
}

/// Chunks decoded ahead of the consumer.
const AHEAD: usize = 2;

/// Walks a tree in chunks of `step` entries, keeping the baskets the next chunk shares; ends
/// after the first chunk that fails.
#[derive(Debug)]
struct ChunkReader {
    inner: Arc<TreeInner>,
    ids: Vec<usize>,
    step: u64,
    start: u64,
    cache: BasketCache,
}

impl ChunkReader {
    fn next(&mut self) -> Option<Result<Chunk>> {
        if self.start >= self.inner.entries {
            return None;
        }
        let range = self.start..self.start.saturating_add(self.step).min(self.inner.entries);
        let arrays = self.inner.read(&self.ids, range.clone(), &mut self.cache);
        self.start = if arrays.is_ok() {
            range.end
        } else {
            self.inner.entries
        };
        Some(arrays.map(|arrays| Chunk { range, arrays }))
    }
}

impl TreeInner {
    fn read(
        &self,
        ids: &[usize],
        range: Range<u64>,
        cache: &mut BasketCache,
    ) -> Result<Vec<ArrayRef>> {
        // Branches an earlier read of this file already decoded for these entries.
        let mut arrays: Vec<Option<ArrayRef>> = ids
            .iter()
            .map(|&b| crate::cache::get(self.src.id, self.at, b, &range))
            .collect();
        let missing: Vec<usize> = ids
            .iter()
            .zip(&arrays)
            .filter(|(_, a)| a.is_none())
            .map(|(&b, _)| b)
            .collect();
        // Every basket a missing branch needs, minus those already decompressed.
        let mut needed: Vec<(usize, usize)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for &b in &missing {
            for (k, loc) in self.branches[b].baskets.iter().enumerate() {
                let overlaps = loc.end > range.start && loc.first < range.end;
                if overlaps && !cache.contains_key(&(b, k)) && seen.insert((b, k)) {
                    needed.push((b, k));
                }
            }
        }
        let loaded = needed
            .par_iter()
            .map(|&(b, k)| self.load(b, k).map(|basket| ((b, k), Arc::new(basket))))
            .collect::<Result<Vec<_>>>()?;
        cache.extend(loaded);
        let decoded = missing
            .par_iter()
            .map(|&b| self.assemble(b, &range, cache))
            .collect::<Result<Vec<_>>>()?;
        for (b, array) in missing.iter().zip(decoded) {
            crate::cache::insert(self.src.id, self.at, *b, &range, &array);
            for (slot, _) in arrays.iter_mut().zip(ids).filter(|(_, &id)| id == *b) {
                *slot = Some(Arc::clone(&array));
            }
        }
        cache.retain(|&(b, k), _| self.branches[b].baskets[k].end > range.end);
        Ok(arrays
            .into_iter()
            .map(|a| a.expect("every branch decoded or cached"))
            .collect())
    }

    fn assemble(&self, b: usize, range: &Range<u64>, cache: &BasketCache) -> Result<ArrayRef> {
        let branch = &self.branches[b];
        let mut pieces = Vec::new();
        for (k, loc) in branch.baskets.iter().enumerate() {
            if loc.end <= range.start || loc.first >= range.end {
                continue;
            }
            let basket = cache.get(&(b, k)).ok_or_else(|| {
                self.src
                    .malformed(format!("branch {}", branch.name), "basket not loaded")
            })?;
            pieces.push(Piece {
                basket,
                from: range.start.max(loc.first) - loc.first,
                to: range.end.min(loc.end) - loc.first,
            });
        }
        build(&branch.leaf_type, branch.is_jagged(), &pieces).map_err(|e| {
            self.src
                .malformed(format!("branch {} of tree {}", branch.name, self.name), e)
        })
    }

    fn load(&self, b: usize, k: usize) -> Result<Basket> {
        let branch = &self.branches[b];
        let loc = &branch.baskets[k];
        let what = || format!("basket {k} of branch {}", branch.name);
        let basket = match &loc.source {
            BasketSource::Embedded(e) => Basket {
                entries: e.entries as u64,
                data: e.data.clone(),
                offsets: e.offsets.clone(),
            },
            BasketSource::Disk { seek, bytes } => {
                let raw = self.src.read(*seek, *bytes, &what)?;
                let basket = self.disk_basket(&raw, &what);
                pool::give(raw);
                basket?
            }
        };
        if basket.entries < loc.end - loc.first {
            return Err(self.src.malformed(
                what(),
                format!(
                    "holds {} entries, the branch expects {}",
                    basket.entries,
                    loc.end - loc.first
                ),
            ));
        }
        if let Some(offs) = &basket.offsets {
            check_offsets(offs, basket.data.len()).map_err(|e| self.src.malformed(what(), e))?;
        }
        Ok(basket)
    }

    fn disk_basket(&self, raw: &[u8], what: &dyn Fn() -> String) -> Result<Basket> {
        let mut c = Cursor::new(raw, 0);
        let h = basket_header(&mut c).map_err(|e| self.src.malformed(what(), e))?;
        let body = raw
            .get(h.keylen..h.nbytes.min(raw.len()))
            .ok_or_else(|| self.src.malformed(what(), "key length beyond the basket"))?;
        let mut data = decompress(body, h.objlen).map_err(|reason| Error::Decompress {
            file: self.src.path.clone(),
            what: what(),
            reason,
        })?;
        let border = h.last - h.keylen;
        if border > data.len() {
            return Err(self.src.malformed(
                what(),
                format!("data ends at {border}, past the {}-byte basket", data.len()),
            ));
        }
        let offsets = if border < data.len() {
            let offs =
                (|| -> Parse<Vec<i32>> {
                    let mut t = Cursor::new(&data[border..], 0);
                    let n = t.count("entry offset count")?;
                    let entries = h.entries as usize;
                    if n < entries {
                        return Err(format!("{n} entry offsets for {entries} entries"));
                    }
                    // One pass from the big-endian trailer to offsets into the data, plus its end.
                    let keylen = h.keylen as i32;
                    let bytes = t.take(entries * 4)?;
                    let mut offs = Vec::with_capacity(entries + 1);
                    offs.extend(bytes.chunks_exact(4).map(|c| {
                        i32::from_be_bytes([c[0], c[1], c[2], c[3]]).saturating_sub(keylen)
                    }));
                    offs.push(border as i32);
                    Ok(offs)
                })()
                .map_err(|e| self.src.malformed(what(), e))?;
            Some(offs)
        } else {
            None
        };
        data.truncate(border);
        Ok(Basket {
            entries: h.entries as u64,
            data,
            offsets,
        })
    }
}

/// One chunk of entries of the requested branches.
#[derive(Debug)]
pub struct Chunk {
    /// The entries this chunk holds.
    pub range: Range<u64>,
    /// One array per requested branch, in request order.
    pub arrays: Vec<ArrayRef>,
}

/// Iterator over [`Chunk`]s, from [`Tree::chunks`]; stops after the first error.
#[derive(Debug)]
pub struct Chunks(ChunkSource);

#[derive(Debug)]
enum ChunkSource {
    /// Decoded by a background thread, ahead of the consumer.
    Ahead {
        rx: Option<Receiver<Result<Chunk>>>,
        worker: Option<JoinHandle<()>>,
    },
    /// Decoded on the consumer's rayon worker when asked for.
    Inline(ChunkReader),
}

impl Iterator for Chunks {
    type Item = Result<Chunk>;

    fn next(&mut self) -> Option<Result<Chunk>> {
        match &mut self.0 {
            ChunkSource::Inline(reader) => reader.next(),
            ChunkSource::Ahead { rx, .. } => {
                let rx = rx.as_ref()?;
                if rayon::current_thread_index().is_none() {
                    return rx.recv().ok();
                }
                // Handed to a rayon worker after all: blocking would starve the pool the
                // decoding thread needs, and with every worker waiting nothing would progress,
                // so run pending rayon jobs while the chunk is not ready.
                loop {
                    match rx.try_recv() {
                        Ok(chunk) => return Some(chunk),
                        Err(TryRecvError::Disconnected) => return None,
                        Err(TryRecvError::Empty) => wait_on_rayon(),
                    }
                }
            }
        }
    }
}

/// Lets a rayon worker that waits for another thread run queued rayon jobs meanwhile.
fn wait_on_rayon() {
    if rayon::yield_now() != Some(rayon::Yield::Executed) {
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

impl Drop for Chunks {
    fn drop(&mut self) {
        let ChunkSource::Ahead { rx, worker } = &mut self.0 else {
            return;
        };
        // Closing the channel first makes the worker's next send fail, so it stops.
        rx.take();
        if let Some(w) = worker.take() {
            if rayon::current_thread_index().is_some() {
                // The worker may still need the pool to finish its chunk; see `next`.
                while !w.is_finished() {
                    wait_on_rayon();
                }
            }
            let _ = w.join();
        }
    }
}
