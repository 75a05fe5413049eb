//! Decoded branches kept for the next reader of the same file, across opens.
//!
//! A pipeline reads the same NanoAOD branches of one file several times in one process: the
//! selection once per jet shift, the reduction once more per shift, always in the same entry
//! ranges (one batch size). Decompressing and decoding is the whole cost of reading, so the
//! arrays decoded last are kept, up to a byte budget, and handed to whoever asks for the same
//! branch and entries of the same file next, until the run says that nothing will read the
//! file again ([`release_decoded`]). A file is known by its device, inode, size and
//! modification time: a file that was rewritten is a different file, so a cached array is
//! never stale.

use std::collections::{BTreeMap, HashMap};
use std::fs::Metadata;
use std::ops::Range;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use arrow_array::{Array, ArrayRef};

/// Bytes of decoded arrays kept unless [`set_decoded_cache_capacity`] says otherwise: the AGC
/// columns of a 250k-event NanoAOD file take ~75 MB, so this holds the files a few workers are
/// on at once.
pub const DEFAULT_DECODED_CACHE_BYTES: usize = 512 << 20;

static CAPACITY: AtomicUsize = AtomicUsize::new(DEFAULT_DECODED_CACHE_BYTES);

/// Sets how many bytes of decoded arrays the process keeps for later reads of the same files
/// (0 turns the cache off). Arrays beyond the new budget are dropped at the next insert.
pub fn set_decoded_cache_capacity(bytes: usize) {
    CAPACITY.store(bytes, Ordering::Relaxed);
    if bytes == 0 {
        if let Ok(mut cache) = CACHE.lock() {
            cache.clear();
        }
    }
}

/// Drops the arrays decoded from `file`: nothing will read them again.
pub fn release_decoded(file: FileId) {
    if let Ok(mut cache) = CACHE.lock() {
        cache.release(file);
    }
}

/// Which file, in which state: equal only for the same file, unchanged (device, inode, size
/// and modification time). Caches of file contents key on it, so that a file rewritten in
/// place is never served from what was kept of its old content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl FileId {
    /// The identity of the file `meta` describes.
    pub fn of(meta: &Metadata) -> FileId {
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        }
    }

    /// The identity of the file at `path` now, if it can be looked up.
    pub fn of_path(path: &Path) -> Option<FileId> {
        std::fs::metadata(path).ok().map(|meta| FileId::of(&meta))
    }
}

/// An array: its file, its tree (the position of its key), its branch (index in the tree) and
/// its entries.
type Key = (FileId, u64, usize, u64, u64);

struct Entry {
    array: ArrayRef,
    bytes: usize,
    used: u64,
}

/// Least recently used arrays go first: `order` maps the use counter to the key.
#[derive(Default)]
struct Cache {
    entries: HashMap<Key, Entry>,
    order: BTreeMap<u64, Key>,
    bytes: usize,
    clock: u64,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(|| Mutex::new(Cache::default()));

impl Cache {
    fn touch(&mut self, key: Key) -> Option<ArrayRef> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.get_mut(&key)?;
        self.order.remove(&entry.used);
        entry.used = clock;
        self.order.insert(clock, key);
        Some(Arc::clone(&entry.array))
    }

    fn insert(&mut self, key: Key, array: ArrayRef, capacity: usize) {
        let bytes = array.get_array_memory_size();
        if bytes > capacity || self.entries.contains_key(&key) {
            return;
        }
        while self.bytes + bytes > capacity {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some(old) = self.entries.remove(&oldest) {
                self.bytes -= old.bytes;
            }
        }
        self.clock += 1;
        self.order.insert(self.clock, key);
        self.entries.insert(
            key,
            Entry {
                array,
                bytes,
                used: self.clock,
            },
        );
        self.bytes += bytes;
    }

    fn release(&mut self, file: FileId) {
        let gone: Vec<(u64, Key)> = self
            .entries
            .iter()
            .filter(|(key, _)| key.0 == file)
            .map(|(key, entry)| (entry.used, *key))
            .collect();
        for (used, key) in gone {
            self.order.remove(&used);
            if let Some(entry) = self.entries.remove(&key) {
                self.bytes -= entry.bytes;
            }
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

/// Branch `branch` of the tree at `tree` in `file` decoded for `entries`, if it is cached.
pub(crate) fn get(
    file: FileId,
    tree: u64,
    branch: usize,
    entries: &Range<u64>,
) -> Option<ArrayRef> {
    if CAPACITY.load(Ordering::Relaxed) == 0 {
        return None;
    }
    CACHE
        .lock()
        .ok()?
        .touch((file, tree, branch, entries.start, entries.end))
}

/// Keeps an array just decoded, dropping the least recently used ones beyond the budget.
pub(crate) fn insert(
    file: FileId,
    tree: u64,
    branch: usize,
    entries: &Range<u64>,
    array: &ArrayRef,
) {
    let capacity = CAPACITY.load(Ordering::Relaxed);
    if capacity == 0 {
        return;
    }
    if let Ok(mut cache) = CACHE.lock() {
        let key = (file, tree, branch, entries.start, entries.end);
        cache.insert(key, Arc::clone(array), capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array(len: usize) -> ArrayRef {
        Arc::new(arrow_array::UInt8Array::from(vec![0u8; len]))
    }

    fn id(ino: u64) -> FileId {
        FileId {
            dev: 1,
            ino,
            len: 10,
            mtime_ns: 5,
        }
    }

    #[test]
    fn the_least_recently_used_array_goes_first() {
        let size = array(40).get_array_memory_size();
        let budget = 2 * size + size / 2;
        let mut cache = Cache::default();
        cache.insert((id(1), 100, 0, 0, 10), array(40), budget);
        cache.insert((id(1), 100, 0, 10, 20), array(40), budget);
        // Using the first makes the second the oldest, so the third displaces the second.
        assert!(cache.touch((id(1), 100, 0, 0, 10)).is_some());
        cache.insert((id(2), 100, 0, 0, 10), array(40), budget);
        assert!(cache.touch((id(1), 100, 0, 0, 10)).is_some());
        assert!(cache.touch((id(1), 100, 0, 10, 20)).is_none());
        assert!(cache.touch((id(2), 100, 0, 0, 10)).is_some());
        assert_eq!(cache.bytes, 2 * size);
        // Another file, tree, branch or range is another array; one larger than the budget is
        // not kept at all.
        assert!(cache.touch((id(1), 200, 0, 0, 10)).is_none());
        assert!(cache.touch((id(3), 100, 0, 0, 10)).is_none());
        assert!(cache.touch((id(1), 100, 1, 0, 10)).is_none());
        cache.insert((id(4), 100, 0, 0, 10), array(4 * budget), budget);
        assert!(cache.touch((id(4), 100, 0, 0, 10)).is_none());
        assert_eq!(cache.entries.len(), cache.order.len());

        // Releasing a file drops its arrays only.
        cache.insert((id(1), 100, 1, 0, 10), array(40), budget);
        cache.release(id(1));
        assert!(cache.touch((id(1), 100, 0, 0, 10)).is_none());
        assert!(cache.touch((id(1), 100, 1, 0, 10)).is_none());
        assert!(cache.touch((id(2), 100, 0, 0, 10)).is_some());
        assert_eq!(cache.bytes, size);
        assert_eq!(cache.entries.len(), cache.order.len());
    }
}
