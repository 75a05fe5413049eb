//! ROOT's big-endian object buffer: byte counts, versions, class tags.

use std::collections::HashMap;

const BYTE_COUNT_MASK: u32 = 0x4000_0000;
const NEW_CLASS_TAG: u32 = 0xFFFF_FFFF;
const CLASS_MASK: u32 = 0x8000_0000;
const MAP_OFFSET: u32 = 2;

/// Object bytes as ROOT streams them. Class tags refer to positions counted from the start
/// of the key that will hold the buffer, so the buffer knows its key's header length.
pub(crate) struct Buffer {
    pub(crate) data: Vec<u8>,
    key_len: usize,
    classes: HashMap<&'static str, u32>,
}

impl Buffer {
    pub(crate) fn new(key_len: usize) -> Self {
        Buffer {
            data: Vec::new(),
            key_len,
            classes: HashMap::new(),
        }
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.data.push(v);
    }
    pub(crate) fn i16(&mut self, v: i16) {
        self.data.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.data.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn i32(&mut self, v: i32) {
        self.data.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.data.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn f32(&mut self, v: f32) {
        self.data.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn f64(&mut self, v: f64) {
        self.data.extend_from_slice(&v.to_be_bytes());
    }

    /// A `TString`: one length byte, or 255 and a 4-byte length for long strings.
    pub(crate) fn tstring(&mut self, s: &str) {
        let b = s.as_bytes();
        if b.len() < 255 {
            self.u8(b.len() as u8);
        } else {
            self.u8(255);
            self.i32(b.len() as i32);
        }
        self.data.extend_from_slice(b);
    }

    /// Starts a versioned object with a byte count; returns the position to close it.
    pub(crate) fn begin(&mut self, version: i16) -> usize {
        let at = self.data.len();
        self.u32(0);
        self.i16(version);
        at
    }

    /// Writes the byte count reserved by [`Buffer::begin`] (bytes after the count itself).
    pub(crate) fn end(&mut self, at: usize) {
        let count = (self.data.len() - at - 4) as u32 | BYTE_COUNT_MASK;
        self.data[at..at + 4].copy_from_slice(&count.to_be_bytes());
    }

    /// `TObject` members: version, unique id, bits (`kNotDeleted`, as ROOT writes them).
    pub(crate) fn tobject(&mut self) {
        self.i16(1);
        self.u32(0);
        self.u32(0x0300_0000);
    }

    pub(crate) fn tnamed(&mut self, name: &str, title: &str) {
        let at = self.begin(1);
        self.tobject();
        self.tstring(name);
        self.tstring(title);
        self.end(at);
    }

    /// Starts a polymorphic object (`WriteObjectAny`): byte count, then the class name the
    /// first time the class appears in this buffer, else a reference to that first time.
    pub(crate) fn begin_any(&mut self, class: &'static str) -> usize {
        let at = self.data.len();
        self.u32(0);
        match self.classes.get(class) {
            Some(tag) => self.u32(tag | CLASS_MASK),
            None => {
                let pos = (self.key_len + self.data.len()) as u32 + MAP_OFFSET;
                self.classes.insert(class, pos);
                self.u32(NEW_CLASS_TAG);
                self.data.extend_from_slice(class.as_bytes());
                self.u8(0);
            }
        }
        at
    }

    /// A null object pointer.
    pub(crate) fn null(&mut self) {
        self.u32(0);
    }
}
