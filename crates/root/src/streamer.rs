//! Deserializes the TTree metadata object: TTree, TBranch, TLeaf*, TObjArray and embedded
//! TBasket, in the versioned layouts ROOT 6 writes (TTree v16-v20, TBranch v12-v13).
//!
//! Objects written with a byte count are always skipped to their recorded end, so members this
//! reader does not need (or a newer class version appending members) never derail it.

use std::collections::HashMap;

use crate::cursor::{Cursor, Parse};
use crate::file::parse_key;

const BYTE_COUNT_MASK: u32 = 0x4000_0000;
const NEW_CLASS_TAG: u32 = 0xFFFF_FFFF;
const CLASS_MASK: u32 = 0x8000_0000;
const MAP_OFFSET: usize = 2;
const IS_REFERENCED: u32 = 1 << 4;

/// A leaf: the type and shape of a branch's values.
#[derive(Debug, Clone)]
pub(crate) struct RawLeaf {
    pub(crate) class: String,
    pub(crate) name: String,
    /// Fixed number of values per entry (1 for scalars and for counted arrays).
    pub(crate) len: i32,
    pub(crate) unsigned: bool,
    /// Name of the leaf holding the per-entry count (`nJet`), for variable-length arrays.
    pub(crate) count: Option<String>,
}

/// A basket stored inside the TTree metadata rather than as its own key.
#[derive(Debug, Clone)]
pub(crate) struct EmbeddedBasket {
    pub(crate) entries: u32,
    /// Values of all entries (without the key header).
    pub(crate) data: Vec<u8>,
    /// Byte offsets of entry starts into `data`, `entries + 1` of them, for variable-size
    /// entries.
    pub(crate) offsets: Option<Vec<i32>>,
}

#[derive(Debug, Clone)]
pub(crate) struct RawBranch {
    pub(crate) class: String,
    pub(crate) name: String,
    pub(crate) write_basket: usize,
    pub(crate) entries: i64,
    pub(crate) leaves: Vec<RawLeaf>,
    pub(crate) branches: Vec<RawBranch>,
    pub(crate) embedded: Vec<EmbeddedBasket>,
    pub(crate) basket_bytes: Vec<i32>,
    pub(crate) basket_entry: Vec<i64>,
    pub(crate) basket_seek: Vec<i64>,
}

#[derive(Debug)]
pub(crate) struct RawTree {
    pub(crate) entries: i64,
    pub(crate) branches: Vec<RawBranch>,
}

enum Obj {
    Null,
    Branch(RawBranch),
    Leaf(RawLeaf),
    /// A reference to a leaf read earlier in the same buffer.
    LeafRef(String),
    Basket(EmbeddedBasket),
    Other,
}

enum Ref {
    Class(String),
    Leaf(String),
    Other,
}

struct Reader<'a, 'b> {
    c: &'b mut Cursor<'a>,
    refs: HashMap<usize, Ref>,
}

/// Reads a version header: `(version, end position if a byte count was written)`.
fn header(c: &mut Cursor) -> Parse<(i16, Option<usize>)> {
    let start = c.pos();
    let first = c.u32()?;
    if first & BYTE_COUNT_MASK != 0 {
        let count = (first & !BYTE_COUNT_MASK) as usize;
        let end = start + 4 + count;
        if end > c.len() {
            return Err(format!(
                "object at byte {start} claims {count} bytes, past the end of its {}-byte buffer",
                c.len()
            ));
        }
        Ok((c.i16()?, Some(end)))
    } else {
        c.seek(start)?;
        Ok((c.i16()?, None))
    }
}

fn end_of(c: &mut Cursor, end: Option<usize>) -> Parse<()> {
    match end {
        Some(e) => c.seek(e),
        None => Ok(()),
    }
}

/// Skips a whole object that carries a byte count (TAttLine, TIOFeatures, ...).
fn skip_object(c: &mut Cursor, what: &str) -> Parse<()> {
    match header(c)? {
        (_, Some(end)) => c.seek(end),
        (_, None) => Err(format!("{what} has no byte count, cannot skip it")),
    }
}

fn tobject(c: &mut Cursor) -> Parse<()> {
    let version = c.i16()?;
    if version as u16 & 0x4000 != 0 {
        c.skip(4)?;
    }
    let _unique_id = c.u32()?;
    let bits = c.u32()?;
    if bits & IS_REFERENCED != 0 {
        c.skip(2)?;
    }
    Ok(())
}

fn tnamed(c: &mut Cursor) -> Parse<String> {
    let (_, end) = header(c)?;
    tobject(c)?;
    let name = c.string()?;
    let _title = c.string()?;
    end_of(c, end)?;
    Ok(name)
}

impl<'a, 'b> Reader<'a, 'b> {
    fn object_any(&mut self) -> Parse<Obj> {
        let beg = self.c.displacement();
        let beg_pos = self.c.pos();
        let first = self.c.u32()?;
        let (tag, start, end) = if first & BYTE_COUNT_MASK == 0 || first == NEW_CLASS_TAG {
            (first, None, None)
        } else {
            let start = self.c.displacement();
            let end = beg_pos + 4 + (first & !BYTE_COUNT_MASK) as usize;
            if end > self.c.len() {
                return Err(format!(
                    "object at byte {beg_pos} claims to end at {end}, past its buffer"
                ));
            }
            (self.c.u32()?, Some(start), Some(end))
        };
        if tag & CLASS_MASK == 0 {
            let obj = match self.refs.get(&(tag as usize)) {
                _ if tag == 0 => Obj::Null,
                Some(Ref::Leaf(name)) => Obj::LeafRef(name.clone()),
                _ => Obj::Other,
            };
            end_of(self.c, end)?;
            return Ok(obj);
        }
        let class = if tag == NEW_CLASS_TAG {
            let class = self.c.cstring()?;
            let key = match start {
                Some(s) => s + MAP_OFFSET,
                None => self.refs.len() + 1,
            };
            self.refs.insert(key, Ref::Class(class.clone()));
            class
        } else {
            match self.refs.get(&((tag & !CLASS_MASK) as usize)) {
                Some(Ref::Class(c)) => c.clone(),
                _ => return Err(format!("reference to unknown class tag {tag:#x}")),
            }
        };
        let obj = self.class(&class, end)?;
        let entry = match &obj {
            Obj::Leaf(l) => Ref::Leaf(l.name.clone()),
            _ => Ref::Other,
        };
        let key = match start {
            Some(_) => beg + MAP_OFFSET,
            None => self.refs.len() + 1,
        };
        self.refs.insert(key, entry);
        end_of(self.c, end)?;
        Ok(obj)
    }

    fn class(&mut self, class: &str, end: Option<usize>) -> Parse<Obj> {
        Ok(match class {
            "TBranch" => Obj::Branch(self.branch(class)?),
            "TBasket" => Obj::Basket(embedded_basket(self.c)?),
            c if c.starts_with("TBranch") => {
                // Subclasses stream their TBranch base first; their own members are skipped.
                let (_, own_end) = header(self.c)?;
                let b = self.branch(class)?;
                end_of(self.c, own_end)?;
                Obj::Branch(b)
            }
            c if c.starts_with("TLeaf") => Obj::Leaf(self.leaf(class)?),
            _ if end.is_some() => Obj::Other,
            other => {
                return Err(format!(
                    "cannot skip object of class {other} without a byte count"
                ))
            }
        })
    }

    fn leaf(&mut self, class: &str) -> Parse<RawLeaf> {
        let (_, end) = header(self.c)?;
        let (_, base_end) = header(self.c)?;
        let name = tnamed(self.c)?;
        let len = self.c.i32()?;
        let _len_type = self.c.i32()?;
        let _offset = self.c.i32()?;
        let _is_range = self.c.u8()?;
        let unsigned = self.c.u8()? != 0;
        let count = match self.object_any()? {
            Obj::Leaf(l) => Some(l.name),
            Obj::LeafRef(n) => Some(n),
            _ => None,
        };
        end_of(self.c, base_end)?;
        end_of(self.c, end)?;
        Ok(RawLeaf {
            class: class.to_string(),
            name,
            len,
            unsigned,
            count,
        })
    }

    fn obj_array(&mut self) -> Parse<Vec<Obj>> {
        let (version, end) = header(self.c)?;
        if version > 2 {
            tobject(self.c)?;
        }
        if version > 1 {
            let _name = self.c.string()?;
        }
        let n = self.c.count("array size")?;
        let _lower = self.c.i32()?;
        if n > self.c.len() {
            return Err(format!(
                "array of {n} objects in a {}-byte buffer",
                self.c.len()
            ));
        }
        let items = (0..n)
            .map(|_| self.object_any())
            .collect::<Parse<Vec<_>>>()?;
        end_of(self.c, end)?;
        Ok(items)
    }

    fn branch(&mut self, class: &str) -> Parse<RawBranch> {
        let (version, end) = header(self.c)?;
        if !(12..=13).contains(&version) {
            return Err(format!(
                "TBranch version {version} (only 12 and 13, ROOT 6, are supported)"
            ));
        }
        let name = tnamed(self.c)?;
        skip_object(self.c, "TAttFill")?;
        let _compress = self.c.i32()?;
        let _basket_size = self.c.i32()?;
        let _entry_offset_len = self.c.i32()?;
        let write_basket = self.c.count("fWriteBasket")?;
        let _entry_number = self.c.i64()?;
        if version >= 13 {
            skip_object(self.c, "TIOFeatures")?;
        }
        let _offset = self.c.i32()?;
        let max_baskets = self.c.count("fMaxBaskets")?;
        let _split = self.c.i32()?;
        let entries = self.c.i64()?;
        let _first = self.c.i64()?;
        let _tot = self.c.i64()?;
        let _zip = self.c.i64()?;
        let branches = self
            .obj_array()?
            .into_iter()
            .filter_map(|o| match o {
                Obj::Branch(b) => Some(b),
                _ => None,
            })
            .collect();
        let leaves = self
            .obj_array()?
            .into_iter()
            .filter_map(|o| match o {
                Obj::Leaf(l) => Some(l),
                _ => None,
            })
            .collect();
        let embedded = self
            .obj_array()?
            .into_iter()
            .filter_map(|o| match o {
                Obj::Basket(b) => Some(b),
                _ => None,
            })
            .collect();
        self.c.skip(1)?;
        let basket_bytes = self.c.i32s(max_baskets)?;
        self.c.skip(1)?;
        let basket_entry = self.c.i64s(max_baskets)?;
        self.c.skip(1)?;
        let basket_seek = self.c.i64s(max_baskets)?;
        end_of(self.c, end)?;
        if write_basket > max_baskets {
            return Err(format!(
                "branch {name}: {write_basket} written baskets but room for {max_baskets}"
            ));
        }
        Ok(RawBranch {
            class: class.to_string(),
            name,
            write_basket,
            entries,
            leaves,
            branches,
            embedded,
            basket_bytes,
            basket_entry,
            basket_seek,
        })
    }
}

/// The fields of a basket header that follow its `TKey`.
pub(crate) struct BasketHeader {
    pub(crate) keylen: usize,
    pub(crate) nbytes: usize,
    pub(crate) objlen: usize,
    pub(crate) entries: u32,
    pub(crate) last: usize,
    pub(crate) flag: u8,
}

/// Reads a basket's key and header; the cursor ends right after the flag byte.
pub(crate) fn basket_header(c: &mut Cursor) -> Parse<BasketHeader> {
    let start = c.pos();
    let key = parse_key(c)?;
    let _version = c.i16()?;
    let _buffer_size = c.i32()?;
    let nev_buf_size = c.i32()?;
    if nev_buf_size < 0 {
        // A negative size announces an extra byte of I/O feature bits.
        c.skip(1)?;
    }
    let entries = c.i32()?;
    let last = c.i32()?;
    let flag = c.u8()?;
    if entries < 0 || last < key.keylen as i32 {
        return Err(format!(
            "basket header with {entries} entries and data end {last} before its {}-byte key",
            key.keylen
        ));
    }
    if c.pos() - start > key.keylen as usize {
        return Err("basket header longer than its key length".to_string());
    }
    Ok(BasketHeader {
        keylen: key.keylen as usize,
        nbytes: key.nbytes as usize,
        objlen: key.objlen as usize,
        entries: entries as u32,
        last: last as usize,
        flag,
    })
}

fn embedded_basket(c: &mut Cursor) -> Parse<EmbeddedBasket> {
    let h = basket_header(c)?;
    let mut flag = h.flag;
    let generate_offsets = flag >= 80;
    if generate_offsets {
        flag -= 80;
    }
    let mut offsets = None;
    if !generate_offsets && flag != 0 && flag % 10 != 2 && h.entries > 0 {
        let n = c.count("entry offset count")?;
        if n < h.entries as usize {
            return Err(format!(
                "embedded basket has {n} entry offsets for {} entries",
                h.entries
            ));
        }
        let raw = c.i32s(n)?;
        let mut offs: Vec<i32> = raw[..h.entries as usize]
            .iter()
            .map(|&o| o.saturating_sub(h.keylen as i32))
            .collect();
        offs.push((h.last - h.keylen) as i32);
        offsets = Some(offs);
        if flag > 40 {
            let nd = c.count("displacement count")?;
            c.skip(nd.checked_mul(4).ok_or("displacement count overflows")?)?;
        }
    }
    if generate_offsets {
        return Err("embedded basket without stored entry offsets is not supported".to_string());
    }
    let data = if flag == 1 || flag > 10 {
        let buf = c.take(h.last)?;
        buf[h.keylen..].to_vec()
    } else {
        Vec::new()
    };
    Ok(EmbeddedBasket {
        entries: h.entries,
        data,
        offsets,
    })
}

/// Parses the streamed TTree object of a key (`shift` is the key length).
pub(crate) fn parse_tree(buf: &[u8], shift: usize) -> Parse<RawTree> {
    let mut c = Cursor::new(buf, shift);
    let (version, _end) = header(&mut c)?;
    if !(16..=20).contains(&version) {
        return Err(format!(
            "TTree version {version} (only 16 to 20, ROOT 5.30 and later, are supported)"
        ));
    }
    let _name = tnamed(&mut c)?;
    skip_object(&mut c, "TAttLine")?;
    skip_object(&mut c, "TAttFill")?;
    skip_object(&mut c, "TAttMarker")?;
    let entries = c.i64()?;
    // fTotBytes, fZipBytes, fSavedBytes, then fFlushedBytes from v18.
    c.skip(if version >= 18 { 32 } else { 24 })?;
    // fWeight, fTimerInterval, fScanField, fUpdate.
    c.skip(8 + 12)?;
    if version >= 17 {
        let _default_entry_offset_len = c.i32()?;
    }
    let n_cluster_range = if version >= 19 {
        c.count("fNClusterRange")?
    } else {
        0
    };
    // fMaxEntries, fMaxEntryLoop, fMaxVirtualSize, fAutoSave, (fAutoFlush from v18), fEstimate.
    c.skip(if version >= 18 { 48 } else { 40 })?;
    if version >= 19 {
        c.skip(1)?;
        c.i64s(n_cluster_range)?;
        c.skip(1)?;
        c.i64s(n_cluster_range)?;
    }
    if version >= 20 {
        skip_object(&mut c, "TIOFeatures")?;
    }
    let mut r = Reader {
        c: &mut c,
        refs: HashMap::new(),
    };
    let branches = r
        .obj_array()?
        .into_iter()
        .filter_map(|o| match o {
            Obj::Branch(b) => Some(b),
            _ => None,
        })
        .collect();
    if entries < 0 {
        return Err(format!("negative entry count {entries}"));
    }
    Ok(RawTree { entries, branches })
}
