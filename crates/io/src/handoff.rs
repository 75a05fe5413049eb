//! Event batches this process just wrote, handed to the next step that reads the same file.
//!
//! A pipeline step reads what the step before it wrote moments ago, in the same process:
//! SelectEvents reads CalibrateEvents' columns, ReduceEvents reads both. An [`EventWriter`]
//! keeps the batches it wrote (shared, not copied) and, once the file is renamed into place,
//! files them here under the file's identity ([`FileId`]: device, inode, size, modification
//! time). A reader asking for the same batch size gets them instead of decoding the file; a
//! file rewritten since has another identity and is decoded. [`crate::release`] drops them
//! once the run's last reader of the file is done.
//!
//! [`EventWriter`]: crate::EventWriter

use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, Mutex};

use arrow_array::RecordBatch;
use cf_root::FileId;

/// Bytes of written batches kept for readers; the oldest files go first.
const CAPACITY: usize = 256 << 20;
/// A writer stops keeping its batches beyond this many bytes: big files are read from disk.
pub(crate) const MAX_KEPT_BYTES: usize = 64 << 20;

/// The batches of one written file.
pub(crate) type Written = Arc<Vec<RecordBatch>>;

#[derive(Default)]
struct Kept {
    files: VecDeque<(FileId, Written, usize)>,
    bytes: usize,
}

static KEPT: LazyLock<Mutex<Kept>> = LazyLock::new(|| Mutex::new(Kept::default()));

/// Files the batches of a file just written, dropping the oldest files beyond the budget.
pub(crate) fn keep(id: FileId, batches: Vec<RecordBatch>, bytes: usize) {
    let Ok(mut kept) = KEPT.lock() else {
        return;
    };
    kept.files.retain(|(other, _, _)| *other != id);
    while kept.bytes + bytes > CAPACITY {
        let Some((_, _, freed)) = kept.files.pop_front() else {
            break;
        };
        kept.bytes -= freed;
    }
    if bytes <= CAPACITY {
        kept.files.push_back((id, Arc::new(batches), bytes));
        kept.bytes += bytes;
    }
}

/// Drops the batches of the file `id`: nothing will read them again.
pub(crate) fn release(id: FileId) {
    if let Ok(mut kept) = KEPT.lock() {
        if let Some(at) = kept.files.iter().position(|(other, _, _)| *other == id) {
            if let Some((_, _, bytes)) = kept.files.remove(at) {
                kept.bytes -= bytes;
            }
        }
    }
}

/// The batches written to the file `id`, if this process wrote it and still has them, cut
/// exactly as a reader with `batch_size` would cut the file's `num_events` events.
pub(crate) fn get(id: FileId, batch_size: usize, num_events: u64) -> Option<Written> {
    let kept = KEPT.lock().ok()?;
    let (_, batches, _) = kept.files.iter().find(|(other, _, _)| *other == id)?;
    let (last, full) = batches.split_last()?;
    let aligned = full.iter().all(|b| b.num_rows() == batch_size)
        && last.num_rows() <= batch_size
        && (last.num_rows() > 0 || full.is_empty())
        && batches.iter().map(|b| b.num_rows() as u64).sum::<u64>() == num_events;
    aligned.then(|| Arc::clone(batches))
}

#[cfg(test)]
mod tests {
    use super::*;

    use arrow_array::{ArrayRef, Int32Array};

    fn batch(rows: usize) -> RecordBatch {
        let column: ArrayRef = Arc::new(Int32Array::from(vec![0; rows]));
        RecordBatch::try_from_iter([("x", column)]).unwrap()
    }

    /// Distinct identities: files of distinct sizes in a temporary directory.
    fn ids(n: usize) -> (tempfile::TempDir, Vec<FileId>) {
        let dir = tempfile::tempdir().unwrap();
        let ids = (0..n)
            .map(|i| {
                let path = dir.path().join(format!("{i}"));
                std::fs::write(&path, vec![0u8; i + 1]).unwrap();
                FileId::of_path(&path).unwrap()
            })
            .collect();
        (dir, ids)
    }

    #[test]
    fn only_batches_cut_as_the_reader_would_are_handed_over() {
        let (_dir, ids) = ids(4);
        let id = |i: usize| ids[i - 1];
        keep(id(1), vec![batch(4), batch(4), batch(2)], 10);
        assert!(get(id(1), 4, 10).is_some());
        assert!(get(id(1), 5, 10).is_none(), "another batch size");
        assert!(get(id(1), 4, 11).is_none(), "another number of events");
        assert!(get(id(2), 4, 10).is_none(), "another file");
        keep(id(3), vec![batch(4), batch(1), batch(4)], 10);
        assert!(get(id(3), 4, 9).is_none(), "a short batch in the middle");
        keep(id(4), vec![batch(0)], 10);
        assert!(
            get(id(4), 4, 0).is_some(),
            "an empty file's one empty batch"
        );
        release(id(1));
        assert!(get(id(1), 4, 10).is_none(), "released");
        assert!(get(id(4), 4, 0).is_some(), "another file is kept");
    }
}
