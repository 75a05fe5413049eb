//! Task locks, so that two `cf run` processes on one store never run the same task at once.
//!
//! All tasks of a store share one lock file, `<store>/.cf-locks/tasks.lock`; a task's lock is
//! the one-byte range at an offset derived from its id, taken with an open-file-description
//! record lock (`F_OFD_SETLK`, Linux). The kernel drops it when the holder exits or is killed,
//! so a crashed run never leaves a stale lock behind, and taking it costs no file creation:
//! a workflow of 100k branches does not leave 100k lock files. Each acquisition opens its own
//! descriptor, so two threads of one process exclude each other too. On other systems the lock
//! is an `flock` on a file per task, `<store>/.cf-locks/<task id>.lock`.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::param::TaskId;

/// The directory below a store that holds the lock file(s).
pub const LOCK_DIR: &str = ".cf-locks";

/// A held task lock; released on drop.
#[derive(Debug)]
pub struct TaskLock {
    file: File,
    path: PathBuf,
    #[cfg(target_os = "linux")]
    offset: i64,
}

fn open_or_create(lock_dir: &Path, path: &Path) -> Result<File> {
    let open = || {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)
    };
    match open() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(lock_dir)
                .map_err(|e| Error::io("creating lock directory", lock_dir, e))?;
            open()
        }
        other => other,
    }
    .map_err(|e| Error::io("opening lock file", path, e))
}

impl TaskLock {
    /// Takes the lock of task `id` in `lock_dir`, waiting while another process holds it.
    pub fn acquire(lock_dir: &Path, id: TaskId, task: &str) -> Result<TaskLock> {
        #[cfg(target_os = "linux")]
        {
            let path = lock_dir.join("tasks.lock");
            let file = open_or_create(lock_dir, &path)?;
            // Record-lock offsets are signed 64-bit: drop one bit of the id.
            let offset = (id.0 >> 1) as i64;
            let lock = |wait| {
                ofd::set(&file, offset, ofd::Kind::Exclusive, wait)
                    .map_err(|e| Error::io("locking", &path, e))
            };
            if !lock(false)? {
                tracing::info!("{task} is being run by another process; waiting for it");
                lock(true)?;
            }
            Ok(TaskLock { file, path, offset })
        }
        #[cfg(not(target_os = "linux"))]
        {
            use fs4::fs_std::FileExt;
            let path = lock_dir.join(format!("{id}.lock"));
            let file = open_or_create(lock_dir, &path)?;
            let got =
                FileExt::try_lock_exclusive(&file).map_err(|e| Error::io("locking", &path, e))?;
            if !got {
                tracing::info!("{task} is being run by another process; waiting for it");
                FileExt::lock_exclusive(&file).map_err(|e| Error::io("locking", &path, e))?;
            }
            Ok(TaskLock { file, path })
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(target_os = "linux")]
impl Drop for TaskLock {
    fn drop(&mut self) {
        // Closing the descriptor releases the lock as well; unlocking first makes it explicit.
        let _ = ofd::set(&self.file, self.offset, ofd::Kind::Unlock, false);
    }
}

#[cfg(target_os = "linux")]
mod ofd {
    use std::fs::File;
    use std::io;
    use std::os::fd::AsRawFd;

    pub(super) enum Kind {
        Exclusive,
        Unlock,
    }

    /// Sets an open-file-description record lock on the byte at `offset`. Without `wait`,
    /// returns `Ok(false)` when another description holds a conflicting lock.
    pub(super) fn set(file: &File, offset: i64, kind: Kind, wait: bool) -> io::Result<bool> {
        // SAFETY: `flock` is a plain C struct for which all-zero bytes are a valid value.
        let mut fl: libc::flock = unsafe { std::mem::zeroed() };
        fl.l_type = match kind {
            Kind::Exclusive => libc::F_WRLCK,
            Kind::Unlock => libc::F_UNLCK,
        } as libc::c_short;
        fl.l_whence = libc::SEEK_SET as libc::c_short;
        fl.l_start = offset;
        fl.l_len = 1;
        let cmd = if wait {
            libc::F_OFD_SETLKW
        } else {
            libc::F_OFD_SETLK
        };
        loop {
            // SAFETY: the descriptor is open for as long as `file` lives, and `fl` is a valid
            // `flock` that the call only reads.
            let rc = unsafe { libc::fcntl(file.as_raw_fd(), cmd, &mut fl as *mut libc::flock) };
            if rc != -1 {
                return Ok(true);
            }
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EAGAIN) | Some(libc::EACCES) if !wait => return Ok(false),
                _ => return Err(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn second_holder_waits_and_other_ids_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let id = TaskId(42);
        let first = TaskLock::acquire(dir.path(), id, "T").unwrap();
        // A different task is not blocked by it.
        drop(TaskLock::acquire(dir.path(), TaskId(44), "U").unwrap());
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
