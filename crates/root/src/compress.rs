//! ROOT's compression framing: a payload is one or more blocks, each with a 9-byte header
//! (2-byte algorithm tag, 1 method byte, 3-byte little-endian compressed and uncompressed sizes).

use std::cell::RefCell;
use std::io::Read;

use crate::cursor::Parse;
use crate::pool;

const HEADER: usize = 9;

thread_local! {
    // A libdeflate decompressor owns scratch space; one per thread avoids re-allocating it
    // for every basket.
    static INFLATER: RefCell<libdeflater::Decompressor> = RefCell::new(libdeflater::Decompressor::new());
    // Creating a ZSTD context costs as much as decompressing a small basket.
    static ZSTD: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

fn size24(b: &[u8]) -> usize {
    b[0] as usize | (b[1] as usize) << 8 | (b[2] as usize) << 16
}

/// Decompresses `input` (the bytes of a key after its header) into `objlen` bytes.
///
/// A payload whose stored length equals `objlen` is stored uncompressed, as ROOT does for
/// objects that do not shrink.
pub(crate) fn decompress(input: &[u8], objlen: usize) -> Parse<Vec<u8>> {
    if input.len() == objlen {
        let mut out = pool::take(objlen);
        out.copy_from_slice(input);
        return Ok(out);
    }
    // Each block inflates to at most 2^24 - 1 bytes and takes at least a 9-byte header, which
    // bounds what an honest size can be; a corrupt size must not trigger a huge allocation.
    let max = (input.len() / HEADER).saturating_mul((1 << 24) - 1);
    if objlen > max {
        return Err(format!(
            "object claims {objlen} bytes, more than {} compressed bytes can hold",
            input.len()
        ));
    }
    // Recycled buffer: the loop below overwrites every byte (each block must fill exactly its
    // declared size, and the blocks must add up to `objlen`).
    let mut out = pool::take(objlen);
    let mut filled = 0;
    let mut rest = input;
    while filled < objlen {
        if rest.len() < HEADER {
            return Err(format!(
                "compressed data ends after {filled} of {objlen} bytes"
            ));
        }
        let (tag, method) = (&rest[..2], rest[2]);
        let clen = size24(&rest[3..6]);
        let ulen = size24(&rest[6..9]);
        let block = rest
            .get(HEADER..HEADER + clen)
            .ok_or_else(|| format!("compressed block of {clen} bytes runs past the payload"))?;
        let target = out
            .get_mut(filled..filled + ulen)
            .ok_or_else(|| format!("block of {ulen} bytes overflows the {objlen}-byte object"))?;
        let got = match tag {
            b"ZL" => INFLATER.with(|d| {
                d.borrow_mut()
                    .zlib_decompress(block, target)
                    .map_err(|e| format!("ZLIB: {e}"))
            })?,
            b"XZ" => {
                let mut dec = xz2::read::XzDecoder::new(block);
                dec.read_exact(target).map_err(|e| format!("LZMA: {e}"))?;
                ulen
            }
            b"L4" => {
                // ROOT prefixes each LZ4 block with the xxhash64 (big-endian) of the block, so
                // a damaged block is caught rather than decoded into wrong values.
                if block.len() < 8 {
                    return Err("LZ4 block shorter than its checksum".to_string());
                }
                let (sum, body) = block.split_at(8);
                let expected = u64::from_be_bytes([
                    sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6], sum[7],
                ]);
                if xxh64(body) != expected {
                    return Err("LZ4 block checksum mismatch (damaged data)".to_string());
                }
                lz4_flex::block::decompress_into(body, target).map_err(|e| format!("LZ4: {e}"))?
            }
            b"ZS" => ZSTD.with(|slot| {
                let mut slot = slot.borrow_mut();
                if slot.is_none() {
                    *slot = Some(
                        zstd::bulk::Decompressor::new().map_err(|e| format!("ZSTD: {e}"))?,
                    );
                }
                match slot.as_mut() {
                    Some(d) => d
                        .decompress_to_buffer(block, target)
                        .map_err(|e| format!("ZSTD: {e}")),
                    None => Err("ZSTD: no decompression context".to_string()),
                }
            })?,
            b"CS" => {
                return Err(
                    "the old ROOT 'CS' compression is not supported; rewrite the file with ZLIB, LZMA, LZ4 or ZSTD"
                        .to_string(),
                )
            }
            _ => {
                return Err(format!(
                    "unknown compression tag {:?} (method {method})",
                    String::from_utf8_lossy(tag)
                ))
            }
        };
        if got != ulen {
            return Err(format!(
                "block decompressed to {got} bytes, header says {ulen}"
            ));
        }
        filled += ulen;
        rest = &rest[HEADER + clen..];
    }
    Ok(out)
}

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

fn le64(b: &[u8]) -> u64 {
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

fn xxh_round(acc: u64, lane: u64) -> u64 {
    acc.wrapping_add(lane.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

fn xxh_merge(h: u64, acc: u64) -> u64 {
    (h ^ xxh_round(0, acc)).wrapping_mul(P1).wrapping_add(P4)
}

/// XXH64 with seed 0, the checksum ROOT stores before each LZ4 block.
fn xxh64(data: &[u8]) -> u64 {
    let mut rest = data;
    let mut h = if data.len() >= 32 {
        let mut v = [P1.wrapping_add(P2), P2, 0, 0u64.wrapping_sub(P1)];
        while rest.len() >= 32 {
            for (i, acc) in v.iter_mut().enumerate() {
                *acc = xxh_round(*acc, le64(&rest[8 * i..]));
            }
            rest = &rest[32..];
        }
        let h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        v.iter().fold(h, |h, &acc| xxh_merge(h, acc))
    } else {
        P5
    };
    h = h.wrapping_add(data.len() as u64);
    while rest.len() >= 8 {
        h ^= xxh_round(0, le64(rest));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        let w = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as u64;
        h ^= w.wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        rest = &rest[4..];
    }
    for &b in rest {
        h ^= (b as u64).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::xxh64;

    #[test]
    fn xxh64_reference_values() {
        // Published XXH64 values (seed 0).
        assert_eq!(xxh64(b""), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh64(b"abc"), 0x44BC_2CF5_AD77_0999);
    }
}
