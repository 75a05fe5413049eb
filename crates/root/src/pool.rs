//! Recycled byte buffers for compressed and decompressed baskets.
//!
//! Every basket needs two short-lived buffers (the bytes read from the file and the
//! decompressed payload). Fresh allocations of that size come straight from the kernel, zeroed
//! page by page; recycling them removes those page faults and the zero-filling, a sizeable share
//! of the reading time next to decompression.

use std::sync::Mutex;

/// Pooled buffers are kept up to this many bytes in total; more are freed.
const MAX_POOLED_BYTES: usize = 256 << 20;

struct Pool {
    buffers: Vec<Vec<u8>>,
    bytes: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    buffers: Vec::new(),
    bytes: 0,
});

/// A buffer of exactly `len` bytes with unspecified contents: callers overwrite all of it.
pub(crate) fn take(len: usize) -> Vec<u8> {
    let recycled = POOL.lock().ok().and_then(|mut p| {
        let v = p.buffers.pop()?;
        p.bytes -= v.capacity();
        Some(v)
    });
    let mut v = recycled.unwrap_or_default();
    if v.len() >= len {
        v.truncate(len);
    } else {
        v.resize(len, 0);
    }
    v
}

/// Hands a buffer back for reuse.
pub(crate) fn give(v: Vec<u8>) {
    if v.capacity() == 0 {
        return;
    }
    if let Ok(mut p) = POOL.lock() {
        if p.bytes + v.capacity() <= MAX_POOLED_BYTES {
            p.bytes += v.capacity();
            p.buffers.push(v);
        }
    }
}
