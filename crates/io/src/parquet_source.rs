//! Parquet files as event sources, in cf's nested layout or with flat NanoAOD names.

use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, RecordBatchReader};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema};
use bytes::Bytes;
use cf_columns::{ColumnSet, Events, Route};
use memmap2::Mmap;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;

use crate::cf_parquet;
use crate::error::{Error, Result};
use crate::handoff;
use crate::source::{ColumnInfo, EventStream};

/// Key of the Parquet footer metadata entry that marks cf's nested layout.
pub const LAYOUT_KEY: &str = "cf.layout";
/// Value of [`LAYOUT_KEY`] for cf's layout: collections as lists of structs, groups as structs.
pub const NESTED_LAYOUT: &str = "nested";
/// Key of the footer entry saying how cf's writer laid out pages.
pub(crate) const PAGES_KEY: &str = "cf.pages";
/// Value of [`PAGES_KEY`]: v1 data pages, PLAIN values, RLE levels, no dictionary.
pub(crate) const PLAIN_V1_PAGES: &str = "plain-v1";

#[derive(Debug)]
pub(crate) struct ParquetSource {
    path: PathBuf,
    /// The file's identity when opened: batches this process wrote to it are handed over.
    id: Option<cf_root::FileId>,
    metadata: ArrowReaderMetadata,
    nested: bool,
    columns: Vec<ColumnInfo>,
    /// Parquet leaf columns holding each entry of `columns`.
    leaves: Vec<Range<usize>>,
    /// Per entry of `columns`: true when [`cf_parquet`] can read it (a file cf wrote).
    plain: Vec<bool>,
}

impl ParquetSource {
    pub(crate) fn open(path: &Path) -> Result<ParquetSource> {
        let bytes = map(path)?;
        let metadata = ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::new())
            .map_err(|e| Error::parquet(path, e))?;
        let schema = metadata.schema().clone();
        let has = |key: &str, value: &str| {
            metadata
                .metadata()
                .file_metadata()
                .key_value_metadata()
                .is_some_and(|kv| {
                    kv.iter()
                        .any(|e| e.key == key && e.value.as_deref() == Some(value))
                })
        };
        let marked = has(LAYOUT_KEY, NESTED_LAYOUT);
        let plain_pages = marked && has(PAGES_KEY, PLAIN_V1_PAGES);
        // Files from awkward or cf carry records; flat NanoAOD-style files only lists and scalars.
        let nested = marked
            || schema.fields().iter().any(|f| {
                is_record(f.data_type()) || list_item(f.data_type()).is_some_and(is_record)
            });
        let (columns, leaves) = if nested {
            nested_columns(&schema)
        } else {
            flat_columns(&schema)
        };
        let plain = columns
            .iter()
            .zip(&leaves)
            .map(|(column, leaves)| {
                plain_pages
                    && leaves.len() == 1
                    && cf_parquet::supported(metadata.metadata(), column, leaves.start)
            })
            .collect();
        Ok(ParquetSource {
            path: path.to_path_buf(),
            id: cf_root::FileId::of_path(path),
            metadata,
            nested,
            columns,
            leaves,
            plain,
        })
    }

    pub(crate) fn num_events(&self) -> u64 {
        self.metadata.metadata().file_metadata().num_rows().max(0) as u64
    }

    pub(crate) fn columns(&self) -> &[ColumnInfo] {
        &self.columns
    }

    pub(crate) fn read(&self, picked: &[usize], batch_size: usize) -> Result<EventStream> {
        let path = self.path.clone();
        let written = self
            .id
            .and_then(|id| handoff::get(id, batch_size, self.num_events()));
        if let Some(batches) = written {
            let routes: ColumnSet = picked
                .iter()
                .map(|&i| self.columns[i].route.clone())
                .collect();
            return Ok(Box::new((0..batches.len()).map(move |b| {
                Events::new(batches[b].clone())
                    .select(&routes)
                    .map_err(|e| Error::columns(&path, e))
            })));
        }
        let bytes = map(&path)?;
        if self.num_events() > 0 && picked.iter().all(|&i| self.plain[i]) {
            let columns = picked
                .iter()
                .filter_map(|&i| cf_parquet::Picked::new(&self.columns[i], self.leaves[i].start))
                .collect();
            return Ok(Box::new(cf_parquet::Batches::new(
                &path,
                bytes,
                self.metadata.metadata().clone(),
                columns,
                batch_size,
            )));
        }
        let leaves: Vec<usize> = picked
            .iter()
            .flat_map(|&i| self.leaves[i].clone())
            .collect();
        let builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(bytes, self.metadata.clone());
        let mask = ProjectionMask::leaves(builder.parquet_schema(), leaves);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(batch_size)
            .build()
            .map_err(|e| Error::parquet(&path, e))?;
        let routes: Vec<Route> = if self.nested {
            Vec::new()
        } else {
            picked
                .iter()
                .map(|&i| self.columns[i].route.clone())
                .collect()
        };
        let nested = self.nested;
        let convert = move |batch: RecordBatch| -> Result<Events> {
            if nested {
                from_nested(&path, batch)
            } else {
                from_flat(&path, &routes, batch)
            }
        };
        if self.num_events() == 0 {
            let empty = RecordBatch::new_empty(reader.schema());
            return Ok(Box::new(std::iter::once(convert(empty))));
        }
        let error_path = self.path.clone();
        Ok(Box::new(reader.map(move |batch| {
            let batch = batch.map_err(|e| Error::parquet(&error_path, e.into()))?;
            convert(batch)
        })))
    }
}

/// The file's bytes, mapped into memory: the reader decompresses column chunks straight from
/// the page cache instead of copying each one into a freshly allocated buffer first.
fn map(path: &Path) -> Result<Bytes> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    // SAFETY: the map is read-only, and event files are never modified in place: cf writes
    // every output under a temporary name and renames it into place when complete.
    let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
    Ok(Bytes::from_owner(map))
}

fn is_record(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Struct(_))
}

fn list_item(data_type: &DataType) -> Option<&DataType> {
    match data_type {
        DataType::List(item) | DataType::LargeList(item) => Some(item.data_type()),
        _ => None,
    }
}

/// Number of Parquet leaf columns a field of this type occupies.
fn count_leaves(data_type: &DataType) -> usize {
    match data_type {
        DataType::Struct(fields) => fields.iter().map(|f| count_leaves(f.data_type())).sum(),
        DataType::List(item)
        | DataType::LargeList(item)
        | DataType::FixedSizeList(item, _)
        | DataType::Map(item, _) => count_leaves(item.data_type()),
        _ => 1,
    }
}

/// The value type cf reads for a leaf, `None` for nested or unsupported types.
fn readable(data_type: &DataType) -> Option<DataType> {
    (data_type.is_primitive() || matches!(data_type, DataType::Boolean)).then(|| data_type.clone())
}

fn nested_columns(schema: &Schema) -> (Vec<ColumnInfo>, Vec<Range<usize>>) {
    let mut columns = Vec::new();
    let mut leaves = Vec::new();
    let mut next = 0;
    let mut push = |route: Route, data_type: &DataType, jagged: bool, next: &mut usize| {
        let count = count_leaves(data_type);
        columns.push(ColumnInfo {
            name: route.to_string(),
            route,
            data_type: readable(data_type),
            jagged,
        });
        leaves.push(*next..*next + count);
        *next += count;
    };
    for field in schema.fields() {
        let root = Route::new([field.name().as_str()]);
        match (field.data_type(), list_item(field.data_type())) {
            (DataType::Struct(children), _) => {
                for child in children {
                    push(
                        root.child(child.name()),
                        child.data_type(),
                        false,
                        &mut next,
                    );
                }
            }
            (_, Some(DataType::Struct(children))) => {
                for child in children {
                    push(root.child(child.name()), child.data_type(), true, &mut next);
                }
            }
            (_, Some(item)) => push(root, item, true, &mut next),
            (other, None) => push(root, other, false, &mut next),
        }
    }
    (columns, leaves)
}

fn flat_columns(schema: &Schema) -> (Vec<ColumnInfo>, Vec<Range<usize>>) {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let is_counter = |name: &str| {
        name.strip_prefix('n').is_some_and(|counted| {
            let prefix = format!("{counted}_");
            schema
                .fields()
                .iter()
                .any(|f| f.name().starts_with(&prefix) && list_item(f.data_type()).is_some())
        })
    };
    let mut columns = Vec::new();
    let mut leaves = Vec::new();
    let mut next = 0;
    for (field, name) in schema.fields().iter().zip(names) {
        let count = count_leaves(field.data_type());
        if !is_counter(name) {
            let item = list_item(field.data_type());
            columns.push(ColumnInfo {
                route: Route::from_branch(name),
                name: name.to_string(),
                data_type: readable(item.unwrap_or(field.data_type())),
                jagged: item.is_some(),
            });
            leaves.push(next..next + count);
        }
        next += count;
    }
    (columns, leaves)
}

fn from_nested(path: &Path, batch: RecordBatch) -> Result<Events> {
    let mut events = Events::with_num_events(batch.num_rows());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let route = Route::new([field.name().as_str()]);
        events
            .set_column(&route, narrow_offsets(path, &route, column)?)
            .map_err(|e| Error::columns(path, e))?;
    }
    Ok(events)
}

fn from_flat(path: &Path, routes: &[Route], batch: RecordBatch) -> Result<Events> {
    let mut events = Events::with_num_events(batch.num_rows());
    for (route, column) in routes.iter().zip(batch.columns()) {
        events
            .set_column(route, narrow_offsets(path, route, column)?)
            .map_err(|e| Error::columns(path, e))?;
    }
    Ok(events)
}

/// cf works on lists with 32-bit offsets; pyarrow and awkward often write 64-bit ones.
/// Only the offsets are rewritten, the values are shared.
fn narrow_offsets(path: &Path, route: &Route, column: &ArrayRef) -> Result<ArrayRef> {
    let DataType::LargeList(item) = column.data_type() else {
        return Ok(column.clone());
    };
    let list = column.as_list::<i64>();
    let offsets: Option<Vec<i32>> = list
        .offsets()
        .iter()
        .map(|&o| i32::try_from(o).ok())
        .collect();
    let offsets = offsets.ok_or_else(|| Error::UnsupportedType {
        path: path.to_path_buf(),
        route: route.clone(),
        found: "a list with more than 2^31 values in one batch".to_string(),
    })?;
    let item = Field::new(item.name(), item.data_type().clone(), item.is_nullable());
    Ok(Arc::new(ListArray::new(
        Arc::new(item),
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        list.values().clone(),
        list.nulls().cloned(),
    )))
}

#[cfg(test)]
mod tests {
    use cf_columns::ColumnSet;

    use super::*;
    use crate::{EventFile, EventWriter};

    fn nanoaod(name: &str) -> PathBuf {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/nanoaod"
        ))
        .join(name)
    }

    fn batches(source: &ParquetSource, batch_size: usize) -> Vec<RecordBatch> {
        let all: Vec<usize> = (0..source.columns.len())
            .filter(|&i| source.columns[i].data_type.is_some())
            .collect();
        source
            .read(&all, batch_size)
            .unwrap()
            .map(|e| e.unwrap().into_batch())
            .collect()
    }

    /// Every column of a real NanoAOD file (all of NanoAOD's types, collections with empty
    /// events), written by cf, reads the same through cf's reader and through arrow-rs.
    #[test]
    fn cf_reader_matches_arrow_rs_on_every_column() {
        let dir = tempfile::tempdir().unwrap();
        let input = EventFile::open(nanoaod("nano_tt_v12.root")).unwrap();
        let all: ColumnSet = input
            .columns()
            .iter()
            .filter(|c| c.data_type.is_some())
            .map(|c| c.route.clone())
            .collect();
        for row_group in [64, 7] {
            let path = dir.path().join(format!("rg{row_group}.parquet"));
            let mut writer = EventWriter::try_new(&path)
                .unwrap()
                .with_row_group_size(row_group);
            for events in input.read(&all, 50).unwrap() {
                writer.write(&events.unwrap()).unwrap();
            }
            writer.finish().unwrap();

            let mut source = ParquetSource::open(&path).unwrap();
            let readable = source.plain.iter().filter(|&&p| p).count();
            assert_eq!(
                readable,
                all.len(),
                "every column cf wrote is read by cf's reader"
            );
            for batch_size in [200, 30] {
                let ours = batches(&source, batch_size);
                source.plain.iter_mut().for_each(|p| *p = false);
                let theirs = batches(&source, batch_size);
                source.plain.iter_mut().for_each(|p| *p = true);
                assert_eq!(ours.len(), theirs.len());
                for (a, b) in ours.iter().zip(&theirs) {
                    assert_eq!(a.num_rows(), b.num_rows());
                    assert_eq!(a.num_columns(), b.num_columns());
                    for (name, (x, y)) in a
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| f.name().clone())
                        .zip(a.columns().iter().zip(b.columns()))
                    {
                        assert_eq!(
                            x.to_data(),
                            y.to_data(),
                            "column {name}, row groups of {row_group}, batches of {batch_size}"
                        );
                    }
                }
            }
        }
    }

    /// Damaged pages of a file cf wrote are errors, never panics or wrong-length arrays.
    #[test]
    fn damaged_pages_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let input = EventFile::open(nanoaod("nano_dy.root")).unwrap();
        let columns =
            ColumnSet::parse(["Jet.{pt,eta,jetId}", "Muon.{pt,tightId}", "MET.pt", "event"])
                .unwrap();
        let path = dir.path().join("events.parquet");
        let mut writer = EventWriter::try_new(&path).unwrap().with_row_group_size(16);
        for events in input.read(&columns, 40).unwrap() {
            writer.write(&events.unwrap()).unwrap();
        }
        writer.finish().unwrap();
        let original = std::fs::read(&path).unwrap();
        let footer = u32::from_le_bytes(
            original[original.len() - 8..original.len() - 4]
                .try_into()
                .unwrap(),
        ) as usize;
        let data_end = original.len() - 8 - footer;
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut errors = 0;
        for round in 0..300 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = 4 + (state as usize) % (data_end - 4);
            let mut damaged = original.clone();
            damaged[at] ^= 1 << (round % 8);
            let broken = dir.path().join("broken.parquet");
            std::fs::write(&broken, &damaged).unwrap();
            let Ok(source) = ParquetSource::open(&broken) else {
                errors += 1;
                continue;
            };
            let all: Vec<usize> = (0..source.columns.len()).collect();
            match source
                .read(&all, 16)
                .and_then(|b| b.collect::<Result<Vec<_>>>())
            {
                Ok(batches) => {
                    assert_eq!(batches.iter().map(|b| b.num_events()).sum::<usize>(), 40)
                }
                Err(_) => errors += 1,
            }
        }
        assert!(errors > 0, "some damage must be detected");
    }

    #[test]
    fn files_cf_did_not_write_take_the_generic_reader() {
        let source = ParquetSource::open(&nanoaod("nano_dy.parquet")).unwrap();
        assert!(source.plain.iter().all(|p| !p));
    }
}
