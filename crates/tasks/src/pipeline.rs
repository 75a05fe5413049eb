//! What every pipeline task shares: the function registry, loaded analysis files, the input
//! files of each dataset and the shifts each function implements, each computed once per run.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cf_analysis::{DatasetInfo, FunctionTree, Kind, Registry};
use cf_config::{Analysis, Config, Dataset, FileRef};
use cf_io::EventFile;
use cf_producers::{category_ids, process_id, LeafCategory};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One input file of a dataset and its number of events.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InputFile {
    /// Where the file is.
    pub path: PathBuf,
    /// Events in its `Events` tree (or rows of a Parquet file).
    pub events: u64,
    /// For a generated file, the index of its first event in the dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_event: Option<u64>,
}

/// (analysis file, config, dataset).
type DatasetKey = (PathBuf, String, String);
/// (function, kind, simulation?).
type FunctionKey = (String, String, bool);

/// Shared state of the pipeline tasks of one process.
pub(crate) struct Pipeline {
    functions: Registry,
    analyses: Mutex<HashMap<PathBuf, Arc<Analysis>>>,
    files: Mutex<HashMap<DatasetKey, Arc<Vec<InputFile>>>>,
    shifts: Mutex<HashMap<FunctionKey, Arc<BTreeSet<String>>>>,
    checked: Mutex<HashSet<String>>,
}

impl Pipeline {
    pub fn new(functions: Registry) -> Self {
        Pipeline {
            functions,
            analyses: Mutex::default(),
            files: Mutex::default(),
            shifts: Mutex::default(),
            checked: Mutex::default(),
        }
    }

    /// Whether the chain check with this key passed already in this process.
    pub fn chain_checked(&self, key: &str) -> bool {
        lock(&self.checked).contains(key)
    }

    pub fn mark_chain_checked(&self, key: String) {
        lock(&self.checked).insert(key);
    }

    /// The analysis file at `path`, loaded and checked once.
    pub fn analysis(&self, path: &str) -> Result<Arc<Analysis>> {
        let key = PathBuf::from(path);
        if let Some(found) = lock(&self.analyses).get(&key) {
            return Ok(found.clone());
        }
        if !key.exists() {
            return Err(Error::NoAnalysis { path: key });
        }
        let analysis = Arc::new(Analysis::load(&key).map_err(|errors| Error::Config {
            path: key.clone(),
            errors: errors.to_string(),
        })?);
        lock(&self.analyses).insert(key, analysis.clone());
        Ok(analysis)
    }

    /// The standard and the analysis's functions, plus those a config defines: `category_ids`
    /// over the config's leaf categories, and `process_id` for a dataset of one process.
    pub fn functions_for(&self, config: &Config, dataset: Option<&Dataset>) -> Registry {
        let mut registry = self.functions.clone();
        let leaves: Vec<LeafCategory> = config
            .leaf_categories()
            .iter()
            .map(|c| LeafCategory {
                id: c.id,
                categorizers: c.categorizers.clone(),
            })
            .collect();
        // A user function of the same name wins: registering ours would only fail.
        if registry.names(None).iter().all(|n| *n != "category_ids") {
            let _ = registry.register(move || category_ids(leaves.clone()));
        }
        if let Some(id) = dataset.and_then(|d| single_process(config, d)) {
            if registry.names(None).iter().all(|n| *n != "process_id") {
                let _ = registry.register(move || process_id(id));
            }
        }
        registry
    }

    /// The shifts function `name` (of `kind`) and its callees implement for a dataset kind.
    pub fn shifts_of(
        &self,
        registry: &Registry,
        name: &str,
        kind: Kind,
        dataset: &DatasetInfo,
    ) -> Result<Arc<BTreeSet<String>>> {
        let key = (name.to_string(), format!("{kind:?}"), dataset.is_mc);
        if let Some(found) = lock(&self.shifts).get(&key) {
            return Ok(found.clone());
        }
        let tree = FunctionTree::build(registry, name, kind, dataset)?;
        let shifts = Arc::new(tree.shifts());
        lock(&self.shifts).insert(key, shifts.clone());
        Ok(shifts)
    }

    /// The input files of a dataset with their event counts (read from file metadata only).
    /// A generated dataset's files need not exist yet: their paths (below `store`) and
    /// event counts follow from its `generate` entry.
    pub fn input_files(
        &self,
        store: &Path,
        analysis: &Analysis,
        config: &Config,
        dataset: &Dataset,
    ) -> Result<Arc<Vec<InputFile>>> {
        let key = (
            analysis.path().to_path_buf(),
            config.name().to_string(),
            dataset.name.clone(),
        );
        if let Some(found) = lock(&self.files).get(&key) {
            return Ok(found.clone());
        }
        if let Some(generate) = &dataset.generate {
            let files = Arc::new(crate::generate::files(
                store, analysis, config, dataset, generate,
            ));
            lock(&self.files).insert(key, files.clone());
            return Ok(files);
        }
        let mut files = Vec::with_capacity(dataset.files.len());
        for file in &dataset.files {
            let path = match file {
                FileRef::Local(path) => path.clone(),
                FileRef::Remote(url) => {
                    return Err(Error::RemoteFile {
                        dataset: dataset.name.clone(),
                        url: url.clone(),
                    })
                }
            };
            let events = EventFile::open(&path)
                .map_err(|source| Error::Input {
                    dataset: dataset.name.clone(),
                    source: Box::new(source),
                })?
                .num_events();
            files.push(InputFile {
                path,
                events,
                first_event: None,
            });
        }
        if files.is_empty() {
            return Err(Error::NoFiles {
                dataset: dataset.name.clone(),
                at: dataset.at.to_string(),
            });
        }
        let files = Arc::new(files);
        lock(&self.files).insert(key, files.clone());
        Ok(files)
    }
}

/// The process of a dataset that has exactly one.
pub(crate) fn single_process(config: &Config, dataset: &Dataset) -> Option<i64> {
    match dataset.processes.as_slice() {
        [name] => config.process(name).map(|p| p.id),
        _ => None,
    }
}

/// The config's external files that exist locally, by name, for the functions' `setup`.
pub(crate) fn external_files(config: &Config) -> BTreeMap<String, PathBuf> {
    config
        .external_files()
        .iter()
        .filter_map(|(name, file)| match file {
            FileRef::Local(path) => Some((name.clone(), path.clone())),
            FileRef::Remote(_) => None,
        })
        .collect()
}

/// Groups consecutive input files so that each group holds at least `target` input events
/// (the last one may hold fewer): the files of one merged reduced file. The grouping depends
/// only on the inputs, so the branches of the merge and of every later step are known before
/// anything runs, as a batch system needs.
pub(crate) fn merge_groups(files: &[InputFile], target: u64) -> Vec<Vec<usize>> {
    let mut groups = Vec::new();
    let mut current = Vec::new();
    let mut events = 0u64;
    for (index, file) in files.iter().enumerate() {
        current.push(index);
        events += file.events;
        if events >= target.max(1) {
            groups.push(std::mem::take(&mut current));
            events = 0;
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere cannot leave these caches half-written: every insert is one call.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(events: &[u64]) -> Vec<InputFile> {
        events
            .iter()
            .map(|&events| InputFile {
                path: PathBuf::from("f"),
                events,
                first_event: None,
            })
            .collect()
    }

    #[test]
    fn groups_reach_the_target_and_keep_order() {
        assert_eq!(
            merge_groups(&files(&[5, 5, 5, 20, 1]), 10),
            vec![vec![0, 1], vec![2, 3], vec![4]]
        );
        assert_eq!(merge_groups(&files(&[0, 0]), 10), vec![vec![0, 1]]);
        assert_eq!(merge_groups(&files(&[3]), 0), vec![vec![0]]);
    }
}
