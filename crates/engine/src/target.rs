//! Targets: the files a task produces, on a storage backend behind the [`FileSystem`] trait.
//!
//! Tasks only ever hold [`FileTarget`]s and collections of them; where the bytes live is the
//! business of the [`FileSystem`] the target points to. [`LocalFileSystem`] is the local disk;
//! a remote store (XRootD, WebDAV, S3 with a local cache) implements the same trait and the
//! tasks do not change. Every write goes to a temporary sibling first and is renamed into place,
//! so an interrupted write never leaves a file that looks complete.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};

/// The marker in the names of temporary files; a name containing it is never a complete output.
pub const TEMP_MARKER: &str = ".cf-tmp";

/// A storage backend: the operations targets need, addressed by path.
///
/// Implementations must make [`FileSystem::write_atomic`] all-or-nothing: either the complete
/// content appears under `path`, or nothing does.
pub trait FileSystem: Send + Sync + fmt::Debug {
    /// A short scheme name ("file", "root", "davs", ...).
    fn scheme(&self) -> &str;
    /// The full address of `path`, e.g. `file:///store/a.json`.
    fn uri(&self, path: &Path) -> String;
    /// Whether a file or directory exists at `path`.
    fn exists(&self, path: &Path) -> Result<bool>;
    /// The names in directory `dir`, or `None` when the directory does not exist.
    fn list_dir(&self, dir: &Path) -> Result<Option<Vec<String>>>;
    /// Removes the file at `path`; returns whether it existed.
    fn remove(&self, path: &Path) -> Result<bool>;
    /// Opens `path` for reading.
    fn open_read(&self, path: &Path) -> Result<Box<dyn Read + Send>>;
    /// Writes `path` through `write`, atomically (temporary sibling, then rename). The data is
    /// not fsync'ed: a killed process never leaves a complete-looking file, but after a power
    /// loss the file system decides what survived.
    fn write_atomic(
        &self,
        path: &Path,
        write: &mut dyn FnMut(&mut (dyn Write + Send)) -> io::Result<()>,
    ) -> Result<()>;
    /// Removes the temporary file left next to `path` by an interrupted write; returns how many.
    /// Call it only while holding the lock of the task that owns `path`.
    fn remove_temporaries(&self, path: &Path) -> Result<usize>;
    /// Copies `path` to the local file `dest` (for remote backends: downloads it).
    fn fetch(&self, path: &Path, dest: &Path) -> Result<()>;
}

/// The local disk.
#[derive(Debug, Default, Clone, Copy)]
pub struct LocalFileSystem;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// `dir/.name.cf-tmp`: where `dir/name` is written before it is renamed into place.
fn temp_path(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_string_lossy();
    Some(path.with_file_name(format!(".{name}{TEMP_MARKER}")))
}

fn create_new(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

impl FileSystem for LocalFileSystem {
    fn scheme(&self) -> &str {
        "file"
    }

    fn uri(&self, path: &Path) -> String {
        path.display().to_string()
    }

    fn exists(&self, path: &Path) -> Result<bool> {
        path.try_exists()
            .map_err(|e| Error::io("checking", path, e))
    }

    fn list_dir(&self, dir: &Path) -> Result<Option<Vec<String>>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("listing", dir, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("listing", dir, e))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        Ok(Some(names))
    }

    fn remove(&self, path: &Path) -> Result<bool> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io("removing", path, e)),
        }
    }

    fn open_read(&self, path: &Path) -> Result<Box<dyn Read + Send>> {
        let file = std::fs::File::open(path).map_err(|e| Error::io("opening", path, e))?;
        Ok(Box::new(io::BufReader::new(file)))
    }

    fn write_atomic(
        &self,
        path: &Path,
        write: &mut dyn FnMut(&mut (dyn Write + Send)) -> io::Result<()>,
    ) -> Result<()> {
        let temp = temp_path(path).ok_or_else(|| {
            Error::io(
                "writing",
                path,
                io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"),
            )
        })?;
        // The fixed temporary name lets the engine clean up after a killed run with one unlink
        // (it holds the task lock, so no one else writes it). If the name is taken, another
        // writer outside the engine is at work: use a name of our own instead.
        let first = match create_new(&temp) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Directories are created on demand: one failed open is cheaper than a
                // mkdir per write when they exist, which is the common case.
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| Error::io("creating directory", dir, e))?;
                }
                create_new(&temp)
            }
            other => other,
        };
        let (temp, file) = match first {
            Ok(file) => (temp, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
                let mut own = temp.into_os_string();
                own.push(format!("-{}-{n}", std::process::id()));
                let own = PathBuf::from(own);
                let file = create_new(&own).map_err(|e| Error::io("creating", &own, e))?;
                (own, file)
            }
            Err(e) => return Err(Error::io("creating", &temp, e)),
        };
        let result = (|| -> io::Result<()> {
            let mut out = io::BufWriter::new(file);
            write(&mut out)?;
            out.into_inner().map_err(|e| e.into_error())?;
            Ok(())
        })();
        if let Err(e) = result {
            // The temporary name never looks complete, so a failed cleanup is only untidy.
            let _ = std::fs::remove_file(&temp);
            return Err(Error::io("writing", path, e));
        }
        std::fs::rename(&temp, path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            Error::io("renaming into place", path, e)
        })
    }

    fn remove_temporaries(&self, path: &Path) -> Result<usize> {
        match temp_path(path) {
            Some(temp) => Ok(usize::from(self.remove(&temp)?)),
            None => Ok(0),
        }
    }

    fn fetch(&self, path: &Path, dest: &Path) -> Result<()> {
        let mut reader = self.open_read(path)?;
        LocalFileSystem.write_atomic(dest, &mut |w| io::copy(&mut reader, w).map(|_| ()))
    }
}

/// One file on a [`FileSystem`]: the unit tasks declare as output and read as input.
#[derive(Clone, Debug)]
pub struct FileTarget {
    fs: Arc<dyn FileSystem>,
    path: PathBuf,
}

impl FileTarget {
    /// A target on the given file system.
    pub fn new(fs: Arc<dyn FileSystem>, path: impl Into<PathBuf>) -> Self {
        FileTarget {
            fs,
            path: path.into(),
        }
    }

    /// A target on the local disk.
    pub fn local(path: impl Into<PathBuf>) -> Self {
        FileTarget::new(Arc::new(LocalFileSystem), path)
    }

    /// The path on its file system.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The file system.
    pub fn fs(&self) -> &Arc<dyn FileSystem> {
        &self.fs
    }
    /// The full address.
    pub fn uri(&self) -> String {
        self.fs.uri(&self.path)
    }
    /// Whether the file exists.
    pub fn exists(&self) -> Result<bool> {
        self.fs.exists(&self.path)
    }
    /// Removes the file; returns whether it existed.
    pub fn remove(&self) -> Result<bool> {
        self.fs.remove(&self.path)
    }
    /// Opens the file for reading.
    pub fn open(&self) -> Result<Box<dyn Read + Send>> {
        self.fs.open_read(&self.path)
    }

    /// Writes the file atomically through `write`; the hook for binary formats such as Parquet.
    pub fn dump_with(
        &self,
        mut write: impl FnMut(&mut (dyn Write + Send)) -> io::Result<()>,
    ) -> Result<()> {
        self.fs.write_atomic(&self.path, &mut write)
    }

    /// Reads the whole file.
    pub fn load_bytes(&self) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.open()?
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("reading", &self.path, e))?;
        Ok(buf)
    }
    /// Writes `bytes` atomically.
    pub fn dump_bytes(&self, bytes: &[u8]) -> Result<()> {
        self.dump_with(|w| w.write_all(bytes))
    }

    /// Reads the file as UTF-8 text.
    pub fn load_text(&self) -> Result<String> {
        String::from_utf8(self.load_bytes()?).map_err(|e| self.format_error("text", e))
    }
    /// Writes `text` atomically.
    pub fn dump_text(&self, text: &str) -> Result<()> {
        self.dump_bytes(text.as_bytes())
    }

    /// Reads and decodes JSON.
    pub fn load_json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_reader(self.open()?).map_err(|e| self.format_error("json", e))
    }
    /// Encodes `value` as pretty JSON and writes it atomically.
    pub fn dump_json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(value).map_err(|e| self.format_error("json", e))?;
        self.dump_bytes(&bytes)
    }

    /// Reads and decodes YAML.
    pub fn load_yaml<T: DeserializeOwned>(&self) -> Result<T> {
        serde_yaml::from_reader(self.open()?).map_err(|e| self.format_error("yaml", e))
    }
    /// Encodes `value` as YAML and writes it atomically.
    pub fn dump_yaml<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let text = serde_yaml::to_string(value).map_err(|e| self.format_error("yaml", e))?;
        self.dump_text(&text)
    }

    fn format_error(
        &self,
        format: &'static str,
        e: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::Format {
            format,
            path: self.path.clone(),
            source: Box::new(e),
        }
    }

    fn dir_key(&self) -> (String, PathBuf) {
        let dir = self
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        (self.fs.uri(&dir), dir)
    }
}

/// Checks many targets at once with one directory listing per distinct directory.
///
/// This is how workflows with many branches check completeness: 100k outputs in one directory
/// cost one listing, not 100k `stat` calls.
pub fn exists_many(targets: &[&FileTarget]) -> Result<Vec<bool>> {
    let mut listings: HashMap<String, Option<HashSet<String>>> = HashMap::new();
    let mut result = Vec::with_capacity(targets.len());
    for target in targets {
        let (key, dir) = target.dir_key();
        if !listings.contains_key(&key) {
            let names = target.fs.list_dir(&dir)?;
            listings.insert(key.clone(), names.map(|v| v.into_iter().collect()));
        }
        let present = match (&listings[&key], target.path.file_name()) {
            (Some(names), Some(name)) => names.contains(name.to_string_lossy().as_ref()),
            _ => false,
        };
        result.push(present);
    }
    Ok(result)
}

/// A keyed set of targets anywhere; complete when every member exists (one check each).
#[derive(Clone, Debug, Default)]
pub struct TargetCollection {
    targets: Vec<(String, FileTarget)>,
}

impl TargetCollection {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a member under `key`.
    pub fn with(mut self, key: impl Into<String>, target: FileTarget) -> Self {
        self.targets.push((key.into(), target));
        self
    }
    /// The members.
    pub fn targets(&self) -> &[(String, FileTarget)] {
        &self.targets
    }
    /// Number of members.
    pub fn len(&self) -> usize {
        self.targets.len()
    }
    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
    /// The member under `key`.
    pub fn get(&self, key: &str) -> Option<&FileTarget> {
        self.targets.iter().find(|(k, _)| k == key).map(|(_, t)| t)
    }
    /// How many members exist.
    pub fn count_existing(&self) -> Result<usize> {
        let mut n = 0;
        for (_, t) in &self.targets {
            n += usize::from(t.exists()?);
        }
        Ok(n)
    }
}

/// Files in one directory of one file system; completeness costs a single directory listing.
#[derive(Clone, Debug)]
pub struct SiblingFileCollection {
    fs: Arc<dyn FileSystem>,
    dir: PathBuf,
    names: Vec<String>,
}

impl SiblingFileCollection {
    /// Files `names` in directory `dir` on `fs`.
    pub fn new(fs: Arc<dyn FileSystem>, dir: impl Into<PathBuf>, names: Vec<String>) -> Self {
        SiblingFileCollection {
            fs,
            dir: dir.into(),
            names,
        }
    }
    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// Number of files.
    pub fn len(&self) -> usize {
        self.names.len()
    }
    /// Whether the collection names no file.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
    /// The member targets.
    pub fn targets(&self) -> Vec<FileTarget> {
        self.names
            .iter()
            .map(|n| FileTarget::new(self.fs.clone(), self.dir.join(n)))
            .collect()
    }
    /// For each member, whether it exists: one listing of the directory.
    pub fn existing(&self) -> Result<Vec<bool>> {
        let listing: HashSet<String> = self
            .fs
            .list_dir(&self.dir)?
            .unwrap_or_default()
            .into_iter()
            .collect();
        Ok(self.names.iter().map(|n| listing.contains(n)).collect())
    }
    /// How many members exist: one listing of the directory.
    pub fn count_existing(&self) -> Result<usize> {
        Ok(self.existing()?.into_iter().filter(|&b| b).count())
    }
}

/// What a task produces: one file, a collection, or named outputs.
#[derive(Clone, Debug)]
pub enum Output {
    /// A single file.
    File(FileTarget),
    /// A collection of files anywhere.
    Collection(TargetCollection),
    /// Files in one directory.
    Siblings(SiblingFileCollection),
    /// Named outputs (`output()["hist"]`).
    Map(BTreeMap<String, Output>),
}

/// How many of an output's files exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Presence {
    /// Existing files.
    pub existing: usize,
    /// All files.
    pub total: usize,
}

impl Presence {
    /// Whether every file exists.
    pub fn complete(&self) -> bool {
        self.existing == self.total
    }
}

impl Output {
    /// Named outputs from `(name, output)` pairs.
    pub fn map<K: Into<String>>(items: impl IntoIterator<Item = (K, Output)>) -> Self {
        Output::Map(items.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The single file, if this output is one.
    pub fn file(&self) -> Option<&FileTarget> {
        match self {
            Output::File(t) => Some(t),
            _ => None,
        }
    }

    /// The named output `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Output> {
        match self {
            Output::Map(m) => m.get(key),
            _ => None,
        }
    }

    /// Every file of this output, in order.
    pub fn targets(&self) -> Vec<FileTarget> {
        let mut out = Vec::new();
        self.collect_targets(&mut out);
        out
    }

    fn collect_targets(&self, out: &mut Vec<FileTarget>) {
        match self {
            Output::File(t) => out.push(t.clone()),
            Output::Collection(c) => out.extend(c.targets.iter().map(|(_, t)| t.clone())),
            Output::Siblings(s) => out.extend(s.targets()),
            Output::Map(m) => m.values().for_each(|o| o.collect_targets(out)),
        }
    }

    /// How many of the files exist (sibling collections: one listing).
    pub fn presence(&self) -> Result<Presence> {
        Ok(match self {
            Output::File(t) => Presence {
                existing: usize::from(t.exists()?),
                total: 1,
            },
            Output::Collection(c) => Presence {
                existing: c.count_existing()?,
                total: c.len(),
            },
            Output::Siblings(s) => Presence {
                existing: s.count_existing()?,
                total: s.len(),
            },
            Output::Map(m) => {
                let mut p = Presence {
                    existing: 0,
                    total: 0,
                };
                for o in m.values() {
                    let q = o.presence()?;
                    p.existing += q.existing;
                    p.total += q.total;
                }
                p
            }
        })
    }

    /// Whether every file exists.
    pub fn exists(&self) -> Result<bool> {
        Ok(self.presence()?.complete())
    }

    /// Bundles branch outputs into one: a [`SiblingFileCollection`] when all files share a
    /// directory and file system (one listing answers completeness), else a [`TargetCollection`].
    pub fn gather(outputs: impl IntoIterator<Item = (String, Output)>) -> Output {
        let mut members: Vec<(String, FileTarget)> = Vec::new();
        for (key, output) in outputs {
            let targets = output.targets();
            let single = targets.len() == 1;
            for (i, t) in targets.into_iter().enumerate() {
                let k = if single {
                    key.clone()
                } else {
                    format!("{key}.{i}")
                };
                members.push((k, t));
            }
        }
        let shared_dir = members.first().and_then(|(_, first)| {
            let (key, dir) = first.dir_key();
            members
                .iter()
                .all(|(_, t)| t.path.parent() == Some(dir.as_path()) && t.dir_key().0 == key)
                .then(|| (first.fs.clone(), dir))
        });
        match shared_dir {
            Some((fs, dir)) => Output::Siblings(SiblingFileCollection::new(
                fs,
                dir,
                members
                    .iter()
                    .filter_map(|(_, t)| {
                        t.path.file_name().map(|n| n.to_string_lossy().into_owned())
                    })
                    .collect(),
            )),
            None => Output::Collection(TargetCollection { targets: members }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_is_atomic_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let t = FileTarget::local(dir.path().join("sub/a.json"));
        assert!(!t.exists().unwrap());
        t.dump_json(&serde_json::json!({"x": 1})).unwrap();
        assert!(t.exists().unwrap());
        let v: serde_json::Value = t.load_json().unwrap();
        assert_eq!(v["x"], 1);
        let y = FileTarget::local(dir.path().join("b.yaml"));
        y.dump_yaml(&vec![1, 2]).unwrap();
        assert_eq!(y.load_yaml::<Vec<i32>>().unwrap(), vec![1, 2]);
        assert!(matches!(
            y.load_json::<Vec<i32>>(),
            Err(Error::Format { .. })
        ));
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let t = FileTarget::local(dir.path().join("p.parquet"));
        let err = t.dump_with(|w| {
            w.write_all(b"PAR1 half")?;
            Err(io::Error::other("writer died"))
        });
        assert!(err.is_err());
        assert!(!t.exists().unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn busy_temporary_name_falls_back_to_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let t = FileTarget::local(dir.path().join("a.txt"));
        let busy = dir.path().join(".a.txt.cf-tmp");
        std::fs::write(&busy, b"someone else").unwrap();
        t.dump_text("mine").unwrap();
        assert_eq!(t.load_text().unwrap(), "mine");
        assert_eq!(std::fs::read(&busy).unwrap(), b"someone else");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn temporaries_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(dir.path().join(".a.txt.cf-tmp"), b"partial").unwrap();
        std::fs::write(dir.path().join("b.txt"), b"keep").unwrap();
        assert_eq!(LocalFileSystem.remove_temporaries(&path).unwrap(), 1);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn gather_makes_sibling_collections() {
        let dir = tempfile::tempdir().unwrap();
        let outs = (0..4).map(|i| {
            (
                i.to_string(),
                Output::File(FileTarget::local(dir.path().join(format!("{i}.txt")))),
            )
        });
        let gathered = Output::gather(outs);
        let Output::Siblings(s) = &gathered else {
            panic!("expected siblings, got {gathered:?}")
        };
        std::fs::write(dir.path().join("1.txt"), b"").unwrap();
        std::fs::write(dir.path().join("3.txt"), b"").unwrap();
        assert_eq!(s.existing().unwrap(), vec![false, true, false, true]);
        assert_eq!(
            gathered.presence().unwrap(),
            Presence {
                existing: 2,
                total: 4
            }
        );
        let mixed = Output::gather(vec![
            (
                "a".to_string(),
                Output::File(FileTarget::local(dir.path().join("1.txt"))),
            ),
            (
                "b".to_string(),
                Output::File(FileTarget::local(dir.path().join("x/2.txt"))),
            ),
        ]);
        assert!(matches!(mixed, Output::Collection(_)));
        assert_eq!(mixed.presence().unwrap().existing, 1);
        let all: Vec<_> = s.targets();
        let refs: Vec<&FileTarget> = all.iter().collect();
        assert_eq!(exists_many(&refs).unwrap(), vec![false, true, false, true]);
    }
}
