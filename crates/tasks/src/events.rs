//! Reading a step's events: the input file with the column files of earlier steps laid over
//! it, only the columns the step needs, and the active shift's aliases applied on the way in.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cf_columns::{ColumnSet, Events, Route};
use cf_io::{EventFile, EventWriter, Overlay};

use crate::error::{Error, Result};

/// A step's input: base events and layers, opened.
pub(crate) struct Input {
    overlay: Overlay,
    available: ColumnSet,
}

/// What to read, and which aliases to apply to each batch.
pub(crate) struct ReadPlan {
    read: ColumnSet,
    /// `(destination, source, drop source)`: the source's values become the destination.
    renames: Vec<(Route, Route, bool)>,
}

impl Input {
    pub fn open(base: &Path, layers: &[PathBuf]) -> Result<Input> {
        let base = EventFile::open(base)?;
        let layers = layers
            .iter()
            .map(EventFile::open)
            .collect::<cf_io::Result<Vec<_>>>()?;
        let overlay = Overlay::try_new(base, layers)?.with_replacements_expected(true);
        let available = overlay.columns();
        Ok(Input { overlay, available })
    }

    pub fn available(&self) -> &ColumnSet {
        &self.available
    }

    /// The leaf columns of the input that `wanted` covers (`Jet` → every `Jet.*`).
    pub fn expand(&self, wanted: &ColumnSet) -> ColumnSet {
        let wanted = wanted.columns();
        self.available
            .iter()
            .filter(|r| wanted.covers(r))
            .cloned()
            .collect()
    }

    /// Routes of `wanted` that the input cannot give.
    pub fn missing(&self, wanted: &ColumnSet) -> Vec<Route> {
        wanted
            .columns()
            .iter()
            .filter(|r| !self.available.iter().any(|a| a.is_within(r)))
            .cloned()
            .collect()
    }

    /// Plans reading `wanted` (which must be available) under `aliases` (`Jet.pt` ←
    /// `Jet.pt_jec_up`): an alias whose destination is wanted and whose source the input
    /// has reads the source in place of the destination.
    pub fn plan(&self, wanted: &ColumnSet, aliases: &[(Route, Route)]) -> ReadPlan {
        let mut read = self.expand(wanted);
        let mut renames = Vec::new();
        for (destination, source) in aliases {
            if !wanted.columns().covers(destination) {
                continue;
            }
            if !self.available.contains(source) {
                tracing::debug!(%destination, %source, "alias source not in the input; the column stays nominal");
                continue;
            }
            let drop_source = !read.contains(source);
            let mut kept: ColumnSet = read.iter().filter(|r| *r != destination).cloned().collect();
            kept.insert(source.clone());
            read = kept;
            renames.push((destination.clone(), source.clone(), drop_source));
        }
        ReadPlan { read, renames }
    }

    /// Reads the planned columns in batches, aliases applied.
    pub fn read(
        &self,
        plan: &ReadPlan,
        batch_size: usize,
    ) -> Result<impl Iterator<Item = Result<Events>> + '_> {
        let stream = self.overlay.read(&plan.read, batch_size)?;
        let renames = plan.renames.clone();
        Ok(stream.map(move |events| {
            let mut events = events?;
            for (destination, source, drop_source) in &renames {
                let values = events.column(source)?;
                events.set_column(destination, values)?;
                if *drop_source {
                    events.remove_column(source)?;
                }
            }
            Ok(events)
        }))
    }
}

/// The routes of `events` that `keep` covers.
pub(crate) fn kept(events: &Events, keep: &ColumnSet) -> ColumnSet {
    events
        .routes()
        .into_iter()
        .filter(|r| keep.covers(r))
        .collect()
}

/// Writes batches to `path`; an input without any batch still gives a file (of no events).
pub(crate) struct Writer {
    inner: EventWriter,
    written: bool,
}

impl Writer {
    pub fn new(path: &Path) -> Result<Writer> {
        Ok(Writer {
            inner: EventWriter::try_new(path)?,
            written: false,
        })
    }

    /// See [`EventWriter::without_handoff`].
    pub fn without_handoff(mut self) -> Writer {
        self.inner = self.inner.without_handoff();
        self
    }

    pub fn write(&mut self, events: &Events) -> Result<()> {
        self.inner.write(events)?;
        self.written = true;
        Ok(())
    }

    pub fn finish(mut self) -> Result<u64> {
        if !self.written {
            self.inner.write(&Events::with_num_events(0))?;
        }
        Ok(self.inner.finish()?)
    }
}

/// A missing-columns error for `step`, listing who needs what.
pub(crate) fn missing_error(step: &str, missing: &[(String, Route)]) -> Error {
    let list: Vec<String> = missing
        .iter()
        .map(|(user, route)| format!("`{route}` (used by {user})"))
        .collect();
    Error::MissingColumns {
        step: step.to_string(),
        missing: format!("the input has no {}", list.join(", ")),
    }
}

/// Where a step's time goes: decoding the input, running functions (and filling), writing.
/// Logged at info level when the step ends, so a benchmark can report the shares.
#[derive(Default)]
pub(crate) struct Timing {
    events: Cell<u64>,
    read: Cell<Duration>,
    functions: Cell<Duration>,
    write: Cell<Duration>,
}

impl Timing {
    /// The batches of `stream`, the time spent producing each counted as reading.
    pub fn reading<'a, I>(&'a self, mut stream: I) -> impl Iterator<Item = Result<Events>> + 'a
    where
        I: Iterator<Item = Result<Events>> + 'a,
    {
        std::iter::from_fn(move || {
            let start = Instant::now();
            let next = stream.next();
            self.read.set(self.read.get() + start.elapsed());
            if let Some(Ok(events)) = &next {
                self.events
                    .set(self.events.get() + events.num_events() as u64);
            }
            next
        })
    }

    /// Time spent reading something besides the events (counted as reading, no events).
    pub fn read_time<T>(&self, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.read.set(self.read.get() + start.elapsed());
        out
    }

    /// Counts events handled without passing through [`Timing::reading`] (copied as encoded).
    pub fn count(&self, events: u64) {
        self.events.set(self.events.get() + events);
    }

    pub fn functions<T>(&self, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.functions.set(self.functions.get() + start.elapsed());
        out
    }

    pub fn writing<T>(&self, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.write.set(self.write.get() + start.elapsed());
        out
    }

    pub fn report(&self, task: &impl std::fmt::Display) {
        tracing::info!(
            target: "cf_tasks::timing",
            task = %task,
            events = self.events.get(),
            read_s = self.read.get().as_secs_f64(),
            functions_s = self.functions.get().as_secs_f64(),
            write_s = self.write.get().as_secs_f64(),
            "step timing"
        );
    }
}
