//! Loading: files, includes and `extends`, then the typed model with every check, collecting
//! all errors rather than stopping at the first.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cf_columns::{ColumnSet, Route};

use crate::error::{ConfigErrors, Error, Location};
use crate::expr::Expr;
use crate::model::*;
use crate::suggest::suggest;
use crate::yaml::{self, Kind, Node};

mod inference;

const ANALYSIS_KEYS: &[&str] = &["analysis", "include", "configs", "aux"];
const INCLUDE_KEYS: &[&str] = &["include", "configs"];
const CONFIG_KEYS: &[&str] = &[
    "name",
    "id",
    "extends",
    "campaign",
    "ecm",
    "luminosity",
    "processes",
    "datasets",
    "shifts",
    "variables",
    "categories",
    "category_groups",
    "external_files",
    "defaults",
    "keep_columns",
    "event_weights",
    "inference_models",
    "aux",
];
const PROCESS_KEYS: &[&str] = &[
    "name", "id", "label", "color", "is_data", "xsec", "children", "aux",
];
const XSEC_KEYS: &[&str] = &["value", "uncertainty"];
const LUMI_KEYS: &[&str] = &["value", "uncertainty"];
const DATASET_KEYS: &[&str] = &[
    "name",
    "id",
    "kind",
    "processes",
    "files",
    "generate",
    "n_events",
    "n_files",
    "tags",
    "aux",
];
const GENERATE_KEYS: &[&str] = &["model", "events", "files", "seed"];
const SHIFT_KEYS: &[&str] = &["source", "type", "id", "aliases", "aux"];
const VARIABLE_KEYS: &[&str] = &[
    "name",
    "id",
    "expression",
    "binning",
    "edges",
    "null_value",
    "x_title",
    "unit",
    "discrete",
    "aux",
];
const CATEGORY_KEYS: &[&str] = &["name", "id", "label", "categorizers", "children", "aux"];
const DEFAULTS_KEYS: &[&str] = &[
    "calibrators",
    "selector",
    "producers",
    "variables",
    "categories",
    "weight_producer",
];
const REMOTE_PREFIXES: &[&str] = &["root://", "https://", "http://", "s3://"];
const COLORS: &[(&str, Color)] = &[
    ("black", Color(0, 0, 0)),
    ("white", Color(255, 255, 255)),
    ("red", Color(255, 0, 0)),
    ("green", Color(0, 128, 0)),
    ("blue", Color(0, 0, 255)),
    ("yellow", Color(255, 255, 0)),
    ("orange", Color(255, 165, 0)),
    ("purple", Color(128, 0, 128)),
    ("cyan", Color(0, 255, 255)),
    ("magenta", Color(255, 0, 255)),
    ("brown", Color(165, 42, 42)),
    ("pink", Color(255, 192, 203)),
    ("grey", Color(128, 128, 128)),
    ("gray", Color(128, 128, 128)),
];

/// Collects errors while the model is built.
#[derive(Default)]
struct Ctx {
    errors: Vec<Error>,
}

impl Ctx {
    fn push(&mut self, error: Error) {
        self.errors.push(error);
    }

    fn wrong_type(&mut self, node: &Node, key: &str, expected: &'static str) {
        self.push(Error::WrongType {
            at: node.at.clone(),
            key: key.to_string(),
            expected,
            found: node.describe(),
        });
    }

    /// Checks that `node` is a mapping with only `allowed` keys, each once.
    fn map<'a>(
        &mut self,
        node: &'a Node,
        section: &'static str,
        allowed: &[&'static str],
    ) -> Option<&'a [(Node, Node)]> {
        self.keys(node, section, Some(allowed), "a mapping")
    }

    /// Checks that `node` is a mapping with free keys (names of things), each once.
    /// The entries of the free mapping `node[section]`; none when it is absent or null.
    fn section_entries<'a>(
        &mut self,
        node: &'a Node,
        section: &'static str,
        expected: &'static str,
    ) -> &'a [(Node, Node)] {
        node.get(section)
            .filter(|n| !n.is_null())
            .and_then(|map| self.free_map(map, section, expected))
            .unwrap_or(&[])
    }

    fn free_map<'a>(
        &mut self,
        node: &'a Node,
        section: &'static str,
        expected: &'static str,
    ) -> Option<&'a [(Node, Node)]> {
        self.keys(node, section, None, expected)
    }

    fn keys<'a>(
        &mut self,
        node: &'a Node,
        section: &'static str,
        allowed: Option<&[&'static str]>,
        expected: &'static str,
    ) -> Option<&'a [(Node, Node)]> {
        let Some(entries) = node.as_map() else {
            self.wrong_type(node, section, expected);
            return None;
        };
        let mut seen: HashMap<&str, &Location> = HashMap::new();
        for (key, _) in entries {
            let Some(name) = key.as_str() else {
                self.wrong_type(key, section, "a mapping with text keys");
                continue;
            };
            if let Some(allowed) = allowed.filter(|a| !a.contains(&name)) {
                self.push(Error::UnknownKey {
                    at: key.at.clone(),
                    key: name.to_string(),
                    section,
                    suggestion: suggest(name, allowed.iter().copied()),
                });
            }
            if let Some(first) = seen.insert(name, &key.at) {
                self.push(Error::DuplicateKey {
                    at: key.at.clone(),
                    key: name.to_string(),
                    section,
                    first: first.clone(),
                });
            }
        }
        Some(entries)
    }

    fn required<'a>(
        &mut self,
        node: &'a Node,
        key: &'static str,
        section: &'static str,
    ) -> Option<&'a Node> {
        let value = node.get(key);
        if value.is_none() {
            self.push(Error::MissingKey {
                at: node.at.clone(),
                key,
                section,
            });
        }
        value
    }

    fn string(&mut self, node: &Node, key: &str) -> Option<String> {
        match &node.kind {
            Kind::Scalar(text) if !node.is_null() => Some(text.clone()),
            _ => {
                self.wrong_type(node, key, "text");
                None
            }
        }
    }

    /// One of a fixed set of words, else an invalid-value error suggesting the nearest.
    fn keyword<T: Copy>(
        &mut self,
        node: &Node,
        key: &str,
        what: &'static str,
        choices: &[(&str, T)],
        reason: &str,
    ) -> Option<T> {
        let text = self.string(node, key)?;
        if let Some((_, value)) = choices.iter().find(|(word, _)| *word == text) {
            return Some(*value);
        }
        self.push(Error::InvalidValue {
            at: node.at.clone(),
            what,
            suggestion: suggest(&text, choices.iter().map(|(word, _)| *word)),
            value: text,
            reason: reason.to_string(),
        });
        None
    }

    /// An unquoted scalar parsed as `T` and accepted by `valid`, else a wrong-type error.
    fn parsed<T: std::str::FromStr>(
        &mut self,
        node: &Node,
        key: &str,
        expected: &'static str,
        valid: impl Fn(&T) -> bool,
    ) -> Option<T> {
        match node.as_str().filter(|_| !node.quoted).map(str::parse::<T>) {
            Some(Ok(v)) if valid(&v) => Some(v),
            _ => {
                self.wrong_type(node, key, expected);
                None
            }
        }
    }

    fn float(&mut self, node: &Node, key: &str) -> Option<f64> {
        self.parsed(node, key, "a finite number", |v: &f64| v.is_finite())
    }

    fn int(&mut self, node: &Node, key: &str) -> Option<i64> {
        self.parsed(node, key, "an integer", |_: &i64| true)
    }

    fn count(&mut self, node: &Node, key: &str) -> Option<u64> {
        self.parsed(node, key, "a non-negative integer", |_: &u64| true)
    }

    fn boolean(&mut self, node: &Node, key: &str) -> Option<bool> {
        match node.as_str().filter(|_| !node.quoted) {
            Some("true" | "True" | "TRUE") => Some(true),
            Some("false" | "False" | "FALSE") => Some(false),
            _ => {
                self.wrong_type(node, key, "true or false");
                None
            }
        }
    }

    /// A name or a list of names, each with its place.
    fn names<'a>(&mut self, node: &'a Node, key: &str) -> Vec<(String, &'a Node)> {
        if node.is_null() {
            return Vec::new();
        }
        match &node.kind {
            Kind::Seq(items) => items
                .iter()
                .filter_map(|item| self.string(item, key).map(|s| (s, item)))
                .collect(),
            Kind::Scalar(_) => self
                .string(node, key)
                .map(|s| vec![(s, node)])
                .unwrap_or_default(),
            Kind::Map(_) => {
                self.wrong_type(node, key, "a name or a list of names");
                Vec::new()
            }
        }
    }

    /// The items of a list (null counts as empty).
    fn list<'a>(&mut self, node: Option<&'a Node>, key: &str) -> &'a [Node] {
        match node {
            None => &[],
            Some(n) if n.is_null() => &[],
            Some(n) => match n.as_seq() {
                Some(items) => items,
                None => {
                    self.wrong_type(n, key, "a list");
                    &[]
                }
            },
        }
    }

    fn reference(&mut self, kind: &'static str, name: &str, node: &Node, known: &[&str]) -> bool {
        if known.contains(&name) {
            return true;
        }
        self.push(Error::UnknownReference {
            at: node.at.clone(),
            kind,
            name: name.to_string(),
            suggestion: suggest(name, known.iter().copied()),
        });
        false
    }

    /// Reports repeated names and ids among items of one kind.
    fn unique(&mut self, kind: &'static str, items: &[Ident]) {
        let mut names: HashMap<&str, &Location> = HashMap::new();
        let mut ids: HashMap<i64, &Location> = HashMap::new();
        for item in items {
            if let Some(first) = names.insert(&item.name, &item.name_at) {
                self.push(Error::Duplicate {
                    at: item.name_at.clone(),
                    kind,
                    field: "name",
                    value: item.name.clone(),
                    first: first.clone(),
                });
            }
            if let Some(first) = ids.insert(item.id, &item.id_at) {
                self.push(Error::Duplicate {
                    at: item.id_at.clone(),
                    kind,
                    field: "id",
                    value: item.id.to_string(),
                    first: first.clone(),
                });
            }
        }
    }

    /// Reports circles in a parent → children relation, one per closing edge found by a
    /// depth-first walk (iterative: deep chains must not overflow the stack).
    fn acyclic(&mut self, kind: &'static str, edges: &[(String, Vec<String>, Location)]) {
        let index: HashMap<&str, usize> = edges
            .iter()
            .enumerate()
            .map(|(i, (name, _, _))| (name.as_str(), i))
            .collect();
        let adjacent: Vec<Vec<usize>> = edges
            .iter()
            .map(|(_, children, _)| {
                children
                    .iter()
                    .filter_map(|c| index.get(c.as_str()).copied())
                    .collect()
            })
            .collect();
        const NEW: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![NEW; edges.len()];
        for root in 0..edges.len() {
            if state[root] != NEW {
                continue;
            }
            state[root] = ON_PATH;
            let mut path: Vec<(usize, usize)> = vec![(root, 0)];
            while let Some((node, next)) = path.last_mut() {
                let node = *node;
                let Some(&child) = adjacent[node].get(*next) else {
                    state[node] = DONE;
                    path.pop();
                    continue;
                };
                *next += 1;
                match state[child] {
                    NEW => {
                        state[child] = ON_PATH;
                        path.push((child, 0));
                    }
                    ON_PATH => {
                        let from = path.iter().position(|(n, _)| *n == child).unwrap_or(0);
                        let chain: Vec<&str> = path[from..]
                            .iter()
                            .map(|(n, _)| *n)
                            .chain([child])
                            .map(|n| edges[n].0.as_str())
                            .collect();
                        self.push(Error::Cycle {
                            at: edges[child].2.clone(),
                            kind,
                            chain: chain.join(" -> "),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Name and id of one item with their places, for uniqueness checks.
struct Ident {
    name: String,
    name_at: Location,
    id: i64,
    id_at: Location,
}

/// Reads name and id of an item (both required).
fn ident(
    ctx: &mut Ctx,
    node: &Node,
    section: &'static str,
    name_key: &'static str,
) -> Option<Ident> {
    let name_node = ctx.required(node, name_key, section);
    let id_node = ctx.required(node, "id", section);
    let name = name_node.and_then(|n| ctx.string(n, name_key));
    let id = id_node.and_then(|n| ctx.int(n, "id"));
    Some(Ident {
        name: name?,
        name_at: name_node?.at.clone(),
        id: id?,
        id_at: id_node?.at.clone(),
    })
}

fn read_file(path: &Path, at: Location) -> Result<Node, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        at,
        path: path.to_path_buf(),
        source,
    })?;
    yaml::parse(&text, Arc::from(path))
}

fn dir_of(at: &Location) -> PathBuf {
    at.file_arc()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Gathers the config nodes of a file and, recursively, of the files it includes.
fn gather(
    ctx: &mut Ctx,
    root: &Node,
    allowed: &[&'static str],
    stack: &mut Vec<PathBuf>,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<Node>,
) {
    if ctx.map(root, "analysis file", allowed).is_none() {
        return;
    }
    out.extend(ctx.list(root.get("configs"), "configs").iter().cloned());
    let includes = root
        .get("include")
        .map(|n| ctx.names(n, "include"))
        .unwrap_or_default();
    for (name, node) in includes {
        let path = dir_of(&node.at).join(&name);
        let key = path.canonicalize().unwrap_or_else(|_| path.clone());
        if stack.contains(&key) {
            ctx.push(Error::Cycle {
                at: node.at.clone(),
                kind: "include",
                chain: stack
                    .iter()
                    .chain([&key])
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" -> "),
            });
            continue;
        }
        // A file included along two paths contributes its configs once.
        if !seen.insert(key.clone()) {
            continue;
        }
        match read_file(&path, node.at.clone()) {
            Ok(included) => {
                stack.push(key);
                gather(ctx, &included, INCLUDE_KEYS, stack, seen, out);
                stack.pop();
            }
            Err(e) => ctx.push(e),
        }
    }
}

/// Loads an analysis file; see the crate docs for the format.
pub(crate) fn load(path: &Path) -> Result<Analysis, ConfigErrors> {
    let mut ctx = Ctx::default();
    let file: Arc<Path> = Arc::from(path);
    let root = read_file(path, Location::new(file.clone(), 1, 1))
        .map_err(|e| ConfigErrors::new(vec![e]))?;
    let name = ctx
        .required(&root, "analysis", "analysis file")
        .and_then(|n| ctx.string(n, "analysis"));
    let aux = root.get("aux").map(Node::to_json).unwrap_or_default();
    let mut nodes = Vec::new();
    let start = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut seen = HashSet::from([start.clone()]);
    gather(
        &mut ctx,
        &root,
        ANALYSIS_KEYS,
        &mut vec![start],
        &mut seen,
        &mut nodes,
    );

    let resolved = resolve_extends(&mut ctx, &nodes);
    let mut configs = Vec::new();
    let mut idents = Vec::new();
    for node in &resolved {
        if node.as_map().is_none() {
            ctx.wrong_type(node, "configs", "a list of mappings");
            continue;
        }
        if let Some(ident) = ident(&mut ctx, node, "config", "name") {
            idents.push(ident);
        }
        if let Some(config) = build_config(&mut ctx, node) {
            configs.push(config);
        }
    }
    ctx.unique("config", &idents);

    if !ctx.errors.is_empty() {
        // A base config's problems resurface in each config extending it: report them once.
        let mut seen = HashSet::new();
        let errors = ctx
            .errors
            .into_iter()
            .filter(|e| seen.insert(e.to_string()))
            .collect();
        return Err(ConfigErrors::new(errors));
    }
    Ok(Analysis {
        name: name.unwrap_or_default(),
        path: path.to_path_buf(),
        configs,
        aux,
    })
}

/// Merges each config with the configs it extends (base first, so the extending one wins).
fn resolve_extends(ctx: &mut Ctx, nodes: &[Node]) -> Vec<Node> {
    let names: Vec<Option<&str>> = nodes
        .iter()
        .map(|n| n.get("name").and_then(Node::as_str))
        .collect();
    let known: Vec<&str> = names.iter().flatten().copied().collect();
    let mut out = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let mut chain = vec![i];
        let mut merged = node.clone();
        let mut current = node;
        while let Some(base_ref) = current.get("extends") {
            let Some(base_name) = ctx.string(base_ref, "extends") else {
                break;
            };
            let Some(base) = names.iter().position(|n| *n == Some(base_name.as_str())) else {
                ctx.reference("config", &base_name, base_ref, &known);
                break;
            };
            if chain.contains(&base) {
                // Report each circle once: from its first config, where it closes.
                if base == i && chain.iter().all(|&j| j >= i) {
                    let chain_names: Vec<&str> = chain
                        .iter()
                        .chain([&base])
                        .map(|&j| names[j].unwrap_or("?"))
                        .collect();
                    ctx.push(Error::Cycle {
                        at: base_ref.at.clone(),
                        kind: "extends",
                        chain: chain_names.join(" -> "),
                    });
                }
                break;
            }
            chain.push(base);
            merged = yaml::merge(&strip_identity(&nodes[base]), &merged);
            current = &nodes[base];
        }
        out.push(merged);
    }
    out
}

/// A base config without what must not be inherited: its name, id and own `extends`.
fn strip_identity(node: &Node) -> Node {
    match &node.kind {
        Kind::Map(entries) => Node {
            kind: Kind::Map(
                entries
                    .iter()
                    .filter(|(k, _)| !matches!(k.as_str(), Some("name" | "id" | "extends")))
                    .cloned()
                    .collect(),
            ),
            at: node.at.clone(),
            quoted: false,
        },
        _ => node.clone(),
    }
}

/// Names written in a list of items, valid or not: a reference to an item that has problems of
/// its own is not reported a second time.
fn declared(node: Option<&Node>, key: &str) -> Vec<String> {
    node.and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|item| item.get(key)?.as_str().map(str::to_string))
        .collect()
}

fn build_config(ctx: &mut Ctx, node: &Node) -> Option<Config> {
    ctx.map(node, "config", CONFIG_KEYS)?;
    let name = node
        .get("name")
        .and_then(|n| n.as_str())
        .map(str::to_string);
    let id = node
        .get("id")
        .and_then(|n| n.as_str())
        .and_then(|s| s.parse().ok());
    let campaign = node.get("campaign").and_then(|n| ctx.string(n, "campaign"));
    let ecm = node.get("ecm").and_then(|n| ctx.float(n, "ecm"));
    let luminosity = node.get("luminosity").and_then(|n| build_lumi(ctx, n));

    let mut idents = Vec::new();
    let mut processes = Vec::new();
    for item in ctx.list(node.get("processes"), "processes") {
        if let Some((p, ident)) = build_process(ctx, item) {
            processes.push(p);
            idents.push(ident);
        }
    }
    ctx.unique("process", &idents);
    let process_names = declared(node.get("processes"), "name");
    let process_names: Vec<&str> = process_names.iter().map(String::as_str).collect();
    for item in ctx.list(node.get("processes"), "processes") {
        if let Some(children) = item.get("children") {
            for (child, at) in ctx.names(children, "children") {
                ctx.reference("process", &child, at, &process_names);
            }
        }
    }
    let edges: Vec<_> = processes
        .iter()
        .map(|p| (p.name.clone(), p.children.clone(), p.at.clone()))
        .collect();
    ctx.acyclic("process children", &edges);

    let mut idents = Vec::new();
    let mut datasets = Vec::new();
    for item in ctx.list(node.get("datasets"), "datasets") {
        if let Some((d, ident)) = build_dataset(ctx, item, &processes, &process_names) {
            datasets.push(d);
            idents.push(ident);
        }
    }
    ctx.unique("dataset", &idents);

    let (shift_sources, shifts) = build_shifts(ctx, node.get("shifts"));
    let source_names = declared(node.get("shifts"), "source");
    let source_names: Vec<&str> = source_names.iter().map(String::as_str).collect();

    let mut idents = Vec::new();
    let mut variables = Vec::new();
    for item in ctx.list(node.get("variables"), "variables") {
        if let Some((v, ident)) = build_variable(ctx, item) {
            variables.push(v);
            idents.push(ident);
        }
    }
    ctx.unique("variable", &idents);

    let categories = build_categories(ctx, node);
    let variable_names = declared(node.get("variables"), "name");
    let variable_names: Vec<&str> = variable_names.iter().map(String::as_str).collect();
    let mut category_names = declared(node.get("categories"), "name");
    category_names.extend(
        categories
            .iter()
            .filter(|c| !c.combines.is_empty())
            .map(|c| c.name.clone()),
    );
    let category_names: Vec<&str> = category_names.iter().map(String::as_str).collect();
    let defaults = node
        .get("defaults")
        .map(|n| build_defaults(ctx, n, &variable_names, &category_names))
        .unwrap_or_default();

    let mut external_files = BTreeMap::new();
    for (key, value) in ctx.section_entries(node, "external_files", "a mapping of names to paths") {
        let (Some(name), Some(path)) = (key.as_str(), ctx.string(value, "external_files")) else {
            continue;
        };
        if let Some(file) = resolve_files(ctx, &path, value, false).pop() {
            external_files.insert(name.to_string(), file);
        }
    }

    let mut keep_columns = BTreeMap::new();
    for (key, value) in ctx.section_entries(
        node,
        "keep_columns",
        "a mapping of task names to route patterns",
    ) {
        let Some(task) = key.as_str() else { continue };
        let mut set = ColumnSet::new();
        for (pattern, at) in ctx.names(value, "keep_columns") {
            match cf_columns::expand(&pattern) {
                Ok(routes) => routes.into_iter().for_each(|r| set.insert(r)),
                Err(source) => ctx.push(Error::InvalidRoute {
                    at: at.at.clone(),
                    source,
                }),
            }
        }
        keep_columns.insert(task.to_string(), set);
    }

    let mut event_weights = Vec::new();
    for (key, value) in ctx.section_entries(
        node,
        "event_weights",
        "a mapping of weight columns to shift sources",
    ) {
        let Some(column) = key.as_str() else { continue };
        let column = match Route::parse(column) {
            Ok(r) => Some(r),
            Err(source) => {
                ctx.push(Error::InvalidRoute {
                    at: key.at.clone(),
                    source,
                });
                None
            }
        };
        let mut varied = Vec::new();
        for (source, at) in ctx.names(value, "event_weights") {
            if ctx.reference("shift source", &source, at, &source_names) {
                varied.push(source);
            }
        }
        if let Some(column) = column {
            event_weights.push(EventWeight {
                column,
                shifts: varied,
            });
        }
    }

    let dataset_names = declared(node.get("datasets"), "name");
    let dataset_names: Vec<&str> = dataset_names.iter().map(String::as_str).collect();
    let inference_models = inference::build_models(
        ctx,
        node.get("inference_models"),
        &inference::Known {
            categories: &category_names,
            variables: &variable_names,
            process_names: &process_names,
            processes: &processes,
            dataset_names: &dataset_names,
            datasets: &datasets,
            shift_sources: &source_names,
        },
    );

    Some(Config {
        name: name?,
        id: id?,
        at: node.at.clone(),
        extends: node
            .get("extends")
            .and_then(Node::as_str)
            .map(str::to_string),
        campaign,
        ecm,
        luminosity,
        processes,
        datasets,
        shift_sources,
        shifts,
        variables,
        categories,
        external_files,
        defaults,
        keep_columns,
        event_weights,
        inference_models,
        aux: node.get("aux").map(Node::to_json).unwrap_or_default(),
    })
}

/// A number, or `{value, uncertainty}`.
fn value_uncertainty(
    ctx: &mut Ctx,
    node: &Node,
    section: &'static str,
    keys: &[&'static str],
) -> Option<(f64, Option<f64>)> {
    if node.as_map().is_some() {
        ctx.map(node, section, keys)?;
        let value = ctx
            .required(node, "value", section)
            .and_then(|n| ctx.float(n, "value"));
        let unc = node
            .get("uncertainty")
            .and_then(|n| ctx.float(n, "uncertainty"));
        Some((value?, unc))
    } else {
        ctx.float(node, section).map(|v| (v, None))
    }
}

fn build_lumi(ctx: &mut Ctx, node: &Node) -> Option<Luminosity> {
    let (value, uncertainty) = value_uncertainty(ctx, node, "luminosity", LUMI_KEYS)?;
    Some(Luminosity { value, uncertainty })
}

fn parse_color(ctx: &mut Ctx, node: &Node) -> Option<Color> {
    let text = ctx.string(node, "color")?;
    if let Some(hex) = text.strip_prefix('#') {
        let channel = |i: usize| {
            hex.get(i..i + 2)
                .and_then(|s| u8::from_str_radix(s, 16).ok())
        };
        if hex.len() == 6 {
            if let (Some(r), Some(g), Some(b)) = (channel(0), channel(2), channel(4)) {
                return Some(Color(r, g, b));
            }
        }
    } else if let Some((_, c)) = COLORS.iter().find(|(n, _)| *n == text) {
        return Some(*c);
    }
    ctx.push(Error::InvalidValue {
        at: node.at.clone(),
        what: "colour",
        suggestion: suggest(&text, COLORS.iter().map(|(n, _)| *n)),
        value: text,
        reason: "write `#rrggbb` (hex) or a colour name (black, red, blue, green, orange, …)"
            .to_string(),
    });
    None
}

fn build_process(ctx: &mut Ctx, node: &Node) -> Option<(Process, Ident)> {
    ctx.map(node, "process", PROCESS_KEYS)?;
    let ident = ident(ctx, node, "process", "name");
    let label = node.get("label").and_then(|n| ctx.string(n, "label"));
    let color = node.get("color").and_then(|n| parse_color(ctx, n));
    let is_data = node
        .get("is_data")
        .and_then(|n| ctx.boolean(n, "is_data"))
        .unwrap_or(false);
    let mut xsecs = Vec::new();
    if let Some(x) = node.get("xsec").filter(|n| !n.is_null()) {
        let entries = ctx.free_map(
            x,
            "xsec",
            "a mapping of energies (TeV) to cross sections (pb)",
        );
        for (key, value) in entries.unwrap_or_default() {
            let ecm = ctx.float(key, "xsec centre-of-mass energy (TeV)");
            let vu = value_uncertainty(ctx, value, "cross section", XSEC_KEYS);
            if let (Some(ecm), Some((value, uncertainty))) = (ecm, vu) {
                xsecs.push(CrossSection {
                    ecm,
                    value,
                    uncertainty,
                });
            }
        }
    }
    let children = node
        .get("children")
        .map(|n| {
            ctx.names(n, "children")
                .into_iter()
                .map(|(s, _)| s)
                .collect()
        })
        .unwrap_or_default();
    let ident = ident?;
    Some((
        Process {
            name: ident.name.clone(),
            id: ident.id,
            label: label.unwrap_or_else(|| ident.name.clone()),
            color,
            is_data,
            xsecs,
            children,
            aux: node.get("aux").map(Node::to_json).unwrap_or_default(),
            at: node.at.clone(),
        },
        ident,
    ))
}

/// Resolves a path or glob relative to the file naming it; URLs are kept as they are.
fn resolve_files(ctx: &mut Ctx, pattern: &str, node: &Node, allow_glob: bool) -> Vec<FileRef> {
    if REMOTE_PREFIXES.iter().any(|p| pattern.starts_with(p)) {
        return vec![FileRef::Remote(pattern.to_string())];
    }
    let base = dir_of(&node.at);
    let path = base.join(pattern);
    let no_files = |ctx: &mut Ctx| {
        ctx.push(Error::NoFiles {
            at: node.at.clone(),
            pattern: pattern.to_string(),
            base: base.clone(),
        })
    };
    if allow_glob && pattern.contains(['*', '?', '[']) {
        // The directory is taken literally: only the pattern as written may hold wildcards.
        let base_text = glob::Pattern::escape(&base.to_string_lossy());
        let text = if Path::new(pattern).is_absolute() || base_text.is_empty() {
            pattern.to_string()
        } else {
            format!("{base_text}/{pattern}")
        };
        let prefix = text.chars().count() - pattern.chars().count();
        match glob::glob(&text) {
            Ok(paths) => {
                let mut found: Vec<PathBuf> = paths
                    .filter_map(|p| p.ok())
                    .filter(|p| p.is_file())
                    .collect();
                found.sort();
                if found.is_empty() {
                    no_files(ctx);
                }
                found.into_iter().map(FileRef::Local).collect()
            }
            Err(e) => {
                ctx.push(Error::InvalidValue {
                    at: node.text_at(e.pos.saturating_sub(prefix)),
                    what: "glob",
                    value: pattern.to_string(),
                    reason: e.msg.to_string(),
                    suggestion: None,
                });
                Vec::new()
            }
        }
    } else if path.is_file() {
        vec![FileRef::Local(path)]
    } else {
        no_files(ctx);
        Vec::new()
    }
}

fn build_dataset(
    ctx: &mut Ctx,
    node: &Node,
    processes: &[Process],
    known: &[&str],
) -> Option<(Dataset, Ident)> {
    let entries = ctx.map(node, "dataset", DATASET_KEYS)?;
    let ident = ident(ctx, node, "dataset", "name");
    let kind = ctx.required(node, "kind", "dataset").and_then(|n| {
        ctx.keyword(
            n,
            "kind",
            "dataset kind",
            &[("data", DatasetKind::Data), ("mc", DatasetKind::Mc)],
            "a dataset is `data` or `mc`",
        )
    });
    let mut names = Vec::new();
    if let Some(list) = ctx.required(node, "processes", "dataset") {
        for (name, at) in ctx.names(list, "processes") {
            if ctx.reference("process", &name, at, known) {
                let is_data = processes.iter().any(|p| p.name == name && p.is_data);
                if let Some(kind) = kind.filter(|k| (*k == DatasetKind::Data) != is_data) {
                    ctx.push(Error::InvalidValue {
                        at: at.at.clone(),
                        what: "process for this dataset",
                        value: name.clone(),
                        reason: format!(
                            "a {} dataset needs {} processes; set `is_data` on the process or change the dataset's `kind`",
                            if kind == DatasetKind::Data { "data" } else { "mc" },
                            if kind == DatasetKind::Data { "data (`is_data: true`)" } else { "simulated" }
                        ),
                        suggestion: None,
                    });
                }
            }
            names.push(name);
        }
    }
    // Both sources are read even when both are given, so that their own problems are
    // reported along with the conflict.
    let files_entry = given(entries, "files");
    let generate_entry = given(entries, "generate");
    let mut files = Vec::new();
    if let Some((_, _, list)) = files_entry {
        for (pattern, at) in ctx.names(list, "files") {
            files.extend(resolve_files(ctx, &pattern, at, true));
        }
    }
    let generate =
        generate_entry.and_then(|(_, _, g)| build_generate(ctx, g, ident.as_ref().map(|i| i.id)));
    match (files_entry, generate_entry) {
        (Some((files_index, files_key, _)), Some((generate_index, generate_key, _))) => {
            // Point at the key that comes second in the mapping: under `extends` it is the one
            // an extending config merged in (merging appends new keys).
            let [(other, first), (key, second)] = if files_index < generate_index {
                [("files", files_key), ("generate", generate_key)]
            } else {
                [("generate", generate_key), ("files", files_key)]
            };
            ctx.push(Error::ConflictingKeys {
                at: second.at.clone(),
                section: "dataset",
                key,
                other,
                other_at: first.at.clone(),
            });
        }
        (None, None) => ctx.push(Error::MissingEither {
            at: node.at.clone(),
            section: "dataset",
            first: "files",
            second: "generate",
            hint: "`files` lists the files to read, `generate` makes toy events instead",
        }),
        _ => {}
    }
    let n_events = count_of(ctx, node, "n_events");
    let n_files = count_of(ctx, node, "n_files");
    let (n_events, n_files) = match &generate {
        Some(g) => (
            Some(generated_count(
                ctx, "n_events", n_events, g.events, "events", g,
            )),
            Some(generated_count(
                ctx, "n_files", n_files, g.files, "files", g,
            )),
        ),
        None => (n_events.map(|(n, _)| n), n_files.map(|(n, _)| n)),
    };
    let tags = node
        .get("tags")
        .map(|n| ctx.names(n, "tags").into_iter().map(|(s, _)| s).collect())
        .unwrap_or_default();
    let ident = ident?;
    Some((
        Dataset {
            name: ident.name.clone(),
            id: ident.id,
            kind: kind?,
            processes: names,
            files,
            generate,
            n_events,
            n_files,
            tags,
            aux: node.get("aux").map(Node::to_json).unwrap_or_default(),
            at: node.at.clone(),
        },
        ident,
    ))
}

/// The key `key` of a mapping's entries with its index and value, unless absent or null: a
/// null value is how an extending config takes back a key of its base.
fn given<'a>(entries: &'a [(Node, Node)], key: &str) -> Option<(usize, &'a Node, &'a Node)> {
    entries
        .iter()
        .enumerate()
        .find(|(_, (k, v))| k.as_str() == Some(key) && !v.is_null())
        .map(|(i, (k, v))| (i, k, v))
}

/// An optional count of a dataset with the node it was read from.
fn count_of<'a>(ctx: &mut Ctx, node: &'a Node, key: &str) -> Option<(u64, &'a Node)> {
    let value = node.get(key)?;
    ctx.count(value, key).map(|n| (n, value))
}

/// `generate: {model, events, files, seed}` of a dataset; the seed defaults to the dataset id.
fn build_generate(ctx: &mut Ctx, node: &Node, dataset_id: Option<i64>) -> Option<Generate> {
    ctx.map(node, "generate", GENERATE_KEYS)?;
    let model = ctx
        .required(node, "model", "generate")
        .and_then(|n| ctx.string(n, "model"));
    let events_node = ctx.required(node, "events", "generate");
    let events = events_node.and_then(|n| ctx.count(n, "events"));
    let files_node = node.get("files");
    let files = files_node.map_or(Some(1), |n| ctx.count(n, "files"));
    let seed = match node.get("seed") {
        Some(n) => ctx.count(n, "seed"),
        // Two's complement keeps distinct ids distinct seeds; a missing id is reported already.
        None => dataset_id.map(|id| id as u64),
    };
    if let (Some(0), Some(at)) = (events, events_node) {
        ctx.push(Error::InvalidValue {
            at: at.at.clone(),
            what: "number of generated events",
            value: "0".to_string(),
            reason: "generate at least one event".to_string(),
            suggestion: None,
        });
    }
    let files_problem = match (files, events) {
        (Some(0), _) => Some("a generated dataset has at least one file (1 when left out)".to_string()),
        (Some(files), Some(events)) if events > 0 && files > events => Some(format!(
            "{events} event(s) cannot fill {files} files (each file holds at least one event); use at most {events}"
        )),
        _ => None,
    };
    if let (Some(reason), Some(at), Some(files)) = (files_problem, files_node, files) {
        ctx.push(Error::InvalidValue {
            at: at.at.clone(),
            what: "number of generated files",
            value: files.to_string(),
            reason,
            suggestion: None,
        });
    }
    Some(Generate {
        model: model?,
        events: events.filter(|&e| e > 0)?,
        files: files.filter(|&f| f > 0)?,
        seed: seed?,
        at: node.at.clone(),
    })
}

/// `n_events` or `n_files` of a generated dataset: what `generate` makes, which a written value
/// must agree with.
fn generated_count(
    ctx: &mut Ctx,
    key: &'static str,
    written: Option<(u64, &Node)>,
    made: u64,
    generate_key: &str,
    generate: &Generate,
) -> u64 {
    if let Some((value, at)) = written.filter(|(value, _)| *value != made) {
        ctx.push(Error::InvalidValue {
            at: at.at.clone(),
            what: key,
            value: value.to_string(),
            reason: format!(
                "`generate` (at {}) makes {made} {generate_key}; write {made} or leave `{key}` out (it is filled from `generate`)",
                generate.at
            ),
            suggestion: None,
        });
    }
    made
}

/// Fills the placeholders of an alias source for one shift.
fn expand_alias(pattern: &str, source: &str, direction: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            return Err("an unclosed `{`".to_string());
        };
        let key = &rest[open + 1..open + close];
        match key {
            _ if key.contains(',') => {
                out.push_str(&rest[open..=open + close]);
            }
            "name" => out.push_str(&format!("{source}_{direction}")),
            "source" => out.push_str(source),
            "direction" => out.push_str(direction),
            _ => {
                return Err(format!(
                    "unknown placeholder `{{{key}}}`{}; use {{name}}, {{source}} or {{direction}}",
                    suggest(key, ["name", "source", "direction"])
                        .map(|s| format!(" (did you mean `{{{s}}}`?)"))
                        .unwrap_or_default()
                ))
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `(destination, source)` routes of one shift.
type AliasPairs = Vec<(Route, Route)>;

/// Reads a source's aliases: destination pattern → source pattern with placeholders. Both sides
/// may use braces (`Jet.{pt,mass}: "Jet.{pt,mass}_{name}"`) and must expand to as many routes.
/// Returns the patterns as written and the route pairs of the up and down shifts.
fn build_aliases(
    ctx: &mut Ctx,
    node: Option<&Node>,
    source: &str,
) -> (Vec<(String, String)>, [AliasPairs; 2]) {
    let mut written = Vec::new();
    let mut expanded: [AliasPairs; 2] = [Vec::new(), Vec::new()];
    let Some(map) = node.filter(|n| !n.is_null()) else {
        return (written, expanded);
    };
    let Some(entries) = ctx.free_map(map, "aliases", "a mapping of routes to routes") else {
        return (written, expanded);
    };
    for (key, value) in entries {
        let Some(dest_text) = key.as_str() else {
            continue;
        };
        let dest = cf_columns::expand(dest_text).map_err(|source| Error::InvalidRoute {
            at: key.at.clone(),
            source,
        });
        let dest = match dest {
            Ok(routes) => Some(routes),
            Err(e) => {
                ctx.push(e);
                None
            }
        };
        let Some(pattern) = ctx.string(value, "aliases") else {
            continue;
        };
        let mut pairs: [AliasPairs; 2] = [Vec::new(), Vec::new()];
        for (slot, direction) in pairs.iter_mut().zip(["up", "down"]) {
            let routes = expand_alias(&pattern, source, direction)
                .map_err(|reason| Error::InvalidValue {
                    at: value.at.clone(),
                    what: "alias",
                    value: pattern.clone(),
                    reason,
                    suggestion: None,
                })
                .and_then(|text| {
                    cf_columns::expand(&text).map_err(|source| Error::InvalidRoute {
                        at: value.at.clone(),
                        source,
                    })
                });
            let routes = match routes {
                Ok(routes) => routes,
                Err(e) => {
                    ctx.push(e);
                    break;
                }
            };
            let Some(dest) = &dest else { break };
            if routes.len() != dest.len() {
                ctx.push(Error::InvalidValue {
                    at: value.at.clone(),
                    what: "alias",
                    value: pattern.clone(),
                    reason: format!(
                        "`{dest_text}` expands to {} route(s) but the source to {}; both sides must expand to as many",
                        dest.len(),
                        routes.len()
                    ),
                    suggestion: None,
                });
                break;
            }
            *slot = dest.iter().cloned().zip(routes).collect();
        }
        if pairs.iter().all(|p| !p.is_empty()) {
            for (all, new) in expanded.iter_mut().zip(pairs) {
                all.extend(new);
            }
            written.push((dest_text.to_string(), pattern));
        }
    }
    (written, expanded)
}

fn build_shifts(ctx: &mut Ctx, node: Option<&Node>) -> (Vec<ShiftSource>, Vec<Shift>) {
    let mut sources = Vec::new();
    let mut shifts = vec![Shift {
        name: "nominal".to_string(),
        id: 0,
        source: None,
        direction: Direction::Nominal,
        kind: ShiftType::Shape,
        aliases: Vec::new(),
    }];
    let mut idents = Vec::new();
    let list = ctx.list(node, "shifts");
    for item in list {
        if ctx.map(item, "shift source", SHIFT_KEYS).is_none() {
            continue;
        }
        let ident = ident(ctx, item, "shift source", "source");
        let kind = ctx.required(item, "type", "shift source").and_then(|n| {
            ctx.keyword(
                n,
                "type",
                "shift type",
                &[("shape", ShiftType::Shape), ("rate", ShiftType::Rate)],
                "a shift source is of type `shape` (changes columns) or `rate`",
            )
        });
        let Some(ident) = ident else { continue };
        if ident.name == "nominal"
            || !ident
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            ctx.push(Error::InvalidValue {
                at: ident.name_at.clone(),
                what: "shift source name",
                value: ident.name.clone(),
                reason: "use letters, digits and `_`, and not `nominal` (it exists already)"
                    .to_string(),
                suggestion: None,
            });
        }
        let (aliases, expanded) = build_aliases(ctx, item.get("aliases"), &ident.name);
        idents.push(Ident {
            name: format!("{}_up", ident.name),
            name_at: ident.name_at.clone(),
            id: ident.id,
            id_at: ident.id_at.clone(),
        });
        idents.push(Ident {
            name: format!("{}_down", ident.name),
            name_at: ident.name_at.clone(),
            id: ident.id + 1,
            id_at: ident.id_at.clone(),
        });
        let Some(kind) = kind else { continue };
        let [up, down] = expanded;
        for (direction, suffix, id, aliases) in [
            (Direction::Up, "up", ident.id, up),
            (Direction::Down, "down", ident.id + 1, down),
        ] {
            shifts.push(Shift {
                name: format!("{}_{suffix}", ident.name),
                id,
                source: Some(ident.name.clone()),
                direction,
                kind,
                aliases,
            });
        }
        sources.push(ShiftSource {
            name: ident.name,
            kind,
            id: ident.id,
            aliases,
            aux: item.get("aux").map(Node::to_json).unwrap_or_default(),
            at: item.at.clone(),
        });
    }
    if let Some(first) = list.first() {
        // `nominal` takes id 0; a source may not reuse it.
        idents.insert(
            0,
            Ident {
                name: "nominal".to_string(),
                name_at: first.at.clone(),
                id: 0,
                id_at: first.at.clone(),
            },
        );
    }
    ctx.unique("shift", &idents);
    (sources, shifts)
}

fn build_variable(ctx: &mut Ctx, node: &Node) -> Option<(Variable, Ident)> {
    ctx.map(node, "variable", VARIABLE_KEYS)?;
    let ident = ident(ctx, node, "variable", "name");
    let (text, text_node) = match node.get("expression") {
        Some(n) => (ctx.string(n, "expression"), n.clone()),
        None => (
            ident.as_ref().map(|i| i.name.clone()),
            node.get("name")?.clone(),
        ),
    };
    let expression = text.as_ref().and_then(|text| match Expr::parse(text) {
        Ok(e) => Some(e),
        Err(e) => {
            ctx.push(Error::InvalidExpression {
                at: text_node.text_at(e.offset),
                expression: text.clone(),
                reason: e.reason,
            });
            None
        }
    });
    let binning = match (node.get("binning"), node.get("edges")) {
        (Some(b), None) => regular_binning(ctx, b),
        (None, Some(e)) => edge_binning(ctx, e),
        (Some(_), Some(e)) => {
            ctx.push(Error::InvalidValue {
                at: e.at.clone(),
                what: "binning",
                value: "binning and edges".to_string(),
                reason: "give either `binning: [n, lo, hi]` or `edges: [...]`, not both"
                    .to_string(),
                suggestion: None,
            });
            None
        }
        (None, None) => {
            ctx.push(Error::MissingKey {
                at: node.at.clone(),
                key: "binning",
                section: "variable",
            });
            None
        }
    };
    let null_value = node
        .get("null_value")
        .and_then(|n| ctx.float(n, "null_value"));
    let x_title = node.get("x_title").and_then(|n| ctx.string(n, "x_title"));
    let unit = node.get("unit").and_then(|n| ctx.string(n, "unit"));
    let discrete = node
        .get("discrete")
        .and_then(|n| ctx.boolean(n, "discrete"))
        .unwrap_or(false);
    let ident = ident?;
    Some((
        Variable {
            name: ident.name.clone(),
            id: ident.id,
            expression_text: text?,
            expression: expression?,
            binning: binning?,
            null_value,
            x_title: x_title.unwrap_or_else(|| ident.name.clone()),
            unit,
            discrete,
            aux: node.get("aux").map(Node::to_json).unwrap_or_default(),
            at: node.at.clone(),
        },
        ident,
    ))
}

fn regular_binning(ctx: &mut Ctx, node: &Node) -> Option<Binning> {
    let items = node.as_seq().filter(|items| items.len() == 3);
    let Some(items) = items else {
        ctx.wrong_type(
            node,
            "binning",
            "`[n, lo, hi]` (use `edges: [...]` for explicit edges)",
        );
        return None;
    };
    let n = ctx.count(&items[0], "binning n");
    let lo = ctx.float(&items[1], "binning lo");
    let hi = ctx.float(&items[2], "binning hi");
    let (n, lo, hi) = (n?, lo?, hi?);
    let n_ok = u32::try_from(n).ok().filter(|&n| n > 0);
    match n_ok {
        Some(n) if lo < hi => Some(Binning::Regular { n, lo, hi }),
        _ => {
            ctx.push(Error::InvalidValue {
                at: node.at.clone(),
                what: "binning",
                value: format!("[{n}, {lo}, {hi}]"),
                reason: "need at least one bin and lo < hi".to_string(),
                suggestion: None,
            });
            None
        }
    }
}

fn edge_binning(ctx: &mut Ctx, node: &Node) -> Option<Binning> {
    let items = ctx.list(Some(node), "edges");
    let edges: Vec<Option<f64>> = items.iter().map(|n| ctx.float(n, "edges")).collect();
    let edges: Vec<f64> = edges.into_iter().collect::<Option<_>>()?;
    if edges.len() < 2 || edges.windows(2).any(|w| w[0] >= w[1]) {
        ctx.push(Error::InvalidValue {
            at: node.at.clone(),
            what: "edges",
            value: format!("{edges:?}"),
            reason: "need at least two strictly increasing edges".to_string(),
            suggestion: None,
        });
        return None;
    }
    Some(Binning::Edges(edges))
}

fn build_categories(ctx: &mut Ctx, config: &Node) -> Vec<Category> {
    let mut idents = Vec::new();
    let mut categories = Vec::new();
    let items = ctx.list(config.get("categories"), "categories");
    for node in items {
        if ctx.map(node, "category", CATEGORY_KEYS).is_none() {
            continue;
        }
        let ident = ident(ctx, node, "category", "name");
        let label = node.get("label").and_then(|n| ctx.string(n, "label"));
        let categorizers = node
            .get("categorizers")
            .map(|n| {
                ctx.names(n, "categorizers")
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect()
            })
            .unwrap_or_default();
        let children = node
            .get("children")
            .map(|n| {
                ctx.names(n, "children")
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect()
            })
            .unwrap_or_default();
        let Some(ident) = ident else { continue };
        categories.push(Category {
            name: ident.name.clone(),
            id: ident.id,
            label: label.unwrap_or_else(|| ident.name.clone()),
            categorizers,
            children,
            combines: Vec::new(),
            aux: node.get("aux").map(Node::to_json).unwrap_or_default(),
            at: node.at.clone(),
        });
        idents.push(ident);
    }

    if let Some(groups) = config.get("category_groups").filter(|n| !n.is_null()) {
        let generated = combine(ctx, config, groups, &mut categories);
        idents.extend(generated);
    }
    ctx.unique("category", &idents);

    let mut known = declared(config.get("categories"), "name");
    known.extend(
        categories
            .iter()
            .filter(|c| !c.combines.is_empty())
            .map(|c| c.name.clone()),
    );
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    for node in items {
        if let Some(children) = node.get("children") {
            for (child, at) in ctx.names(children, "children") {
                ctx.reference("category", &child, at, &known);
            }
        }
    }
    let edges: Vec<_> = categories
        .iter()
        .map(|c| (c.name.clone(), c.children.clone(), c.at.clone()))
        .collect();
    ctx.acyclic("category children", &edges);
    categories
}

/// Generates the combinations of category groups, like columnflow's
/// `add_category_combinations`: for every choice of two or more groups (in declared order), one
/// category per member of each chosen group, named `a__b`, with the summed id and all parts'
/// categorizers; each becomes a child of the combinations (or categories) it refines.
fn combine(
    ctx: &mut Ctx,
    config: &Node,
    groups: &Node,
    categories: &mut Vec<Category>,
) -> Vec<Ident> {
    let Some(entries) = ctx.free_map(
        groups,
        "category_groups",
        "a mapping of group names to category lists",
    ) else {
        return Vec::new();
    };
    let known = declared(config.get("categories"), "name");
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (_, list) in entries {
        let mut group = Vec::new();
        for (name, at) in ctx.names(list, "category_groups") {
            if ctx.reference("category", &name, at, &known) {
                if let Some(i) = categories.iter().position(|c| c.name == name) {
                    group.push(i);
                }
            }
        }
        members.push(group);
    }
    let mut idents = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for (i, c) in categories.iter().enumerate() {
        position.entry(c.name.clone()).or_insert(i);
    }
    let n_groups = members.len();
    if n_groups > 16 {
        ctx.push(Error::InvalidValue {
            at: groups.at.clone(),
            what: "category_groups",
            value: format!("{n_groups} groups"),
            reason: "at most 16 groups can be combined".to_string(),
            suggestion: None,
        });
        return idents;
    }
    let mut masks: Vec<u32> = (1u32..(1 << n_groups))
        .filter(|m| m.count_ones() >= 2)
        .collect();
    masks.sort_by_key(|m| (m.count_ones(), m.reverse_bits()));
    for mask in masks {
        let chosen: Vec<&Vec<usize>> = (0..n_groups)
            .filter(|g| mask & (1 << g) != 0)
            .map(|g| &members[g])
            .collect();
        let mut combos: Vec<Vec<usize>> = vec![Vec::new()];
        for group in chosen {
            combos = combos
                .into_iter()
                .flat_map(|prefix| {
                    group.iter().map(move |&m| {
                        let mut next = prefix.clone();
                        next.push(m);
                        next
                    })
                })
                .collect();
        }
        for parts in combos {
            let part_names: Vec<String> =
                parts.iter().map(|&i| categories[i].name.clone()).collect();
            let name = part_names.join("__");
            let id = parts.iter().map(|&i| categories[i].id).sum();
            let combined = Category {
                name: name.clone(),
                id,
                label: parts
                    .iter()
                    .map(|&i| categories[i].label.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                categorizers: parts
                    .iter()
                    .flat_map(|&i| categories[i].categorizers.iter().cloned())
                    .collect(),
                children: Vec::new(),
                combines: part_names.clone(),
                aux: serde_json::Value::Null,
                at: groups.at.clone(),
            };
            for skip in 0..part_names.len() {
                let parent: Vec<&str> = part_names
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != skip)
                    .map(|(_, n)| n.as_str())
                    .collect();
                if let Some(&p) = position.get(&parent.join("__")) {
                    let children = &mut categories[p].children;
                    if !children.contains(&name) {
                        children.push(name.clone());
                    }
                }
            }
            position.entry(name.clone()).or_insert(categories.len());
            idents.push(Ident {
                name,
                name_at: groups.at.clone(),
                id,
                id_at: groups.at.clone(),
            });
            categories.push(combined);
        }
    }
    idents
}

fn build_defaults(ctx: &mut Ctx, node: &Node, variables: &[&str], categories: &[&str]) -> Defaults {
    if ctx.map(node, "defaults", DEFAULTS_KEYS).is_none() {
        return Defaults::default();
    }
    let names = |ctx: &mut Ctx, key: &'static str, known: Option<(&'static str, &[&str])>| {
        let Some(n) = node.get(key) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, at) in ctx.names(n, key) {
            if let Some((kind, known)) = known {
                if !ctx.reference(kind, &name, at, known) {
                    continue;
                }
            }
            out.push(name);
        }
        out
    };
    Defaults {
        calibrators: names(ctx, "calibrators", None),
        selector: names(ctx, "selector", None).pop(),
        producers: names(ctx, "producers", None),
        variables: names(ctx, "variables", Some(("variable", variables))),
        categories: names(ctx, "categories", Some(("category", categories))),
        weight_producer: names(ctx, "weight_producer", None).pop(),
    }
}
