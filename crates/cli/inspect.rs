//! `cf inspect`: what a ROOT or Parquet event file holds, and per-branch statistics that any
//! other reader (uproot, pyarrow) can be checked against.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use cf_columns::{ColumnSet, Route};
use cf_io::{EventFile, Format, DEFAULT_BATCH_SIZE};
use cf_root::RootFile;
use serde_json::{json, Map, Value};

/// Number of leading values `--stats` reports per branch, as in the reference files.
const HEAD: usize = 5;

/// Arguments of `cf inspect`.
#[derive(clap::Args)]
pub struct Args {
    /// A ROOT (NanoAOD) or Parquet event file.
    file: PathBuf,
    /// The tree to list in a ROOT file.
    #[arg(long, default_value = cf_io::EVENTS_TREE)]
    tree: String,
    /// Read every numeric branch and print, per branch, the number of entries and values,
    /// their sum, minimum, maximum and first values.
    #[arg(long)]
    stats: bool,
    /// Print JSON instead of a table. With `--stats`, the form of uproot reference files:
    /// `{"num_entries": N, "branches": {"Jet_pt": {"type", "jagged", "entries", "count", "sum",
    /// "min", "max", "head"}}}`, NaN written as null.
    #[arg(long)]
    json: bool,
}

/// Runs `cf inspect`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let file = EventFile::open(&args.file)?;
    let listing = match file.format() {
        Format::Root => root_listing(&args.file, &args.tree, args.stats)?,
        Format::Parquet => parquet_listing(&file, args.stats)?,
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &listing.to_json(&args.file))?;
        writeln!(out)?;
    } else {
        listing.print(&mut out, &args.file)?;
    }
    Ok(())
}

/// One column or branch as listed.
struct Column {
    name: String,
    type_name: String,
    jagged: bool,
    detail: String,
    stats: Option<Stats>,
}

struct Listing {
    format: &'static str,
    tree: Option<String>,
    num_entries: u64,
    notes: Vec<String>,
    columns: Vec<Column>,
    skipped: Vec<String>,
}

impl Listing {
    fn to_json(&self, path: &Path) -> Value {
        let mut branches = Map::new();
        for column in &self.columns {
            let mut entry = json!({
                "type": column.type_name,
                "jagged": column.jagged,
            });
            match &column.stats {
                Some(stats) => {
                    stats.fill_json(entry.as_object_mut().expect("an object"), self.num_entries)
                }
                None => {
                    entry["detail"] = json!(column.detail);
                }
            }
            branches.insert(column.name.clone(), entry);
        }
        json!({
            "file": path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
            "format": self.format,
            "tree": self.tree,
            "num_entries": self.num_entries,
            "reader": concat!("cf ", env!("CARGO_PKG_VERSION")),
            "branches": branches,
            "skipped": self.skipped,
        })
    }

    fn print(&self, out: &mut impl Write, path: &Path) -> std::io::Result<()> {
        writeln!(out, "{}: {}", path.display(), self.format)?;
        if let Some(tree) = &self.tree {
            writeln!(
                out,
                "tree {tree}: {} entries, {} branches",
                self.num_entries,
                self.columns.len() + self.skipped.len()
            )?;
        } else {
            writeln!(
                out,
                "{} events, {} columns",
                self.num_entries,
                self.columns.len()
            )?;
        }
        for note in &self.notes {
            writeln!(out, "{note}")?;
        }
        let width = self
            .columns
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0)
            .max(6);
        let type_width = self
            .columns
            .iter()
            .map(|c| c.type_name.len())
            .max()
            .unwrap_or(0)
            .max(4);
        writeln!(out)?;
        match self.columns.first().and_then(|c| c.stats.as_ref()) {
            Some(_) => writeln!(
                out,
                "{:width$}  {:type_width$}  {:>10}  {:>14}  {:>14}  {:>14}",
                "column", "type", "values", "sum", "min", "max"
            )?,
            None => writeln!(out, "{:width$}  {:type_width$}  detail", "column", "type")?,
        }
        for column in &self.columns {
            match &column.stats {
                Some(s) => writeln!(
                    out,
                    "{:width$}  {:type_width$}  {:>10}  {:>14}  {:>14}  {:>14}",
                    column.name,
                    column.type_name,
                    s.count,
                    format_number(Some(s.sum)),
                    format_number(s.min),
                    format_number(s.max),
                )?,
                None => writeln!(
                    out,
                    "{:width$}  {:type_width$}  {}",
                    column.name, column.type_name, column.detail
                )?,
            }
        }
        if !self.skipped.is_empty() {
            writeln!(
                out,
                "\nnot read by cf ({}): {}",
                self.skipped.len(),
                self.skipped.join(", ")
            )?;
        }
        Ok(())
    }
}

fn format_number(value: Option<f64>) -> String {
    match value {
        None => "-".to_string(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) => format!("{v:.6e}"),
    }
}

fn root_listing(path: &Path, tree_name: &str, with_stats: bool) -> anyhow::Result<Listing> {
    let file = RootFile::open(path)?;
    let tree = file.tree(tree_name)?;
    let notes = file
        .keys()
        .iter()
        .filter(|k| k.name != tree_name)
        .map(|k| format!("also in the file: {} ({})", k.name, k.class_name))
        .collect();
    let (readable, unsupported): (Vec<_>, Vec<_>) = tree
        .branches()
        .iter()
        .partition(|b| b.leaf_type().arrow_type().is_some());
    let mut columns: Vec<Column> = readable
        .iter()
        .map(|b| Column {
            name: b.name().to_string(),
            type_name: b.type_name(),
            jagged: b.is_jagged(),
            detail: b
                .counter()
                .map(|c| format!("counted by {c}, route {}", Route::from_branch(b.name())))
                .unwrap_or_else(|| format!("route {}", Route::from_branch(b.name()))),
            stats: None,
        })
        .collect();
    if with_stats {
        let names: Vec<&str> = readable.iter().map(|b| b.name()).collect();
        let mut stats: Vec<Stats> = names.iter().map(|_| Stats::default()).collect();
        if tree.num_entries() > 0 {
            let progress = progress(path, tree.num_entries());
            for chunk in tree.chunks(&names, DEFAULT_BATCH_SIZE as u64)? {
                let chunk = chunk?;
                for (stat, array) in stats.iter_mut().zip(&chunk.arrays) {
                    stat.add(array);
                }
                progress.inc(chunk.range.end - chunk.range.start);
            }
            progress.finish_and_clear();
        }
        for (column, stat) in columns.iter_mut().zip(stats) {
            column.stats = Some(stat);
        }
    }
    Ok(Listing {
        format: "ROOT",
        tree: Some(tree.name().to_string()),
        num_entries: tree.num_entries(),
        notes,
        columns,
        skipped: unsupported.iter().map(|b| b.name().to_string()).collect(),
    })
}

fn parquet_listing(file: &EventFile, with_stats: bool) -> anyhow::Result<Listing> {
    let (readable, unsupported): (Vec<_>, Vec<_>) =
        file.columns().iter().partition(|c| c.data_type.is_some());
    let mut columns: Vec<Column> = readable
        .iter()
        .map(|c| Column {
            name: c.route.to_branch(),
            type_name: c_type_name(c.data_type.as_ref(), c.jagged),
            jagged: c.jagged,
            detail: format!("route {}, stored as {}", c.route, c.name),
            stats: None,
        })
        .collect();
    if with_stats {
        let routes: Vec<Route> = readable.iter().map(|c| c.route.clone()).collect();
        let set: ColumnSet = routes.iter().cloned().collect();
        let mut stats: Vec<Stats> = routes.iter().map(|_| Stats::default()).collect();
        let progress = progress(file.path(), file.num_events());
        for events in file.read(&set, DEFAULT_BATCH_SIZE)? {
            let events = events.with_context(|| format!("reading {}", file.path().display()))?;
            for (stat, route) in stats.iter_mut().zip(&routes) {
                stat.add(&events.column(route)?);
            }
            progress.inc(events.num_events() as u64);
        }
        progress.finish_and_clear();
        for (column, stat) in columns.iter_mut().zip(stats) {
            column.stats = Some(stat);
        }
    }
    Ok(Listing {
        format: "Parquet",
        tree: None,
        num_entries: file.num_events(),
        notes: Vec::new(),
        columns,
        skipped: unsupported.iter().map(|c| c.name.clone()).collect(),
    })
}

/// A bar on stderr counting events read; indicatif draws nothing when stderr is not a terminal.
fn progress(path: &Path, events: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(events);
    let style = indicatif::ProgressStyle::with_template(
        "{msg} {wide_bar} {human_pos}/{human_len} events ({per_sec}, {eta} left)",
    )
    .expect("the template is valid");
    bar.set_style(style);
    bar.set_message(format!("reading {}", path.display()));
    bar
}

/// The C type names uproot uses, so that listings of ROOT and Parquet files compare.
fn c_type_name(data_type: Option<&DataType>, jagged: bool) -> String {
    let base = match data_type {
        Some(DataType::Boolean) => "bool",
        Some(DataType::Int8) => "int8_t",
        Some(DataType::UInt8) => "uint8_t",
        Some(DataType::Int16) => "int16_t",
        Some(DataType::UInt16) => "uint16_t",
        Some(DataType::Int32) => "int32_t",
        Some(DataType::UInt32) => "uint32_t",
        Some(DataType::Int64) => "int64_t",
        Some(DataType::UInt64) => "uint64_t",
        Some(DataType::Float32) => "float",
        Some(DataType::Float64) => "double",
        Some(other) => return other.to_string(),
        None => "unsupported",
    };
    if jagged {
        format!("{base}[]")
    } else {
        base.to_string()
    }
}

/// Running statistics of one column, as numpy computes them: NaN propagates to sum, min and max.
#[derive(Default)]
struct Stats {
    count: u64,
    sum: f64,
    min: Option<f64>,
    max: Option<f64>,
    head: Vec<f64>,
}

impl Stats {
    fn add(&mut self, array: &ArrayRef) {
        match array.data_type() {
            DataType::List(_) => self.add(array.as_list::<i32>().values()),
            DataType::Boolean => self.add_values(array.as_boolean().values().iter().map(f64::from)),
            DataType::Int8 => self.add_primitive::<Int8Type>(array),
            DataType::UInt8 => self.add_primitive::<UInt8Type>(array),
            DataType::Int16 => self.add_primitive::<Int16Type>(array),
            DataType::UInt16 => self.add_primitive::<UInt16Type>(array),
            DataType::Int32 => self.add_primitive::<Int32Type>(array),
            DataType::UInt32 => self.add_primitive::<UInt32Type>(array),
            DataType::Int64 => self.add_primitive::<Int64Type>(array),
            DataType::UInt64 => self.add_primitive::<UInt64Type>(array),
            DataType::Float32 => self.add_primitive::<Float32Type>(array),
            DataType::Float64 => self.add_primitive::<Float64Type>(array),
            _ => {}
        }
    }

    fn add_primitive<T>(&mut self, array: &ArrayRef)
    where
        T: arrow_array::ArrowPrimitiveType,
        T::Native: num_as_f64::AsF64,
    {
        use num_as_f64::AsF64;
        self.add_values(
            array
                .as_primitive::<T>()
                .values()
                .iter()
                .map(|v| v.as_f64()),
        );
    }

    fn add_values(&mut self, values: impl Iterator<Item = f64>) {
        for value in values {
            if self.head.len() < HEAD {
                self.head.push(value);
            }
            self.count += 1;
            self.sum += value;
            self.min = Some(match self.min {
                Some(m) if m.is_nan() || m <= value => m,
                _ => value,
            });
            self.max = Some(match self.max {
                Some(m) if m.is_nan() || m >= value => m,
                _ => value,
            });
        }
    }

    fn fill_json(&self, entry: &mut Map<String, Value>, entries: u64) {
        let number = |v: f64| serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number);
        entry.insert("entries".into(), json!(entries));
        entry.insert("count".into(), json!(self.count));
        entry.insert("sum".into(), number(self.sum));
        entry.insert("min".into(), self.min.map_or(Value::Null, number));
        entry.insert("max".into(), self.max.map_or(Value::Null, number));
        entry.insert(
            "head".into(),
            Value::Array(self.head.iter().map(|&v| number(v)).collect()),
        );
    }
}

/// Lossy widening of every numeric type NanoAOD uses to f64, as uproot's statistics do.
mod num_as_f64 {
    pub trait AsF64: Copy {
        fn as_f64(self) -> f64;
    }

    macro_rules! widen {
        ($($t:ty),*) => {$(
            impl AsF64 for $t {
                fn as_f64(self) -> f64 {
                    self as f64
                }
            }
        )*};
    }

    widen!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);
}
