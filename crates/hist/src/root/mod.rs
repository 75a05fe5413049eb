//! Writing TH1D/TH2D histograms into ROOT files, in directories.
//!
//! The writer produces a small-format ROOT file (32-bit seeks, files up to 2 GB) with
//! uncompressed objects: the file header, the top directory record, one `TKey` per histogram
//! and per subdirectory, a keys list per directory, the `StreamerInfo` record describing every
//! streamed class (so ROOT can read the file without relying on its built-in dictionaries) and
//! the free-segments record. Histograms keep their name, title, axis titles, variable
//! binning, flow bins and, for weighted storage, the sums of squared weights (`fSumw2`).

mod buffer;
mod streamers;
mod th;

use std::path::Path;

use buffer::Buffer;

use crate::error::{Error, Result};
use crate::histogram::Histogram;

const BEGIN: usize = 100;
const DIR_RECORD_LEN: usize = 60;
const ROOT_VERSION: i32 = 62_806;

struct Object {
    name: String,
    title: String,
    class: &'static str,
    data: Vec<u8>,
}

#[derive(Default)]
struct Dir {
    name: String,
    objects: Vec<Object>,
    dirs: Vec<Dir>,
}

/// A ROOT file being assembled: add histograms under `dir/sub/name` paths, then
/// [`RootFile::write`] it atomically.
#[derive(Default)]
pub struct RootFile {
    root: Dir,
    title: String,
    has_th2: bool,
}

fn tstring_len(s: &str) -> usize {
    if s.len() < 255 {
        1 + s.len()
    } else {
        5 + s.len()
    }
}

fn key_len(class: &str, name: &str, title: &str) -> usize {
    26 + tstring_len(class) + tstring_len(name) + tstring_len(title)
}

fn unwritable(name: &str, reason: String) -> Error {
    Error::Unwritable {
        histogram: name.to_string(),
        format: "ROOT file",
        reason,
    }
}

struct KeyHeader<'a> {
    objlen: usize,
    seek_key: usize,
    seek_pdir: usize,
    class: &'a str,
    name: &'a str,
    title: &'a str,
}

impl RootFile {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the file title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Adds a 1D or 2D histogram with continuous axes at `path` (`"dir/sub/name"`;
    /// directories are created as needed). The last path part becomes the ROOT name.
    pub fn add(&mut self, path: &str, hist: &Histogram) -> Result<()> {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(unwritable(
                path,
                "path parts must be non-empty (`dir/name`)".into(),
            ));
        }
        let (name, dirs) = parts.split_last().unwrap_or((&"", &[]));
        let mut dir = &mut self.root;
        for d in dirs {
            if dir.objects.iter().any(|o| o.name == *d) {
                return Err(unwritable(path, format!("`{d}` is already a histogram")));
            }
            let pos = match dir.dirs.iter().position(|x| x.name == *d) {
                Some(p) => p,
                None => {
                    dir.dirs.push(Dir {
                        name: d.to_string(),
                        ..Dir::default()
                    });
                    dir.dirs.len() - 1
                }
            };
            dir = &mut dir.dirs[pos];
        }
        if dir.objects.iter().any(|o| o.name == *name) || dir.dirs.iter().any(|x| x.name == *name) {
            return Err(unwritable(path, "the path is already used".into()));
        }
        let class = if hist.axes().len() == 2 {
            "TH2D"
        } else {
            "TH1D"
        };
        let (class, data) = th::stream(hist, name, key_len(class, name, hist.title()))?;
        self.has_th2 |= class == "TH2D";
        dir.objects.push(Object {
            name: name.to_string(),
            title: hist.title().to_string(),
            class,
            data,
        });
        Ok(())
    }

    /// Writes the file to `path` atomically (temporary file, then rename).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_bytes(
            &path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        )?;
        crate::io::write_atomic(path, &bytes)
    }

    /// The file's bytes; `file_name` is recorded as the top directory's name.
    pub fn to_bytes(&self, file_name: &str) -> Result<Vec<u8>> {
        let now = datime();
        let uuid = uuid();
        let mut out = vec![0u8; BEGIN];
        let top_key_len = key_len("TFile", file_name, &self.title);
        let name_bytes = tstring_len(file_name) + tstring_len(&self.title);
        let top_objlen = name_bytes + DIR_RECORD_LEN;
        out.resize(BEGIN + top_key_len + top_objlen, 0);

        let top_keys = self.write_dir_contents(&mut out, &self.root, BEGIN, now, uuid)?;
        let (seek_keys, nbytes_keys) = write_keys_list(
            &mut out,
            "TFile",
            file_name,
            &self.title,
            BEGIN,
            &top_keys,
            now,
        );

        let mut top = key_header(
            &KeyHeader {
                objlen: top_objlen,
                seek_key: BEGIN,
                seek_pdir: 0,
                class: "TFile",
                name: file_name,
                title: &self.title,
            },
            now,
        );
        top.tstring(file_name);
        top.tstring(&self.title);
        dir_record(
            &mut top,
            now,
            nbytes_keys,
            top_key_len + name_bytes,
            BEGIN,
            0,
            seek_keys,
            uuid,
        );
        out[BEGIN..BEGIN + top.data.len()].copy_from_slice(&top.data);

        let seek_info = out.len();
        let info_key_len = key_len("TList", "StreamerInfo", "Doubly linked list");
        let info = streamers::streamer_list(info_key_len, self.has_th2);
        let header = key_header(
            &KeyHeader {
                objlen: info.len(),
                seek_key: seek_info,
                seek_pdir: BEGIN,
                class: "TList",
                name: "StreamerInfo",
                title: "Doubly linked list",
            },
            now,
        );
        out.extend_from_slice(&header.data);
        out.extend_from_slice(&info);
        let nbytes_info = out.len() - seek_info;

        let seek_free = out.len();
        let free_key_len = key_len("TFile", file_name, &self.title);
        let end = seek_free + free_key_len + 10;
        let header = key_header(
            &KeyHeader {
                objlen: 10,
                seek_key: seek_free,
                seek_pdir: BEGIN,
                class: "TFile",
                name: file_name,
                title: &self.title,
            },
            now,
        );
        out.extend_from_slice(&header.data);
        let mut free = Buffer::new(0);
        free.i16(1);
        free.i32(end as i32);
        free.i32(2_000_000_000);
        out.extend_from_slice(&free.data);
        if out.len() > i32::MAX as usize {
            return Err(unwritable(
                file_name,
                "the file would exceed 2 GB; split the histograms over several files".into(),
            ));
        }

        let mut h = Buffer::new(0);
        h.data.extend_from_slice(b"root");
        h.i32(ROOT_VERSION);
        h.i32(BEGIN as i32);
        h.i32(end as i32);
        h.i32(seek_free as i32);
        h.i32((end - seek_free) as i32);
        h.i32(1);
        h.i32((top_key_len + name_bytes) as i32);
        h.u8(4);
        h.i32(0);
        h.i32(seek_info as i32);
        h.i32(nbytes_info as i32);
        h.u16(1);
        h.data.extend_from_slice(&uuid);
        out[..h.data.len()].copy_from_slice(&h.data);
        Ok(out)
    }

    /// Writes a directory's objects and subdirectories; returns the key headers it holds.
    fn write_dir_contents(
        &self,
        out: &mut Vec<u8>,
        dir: &Dir,
        seek_dir: usize,
        now: u32,
        uuid: [u8; 16],
    ) -> Result<Vec<Vec<u8>>> {
        let mut keys = Vec::new();
        for o in &dir.objects {
            let header = key_header(
                &KeyHeader {
                    objlen: o.data.len(),
                    seek_key: out.len(),
                    seek_pdir: seek_dir,
                    class: o.class,
                    name: &o.name,
                    title: &o.title,
                },
                now,
            );
            out.extend_from_slice(&header.data);
            out.extend_from_slice(&o.data);
            keys.push(header.data);
        }
        for d in &dir.dirs {
            let pos = out.len();
            let header = key_header(
                &KeyHeader {
                    objlen: DIR_RECORD_LEN,
                    seek_key: pos,
                    seek_pdir: seek_dir,
                    class: "TDirectory",
                    name: &d.name,
                    title: &d.name,
                },
                now,
            );
            let klen = header.data.len();
            out.extend_from_slice(&header.data);
            out.resize(pos + klen + DIR_RECORD_LEN, 0);
            let sub_keys = self.write_dir_contents(out, d, pos, now, uuid)?;
            let (seek_keys, nbytes_keys) =
                write_keys_list(out, "TDirectory", &d.name, &d.name, pos, &sub_keys, now);
            let mut rec = Buffer::new(0);
            dir_record(
                &mut rec,
                now,
                nbytes_keys,
                klen,
                pos,
                seek_dir,
                seek_keys,
                uuid,
            );
            out[pos + klen..pos + klen + DIR_RECORD_LEN].copy_from_slice(&rec.data);
            keys.push(header.data);
        }
        Ok(keys)
    }
}

fn write_keys_list(
    out: &mut Vec<u8>,
    class: &str,
    name: &str,
    title: &str,
    seek_dir: usize,
    keys: &[Vec<u8>],
    now: u32,
) -> (usize, usize) {
    let pos = out.len();
    let objlen = 4 + keys.iter().map(Vec::len).sum::<usize>();
    let header = key_header(
        &KeyHeader {
            objlen,
            seek_key: pos,
            seek_pdir: seek_dir,
            class,
            name,
            title,
        },
        now,
    );
    out.extend_from_slice(&header.data);
    out.extend_from_slice(&(keys.len() as i32).to_be_bytes());
    for k in keys {
        out.extend_from_slice(k);
    }
    (pos, out.len() - pos)
}

fn key_header(k: &KeyHeader<'_>, now: u32) -> Buffer {
    let klen = key_len(k.class, k.name, k.title);
    let mut b = Buffer::new(0);
    b.i32((klen + k.objlen) as i32);
    b.i16(4);
    b.i32(k.objlen as i32);
    b.u32(now);
    b.i16(klen as i16);
    b.i16(1);
    b.i32(k.seek_key as i32);
    b.i32(k.seek_pdir as i32);
    b.tstring(k.class);
    b.tstring(k.name);
    b.tstring(k.title);
    b
}

#[allow(clippy::too_many_arguments)]
fn dir_record(
    b: &mut Buffer,
    now: u32,
    nbytes_keys: usize,
    nbytes_name: usize,
    seek_dir: usize,
    seek_parent: usize,
    seek_keys: usize,
    uuid: [u8; 16],
) {
    b.i16(5);
    b.u32(now);
    b.u32(now);
    b.i32(nbytes_keys as i32);
    b.i32(nbytes_name as i32);
    b.i32(seek_dir as i32);
    b.i32(seek_parent as i32);
    b.i32(seek_keys as i32);
    b.u16(1);
    b.data.extend_from_slice(&uuid);
    // Room ROOT keeps so the record can later hold 64-bit seeks.
    b.data.extend_from_slice(&[0u8; 12]);
}

/// The current time in ROOT's `TDatime` packing.
fn datime() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u32;
    ((year.saturating_sub(1995)) << 26)
        | (month << 22)
        | (day << 17)
        | (((rem / 3600) as u32) << 12)
        | ((((rem % 3600) / 60) as u32) << 6)
        | ((rem % 60) as u32)
}

fn uuid() -> [u8; 16] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mixed = nanos ^ (u128::from(std::process::id()) << 64);
    mixed.to_be_bytes()
}
