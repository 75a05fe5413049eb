//! Writing cf's layout page by page, without arrow-rs's generic level computation.
//!
//! Every leaf of an event file is a top-level number (`event`, possibly nullable), a field of
//! an event-level struct (`MET.pt`), a field of a collection (`Jet.pt`, a list of structs) or
//! the number of a top-level list. Their repetition and definition levels take one bit each,
//! so they are written as one bit-packed run built straight from the list offsets (or the
//! validity bitmap). Integers are DELTA_BINARY_PACKED ([`crate::delta`]), which packs
//! indices, ids and counters tighter than LZ4 and in less time; floating-point and boolean
//! values are copied into PLAIN pages. A column chunk is LZ4-compressed when its first pages
//! compress well, stored as it is otherwise. arrow-rs encodes levels one value at a time,
//! which was most of the time spent writing an event file. A schema
//! with anything else (strings, nullable fields inside structs, lists of lists) is written by
//! arrow-rs instead: [`PlainWriter::try_new`] says so by returning `None`.

use std::fs::File;
use std::io::BufWriter;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, RecordBatch};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, Schema};
use bytes::Bytes;
use parquet::arrow::{add_encoded_arrow_schema_to_metadata, ArrowSchemaConverter};
use parquet::basic::{Compression, Encoding};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, KeyValue};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::types::SchemaDescriptor;

/// Rows per data page at most: pages stay well below a few megabytes.
const PAGE_ROWS: usize = 65_536;

/// How a leaf's values hang below its top-level column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Levels {
    /// One value per event, never null: no levels.
    Required,
    /// One value per event or null: definition levels are the validity bits.
    Optional,
    /// Any number of values per event (a list, or a field of a list of structs).
    Repeated,
}

impl Levels {
    fn max(self) -> (i16, i16) {
        match self {
            Levels::Required => (0, 0),
            Levels::Optional => (1, 0),
            Levels::Repeated => (1, 1),
        }
    }
}

/// One leaf column: its top-level column, the struct field below it (if any), its levels.
#[derive(Debug)]
struct Leaf {
    column: usize,
    field: Option<usize>,
    levels: Levels,
}

/// The pages of one leaf in the row group being written, encoded but not yet compressed:
/// the codec is chosen for the whole chunk when it is written.
#[derive(Default)]
struct Chunk {
    /// Each page's bytes and number of level entries.
    pages: Vec<(Vec<u8>, u32)>,
    /// Whether the values are DELTA_BINARY_PACKED (integers) rather than PLAIN.
    delta: bool,
}

/// A chunk is LZ4-compressed only if its first [`SAMPLE_BYTES`] shrink below this share of
/// their size: measured floats (a smeared jet pt) keep ~97% of their bytes under LZ4, and
/// compressing them costs more CPU time than the bytes it saves.
const WORTH_COMPRESSING: f64 = 0.9;
/// How much of a chunk is compressed to decide whether the rest is.
const SAMPLE_BYTES: usize = 64 << 10;

impl Chunk {
    /// How the chunk's values are encoded, as its pages and its metadata say.
    fn values_encoding(&self) -> Encoding {
        if self.delta {
            Encoding::DELTA_BINARY_PACKED
        } else {
            Encoding::PLAIN
        }
    }

    /// The chunk's codec and its pages as written to the file (headers and stored bytes).
    fn encode(self) -> Result<(Compression, Bytes, i64, i64)> {
        let values_encoding = self.values_encoding();
        let mut trial = Vec::new();
        let (mut raw, mut packed) = (0usize, 0usize);
        for (page, _) in &self.pages {
            if raw >= SAMPLE_BYTES {
                break;
            }
            let compressed = lz4_flex::block::compress(page);
            raw += page.len();
            packed += compressed.len();
            trial.push(compressed);
        }
        let codec = if (packed as f64) < WORTH_COMPRESSING * raw as f64 {
            Compression::LZ4_RAW
        } else {
            Compression::UNCOMPRESSED
        };
        let mut trial = trial.into_iter();
        let mut out = TrackedWrite::new(Vec::new());
        let (mut values, mut uncompressed) = (0i64, 0i64);
        for (page, entries) in self.pages {
            let size = page.len();
            let stored = match (codec, trial.next()) {
                (Compression::LZ4_RAW, Some(compressed)) => compressed,
                (Compression::LZ4_RAW, None) => lz4_flex::block::compress(&page),
                _ => page,
            };
            let page = CompressedPage::new(
                Page::DataPage {
                    buf: Bytes::from(stored),
                    num_values: entries,
                    encoding: values_encoding,
                    def_level_encoding: Encoding::RLE,
                    rep_level_encoding: Encoding::RLE,
                    statistics: None,
                },
                size,
            );
            let spec = SerializedPageWriter::new(&mut out).write_page(page)?;
            values += i64::from(entries);
            uncompressed += spec.uncompressed_size as i64;
        }
        Ok((codec, Bytes::from(out.into_inner()?), values, uncompressed))
    }
}

/// Writes batches of one schema in cf's layout to a Parquet file, row group by row group.
pub(crate) struct PlainWriter {
    file: SerializedFileWriter<BufWriter<File>>,
    descriptor: SchemaDescriptor,
    leaves: Vec<Leaf>,
    chunks: Vec<Chunk>,
    row_group_size: usize,
    rows_in_group: usize,
}

impl PlainWriter {
    /// A writer for `schema`, or `None` when the schema has a column this writer does not
    /// encode. `metadata` goes to the footer, with the Arrow schema (as arrow-rs stores it).
    pub(crate) fn try_new(
        file: File,
        schema: &Schema,
        metadata: Vec<KeyValue>,
        row_group_size: usize,
    ) -> Result<Option<PlainWriter>> {
        let Some(leaves) = leaves(schema) else {
            return Ok(None);
        };
        let descriptor = ArrowSchemaConverter::new().convert(schema)?;
        let fits = descriptor.num_columns() == leaves.len()
            && leaves.iter().enumerate().all(|(i, leaf)| {
                let column = descriptor.column(i);
                (column.max_def_level(), column.max_rep_level()) == leaf.levels.max()
            });
        if !fits {
            return Ok(None);
        }
        let mut properties = WriterProperties::builder()
            .set_writer_version(WriterVersion::PARQUET_1_0)
            .set_key_value_metadata(Some(metadata))
            .build();
        add_encoded_arrow_schema_to_metadata(schema, &mut properties);
        let file = SerializedFileWriter::new(
            BufWriter::with_capacity(1 << 20, file),
            descriptor.root_schema_ptr(),
            Arc::new(properties),
        )?;
        Ok(Some(PlainWriter {
            file,
            chunks: leaves.iter().map(|_| Chunk::default()).collect(),
            descriptor,
            leaves,
            row_group_size: row_group_size.max(1),
            rows_in_group: 0,
        }))
    }

    /// Appends a batch of the schema given at creation.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut start = 0;
        while start < batch.num_rows() {
            let room = self.row_group_size - self.rows_in_group;
            let rows = (batch.num_rows() - start).min(room).min(PAGE_ROWS);
            let part = batch.slice(start, rows);
            let mut levels = ListLevels::default();
            for (leaf, chunk) in self.leaves.iter().zip(&mut self.chunks) {
                write_page(leaf, &part, chunk, &mut levels)?;
            }
            self.rows_in_group += rows;
            start += rows;
            if self.rows_in_group == self.row_group_size {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Writes the row group being built, if it has rows.
    fn flush(&mut self) -> Result<()> {
        if self.rows_in_group == 0 {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows_in_group);
        let mut group = self.file.next_row_group()?;
        for (i, chunk) in self.chunks.iter_mut().enumerate() {
            let values_encoding = chunk.values_encoding();
            let (codec, bytes, values, uncompressed) = std::mem::take(chunk).encode()?;
            let metadata = ColumnChunkMetaData::builder(self.descriptor.column(i))
                .set_compression(codec)
                .set_encodings(vec![values_encoding, Encoding::RLE])
                .set_num_values(values)
                .set_total_compressed_size(bytes.len() as i64)
                .set_total_uncompressed_size(uncompressed)
                .set_data_page_offset(0)
                .build()?;
            group.append_column(
                &bytes,
                ColumnCloseResult {
                    bytes_written: bytes.len() as u64,
                    rows_written: rows as u64,
                    metadata,
                    bloom_filter: None,
                    column_index: None,
                    offset_index: None,
                },
            )?;
        }
        group.close()?;
        Ok(())
    }

    /// Writes the last row group and the footer; returns the file.
    pub(crate) fn finish(mut self) -> Result<File> {
        self.flush()?;
        self.file
            .into_inner()?
            .into_inner()
            .map_err(|e| ParquetError::External(Box::new(e.into_error())))
    }
}

/// The leaves of `schema` in Parquet's column order, or `None` if one is not encoded here.
fn leaves(schema: &Schema) -> Option<Vec<Leaf>> {
    let mut leaves = Vec::new();
    for (column, field) in schema.fields().iter().enumerate() {
        match field.data_type() {
            t if number(t) => leaves.push(Leaf {
                column,
                field: None,
                levels: if field.is_nullable() {
                    Levels::Optional
                } else {
                    Levels::Required
                },
            }),
            DataType::Struct(children) if !field.is_nullable() => {
                for (i, child) in children.iter().enumerate() {
                    required_number(child)?;
                    leaves.push(Leaf {
                        column,
                        field: Some(i),
                        levels: Levels::Required,
                    });
                }
            }
            DataType::List(item) if !field.is_nullable() && !item.is_nullable() => {
                match item.data_type() {
                    t if number(t) => leaves.push(Leaf {
                        column,
                        field: None,
                        levels: Levels::Repeated,
                    }),
                    DataType::Struct(children) => {
                        for (i, child) in children.iter().enumerate() {
                            required_number(child)?;
                            leaves.push(Leaf {
                                column,
                                field: Some(i),
                                levels: Levels::Repeated,
                            });
                        }
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    Some(leaves)
}

fn number(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Boolean
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
    )
}

fn required_number(field: &Field) -> Option<()> {
    (number(field.data_type()) && !field.is_nullable()).then_some(())
}

/// The encoded repetition and definition levels of one list column of a batch, with their
/// number of entries: the same for every field of a list of structs (a collection), so they
/// are encoded once per collection and page.
#[derive(Default)]
struct ListLevels {
    column: Option<usize>,
    encoded: Vec<u8>,
    entries: usize,
}

/// Encodes the leaf's values of `batch` as one data page and appends it to `chunk`; `levels`
/// keeps the last list column's levels for its next field.
fn write_page(
    leaf: &Leaf,
    batch: &RecordBatch,
    chunk: &mut Chunk,
    levels_of_list: &mut ListLevels,
) -> Result<()> {
    let top = batch.column(leaf.column);
    let mut page = Vec::new();
    let num_values;
    match leaf.levels {
        Levels::Required => {
            let values = field_of(top, leaf.field);
            if values.null_count() > 0 {
                return Err(ParquetError::General(format!(
                    "column {} holds nulls but is declared non-nullable",
                    batch.schema().field(leaf.column).name()
                )));
            }
            num_values = values.len();
            chunk.delta = encode_values(values.as_ref(), None, &mut page);
        }
        Levels::Optional => {
            num_values = top.len();
            let validity = top.logical_nulls();
            let bits: Vec<u8> = match &validity {
                Some(nulls) => nulls.inner().sliced().as_slice().to_vec(),
                None => vec![0xff; top.len().div_ceil(8)],
            };
            levels(&bits, top.len(), &mut page);
            chunk.delta = encode_values(top.as_ref(), validity.as_ref(), &mut page);
        }
        Levels::Repeated => {
            let list = top.as_list::<i32>();
            let offsets = list.value_offsets();
            let (start, end) = (offsets[0] as usize, offsets[offsets.len() - 1] as usize);
            let values = field_of(list.values(), leaf.field).slice(start, end - start);
            if levels_of_list.column != Some(leaf.column) {
                let (rep, def, n) = list_levels(offsets);
                levels_of_list.encoded.clear();
                levels(&rep, n, &mut levels_of_list.encoded);
                levels(&def, n, &mut levels_of_list.encoded);
                levels_of_list.entries = n;
                levels_of_list.column = Some(leaf.column);
            }
            page.extend_from_slice(&levels_of_list.encoded);
            chunk.delta = encode_values(values.as_ref(), None, &mut page);
            num_values = levels_of_list.entries;
        }
    }
    chunk.pages.push((page, num_values as u32));
    Ok(())
}

/// The array itself, or its struct field `field`.
fn field_of(array: &ArrayRef, field: Option<usize>) -> ArrayRef {
    match field {
        Some(i) => array.as_struct().column(i).clone(),
        None => array.clone(),
    }
}

/// Repetition and definition bits of a list column (one entry per value, one per empty list)
/// and the number of entries.
pub(crate) fn list_levels(offsets: &[i32]) -> (Vec<u8>, Vec<u8>, usize) {
    let values = (offsets[offsets.len() - 1] - offsets[0]) as usize;
    let empty = offsets.windows(2).filter(|w| w[0] == w[1]).count();
    let n = values + empty;
    let mut rep = vec![0xffu8; n.div_ceil(8)];
    let mut def = vec![0xffu8; n.div_ceil(8)];
    let mut at = 0;
    for w in offsets.windows(2) {
        let len = (w[1] - w[0]) as usize;
        // The first entry of every event starts a new list; an empty list is one undefined entry.
        rep[at / 8] &= !(1 << (at % 8));
        if len == 0 {
            def[at / 8] &= !(1 << (at % 8));
            at += 1;
        } else {
            at += len;
        }
    }
    (rep, def, n)
}

/// Appends `n` one-bit levels as a v1 page's levels: a length and one bit-packed run.
fn levels(bits: &[u8], n: usize, page: &mut Vec<u8>) {
    let groups = n.div_ceil(8);
    let mut header = Vec::with_capacity(10);
    let mut value = (groups << 1) | 1;
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            header.push(byte);
            break;
        }
        header.push(byte | 0x80);
    }
    let length = (header.len() + groups) as u32;
    page.extend_from_slice(&length.to_le_bytes());
    page.extend_from_slice(&header);
    page.extend_from_slice(&bits[..groups]);
}

/// Appends the values of `array` (only the valid ones when `validity` is given): integers
/// DELTA_BINARY_PACKED (then returns true), other numbers PLAIN.
fn encode_values(array: &dyn Array, validity: Option<&NullBuffer>, page: &mut Vec<u8>) -> bool {
    fn delta<T: ArrowPrimitiveType>(
        array: &dyn Array,
        validity: Option<&NullBuffer>,
        narrow: bool,
        get: impl Fn(T::Native) -> i64,
        page: &mut Vec<u8>,
    ) {
        let values = array.as_primitive::<T>().values();
        match validity {
            None => crate::delta::encode(values, narrow, get, page),
            Some(valid) => {
                let kept: Vec<T::Native> = values
                    .iter()
                    .zip(valid.iter())
                    .filter(|(_, ok)| *ok)
                    .map(|(&v, _)| v)
                    .collect();
                crate::delta::encode(&kept, narrow, get, page);
            }
        }
    }
    // Unsigned 32- and 64-bit values are stored as the signed integers of their bits.
    match array.data_type() {
        DataType::Int8 => delta::<Int8Type>(array, validity, true, i64::from, page),
        DataType::Int16 => delta::<Int16Type>(array, validity, true, i64::from, page),
        DataType::Int32 => delta::<Int32Type>(array, validity, true, i64::from, page),
        DataType::UInt8 => delta::<UInt8Type>(array, validity, true, i64::from, page),
        DataType::UInt16 => delta::<UInt16Type>(array, validity, true, i64::from, page),
        DataType::UInt32 => {
            delta::<UInt32Type>(array, validity, true, |v| i64::from(v as i32), page)
        }
        DataType::Int64 => delta::<Int64Type>(array, validity, false, |v| v, page),
        DataType::UInt64 => delta::<UInt64Type>(array, validity, false, |v| v as i64, page),
        _ => {
            plain(array, validity, page);
            return false;
        }
    }
    true
}

/// Appends the floats or booleans of `array` (only the valid ones when `validity` is given) in
/// PLAIN encoding: bits for booleans, floats as they are.
fn plain(array: &dyn Array, validity: Option<&NullBuffer>, page: &mut Vec<u8>) {
    fn extend<T: ArrowPrimitiveType, const N: usize>(
        array: &dyn Array,
        validity: Option<&NullBuffer>,
        page: &mut Vec<u8>,
        bytes: impl Fn(T::Native) -> [u8; N],
    ) {
        let values = array.as_primitive::<T>().values();
        page.reserve(values.len() * N);
        // Arrow holds numbers little-endian on little-endian machines: a type already as wide
        // as its Parquet type is its buffer's bytes.
        if cfg!(target_endian = "little") && validity.is_none() && size_of::<T::Native>() == N {
            page.extend_from_slice(values.inner().as_slice());
            return;
        }
        match validity {
            None => values
                .iter()
                .for_each(|&v| page.extend_from_slice(&bytes(v))),
            Some(valid) => values
                .iter()
                .zip(valid.iter())
                .filter(|(_, ok)| *ok)
                .for_each(|(&v, _)| page.extend_from_slice(&bytes(v))),
        }
    }
    match array.data_type() {
        DataType::Boolean => {
            let values = array.as_boolean().values();
            match validity {
                None => page.extend_from_slice(values.sliced().as_slice()),
                Some(valid) => {
                    let kept: Vec<bool> = values
                        .iter()
                        .zip(valid.iter())
                        .filter(|(_, ok)| *ok)
                        .map(|(v, _)| v)
                        .collect();
                    let mut bytes = vec![0u8; kept.len().div_ceil(8)];
                    for (i, _) in kept.iter().enumerate().filter(|(_, &v)| v) {
                        bytes[i / 8] |= 1 << (i % 8);
                    }
                    page.extend_from_slice(&bytes);
                }
            }
        }
        DataType::Float32 => extend::<Float32Type, 4>(array, validity, page, f32::to_le_bytes),
        DataType::Float64 => extend::<Float64Type, 8>(array, validity, page, f64::to_le_bytes),
        other => {
            unreachable!("integers are delta-packed and leaves() admits only numbers, not {other}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bit(bits: &[u8], i: usize) -> bool {
        bits[i / 8] >> (i % 8) & 1 == 1
    }

    #[test]
    fn list_levels_mark_list_starts_and_empty_lists() {
        // Lists [a, b], [], [c], [] starting at offset 3 (a sliced list).
        let (rep, def, n) = list_levels(&[3, 5, 5, 6, 6]);
        assert_eq!(n, 5);
        let rep: Vec<bool> = (0..n).map(|i| bit(&rep, i)).collect();
        let def: Vec<bool> = (0..n).map(|i| bit(&def, i)).collect();
        assert_eq!(rep, [false, true, false, false, false]);
        assert_eq!(def, [true, true, false, true, false]);
    }

    #[test]
    fn levels_are_one_length_prefixed_bit_packed_run() {
        let mut page = Vec::new();
        levels(&[0b1010_1010, 0b0000_0011], 10, &mut page);
        // 4-byte length 3, header (2 groups << 1) | 1 = 5, then the two bytes.
        assert_eq!(page, [3, 0, 0, 0, 5, 0b1010_1010, 0b0000_0011]);
    }
}
