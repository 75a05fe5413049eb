//! Per-task lock files, so that two `cf run` processes on one store never run the same task.
//!
//! The lock is an advisory `flock` on `<store>/.cf-locks/<task id>.lock`. The kernel drops it
//! when the holder exits or is killed, so a crashed run never leaves a stale lock behind. The
//! holder's PID is written into the file for humans; lock files are never deleted (deleting
//! a file that another process is about to lock would let two processes hold "the" lock).

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;

use crate::error::{Error, Result};
use crate::param::TaskId;

/// The directory below a store that holds the lock files.
pub const LOCK_DIR: &str = ".cf-locks";

/// A held task lock; released on drop (closing the descriptor releases the `flock`).
#[derive(Debug)]
pub struct TaskLock {
    file: File,
    path: PathBuf,
}

impl TaskLock {
    /// Takes the lock of task `id` in `lock_dir`, waiting while another process holds it.
    pub fn acquire(lock_dir: &Path, id: TaskId, task: &str) -> Result<TaskLock> {
        let path = lock_dir.join(format!("{id}.lock"));
        let open = || {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(&path)
        };
        let file = match open() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(lock_dir)
                    .map_err(|e| Error::io("creating lock directory", lock_dir, e))?;
                open()
            }
            other => other,
        }
        .map_err(|e| Error::io("opening lock file", &path, e))?;
        let got = FileExt::try_lock_exclusive(&file).map_err(|e| Error::io("locking", &path, e))?;
        if !got {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            tracing::info!(
                "{task} is being run by another process (pid {}); waiting for it",
                holder.trim()
            );
            FileExt::lock_exclusive(&file).map_err(|e| Error::io("locking", &path, e))?;
        }
        let mut lock = TaskLock { file, path };
        lock.write_pid();
        Ok(lock)
    }

    fn write_pid(&mut self) {
        // One positioned write of a fixed width (no truncate): cheap, and only informative,
        // so failing to write it must not fail the task.
        let _ = self
            .file
            .write_at(format!("{:<10}\n", std::process::id()).as_bytes(), 0);
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn second_holder_waits() {
        let dir = tempfile::tempdir().unwrap();
        let id = TaskId(42);
        let first = TaskLock::acquire(dir.path(), id, "T").unwrap();
        let (tx, rx) = mpsc::channel();
        let lock_dir = dir.path().to_path_buf();
        let handle = std::thread::spawn(move || {
            let second = TaskLock::acquire(&lock_dir, id, "T").unwrap();
            tx.send(()).unwrap();
            drop(second);
        });
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        drop(first);
        rx.recv_timeout(Duration::from_secs(5)).unwrap();
        handle.join().unwrap();
    }
}
