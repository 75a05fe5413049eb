//! What a function declares: its kind, the columns it uses and produces, and its shifts.

use std::fmt;

use cf_columns::{expand, ColumnSet};

use crate::error::{Error, Result};

/// The role a function plays in the analysis chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Corrects existing columns (e.g. jet energies); runs in CalibrateEvents.
    Calibrator,
    /// Decides which events and objects are kept; returns a [`crate::SelectionResult`].
    Selector,
    /// Decides which columns the reduced events keep.
    Reducer,
    /// Computes new columns (features, weights, category ids).
    Producer,
    /// Computes the event weight used when filling histograms.
    WeightProducer,
    /// Returns the mask of events in a category.
    Categorizer,
}

impl Kind {
    /// Every kind, in chain order.
    pub const ALL: [Kind; 6] = [
        Kind::Calibrator,
        Kind::Selector,
        Kind::Reducer,
        Kind::Producer,
        Kind::WeightProducer,
        Kind::Categorizer,
    ];
}

impl std::str::FromStr for Kind {
    type Err = String;

    /// Parses the names [`Kind`]'s `Display` prints, with `_` or `-` for the space.
    fn from_str(text: &str) -> std::result::Result<Kind, String> {
        let wanted = text.replace(['_', '-'], " ");
        Kind::ALL
            .into_iter()
            .find(|k| k.to_string() == wanted)
            .ok_or_else(|| {
                let names: Vec<String> = Kind::ALL
                    .iter()
                    .map(|k| k.to_string().replace(' ', "_"))
                    .collect();
                format!(
                    "`{text}` is not a kind of function; kinds: {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Calibrator => "calibrator",
            Kind::Selector => "selector",
            Kind::Reducer => "reducer",
            Kind::Producer => "producer",
            Kind::WeightProducer => "weight producer",
            Kind::Categorizer => "categorizer",
        })
    }
}

/// One entry of `uses` or `produces`: columns, or another function (meaning its columns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dep {
    /// Routes, as a pattern with braces (`Jet.{pt,eta}`).
    Columns(ColumnSet),
    /// A function by its registered name: in `uses`, the columns it uses; in `produces`, the
    /// columns it produces. Either way the function may call it.
    Function(String),
}

/// A function's declaration, built with `with_*`-style setters.
///
/// ```
/// use cf_analysis::{Declaration, Kind};
///
/// let decl = Declaration::new("jet_features", Kind::Producer)
///     .uses("Jet.{pt,eta}")?
///     .uses_function("ht")
///     .produces("{n_jet,jet1_pt}")?
///     .produces_function("ht");
/// assert_eq!(decl.own_uses().len(), 2);
/// # Ok::<(), cf_analysis::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    name: String,
    kind: Kind,
    uses: Vec<Dep>,
    produces: Vec<Dep>,
    mc_only: bool,
    data_only: bool,
    shifts: Vec<String>,
}

impl Declaration {
    /// A function called `name` of kind `kind`, declaring nothing yet.
    pub fn new(name: impl Into<String>, kind: Kind) -> Self {
        Declaration {
            name: name.into(),
            kind,
            uses: Vec::new(),
            produces: Vec::new(),
            mc_only: false,
            data_only: false,
            shifts: Vec::new(),
        }
    }

    fn columns(&self, pattern: &str) -> Result<ColumnSet> {
        let routes = expand(pattern).map_err(|source| Error::BadDeclaration {
            function: self.name.clone(),
            source,
        })?;
        Ok(routes.into_iter().collect())
    }

    /// Declares columns read (a pattern with braces).
    pub fn uses(mut self, pattern: &str) -> Result<Self> {
        let columns = self.columns(pattern)?;
        self.uses.push(Dep::Columns(columns));
        Ok(self)
    }

    /// Declares a function whose used columns this function reads too, and which it may call.
    pub fn uses_function(mut self, name: impl Into<String>) -> Self {
        self.uses.push(Dep::Function(name.into()));
        self
    }

    /// Declares columns written (a pattern with braces).
    pub fn produces(mut self, pattern: &str) -> Result<Self> {
        let columns = self.columns(pattern)?;
        self.produces.push(Dep::Columns(columns));
        Ok(self)
    }

    /// Declares a function whose produced columns this function produces by calling it.
    pub fn produces_function(mut self, name: impl Into<String>) -> Self {
        self.produces.push(Dep::Function(name.into()));
        self
    }

    /// Runs on simulation only; skipped (with its columns) for data.
    pub fn mc_only(mut self) -> Self {
        self.mc_only = true;
        self
    }

    /// Runs on data only; skipped (with its columns) for simulation.
    pub fn data_only(mut self) -> Self {
        self.data_only = true;
        self
    }

    /// Declares the systematic shifts this function implements (`jec_up`, `jec_down`).
    pub fn shifts<I, S>(mut self, shifts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.shifts.extend(shifts.into_iter().map(Into::into));
        self
    }

    /// The registered name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The `uses` entries.
    pub fn uses_deps(&self) -> &[Dep] {
        &self.uses
    }

    /// The `produces` entries.
    pub fn produces_deps(&self) -> &[Dep] {
        &self.produces
    }

    /// Columns this function itself declares to read, without those of other functions.
    pub fn own_uses(&self) -> ColumnSet {
        own_columns(&self.uses)
    }

    /// Columns this function itself declares to write, without those of other functions.
    pub fn own_produces(&self) -> ColumnSet {
        own_columns(&self.produces)
    }

    /// The functions this one may call: those named in `uses` and in `produces`.
    pub fn callees(&self) -> impl Iterator<Item = &str> {
        self.uses
            .iter()
            .chain(&self.produces)
            .filter_map(|d| match d {
                Dep::Function(name) => Some(name.as_str()),
                Dep::Columns(_) => None,
            })
    }

    /// True for functions that only run on simulation.
    pub fn is_mc_only(&self) -> bool {
        self.mc_only
    }

    /// True for functions that only run on data.
    pub fn is_data_only(&self) -> bool {
        self.data_only
    }

    /// The shifts this function itself implements.
    pub fn own_shifts(&self) -> &[String] {
        &self.shifts
    }

    /// True when the function runs on a dataset of this kind.
    pub fn applies_to(&self, is_mc: bool) -> bool {
        !(self.mc_only && !is_mc || self.data_only && is_mc)
    }
}

fn own_columns(deps: &[Dep]) -> ColumnSet {
    deps.iter().fold(ColumnSet::new(), |all, dep| match dep {
        Dep::Columns(columns) => all.union(columns),
        Dep::Function(_) => all,
    })
}
