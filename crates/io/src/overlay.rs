//! Overlays: a base event file plus row-aligned column files, read as one stream of events.

use std::collections::BTreeMap;

use cf_columns::{ColumnSet, Events, Route};

use crate::error::{Error, Result};
use crate::source::{EventFile, EventStream};

/// A base event file and the column files later steps wrote for the same events.
///
/// Reading gives one stream of batches with the requested routes, each taken from the last
/// source that has it: a later source replaces an earlier one's column, and every replacement
/// is reported (a warning, or [`Error::Conflict`] in strict mode). Fields added to a
/// collection must line up with the base collection's objects; a file with a different number
/// of events is refused when the overlay is built.
///
/// ```no_run
/// use cf_columns::ColumnSet;
/// use cf_io::{EventFile, Overlay};
///
/// let overlay = Overlay::try_new(
///     EventFile::open("events.parquet")?,
///     vec![EventFile::open("columns_features.parquet")?],
/// )?;
/// let columns = ColumnSet::parse(["Jet.pt", "ht"]).unwrap();
/// for events in overlay.read(&columns, 100_000)? {
///     let events = events?;
/// }
/// # Ok::<(), cf_io::Error>(())
/// ```
#[derive(Debug)]
pub struct Overlay {
    sources: Vec<EventFile>,
    strict: bool,
    expected: bool,
}

impl Overlay {
    /// Stacks `layers` on `base`, checking that every layer has the base's number of events.
    pub fn try_new(base: EventFile, layers: Vec<EventFile>) -> Result<Overlay> {
        for layer in &layers {
            if layer.num_events() != base.num_events() {
                return Err(Error::RowCountMismatch {
                    base: base.path().to_path_buf(),
                    base_events: base.num_events(),
                    overlay: layer.path().to_path_buf(),
                    overlay_events: layer.num_events(),
                });
            }
        }
        let mut sources = vec![base];
        sources.extend(layers);
        Ok(Overlay {
            sources,
            strict: false,
            expected: false,
        })
    }

    /// In strict mode, a column offered by two sources is an error instead of a warning.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Replacements are what the layers are for (calibrated `Jet.pt` over the raw one): they
    /// are logged at debug level instead of as warnings. Strict mode still refuses them.
    pub fn with_replacements_expected(mut self, expected: bool) -> Self {
        self.expected = expected;
        self
    }

    /// The base file and the layers, in order.
    pub fn sources(&self) -> &[EventFile] {
        &self.sources
    }

    /// Number of events.
    pub fn num_events(&self) -> u64 {
        self.sources[0].num_events()
    }

    /// Every route the stacked sources offer, each once.
    pub fn columns(&self) -> ColumnSet {
        self.sources
            .iter()
            .flat_map(|s| s.columns().iter().map(|c| c.route.clone()))
            .collect()
    }

    /// Reads `columns` in batches of `batch_size` events, each source decoding only the
    /// requested columns it has. A single column offered by several sources is decoded from
    /// the last one only: the others would be thrown away.
    pub fn read(&self, columns: &ColumnSet, batch_size: usize) -> Result<EventStream> {
        let wanted = columns.columns();
        let exact_owner = |route: &Route| {
            self.sources
                .iter()
                .rposition(|s| s.columns().iter().any(|c| c.route == *route))
        };
        let mut plans = Vec::new();
        for (index, source) in self.sources.iter().enumerate() {
            let subset: ColumnSet = wanted
                .iter()
                .filter(|r| match exact_owner(r) {
                    Some(owner) => owner == index,
                    None => source.offers(r),
                })
                .cloned()
                .collect();
            if !subset.is_empty() {
                plans.push((source, subset));
            }
        }
        for route in wanted.iter() {
            if !plans.iter().any(|(_, subset)| subset.contains(route)) {
                let base = &self.sources[0];
                return Err(Error::MissingColumn {
                    path: base.path().to_path_buf(),
                    route: route.clone(),
                    branch: route.to_branch(),
                });
            }
        }
        self.report_replacements(&plans)?;
        let mut streams: Vec<EventStream> = Vec::with_capacity(plans.len());
        for (source, subset) in &plans {
            streams.push(source.read(subset, batch_size)?);
        }
        let paths: Vec<_> = plans.iter().map(|(s, _)| s.path().to_path_buf()).collect();
        Ok(Box::new(Zipped { streams, paths }))
    }

    fn report_replacements(&self, plans: &[(&EventFile, ColumnSet)]) -> Result<()> {
        let mut owner: BTreeMap<Route, &EventFile> = BTreeMap::new();
        let requested: Vec<&ColumnSet> = plans.iter().map(|(_, subset)| subset).collect();
        for source in &self.sources {
            for column in source.columns() {
                if !requested.iter().any(|subset| subset.covers(&column.route)) {
                    continue;
                }
                if let Some(earlier) = owner.insert(column.route.clone(), source) {
                    if self.strict {
                        return Err(Error::Conflict {
                            route: column.route.clone(),
                            earlier: earlier.path().to_path_buf(),
                            later: source.path().to_path_buf(),
                        });
                    }
                    if self.expected {
                        tracing::debug!(
                            route = %column.route,
                            earlier = %earlier.path().display(),
                            later = %source.path().display(),
                            "column replaced by a later source"
                        );
                        continue;
                    }
                    tracing::warn!(
                        route = %column.route,
                        earlier = %earlier.path().display(),
                        later = %source.path().display(),
                        "column replaced by a later source"
                    );
                }
            }
        }
        Ok(())
    }
}

/// Batches of several row-aligned streams merged into one, later streams winning.
struct Zipped {
    streams: Vec<EventStream>,
    paths: Vec<std::path::PathBuf>,
}

impl Iterator for Zipped {
    type Item = Result<Events>;

    fn next(&mut self) -> Option<Result<Events>> {
        let mut merged: Option<Events> = None;
        for (stream, path) in self.streams.iter_mut().zip(&self.paths) {
            let layer = match stream.next()? {
                Ok(layer) => layer,
                Err(e) => return Some(Err(e)),
            };
            merged = Some(match merged {
                None => layer,
                Some(mut base) => {
                    if let Err(e) = overlay_onto(&mut base, &layer, path) {
                        return Some(Err(e));
                    }
                    base
                }
            });
        }
        merged.map(Ok)
    }
}

fn overlay_onto(base: &mut Events, layer: &Events, path: &std::path::Path) -> Result<()> {
    if layer.num_events() != base.num_events() {
        return Err(Error::RowCountMismatch {
            base: std::path::PathBuf::from("<earlier sources>"),
            base_events: base.num_events() as u64,
            overlay: path.to_path_buf(),
            overlay_events: layer.num_events() as u64,
        });
    }
    for route in layer.routes() {
        let column = layer.column(&route).map_err(|e| Error::columns(path, e))?;
        base.set_column(&route, column)
            .map_err(|e| Error::columns(path, e))?;
    }
    Ok(())
}
