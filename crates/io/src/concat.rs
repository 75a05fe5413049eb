//! Concatenating event files cf wrote, without decoding them: row groups are copied as they
//! are encoded, column chunk by column chunk, and only the footer is written anew.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::writer::SerializedFileWriter;

use crate::error::{Error, Result};
use crate::writer::temp_path;

/// Writes the events of `inputs`, in order, to `output` (atomically, like
/// [`EventWriter`](crate::EventWriter)) by copying their row groups, and returns the number of
/// events written.
///
/// Returns `Ok(None)` and writes nothing when the inputs are not Parquet files of one schema
/// (same columns, types and metadata); the caller then decodes and rewrites them. Merging
/// reduced files this way costs a copy of their bytes instead of a decode and an encode.
pub fn concat_files(inputs: &[PathBuf], output: &Path) -> Result<Option<u64>> {
    let mut sources = Vec::with_capacity(inputs.len());
    for path in inputs {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let Ok(meta) = ParquetMetaDataReader::new().parse_and_finish(&file) else {
            return Ok(None);
        };
        sources.push((path, file, meta));
    }
    let Some((_, _, first)) = sources.first() else {
        return Ok(None);
    };
    let same_as_first = |meta: &ParquetMetaData| {
        let (a, b) = (meta.file_metadata(), first.file_metadata());
        a.schema_descr().root_schema() == b.schema_descr().root_schema()
            && a.key_value_metadata() == b.key_value_metadata()
    };
    if !sources.iter().all(|(_, _, meta)| same_as_first(meta)) {
        return Ok(None);
    }
    let file_meta = first.file_metadata();
    let properties = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_key_value_metadata(file_meta.key_value_metadata().cloned())
        .build();
    let schema = file_meta.schema_descr().root_schema_ptr();

    let temp = temp_path(output);
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let written = (|| -> Result<u64> {
        let file = File::create(&temp).map_err(|e| Error::io(&temp, e))?;
        let out = BufWriter::with_capacity(1 << 20, file);
        let mut writer = SerializedFileWriter::new(out, schema, Arc::new(properties))
            .map_err(|e| Error::parquet(output, e))?;
        let mut rows = 0u64;
        for (path, file, meta) in &sources {
            for group in meta.row_groups() {
                let mut out = writer
                    .next_row_group()
                    .map_err(|e| Error::parquet(output, e))?;
                for chunk in group.columns() {
                    let close = ColumnCloseResult {
                        bytes_written: chunk.compressed_size() as u64,
                        rows_written: group.num_rows() as u64,
                        metadata: chunk.clone(),
                        bloom_filter: None,
                        column_index: None,
                        offset_index: None,
                    };
                    out.append_column(file, close)
                        .map_err(|e| Error::parquet(path, e))?;
                }
                out.close().map_err(|e| Error::parquet(output, e))?;
                rows += group.num_rows() as u64;
            }
        }
        let file = writer
            .into_inner()
            .map_err(|e| Error::parquet(output, e))?
            .into_inner()
            .map_err(|e| Error::io(&temp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&temp, e))?;
        std::fs::rename(&temp, output).map_err(|e| Error::io(output, e))?;
        Ok(rows)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map(Some)
}
