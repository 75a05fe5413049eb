//! Decompressed baskets kept for the next reader of the same file, across opens.
//!
//! A pipeline reads the same NanoAOD branches of one file several times in one process: the
//! selection once per jet shift, the reduction once more per shift. Decompression is most of
//! the cost of reading, so the baskets decompressed last are kept, up to a byte budget, and
//! handed to whoever asks for the same basket of the same file next. A file is known by its
//! device, inode, size and modification time: a file that was rewritten is a different file,
//! so a cached basket is never stale.

use std::collections::{BTreeMap, HashMap};
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use crate::decode::Basket;

/// Bytes of decompressed baskets kept unless [`set_basket_cache_capacity`] says otherwise:
/// the AGC columns of a 250k-event NanoAOD file take ~75 MB, so this holds the files a few
/// workers are on at once.
pub const DEFAULT_BASKET_CACHE_BYTES: usize = 512 << 20;

static CAPACITY: AtomicUsize = AtomicUsize::new(DEFAULT_BASKET_CACHE_BYTES);

/// Sets how many bytes of decompressed baskets the process keeps for later reads of the same
/// files (0 turns the cache off). Baskets beyond the new budget are dropped at the next insert.
pub fn set_basket_cache_capacity(bytes: usize) {
    CAPACITY.store(bytes, Ordering::Relaxed);
    if bytes == 0 {
        if let Ok(mut cache) = CACHE.lock() {
            cache.clear();
        }
    }
}

/// Which file a basket came from: equal only for the same, unchanged file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl FileId {
    pub(crate) fn of(meta: &Metadata) -> FileId {
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        }
    }
}

/// A basket: its file and its position there.
type Key = (FileId, u64);

struct Entry {
    basket: Arc<Basket>,
    bytes: usize,
    used: u64,
}

/// Least recently used baskets go first: `order` maps the use counter to the key.
#[derive(Default)]
struct Cache {
    entries: HashMap<Key, Entry>,
    order: BTreeMap<u64, Key>,
    bytes: usize,
    clock: u64,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(|| Mutex::new(Cache::default()));

impl Cache {
    fn touch(&mut self, key: Key) -> Option<Arc<Basket>> {
        self.clock += 1;
        let clock = self.clock;
        let entry = self.entries.get_mut(&key)?;
        self.order.remove(&entry.used);
        entry.used = clock;
        self.order.insert(clock, key);
        Some(Arc::clone(&entry.basket))
    }

    fn insert(&mut self, key: Key, basket: Arc<Basket>, capacity: usize) {
        let bytes = basket.data.len() + basket.offsets.as_ref().map_or(0, |o| o.len() * 4);
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
                basket,
                bytes,
                used: self.clock,
            },
        );
        self.bytes += bytes;
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

/// The basket at `seek` in `file`, if it is cached.
pub(crate) fn get(file: FileId, seek: u64) -> Option<Arc<Basket>> {
    if CAPACITY.load(Ordering::Relaxed) == 0 {
        return None;
    }
    CACHE.lock().ok()?.touch((file, seek))
}

/// Keeps a basket just decompressed, dropping the least recently used ones beyond the budget.
pub(crate) fn insert(file: FileId, seek: u64, basket: &Arc<Basket>) {
    let capacity = CAPACITY.load(Ordering::Relaxed);
    if capacity == 0 {
        return;
    }
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert((file, seek), Arc::clone(basket), capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basket(len: usize) -> Arc<Basket> {
        Arc::new(Basket {
            entries: 1,
            data: vec![0; len],
            offsets: None,
        })
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
    fn the_least_recently_used_basket_goes_first() {
        let mut cache = Cache::default();
        cache.insert((id(1), 0), basket(40), 100);
        cache.insert((id(1), 64), basket(40), 100);
        // Using the first makes the second the oldest, so the third displaces the second.
        assert!(cache.touch((id(1), 0)).is_some());
        cache.insert((id(2), 0), basket(40), 100);
        assert!(cache.touch((id(1), 0)).is_some());
        assert!(cache.touch((id(1), 64)).is_none());
        assert!(cache.touch((id(2), 0)).is_some());
        assert_eq!(cache.bytes, 80);
        // Another file with the same position is another basket; one larger than the budget is
        // not kept at all.
        assert!(cache.touch((id(3), 0)).is_none());
        cache.insert((id(4), 0), basket(101), 100);
        assert!(cache.touch((id(4), 0)).is_none());
        assert_eq!(cache.entries.len(), cache.order.len());
    }
}
