//! Turns decompressed baskets into Arrow arrays: big-endian values are byte-swapped in bulk
//! straight into the Arrow value buffer, entry offsets become list offsets.

use std::sync::Arc;

use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{ArrayRef, ArrowPrimitiveType, BooleanArray, ListArray, PrimitiveArray};
use arrow_buffer::{BooleanBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::Field;

use crate::cursor::Parse;
use crate::pool;
use crate::tree::LeafType;

/// A decompressed basket of one branch.
#[derive(Debug)]
pub(crate) struct Basket {
    /// Number of entries in the basket.
    pub(crate) entries: u64,
    /// The values of all entries, big-endian.
    pub(crate) data: Vec<u8>,
    /// Byte offset of each entry in `data`, plus the end (`entries + 1` values), for
    /// variable-size entries.
    pub(crate) offsets: Option<Vec<i32>>,
}

impl Drop for Basket {
    fn drop(&mut self) {
        pool::give(std::mem::take(&mut self.data));
    }
}

/// Checks what later slicing relies on: offsets start at 0 or more, never decrease, and end
/// inside the data.
pub(crate) fn check_offsets(offsets: &[i32], data_len: usize) -> Parse<()> {
    let mut prev = 0i32;
    for &o in offsets {
        if o < prev {
            return Err(format!("entry offsets decrease ({prev} then {o})"));
        }
        prev = o;
    }
    if prev as usize > data_len {
        return Err(format!(
            "entry offsets end at {prev}, past the {data_len}-byte data"
        ));
    }
    Ok(())
}

/// A numeric type stored big-endian in baskets.
trait BigEndian: Sized + Copy {
    const SIZE: usize;
    fn extend_from_be(out: &mut Vec<Self>, bytes: &[u8]);
}

macro_rules! big_endian {
    ($($t:ty => $n:literal),* $(,)?) => {$(
        impl BigEndian for $t {
            const SIZE: usize = $n;
            fn extend_from_be(out: &mut Vec<Self>, bytes: &[u8]) {
                out.extend(bytes.chunks_exact($n).map(|c| {
                    let mut a = [0u8; $n];
                    a.copy_from_slice(c);
                    <$t>::from_be_bytes(a)
                }));
            }
        }
    )*};
}

big_endian!(i8 => 1, u8 => 1, i16 => 2, u16 => 2, i32 => 4, u32 => 4, i64 => 8, u64 => 8, f32 => 4, f64 => 8);

/// One basket's share of a requested entry range.
pub(crate) struct Piece<'a> {
    pub(crate) basket: &'a Basket,
    /// Entries `from..to`, counted inside the basket.
    pub(crate) from: u64,
    pub(crate) to: u64,
}

/// For each piece, the byte range of its values and (jagged) the per-entry byte offsets.
fn byte_range(p: &Piece, size: usize, jagged: bool) -> Parse<(usize, usize)> {
    let b = p.basket;
    let (start, end) = if jagged {
        let offs = b
            .offsets
            .as_ref()
            .ok_or_else(|| "jagged branch basket without entry offsets".to_string())?;
        let at = |i: u64| {
            offs.get(i as usize)
                .map(|&o| o as usize)
                .ok_or_else(|| format!("entry {i} beyond the basket's {} offsets", offs.len()))
        };
        (at(p.from)?, at(p.to)?)
    } else {
        (p.from as usize * size, p.to as usize * size)
    };
    if end > b.data.len() || start > end {
        return Err(format!(
            "entries {}..{} need bytes {start}..{end} of a {}-byte basket",
            p.from,
            p.to,
            b.data.len()
        ));
    }
    Ok((start, end))
}

/// List offsets (in values) for the pieces of a jagged branch.
fn list_offsets(pieces: &[Piece], size: usize) -> Parse<OffsetBuffer<i32>> {
    // Value sizes are powers of two, so shifts and masks replace a division per entry.
    let shift = size.trailing_zeros();
    let mask = size as i64 - 1;
    let n: u64 = pieces.iter().map(|p| p.to - p.from).sum();
    let mut out = Vec::with_capacity(n as usize + 1);
    out.push(0i32);
    let mut total: i64 = 0;
    for p in pieces {
        let offs = p
            .basket
            .offsets
            .as_ref()
            .ok_or_else(|| "jagged branch basket without entry offsets".to_string())?;
        let window = offs
            .get(p.from as usize..=p.to as usize)
            .ok_or_else(|| "entry range beyond the basket's offsets".to_string())?;
        let base = window[0] as i64;
        // Offsets never decrease (checked when the basket was loaded), so the last one
        // bounds every value pushed below.
        let end = total + ((window[window.len() - 1] as i64 - base) >> shift);
        if end > i32::MAX as i64 {
            return Err("more than 2^31 values in one read; read fewer entries".to_string());
        }
        let mut misaligned = 0;
        out.extend(window[1..].iter().map(|&o| {
            let rel = o as i64 - base;
            misaligned |= rel & mask;
            (total + (rel >> shift)) as i32
        }));
        if misaligned != 0 {
            return Err(format!(
                "an entry is not a whole number of {size}-byte values"
            ));
        }
        total = end;
    }
    Ok(OffsetBuffer::new(ScalarBuffer::from(out)))
}

fn values<T: BigEndian>(pieces: &[Piece], jagged: bool) -> Parse<Vec<T>> {
    let ranges = pieces
        .iter()
        .map(|p| byte_range(p, T::SIZE, jagged))
        .collect::<Parse<Vec<_>>>()?;
    let total: usize = ranges.iter().map(|(s, e)| e - s).sum();
    let mut out = Vec::with_capacity(total / T::SIZE);
    for (p, (s, e)) in pieces.iter().zip(ranges) {
        T::extend_from_be(&mut out, &p.basket.data[s..e]);
    }
    Ok(out)
}

fn primitive<A>(pieces: &[Piece], jagged: bool) -> Parse<ArrayRef>
where
    A: ArrowPrimitiveType,
    A::Native: BigEndian,
{
    let v = values::<A::Native>(pieces, jagged)?;
    Ok(Arc::new(PrimitiveArray::<A>::new(
        ScalarBuffer::from(v),
        None,
    )))
}

fn boolean(pieces: &[Piece], jagged: bool) -> Parse<ArrayRef> {
    let bytes = values::<u8>(pieces, jagged)?;
    let bits = BooleanBuffer::collect_bool(bytes.len(), |i| bytes[i] != 0);
    Ok(Arc::new(BooleanArray::new(bits, None)))
}

/// Builds the Arrow array of a branch from its pieces (in entry order).
pub(crate) fn build(leaf: &LeafType, jagged: bool, pieces: &[Piece]) -> Parse<ArrayRef> {
    let flat = match leaf {
        LeafType::Bool => boolean(pieces, jagged)?,
        LeafType::I8 => primitive::<Int8Type>(pieces, jagged)?,
        LeafType::U8 => primitive::<UInt8Type>(pieces, jagged)?,
        LeafType::I16 => primitive::<Int16Type>(pieces, jagged)?,
        LeafType::U16 => primitive::<UInt16Type>(pieces, jagged)?,
        LeafType::I32 => primitive::<Int32Type>(pieces, jagged)?,
        LeafType::U32 => primitive::<UInt32Type>(pieces, jagged)?,
        LeafType::I64 => primitive::<Int64Type>(pieces, jagged)?,
        LeafType::U64 => primitive::<UInt64Type>(pieces, jagged)?,
        LeafType::F32 => primitive::<Float32Type>(pieces, jagged)?,
        LeafType::F64 => primitive::<Float64Type>(pieces, jagged)?,
        LeafType::Unsupported(t) => return Err(format!("type {t} cannot be decoded")),
    };
    if !jagged {
        return Ok(flat);
    }
    let size = leaf.size().unwrap_or(1);
    let offsets = list_offsets(pieces, size)?;
    let field = Arc::new(Field::new("item", flat.data_type().clone(), false));
    let list = ListArray::try_new(field, offsets, flat, None).map_err(|e| e.to_string())?;
    Ok(Arc::new(list))
}
