//! The column check: every column a chain of steps uses is in the input or produced upstream,
//! known before a single event is read.

use std::fmt;

use cf_columns::{ColumnSet, Route};

use crate::declaration::Kind;
use crate::error::Result;
use crate::function::DatasetInfo;
use crate::registry::Registry;
use crate::tree::FunctionTree;

/// The steps of an analysis run, in the order the tasks run them.
#[derive(Clone, Debug, Default)]
pub struct Chain {
    /// Calibrators, in order.
    pub calibrators: Vec<String>,
    /// The selector.
    pub selector: Option<String>,
    /// The columns reduced events keep; `None` keeps everything.
    pub reduced_columns: Option<ColumnSet>,
    /// Producers, in order.
    pub producers: Vec<String>,
    /// Variables by name, with the routes their expressions read.
    pub variables: Vec<(String, Vec<Route>)>,
    /// Categorizers of the chosen categories.
    pub categorizers: Vec<String>,
}

/// Where in the chain a column is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A calibrator (or a function it calls).
    Calibrator,
    /// The selector (or a function it calls).
    Selector,
    /// A producer (or a function it calls).
    Producer,
    /// A variable's expression.
    Variable,
    /// A categorizer (or a function it calls).
    Categorizer,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Calibrator => "calibrator",
            Step::Selector => "selector",
            Step::Producer => "producer",
            Step::Variable => "variable",
            Step::Categorizer => "categorizer",
        })
    }
}

/// A column used where it is not available.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingColumn {
    /// The step that uses it.
    pub step: Step,
    /// The function (`name`, or `callee (called by name)`) or variable that uses it.
    pub user: String,
    /// The column, without an object index.
    pub route: Route,
}

impl fmt::Display for MissingColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} `{}` uses `{}`, which is neither in the input nor produced by an earlier step",
            self.step, self.user, self.route
        )
    }
}

/// Walks `chain` for `dataset` over the columns of its input files: calibrators, selector,
/// reduction, producers, variables, categorizers. Returns every used column that is not
/// available where it is used; unknown function names are errors.
///
/// ```
/// use cf_analysis::{check_columns, producer, Chain, DatasetInfo, Registry};
/// use cf_columns::ColumnSet;
///
/// let mut registry = Registry::new();
/// registry.register(|| producer("ht").uses("Jet.pt").unwrap().produces("ht").unwrap().apply(|_, _| Ok(())))?;
/// let chain = Chain { producers: vec!["ht".into()], ..Chain::default() };
/// let dataset = DatasetInfo { name: "tt".into(), is_mc: true };
/// let input = ColumnSet::parse(["Jet.eta", "event"]).unwrap();
/// let missing = check_columns(&registry, &chain, &dataset, input)?;
/// assert_eq!(missing[0].to_string(), "producer `ht` uses `Jet.pt`, which is neither in the input nor produced by an earlier step");
/// # Ok::<(), cf_analysis::Error>(())
/// ```
pub fn check_columns(
    registry: &Registry,
    chain: &Chain,
    dataset: &DatasetInfo,
    input: ColumnSet,
) -> Result<Vec<MissingColumn>> {
    let mut walk = Walk {
        registry,
        dataset,
        available: input,
        missing: Vec::new(),
    };
    for name in &chain.calibrators {
        walk.function(name, Kind::Calibrator, Step::Calibrator)?;
    }
    if let Some(name) = &chain.selector {
        walk.function(name, Kind::Selector, Step::Selector)?;
    }
    if let Some(kept) = &chain.reduced_columns {
        walk.available = walk
            .available
            .iter()
            .filter(|r| kept.covers(r))
            .cloned()
            .collect();
    }
    for name in &chain.producers {
        walk.function(name, Kind::Producer, Step::Producer)?;
    }
    for (name, routes) in &chain.variables {
        for route in routes {
            let route = route.without_index();
            if !is_available(&walk.available, &route) {
                walk.missing.push(MissingColumn {
                    step: Step::Variable,
                    user: name.clone(),
                    route,
                });
            }
        }
    }
    for name in &chain.categorizers {
        walk.function(name, Kind::Categorizer, Step::Categorizer)?;
    }
    Ok(walk.missing)
}

struct Walk<'a> {
    registry: &'a Registry,
    dataset: &'a DatasetInfo,
    available: ColumnSet,
    missing: Vec<MissingColumn>,
}

impl Walk<'_> {
    /// Checks one function tree, then adds what it produces. A column produced by another
    /// function of the same tree counts as available to it.
    fn function(&mut self, name: &str, kind: Kind, step: Step) -> Result<()> {
        let tree = FunctionTree::build(self.registry, name, kind, self.dataset)?;
        let produced = tree.produced_columns();
        for declaration in tree.declarations() {
            for route in declaration.own_uses().iter() {
                if !is_available(&self.available, route) && !is_available(&produced, route) {
                    self.missing.push(MissingColumn {
                        step,
                        user: if declaration.name() == name {
                            name.to_string()
                        } else {
                            format!("{} (called by {name})", declaration.name())
                        },
                        route: route.clone(),
                    });
                }
            }
        }
        self.available = self.available.union(&produced);
        Ok(())
    }
}

/// True when `route`, or something below or above it, is available (`Jet` when `Jet.pt` is,
/// `Jet.pt` when all of `Jet` is).
fn is_available(available: &ColumnSet, route: &Route) -> bool {
    available.covers(route) || available.iter().any(|r| r.is_within(route))
}
