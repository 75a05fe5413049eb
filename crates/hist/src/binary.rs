//! cf's own binary histogram format, for intermediate files.
//!
//! Layout (all little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `CFHIST\0\x01` |
//! | 2 | format version (1) |
//! | 8 | payload length |
//! | n | payload: name, title, storage, axes, events, completed-block sums, pending block |
//! | 8 | FNV-1a 64 checksum of the payload |
//!
//! Reading checks every length against the bytes present and the checksum, so truncated or
//! corrupt input is an [`Error::Corrupt`], never a panic.

use std::path::Path;

use crate::axis::{Axis, AxisKind};
use crate::error::{io_err, Error, Result};
use crate::histogram::{Bins, Histogram, Storage};

const MAGIC: &[u8; 8] = b"CFHIST\0\x01";
const VERSION: u16 = 1;

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

fn corrupt(what: impl Into<String>) -> Error {
    Error::Corrupt { what: what.into() }
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| corrupt(format!("truncated while reading {what}")))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8, what)?);
        Ok(u64::from_le_bytes(b))
    }
    fn i64(&mut self, what: &str) -> Result<i64> {
        Ok(self.u64(what)? as i64)
    }
    fn f64(&mut self, what: &str) -> Result<f64> {
        Ok(f64::from_bits(self.u64(what)?))
    }
    /// A count of items of `size` bytes each, checked against the bytes left.
    fn count(&mut self, size: usize, what: &str) -> Result<usize> {
        let n = self.u64(what)?;
        let left = (self.bytes.len() - self.at) as u64;
        if n.saturating_mul(size.max(1) as u64) > left {
            return Err(corrupt(format!("{what} count {n} exceeds the data")));
        }
        Ok(n as usize)
    }
    fn str(&mut self, what: &str) -> Result<String> {
        let n = self.count(1, what)?;
        let b = self.take(n, what)?;
        String::from_utf8(b.to_vec()).map_err(|_| corrupt(format!("{what} is not UTF-8")))
    }
    fn bool(&mut self, what: &str) -> Result<bool> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(corrupt(format!("{what} flag is {v}"))),
        }
    }
}

impl Histogram {
    /// Encodes the histogram in cf's binary format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.str(&self.name);
        w.str(&self.title);
        w.u8(self.storage.code());
        w.u64(self.axes.len() as u64);
        for a in &self.axes {
            w.str(&a.name);
            w.str(&a.label);
            w.u8(u8::from(a.underflow));
            w.u8(u8::from(a.overflow));
            w.u8(u8::from(a.growth));
            w.u8(u8::from(a.last_edge_inclusive));
            match &a.kind {
                AxisKind::Regular { bins, lo, hi } => {
                    w.u8(0);
                    w.u64(*bins as u64);
                    w.f64(*lo);
                    w.f64(*hi);
                }
                AxisKind::Variable { edges } => {
                    w.u8(1);
                    w.u64(edges.len() as u64);
                    edges.iter().for_each(|e| w.f64(*e));
                }
                AxisKind::Integer { lo, hi } => {
                    w.u8(2);
                    w.i64(*lo);
                    w.i64(*hi);
                }
                AxisKind::IntCategory { categories } => {
                    w.u8(3);
                    w.u64(categories.len() as u64);
                    categories.iter().for_each(|c| w.i64(*c));
                }
                AxisKind::StrCategory { categories } => {
                    w.u8(4);
                    w.u64(categories.len() as u64);
                    categories.iter().for_each(|c| w.str(c));
                }
            }
        }
        w.u64(self.events);
        // Completed blocks and the block in progress are kept apart, so that filling a
        // histogram read back gives the same bits as filling the original.
        w.u64(self.bins.values.len() as u64);
        let write_bins = |w: &mut Writer, b: &Bins| {
            b.values.iter().for_each(|v| w.f64(*v));
            w.u8(u8::from(b.variances.is_some()));
            if let Some(var) = &b.variances {
                var.iter().for_each(|v| w.f64(*v));
            }
        };
        write_bins(&mut w, &self.bins);
        match &self.pending {
            Some(p) => {
                w.u8(1);
                write_bins(&mut w, p);
            }
            None => w.u8(0),
        }
        let payload = w.0;
        let mut out = Vec::with_capacity(payload.len() + 26);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&fnv1a(&payload).to_le_bytes());
        out
    }

    /// Decodes cf's binary format; any damage is an [`Error::Corrupt`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Histogram> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8, "magic")? != MAGIC {
            return Err(corrupt("magic bytes are not CFHIST"));
        }
        let version = u16::from_le_bytes([r.u8("version")?, r.u8("version")?]);
        if version != VERSION {
            return Err(corrupt(format!(
                "format version {version}, this build reads {VERSION}"
            )));
        }
        let len = r.count(1, "payload length")?;
        let payload = r.take(len, "payload")?;
        let sum = r.u64("checksum")?;
        if r.at != bytes.len() {
            return Err(corrupt("trailing bytes after the checksum"));
        }
        if fnv1a(payload) != sum {
            return Err(corrupt("checksum mismatch"));
        }
        let mut r = Reader {
            bytes: payload,
            at: 0,
        };
        let name = r.str("name")?;
        let title = r.str("title")?;
        let code = r.u8("storage")?;
        let storage =
            Storage::from_code(code).ok_or_else(|| corrupt(format!("storage code {code}")))?;
        let naxes = r.count(1, "axes")?;
        let mut axes = Vec::with_capacity(naxes);
        for _ in 0..naxes {
            let name = r.str("axis name")?;
            let label = r.str("axis label")?;
            let underflow = r.bool("underflow")?;
            let overflow = r.bool("overflow")?;
            let growth = r.bool("growth")?;
            let inclusive = r.bool("last edge inclusive")?;
            let axis = match r.u8("axis kind")? {
                0 => {
                    let bins = r.u64("bins")?;
                    let bins = usize::try_from(bins).map_err(|_| corrupt("bin count"))?;
                    Axis::regular(bins, r.f64("lo")?, r.f64("hi")?)
                }
                1 => {
                    let n = r.count(8, "edges")?;
                    let edges = (0..n).map(|_| r.f64("edge")).collect::<Result<Vec<_>>>()?;
                    Axis::variable(edges)
                }
                2 => Axis::integer(r.i64("lo")?, r.i64("hi")?),
                3 => {
                    let n = r.count(8, "categories")?;
                    let c = (0..n)
                        .map(|_| r.i64("category"))
                        .collect::<Result<Vec<_>>>()?;
                    Axis::int_category(c)
                }
                4 => {
                    let n = r.count(8, "categories")?;
                    let c = (0..n)
                        .map(|_| r.str("category"))
                        .collect::<Result<Vec<_>>>()?;
                    Axis::str_category(c)
                }
                k => return Err(corrupt(format!("axis kind {k}"))),
            }
            .map_err(|e| corrupt(format!("invalid axis: {e}")))?;
            let mut axis = axis
                .with_name(name)
                .with_label(label)
                .with_growth(growth)
                .with_last_edge_inclusive(inclusive);
            axis.underflow = underflow && !axis.is_category();
            axis.overflow = overflow && !growth;
            axes.push(axis);
        }
        let events = r.u64("events")?;
        let n = r.count(8, "bins")?;
        let expected = axes
            .iter()
            .try_fold(1usize, |acc, a| acc.checked_mul(a.extent()))
            .filter(|n| *n <= crate::MAX_BINS);
        if expected != Some(n) {
            return Err(corrupt(format!(
                "{n} bins stored but the axes make {expected:?}"
            )));
        }
        let read_bins = |r: &mut Reader<'_>| -> Result<Bins> {
            let values = (0..n).map(|_| r.f64("value")).collect::<Result<Vec<_>>>()?;
            let variances = if r.bool("variances flag")? {
                Some(
                    (0..n)
                        .map(|_| r.f64("variance"))
                        .collect::<Result<Vec<_>>>()?,
                )
            } else {
                None
            };
            if variances.is_some() != (storage == Storage::Weight) {
                return Err(corrupt(
                    "variances present for a storage without them, or missing",
                ));
            }
            Ok(Bins { values, variances })
        };
        let bins = read_bins(&mut r)?;
        let pending = if r.bool("pending flag")? {
            Some(read_bins(&mut r)?)
        } else {
            None
        };
        if r.at != payload.len() {
            return Err(corrupt("payload longer than its content"));
        }
        let mut h = Histogram::from_parts(name, title, axes, storage, bins, events);
        h.pending = pending;
        Ok(h)
    }

    /// Writes the binary form to `path` atomically.
    pub fn write_binary(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write_atomic(path.as_ref(), &self.to_bytes())
    }

    /// Reads a histogram written by [`Histogram::write_binary`].
    pub fn read_binary(path: impl AsRef<Path>) -> Result<Histogram> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(io_err(path))?;
        Histogram::from_bytes(&bytes)
    }
}
