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
                // ROOT prefixes each LZ4 block with an 8-byte xxhash64 checksum of the block.
                let body = block
                    .get(8..)
                    .ok_or_else(|| "LZ4 block shorter than its checksum".to_string())?;
                lz4_flex::block::decompress_into(body, target).map_err(|e| format!("LZ4: {e}"))?
            }
            b"ZS" => zstd::bulk::decompress_to_buffer(block, target)
                .map_err(|e| format!("ZSTD: {e}"))?,
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
