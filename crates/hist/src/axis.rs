//! Axes: how a value becomes a bin index.
//!
//! Every axis has an *extent*: its regular bins plus its flow bins. Index 0 of the extent is the
//! underflow bin when the axis has one; the overflow bin (or the "other" bin of a category axis)
//! is last. Values that fall outside an axis without the matching flow bin are dropped.
//!
//! NaN follows `boost-histogram`: it goes to the overflow bin of regular, variable and integer
//! axes (and is dropped when the axis has no overflow bin).

use crate::error::{Error, Result};

/// The kind of an axis and its binning.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisKind {
    /// `bins` equal-width bins on `[lo, hi)`.
    Regular {
        /// Number of bins.
        bins: usize,
        /// Lower edge.
        lo: f64,
        /// Upper edge.
        hi: f64,
    },
    /// Bins between increasing `edges`.
    Variable {
        /// Bin edges, strictly increasing, at least two.
        edges: Vec<f64>,
    },
    /// One bin per integer in `lo..hi`.
    Integer {
        /// First integer.
        lo: i64,
        /// One past the last integer.
        hi: i64,
    },
    /// One bin per integer category, in the listed order.
    IntCategory {
        /// Category values.
        categories: Vec<i64>,
    },
    /// One bin per string category, in the listed order.
    StrCategory {
        /// Category labels.
        categories: Vec<String>,
    },
}

/// One axis of a [`crate::Histogram`]: binning, flow bins, name and label.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub(crate) kind: AxisKind,
    pub(crate) name: String,
    pub(crate) label: String,
    pub(crate) underflow: bool,
    pub(crate) overflow: bool,
    pub(crate) growth: bool,
    pub(crate) last_edge_inclusive: bool,
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidAxis {
        axis: String::new(),
        reason: reason.into(),
    }
}

impl Axis {
    fn new(kind: AxisKind, flow: bool) -> Self {
        Axis {
            kind,
            name: String::new(),
            label: String::new(),
            underflow: flow,
            overflow: flow,
            growth: false,
            last_edge_inclusive: false,
        }
    }

    /// `bins` equal bins on `[lo, hi)` with underflow and overflow bins.
    pub fn regular(bins: usize, lo: f64, hi: f64) -> Result<Self> {
        if bins == 0 || bins > u32::MAX as usize {
            return Err(invalid("a regular axis needs 1 to 2^32-1 bins"));
        }
        if !(lo.is_finite() && hi.is_finite() && lo < hi && (hi - lo).is_finite()) {
            return Err(invalid(format!("need finite lo < hi, got [{lo}, {hi})")));
        }
        Ok(Self::new(AxisKind::Regular { bins, lo, hi }, true))
    }

    /// Bins between strictly increasing finite `edges`, with underflow and overflow bins.
    pub fn variable(edges: impl Into<Vec<f64>>) -> Result<Self> {
        let edges = edges.into();
        if edges.len() < 2 {
            return Err(invalid("a variable axis needs at least two edges"));
        }
        if edges.iter().any(|e| !e.is_finite()) || edges.windows(2).any(|w| w[0] >= w[1]) {
            return Err(invalid("edges must be finite and strictly increasing"));
        }
        Ok(Self::new(AxisKind::Variable { edges }, true))
    }

    /// One bin per integer in `lo..hi`, with underflow and overflow bins.
    pub fn integer(lo: i64, hi: i64) -> Result<Self> {
        if lo >= hi || hi.checked_sub(lo).is_none_or(|n| n > u32::MAX as i64) {
            return Err(invalid(format!(
                "need lo < hi and fewer than 2^32 integers, got {lo}..{hi}"
            )));
        }
        Ok(Self::new(AxisKind::Integer { lo, hi }, true))
    }

    /// One bin per listed integer, plus an "other" (overflow) bin for unlisted values.
    pub fn int_category(categories: impl Into<Vec<i64>>) -> Result<Self> {
        let categories = categories.into();
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = categories.iter().find(|c| !seen.insert(**c)) {
            return Err(invalid(format!("category {dup} is listed twice")));
        }
        let mut axis = Self::new(AxisKind::IntCategory { categories }, false);
        axis.overflow = true;
        Ok(axis)
    }

    /// One bin per listed string, plus an "other" (overflow) bin for unlisted values.
    pub fn str_category<S: Into<String>>(categories: impl IntoIterator<Item = S>) -> Result<Self> {
        let categories: Vec<String> = categories.into_iter().map(Into::into).collect();
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = categories.iter().find(|c| !seen.insert(c.as_str())) {
            return Err(invalid(format!("category `{dup}` is listed twice")));
        }
        let mut axis = Self::new(AxisKind::StrCategory { categories }, false);
        axis.overflow = true;
        Ok(axis)
    }

    /// Sets the axis name (used to refer to the axis and as ROOT/UHI metadata).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the axis label (title): ROOT axis title, UHI `metadata.label`.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Turns both flow bins on or off (for categories: the "other" bin).
    pub fn with_flow(mut self, flow: bool) -> Self {
        if !self.is_category() {
            self.underflow = flow;
        }
        self.overflow = flow && !self.growth;
        self
    }

    /// Turns the underflow bin on or off (continuous axes only; categories have none).
    pub fn with_underflow(mut self, underflow: bool) -> Self {
        self.underflow = underflow && !self.is_category();
        self
    }

    /// Turns the overflow bin on or off.
    pub fn with_overflow(mut self, overflow: bool) -> Self {
        self.overflow = overflow && !self.growth;
        self
    }

    /// Lets a category axis grow: unseen values get a new bin (in order of first appearance)
    /// instead of going to the "other" bin, which a growing axis does not have (as in `hist`).
    /// Ignored on continuous axes.
    pub fn with_growth(mut self, growth: bool) -> Self {
        if self.is_category() {
            self.growth = growth;
            if growth {
                self.overflow = false;
            }
        }
        self
    }

    /// Counts a value exactly on the last upper edge in the last bin instead of the overflow
    /// (columnflow's convention). Only for regular and variable axes.
    pub fn with_last_edge_inclusive(mut self, inclusive: bool) -> Self {
        self.last_edge_inclusive = inclusive
            && matches!(
                self.kind,
                AxisKind::Regular { .. } | AxisKind::Variable { .. }
            );
        self
    }

    /// The kind and binning.
    pub fn kind(&self) -> &AxisKind {
        &self.kind
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The label (title).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether an underflow bin exists.
    pub fn underflow(&self) -> bool {
        self.underflow
    }

    /// Whether an overflow (or "other") bin exists.
    pub fn overflow(&self) -> bool {
        self.overflow
    }

    /// Whether this category axis grows.
    pub fn growth(&self) -> bool {
        self.growth
    }

    /// Whether the last upper edge belongs to the last bin.
    pub fn last_edge_inclusive(&self) -> bool {
        self.last_edge_inclusive
    }

    /// Whether this is an integer or string category axis.
    pub fn is_category(&self) -> bool {
        matches!(
            self.kind,
            AxisKind::IntCategory { .. } | AxisKind::StrCategory { .. }
        )
    }

    /// Number of regular (non-flow) bins.
    pub fn bins(&self) -> usize {
        match &self.kind {
            AxisKind::Regular { bins, .. } => *bins,
            AxisKind::Variable { edges } => edges.len() - 1,
            AxisKind::Integer { lo, hi } => (hi - lo) as usize,
            AxisKind::IntCategory { categories } => categories.len(),
            AxisKind::StrCategory { categories } => categories.len(),
        }
    }

    /// Number of bins including flow bins.
    pub fn extent(&self) -> usize {
        self.bins() + usize::from(self.underflow) + usize::from(self.overflow)
    }

    /// Offset of the first regular bin in the extent (1 with underflow, else 0).
    pub(crate) fn first(&self) -> usize {
        usize::from(self.underflow)
    }

    /// Bin edges of a continuous axis (`None` for categories); integer axes have unit bins.
    pub fn edges(&self) -> Option<Vec<f64>> {
        match &self.kind {
            AxisKind::Regular { bins, lo, hi } => {
                let width = (hi - lo) / *bins as f64;
                Some(
                    (0..=*bins)
                        .map(|i| {
                            if i == *bins {
                                *hi
                            } else {
                                lo + width * i as f64
                            }
                        })
                        .collect(),
                )
            }
            AxisKind::Variable { edges } => Some(edges.clone()),
            AxisKind::Integer { lo, hi } => Some((*lo..=*hi).map(|v| v as f64).collect()),
            _ => None,
        }
    }

    /// Extent index of a value on a continuous axis (`None`: dropped).
    /// Category axes find values through [`crate::Histogram::fill`].
    pub fn index(&self, x: f64) -> Option<usize> {
        Indexer::new(self).index_f64(x)
    }

    pub(crate) fn same_binning(&self, other: &Axis) -> Option<String> {
        let what = if self.name != other.name {
            format!("axis names differ (`{}` vs `{}`)", self.name, other.name)
        } else if std::mem::discriminant(&self.kind) != std::mem::discriminant(&other.kind) {
            format!("axis `{}` has different kinds", self.name)
        } else if !self.is_category() && self.kind != other.kind {
            format!("axis `{}` has different binning", self.name)
        } else if self.underflow != other.underflow || self.overflow != other.overflow {
            format!("axis `{}` has different flow bins", self.name)
        } else if self.growth != other.growth {
            format!("axis `{}`: one grows and the other does not", self.name)
        } else {
            return None;
        };
        Some(what)
    }
}

/// Finds the extent index of a value; one implementation per axis kind so fill loops are
/// specialised per kind.
pub(crate) trait Find: Sync {
    fn f64(&self, x: f64) -> Option<usize>;
    fn i64(&self, v: i64) -> Option<usize>;
    fn str(&self, _s: &str) -> Option<usize> {
        None
    }
}

pub(crate) struct RegularIx {
    lo: f64,
    hi: f64,
    bins: usize,
    fbins: f64,
    width: f64,
    under: Option<usize>,
    over: Option<usize>,
    last: Option<usize>,
    first: usize,
}

impl Find for RegularIx {
    #[inline(always)]
    fn f64(&self, x: f64) -> Option<usize> {
        let z = (x - self.lo) / self.width;
        if z < 1.0 {
            if z >= 0.0 {
                // Rounding can push z*bins to `bins` just below 1.0: clamp into the last bin.
                Some(self.first + ((z * self.fbins) as usize).min(self.bins - 1))
            } else {
                self.under
            }
        } else if x == self.hi {
            self.last
        } else {
            self.over
        }
    }
    #[inline(always)]
    fn i64(&self, v: i64) -> Option<usize> {
        self.f64(v as f64)
    }
}

pub(crate) struct VariableIx<'a> {
    edges: &'a [f64],
    under: Option<usize>,
    over: Option<usize>,
    last: Option<usize>,
    first: usize,
}

impl Find for VariableIx<'_> {
    #[inline(always)]
    fn f64(&self, x: f64) -> Option<usize> {
        let n = self.edges.len();
        if x < self.edges[0] {
            self.under
        } else if x < self.edges[n - 1] {
            Some(self.first + self.edges.partition_point(|e| *e <= x) - 1)
        } else if x == self.edges[n - 1] {
            self.last
        } else {
            self.over
        }
    }
    #[inline(always)]
    fn i64(&self, v: i64) -> Option<usize> {
        self.f64(v as f64)
    }
}

pub(crate) struct IntegerIx {
    lo: i64,
    hi: i64,
    under: Option<usize>,
    over: Option<usize>,
    first: usize,
}

impl Find for IntegerIx {
    #[inline(always)]
    fn f64(&self, x: f64) -> Option<usize> {
        if x.is_nan() {
            return self.over;
        }
        // `as` saturates, which sends huge values to the flow bins as wanted.
        self.i64(x.floor() as i64)
    }
    #[inline(always)]
    fn i64(&self, v: i64) -> Option<usize> {
        if v < self.lo {
            self.under
        } else if v < self.hi {
            Some(self.first + (v - self.lo) as usize)
        } else {
            self.over
        }
    }
}

pub(crate) struct IntCategoryIx {
    /// Dense table for small ranges (`u32::MAX` = not a category), offset by the minimum.
    dense: Option<(i64, Vec<u32>)>,
    map: std::collections::HashMap<i64, usize>,
    other: Option<usize>,
}

impl Find for IntCategoryIx {
    #[inline(always)]
    fn f64(&self, x: f64) -> Option<usize> {
        if x.fract() == 0.0 && x.abs() < 9.0e18 {
            self.i64(x as i64)
        } else {
            self.other
        }
    }
    #[inline(always)]
    fn i64(&self, v: i64) -> Option<usize> {
        if let Some((min, table)) = &self.dense {
            let k = v.wrapping_sub(*min) as u64;
            match table.get(usize::try_from(k).unwrap_or(usize::MAX)) {
                Some(&i) if i != u32::MAX => Some(i as usize),
                _ => self.other,
            }
        } else {
            self.map.get(&v).copied().or(self.other)
        }
    }
}

pub(crate) struct StrCategoryIx<'a> {
    map: std::collections::HashMap<&'a str, usize>,
    other: Option<usize>,
}

impl Find for StrCategoryIx<'_> {
    fn f64(&self, _x: f64) -> Option<usize> {
        self.other
    }
    fn i64(&self, _v: i64) -> Option<usize> {
        self.other
    }
    #[inline(always)]
    fn str(&self, s: &str) -> Option<usize> {
        self.map.get(s).copied().or(self.other)
    }
}

/// A string category axis read through a dictionary: each dictionary key maps to a bin once,
/// so the fill looks up integers instead of hashing strings.
pub(crate) struct DictionaryIx {
    table: Vec<Option<usize>>,
}

impl Find for DictionaryIx {
    fn f64(&self, _x: f64) -> Option<usize> {
        None
    }
    #[inline(always)]
    fn i64(&self, key: i64) -> Option<usize> {
        usize::try_from(key)
            .ok()
            .and_then(|k| self.table.get(k).copied().flatten())
    }
}

/// Precomputed lookup from a value to an extent index; built once per fill.
pub(crate) enum Indexer<'a> {
    Regular(RegularIx),
    Variable(VariableIx<'a>),
    Integer(IntegerIx),
    IntCategory(IntCategoryIx),
    StrCategory(StrCategoryIx<'a>),
    Dictionary(DictionaryIx),
}

impl<'a> Indexer<'a> {
    pub(crate) fn new(axis: &'a Axis) -> Self {
        let first = axis.first();
        let under = axis.underflow.then_some(0);
        let over = axis.overflow.then_some(first + axis.bins());
        match &axis.kind {
            AxisKind::Regular { bins, lo, hi } => Indexer::Regular(RegularIx {
                lo: *lo,
                hi: *hi,
                bins: *bins,
                fbins: *bins as f64,
                width: hi - lo,
                under,
                over,
                last: if axis.last_edge_inclusive {
                    Some(first + bins - 1)
                } else {
                    over
                },
                first,
            }),
            AxisKind::Variable { edges } => Indexer::Variable(VariableIx {
                edges,
                under,
                over,
                last: if axis.last_edge_inclusive {
                    Some(first + edges.len() - 2)
                } else {
                    over
                },
                first,
            }),
            AxisKind::Integer { lo, hi } => Indexer::Integer(IntegerIx {
                lo: *lo,
                hi: *hi,
                under,
                over,
                first,
            }),
            AxisKind::IntCategory { categories } => {
                let map: std::collections::HashMap<i64, usize> = categories
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (*c, i))
                    .collect();
                let dense = match (categories.iter().min(), categories.iter().max()) {
                    (Some(&min), Some(&max)) if (max as i128 - min as i128) < 4096 => {
                        let mut table = vec![u32::MAX; (max - min + 1) as usize];
                        for (i, c) in categories.iter().enumerate() {
                            table[(c - min) as usize] = i as u32;
                        }
                        Some((min, table))
                    }
                    _ => None,
                };
                Indexer::IntCategory(IntCategoryIx {
                    dense,
                    map,
                    other: over,
                })
            }
            AxisKind::StrCategory { categories } => Indexer::StrCategory(StrCategoryIx {
                map: categories
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.as_str(), i))
                    .collect(),
                other: over,
            }),
        }
    }

    /// The lookup for a string axis filled from a dictionary-encoded column with `dict`.
    pub(crate) fn dictionary(axis: &'a Axis, dict: &dyn arrow_array::Array) -> Self {
        use arrow_array::cast::AsArray;
        let Indexer::StrCategory(strings) = Indexer::new(axis) else {
            return Indexer::Dictionary(DictionaryIx { table: Vec::new() });
        };
        let value = |k: usize| match dict.data_type() {
            arrow_schema::DataType::Utf8 => Some(dict.as_string::<i32>().value(k)),
            arrow_schema::DataType::LargeUtf8 => Some(dict.as_string::<i64>().value(k)),
            _ => None,
        };
        let table = (0..dict.len())
            .map(|k| {
                if dict.is_null(k) {
                    None
                } else {
                    value(k).and_then(|s| strings.str(s))
                }
            })
            .collect();
        Indexer::Dictionary(DictionaryIx { table })
    }

    pub(crate) fn index_f64(&self, x: f64) -> Option<usize> {
        match self {
            Indexer::Regular(f) => f.f64(x),
            Indexer::Variable(f) => f.f64(x),
            Indexer::Integer(f) => f.f64(x),
            Indexer::IntCategory(f) => f.f64(x),
            Indexer::StrCategory(f) => f.f64(x),
            Indexer::Dictionary(f) => f.f64(x),
        }
    }
}
