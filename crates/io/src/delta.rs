//! Parquet's DELTA_BINARY_PACKED encoding of integer columns.
//!
//! Event files hold integers that change little from one value to the next: object indices
//! (0, 1, 2, 0, 1, ...), run and luminosity-block numbers, category ids. Stored as the first
//! value and, per block of 128, the smallest difference and each difference's excess over it
//! bit-packed at the width its miniblock of 32 needs, object indices take ~4 bits instead of
//! 32, in less time than LZ4 takes to bring their PLAIN form to ~8 bits. (The page writer
//! still tries LZ4 on the packed pages, as on any other, and keeps it where it pays.)
//!
//! Layout (the Parquet format's): header `<block size> <miniblocks per block> <value count>
//! <first value>` as ULEB128 (the first value zigzag), then per block `<min delta>` (zigzag
//! ULEB128), one bit-width byte per miniblock and the miniblocks, each `32 · width` bits, least
//! significant bit first. Differences wrap around in the physical type (32 or 64 bits). A last
//! block's miniblocks without values are left out (their width byte is 0).

/// Values per block and miniblocks per block: the sizes parquet-mr and arrow write.
const BLOCK: usize = 128;
const MINIBLOCKS: usize = 4;
const MINIBLOCK: usize = BLOCK / MINIBLOCKS;
/// The largest block a page may declare.
const MAX_BLOCK: usize = 1 << 16;

/// Appends `values`, read as integers by `get`, encoded for a physical type of 32 bits
/// (`narrow`; an unsigned value as the `i32` of its bits) or 64.
pub(crate) fn encode<T: Copy>(
    values: &[T],
    narrow: bool,
    get: impl Fn(T) -> i64,
    out: &mut Vec<u8>,
) {
    // Differences, their minimum and excess are computed in the physical width: 64-bit
    // lanes would take several instructions per comparison on baseline x86-64.
    if narrow {
        encode_as(values, |v| get(v) as i32, out);
    } else {
        encode_as(values, get, out);
    }
}

/// A physical integer type: differences and sums wrap around in its width.
trait Physical: Copy + Ord + Default {
    fn minus(self, other: Self) -> Self;
    fn plus(self, other: Self) -> Self;
    /// `self - min` as the unsigned integer of the width (`self >= min`).
    fn excess(self, min: Self) -> u64;
    /// The integer of the width whose bits are the low bits of `bits`.
    fn from_bits(bits: u64) -> Self;
    /// `n` wrapped into the width.
    fn from_i64(n: i64) -> Self;
    fn widen(self) -> i64;
}

impl Physical for i32 {
    fn minus(self, other: i32) -> i32 {
        self.wrapping_sub(other)
    }
    fn plus(self, other: i32) -> i32 {
        self.wrapping_add(other)
    }
    fn excess(self, min: i32) -> u64 {
        u64::from(self.wrapping_sub(min) as u32)
    }
    fn from_bits(bits: u64) -> i32 {
        bits as u32 as i32
    }
    fn from_i64(n: i64) -> i32 {
        n as i32
    }
    fn widen(self) -> i64 {
        i64::from(self)
    }
}

impl Physical for i64 {
    fn minus(self, other: i64) -> i64 {
        self.wrapping_sub(other)
    }
    fn plus(self, other: i64) -> i64 {
        self.wrapping_add(other)
    }
    fn excess(self, min: i64) -> u64 {
        self.wrapping_sub(min) as u64
    }
    fn from_bits(bits: u64) -> i64 {
        bits as i64
    }
    fn from_i64(n: i64) -> i64 {
        n
    }
    fn widen(self) -> i64 {
        self
    }
}

fn encode_as<T: Copy, P: Physical>(values: &[T], get: impl Fn(T) -> P, out: &mut Vec<u8>) {
    uleb(BLOCK as u64, out);
    uleb(MINIBLOCKS as u64, out);
    uleb(values.len() as u64, out);
    uleb(zigzag(values.first().map_or(0, |&v| get(v).widen())), out);
    let mut deltas = [P::default(); BLOCK];
    let mut excess = [0u64; BLOCK];
    for (block, previous) in values[1.min(values.len())..]
        .chunks(BLOCK)
        .zip(values.chunks(BLOCK))
    {
        let n = block.len();
        // The value before each one of `block` is at the same position in `previous`.
        for ((delta, &v), &before) in deltas[..n].iter_mut().zip(block).zip(previous) {
            *delta = get(v).minus(get(before));
        }
        let min = deltas[..n].iter().copied().min().unwrap_or_default();
        uleb(zigzag(min.widen()), out);
        for (e, &d) in excess[..n].iter_mut().zip(&deltas[..n]) {
            *e = d.excess(min);
        }
        // Past the block's values the excess is zero: the last miniblock's padding.
        excess[n..].fill(0);
        let used = n.div_ceil(MINIBLOCK);
        let mut widths = [0u8; MINIBLOCKS];
        for (m, width) in widths.iter_mut().enumerate().take(used) {
            let bits = excess[m * MINIBLOCK..(m + 1) * MINIBLOCK]
                .iter()
                .fold(0, |a, &e| a | e);
            *width = (64 - bits.leading_zeros()) as u8;
        }
        out.extend_from_slice(&widths);
        for (m, &width) in widths.iter().enumerate().take(used) {
            pack(
                &excess[m * MINIBLOCK..(m + 1) * MINIBLOCK],
                u32::from(width),
                out,
            );
        }
    }
}

/// Decodes a page's values for a physical type of `bits` bits, appending them (sign-extended
/// for 32 bits) to `out`; `None` when the bytes are not a valid encoding.
pub(crate) fn decode(data: &[u8], bits: u32, out: &mut Vec<i64>) -> Option<()> {
    if bits == 32 {
        decode_as::<i32>(data, 32, out)
    } else {
        decode_as::<i64>(data, 64, out)
    }
}

fn decode_as<P: Physical>(data: &[u8], bits: u32, out: &mut Vec<i64>) -> Option<()> {
    let mut at = 0;
    let block = usize::try_from(read_uleb(data, &mut at)?).ok()?;
    let miniblocks = usize::try_from(read_uleb(data, &mut at)?).ok()?;
    let count = usize::try_from(read_uleb(data, &mut at)?).ok()?;
    let mut value = P::from_i64(unzigzag(read_uleb(data, &mut at)?));
    // Writers use blocks of 128 or a few times that; a larger one is taken as corruption
    // rather than a reason to allocate its miniblock.
    if block == 0
        || block % 128 != 0
        || block > MAX_BLOCK
        || miniblocks == 0
        || (block / miniblocks) % 32 != 0
    {
        return None;
    }
    let per_miniblock = block / miniblocks;
    if count == 0 {
        return Some(());
    }
    // A count beyond what the page could hold is corrupt, not a reason to reserve memory.
    out.reserve(count.min(data.len() * 8 + 1));
    out.push(value.widen());
    let mut left = count - 1;
    let mut excess = vec![0u64; per_miniblock];
    while left > 0 {
        let min = P::from_i64(unzigzag(read_uleb(data, &mut at)?));
        let widths = data.get(at..at + miniblocks)?;
        at += miniblocks;
        for &width in widths {
            if left == 0 {
                break;
            }
            let width = u32::from(width);
            if width > bits {
                return None;
            }
            let bytes = per_miniblock * width as usize / 8;
            unpack(data.get(at..at + bytes)?, width, &mut excess);
            at += bytes;
            let take = left.min(per_miniblock);
            out.extend(excess[..take].iter().map(|&e| {
                value = value.plus(min).plus(P::from_bits(e));
                value.widen()
            }));
            left -= take;
        }
    }
    Some(())
}

/// The number of values of an encoded page, from its header.
pub(crate) fn count(data: &[u8]) -> Option<usize> {
    let mut at = 0;
    read_uleb(data, &mut at)?;
    read_uleb(data, &mut at)?;
    usize::try_from(read_uleb(data, &mut at)?).ok()
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    }
}

/// Appends `values` (a multiple of 8 of them) at `width` bits each, least significant first.
fn pack(values: &[u64], width: u32, out: &mut Vec<u8>) {
    let w = width as usize;
    let start = out.len();
    out.resize(start + values.len() * w / 8, 0);
    let dst = &mut out[start..];
    // Narrow widths (object indices, ids) take a fixed-size path each, so that the shifts and
    // copies of a group of eight are constants.
    macro_rules! narrow {
        ($($w:literal)*) => {
            match w {
                0 => {}
                $($w => pack_narrow::<$w>(values, dst),)*
                _ => pack_wide(values, w, dst),
            }
        };
    }
    narrow!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
}

/// [`pack`] for `W` <= 16: eight values are `W` whole bytes of one 128-bit word.
fn pack_narrow<const W: usize>(values: &[u64], dst: &mut [u8]) {
    for (group, bytes) in values.chunks_exact(8).zip(dst.chunks_exact_mut(W)) {
        let mut word = 0u128;
        for (k, &v) in group.iter().enumerate() {
            word |= u128::from(v) << (k * W);
        }
        bytes.copy_from_slice(&word.to_le_bytes()[..W]);
    }
}

fn pack_wide(values: &[u64], w: usize, dst: &mut [u8]) {
    let (mut buffer, mut held, mut at) = (0u128, 0usize, 0usize);
    for &v in values {
        buffer |= u128::from(v) << held;
        held += w;
        while held >= 8 {
            dst[at] = buffer as u8;
            at += 1;
            buffer >>= 8;
            held -= 8;
        }
    }
}

/// Fills `out` (a multiple of 8 values) with values of `width` bits read least significant
/// first from `bytes`, which holds exactly their bits.
fn unpack(bytes: &[u8], width: u32, out: &mut [u64]) {
    let w = width as usize;
    macro_rules! narrow {
        ($($w:literal)*) => {
            match w {
                0 => out.fill(0),
                $($w => unpack_narrow::<$w>(bytes, out),)*
                _ => unpack_wide(bytes, width, out),
            }
        };
    }
    narrow!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
}

/// [`unpack`] for `W` <= 16: eight values from `W` whole bytes.
fn unpack_narrow<const W: usize>(bytes: &[u8], out: &mut [u64]) {
    let keep = (1u128 << W) - 1;
    for (group, bytes) in out.chunks_exact_mut(8).zip(bytes.chunks_exact(W)) {
        let mut word = [0u8; 16];
        word[..W].copy_from_slice(bytes);
        let word = u128::from_le_bytes(word);
        for (k, v) in group.iter_mut().enumerate() {
            *v = ((word >> (k * W)) & keep) as u64;
        }
    }
}

fn unpack_wide(bytes: &[u8], width: u32, out: &mut [u64]) {
    let (w, keep) = (width as usize, mask(width));
    let (mut buffer, mut held, mut next) = (0u128, 0usize, 0usize);
    for v in out.iter_mut() {
        while held < w {
            buffer |= u128::from(bytes[next]) << held;
            next += 1;
            held += 8;
        }
        *v = (buffer as u64) & keep;
        buffer >>= w;
        held -= w;
    }
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

fn uleb(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn read_uleb(data: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(*at)?;
        *at += 1;
        n |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(values: &[i64], bits: u32) -> usize {
        let mut bytes = Vec::new();
        encode(values, bits == 32, |v| v, &mut bytes);
        let mut back = Vec::new();
        decode(&bytes, bits, &mut back).expect("decodes");
        assert_eq!(back, values, "{bits}-bit round trip");
        assert_eq!(count(&bytes), Some(values.len()));
        bytes.len()
    }

    #[test]
    fn values_come_back_at_every_length_and_extreme() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in [0, 1, 2, 31, 32, 33, 127, 128, 129, 200, 1000] {
            // Widths of 4, 10 and 17 bits: the fixed-size paths up to 16 bits and beyond.
            for modulus in [10, 1000, 100_000] {
                let small: Vec<i64> = (0..n).map(|_| (next() % modulus) as i64).collect();
                round_trip(&small, 32);
                round_trip(&small, 64);
            }
            let wide: Vec<i64> = (0..n).map(|_| next() as i64).collect();
            round_trip(&wide, 64);
            let wide32: Vec<i64> = wide.iter().map(|&v| i64::from(v as i32)).collect();
            round_trip(&wide32, 32);
        }
        let extremes = [i64::MIN, i64::MAX, 0, -1, i64::MIN, 1, i64::MAX];
        round_trip(&extremes, 64);
        let extremes32: Vec<i64> = [i32::MIN, i32::MAX, 0, -1, i32::MIN, 1, i32::MAX]
            .iter()
            .map(|&v| i64::from(v))
            .collect();
        round_trip(&extremes32, 32);
    }

    #[test]
    fn object_indices_take_a_few_bits_each() {
        // Events with 0 to 7 objects: indices 0, 1, ..., n-1 per event.
        let indices: Vec<i64> = (0..10_000).flat_map(|e| 0..(e % 8)).collect();
        let bytes = round_trip(&indices, 32);
        assert!(
            bytes * 8 < indices.len() * 5,
            "{bytes} bytes for {}",
            indices.len()
        );
        // A constant column (a run number) is its header and one byte per block and miniblock.
        let run = vec![362_760i64; 10_000];
        assert!(round_trip(&run, 32) < 10_000 / 128 * 6 + 20);
    }

    #[test]
    fn malformed_pages_are_rejected() {
        let mut bytes = Vec::new();
        encode(&(0..300).collect::<Vec<i64>>(), true, |v| v, &mut bytes);
        let mut out = Vec::new();
        for cut in [0, 3, bytes.len() / 2, bytes.len() - 1] {
            out.clear();
            assert!(
                decode(&bytes[..cut], 32, &mut out).is_none(),
                "cut at {cut}"
            );
        }
        // Block size not a multiple of 128; a bit width beyond the type.
        let mut bad = bytes.clone();
        bad[0] = 100;
        assert!(decode(&bad, 32, &mut out).is_none());
        // A block of 2^40 values in one miniblock.
        let mut huge = Vec::new();
        for n in [1u64 << 40, 1, 300, 0] {
            uleb(n, &mut huge);
        }
        assert!(decode(&huge, 32, &mut out).is_none());
        let mut wide = Vec::new();
        encode(&[0i64, i64::MAX, 0], false, |v| v, &mut wide);
        assert!(decode(&wide, 32, &mut out).is_none());
    }
}
