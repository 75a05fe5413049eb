//! Reading Parquet files cf wrote, without arrow-rs's generic nested decoding.
//!
//! Every field of a collection repeats the collection's repetition and definition levels, and
//! the generic reader decodes them again for each field. Here the levels of one field per
//! collection become the offsets, the other fields' levels are skipped by their length prefix,
//! and values are copied straight out of the PLAIN pages (integers: unpacked from their
//! DELTA_BINARY_PACKED pages). Only files carrying cf's layout marker take this path, and only
//! when every requested column has the form cf writes (required fields, v1 data pages, PLAIN
//! or delta-packed integer values, no dictionary); anything else goes through arrow-rs.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, ListArray, PrimitiveArray, RecordBatch, StructArray,
};
use arrow_buffer::{BooleanBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields};
use bytes::Bytes;
use cf_columns::{Events, Route};
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::Page;
use parquet::errors::ParquetError;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::serialized_reader::SerializedPageReader;
use rayon::prelude::*;

use crate::delta;
use crate::error::{Error, Result};
use crate::source::ColumnInfo;

/// How a column sits in cf's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// A top-level array (`event`).
    Plain,
    /// A field of an event-level struct (`MET.pt`).
    Group,
    /// A field of a list of structs (`Jet.pt`).
    Collection,
    /// A top-level list of numbers (`LHEPdfWeight`).
    List,
}

impl Shape {
    fn of(column: &ColumnInfo) -> Option<Shape> {
        match (column.route.fields().len(), column.jagged) {
            (1, false) => Some(Shape::Plain),
            (2, false) => Some(Shape::Group),
            (2, true) => Some(Shape::Collection),
            (1, true) => Some(Shape::List),
            _ => None,
        }
    }

    fn levels(self) -> i16 {
        match self {
            Shape::Collection | Shape::List => 1,
            Shape::Plain | Shape::Group => 0,
        }
    }
}

/// True when the column at `leaf` can be read by this module in every row group.
pub(crate) fn supported(meta: &ParquetMetaData, column: &ColumnInfo, leaf: usize) -> bool {
    let (Some(shape), Some(data_type)) = (Shape::of(column), column.data_type.as_ref()) else {
        return false;
    };
    let descriptor = meta.file_metadata().schema_descr().column(leaf);
    let physical_fits = matches!(
        (data_type, descriptor.physical_type()),
        (DataType::Boolean, PhysicalType::BOOLEAN)
            | (
                DataType::Int8
                    | DataType::UInt8
                    | DataType::Int16
                    | DataType::UInt16
                    | DataType::Int32
                    | DataType::UInt32,
                PhysicalType::INT32
            )
            | (DataType::Int64 | DataType::UInt64, PhysicalType::INT64)
            | (DataType::Float32, PhysicalType::FLOAT)
            | (DataType::Float64, PhysicalType::DOUBLE)
    );
    let integer = matches!(
        descriptor.physical_type(),
        PhysicalType::INT32 | PhysicalType::INT64
    );
    physical_fits
        && descriptor.max_def_level() == shape.levels()
        && descriptor.max_rep_level() == shape.levels()
        && meta.row_groups().iter().all(|rg| {
            let chunk = rg.column(leaf);
            chunk.dictionary_page_offset().is_none()
                && chunk.encodings().all(|e| {
                    matches!(e, Encoding::PLAIN | Encoding::RLE)
                        || (integer && e == Encoding::DELTA_BINARY_PACKED)
                })
        })
}

/// One requested column: where it is, what it becomes.
#[derive(Clone, Debug)]
pub(crate) struct Picked {
    route: Route,
    leaf: usize,
    data_type: DataType,
    shape: Shape,
}

impl Picked {
    pub(crate) fn new(column: &ColumnInfo, leaf: usize) -> Option<Picked> {
        Some(Picked {
            route: column.route.clone(),
            leaf,
            data_type: column.data_type.clone()?,
            shape: Shape::of(column)?,
        })
    }
}

/// Batches of exactly `batch_size` events (the last may be shorter), read row group by row group.
pub(crate) struct Batches {
    path: PathBuf,
    bytes: Bytes,
    meta: Arc<ParquetMetaData>,
    columns: Vec<Picked>,
    batch_size: usize,
    next_row_group: usize,
    /// Row groups (or their tails) read but not yet handed out, as zero-copy slices.
    queue: VecDeque<RecordBatch>,
    queued_rows: usize,
}

impl Batches {
    pub(crate) fn new(
        path: &Path,
        bytes: Bytes,
        meta: Arc<ParquetMetaData>,
        columns: Vec<Picked>,
        batch_size: usize,
    ) -> Batches {
        Batches {
            path: path.to_path_buf(),
            bytes,
            meta,
            columns,
            batch_size,
            next_row_group: 0,
            queue: VecDeque::new(),
            queued_rows: 0,
        }
    }

    fn parquet_error(&self, error: ParquetError) -> Error {
        Error::parquet(&self.path, error)
    }

    fn corrupt(&self, what: String) -> Error {
        self.parquet_error(ParquetError::General(what))
    }

    fn read_row_group(&self, index: usize) -> Result<RecordBatch> {
        let rows = self.meta.row_group(index).num_rows() as usize;
        // A collection is read as one unit (its fields share offsets); units are independent,
        // so they are decoded in parallel.
        let mut units: Vec<&[Picked]> = Vec::new();
        let mut at = 0;
        while at < self.columns.len() {
            let head = self.columns[at].route.head();
            let len = self.columns[at..]
                .iter()
                .take_while(|c| c.route.head() == head)
                .count();
            let group = &self.columns[at..at + len];
            if matches!(group[0].shape, Shape::Collection | Shape::List) {
                units.push(group);
            } else {
                units.extend(group.chunks(1));
            }
            at += len;
        }
        let arrays: Vec<(Route, ArrayRef)> = units
            .par_iter()
            .map(|unit| match unit[0].shape {
                Shape::Collection | Shape::List => {
                    let list = self.read_lists(index, rows, unit)?;
                    Ok((Route::new([unit[0].route.head()]), list))
                }
                Shape::Plain | Shape::Group => Ok((
                    unit[0].route.clone(),
                    self.read_flat(index, rows, &unit[0])?,
                )),
            })
            .collect::<Result<_>>()?;
        let mut events = Events::with_num_events(rows);
        for (route, array) in arrays {
            events
                .set_column(&route, array)
                .map_err(|e| Error::columns(&self.path, e))?;
        }
        Ok(events.into_batch())
    }

    fn pages(
        &self,
        row_group: usize,
        leaf: usize,
        rows: usize,
    ) -> Result<SerializedPageReader<Bytes>> {
        let chunk = self.meta.row_group(row_group).column(leaf);
        SerializedPageReader::new(Arc::new(self.bytes.clone()), chunk, rows, None)
            .map_err(|e| self.parquet_error(e))
    }

    fn read_flat(&self, row_group: usize, rows: usize, column: &Picked) -> Result<ArrayRef> {
        let mut values = Values::new(&column.data_type, rows);
        for page in self.pages(row_group, column.leaf, rows)? {
            let (buf, count, encoding) = data_page(page.map_err(|e| self.parquet_error(e))?)
                .ok_or_else(|| self.corrupt(format!("{}: unexpected page kind", column.route)))?;
            values
                .push(encoding, &buf, count)
                .ok_or_else(|| self.corrupt(format!("{}: short data page", column.route)))?;
        }
        let array = values.finish();
        if array.len() != rows {
            return Err(self.corrupt(format!(
                "{}: the pages do not hold {rows} values",
                column.route
            )));
        }
        Ok(array)
    }

    /// The values of one field of a list column. With `offsets`, its levels are decoded into
    /// them (one entry per event plus the end); without, the levels are skipped.
    fn read_list_field(
        &self,
        row_group: usize,
        rows: usize,
        field: &Picked,
        mut offsets: Option<&mut Vec<i32>>,
    ) -> Result<ArrayRef> {
        // Level entries bound the values from above (an empty list is an entry without one).
        let entries = self
            .meta
            .row_group(row_group)
            .column(field.leaf)
            .num_values();
        let mut values = Values::new(&field.data_type, usize::try_from(entries).unwrap_or(0));
        let mut rep = Vec::new();
        let mut def = Vec::new();
        let mut count = 0usize;
        for page in self.pages(row_group, field.leaf, rows)? {
            let corrupt = || self.corrupt(format!("{}: malformed data page", field.route));
            let (buf, entries, encoding) =
                data_page(page.map_err(|e| self.parquet_error(e))?).ok_or_else(corrupt)?;
            let (rep_bytes, rest) = length_prefixed(&buf).ok_or_else(corrupt)?;
            let (def_bytes, encoded) = length_prefixed(rest).ok_or_else(corrupt)?;
            // cf's page writer stores each level column as one bit-packed run: read its bits
            // directly rather than one level byte per entry.
            let bits = single_run(rep_bytes, entries).zip(single_run(def_bytes, entries));
            let present = match &bits {
                _ if encoding == Encoding::DELTA_BINARY_PACKED => {
                    delta::count(encoded).ok_or_else(corrupt)?
                }
                _ if offsets.is_none() && field.data_type != DataType::Boolean => {
                    encoded.len() / values.width()
                }
                Some((_, def_bits)) => count_ones(def_bits, entries),
                None => {
                    def.clear();
                    decode_levels(def_bytes, entries, &mut def).ok_or_else(corrupt)?;
                    def.iter().filter(|&&d| d == 1).count()
                }
            };
            if let Some(offsets) = offsets.as_deref_mut() {
                if let Some((rep_bits, def_bits)) = bits {
                    count = list_starts(rep_bits, def_bits, entries, count, offsets);
                } else {
                    rep.clear();
                    decode_levels(rep_bytes, entries, &mut rep).ok_or_else(corrupt)?;
                    for (&r, &d) in rep.iter().zip(&def) {
                        if r == 0 {
                            offsets.push(count as i32);
                        }
                        count += usize::from(d);
                    }
                }
            }
            values
                .push(encoding, encoded, present)
                .ok_or_else(corrupt)?;
        }
        if let Some(offsets) = offsets {
            offsets.push(count as i32);
            if offsets.len() != rows + 1 {
                return Err(self.corrupt(format!(
                    "{}: {} lists in a row group of {rows} events",
                    field.route,
                    offsets.len() - 1
                )));
            }
        }
        Ok(values.finish())
    }

    /// The fields of one collection (or one top-level list), sharing the offsets decoded from
    /// the first field's levels.
    fn read_lists(&self, row_group: usize, rows: usize, fields: &[Picked]) -> Result<ArrayRef> {
        let mut offsets = Vec::with_capacity(rows + 1);
        let first = self.read_list_field(row_group, rows, &fields[0], Some(&mut offsets))?;
        let objects = *offsets.last().expect("the first field ends the offsets") as usize;
        let mut children = vec![first];
        let rest: Vec<ArrayRef> = fields[1..]
            .par_iter()
            .map(|field| self.read_list_field(row_group, rows, field, None))
            .collect::<Result<_>>()?;
        children.extend(rest);
        if let Some((field, _)) = fields
            .iter()
            .zip(&children)
            .find(|(_, c)| c.len() != objects)
        {
            return Err(self.corrupt(format!(
                "{}: the pages do not hold the collection's {objects} values",
                field.route
            )));
        }
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
        if fields[0].shape == Shape::List {
            let values = children.pop().expect("one field");
            let item = Field::new("item", values.data_type().clone(), false);
            return Ok(Arc::new(ListArray::new(
                Arc::new(item),
                offsets,
                values,
                None,
            )));
        }
        let struct_fields: Fields = fields
            .iter()
            .zip(&children)
            .map(|(f, c)| Field::new(&f.route.fields()[1], c.data_type().clone(), false))
            .collect();
        let items = StructArray::new(struct_fields, children, None);
        let item = Field::new("item", items.data_type().clone(), false);
        Ok(Arc::new(ListArray::new(
            Arc::new(item),
            offsets,
            Arc::new(items),
            None,
        )))
    }
}

impl Iterator for Batches {
    type Item = Result<Events>;

    fn next(&mut self) -> Option<Result<Events>> {
        while self.queued_rows < self.batch_size && self.next_row_group < self.meta.num_row_groups()
        {
            match self.read_row_group(self.next_row_group) {
                Ok(batch) => {
                    self.next_row_group += 1;
                    self.queued_rows += batch.num_rows();
                    self.queue.push_back(batch);
                }
                Err(e) => {
                    self.next_row_group = self.meta.num_row_groups();
                    self.queue.clear();
                    self.queued_rows = 0;
                    return Some(Err(e));
                }
            }
        }
        let want = self.batch_size.min(self.queued_rows);
        if want == 0 {
            return None;
        }
        self.queued_rows -= want;
        let mut pieces = Vec::new();
        let mut gathered = 0;
        while gathered < want {
            let front = self
                .queue
                .pop_front()
                .expect("queued rows are in the queue");
            let take = (want - gathered).min(front.num_rows());
            if take < front.num_rows() {
                self.queue
                    .push_front(front.slice(take, front.num_rows() - take));
            }
            gathered += take;
            pieces.push(front.slice(0, take));
        }
        if pieces.len() == 1 {
            return pieces.pop().map(|batch| Ok(Events::new(batch)));
        }
        // A batch spanning row groups: only its own rows are copied.
        let joined = arrow_select::concat::concat_batches(&pieces[0].schema(), &pieces);
        Some(
            joined
                .map(Events::new)
                .map_err(|e| self.corrupt(e.to_string())),
        )
    }
}

/// The buffer, entry count and value encoding of a v1 data page; `None` for other pages.
fn data_page(page: Page) -> Option<(Bytes, usize, Encoding)> {
    match page {
        Page::DataPage {
            buf,
            num_values,
            encoding: encoding @ (Encoding::PLAIN | Encoding::DELTA_BINARY_PACKED),
            ..
        } => Some((buf, num_values as usize, encoding)),
        _ => None,
    }
}

/// Splits `[u32 length][bytes][rest]`, the framing of v1 levels.
fn length_prefixed(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let length = u32::from_le_bytes(data.get(..4)?.try_into().ok()?) as usize;
    let body = data.get(4..4 + length)?;
    Some((body, &data[4 + length..]))
}

/// The header of the run starting at `at` (a ULEB128 varint) and where its body starts.
fn run_header(data: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let (mut header, mut shift) = (0usize, 0);
    loop {
        let byte = *data.get(at)?;
        at += 1;
        header |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((header, at));
        }
        shift += 7;
        if shift > 35 {
            return None;
        }
    }
}

/// The bits of `n` one-bit levels stored as a single bit-packed run, if that is how they are
/// stored.
fn single_run(data: &[u8], n: usize) -> Option<&[u8]> {
    let (header, at) = run_header(data, 0)?;
    let bytes = n.div_ceil(8);
    (header & 1 == 1 && header >> 1 >= bytes).then_some(())?;
    data.get(at..at + bytes)
}

/// Number of set bits among the first `n` of `bits`.
fn count_ones(bits: &[u8], n: usize) -> usize {
    let full = n / 8;
    let whole: u32 = bits[..full].iter().map(|b| b.count_ones()).sum();
    let tail = match n % 8 {
        0 => 0,
        r => (bits[full] & ((1u8 << r) - 1)).count_ones(),
    };
    (whole + tail) as usize
}

/// Appends to `offsets` the value count before each list start (a repetition bit of 0) among
/// the first `n` entries, counting defined entries (definition bit 1) from `count`; returns the
/// count after them.
fn list_starts(
    rep: &[u8],
    def: &[u8],
    n: usize,
    mut count: usize,
    offsets: &mut Vec<i32>,
) -> usize {
    for (k, (r, d)) in rep.chunks(8).zip(def.chunks(8)).enumerate() {
        let word = |bytes: &[u8]| {
            let mut w = [0u8; 8];
            w[..bytes.len()].copy_from_slice(bytes);
            u64::from_le_bytes(w)
        };
        let valid = n - 64 * k;
        let mask = if valid >= 64 {
            u64::MAX
        } else {
            (1u64 << valid) - 1
        };
        let defined = word(d) & mask;
        let mut starts = !word(r) & mask;
        while starts != 0 {
            let bit = starts.trailing_zeros();
            let before = defined & ((1u64 << bit) - 1);
            offsets.push((count + before.count_ones() as usize) as i32);
            starts &= starts - 1;
        }
        count += defined.count_ones() as usize;
    }
    count
}

/// Decodes `n` levels of bit width 1 written in Parquet's RLE/bit-packed hybrid.
fn decode_levels(data: &[u8], n: usize, out: &mut Vec<u8>) -> Option<()> {
    let mut at = 0;
    let start = out.len();
    while out.len() - start < n {
        let (header, body) = run_header(data, at)?;
        at = body;
        let left = n - (out.len() - start);
        if header & 1 == 0 {
            let value = *data.get(at)? & 1;
            at += 1;
            out.extend(std::iter::repeat_n(value, (header >> 1).min(left)));
        } else {
            let groups = header >> 1;
            let packed = data.get(at..at + groups)?;
            at += groups;
            for (i, &byte) in packed.iter().enumerate() {
                let bits = (8 * (i + 1)).min(left) - (8 * i).min(left);
                out.extend((0..bits).map(|bit| (byte >> bit) & 1));
            }
        }
    }
    Some(())
}

/// Values of one column being gathered from PLAIN pages.
enum Values {
    Bool(BooleanBufferBuilder),
    I8(Vec<i8>),
    U8(Vec<u8>),
    I16(Vec<i16>),
    U16(Vec<u16>),
    I32(Vec<i32>),
    U32(Vec<u32>),
    I64(Vec<i64>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

macro_rules! plain {
    ($vec:expr, $bytes:expr, $n:expr, $width:literal, $read:ty, $as:ty) => {{
        let bytes = $bytes.get(..$n * $width)?;
        $vec.extend(
            bytes
                .chunks_exact($width)
                .map(|c| <$read>::from_le_bytes(c.try_into().expect("exact chunks")) as $as),
        );
    }};
}

impl Values {
    fn new(data_type: &DataType, capacity: usize) -> Values {
        match data_type {
            DataType::Boolean => Values::Bool(BooleanBufferBuilder::new(capacity)),
            DataType::Int8 => Values::I8(Vec::with_capacity(capacity)),
            DataType::UInt8 => Values::U8(Vec::with_capacity(capacity)),
            DataType::Int16 => Values::I16(Vec::with_capacity(capacity)),
            DataType::UInt16 => Values::U16(Vec::with_capacity(capacity)),
            DataType::Int32 => Values::I32(Vec::with_capacity(capacity)),
            DataType::UInt32 => Values::U32(Vec::with_capacity(capacity)),
            DataType::Int64 => Values::I64(Vec::with_capacity(capacity)),
            DataType::UInt64 => Values::U64(Vec::with_capacity(capacity)),
            DataType::Float32 => Values::F32(Vec::with_capacity(capacity)),
            _ => Values::F64(Vec::with_capacity(capacity)),
        }
    }

    /// Bytes per PLAIN value (booleans are bits; they are counted from the levels instead).
    fn width(&self) -> usize {
        match self {
            Values::Bool(_) => 1,
            Values::I64(_) | Values::U64(_) | Values::F64(_) => 8,
            _ => 4,
        }
    }

    /// Appends `n` values encoded as `encoding` (PLAIN, or DELTA_BINARY_PACKED for integers).
    fn push(&mut self, encoding: Encoding, bytes: &[u8], n: usize) -> Option<()> {
        if encoding != Encoding::DELTA_BINARY_PACKED {
            return self.push_plain(bytes, n);
        }
        let bits = if self.width() == 8 { 64 } else { 32 };
        let mut wide = Vec::with_capacity(n);
        delta::decode(bytes, bits, &mut wide)?;
        if wide.len() != n {
            return None;
        }
        // The decoded values are the physical type's, sign-extended: narrowing keeps their bits.
        match self {
            Values::I8(v) => v.extend(wide.iter().map(|&x| x as i8)),
            Values::U8(v) => v.extend(wide.iter().map(|&x| x as u8)),
            Values::I16(v) => v.extend(wide.iter().map(|&x| x as i16)),
            Values::U16(v) => v.extend(wide.iter().map(|&x| x as u16)),
            Values::I32(v) => v.extend(wide.iter().map(|&x| x as i32)),
            Values::U32(v) => v.extend(wide.iter().map(|&x| x as u32)),
            Values::I64(v) => v.extend(wide),
            Values::U64(v) => v.extend(wide.iter().map(|&x| x as u64)),
            Values::Bool(_) | Values::F32(_) | Values::F64(_) => return None,
        }
        Some(())
    }

    fn push_plain(&mut self, bytes: &[u8], n: usize) -> Option<()> {
        match self {
            Values::Bool(builder) => {
                let packed = bytes.get(..n.div_ceil(8))?;
                builder.append_packed_range(0..n, packed);
            }
            Values::I8(v) => plain!(v, bytes, n, 4, i32, i8),
            Values::U8(v) => plain!(v, bytes, n, 4, i32, u8),
            Values::I16(v) => plain!(v, bytes, n, 4, i32, i16),
            Values::U16(v) => plain!(v, bytes, n, 4, i32, u16),
            Values::I32(v) => plain!(v, bytes, n, 4, i32, i32),
            Values::U32(v) => plain!(v, bytes, n, 4, u32, u32),
            Values::I64(v) => plain!(v, bytes, n, 8, i64, i64),
            Values::U64(v) => plain!(v, bytes, n, 8, u64, u64),
            Values::F32(v) => plain!(v, bytes, n, 4, f32, f32),
            Values::F64(v) => plain!(v, bytes, n, 8, f64, f64),
        }
        Some(())
    }

    fn finish(self) -> ArrayRef {
        fn array<T: arrow_array::ArrowPrimitiveType>(values: Vec<T::Native>) -> ArrayRef {
            Arc::new(PrimitiveArray::<T>::new(ScalarBuffer::from(values), None))
        }
        match self {
            Values::Bool(mut builder) => Arc::new(BooleanArray::new(builder.finish(), None)),
            Values::I8(v) => array::<Int8Type>(v),
            Values::U8(v) => array::<UInt8Type>(v),
            Values::I16(v) => array::<Int16Type>(v),
            Values::U16(v) => array::<UInt16Type>(v),
            Values::I32(v) => array::<Int32Type>(v),
            Values::U32(v) => array::<UInt32Type>(v),
            Values::I64(v) => array::<Int64Type>(v),
            Values::U64(v) => array::<UInt64Type>(v),
            Values::F32(v) => array::<Float32Type>(v),
            Values::F64(v) => array::<Float64Type>(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_starts_from_bits_match_the_level_by_level_loop() {
        // Lists of lengths 0..=4 in a pattern long enough to cross several 64-bit words.
        let lengths: Vec<i32> = (0..300).map(|k| k * 7 % 5).collect();
        let mut ends = vec![0];
        for len in &lengths {
            ends.push(ends.last().unwrap() + len);
        }
        let (rep, def, n) = crate::plain_writer::list_levels(&ends);
        let bit = |bits: &[u8], i: usize| (bits[i / 8] >> (i % 8)) & 1;
        let mut expected = Vec::new();
        let mut count = 5;
        for i in 0..n {
            if bit(&rep, i) == 0 {
                expected.push(count as i32);
            }
            count += usize::from(bit(&def, i));
        }
        let mut offsets = Vec::new();
        assert_eq!(list_starts(&rep, &def, n, 5, &mut offsets), count);
        assert_eq!(offsets, expected);
        assert_eq!(offsets.len(), lengths.len());
        assert_eq!(count_ones(&def, n), count - 5);

        // A run header, then the bits; too short a run or an RLE run is not a single run.
        let header = (n.div_ceil(8) << 1) | 1;
        let page = [
            &[(header & 0x7f) as u8 | 0x80, (header >> 7) as u8][..],
            &rep,
        ]
        .concat();
        assert_eq!(single_run(&page, n), Some(&rep[..]));
        assert_eq!(single_run(&page, n + 64), None);
        assert_eq!(single_run(&[4, 1], 2), None);
    }

    #[test]
    fn levels_decode_from_runs_and_packed_groups() {
        let mut out = Vec::new();
        // RLE run of 5 ones, then one bit-packed group 0b1010_0110, then a run of 3 zeros.
        decode_levels(&[0x0a, 0x01, 0x03, 0b1010_0110, 0x06, 0x00], 16, &mut out).unwrap();
        assert_eq!(out, [1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0]);
        let mut out = Vec::new();
        assert!(
            decode_levels(&[0x0a], 5, &mut out).is_none(),
            "a truncated run is refused"
        );
    }
}
