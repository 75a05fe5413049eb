//! The file layer: header, top directory, keys, and reading a key's (decompressed) object.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::cache::FileId;
use crate::compress::decompress;
use crate::cursor::{Cursor, Parse};
use crate::error::{Error, Result};
use crate::pool;
use crate::tree::Tree;

/// An open file shared by a [`RootFile`] and the trees read from it; reads use `pread`, so
/// any number of threads read through one descriptor without locking.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) path: PathBuf,
    file: File,
    pub(crate) len: u64,
    /// Identifies the file's content for the basket cache.
    pub(crate) id: FileId,
}

impl Source {
    /// Reads `n` bytes at `offset`, or says which structure ran past the end of the file.
    pub(crate) fn read(&self, offset: u64, n: usize, what: &dyn Fn() -> String) -> Result<Vec<u8>> {
        let end = offset.checked_add(n as u64).filter(|&e| e <= self.len);
        let Some(_) = end else {
            return Err(Error::Truncated {
                file: self.path.clone(),
                what: what(),
                offset,
                end: offset.saturating_add(n as u64),
                file_len: self.len,
            });
        };
        // Recycled buffer: `read_exact_at` overwrites all of it or fails.
        let mut buf = pool::take(n);
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(|source| Error::Io {
                file: self.path.clone(),
                source,
            })?;
        Ok(buf)
    }

    pub(crate) fn malformed(&self, what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Malformed {
            file: self.path.clone(),
            what: what.into(),
            reason: reason.into(),
        }
    }
}

/// A `TKey`: where an object is stored and how big it is.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub(crate) nbytes: u32,
    pub(crate) objlen: u32,
    pub(crate) keylen: u16,
    pub(crate) cycle: i16,
    pub(crate) seek_key: u64,
    pub(crate) class_name: String,
    pub(crate) name: String,
}

/// Parses a `TKey` header (the same layout precedes every object and every basket).
pub(crate) fn parse_key(c: &mut Cursor) -> Parse<Key> {
    let nbytes = c.i32()?;
    let version = c.i16()?;
    let objlen = c.i32()?;
    let _datime = c.u32()?;
    let keylen = c.i16()?;
    let cycle = c.i16()?;
    let seek_key = if version > 1000 {
        let s = c.i64()?;
        let _seek_pdir = c.i64()?;
        s
    } else {
        let s = c.i32()? as i64;
        let _seek_pdir = c.i32()?;
        s
    };
    let class_name = c.string()?;
    let name = c.string()?;
    let _title = c.string()?;
    if nbytes < 0 || objlen < 0 || keylen < 0 || seek_key < 0 {
        return Err(format!(
            "key {name:?} has negative sizes (nbytes {nbytes}, objlen {objlen}, keylen {keylen}, seek {seek_key})"
        ));
    }
    Ok(Key {
        nbytes: nbytes as u32,
        objlen: objlen as u32,
        keylen: keylen as u16,
        cycle,
        seek_key: seek_key as u64,
        class_name,
        name,
    })
}

impl Source {
    /// Reads and decompresses the object a key points to.
    pub(crate) fn read_object(&self, key: &Key) -> Result<Vec<u8>> {
        let what = || format!("{} {:?}", key.class_name, key.name);
        let raw = self.read(key.seek_key, key.nbytes as usize, &what)?;
        let body = raw
            .get(key.keylen as usize..)
            .ok_or_else(|| self.malformed(what(), "key header longer than the key"))?;
        decompress(body, key.objlen as usize).map_err(|reason| Error::Decompress {
            file: self.path.clone(),
            what: what(),
            reason,
        })
    }
}

/// One entry of the file's top directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// Object name, e.g. `Events`.
    pub name: String,
    /// ROOT class, e.g. `TTree`.
    pub class_name: String,
    /// Cycle number; a name may be stored several times, the highest cycle is the newest.
    pub cycle: i16,
}

/// An open ROOT file: its top-directory keys and the trees in it.
///
/// Opening reads only the header and the key list; [`RootFile::tree`] reads a tree's
/// metadata, and [`Tree::read`] reads baskets.
#[derive(Debug, Clone)]
pub struct RootFile {
    src: Arc<Source>,
    keys: Vec<Key>,
}

impl RootFile {
    /// Opens a ROOT file and reads its top directory.
    pub fn open(path: impl AsRef<Path>) -> Result<RootFile> {
        let path = path.as_ref().to_path_buf();
        let io = |source| Error::Io {
            file: path.clone(),
            source,
        };
        let file = File::open(&path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        let src = Arc::new(Source {
            path,
            file,
            len: meta.len(),
            id: FileId::of(&meta),
        });
        let keys = read_top_keys(&src)?;
        Ok(RootFile { src, keys })
    }

    /// The path the file was opened from.
    pub fn path(&self) -> &Path {
        &self.src.path
    }

    /// The objects in the top directory.
    pub fn keys(&self) -> Vec<KeyInfo> {
        self.keys
            .iter()
            .map(|k| KeyInfo {
                name: k.name.clone(),
                class_name: k.class_name.clone(),
                cycle: k.cycle,
            })
            .collect()
    }

    /// Names of the trees in the top directory (each once).
    pub fn tree_names(&self) -> Vec<String> {
        tree_names(&self.keys)
    }

    /// Reads the metadata (branches, leaves, basket positions) of the tree `name` (its
    /// highest cycle). A tree in a subdirectory is named by its path, `dir/sub/name`.
    pub fn tree(&self, name: &str) -> Result<Tree> {
        let mut keys = std::borrow::Cow::Borrowed(&self.keys);
        let (dirs, leaf) = match name.rsplit_once('/') {
            Some((dirs, leaf)) => (dirs, leaf),
            None => ("", name),
        };
        for dir in dirs.split('/').filter(|d| !d.is_empty()) {
            let key = newest(&keys, dir, |c| c == "TDirectory" || c == "TDirectoryFile")
                .ok_or_else(|| Error::NoSuchTree {
                    file: self.src.path.clone(),
                    name: name.to_string(),
                    available: tree_names(&keys),
                })?;
            keys = std::borrow::Cow::Owned(read_subdirectory_keys(&self.src, key)?);
        }
        let key = newest(&keys, leaf, |c| c == "TTree").ok_or_else(|| {
            match newest(&keys, leaf, |_| true) {
                Some(other) => Error::NotATree {
                    file: self.src.path.clone(),
                    name: name.to_string(),
                    class: other.class_name.clone(),
                },
                None => Error::NoSuchTree {
                    file: self.src.path.clone(),
                    name: name.to_string(),
                    available: tree_names(&keys),
                },
            }
        })?;
        Tree::from_key(self.src.clone(), key)
    }
}

/// The highest cycle of the key `name` whose class passes `class`.
fn newest<'k>(keys: &'k [Key], name: &str, class: impl Fn(&str) -> bool) -> Option<&'k Key> {
    keys.iter()
        .filter(|k| k.name == name && class(&k.class_name))
        .max_by_key(|k| k.cycle)
}

fn tree_names(keys: &[Key]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for k in keys.iter().filter(|k| k.class_name == "TTree") {
        if !names.contains(&k.name) {
            names.push(k.name.clone());
        }
    }
    names
}

/// Reads a directory record (`TDirectory` streamer): where its key list is and how long.
fn parse_directory(buf: &[u8]) -> Parse<(u64, usize)> {
    let mut c = Cursor::new(buf, 0);
    let version = c.i16()?;
    let _ctime = c.u32()?;
    let _mtime = c.u32()?;
    let nbytes_keys = c.i32()?;
    let _nbytes_name = c.i32()?;
    let seek_keys = if version > 1000 {
        let _seek_dir = c.i64()?;
        let _seek_parent = c.i64()?;
        c.i64()?
    } else {
        let _seek_dir = c.i32()?;
        let _seek_parent = c.i32()?;
        c.i32()? as i64
    };
    if nbytes_keys < 0 || seek_keys < 0 {
        return Err(format!(
            "negative key-list position {seek_keys} or size {nbytes_keys}"
        ));
    }
    Ok((seek_keys as u64, nbytes_keys as usize))
}

/// Reads the key list of a directory (a key header, a count, then the keys).
fn read_key_list(src: &Source, seek: u64, nbytes: usize, dir: &str) -> Result<Vec<Key>> {
    let what = || format!("key list of directory {dir:?}");
    let list = src.read(seek, nbytes, &what)?;
    (|| -> Parse<Vec<Key>> {
        let mut c = Cursor::new(&list, 0);
        parse_key(&mut c)?;
        let n = c.count("key count")?;
        // Each key header takes at least 26 bytes, so a count beyond that is garbage.
        if n > c.len() / 26 + 1 {
            return Err(format!("{n} keys cannot fit in {} bytes", c.len()));
        }
        (0..n).map(|_| parse_key(&mut c)).collect()
    })()
    .map_err(|e| src.malformed(what(), e))
}

fn read_subdirectory_keys(src: &Source, key: &Key) -> Result<Vec<Key>> {
    let record = src.read_object(key)?;
    let (seek, nbytes) = parse_directory(&record)
        .map_err(|e| src.malformed(format!("directory {:?}", key.name), e))?;
    read_key_list(src, seek, nbytes, &key.name)
}

fn read_top_keys(src: &Source) -> Result<Vec<Key>> {
    let head_len = src.len.min(256) as usize;
    let head = src.read(0, head_len, &|| "file header".to_string())?;
    if head.len() < 4 || &head[..4] != b"root" {
        return Err(Error::NotRoot {
            file: src.path.clone(),
        });
    }
    // The fields read below take at most 44 bytes (64-bit layout), the UUID after them more.
    const MIN_HEADER: u64 = 64;
    if src.len < MIN_HEADER {
        return Err(Error::Truncated {
            file: src.path.clone(),
            what: "file header".to_string(),
            offset: 0,
            end: MIN_HEADER,
            file_len: src.len,
        });
    }
    let header = |e: String| src.malformed("file header", e);
    let mut c = Cursor::new(&head, 0);
    c.skip(4).map_err(header)?;
    let (begin, end, nbytes_name) = (|| -> Parse<(u64, u64, u64)> {
        let version = c.i32()?;
        let begin = c.i32()? as i64;
        let big = version >= 1_000_000;
        let end = if big { c.i64()? } else { c.i32()? as i64 };
        let _seek_free = if big { c.i64()? } else { c.i32()? as i64 };
        let _nbytes_free = c.i32()?;
        let _nfree = c.i32()?;
        let nbytes_name = c.i32()? as i64;
        if begin <= 0 || end < begin || nbytes_name < 0 {
            return Err(format!(
                "impossible header values (begin {begin}, end {end}, name bytes {nbytes_name})"
            ));
        }
        Ok((begin as u64, end as u64, nbytes_name as u64))
    })()
    .map_err(header)?;
    if end > src.len {
        return Err(Error::Truncated {
            file: src.path.clone(),
            what: "file (the header records its end)".to_string(),
            offset: 0,
            end,
            file_len: src.len,
        });
    }
    let dir_at = begin + nbytes_name;
    let dir_len = (src.len - dir_at.min(src.len)).min(64) as usize;
    let dir = src.read(dir_at, dir_len, &|| "top directory".to_string())?;
    let (seek_keys, nbytes_keys) =
        parse_directory(&dir).map_err(|e| src.malformed("top directory", e))?;
    read_key_list(src, seek_keys, nbytes_keys, "/")
}
