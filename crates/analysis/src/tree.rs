//! A function with the functions it calls, resolved for one dataset: its columns and shifts
//! known before any event is read, and contract checks while it runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use cf_columns::{ColumnSet, Events};

use crate::declaration::{Dep, Kind};
use crate::error::{Error, Result};
use crate::function::{
    BoxError, CallContext, DatasetInfo, FnEvents, Function, Outcome, SetupContext,
};
use crate::registry::Registry;

struct Node {
    function: Box<dyn Function>,
    /// Callable functions by name (those that apply to the dataset).
    callees: HashMap<String, usize>,
    uses: ColumnSet,
    produces: ColumnSet,
    /// What the function may read: what it and its callees use or produce.
    reads: ColumnSet,
    shifts: BTreeSet<String>,
}

/// A function and everything it calls, instantiated and initialised for one dataset.
///
/// The columns it reads and writes, and the shifts it implements, are the unions over the
/// tree, computed once when the tree is built: a task knows its read set before reading.
///
/// ```
/// use cf_analysis::{producer, DatasetInfo, FunctionTree, Kind, Registry};
///
/// let mut registry = Registry::new();
/// registry.register(|| producer("n_jet").uses("Jet.pt").unwrap().produces("n_jet").unwrap().apply(|_, _| Ok(())))?;
/// registry.register(|| {
///     producer("features").uses_function("n_jet").produces_function("n_jet")
///         .produces("ht").unwrap().apply(|_, _| Ok(()))
/// })?;
/// let dataset = DatasetInfo { name: "tt".into(), is_mc: true };
/// let tree = FunctionTree::build(&registry, "features", Kind::Producer, &dataset)?;
/// assert_eq!(tree.used_columns().iter().map(|r| r.to_string()).collect::<Vec<_>>(), ["Jet.pt"]);
/// assert_eq!(tree.produced_columns().len(), 2);
/// # Ok::<(), cf_analysis::Error>(())
/// ```
pub struct FunctionTree {
    dataset: DatasetInfo,
    nodes: Vec<Node>,
    /// `None` when the root does not apply to the dataset (an MC-only producer on data).
    root: Option<usize>,
}

impl FunctionTree {
    /// Instantiates function `name` (of kind `kind`) and, recursively, the functions it
    /// declares, each once; calls `init` on each; drops those that do not apply to the dataset.
    pub fn build(
        registry: &Registry,
        name: &str,
        kind: Kind,
        dataset: &DatasetInfo,
    ) -> Result<FunctionTree> {
        let mut builder = Builder {
            registry,
            dataset,
            nodes: Vec::new(),
            index: HashMap::new(),
            visiting: Vec::new(),
        };
        let root = builder.instantiate(name, Some(kind))?;
        Ok(FunctionTree {
            dataset: dataset.clone(),
            nodes: builder.nodes,
            root,
        })
    }

    /// The root function's name, or `None` when it does not apply to the dataset.
    pub fn name(&self) -> Option<&str> {
        self.root
            .map(|r| self.nodes[r].function.declaration().name())
    }

    /// The dataset the tree was built for.
    pub fn dataset(&self) -> &DatasetInfo {
        &self.dataset
    }

    /// Every column the tree reads.
    pub fn used_columns(&self) -> ColumnSet {
        self.root
            .map_or_else(ColumnSet::new, |r| self.nodes[r].uses.clone())
    }

    /// Every column the tree writes.
    pub fn produced_columns(&self) -> ColumnSet {
        self.root
            .map_or_else(ColumnSet::new, |r| self.nodes[r].produces.clone())
    }

    /// Every shift implemented somewhere in the tree.
    pub fn shifts(&self) -> BTreeSet<String> {
        self.root
            .map_or_else(BTreeSet::new, |r| self.nodes[r].shifts.clone())
    }

    /// The declarations of every function in the tree, callees before their callers.
    pub fn declarations(&self) -> impl Iterator<Item = &crate::Declaration> {
        self.nodes.iter().map(|n| n.function.declaration())
    }

    /// Calls `setup` on every function of the tree, callees first; `files` are the config's
    /// external files by name.
    pub fn setup(&mut self, files: &BTreeMap<String, PathBuf>) -> Result<()> {
        let context = SetupContext {
            dataset: &self.dataset,
            files,
        };
        for node in &mut self.nodes {
            let name = node.function.declaration().name().to_string();
            node.function
                .setup(&context)
                .map_err(|e| failed(&name, e))?;
        }
        Ok(())
    }

    /// Runs the tree on one batch. A tree whose root does not apply to the dataset does
    /// nothing and returns [`Outcome::Columns`].
    pub fn run(&self, events: &mut Events) -> Result<Outcome> {
        match self.root {
            Some(root) => self.run_node(root, events),
            None => Ok(Outcome::Columns),
        }
    }

    pub(crate) fn callee(&self, caller: usize, name: &str) -> Result<usize> {
        self.nodes[caller]
            .callees
            .get(name)
            .copied()
            .ok_or_else(|| Error::UndeclaredCall {
                function: self.nodes[caller].function.declaration().name().to_string(),
                callee: name.to_string(),
            })
    }

    pub(crate) fn run_node(&self, index: usize, events: &mut Events) -> Result<Outcome> {
        let node = &self.nodes[index];
        let declaration = node.function.declaration();
        let name = declaration.name();
        let mut view = FnEvents {
            events,
            function: name,
            reads: &node.reads,
            writes: &node.produces,
        };
        let context = CallContext {
            tree: self,
            node: index,
        };
        let outcome = node
            .function
            .call(&mut view, &context)
            .map_err(|e| failed(name, e))?;
        if !outcome.fits(declaration.kind()) {
            return Err(Error::WrongOutcome {
                function: name.to_string(),
                kind: declaration.kind().to_string(),
                returned: outcome.describe(),
            });
        }
        if let Some(route) = node.produces.iter().find(|r| !events.has(r)) {
            return Err(Error::NotProduced {
                function: name.to_string(),
                route: route.clone(),
            });
        }
        Ok(outcome)
    }
}

/// Contract violations raised inside a callee keep their own message; anything else the
/// function's code returned is wrapped with the function's name.
fn failed(function: &str, error: BoxError) -> Error {
    match error.downcast::<Error>() {
        Ok(own) => *own,
        Err(other) => Error::Failed {
            function: function.to_string(),
            source: other,
        },
    }
}

struct Builder<'a> {
    registry: &'a Registry,
    dataset: &'a DatasetInfo,
    /// Finished nodes; a node is pushed after all its callees.
    nodes: Vec<Node>,
    index: HashMap<String, Option<usize>>,
    visiting: Vec<String>,
}

impl Builder<'_> {
    /// The node of function `name`, or `None` when it does not apply to the dataset.
    fn instantiate(&mut self, name: &str, kind: Option<Kind>) -> Result<Option<usize>> {
        if let Some(start) = self.visiting.iter().position(|n| n == name) {
            let mut cycle = self.visiting[start..].to_vec();
            cycle.push(name.to_string());
            return Err(Error::Cycle { cycle });
        }
        if let Some(&known) = self.index.get(name) {
            return Ok(known);
        }
        let mut function = self.registry.create(name, kind)?;
        function.init(self.dataset).map_err(|e| failed(name, e))?;
        if !function.declaration().applies_to(self.dataset.is_mc) {
            self.index.insert(name.to_string(), None);
            return Ok(None);
        }
        self.visiting.push(name.to_string());
        let mut callees = HashMap::new();
        let callee_names: Vec<String> = function
            .declaration()
            .callees()
            .map(str::to_string)
            .collect();
        for callee in &callee_names {
            if let Some(node) = self.instantiate(callee, None)? {
                callees.insert(callee.clone(), node);
            }
        }
        self.visiting.pop();

        let declaration = function.declaration();
        let mut uses = declaration.own_uses();
        let mut produces = declaration.own_produces();
        let mut shifts: BTreeSet<String> = declaration.own_shifts().iter().cloned().collect();
        for dep in declaration.uses_deps() {
            if let Some(node) = self.dep_node(dep, &callees) {
                uses = uses.union(&node.uses);
            }
        }
        for dep in declaration.produces_deps() {
            if let Some(node) = self.dep_node(dep, &callees) {
                produces = produces.union(&node.produces);
            }
        }
        for &node in callees.values() {
            shifts.extend(self.finished(node).shifts.iter().cloned());
        }
        let reads = uses.union(&produces);
        let index = self.nodes.len();
        self.nodes.push(Node {
            function,
            callees,
            uses,
            produces,
            reads,
            shifts,
        });
        self.index.insert(name.to_string(), Some(index));
        Ok(Some(index))
    }

    fn dep_node(&self, dep: &Dep, callees: &HashMap<String, usize>) -> Option<&Node> {
        match dep {
            Dep::Function(name) => callees.get(name).map(|&i| self.finished(i)),
            Dep::Columns(_) => None,
        }
    }

    fn finished(&self, index: usize) -> &Node {
        &self.nodes[index]
    }
}
