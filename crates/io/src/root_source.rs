//! NanoAOD ROOT files as event sources: branches mapped to routes, decoded by `cf-root`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use arrow_array::ArrayRef;
use cf_columns::{Events, Route};
use cf_root::{RootFile, Tree};

use crate::error::{Error, Result};
use crate::source::{ColumnInfo, EventStream};

/// The tree NanoAOD keeps its events in.
pub const EVENTS_TREE: &str = "Events";

#[derive(Debug)]
pub(crate) struct RootSource {
    path: PathBuf,
    tree: Tree,
    columns: Vec<ColumnInfo>,
}

impl RootSource {
    pub(crate) fn open(path: &Path) -> Result<RootSource> {
        let tree = RootFile::open(path)?.tree(EVENTS_TREE)?;
        // Counters are implied by the lists they count; exposing them would duplicate the
        // collection lengths as columns. Files with one counter per branch (`nMuon_pt`) still
        // carry `nMuon`, which then counts nothing in the file's own terms.
        let mut counters: HashSet<String> = tree
            .branches()
            .iter()
            .filter_map(|b| b.counter().map(str::to_string))
            .collect();
        counters.extend(
            tree.branches()
                .iter()
                .filter(|b| b.is_jagged())
                .filter_map(|b| b.name().split_once('_'))
                .map(|(collection, _)| format!("n{collection}")),
        );
        let columns = tree
            .branches()
            .iter()
            .filter(|b| !counters.contains(b.name()))
            .map(|b| ColumnInfo {
                route: Route::from_branch(b.name()),
                name: b.name().to_string(),
                data_type: b.leaf_type().arrow_type(),
                jagged: b.is_jagged(),
            })
            .collect();
        Ok(RootSource {
            path: path.to_path_buf(),
            tree,
            columns,
        })
    }

    pub(crate) fn num_events(&self) -> u64 {
        self.tree.num_entries()
    }

    pub(crate) fn columns(&self) -> &[ColumnInfo] {
        &self.columns
    }

    pub(crate) fn read(&self, picked: &[usize], batch_size: usize) -> Result<EventStream> {
        let columns: Vec<ColumnInfo> = picked.iter().map(|&i| self.columns[i].clone()).collect();
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let path = self.path.clone();
        if self.tree.num_entries() == 0 {
            let arrays = self.tree.read(&names, 0..0)?;
            return Ok(Box::new(std::iter::once(assemble(
                &path, &columns, 0, arrays,
            ))));
        }
        let chunks = self.tree.chunks(&names, batch_size as u64)?;
        Ok(Box::new(chunks.map(move |chunk| {
            let chunk = chunk?;
            let len = (chunk.range.end - chunk.range.start) as usize;
            assemble(&path, &columns, len, chunk.arrays)
        })))
    }
}

fn assemble(
    path: &Path,
    columns: &[ColumnInfo],
    num_events: usize,
    arrays: Vec<ArrayRef>,
) -> Result<Events> {
    let mut events = Events::with_num_events(num_events);
    for (column, array) in columns.iter().zip(arrays) {
        events
            .set_column(&column.route, array)
            .map_err(|e| Error::columns(path, e))?;
    }
    Ok(events)
}
