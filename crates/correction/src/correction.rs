//! Corrections, compound corrections and the set loaded from one file.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use arrow_array::ArrayRef;
use serde_json::{Map, Value as Json};

use crate::columns::{evaluate_columns, Column};
use crate::error::{Error, Result, Side};
use crate::json::{self, Reader, Seg};
use crate::node::{Arg, Builder, Dictionary, Edges, Fault, Keys, Node, Tree, NO_KEY};

/// The declared type of an input or output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    /// A 64-bit float (`"real"`).
    Real,
    /// A 64-bit integer (`"int"`).
    Int,
    /// A string (`"string"`).
    String,
}

impl fmt::Display for InputType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputType::Real => "real",
            InputType::Int => "int",
            InputType::String => "string",
        })
    }
}

/// One input value of a point evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// For `real` inputs.
    Real(f64),
    /// For `int` inputs.
    Int(i64),
    /// For `string` inputs.
    Str(&'a str),
}

impl Value<'_> {
    /// The type this value can feed.
    pub fn input_type(&self) -> InputType {
        match self {
            Value::Real(_) => InputType::Real,
            Value::Int(_) => InputType::Int,
            Value::Str(_) => InputType::String,
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Real(v) => write!(f, "{v}"),
            Value::Int(v) => write!(f, "{v}"),
            Value::Str(v) => f.write_str(v),
        }
    }
}

impl From<f64> for Value<'_> {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Str(v)
    }
}

/// A declared input or output: name, type and description.
#[derive(Debug, Clone)]
pub struct Variable {
    name: String,
    input_type: InputType,
    description: String,
}

impl Variable {
    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type.
    pub fn input_type(&self) -> InputType {
        self.input_type
    }

    /// The description (empty if the file has none).
    pub fn description(&self) -> &str {
        &self.description
    }

    fn from_json(reader: &Reader<'_>, json: &Json) -> Result<Self> {
        let obj = reader.object(json)?;
        let input_type = match reader.string(obj, "type")? {
            "real" => InputType::Real,
            "int" => InputType::Int,
            "string" => InputType::String,
            other => {
                return Err(reader.invalid(format!(
                    "unknown variable type '{other}' (expected real, int or string)"
                )))
            }
        };
        Ok(Self {
            name: reader.string(obj, "name")?.to_owned(),
            input_type,
            description: reader
                .optional_string(obj, "description")?
                .unwrap_or_default()
                .to_owned(),
        })
    }
}

/// Something that maps inputs to a real number: a [`Correction`] or a [`CompoundCorrection`].
pub trait Evaluate: Sync {
    /// The name.
    fn name(&self) -> &str;
    /// The description (empty if none).
    fn description(&self) -> &str;
    /// The declared inputs, in call order.
    fn inputs(&self) -> &[Variable];
    /// The declared output.
    fn output(&self) -> &Variable;
    /// Evaluates one point. The values must match [`inputs`](Self::inputs) in number and type.
    fn evaluate(&self, values: &[Value<'_>]) -> Result<f64>;
    /// Evaluates arrays element-wise (scalars broadcast, jagged inputs keep their lists),
    /// on all threads of the current rayon pool for large inputs. See [`Column`].
    fn evaluate_columns(&self, columns: &[Column<'_>]) -> Result<ArrayRef>;
}

/// The evaluation core shared by the point and columnar paths.
pub(crate) trait Kernel: Sync {
    fn kernel_name(&self) -> &str;
    fn kernel_inputs(&self) -> &[Variable];
    /// Maps string inputs to the ids [`Kernel::eval_raw`] expects.
    fn dictionary(&self) -> &Dictionary;
    /// Evaluates type-checked `args`, which it may modify; `scratch` is reusable space.
    /// A fault carries the index of the failing constituent of a compound correction.
    fn eval_raw(&self, args: &mut [Arg], scratch: &mut Vec<Arg>) -> Result<f64, (usize, Fault)>;
    /// Names the inputs of a fault; `values` are the inputs that gave it.
    fn fault_error(&self, fault: (usize, Fault), values: &[Value<'_>]) -> Error;
}

pub(crate) fn check_count(kernel: &dyn Kernel, got: usize) -> Result<()> {
    let expected = kernel.kernel_inputs().len();
    if got != expected {
        return Err(Error::InputCount {
            correction: kernel.kernel_name().to_owned(),
            expected,
            got,
        });
    }
    Ok(())
}

fn evaluate_point(kernel: &dyn Kernel, values: &[Value<'_>]) -> Result<f64> {
    check_count(kernel, values.len())?;
    for (value, var) in values.iter().zip(kernel.kernel_inputs()) {
        if value.input_type() != var.input_type {
            return Err(Error::InputType {
                correction: kernel.kernel_name().to_owned(),
                input: var.name.clone(),
                expected: var.input_type,
                got: value.input_type(),
            });
        }
    }
    let dictionary = kernel.dictionary();
    // Corrections rarely take more than a few inputs: keep them on the stack.
    let mut inline = [Arg::Real(0.0); 16];
    let mut heap = Vec::new();
    let args: &mut [Arg] = if values.len() <= inline.len() {
        &mut inline[..values.len()]
    } else {
        heap.resize(values.len(), Arg::Real(0.0));
        &mut heap
    };
    for (arg, value) in args.iter_mut().zip(values) {
        *arg = dictionary.arg(*value);
    }
    let mut scratch = Vec::new();
    kernel
        .eval_raw(args, &mut scratch)
        .map_err(|fault| kernel.fault_error(fault, values))
}

/// One correction: typed inputs, a real output, and its compiled content.
#[derive(Debug)]
pub struct Correction {
    name: String,
    description: String,
    version: i64,
    inputs: Vec<Variable>,
    output: Variable,
    tree: Tree,
}

impl Correction {
    /// The correction's version number.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// How the content uses each input (in input order): bin ranges, category keys, formulas.
    pub fn input_usage(&self) -> Vec<InputUsage> {
        let mut usage = vec![InputUsage::default(); self.inputs.len()];
        for node in &self.tree.nodes {
            match node {
                Node::Binning {
                    input, edges, flow, ..
                } => usage[*input as usize].add_range(edges, *flow),
                Node::MultiBinning { axes, flow, .. } => {
                    for axis in axes.iter() {
                        usage[axis.input as usize].add_range(&axis.edges, *flow);
                    }
                }
                Node::Category {
                    input,
                    keys,
                    default,
                } => {
                    let entry = &mut usage[*input as usize];
                    match keys {
                        Keys::Int(map) => {
                            for (key, _) in map.iter() {
                                entry.add_key(key.to_string());
                            }
                        }
                        Keys::Str(map) => {
                            for (key, _) in map.iter() {
                                let name = self.tree.dictionary.string(*key).unwrap_or_default();
                                entry.add_key(name.to_owned());
                            }
                        }
                    }
                    entry.has_default |= default.is_some();
                }
                Node::Transform { input, .. } => usage[*input as usize].other = true,
                Node::HashPrng { inputs, .. } => {
                    for input in inputs.iter() {
                        usage[*input as usize].other = true;
                    }
                }
                Node::Const(_) | Node::Formula { .. } | Node::FormulaRef { .. } => {}
            }
        }
        usage
    }

    fn from_json(reader: &mut Reader<'_>, json: &Json) -> Result<Self> {
        let obj = reader.object(json)?;
        let name = reader.string(obj, "name")?.to_owned();
        let description = reader
            .optional_string(obj, "description")?
            .unwrap_or_default()
            .to_owned();
        let version = reader.integer(obj, "version")?;
        let inputs = variables(reader, obj)?;
        let output = output(reader, obj)?;
        let mut builder = Builder::new(reader, &inputs);
        if let Some(items) = builder.reader.optional_array(obj, "generic_formulas")? {
            builder.reader.path_push(Seg::Key("generic_formulas"));
            for (i, item) in items.iter().enumerate() {
                builder.reader.path_push(Seg::Index(i));
                builder.generic_formula(item)?;
                builder.reader.path_pop();
            }
            builder.reader.path_pop();
        }
        let data = builder.reader.required(obj, "data")?;
        builder.reader.path_push(Seg::Key("data"));
        let root = builder.content(data)?;
        builder.reader.path_pop();
        let tree = builder.finish(root);
        Ok(Self {
            name,
            description,
            version,
            inputs,
            output,
            tree,
        })
    }
}

fn variables(reader: &mut Reader<'_>, obj: &Map<String, Json>) -> Result<Vec<Variable>> {
    let items = reader.array(obj, "inputs")?;
    reader.path_push(Seg::Key("inputs"));
    let mut inputs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        reader.path_push(Seg::Index(i));
        let var = Variable::from_json(reader, item)?;
        if inputs.iter().any(|v: &Variable| v.name == var.name) {
            return Err(reader.invalid(format!("duplicate input name '{}'", var.name)));
        }
        inputs.push(var);
        reader.path_pop();
    }
    reader.path_pop();
    Ok(inputs)
}

fn output(reader: &mut Reader<'_>, obj: &Map<String, Json>) -> Result<Variable> {
    let json = reader.required(obj, "output")?;
    reader.path_push(Seg::Key("output"));
    let output = Variable::from_json(reader, json)?;
    if output.input_type != InputType::Real {
        return Err(reader.invalid("outputs can only be real-valued"));
    }
    reader.path_pop();
    Ok(output)
}

/// How a correction's content uses one input, for summaries.
#[derive(Debug, Clone, Default)]
pub struct InputUsage {
    /// The smallest low edge and largest high edge of all binnings on this input.
    pub range: Option<(f64, f64)>,
    /// Whether some binning on this input accepts values outside its edges (flow is not `error`).
    pub overflow: bool,
    /// Category keys looked up for this input, in first-seen order.
    pub keys: Vec<String>,
    /// Whether some category on this input has a default.
    pub has_default: bool,
    /// Whether a transform or hashprng node uses this input.
    pub other: bool,
}

impl InputUsage {
    fn add_range(&mut self, edges: &Edges, flow: crate::node::Flow) {
        let (low, high) = edges.range();
        self.range = Some(match self.range {
            Some((l, h)) => (l.min(low), h.max(high)),
            None => (low, high),
        });
        self.overflow |= flow != crate::node::Flow::Error;
    }

    fn add_key(&mut self, key: String) {
        if !self.keys.contains(&key) {
            self.keys.push(key);
        }
    }
}

impl Kernel for Correction {
    fn kernel_name(&self) -> &str {
        &self.name
    }

    fn kernel_inputs(&self) -> &[Variable] {
        &self.inputs
    }

    fn dictionary(&self) -> &Dictionary {
        &self.tree.dictionary
    }

    #[inline]
    fn eval_raw(&self, args: &mut [Arg], _scratch: &mut Vec<Arg>) -> Result<f64, (usize, Fault)> {
        self.tree
            .eval(self.tree.root, args)
            .map_err(|fault| (usize::MAX, fault))
    }

    fn fault_error(&self, (_, fault): (usize, Fault), values: &[Value<'_>]) -> Error {
        let input_name = |input: u32| {
            self.inputs
                .get(input as usize)
                .map(|v| v.name.clone())
                .unwrap_or_default()
        };
        match fault {
            Fault::OutOfRange {
                input,
                value,
                above,
            } => Error::OutOfRange {
                correction: self.name.clone(),
                input: input_name(input),
                value,
                side: if above { Side::Above } else { Side::Below },
            },
            Fault::UnknownInt { input, key } => Error::UnknownCategory {
                correction: self.name.clone(),
                input: input_name(input),
                key: key.to_string(),
            },
            Fault::UnknownStr { input } => Error::UnknownCategory {
                correction: self.name.clone(),
                input: input_name(input),
                key: values
                    .get(input as usize)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            },
        }
    }
}

impl Evaluate for Correction {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn inputs(&self) -> &[Variable] {
        &self.inputs
    }

    fn output(&self) -> &Variable {
        &self.output
    }

    fn evaluate(&self, values: &[Value<'_>]) -> Result<f64> {
        evaluate_point(self, values)
    }

    fn evaluate_columns(&self, columns: &[Column<'_>]) -> Result<ArrayRef> {
        evaluate_columns(self, columns)
    }
}

/// How a compound correction combines: `+`, `*`, `/`, or (outputs only) `last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOp {
    /// `+`
    Add,
    /// `*`
    Multiply,
    /// `/`
    Divide,
    /// `last`: the output is the last constituent's.
    Last,
}

impl fmt::Display for UpdateOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UpdateOp::Add => "+",
            UpdateOp::Multiply => "*",
            UpdateOp::Divide => "/",
            UpdateOp::Last => "last",
        })
    }
}

#[derive(Debug)]
struct Step {
    /// For each input of the constituent, the position in the compound's inputs.
    map: Box<[u32]>,
    /// For each string id of the compound's dictionary, the constituent's id.
    keys: Box<[u32]>,
    correction: Arc<Correction>,
}

/// A sequence of corrections whose outputs update some inputs and combine into one output
/// (e.g. the L1 × L2 × L3 jet energy correction chain).
#[derive(Debug)]
pub struct CompoundCorrection {
    name: String,
    description: String,
    inputs: Vec<Variable>,
    output: Variable,
    updates: Box<[u32]>,
    input_op: UpdateOp,
    output_op: UpdateOp,
    stack: Vec<Step>,
    /// The union of the constituents' string keys.
    dictionary: Dictionary,
}

impl CompoundCorrection {
    /// The constituent corrections, in evaluation order.
    pub fn stack(&self) -> impl Iterator<Item = &Correction> {
        self.stack.iter().map(|step| &*step.correction)
    }

    /// The names of the inputs each constituent's output updates.
    pub fn updated_inputs(&self) -> impl Iterator<Item = &str> {
        self.updates.iter().map(|&i| self.inputs[i as usize].name())
    }

    /// How updated inputs combine with each constituent's output.
    pub fn input_op(&self) -> UpdateOp {
        self.input_op
    }

    /// How the constituents' outputs combine.
    pub fn output_op(&self) -> UpdateOp {
        self.output_op
    }

    fn from_json(
        reader: &mut Reader<'_>,
        json: &Json,
        corrections: &[Arc<Correction>],
    ) -> Result<Self> {
        let obj = reader.object(json)?;
        let name = reader.string(obj, "name")?.to_owned();
        let description = reader
            .optional_string(obj, "description")?
            .unwrap_or_default()
            .to_owned();
        let inputs = variables(reader, obj)?;
        let output = output(reader, obj)?;
        let position = |reader: &Reader<'_>, wanted: &str| {
            inputs
                .iter()
                .position(|v| v.name == wanted)
                .map(|i| i as u32)
                .ok_or_else(|| {
                    reader.invalid(format!(
                        "'{wanted}' is not one of the compound correction's inputs"
                    ))
                })
        };
        let mut updates = Vec::new();
        for item in reader.array(obj, "inputs_update")? {
            let wanted = item
                .as_str()
                .ok_or_else(|| reader.invalid("inputs_update items must be input names"))?;
            let at = position(reader, wanted)?;
            if inputs[at as usize].input_type != InputType::Real {
                return Err(
                    reader.invalid("compound correction updatable inputs must be real-valued")
                );
            }
            updates.push(at);
        }
        let op = |reader: &Reader<'_>, key: &str, last: bool| -> Result<UpdateOp> {
            match reader.string(obj, key)? {
                "+" => Ok(UpdateOp::Add),
                "*" => Ok(UpdateOp::Multiply),
                "/" => Ok(UpdateOp::Divide),
                "last" if last => Ok(UpdateOp::Last),
                other => Err(reader.invalid(format!("invalid {key} '{other}'"))),
            }
        };
        let input_op = op(reader, "input_op", false)?;
        let output_op = op(reader, "output_op", true)?;
        let mut stack = Vec::new();
        for item in reader.array(obj, "stack")? {
            let wanted = item
                .as_str()
                .ok_or_else(|| reader.invalid("stack items must be correction names"))?;
            let correction = corrections
                .iter()
                .find(|c| c.name == wanted)
                .ok_or_else(|| {
                    reader.invalid(format!(
                        "compound correction constituent '{wanted}' not found in the correction set"
                    ))
                })?;
            let mut map = Vec::with_capacity(correction.inputs.len());
            for var in &correction.inputs {
                let at = position(reader, &var.name)?;
                let given = inputs[at as usize].input_type;
                // The reference fails every evaluation in this case; failing at load says so earlier.
                if given != var.input_type {
                    return Err(reader.invalid(format!(
                        "input '{}' is {given} here but {} in constituent '{wanted}'",
                        var.name, var.input_type
                    )));
                }
                map.push(at);
            }
            stack.push(Step {
                map: map.into(),
                keys: Box::default(),
                correction: Arc::clone(correction),
            });
        }
        let mut strings: Vec<String> = stack
            .iter()
            .flat_map(|step| step.correction.tree.dictionary.strings().map(str::to_owned))
            .collect();
        strings.sort();
        strings.dedup();
        for step in &mut stack {
            let own = &step.correction.tree.dictionary;
            step.keys = strings.iter().map(|s| own.id(s)).collect();
        }
        let dictionary = Dictionary::new(strings);
        Ok(Self {
            dictionary,
            name,
            description,
            inputs,
            output,
            updates: updates.into(),
            input_op,
            output_op,
            stack,
        })
    }
}

impl Kernel for CompoundCorrection {
    fn kernel_name(&self) -> &str {
        &self.name
    }

    fn kernel_inputs(&self) -> &[Variable] {
        &self.inputs
    }

    fn dictionary(&self) -> &Dictionary {
        &self.dictionary
    }

    #[inline]
    fn eval_raw(&self, values: &mut [Arg], scratch: &mut Vec<Arg>) -> Result<f64, (usize, Fault)> {
        let mut out = 0.0;
        for (k, step) in self.stack.iter().enumerate() {
            scratch.clear();
            scratch.extend(step.map.iter().map(|&i| match values[i as usize] {
                Arg::Key(id) => Arg::Key(step.keys.get(id as usize).copied().unwrap_or(NO_KEY)),
                other => other,
            }));
            let sf = step
                .correction
                .tree
                .eval(step.correction.tree.root, scratch)
                .map_err(|fault| (k, fault))?;
            for &i in self.updates.iter() {
                if let Arg::Real(v) = &mut values[i as usize] {
                    match self.input_op {
                        UpdateOp::Add => *v += sf,
                        UpdateOp::Multiply => *v *= sf,
                        UpdateOp::Divide => *v /= sf,
                        UpdateOp::Last => {}
                    }
                }
            }
            if k == 0 {
                out = sf;
            } else {
                match self.output_op {
                    UpdateOp::Add => out += sf,
                    UpdateOp::Multiply => out *= sf,
                    UpdateOp::Divide => out /= sf,
                    UpdateOp::Last => out = sf,
                }
            }
        }
        Ok(out)
    }

    fn fault_error(&self, (k, fault): (usize, Fault), values: &[Value<'_>]) -> Error {
        match self.stack.get(k) {
            Some(step) => {
                let mapped: Vec<Value<'_>> = step.map.iter().map(|&i| values[i as usize]).collect();
                step.correction.fault_error((k, fault), &mapped)
            }
            None => Error::InputCount {
                correction: self.name.clone(),
                expected: self.inputs.len(),
                got: values.len(),
            },
        }
    }
}

impl Evaluate for CompoundCorrection {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn inputs(&self) -> &[Variable] {
        &self.inputs
    }

    fn output(&self) -> &Variable {
        &self.output
    }

    fn evaluate(&self, values: &[Value<'_>]) -> Result<f64> {
        evaluate_point(self, values)
    }

    fn evaluate_columns(&self, columns: &[Column<'_>]) -> Result<ArrayRef> {
        evaluate_columns(self, columns)
    }
}

/// All corrections of one correctionlib file (schema version 2), compiled for evaluation.
#[derive(Debug)]
pub struct CorrectionSet {
    file: String,
    description: String,
    corrections: Vec<Arc<Correction>>,
    compound: Vec<CompoundCorrection>,
}

impl CorrectionSet {
    /// Loads a `.json` or gzip-compressed `.json.gz` file (recognised by its content).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            file: file.clone(),
            source,
        })?;
        Self::from_slice(&bytes, &file)
    }

    /// The file at `path`, loaded once per process and shared: every task of a run that sets
    /// up a function reading it (one per input file, and `jec` and `jer` the same JERC file)
    /// gets the same parsed set. A file changed on disk since (other length or modification
    /// time) is loaded again.
    pub fn shared(path: impl AsRef<Path>) -> Result<Arc<Self>> {
        type Cache = Mutex<HashMap<PathBuf, (u64, Option<SystemTime>, Arc<CorrectionSet>)>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let path = path.as_ref();
        let stamp = std::fs::metadata(path).map_err(|source| Error::Io {
            file: path.display().to_string(),
            source,
        })?;
        let (len, modified) = (stamp.len(), stamp.modified().ok());
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let cache = CACHE.get_or_init(Mutex::default);
        let lock = || {
            cache
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some((l, m, set)) = lock().get(&key) {
            if *l == len && *m == modified {
                return Ok(set.clone());
            }
        }
        let set = Arc::new(Self::from_file(path)?);
        lock().insert(key, (len, modified, set.clone()));
        Ok(set)
    }

    /// Loads JSON (optionally gzip-compressed) from memory; `origin` names it in errors.
    pub fn from_slice(bytes: &[u8], origin: &str) -> Result<Self> {
        let text = json::decompress(bytes, origin)?;
        let document = json::parse(&text, origin)?;
        let mut reader = Reader::new(origin);
        let root = reader.object(&document)?;
        match root.get("schema_version") {
            Some(Json::Number(n)) if n.as_i64() == Some(2) => {}
            Some(other) => {
                return Err(Error::UnsupportedSchema {
                    file: origin.to_owned(),
                    version: other.to_string(),
                })
            }
            None => {
                return Err(Error::UnsupportedSchema {
                    file: origin.to_owned(),
                    version: "missing".to_owned(),
                })
            }
        }
        let description = reader
            .optional_string(root, "description")?
            .unwrap_or_default()
            .to_owned();
        let mut corrections: Vec<Arc<Correction>> = Vec::new();
        let items = reader.array(root, "corrections")?;
        reader.path_push(Seg::Key("corrections"));
        for (i, item) in items.iter().enumerate() {
            reader.path_push(Seg::Index(i));
            let correction = Correction::from_json(&mut reader, item)?;
            if corrections.iter().any(|c| c.name == correction.name) {
                return Err(
                    reader.invalid(format!("duplicate correction name '{}'", correction.name))
                );
            }
            corrections.push(Arc::new(correction));
            reader.path_pop();
        }
        reader.path_pop();
        let mut compound: Vec<CompoundCorrection> = Vec::new();
        if let Some(items) = reader.optional_array(root, "compound_corrections")? {
            reader.path_push(Seg::Key("compound_corrections"));
            for (i, item) in items.iter().enumerate() {
                reader.path_push(Seg::Index(i));
                let correction = CompoundCorrection::from_json(&mut reader, item, &corrections)?;
                if compound.iter().any(|c| c.name == correction.name) {
                    return Err(reader.invalid(format!(
                        "duplicate compound correction name '{}'",
                        correction.name
                    )));
                }
                compound.push(correction);
                reader.path_pop();
            }
            reader.path_pop();
        }
        Ok(Self {
            file: reader.file().to_owned(),
            description,
            corrections,
            compound,
        })
    }

    /// The file (or origin) the set was loaded from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The set's description (empty if none).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The corrections, in file order.
    pub fn corrections(&self) -> impl Iterator<Item = &Correction> {
        self.corrections.iter().map(|c| &**c)
    }

    /// The compound corrections, in file order.
    pub fn compound_corrections(&self) -> impl Iterator<Item = &CompoundCorrection> {
        self.compound.iter()
    }

    /// The correction called `name`.
    pub fn correction(&self, name: &str) -> Result<&Correction> {
        self.corrections
            .iter()
            .find(|c| c.name == name)
            .map(|c| &**c)
            .ok_or_else(|| self.unknown(name))
    }

    /// The compound correction called `name`.
    pub fn compound(&self, name: &str) -> Result<&CompoundCorrection> {
        self.compound
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| self.unknown(name))
    }

    /// The correction or, failing that, the compound correction called `name`.
    pub fn evaluator(&self, name: &str) -> Result<&dyn Evaluate> {
        if let Some(c) = self.corrections.iter().find(|c| c.name == name) {
            return Ok(&**c);
        }
        self.compound(name).map(|c| c as &dyn Evaluate)
    }

    fn unknown(&self, name: &str) -> Error {
        Error::UnknownCorrection {
            file: self.file.clone(),
            name: name.to_owned(),
            available: self
                .corrections
                .iter()
                .map(|c| c.name.clone())
                .chain(self.compound.iter().map(|c| c.name.clone()))
                .collect(),
        }
    }
}
