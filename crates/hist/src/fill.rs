//! Filling from Arrow arrays, in parallel, with bits that depend only on the data.
//!
//! # Determinism
//!
//! Events (rows) are numbered by a global index that runs over every fill of a histogram.
//! They are summed in fixed blocks of [`BLOCK_EVENTS`] events aligned on that index: each block
//! is summed from zero in event order, and finished blocks are added to the histogram in block
//! order. A block cut by the end of one fill call stays *pending* and is continued, in order,
//! by the next call. So the bits depend neither on the number of threads nor on how the caller
//! splits the input into fill calls; only on the events and their order.
//!
//! # Jagged columns and category lists
//!
//! ```
//! use arrow_array::builder::{Float64Builder, Int32Builder, ListBuilder};
//! use arrow_array::Float64Array;
//! use cf_hist::{Axis, Histogram, Storage};
//!
//! // Two events: jets with pt 20 and 40, then one jet with pt 60.
//! let mut pt = ListBuilder::new(Float64Builder::new());
//! pt.values().append_slice(&[20.0, 40.0]);
//! pt.append(true);
//! pt.values().append_slice(&[60.0]);
//! pt.append(true);
//! // The first event is in categories 1 and 2, the second in category 2 only.
//! let mut cats = ListBuilder::new(Int32Builder::new());
//! cats.values().append_slice(&[1, 2]);
//! cats.append(true);
//! cats.values().append_slice(&[2]);
//! cats.append(true);
//! let weight = Float64Array::from(vec![0.5, 2.0]);
//!
//! let mut h = Histogram::new(
//!     vec![
//!         Axis::regular(3, 0.0, 90.0)?.with_name("jet_pt"),
//!         Axis::int_category([1, 2])?.with_name("category").with_flow(false),
//!     ],
//!     Storage::Weight,
//! )?;
//! h.fill(&[&pt.finish(), &cats.finish()], Some(&weight))?;
//! // Each jet of an event fills once per category of that event, with the event weight.
//! assert_eq!(h.sum(), 2.0 * 0.5 * 2.0 + 2.0);
//! # Ok::<(), cf_hist::Error>(())
//! ```

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{
    Array, BooleanArray, GenericListArray, GenericStringArray, OffsetSizeTrait, RecordBatch,
};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;
use rayon::prelude::*;

use crate::axis::{Axis, AxisKind, Find, Indexer};
use crate::error::{Error, Result};
use crate::histogram::{strides, Bins, Histogram, Storage};

/// Number of events summed together before being added to the histogram (see module docs).
pub const BLOCK_EVENTS: usize = 1 << 15;

const INVALID: usize = usize::MAX;

/// Memory budget for the partial sums of one parallel wave of blocks.
const WAVE_BYTES: usize = 64 << 20;

/// A flat view of numeric or string values.
#[derive(Clone, Copy)]
enum Values<'a> {
    F64(&'a [f64]),
    F32(&'a [f32]),
    I64(&'a [i64]),
    I32(&'a [i32]),
    I16(&'a [i16]),
    I8(&'a [i8]),
    U64(&'a [u64]),
    U32(&'a [u32]),
    U16(&'a [u16]),
    U8(&'a [u8]),
    Bool(&'a BooleanArray),
    Str(&'a GenericStringArray<i32>),
    LargeStr(&'a GenericStringArray<i64>),
}

#[derive(Clone, Copy)]
enum Offsets<'a> {
    I32(&'a [i32]),
    I64(&'a [i64]),
}

impl Offsets<'_> {
    #[inline(always)]
    fn range(&self, e: usize) -> (usize, usize) {
        match self {
            Offsets::I32(o) => (o[e] as usize, o[e + 1] as usize),
            Offsets::I64(o) => (o[e] as usize, o[e + 1] as usize),
        }
    }
}

/// One input column: values plus, for a `ListArray`, the per-event offsets.
#[derive(Clone, Copy)]
struct Col<'a> {
    values: Values<'a>,
    /// Dictionary of a dictionary-encoded string column (`values` are then its keys).
    dict: Option<&'a dyn Array>,
    nulls: Option<&'a NullBuffer>,
    list: Option<(Offsets<'a>, Option<&'a NullBuffer>)>,
}

impl Col<'_> {
    fn count(&self, e: usize) -> usize {
        match &self.list {
            Some((o, nulls)) => {
                if nulls.is_some_and(|n| n.is_null(e)) {
                    0
                } else {
                    let (s, t) = o.range(e);
                    t - s
                }
            }
            None => 1,
        }
    }

    fn range(&self, e: usize) -> (usize, usize) {
        match &self.list {
            Some((o, nulls)) => {
                if nulls.is_some_and(|n| n.is_null(e)) {
                    (0, 0)
                } else {
                    o.range(e)
                }
            }
            None => (e, e + 1),
        }
    }

    #[inline(always)]
    fn pos(&self, e: usize, j: u32) -> usize {
        match &self.list {
            Some((o, _)) => o.range(e).0 + j as usize,
            None => e,
        }
    }
}

fn type_err(axis: &str, dt: &DataType, expected: &'static str) -> Error {
    Error::UnsupportedType {
        axis: axis.to_string(),
        data_type: dt.to_string(),
        expected,
    }
}

/// The flat values of an array and, for a dictionary-encoded string array, its dictionary
/// (the values are then the keys).
fn flat_values<'a>(
    array: &'a dyn Array,
    axis: &str,
    strings: bool,
) -> Result<(Values<'a>, Option<&'a dyn Array>)> {
    let expected = if strings {
        "Utf8/LargeUtf8 strings (plain or dictionary-encoded), or a list of them"
    } else {
        "a numeric or boolean array, or a list of one"
    };
    let dt = array.data_type();
    let v = match dt {
        DataType::Utf8 if strings => Values::Str(array.as_string::<i32>()),
        DataType::LargeUtf8 if strings => Values::LargeStr(array.as_string::<i64>()),
        DataType::Dictionary(_, value)
            if strings && matches!(**value, DataType::Utf8 | DataType::LargeUtf8) =>
        {
            let dict = array.as_any_dictionary();
            let (keys, _) = flat_values(dict.keys(), axis, false)?;
            return Ok((keys, Some(dict.values().as_ref())));
        }
        _ if strings => return Err(type_err(axis, dt, expected)),
        DataType::Float64 => Values::F64(array.as_primitive::<Float64Type>().values()),
        DataType::Float32 => Values::F32(array.as_primitive::<Float32Type>().values()),
        DataType::Int64 => Values::I64(array.as_primitive::<Int64Type>().values()),
        DataType::Int32 => Values::I32(array.as_primitive::<Int32Type>().values()),
        DataType::Int16 => Values::I16(array.as_primitive::<Int16Type>().values()),
        DataType::Int8 => Values::I8(array.as_primitive::<Int8Type>().values()),
        DataType::UInt64 => Values::U64(array.as_primitive::<UInt64Type>().values()),
        DataType::UInt32 => Values::U32(array.as_primitive::<UInt32Type>().values()),
        DataType::UInt16 => Values::U16(array.as_primitive::<UInt16Type>().values()),
        DataType::UInt8 => Values::U8(array.as_primitive::<UInt8Type>().values()),
        DataType::Boolean => Values::Bool(array.as_boolean()),
        _ => return Err(type_err(axis, dt, expected)),
    };
    Ok((v, None))
}

fn column<'a>(array: &'a dyn Array, axis: &str, strings: bool) -> Result<Col<'a>> {
    fn list<O: OffsetSizeTrait>(
        l: &GenericListArray<O>,
    ) -> (&dyn Array, &[O], Option<&NullBuffer>) {
        (l.values().as_ref(), l.offsets(), l.nulls())
    }
    match array.data_type() {
        DataType::List(_) => {
            let (child, offsets, nulls) = list(array.as_list::<i32>());
            let (values, dict) = flat_values(child, axis, strings)?;
            Ok(Col {
                values,
                dict,
                nulls: child.logical_nulls_ref(),
                list: Some((Offsets::I32(offsets), nulls)),
            })
        }
        DataType::LargeList(_) => {
            let (child, offsets, nulls) = list(array.as_list::<i64>());
            let (values, dict) = flat_values(child, axis, strings)?;
            Ok(Col {
                values,
                dict,
                nulls: child.logical_nulls_ref(),
                list: Some((Offsets::I64(offsets), nulls)),
            })
        }
        _ => {
            let (values, dict) = flat_values(array, axis, strings)?;
            Ok(Col {
                values,
                dict,
                nulls: array.logical_nulls_ref(),
                list: None,
            })
        }
    }
}

trait NullsRef {
    fn logical_nulls_ref(&self) -> Option<&NullBuffer>;
}

impl NullsRef for dyn Array + '_ {
    fn logical_nulls_ref(&self) -> Option<&NullBuffer> {
        self.nulls().filter(|n| n.null_count() > 0)
    }
}

/// A value that can be binned.
trait Num: Copy + Send + Sync {
    fn bin<F: Find>(self, f: &F) -> Option<usize>;
    fn weight(self) -> f64;
}

macro_rules! float_num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            #[inline(always)]
            fn bin<F: Find>(self, f: &F) -> Option<usize> { f.f64(self as f64) }
            #[inline(always)]
            fn weight(self) -> f64 { self as f64 }
        }
    )*};
}
macro_rules! int_num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            #[inline(always)]
            fn bin<F: Find>(self, f: &F) -> Option<usize> {
                f.i64(i64::try_from(self).unwrap_or(i64::MAX))
            }
            #[inline(always)]
            fn weight(self) -> f64 { self as f64 }
        }
    )*};
}
float_num!(f64, f32);
int_num!(i64, i32, i16, i8, u64, u32, u16, u8);

/// Which value each entry of a block reads: entry `i` is event `ev[i]`, object `j[i]`.
enum Entries<'s> {
    /// One entry per event, starting at event `e0`.
    Flat { e0: usize },
    /// Jagged or expanded entries.
    Listed { ev: &'s [usize], j: &'s [u32] },
}

struct AxisInput<'a> {
    ix: Indexer<'a>,
    col: Col<'a>,
    stride: usize,
    /// A list of categories per event: the event fills once per category.
    product: bool,
}

struct Plan<'a> {
    inputs: Vec<AxisInput<'a>>,
    weight: Option<Col<'a>>,
    /// A per-object column whose object counts all zipped columns share.
    zipped_ref: Option<Col<'a>>,
    storage: Storage,
    nbins: usize,
}

impl Histogram {
    /// Fills one column per axis (in axis order) and optional weights.
    ///
    /// - A plain array gives one value per event (row).
    /// - A `ListArray` on a regular, variable or integer axis gives values per object: all such
    ///   per-object columns (and per-object weights) must have the same object count in each
    ///   event and are read together, object by object; per-event columns are broadcast.
    /// - A `ListArray` on a category axis gives a *set* of categories per event: the event (each
    ///   of its objects) fills once per listed category.
    /// - Weights: `Float64`/`Float32`, per event or per object. Count storage takes none.
    /// - Null values or weights skip the entry; string category axes take `Utf8`/`LargeUtf8`.
    /// - NaN goes to the overflow bin (dropped without one), as in `boost-histogram`/`hist`.
    ///
    /// Runs on the current rayon pool. Results are bit-identical for any thread count and any
    /// split of the events into fill calls (see the [module docs](crate::fill)). On error the
    /// histogram is unchanged.
    pub fn fill(&mut self, columns: &[&dyn Array], weight: Option<&dyn Array>) -> Result<()> {
        if columns.len() != self.axes.len() {
            return Err(Error::ColumnCount {
                histogram: self.name.clone(),
                expected: self.axes.len(),
                got: columns.len(),
            });
        }
        if weight.is_some() && self.storage == Storage::Count {
            return Err(Error::WeightOnCount {
                histogram: self.name.clone(),
            });
        }
        let n = columns.first().map_or(0, |c| c.len());
        let cols: Vec<Col<'_>> = columns
            .iter()
            .zip(&self.axes)
            .map(|(c, a)| {
                let strings = matches!(a.kind, AxisKind::StrCategory { .. });
                if c.len() != n {
                    return Err(Error::LengthMismatch {
                        axis: a.name.clone(),
                        expected: n,
                        got: c.len(),
                    });
                }
                column(*c, &a.name, strings)
            })
            .collect::<Result<_>>()?;
        let weight = match weight {
            Some(w) => {
                if w.len() != n {
                    return Err(Error::LengthMismatch {
                        axis: "weight".into(),
                        expected: n,
                        got: w.len(),
                    });
                }
                let col = column(w, "weight", false)?;
                if !matches!(col.values, Values::F64(_) | Values::F32(_)) {
                    return Err(type_err(
                        "weight",
                        w.data_type(),
                        "Float64 or Float32 weights, per event or in a list per object",
                    ));
                }
                Some(col)
            }
            None => None,
        };
        self.check_jagged(&cols, weight.as_ref(), n)?;
        self.grow(&cols, n);

        let axes: Vec<Axis> = self.axes.clone();
        let st = strides(&self.shape());
        let inputs: Vec<AxisInput<'_>> = axes
            .iter()
            .zip(&cols)
            .zip(&st)
            .map(|((a, c), s)| AxisInput {
                ix: match c.dict {
                    Some(dict) => Indexer::dictionary(a, dict),
                    None => Indexer::new(a),
                },
                col: *c,
                stride: *s,
                product: a.is_category() && c.list.is_some(),
            })
            .collect();
        let zipped_ref = inputs
            .iter()
            .filter(|i| !i.product && i.col.list.is_some())
            .map(|i| i.col)
            .chain(weight.filter(|w| w.list.is_some()))
            .next();
        let plan = Plan {
            inputs,
            weight,
            zipped_ref,
            storage: self.storage,
            nbins: self.bins.values.len(),
        };
        self.run(&plan, n);
        Ok(())
    }

    /// Fills columns of a record batch by name: one column per axis, in axis order, and an
    /// optional weight column. See [`Histogram::fill`] for the accepted column types.
    pub fn fill_batch(
        &mut self,
        batch: &RecordBatch,
        columns: &[&str],
        weight: Option<&str>,
    ) -> Result<()> {
        let get = |name: &str| {
            batch
                .column_by_name(name)
                .map(|c| c.as_ref())
                .ok_or_else(|| Error::NoSuchColumn {
                    column: name.to_string(),
                    available: batch
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| f.name().clone())
                        .collect(),
                })
        };
        let cols = columns.iter().map(|c| get(c)).collect::<Result<Vec<_>>>()?;
        let weight = weight.map(get).transpose()?;
        self.fill(&cols, weight)
    }

    fn check_jagged(&self, cols: &[Col<'_>], weight: Option<&Col<'_>>, n: usize) -> Result<()> {
        let mut zipped: Vec<(&str, &Col<'_>)> = cols
            .iter()
            .zip(&self.axes)
            .filter(|(c, a)| c.list.is_some() && !a.is_category())
            .map(|(c, a)| (a.name.as_str(), c))
            .collect();
        if let Some(w) = weight.filter(|w| w.list.is_some()) {
            zipped.push(("weight", w));
        }
        if let Some(((ref_name, reference), rest)) = zipped.split_first() {
            for (name, col) in rest {
                for e in 0..n {
                    let (expected, got) = (reference.count(e), col.count(e));
                    if expected != got {
                        return Err(Error::JaggedMismatch {
                            axis: name.to_string(),
                            reference: ref_name.to_string(),
                            event: e,
                            expected,
                            got,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds unseen categories of growing axes, in order of first appearance.
    fn grow(&mut self, cols: &[Col<'_>], n: usize) {
        for (k, col) in cols.iter().enumerate() {
            if !self.axes[k].growth {
                continue;
            }
            let (start, end) = match &col.list {
                Some((offsets, _)) if n > 0 => (offsets.range(0).0, offsets.range(n - 1).1),
                Some(_) => (0, 0),
                None => (0, n),
            };
            let valid = |p: usize| col.nulls.is_none_or(|nb| nb.is_valid(p));
            let new_kind = match (&self.axes[k].kind, col.values) {
                (AxisKind::StrCategory { categories }, _) => {
                    let mut all = categories.clone();
                    let mut seen: std::collections::HashSet<String> = all.iter().cloned().collect();
                    for p in (start..end).filter(|p| valid(*p)) {
                        let Some(s) = str_at(col, p) else { continue };
                        if !seen.contains(s) {
                            seen.insert(s.to_string());
                            all.push(s.to_string());
                        }
                    }
                    AxisKind::StrCategory { categories: all }
                }
                (AxisKind::IntCategory { categories }, values) => {
                    let mut all = categories.clone();
                    let mut seen: std::collections::HashSet<i64> = all.iter().copied().collect();
                    // Category columns mostly repeat one value (a process or shift id per
                    // batch): a repeat of the previous value is known without hashing it.
                    let mut previous = None;
                    match values {
                        // The common layout, read as a slice: a tight loop over the repeats.
                        Values::I64(v) if col.nulls.is_none() => {
                            for &v in &v[start..end] {
                                if previous != Some(v) && seen.insert(v) {
                                    all.push(v);
                                }
                                previous = Some(v);
                            }
                        }
                        _ => {
                            for p in (start..end).filter(|p| valid(*p)) {
                                let Some(v) = int_at(values, p) else { continue };
                                if previous != Some(v) && seen.insert(v) {
                                    all.push(v);
                                }
                                previous = Some(v);
                            }
                        }
                    }
                    AxisKind::IntCategory { categories: all }
                }
                _ => continue,
            };
            self.grow_axis(k, new_kind);
        }
    }

    fn run(&mut self, plan: &Plan<'_>, n: usize) {
        let block = BLOCK_EVENTS as u64;
        let mut done = 0usize;
        let in_block = (self.events % block) as usize;
        if in_block != 0 && n > 0 {
            let take = (BLOCK_EVENTS - in_block).min(n);
            let mut part = self
                .pending
                .take()
                .unwrap_or_else(|| Bins::zeros(plan.nbins, plan.storage));
            plan.fill_block(0, take, &mut part, &mut Scratch::default());
            done = take;
            self.events += take as u64;
            if self.events.is_multiple_of(block) {
                self.bins.add_assign(&part);
            } else {
                self.pending = Some(part);
            }
        }
        let full = (n - done) / BLOCK_EVENTS;
        // Blocks are summed in parallel a wave at a time and added in block order. Partial
        // sums and index buffers are reused across waves.
        let threads = rayon::current_num_threads().max(1);
        let per_part = plan.nbins.max(1) * 16;
        let wave = (WAVE_BYTES / per_part)
            .clamp(threads, threads * 16)
            .min(full.max(1));
        let mut parts: Vec<(Bins, Scratch)> = (0..wave)
            .map(|_| (Bins::zeros(plan.nbins, plan.storage), Scratch::default()))
            .collect();
        let mut b = 0;
        while b < full {
            let m = wave.min(full - b);
            parts[..m]
                .par_iter_mut()
                .enumerate()
                .for_each(|(i, (part, scratch))| {
                    let s = done + (b + i) * BLOCK_EVENTS;
                    part.clear();
                    plan.fill_block(s, s + BLOCK_EVENTS, part, scratch);
                });
            for (part, _) in &parts[..m] {
                self.bins.add_assign(part);
            }
            b += m;
        }
        done += full * BLOCK_EVENTS;
        self.events += (full * BLOCK_EVENTS) as u64;
        if done < n {
            let mut part = Bins::zeros(plan.nbins, plan.storage);
            plan.fill_block(done, n, &mut part, &mut Scratch::default());
            self.pending = Some(part);
            self.events += (n - done) as u64;
        }
    }
}

/// The string at position `p` of a plain or dictionary-encoded string column.
fn str_at<'a>(col: &Col<'a>, p: usize) -> Option<&'a str> {
    match (col.values, col.dict) {
        (Values::Str(a), _) => Some(a.value(p)),
        (Values::LargeStr(a), _) => Some(a.value(p)),
        (keys, Some(dict)) => {
            let k = usize::try_from(int_at(keys, p)?).ok()?;
            if dict.is_null(k) {
                return None;
            }
            match dict.data_type() {
                DataType::Utf8 => Some(dict.as_string::<i32>().value(k)),
                DataType::LargeUtf8 => Some(dict.as_string::<i64>().value(k)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn int_at(values: Values<'_>, p: usize) -> Option<i64> {
    Some(match values {
        Values::I64(v) => v[p],
        Values::I32(v) => v[p] as i64,
        Values::I16(v) => v[p] as i64,
        Values::I8(v) => v[p] as i64,
        Values::U64(v) => i64::try_from(v[p]).ok()?,
        Values::U32(v) => v[p] as i64,
        Values::U16(v) => v[p] as i64,
        Values::U8(v) => v[p] as i64,
        Values::Bool(b) => b.value(p) as i64,
        Values::F64(v) if v[p].fract() == 0.0 && v[p].abs() < 9.0e18 => v[p] as i64,
        Values::F32(v) if v[p].fract() == 0.0 && v[p].abs() < 9.0e18 => v[p] as i64,
        _ => return None,
    })
}

/// Runs `$body` with `$v` bound to the typed slice of a numeric [`Values`].
macro_rules! with_numeric {
    ($values:expr, $v:ident => $body:expr, $other:expr) => {
        match $values {
            Values::F64($v) => $body,
            Values::F32($v) => $body,
            Values::I64($v) => $body,
            Values::I32($v) => $body,
            Values::I16($v) => $body,
            Values::I8($v) => $body,
            Values::U64($v) => $body,
            Values::U32($v) => $body,
            Values::U16($v) => $body,
            Values::U8($v) => $body,
            _ => $other,
        }
    };
}

/// Adds `bin * stride` to each entry's linear index (or invalidates it).
#[inline(always)]
fn combine(l: &mut usize, bin: Option<usize>, stride: usize) {
    *l = match bin {
        Some(b) if *l != INVALID => *l + b * stride,
        _ => INVALID,
    };
}

impl Plan<'_> {
    /// Sums events `e0..e1` into `out`, strictly in entry order.
    fn fill_block(&self, e0: usize, e1: usize, out: &mut Bins, s: &mut Scratch) {
        let Scratch {
            lin,
            ev,
            j,
            lin2,
            ev2,
            j2,
        } = s;
        let mut listed = false;
        if let Some(r) = &self.zipped_ref {
            ev.clear();
            j.clear();
            for e in e0..e1 {
                for k in 0..r.count(e) {
                    ev.push(e);
                    j.push(k as u32);
                }
            }
            listed = true;
        }
        let len = if listed { ev.len() } else { e1 - e0 };
        lin.clear();
        lin.resize(len, 0);
        let entries = if listed {
            Entries::Listed { ev, j }
        } else {
            Entries::Flat { e0 }
        };
        for input in self.inputs.iter().filter(|i| !i.product) {
            match &input.ix {
                Indexer::Regular(f) => pass(f, input, &entries, lin),
                Indexer::Variable(f) => pass(f, input, &entries, lin),
                Indexer::Integer(f) => pass(f, input, &entries, lin),
                Indexer::IntCategory(f) => pass(f, input, &entries, lin),
                Indexer::StrCategory(f) => pass(f, input, &entries, lin),
                Indexer::Dictionary(f) => pass(f, input, &entries, lin),
            }
        }
        for input in self.inputs.iter().filter(|i| i.product) {
            if !listed {
                ev.clear();
                ev.extend(e0..e0 + lin.len());
                j.clear();
                j.resize(lin.len(), 0);
                listed = true;
            }
            ev2.clear();
            j2.clear();
            lin2.clear();
            for i in 0..ev.len() {
                if lin[i] == INVALID {
                    continue;
                }
                let (start, end) = input.col.range(ev[i]);
                for p in start..end {
                    let mut l = lin[i];
                    combine(&mut l, bin_at(&input.ix, input.col, p), input.stride);
                    if l != INVALID {
                        ev2.push(ev[i]);
                        j2.push(j[i]);
                        lin2.push(l);
                    }
                }
            }
            std::mem::swap(ev, ev2);
            std::mem::swap(j, j2);
            std::mem::swap(lin, lin2);
        }
        let entries = if listed {
            Entries::Listed { ev, j }
        } else {
            Entries::Flat { e0 }
        };
        scatter(self, &entries, lin, out);
    }
}

/// Index buffers of one block, reused from block to block (allocating them per block costs
/// page faults that keep threads from scaling).
#[derive(Default)]
struct Scratch {
    lin: Vec<usize>,
    ev: Vec<usize>,
    j: Vec<u32>,
    lin2: Vec<usize>,
    ev2: Vec<usize>,
    j2: Vec<u32>,
}

/// Extent index of the value at position `p` of a column (`None`: null or dropped).
fn bin_at(ix: &Indexer<'_>, col: Col<'_>, p: usize) -> Option<usize> {
    match ix {
        Indexer::Regular(f) => bin_at_find(f, col, p),
        Indexer::Variable(f) => bin_at_find(f, col, p),
        Indexer::Integer(f) => bin_at_find(f, col, p),
        Indexer::IntCategory(f) => bin_at_find(f, col, p),
        Indexer::StrCategory(f) => bin_at_find(f, col, p),
        Indexer::Dictionary(f) => bin_at_find(f, col, p),
    }
}

fn pass<F: Find>(f: &F, input: &AxisInput<'_>, entries: &Entries, lin: &mut [usize]) {
    let col = input.col;
    let stride = input.stride;
    let valid = |p: usize| col.nulls.is_none_or(|n| n.is_valid(p));
    match (entries, col.values) {
        (_, Values::Str(strings)) => {
            // Labels repeat in runs (a cutflow fills one step name per event): a label equal
            // to the previous one reuses its bin instead of hashing it again.
            let mut last: Option<(&str, Option<usize>)> = None;
            for (i, l) in lin.iter_mut().enumerate() {
                let p = position(entries, &col, i);
                let bin = if valid(p) {
                    let label = strings.value(p);
                    match last {
                        Some((previous, bin)) if previous == label => bin,
                        _ => {
                            let bin = f.str(label);
                            last = Some((label, bin));
                            bin
                        }
                    }
                } else {
                    None
                };
                combine(l, bin, stride);
            }
        }
        (_, Values::LargeStr(_) | Values::Bool(_)) => {
            for (i, l) in lin.iter_mut().enumerate() {
                let p = position(entries, &col, i);
                let bin = bin_at_find(f, col, p);
                combine(l, bin, stride);
            }
        }
        (Entries::Flat { e0 }, values) if col.list.is_none() && col.nulls.is_none() => {
            with_numeric!(values, v => {
                let n = lin.len();
                for (l, x) in lin.iter_mut().zip(&v[*e0..*e0 + n]) {
                    combine(l, x.bin(f), stride);
                }
            }, ())
        }
        (_, values) => {
            with_numeric!(values, v => {
                for (i, l) in lin.iter_mut().enumerate() {
                    let p = position(entries, &col, i);
                    let bin = if valid(p) { v[p].bin(f) } else { None };
                    combine(l, bin, stride);
                }
            }, ())
        }
    }
}

fn bin_at_find<F: Find>(f: &F, col: Col<'_>, p: usize) -> Option<usize> {
    if col.nulls.is_some_and(|n| n.is_null(p)) {
        return None;
    }
    match col.values {
        Values::Str(a) => f.str(a.value(p)),
        Values::LargeStr(a) => f.str(a.value(p)),
        Values::Bool(b) => f.i64(b.value(p) as i64),
        other => with_numeric!(other, v => v[p].bin(f), None),
    }
}

#[inline(always)]
fn position(entries: &Entries, col: &Col<'_>, i: usize) -> usize {
    match entries {
        Entries::Flat { e0 } => col.pos(e0 + i, 0),
        Entries::Listed { ev, j } => col.pos(ev[i], j[i]),
    }
}

fn scatter(plan: &Plan<'_>, entries: &Entries, lin: &[usize], out: &mut Bins) {
    let values = &mut out.values;
    let Some(w) = &plan.weight else {
        for &l in lin {
            if let Some(v) = values.get_mut(l) {
                *v += 1.0;
            }
        }
        if let Some(var) = &mut out.variances {
            for &l in lin {
                if let Some(v) = var.get_mut(l) {
                    *v += 1.0;
                }
            }
        }
        return;
    };
    let var = out.variances.as_mut();
    match (entries, w.values) {
        (Entries::Flat { e0 }, Values::F64(ws)) if w.list.is_none() && w.nulls.is_none() => {
            let ws = &ws[*e0..*e0 + lin.len()];
            match var {
                Some(var) => {
                    for (&l, &x) in lin.iter().zip(ws) {
                        if let Some(v) = values.get_mut(l) {
                            *v += x;
                            var[l] += x * x;
                        }
                    }
                }
                None => {
                    for (&l, &x) in lin.iter().zip(ws) {
                        if let Some(v) = values.get_mut(l) {
                            *v += x;
                        }
                    }
                }
            }
        }
        (_, wv) => {
            let mut var = var;
            with_numeric!(wv, ws => {
                for (i, &l) in lin.iter().enumerate() {
                    if l == INVALID {
                        continue;
                    }
                    let p = position(entries, w, i);
                    if w.nulls.is_some_and(|n| n.is_null(p)) {
                        continue;
                    }
                    let x = ws[p].weight();
                    values[l] += x;
                    if let Some(var) = var.as_mut() {
                        var[l] += x * x;
                    }
                }
            }, ())
        }
    }
}
