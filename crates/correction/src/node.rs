//! The compiled form of a correction's content tree: nodes in one arena, addressed by index,
//! with inputs resolved to positions, keys sorted and formulas parsed, so evaluation walks
//! plain data and never allocates.

use std::collections::HashMap;

use serde_json::{Map, Value as Json};

use crate::error::Result;
use crate::formula::{Exprs, Params, Program};
use crate::hashprng::{xxh64_words, Pcg32};
use crate::json::{self, Reader, Seg};
use crate::{InputType, Value, Variable};

/// The id of a string that is no category key of a correction.
pub(crate) const NO_KEY: u32 = u32::MAX;

/// An input value as the compiled tree reads it: strings are replaced by their id in the
/// correction's [`Dictionary`], so category lookups compare integers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Arg {
    Real(f64),
    Int(i64),
    Key(u32),
}

/// The string category keys of a correction, each with an id.
#[derive(Debug, Default)]
pub(crate) struct Dictionary {
    /// Sorted by string.
    entries: Box<[(Box<str>, u32)]>,
}

impl Dictionary {
    /// A dictionary giving `strings[i]` the id `i`.
    pub(crate) fn new(strings: impl IntoIterator<Item = String>) -> Self {
        let mut entries: Vec<(Box<str>, u32)> = strings
            .into_iter()
            .enumerate()
            .map(|(id, s)| (s.into_boxed_str(), id as u32))
            .collect();
        entries.sort();
        Self {
            entries: entries.into(),
        }
    }

    /// The id of `key`, or [`NO_KEY`].
    #[inline]
    pub(crate) fn id(&self, key: &str) -> u32 {
        match self.entries.binary_search_by(|(k, _)| (**k).cmp(key)) {
            Ok(at) => self.entries[at].1,
            Err(_) => NO_KEY,
        }
    }

    /// The string with id `id`.
    pub(crate) fn string(&self, id: u32) -> Option<&str> {
        self.entries
            .iter()
            .find(|(_, i)| *i == id)
            .map(|(k, _)| &**k)
    }

    /// The strings, in no particular order.
    pub(crate) fn strings(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| &**k)
    }

    /// The input as the tree reads it.
    #[inline]
    pub(crate) fn arg(&self, value: Value<'_>) -> Arg {
        match value {
            Value::Real(v) => Arg::Real(v),
            Value::Int(v) => Arg::Int(v),
            Value::Str(s) => Arg::Key(self.id(s)),
        }
    }
}

pub(crate) type NodeId = u32;

/// What a binning does with values outside its edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Clamp,
    Error,
    Wrap,
    /// Evaluate the node stored after the bins.
    Value,
}

#[derive(Debug)]
pub(crate) enum Edges {
    Uniform { n: u32, low: f64, high: f64 },
    List(Box<[f64]>),
}

impl Edges {
    pub(crate) fn bins(&self) -> usize {
        match self {
            Edges::Uniform { n, .. } => *n as usize,
            Edges::List(edges) => edges.len() - 1,
        }
    }

    pub(crate) fn range(&self) -> (f64, f64) {
        match self {
            Edges::Uniform { low, high, .. } => (*low, *high),
            Edges::List(edges) => (edges[0], edges[edges.len() - 1]),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Axis {
    pub(crate) input: u32,
    pub(crate) stride: usize,
    pub(crate) edges: Edges,
}

#[derive(Debug)]
pub(crate) enum Keys {
    Int(Box<[(i64, NodeId)]>),
    /// Dictionary ids, sorted.
    Str(Box<[(u32, NodeId)]>),
}

#[derive(Debug)]
pub(crate) enum Distribution {
    StdFlat,
    StdNormal,
    Normal,
}

#[derive(Debug)]
pub(crate) enum Node {
    Const(f64),
    Binning {
        input: u32,
        edges: Edges,
        flow: Flow,
        /// One per bin, then the overflow node (a zero constant unless the flow is a node).
        content: Box<[NodeId]>,
    },
    MultiBinning {
        axes: Box<[Axis]>,
        flow: Flow,
        /// Row-major bins, then the flow node if the flow is a node.
        content: Box<[NodeId]>,
    },
    Category {
        input: u32,
        keys: Keys,
        default: Option<NodeId>,
    },
    Formula {
        program: Program,
    },
    FormulaRef {
        program: Program,
        params: Box<[f64]>,
    },
    Transform {
        input: u32,
        rule: NodeId,
        content: NodeId,
    },
    HashPrng {
        inputs: Box<[u32]>,
        distribution: Distribution,
    },
}

/// Why the evaluation of one point failed; names are attached by the caller.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fault {
    OutOfRange {
        input: u32,
        value: f64,
        above: bool,
    },
    UnknownInt {
        input: u32,
        key: i64,
    },
    /// The key is the (never transformed) string input itself.
    UnknownStr {
        input: u32,
    },
}

/// A correction's compiled content.
#[derive(Debug)]
pub(crate) struct Tree {
    pub(crate) nodes: Vec<Node>,
    exprs: Exprs,
    pub(crate) root: NodeId,
    pub(crate) dictionary: Dictionary,
}

#[inline]
fn number(value: Arg) -> f64 {
    match value {
        Arg::Real(v) => v,
        Arg::Int(v) => v as f64,
        Arg::Key(_) => f64::NAN,
    }
}

/// The bin of `value`, or the number of bins to mean "the flow node".
// Negated comparisons spell out how NaN is placed, as the reference's comparisons place it.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
#[inline(always)]
fn find_bin(edges: &Edges, flow: Flow, mut value: f64, input: u32) -> Result<usize, Fault> {
    let out_of_range = move |above| Fault::OutOfRange {
        input,
        value,
        above,
    };
    match edges {
        Edges::Uniform { n, low, high } => {
            let n = *n as usize;
            if value < *low || value >= *high {
                match flow {
                    Flow::Value => return Ok(n),
                    Flow::Clamp => return Ok(if value < *low { 0 } else { n - 1 }),
                    Flow::Error => return Err(out_of_range(value >= *low)),
                    Flow::Wrap => {}
                }
            }
            let mut norm = (value - low) / (high - low);
            if flow == Flow::Wrap {
                norm -= norm.floor();
            }
            // Rounding can give n for values just below `high`; index n is the flow slot,
            // exactly as in the reference.
            Ok(((n as f64 * norm) as usize).min(n))
        }
        Edges::List(edges) => {
            let last = edges.len() - 1;
            if flow == Flow::Wrap {
                let (low, high) = (edges[0], edges[last]);
                let mut norm = (value - low) / (high - low);
                norm -= norm.floor();
                value = low + norm * (high - low);
            }
            // std::upper_bound: the first edge e with value < e (NaN finds none: overflow).
            let pos = edges.partition_point(|e| !(value < *e));
            if pos == 0 {
                return match flow {
                    Flow::Value => Ok(last),
                    Flow::Error => Err(out_of_range(false)),
                    Flow::Clamp | Flow::Wrap => Ok(0),
                };
            }
            if pos == edges.len() {
                return match flow {
                    Flow::Value => Ok(last),
                    Flow::Error => Err(out_of_range(true)),
                    Flow::Clamp | Flow::Wrap => Ok(last - 1),
                };
            }
            Ok(pos - 1)
        }
    }
}

impl Tree {
    /// Evaluates node `id`. `values` are the correction's inputs, already type-checked;
    /// `transform` nodes rewrite an entry while evaluating below them and restore it after.
    pub(crate) fn eval(&self, mut id: NodeId, values: &mut [Arg]) -> Result<f64, Fault> {
        // Nodes that select one child continue the loop instead of recursing.
        loop {
            id = match &self.nodes[id as usize] {
                Node::Const(v) => return Ok(*v),
                Node::Binning {
                    input,
                    edges,
                    flow,
                    content,
                } => content[find_bin(edges, *flow, number(values[*input as usize]), *input)?],
                Node::MultiBinning {
                    axes,
                    flow,
                    content,
                } => {
                    let mut index = 0;
                    for axis in axes.iter() {
                        let value = number(values[axis.input as usize]);
                        let bin = find_bin(&axis.edges, *flow, value, axis.input)?;
                        if bin == axis.edges.bins() {
                            index = content.len() - 1;
                            break;
                        }
                        index += bin * axis.stride;
                    }
                    content[index]
                }
                Node::Category {
                    input,
                    keys,
                    default,
                } => {
                    let input = *input;
                    let found = match (keys, values[input as usize]) {
                        (Keys::Int(map), Arg::Int(key)) => map
                            .binary_search_by_key(&key, |(k, _)| *k)
                            .map(|at| map[at].1)
                            .or(default.ok_or(Fault::UnknownInt { input, key })),
                        (Keys::Str(map), Arg::Key(key)) => map
                            .binary_search_by_key(&key, |(k, _)| *k)
                            .map(|at| map[at].1)
                            .or(default.ok_or(Fault::UnknownStr { input })),
                        // Inputs are type-checked before evaluation; a mismatch cannot occur.
                        _ => Err(Fault::UnknownStr { input }),
                    };
                    found?
                }
                Node::Formula { program } => return Ok(self.exprs.run(*program, values, &[])),
                Node::FormulaRef { program, params } => {
                    return Ok(self.exprs.run(*program, values, params))
                }
                Node::Transform {
                    input,
                    rule,
                    content,
                } => {
                    let new = self.eval(*rule, values)?;
                    let slot = *input as usize;
                    let old = values[slot];
                    values[slot] = match old {
                        Arg::Int(_) => Arg::Int(new.round() as i64),
                        _ => Arg::Real(new),
                    };
                    let out = self.eval(*content, values);
                    values[slot] = old;
                    return out;
                }
                Node::HashPrng {
                    inputs,
                    distribution,
                } => return Ok(self.hashprng(inputs, distribution, values)),
            };
        }
    }

    fn hashprng(&self, inputs: &[u32], distribution: &Distribution, values: &[Arg]) -> f64 {
        // Few inputs in practice; longer lists hash through a heap buffer.
        let mut inline = [0u64; 8];
        let mut heap = Vec::new();
        let words: &mut [u64] = if inputs.len() <= inline.len() {
            &mut inline[..inputs.len()]
        } else {
            heap.resize(inputs.len(), 0);
            &mut heap
        };
        for (word, &input) in words.iter_mut().zip(inputs.iter()) {
            *word = match values[input as usize] {
                Arg::Int(v) => v as u64,
                Arg::Real(v) => v.to_bits(),
                Arg::Key(_) => 0,
            };
        }
        let mut rng = Pcg32::new(xxh64_words(words));
        match distribution {
            Distribution::StdFlat => rng.canonical(),
            Distribution::StdNormal => rng.std_normal(),
            Distribution::Normal => rng.normal(),
        }
    }
}
/// Builds a [`Tree`] from a correction's JSON.
pub(crate) struct Builder<'r, 'f> {
    pub(crate) reader: &'r mut Reader<'f>,
    pub(crate) inputs: &'r [Variable],
    nodes: Vec<Node>,
    exprs: Exprs,
    /// Generic formulas: root and number of parameters read.
    generic: Vec<(Program, usize)>,
    /// String category keys and their ids.
    strings: HashMap<String, u32>,
}

impl<'r, 'f> Builder<'r, 'f> {
    pub(crate) fn new(reader: &'r mut Reader<'f>, inputs: &'r [Variable]) -> Self {
        Self {
            reader,
            inputs,
            nodes: Vec::new(),
            exprs: Exprs::default(),
            generic: Vec::new(),
            strings: HashMap::new(),
        }
    }

    pub(crate) fn finish(self, root: NodeId) -> Tree {
        let mut strings: Vec<(String, u32)> = self.strings.into_iter().collect();
        strings.sort_by_key(|(_, id)| *id);
        Tree {
            nodes: self.nodes,
            exprs: self.exprs,
            root,
            dictionary: Dictionary::new(strings.into_iter().map(|(s, _)| s)),
        }
    }

    fn push(&mut self, node: Node) -> Result<NodeId> {
        let id = NodeId::try_from(self.nodes.len()).map_err(|_| {
            self.reader
                .invalid("more than 2^32 nodes in one correction")
        })?;
        self.nodes.push(node);
        Ok(id)
    }

    fn input(&self, name: &str) -> Result<u32> {
        self.inputs
            .iter()
            .position(|v| v.name() == name)
            .map(|i| i as u32)
            .ok_or_else(|| {
                self.reader
                    .invalid(format!("'{name}' is not one of the correction's inputs"))
            })
    }

    fn numeric_input(&self, obj: &Map<String, Json>, key: &str, node: &str) -> Result<u32> {
        let name = self.reader.string(obj, key)?;
        let input = self.input(name)?;
        if self.inputs[input as usize].input_type() == InputType::String {
            return Err(self
                .reader
                .invalid(format!("{node} cannot use the string input '{name}'")));
        }
        Ok(input)
    }

    /// Parses a generic formula of `generic_formulas` (parameters left as slots).
    pub(crate) fn generic_formula(&mut self, json: &Json) -> Result<()> {
        let obj = self.reader.object(json)?;
        let (program, used) = self.formula(obj, Params::Generic)?;
        self.generic.push((program, used));
        Ok(())
    }

    fn formula(&mut self, obj: &Map<String, Json>, params: Params<'_>) -> Result<(Program, usize)> {
        let expression = self.reader.string(obj, "expression")?;
        match self.reader.string(obj, "parser")? {
            "TFormula" => {}
            "numexpr" => {
                return Err(self.reader.invalid(
                    "the numexpr formula parser is not supported (neither by correctionlib)",
                ))
            }
            other => {
                return Err(self
                    .reader
                    .invalid(format!("unknown formula parser '{other}'")))
            }
        }
        let mut variables = Vec::new();
        for item in self.reader.array(obj, "variables")? {
            let name = item
                .as_str()
                .ok_or_else(|| self.reader.invalid("formula variables must be input names"))?;
            let input = self.input(name)?;
            let ty = self.inputs[input as usize].input_type();
            if ty != InputType::Real {
                return Err(self.reader.invalid(format!(
                    "formulas only accept real-valued inputs, got type {ty} for variable {name}"
                )));
            }
            variables.push(input);
        }
        let parsed = self
            .exprs
            .parse(expression, &variables, params)
            .map_err(|problem| self.reader.invalid(problem))?;
        Ok((parsed.program, parsed.parameters_used))
    }

    fn numbers(&mut self, items: &[Json]) -> Result<Vec<f64>> {
        items.iter().map(|item| self.reader.number(item)).collect()
    }

    /// Compiles a content node (a number or an object with a `nodetype`).
    pub(crate) fn content(&mut self, json: &Json) -> Result<NodeId> {
        if let Some(value) = json::number(json) {
            return self.push(Node::Const(value));
        }
        let obj = self.reader.object(json)?;
        let node = match self.reader.string(obj, "nodetype")? {
            "binning" => self.binning(obj)?,
            "multibinning" => self.multibinning(obj)?,
            "category" => self.category(obj)?,
            "formula" => {
                let params = match self.reader.optional_array(obj, "parameters")? {
                    Some(items) => self.numbers(items)?,
                    None => Vec::new(),
                };
                let (program, _) = self.formula(obj, Params::Bind(&params))?;
                Node::Formula { program }
            }
            "formularef" => {
                let index = self.reader.integer(obj, "index")?;
                let &(program, used) = usize::try_from(index)
                    .ok()
                    .and_then(|i| self.generic.get(i))
                    .ok_or_else(|| {
                        self.reader.invalid(format!(
                            "formularef index {index} does not name one of the {} generic formulas",
                            self.generic.len()
                        ))
                    })?;
                let items = self.reader.array(obj, "parameters")?;
                let params = self.numbers(items)?;
                if params.len() < used {
                    return Err(self.reader.invalid(format!(
                        "formularef gives {} parameters but generic formula {index} uses {used}",
                        params.len()
                    )));
                }
                Node::FormulaRef {
                    program,
                    params: params.into(),
                }
            }
            "transform" => {
                let name = self.reader.string(obj, "input")?;
                let input = self.input(name)?;
                if self.inputs[input as usize].input_type() == InputType::String {
                    return Err(self.reader.invalid("transform cannot rewrite string inputs"));
                }
                let rule_json = self.reader.required(obj, "rule")?;
                let rule = self.child(Seg::Key("rule"), rule_json)?;
                let content_json = self.reader.required(obj, "content")?;
                let content = self.child(Seg::Key("content"), content_json)?;
                Node::Transform {
                    input,
                    rule,
                    content,
                }
            }
            "hashprng" => {
                let mut inputs = Vec::new();
                for item in self.reader.array(obj, "inputs")? {
                    let name = item
                        .as_str()
                        .ok_or_else(|| self.reader.invalid("hashprng inputs must be input names"))?;
                    let input = self.input(name)?;
                    if self.inputs[input as usize].input_type() == InputType::String {
                        return Err(self.reader.invalid(
                            "hashprng cannot use string inputs as entropy sources",
                        ));
                    }
                    inputs.push(input);
                }
                let distribution = match self.reader.string(obj, "distribution")? {
                    "stdflat" => Distribution::StdFlat,
                    "stdnormal" => Distribution::StdNormal,
                    "normal" => Distribution::Normal,
                    other => {
                        return Err(self.reader.invalid(format!(
                            "unknown hashprng distribution '{other}' (expected stdflat, stdnormal or normal)"
                        )))
                    }
                };
                Node::HashPrng {
                    inputs: inputs.into(),
                    distribution,
                }
            }
            other => {
                return Err(self.reader.invalid(format!(
                    "unsupported nodetype '{other}' (cf supports binning, multibinning, category, formula, formularef, transform, hashprng)"
                )))
            }
        };
        self.push(node)
    }

    fn child(&mut self, seg: Seg, json: &Json) -> Result<NodeId> {
        self.reader.path_push(seg);
        let id = self.content(json)?;
        self.reader.path_pop();
        Ok(id)
    }

    // Negated comparisons so that NaN edges and bounds are rejected.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn edges(&mut self, json: &Json) -> Result<Edges> {
        match json {
            Json::Array(items) => {
                let edges = items
                    .iter()
                    .map(|item| match item.as_str() {
                        Some("inf" | "+inf") => Ok(f64::INFINITY),
                        Some("-inf") => Ok(f64::NEG_INFINITY),
                        _ => self.reader.number(item),
                    })
                    .collect::<Result<Vec<f64>>>()?;
                if edges.len() < 2 {
                    return Err(self.reader.invalid("a binning needs at least two edges"));
                }
                if edges.windows(2).any(|w| !(w[0] < w[1])) {
                    return Err(self
                        .reader
                        .invalid("binning edges are not monotone increasing"));
                }
                Ok(Edges::List(edges.into()))
            }
            Json::Object(obj) => {
                let n = self.reader.integer(obj, "n")?;
                let n = u32::try_from(n).ok().filter(|&n| n > 0).ok_or_else(|| {
                    self.reader.invalid(format!(
                        "uniform binning needs 1 to 2^32-1 bins, got n = {n}"
                    ))
                })?;
                let low = self.reader.number_at(obj, "low")?;
                let high = self.reader.number_at(obj, "high")?;
                if !(low < high) {
                    return Err(self.reader.invalid(format!(
                        "uniform binning needs low < high, got low = {low}, high = {high}"
                    )));
                }
                Ok(Edges::Uniform { n, low, high })
            }
            other => Err(self.reader.invalid(format!(
                "edges must be an array or a {{\"n\", \"low\", \"high\"}} object, found {}",
                json::kind(other)
            ))),
        }
    }

    /// The flow behaviour, and the flow node when the flow is content.
    fn flow(&mut self, obj: &Map<String, Json>) -> Result<(Flow, Option<NodeId>)> {
        let json = self.reader.required(obj, "flow")?;
        Ok(match json.as_str() {
            Some("clamp") => (Flow::Clamp, None),
            Some("error") => (Flow::Error, None),
            Some("wrap") => (Flow::Wrap, None),
            _ => (Flow::Value, Some(self.child(Seg::Key("flow"), json)?)),
        })
    }

    fn binning(&mut self, obj: &Map<String, Json>) -> Result<Node> {
        let input = self.numeric_input(obj, "input", "binning")?;
        let edges_json = self.reader.required(obj, "edges")?;
        self.reader.path_push(Seg::Key("edges"));
        let edges = self.edges(edges_json)?;
        self.reader.path_pop();
        let items = self.reader.array(obj, "content")?;
        if items.len() != edges.bins() {
            return Err(self.reader.invalid(format!(
                "{} content nodes for {} bins",
                items.len(),
                edges.bins()
            )));
        }
        let mut content = self.contents_of(items)?;
        let (flow, flow_node) = self.flow(obj)?;
        let overflow = match flow_node {
            Some(id) => id,
            None => self.push(Node::Const(0.0))?,
        };
        content.push(overflow);
        Ok(Node::Binning {
            input,
            edges,
            flow,
            content: content.into(),
        })
    }

    fn contents_of(&mut self, items: &[Json]) -> Result<Vec<NodeId>> {
        self.reader.path_push(Seg::Key("content"));
        let mut ids = Vec::with_capacity(items.len() + 1);
        for (i, item) in items.iter().enumerate() {
            ids.push(self.child(Seg::Index(i), item)?);
        }
        self.reader.path_pop();
        Ok(ids)
    }

    fn multibinning(&mut self, obj: &Map<String, Json>) -> Result<Node> {
        let inputs = self.reader.array(obj, "inputs")?;
        let edges = self.reader.array(obj, "edges")?;
        if inputs.len() != edges.len() {
            return Err(self.reader.invalid(format!(
                "{} inputs but {} edge lists",
                inputs.len(),
                edges.len()
            )));
        }
        let mut axes = Vec::with_capacity(inputs.len());
        for (dim, (input, edges_json)) in inputs.iter().zip(edges).enumerate() {
            let name = input.as_str().ok_or_else(|| {
                self.reader
                    .invalid("multibinning inputs must be input names")
            })?;
            let input = self.input(name)?;
            if self.inputs[input as usize].input_type() == InputType::String {
                return Err(self
                    .reader
                    .invalid(format!("multibinning cannot use the string input '{name}'")));
            }
            self.reader.path_push(Seg::Key("edges"));
            self.reader.path_push(Seg::Index(dim));
            let edges = self.edges(edges_json)?;
            self.reader.path_pop();
            self.reader.path_pop();
            axes.push(Axis {
                input,
                stride: 0,
                edges,
            });
        }
        let mut stride = 1usize;
        for axis in axes.iter_mut().rev() {
            axis.stride = stride;
            stride = stride
                .checked_mul(axis.edges.bins())
                .ok_or_else(|| self.reader.invalid("too many bins"))?;
        }
        let items = self.reader.array(obj, "content")?;
        if items.len() != stride {
            return Err(self
                .reader
                .invalid(format!("{} content nodes for {stride} bins", items.len())));
        }
        let mut content = self.contents_of(items)?;
        let (flow, flow_node) = self.flow(obj)?;
        if let Some(id) = flow_node {
            content.push(id);
        }
        Ok(Node::MultiBinning {
            axes: axes.into(),
            flow,
            content: content.into(),
        })
    }

    fn category(&mut self, obj: &Map<String, Json>) -> Result<Node> {
        let name = self.reader.string(obj, "input")?;
        let input = self.input(name)?;
        let ty = self.inputs[input as usize].input_type();
        let items = self.reader.array(obj, "content")?;
        let mut ints: Vec<(i64, NodeId)> = Vec::new();
        let mut strs: Vec<(u32, NodeId)> = Vec::new();
        self.reader.path_push(Seg::Key("content"));
        for (i, item) in items.iter().enumerate() {
            self.reader.path_push(Seg::Index(i));
            let pair = self.reader.object(item)?;
            let key = self.reader.required(pair, "key")?;
            let value = self.reader.required(pair, "value")?;
            let child = self.child(Seg::Key("value"), value)?;
            match (key, ty) {
                (Json::String(s), InputType::String) => {
                    let next = self.strings.len() as u32;
                    let id = *self.strings.entry(s.clone()).or_insert(next);
                    strs.push((id, child));
                }
                (Json::Number(n), InputType::Int)
                    if n.as_i64().is_some_and(|k| i32::try_from(k).is_ok()) =>
                {
                    ints.push((n.as_i64().unwrap_or_default(), child));
                }
                (Json::String(_) | Json::Number(_), _) => {
                    return Err(self.reader.invalid(format!(
                        "category key {key} does not match the type of input '{name}' ({ty})"
                    )))
                }
                _ => {
                    return Err(self
                        .reader
                        .invalid("category keys must be strings or integers"))
                }
            }
            self.reader.path_pop();
        }
        self.reader.path_pop();
        let default = match obj.get("default") {
            None | Some(Json::Null) => None,
            Some(json) => Some(self.child(Seg::Key("default"), json)?),
        };
        // The reference keeps the first of duplicate keys; a stable sort then dedup does too.
        let keys = match ty {
            InputType::String => {
                strs.sort_by_key(|(k, _)| *k);
                strs.dedup_by_key(|(k, _)| *k);
                Keys::Str(strs.into())
            }
            InputType::Int => {
                ints.sort_by_key(|(k, _)| *k);
                ints.dedup_by_key(|(k, _)| *k);
                Keys::Int(ints.into())
            }
            InputType::Real => {
                return Err(self.reader.invalid(format!(
                    "category input '{name}' is real-valued; categories need int or string inputs"
                )))
            }
        };
        Ok(Node::Category {
            input,
            keys,
            default,
        })
    }
}
