//! Writing events to Parquet: generation and column encoding in parallel, the file atomically.

use std::fs::File;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowColumnWriter};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use crate::detector::Chunk;
use crate::{Error, Model, Result};

/// Events per Parquet row group, as cf's own writer: readers can split files by row group.
pub const ROW_GROUP_EVENTS: u64 = 100_000;
/// Events one task generates: small enough that a row group spreads over all threads,
/// large enough that per-task costs vanish.
const TASK_EVENTS: u64 = 8192;
/// ZSTD level 3, as cf's writer: as fast as level 1 to write, smaller and faster to read.
const ZSTD_LEVEL: i32 = 3;

/// Writes events `first_event .. first_event + n` of `model` generated with `seed` to `path`
/// (Parquet, flat NanoAOD names), creating its directory if needed; returns `n`.
///
/// An event depends only on (`model`, `seed`, its index), so any split of a range into files
/// holds the same events. The file appears complete or not at all: it is written under a
/// temporary name beside `path` and renamed into place. `n = 0` writes a file with the
/// columns and no events.
pub fn write_events(
    model: &Model,
    seed: u64,
    first_event: u64,
    n: u64,
    path: &Path,
) -> Result<u64> {
    let end = first_event.checked_add(n).ok_or(Error::EventRange {
        model: model.name,
        first_event,
        n,
    })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let temp = cf_io::temp_path(path);
    let written = write_file(model, seed, first_event..end, path, &temp).and_then(|()| {
        std::fs::rename(&temp, path).map_err(|e| Error::io(path, e))?;
        Ok(n)
    });
    if written.is_err() {
        // The temporary file is ours and incomplete; its absence is what matters.
        let _ = std::fs::remove_file(&temp);
    }
    written
}

fn write_file(
    model: &Model,
    seed: u64,
    events: Range<u64>,
    path: &Path,
    temp: &Path,
) -> Result<()> {
    let parquet = |e| Error::parquet(path, e);
    let fields: Vec<Field> = crate::branches(model)
        .into_iter()
        .map(|(name, data_type)| Field::new(name, data_type, false))
        .collect();
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let file = File::create(temp).map_err(|e| Error::io(temp, e))?;
    let zstd = ZstdLevel::try_new(ZSTD_LEVEL).map_err(parquet)?;
    let mut properties = WriterProperties::builder();
    for field in schema.fields() {
        if let Some(path) = float_leaf(field) {
            properties = properties.set_column_encoding(path, Encoding::BYTE_STREAM_SPLIT);
        }
    }
    let properties = properties
        .set_compression(Compression::ZSTD(zstd))
        // Event columns rarely repeat values; dictionaries cost time and are dropped anyway.
        .set_dictionary_enabled(false)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_key_value_metadata(Some(vec![
            KeyValue::new("cf_toy.model".into(), model.name.to_string()),
            KeyValue::new("cf_toy.seed".into(), seed.to_string()),
            KeyValue::new(
                "cf_toy.events".into(),
                format!("{}..{}", events.start, events.end),
            ),
        ]))
        .build();
    let writer = ArrowWriter::try_new(file, schema.clone(), Some(properties)).map_err(parquet)?;
    let (mut writer, factory) = writer.into_serialized_writer().map_err(parquet)?;

    let groups = split(events, ROW_GROUP_EVENTS);
    for (group_index, group) in groups.into_iter().enumerate() {
        let tasks = split(group, TASK_EVENTS);
        let chunks: Vec<Vec<ArrayRef>> = tasks
            .into_par_iter()
            .map(|range| {
                Chunk::generate(model, seed, range)
                    .into_columns()
                    .into_iter()
                    .map(|(_, array)| array)
                    .collect()
            })
            .collect();
        let column_writers = factory
            .create_column_writers(group_index)
            .map_err(parquet)?;
        // Flat columns have one Parquet leaf each, so writers and fields pair up in order.
        let encoded: Vec<ArrowColumnChunk> = column_writers
            .into_par_iter()
            .zip(schema.fields().par_iter())
            .enumerate()
            .map(|(column, (writer, field))| encode(writer, field, &chunks, column))
            .collect::<parquet::errors::Result<_>>()
            .map_err(parquet)?;
        let mut row_group = writer.next_row_group().map_err(parquet)?;
        for chunk in encoded {
            chunk.append_to_row_group(&mut row_group).map_err(parquet)?;
        }
        row_group.close().map_err(parquet)?;
    }
    let file = writer.into_inner().map_err(parquet)?;
    file.sync_all().map_err(|e| Error::io(temp, e))
}

/// Encodes column `column` of every chunk of a row group, in order.
fn encode(
    mut writer: ArrowColumnWriter,
    field: &Arc<Field>,
    chunks: &[Vec<ArrayRef>],
    column: usize,
) -> parquet::errors::Result<ArrowColumnChunk> {
    for array in chunks.iter().filter_map(|chunk| chunk.get(column)) {
        for leaf in compute_leaves(field, array)? {
            writer.write(&leaf)?;
        }
    }
    writer.close()
}

/// The Parquet path of a float column's values (`Jet_pt.list.item` for lists).
fn float_leaf(field: &Field) -> Option<ColumnPath> {
    match field.data_type() {
        DataType::Float32 => Some(ColumnPath::from(field.name().as_str())),
        DataType::List(item) if item.data_type() == &DataType::Float32 => {
            Some(ColumnPath::new(vec![
                field.name().clone(),
                "list".into(),
                item.name().clone(),
            ]))
        }
        _ => None,
    }
}

/// `range` cut into consecutive pieces of at most `size`.
fn split(range: Range<u64>, size: u64) -> Vec<Range<u64>> {
    let mut pieces = Vec::new();
    let mut start = range.start;
    while start < range.end {
        let end = start.saturating_add(size).min(range.end);
        pieces.push(start..end);
        start = end;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_the_range_in_order() {
        assert_eq!(split(5..5, 3), Vec::<Range<u64>>::new());
        assert_eq!(split(5..12, 3), vec![5..8, 8..11, 11..12]);
        assert_eq!(
            split(u64::MAX - 2..u64::MAX, 8),
            vec![u64::MAX - 2..u64::MAX]
        );
    }
}
