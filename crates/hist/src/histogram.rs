//! The [`Histogram`] type: axes, storage and the operations that combine and reshape it.

use crate::axis::{Axis, AxisKind};
use crate::error::{Error, Result};

/// What each bin accumulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Sum of weights and sum of squared weights (ROOT's `Sumw2`, `hist`'s `Weight()`).
    Weight,
    /// Sum of weights only.
    Double,
    /// Number of entries; takes no weights. Counts are kept as `f64` (exact up to 2^53).
    Count,
}

impl Storage {
    pub(crate) fn code(self) -> u8 {
        match self {
            Storage::Weight => 0,
            Storage::Double => 1,
            Storage::Count => 2,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<Self> {
        [Storage::Weight, Storage::Double, Storage::Count]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// Most bins a histogram may have (flow bins included): 2^32, i.e. 64 GiB of weighted storage.
pub const MAX_BINS: usize = 1 << 32;

/// Bin contents laid out row-major (first axis slowest), flow bins included.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bins {
    pub(crate) values: Vec<f64>,
    pub(crate) variances: Option<Vec<f64>>,
}

impl Bins {
    pub(crate) fn zeros(n: usize, storage: Storage) -> Self {
        Bins {
            values: vec![0.0; n],
            variances: (storage == Storage::Weight).then(|| vec![0.0; n]),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.values.fill(0.0);
        if let Some(v) = &mut self.variances {
            v.fill(0.0);
        }
    }

    pub(crate) fn add_assign(&mut self, other: &Bins) {
        for (a, b) in self.values.iter_mut().zip(&other.values) {
            *a += b;
        }
        if let (Some(a), Some(b)) = (&mut self.variances, &other.variances) {
            for (a, b) in a.iter_mut().zip(b) {
                *a += b;
            }
        }
    }
}

/// An N-dimensional histogram with named axes, flow bins and a [`Storage`].
///
/// Fills are deterministic: see [`Histogram::fill`]. Bin contents are laid out row-major (the
/// first axis varies slowest) and include flow bins, as in `hist`'s `view(flow=True)`.
#[derive(Debug, Clone)]
pub struct Histogram {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) axes: Vec<Axis>,
    pub(crate) storage: Storage,
    /// Sum of all completed fill blocks, combined in block order.
    pub(crate) bins: Bins,
    /// Partial sum of the fill block in progress (events since the last block boundary).
    pub(crate) pending: Option<Bins>,
    /// Events filled so far: the global event index that fixes the fill blocks.
    pub(crate) events: u64,
}

impl PartialEq for Histogram {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.title == other.title
            && self.axes == other.axes
            && self.storage == other.storage
            && self.settled() == other.settled()
    }
}

impl Histogram {
    /// A new empty histogram; [`Error::TooLarge`] beyond [`MAX_BINS`] bins.
    pub fn new(axes: Vec<Axis>, storage: Storage) -> Result<Self> {
        let n = axes
            .iter()
            .try_fold(1usize, |acc, a| acc.checked_mul(a.extent()))
            .filter(|n| *n <= MAX_BINS)
            .ok_or_else(|| Error::TooLarge {
                shape: axes.iter().map(Axis::extent).collect(),
            })?;
        Ok(Histogram {
            name: String::new(),
            title: String::new(),
            axes,
            storage,
            bins: Bins::zeros(n, storage),
            pending: None,
            events: 0,
        })
    }

    /// Sets the name (ROOT key name, UHI `metadata.name`).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the title (ROOT title, UHI `metadata.label`).
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The axes.
    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    /// The storage kind.
    pub fn storage(&self) -> Storage {
        self.storage
    }

    /// Number of events (rows) filled so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Extent (bins including flow) of every axis: the shape of [`Histogram::values`].
    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(Axis::extent).collect()
    }

    pub(crate) fn settled(&self) -> Bins {
        let mut bins = self.bins.clone();
        if let Some(p) = &self.pending {
            bins.add_assign(p);
        }
        bins
    }

    /// Bin values (sum of weights, or counts), flow bins included, row-major.
    pub fn values(&self) -> Vec<f64> {
        self.settled().values
    }

    /// Sums of squared weights for [`Storage::Weight`]; `None` for other storages.
    pub fn variances(&self) -> Option<Vec<f64>> {
        self.settled().variances
    }

    /// Sum of all values, flow bins included.
    pub fn sum(&self) -> f64 {
        self.values().iter().sum()
    }

    /// Position of an axis given by name.
    pub fn axis_index(&self, name: &str) -> Result<usize> {
        self.axes
            .iter()
            .position(|a| a.name == name)
            .ok_or_else(|| Error::NoSuchAxis {
                histogram: self.name.clone(),
                axis: name.to_string(),
            })
    }

    pub(crate) fn from_parts(
        name: String,
        title: String,
        axes: Vec<Axis>,
        storage: Storage,
        bins: Bins,
        events: u64,
    ) -> Self {
        Histogram {
            name,
            title,
            axes,
            storage,
            bins,
            pending: None,
            events,
        }
    }

    /// Multiplies every value by `factor` (variances by `factor²`).
    pub fn scale(&mut self, factor: f64) {
        let mut bins = self.settled();
        for v in &mut bins.values {
            *v *= factor;
        }
        if let Some(var) = &mut bins.variances {
            for v in var {
                *v *= factor * factor;
            }
        }
        self.bins = bins;
        self.pending = None;
    }

    /// Adds `other` bin by bin. Category axes unite: categories only in `other` are appended.
    /// Any other difference (axis names, kinds, binning, flow, storage) is an
    /// [`Error::Incompatible`] naming it.
    pub fn add(&mut self, other: &Histogram) -> Result<()> {
        let incompatible = |what: String| Error::Incompatible {
            left: self.name.clone(),
            right: other.name.clone(),
            what,
        };
        if self.storage != other.storage {
            return Err(incompatible(format!(
                "storages differ ({:?} vs {:?})",
                self.storage, other.storage
            )));
        }
        if self.axes.len() != other.axes.len() {
            return Err(incompatible(format!(
                "{} axes vs {} axes",
                self.axes.len(),
                other.axes.len()
            )));
        }
        for (a, b) in self.axes.iter().zip(&other.axes) {
            if let Some(what) = a.same_binning(b) {
                return Err(incompatible(what));
            }
        }
        let mut maps = Vec::with_capacity(self.axes.len());
        for k in 0..self.axes.len() {
            maps.push(self.unite_categories(k, &other.axes[k]));
        }
        let mut bins = self.settled();
        let theirs = other.settled();
        let strides = strides(&self.shape());
        for_each_bin(&other.shape(), |flat, idx| {
            let target: usize = idx
                .iter()
                .zip(&maps)
                .zip(&strides)
                .map(|((i, m), s)| m[*i] * s)
                .sum();
            bins.values[target] += theirs.values[flat];
            if let (Some(v), Some(t)) = (&mut bins.variances, &theirs.variances) {
                v[target] += t[flat];
            }
        });
        self.bins = bins;
        self.pending = None;
        self.events += other.events;
        Ok(())
    }

    /// Appends `other`'s unknown categories to axis `k` and returns the map from `other`'s
    /// extent index to ours.
    fn unite_categories(&mut self, k: usize, other: &Axis) -> Vec<usize> {
        let positions: Vec<usize> = match (&self.axes[k].kind, &other.kind) {
            (AxisKind::IntCategory { categories: mine }, AxisKind::IntCategory { categories }) => {
                let mut all = mine.clone();
                let pos = categories
                    .iter()
                    .map(|c| position_or_push(&mut all, c))
                    .collect();
                self.grow_axis(k, AxisKind::IntCategory { categories: all });
                pos
            }
            (AxisKind::StrCategory { categories: mine }, AxisKind::StrCategory { categories }) => {
                let mut all = mine.clone();
                let pos = categories
                    .iter()
                    .map(|c| position_or_push(&mut all, c))
                    .collect();
                self.grow_axis(k, AxisKind::StrCategory { categories: all });
                pos
            }
            _ => return (0..other.extent()).collect(),
        };
        let mut map = positions;
        if other.overflow {
            map.push(self.axes[k].bins());
        }
        map
    }

    /// Replaces the categories of axis `k` by a longer list that starts with the old one,
    /// moving bin contents (no arithmetic, so bits are kept).
    pub(crate) fn grow_axis(&mut self, k: usize, kind: AxisKind) {
        let old_axis = self.axes[k].clone();
        let mut new_axis = old_axis.clone();
        new_axis.kind = kind;
        if new_axis.bins() == old_axis.bins() {
            return;
        }
        let map: Vec<usize> = (0..old_axis.bins())
            .chain(old_axis.overflow.then_some(new_axis.bins()))
            .collect();
        let old_shape = self.shape();
        self.axes[k] = new_axis;
        let new_shape = self.shape();
        self.bins = relayout(&self.bins, &old_shape, &new_shape, k, &map);
        self.pending = self
            .pending
            .as_ref()
            .map(|p| relayout(p, &old_shape, &new_shape, k, &map));
    }

    /// Sums over every axis not listed; the result has the listed axes in the given order.
    /// Flow bins of the summed axes are included in the sums (as `hist`'s `project`).
    pub fn project(&self, keep: &[&str]) -> Result<Histogram> {
        let keep: Vec<usize> = keep
            .iter()
            .map(|n| self.axis_index(n))
            .collect::<Result<_>>()?;
        let mut target_of = vec![None; self.axes.len()];
        for (pos, &k) in keep.iter().enumerate() {
            if target_of[k].is_some() {
                return Err(Error::BadOperation {
                    operation: "project",
                    axis: self.axes[k].name.clone(),
                    reason: "axis listed twice".into(),
                });
            }
            target_of[k] = Some(pos);
        }
        let new_axes: Vec<Axis> = keep.iter().map(|&k| self.axes[k].clone()).collect();
        let maps: Vec<Vec<Option<usize>>> = self
            .axes
            .iter()
            .map(|a| (0..a.extent()).map(Some).collect())
            .collect();
        Ok(self.transform(new_axes, &target_of, &maps))
    }

    /// Sums over one axis (the histogram loses that axis).
    pub fn sum_over(&self, axis: &str) -> Result<Histogram> {
        let k = self.axis_index(axis)?;
        let keep: Vec<&str> = self
            .axes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != k)
            .map(|(_, a)| a.name.as_str())
            .collect();
        self.project(&keep)
    }

    /// Adds totals computed elsewhere to one bin: `sum` to its value and, with
    /// [`Storage::Weight`], `sum_sq` to its variance. For tallies that already are sums, such
    /// as a cutflow's Σ weight after each selection step, which would otherwise need one filled
    /// row per event. Every axis must be a category axis; the bin is one category per axis, in
    /// axis order. A growing axis gains a category it lacks; on another axis an unknown category
    /// is an [`Error::NoSuchCategory`]. The rows behind the totals are not counted in
    /// [`Histogram::events`]. On error the histogram is unchanged.
    pub fn add_to_bin(&mut self, bin: &[Category<'_>], sum: f64, sum_sq: f64) -> Result<()> {
        if bin.len() != self.axes.len() {
            return Err(Error::ColumnCount {
                histogram: self.name.clone(),
                expected: self.axes.len(),
                got: bin.len(),
            });
        }
        let mut grown = Vec::new();
        let mut positions = Vec::with_capacity(bin.len());
        for (k, (axis, category)) in self.axes.iter().zip(bin).enumerate() {
            let missing = || Error::NoSuchCategory {
                axis: axis.name.clone(),
                category: category.to_string(),
            };
            let position = match (&axis.kind, category) {
                (AxisKind::IntCategory { categories }, Category::Int(v)) => {
                    categories.iter().position(|c| c == v)
                }
                (AxisKind::StrCategory { categories }, Category::Str(v)) => {
                    categories.iter().position(|c| c == v)
                }
                (AxisKind::IntCategory { .. } | AxisKind::StrCategory { .. }, _) => {
                    return Err(missing())
                }
                _ => {
                    return Err(Error::BadOperation {
                        operation: "add to a bin",
                        axis: axis.name.clone(),
                        reason: "not a category axis".into(),
                    })
                }
            };
            match position {
                Some(p) => positions.push(axis.first() + p),
                None if axis.growth => {
                    grown.push((k, *category));
                    positions.push(axis.first() + axis.bins());
                }
                None => return Err(missing()),
            }
        }
        for (k, category) in grown {
            let kind = match (&self.axes[k].kind, category) {
                (AxisKind::IntCategory { categories }, Category::Int(v)) => AxisKind::IntCategory {
                    categories: categories.iter().copied().chain([v]).collect(),
                },
                (AxisKind::StrCategory { categories }, Category::Str(v)) => AxisKind::StrCategory {
                    categories: categories.iter().cloned().chain([v.to_string()]).collect(),
                },
                _ => unreachable!("checked above: a category of the axis's kind"),
            };
            self.grow_axis(k, kind);
        }
        let flat = positions
            .iter()
            .zip(strides(&self.shape()))
            .map(|(p, s)| p * s)
            .sum::<usize>();
        self.bins.values[flat] += sum;
        if let Some(variances) = &mut self.bins.variances {
            variances[flat] += sum_sq;
        }
        Ok(())
    }

    /// Renames integer category `from` of axis `axis` to `to`, keeping its bin contents: a
    /// nominal histogram standing in for a shift that does not change it gets that shift's id.
    pub fn relabel(&mut self, axis: &str, from: i64, to: i64) -> Result<()> {
        let k = self.axis_index(axis)?;
        let a = &mut self.axes[k];
        let AxisKind::IntCategory { categories } = &mut a.kind else {
            return Err(Error::NoSuchCategory {
                axis: a.name.clone(),
                category: from.to_string(),
            });
        };
        if from != to && categories.contains(&to) {
            return Err(Error::InvalidAxis {
                axis: a.name.clone(),
                reason: format!("cannot rename category {from} to {to}: {to} exists already"),
            });
        }
        let slot =
            categories
                .iter_mut()
                .find(|c| **c == from)
                .ok_or_else(|| Error::NoSuchCategory {
                    axis: a.name.clone(),
                    category: from.to_string(),
                })?;
        *slot = to;
        Ok(())
    }

    /// Keeps only the listed categories of a category axis, in the listed order; the "other"
    /// bin is dropped.
    pub fn select(&self, axis: &str, categories: &[Category<'_>]) -> Result<Histogram> {
        let k = self.axis_index(axis)?;
        let a = &self.axes[k];
        let missing = |c: &Category<'_>| Error::NoSuchCategory {
            axis: a.name.clone(),
            category: c.to_string(),
        };
        let mut picked = Vec::with_capacity(categories.len());
        let kind = match &a.kind {
            AxisKind::IntCategory { categories: cats } => {
                let mut out = Vec::new();
                for c in categories {
                    let Category::Int(v) = c else {
                        return Err(missing(c));
                    };
                    picked.push(cats.iter().position(|x| x == v).ok_or_else(|| missing(c))?);
                    out.push(*v);
                }
                AxisKind::IntCategory { categories: out }
            }
            AxisKind::StrCategory { categories: cats } => {
                let mut out = Vec::new();
                for c in categories {
                    let Category::Str(v) = c else {
                        return Err(missing(c));
                    };
                    picked.push(cats.iter().position(|x| x == v).ok_or_else(|| missing(c))?);
                    out.push(v.to_string());
                }
                AxisKind::StrCategory { categories: out }
            }
            _ => {
                return Err(Error::BadOperation {
                    operation: "select categories",
                    axis: a.name.clone(),
                    reason: "not a category axis".into(),
                })
            }
        };
        let mut new_axis = a.clone();
        new_axis.kind = kind;
        new_axis.overflow = false;
        let mut map = vec![None; a.extent()];
        for (new, old) in picked.iter().enumerate() {
            if map[*old].is_some() {
                return Err(Error::BadOperation {
                    operation: "select categories",
                    axis: a.name.clone(),
                    reason: format!("category {} listed twice", categories[new]),
                });
            }
            map[*old] = Some(new);
        }
        Ok(self.replace_axis(k, new_axis, map))
    }

    /// Merges every `factor` neighbouring bins of a regular, variable or integer axis
    /// (an integer axis becomes variable). The bin count must be divisible by `factor`.
    pub fn rebin(&self, axis: &str, factor: usize) -> Result<Histogram> {
        let k = self.axis_index(axis)?;
        let a = &self.axes[k];
        let bad = |reason: String| Error::BadOperation {
            operation: "rebin",
            axis: a.name.clone(),
            reason,
        };
        if a.is_category() {
            return Err(bad("category axes have no neighbouring bins".into()));
        }
        if factor == 0 || !a.bins().is_multiple_of(factor) {
            return Err(bad(format!(
                "{} bins are not divisible by {factor}",
                a.bins()
            )));
        }
        let mut new_axis = a.clone();
        new_axis.kind = match &a.kind {
            AxisKind::Regular { bins, lo, hi } => AxisKind::Regular {
                bins: bins / factor,
                lo: *lo,
                hi: *hi,
            },
            _ => {
                let edges = a.edges().unwrap_or_default();
                AxisKind::Variable {
                    edges: edges.iter().step_by(factor).copied().collect(),
                }
            }
        };
        let first = a.first();
        let map = (0..a.extent())
            .map(|i| {
                if i < first {
                    Some(i)
                } else if i < first + a.bins() {
                    Some(first + (i - first) / factor)
                } else {
                    Some(new_axis.extent() - 1)
                }
            })
            .collect();
        Ok(self.replace_axis(k, new_axis, map))
    }

    /// Keeps bins `start..end` (bin numbers without flow) of a continuous axis. Contents of
    /// the cut bins move into the underflow/overflow bins when the axis has them (as slicing
    /// in `hist` does), else they are dropped.
    pub fn slice(&self, axis: &str, start: usize, end: usize) -> Result<Histogram> {
        let k = self.axis_index(axis)?;
        let a = &self.axes[k];
        if a.is_category() || start >= end || end > a.bins() {
            return Err(Error::BadOperation {
                operation: "slice",
                axis: a.name.clone(),
                reason: format!(
                    "need a continuous axis and start < end <= {}, got {start}..{end}",
                    a.bins()
                ),
            });
        }
        let edges = a.edges().unwrap_or_default();
        let mut new_axis = a.clone();
        new_axis.kind = match &a.kind {
            AxisKind::Regular { .. } => AxisKind::Regular {
                bins: end - start,
                lo: edges[start],
                hi: edges[end],
            },
            AxisKind::Integer { lo, .. } => AxisKind::Integer {
                lo: lo + start as i64,
                hi: lo + end as i64,
            },
            _ => AxisKind::Variable {
                edges: edges[start..=end].to_vec(),
            },
        };
        let first = a.first();
        let under = a.underflow.then_some(0);
        let over = a.overflow.then_some(new_axis.extent() - 1);
        let map = (0..a.extent())
            .map(|i| {
                if i < first + start {
                    under
                } else if i < first + end {
                    Some(i - start)
                } else {
                    over
                }
            })
            .collect();
        Ok(self.replace_axis(k, new_axis, map))
    }

    fn replace_axis(&self, k: usize, new_axis: Axis, map: Vec<Option<usize>>) -> Histogram {
        let mut new_axes = self.axes.clone();
        new_axes[k] = new_axis;
        let target_of: Vec<Option<usize>> = (0..self.axes.len()).map(Some).collect();
        let maps: Vec<Vec<Option<usize>>> = self
            .axes
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if i == k {
                    map.clone()
                } else {
                    (0..a.extent()).map(Some).collect()
                }
            })
            .collect();
        self.transform(new_axes, &target_of, &maps)
    }

    /// Builds a histogram with `new_axes`: old axis `i` lands on new axis `target_of[i]` (or is
    /// summed over), old extent index `j` of axis `i` on `maps[i][j]` (or is dropped). Bins are
    /// visited in old row-major order, so results are reproducible.
    fn transform(
        &self,
        new_axes: Vec<Axis>,
        target_of: &[Option<usize>],
        maps: &[Vec<Option<usize>>],
    ) -> Histogram {
        let new_shape: Vec<usize> = new_axes.iter().map(Axis::extent).collect();
        let new_strides = strides(&new_shape);
        let n: usize = new_shape.iter().product();
        let mut out = Bins::zeros(n, self.storage);
        let old = self.settled();
        for_each_bin(&self.shape(), |flat, idx| {
            let mut target = 0;
            for (i, &j) in idx.iter().enumerate() {
                if let Some(t) = target_of[i] {
                    match maps[i][j] {
                        Some(m) => target += m * new_strides[t],
                        None => return,
                    }
                }
            }
            out.values[target] += old.values[flat];
            if let (Some(v), Some(o)) = (&mut out.variances, &old.variances) {
                v[target] += o[flat];
            }
        });
        Histogram::from_parts(
            self.name.clone(),
            self.title.clone(),
            new_axes,
            self.storage,
            out,
            self.events,
        )
    }
}

/// A category of an integer or string category axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category<'a> {
    /// An integer category.
    Int(i64),
    /// A string category.
    Str(&'a str),
}

impl std::fmt::Display for Category<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Category::Int(v) => write!(f, "{v}"),
            Category::Str(s) => write!(f, "{s}"),
        }
    }
}

fn position_or_push<T: PartialEq + Clone>(all: &mut Vec<T>, c: &T) -> usize {
    match all.iter().position(|x| x == c) {
        Some(p) => p,
        None => {
            all.push(c.clone());
            all.len() - 1
        }
    }
}

pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * shape[k + 1];
    }
    s
}

/// Calls `f(flat, multi_index)` for every bin in row-major order.
pub(crate) fn for_each_bin(shape: &[usize], mut f: impl FnMut(usize, &[usize])) {
    let n: usize = shape.iter().product();
    let mut idx = vec![0usize; shape.len()];
    for flat in 0..n {
        f(flat, &idx);
        for k in (0..shape.len()).rev() {
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
}

fn relayout(
    bins: &Bins,
    old_shape: &[usize],
    new_shape: &[usize],
    k: usize,
    map: &[usize],
) -> Bins {
    let n: usize = new_shape.iter().product();
    let strides_new = strides(new_shape);
    let mut out = Bins {
        values: vec![0.0; n],
        variances: bins.variances.as_ref().map(|_| vec![0.0; n]),
    };
    for_each_bin(old_shape, |flat, idx| {
        let target: usize = idx
            .iter()
            .enumerate()
            .map(|(i, &j)| if i == k { map[j] } else { j } * strides_new[i])
            .sum();
        out.values[target] = bins.values[flat];
        if let (Some(v), Some(o)) = (&mut out.variances, &bins.variances) {
            v[target] = o[flat];
        }
    });
    out
}
