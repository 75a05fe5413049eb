//! The `inference_models` key: statistical models for CMS combine, checked against the config
//! they belong to (categories, variables, datasets, processes, shift sources).

use std::collections::{HashMap, HashSet, VecDeque};

use super::{declared, Ctx};
use crate::error::{Error, Location};
use crate::model::{
    Channel, Dataset, InferenceModel, InferenceProcess, LnNEffect, Process, Systematic,
    SystematicKind,
};
use crate::yaml::Node;

const MODEL_KEYS: &[&str] = &[
    "name",
    "channels",
    "processes",
    "systematics",
    "auto_mc_stats",
];
const CHANNEL_KEYS: &[&str] = &["name", "category", "variable", "data_datasets"];
const PROCESS_KEYS: &[&str] = &["name", "processes", "signal"];
const SYSTEMATIC_KEYS: &[&str] = &["name", "type", "value", "shift_source", "processes"];
const KAPPA_KEYS: &[&str] = &["up", "down"];

/// What the config around the models declares, for the references they make.
pub(super) struct Known<'a> {
    /// Category names, declared and generated.
    pub categories: &'a [&'a str],
    /// Variable names.
    pub variables: &'a [&'a str],
    /// Process names as written (also those of processes with problems of their own).
    pub process_names: &'a [&'a str],
    /// The processes that were built, for `is_data` and children.
    pub processes: &'a [Process],
    /// Dataset names as written.
    pub dataset_names: &'a [&'a str],
    /// The datasets that were built, for their kind.
    pub datasets: &'a [Dataset],
    /// Shift source names.
    pub shift_sources: &'a [&'a str],
}

#[derive(Clone, Copy)]
enum Type {
    LnN,
    Shape,
}

pub(super) fn build_models(
    ctx: &mut Ctx,
    node: Option<&Node>,
    known: &Known,
) -> Vec<InferenceModel> {
    let items = ctx.list(node, "inference_models");
    let models = items
        .iter()
        .filter_map(|item| build_model(ctx, item, known))
        .collect();
    unique_names(ctx, "inference model", items);
    models
}

fn build_model(ctx: &mut Ctx, node: &Node, known: &Known) -> Option<InferenceModel> {
    ctx.map(node, "inference model", MODEL_KEYS)?;
    let name = name(ctx, node, "inference model", "inference model name");

    let channel_list = non_empty(ctx, node, "channels", "channel");
    let channels = channel_list
        .iter()
        .filter_map(|item| build_channel(ctx, item, known))
        .collect();
    unique_names(ctx, "channel", channel_list);

    let process_list = non_empty(ctx, node, "processes", "process");
    let processes: Vec<InferenceProcess> = process_list
        .iter()
        .filter_map(|item| build_process(ctx, item, known))
        .collect();
    unique_names(ctx, "inference process", process_list);
    counted_once(ctx, process_list, known.processes);
    if !processes.is_empty()
        && processes.len() == process_list.len()
        && processes.iter().all(|p| !p.signal)
    {
        if let Some(list) = node.get("processes") {
            ctx.push(Error::InvalidValue {
                at: list.at.clone(),
                what: "inference processes",
                value: processes
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                reason: "none has `signal: true`; combine needs at least one signal process"
                    .to_string(),
                suggestion: None,
            });
        }
    }

    let inference_names = declared(node.get("processes"), "name");
    let inference_names: Vec<&str> = inference_names.iter().map(String::as_str).collect();
    let systematic_list = ctx.list(node.get("systematics"), "systematics");
    let systematics = systematic_list
        .iter()
        .filter_map(|item| build_systematic(ctx, item, known, &inference_names))
        .collect();
    unique_names(ctx, "systematic", systematic_list);

    let auto_mc_stats = node
        .get("auto_mc_stats")
        .filter(|n| !n.is_null())
        .and_then(|n| {
            ctx.parsed(
                n,
                "auto_mc_stats",
                "a non-negative number (combine's autoMCStats event threshold, e.g. 10)",
                |v: &f64| v.is_finite() && *v >= 0.0,
            )
        });

    Some(InferenceModel {
        name: name?,
        channels,
        processes,
        systematics,
        auto_mc_stats,
        at: node.at.clone(),
    })
}

/// The items of the required list `key`; an absent or empty list is reported.
fn non_empty<'a>(
    ctx: &mut Ctx,
    node: &'a Node,
    key: &'static str,
    item: &'static str,
) -> &'a [Node] {
    let list = ctx.required(node, key, "inference model");
    let items = ctx.list(list, key);
    if let Some(list) = list.filter(|n| is_empty_list(n)) {
        ctx.push(Error::InvalidValue {
            at: list.at.clone(),
            what: key,
            value: "[]".to_string(),
            reason: format!("an inference model needs at least one {item}"),
            suggestion: None,
        });
    }
    items
}

/// Null or `[]` (a list of the wrong type is reported as such, not as empty).
fn is_empty_list(node: &Node) -> bool {
    node.is_null() || node.as_seq().is_some_and(<[Node]>::is_empty)
}

/// The items of a name list as written: a list's items, or the one name.
fn listed(node: &Node) -> impl Iterator<Item = (&str, &Node)> {
    node.as_seq()
        .unwrap_or(std::slice::from_ref(node))
        .iter()
        .filter_map(|n| Some((n.as_str()?, n)))
}

/// The item's `name`: required, and usable in a datacard (letters, digits, `_`).
fn name(ctx: &mut Ctx, node: &Node, section: &'static str, what: &'static str) -> Option<String> {
    let name_node = ctx.required(node, "name", section)?;
    let name = ctx.string(name_node, "name")?;
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        ctx.push(Error::InvalidValue {
            at: name_node.at.clone(),
            what,
            value: name.clone(),
            reason: "use letters, digits and `_` (datacards separate fields by spaces)".to_string(),
            suggestion: None,
        });
    }
    Some(name)
}

/// Reports items of one list sharing a name (also items with problems of their own).
fn unique_names(ctx: &mut Ctx, kind: &'static str, items: &[Node]) {
    let mut first: HashMap<&str, &Location> = HashMap::new();
    for name in items.iter().filter_map(|item| item.get("name")) {
        let Some(text) = name.as_str() else { continue };
        if let Some(first) = first.insert(text, &name.at) {
            ctx.push(Error::Duplicate {
                at: name.at.clone(),
                kind,
                field: "name",
                value: text.to_string(),
                first: first.clone(),
            });
        }
    }
}

/// A reference that must name one of `known`: `Some(name)` when it does.
fn reference(
    ctx: &mut Ctx,
    node: &Node,
    key: &str,
    kind: &'static str,
    known: &[&str],
) -> Option<String> {
    let name = ctx.string(node, key)?;
    ctx.reference(kind, &name, node, known).then_some(name)
}

/// The names of a list, each once: a repeat is reported (it would be counted twice).
fn distinct<'a>(ctx: &mut Ctx, node: &'a Node, key: &str) -> Vec<(String, &'a Node)> {
    let mut seen: HashMap<String, &Location> = HashMap::new();
    let mut out = Vec::new();
    for (name, at) in ctx.names(node, key) {
        if let Some(first) = seen.get(&name) {
            ctx.push(Error::InvalidValue {
                at: at.at.clone(),
                what: "repeated entry",
                value: name.clone(),
                reason: format!("`{key}` lists it already at {first}; list it once"),
                suggestion: None,
            });
            continue;
        }
        seen.insert(name.clone(), &at.at);
        out.push((name, at));
    }
    out
}

fn build_channel(ctx: &mut Ctx, node: &Node, known: &Known) -> Option<Channel> {
    ctx.map(node, "channel", CHANNEL_KEYS)?;
    let name = name(ctx, node, "channel", "channel name");
    let category = ctx
        .required(node, "category", "channel")
        .and_then(|n| reference(ctx, n, "category", "category", known.categories));
    let variable = ctx
        .required(node, "variable", "channel")
        .and_then(|n| reference(ctx, n, "variable", "variable", known.variables));
    let mut data_datasets = Vec::new();
    if let Some(list) = node.get("data_datasets") {
        for (dataset, at) in distinct(ctx, list, "data_datasets") {
            if !ctx.reference("dataset", &dataset, at, known.dataset_names) {
                continue;
            }
            let simulated = known
                .datasets
                .iter()
                .any(|d| d.name == dataset && !d.is_data());
            if simulated {
                ctx.push(Error::InvalidValue {
                    at: at.at.clone(),
                    what: "data dataset",
                    value: dataset.clone(),
                    reason: "it is a simulated (`kind: mc`) dataset; list data datasets here, or leave `data_datasets` out for an Asimov data_obs (the sum of all processes)".to_string(),
                    suggestion: None,
                });
            }
            data_datasets.push(dataset);
        }
    }
    Some(Channel {
        name: name?,
        category: category?,
        variable: variable?,
        data_datasets,
        at: node.at.clone(),
    })
}

fn build_process(ctx: &mut Ctx, node: &Node, known: &Known) -> Option<InferenceProcess> {
    ctx.map(node, "inference process", PROCESS_KEYS)?;
    let name = name(ctx, node, "inference process", "inference process name");
    let mut processes = Vec::new();
    if let Some(list) = ctx.required(node, "processes", "inference process") {
        for (process, at) in distinct(ctx, list, "processes") {
            if !ctx.reference("process", &process, at, known.process_names) {
                continue;
            }
            if known
                .processes
                .iter()
                .any(|p| p.name == process && p.is_data)
            {
                ctx.push(Error::InvalidValue {
                    at: at.at.clone(),
                    what: "process for an inference process",
                    value: process.clone(),
                    reason: "it is a data process (`is_data: true`); data enters a model through a channel's `data_datasets`".to_string(),
                    suggestion: None,
                });
            }
            processes.push(process);
        }
        if is_empty_list(list) {
            ctx.push(Error::InvalidValue {
                at: list.at.clone(),
                what: "processes",
                value: "[]".to_string(),
                reason: "an inference process sums at least one config process".to_string(),
                suggestion: None,
            });
        }
    }
    let signal = node
        .get("signal")
        .and_then(|n| ctx.boolean(n, "signal"))
        .unwrap_or(false);
    Some(InferenceProcess {
        name: name?,
        processes,
        signal,
        at: node.at.clone(),
    })
}

/// Reports a config process that would be counted twice in one model: listed by two inference
/// processes, or listed next to a parent that already includes it as a child.
fn counted_once(ctx: &mut Ctx, items: &[Node], processes: &[Process]) {
    // config process -> (inference process, listed process that brought it in)
    let mut owner: HashMap<String, (String, String)> = HashMap::new();
    for item in items {
        let Some(inference) = item.get("name").and_then(Node::as_str) else {
            continue;
        };
        let Some(list) = item.get("processes") else {
            continue;
        };
        for (listed, at) in listed(list) {
            let tree = process_tree(listed, processes);
            if let Some((process, (first, through))) =
                tree.iter().find_map(|p| owner.get(*p).map(|o| (*p, o)))
            {
                if first != inference || through != listed {
                    ctx.push(Error::InvalidValue {
                        at: at.at.clone(),
                        what: "process for an inference process",
                        value: listed.to_string(),
                        reason: format!(
                            "config process `{process}` would be counted twice: `{first}` has it already (through `{through}`, children included)"
                        ),
                        suggestion: None,
                    });
                }
                continue;
            }
            for p in tree {
                owner.insert(p.to_string(), (inference.to_string(), listed.to_string()));
            }
        }
    }
}

/// `root` and every process below it; follows children breadth-first, each process once.
fn process_tree<'a>(root: &'a str, processes: &'a [Process]) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut queue = VecDeque::from([root]);
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name) {
            continue;
        }
        out.push(name);
        if let Some(p) = processes.iter().find(|p| p.name == name) {
            queue.extend(p.children.iter().map(String::as_str));
        }
    }
    out
}

fn build_systematic(
    ctx: &mut Ctx,
    node: &Node,
    known: &Known,
    inference_processes: &[&str],
) -> Option<Systematic> {
    ctx.map(node, "systematic", SYSTEMATIC_KEYS)?;
    let name = name(ctx, node, "systematic", "systematic name");
    let kind = ctx.required(node, "type", "systematic").and_then(|n| {
        ctx.keyword(
            n,
            "type",
            "systematic type",
            &[("lnN", Type::LnN), ("shape", Type::Shape)],
            "a systematic is `lnN` (a rate uncertainty with a `value`) or `shape` (templates from a `shift_source`)",
        )
    });
    let kind = kind.and_then(|kind| match kind {
        Type::LnN => {
            misplaced(ctx, node, "shift_source", "an lnN", "a `value`");
            let value = ctx.required(node, "value", "lnN systematic")?;
            kappa(ctx, value).map(SystematicKind::LnN)
        }
        Type::Shape => {
            misplaced(ctx, node, "value", "a shape", "a `shift_source`");
            let source = ctx.required(node, "shift_source", "shape systematic")?;
            reference(
                ctx,
                source,
                "shift_source",
                "shift source",
                known.shift_sources,
            )
            .map(|shift_source| SystematicKind::Shape { shift_source })
        }
    });
    let processes = match node.get("processes") {
        Some(list) => distinct(ctx, list, "processes")
            .into_iter()
            .filter(|(process, at)| {
                ctx.reference("inference process", process, at, inference_processes)
            })
            .map(|(process, _)| process)
            .collect(),
        None => inference_processes.iter().map(|p| p.to_string()).collect(),
    };
    Some(Systematic {
        name: name?,
        kind: kind?,
        processes,
        at: node.at.clone(),
    })
}

/// Reports `key` on a systematic of a type that does not use it.
fn misplaced(ctx: &mut Ctx, node: &Node, key: &str, kind: &str, needs: &str) {
    let Some((key_node, _)) = node
        .as_map()
        .and_then(|entries| entries.iter().find(|(k, _)| k.as_str() == Some(key)))
    else {
        return;
    };
    ctx.push(Error::InvalidValue {
        at: key_node.at.clone(),
        what: "key for this systematic type",
        value: key.to_string(),
        reason: format!("{kind} systematic takes {needs}; remove `{key}` or change `type`"),
        suggestion: None,
    });
}

/// An lnN size: `1.014`, or `{up: 1.02, down: 0.98}`.
fn kappa(ctx: &mut Ctx, node: &Node) -> Option<LnNEffect> {
    if node.as_map().is_none() {
        return positive(ctx, node, "value").map(LnNEffect::Symmetric);
    }
    ctx.map(node, "lnN value", KAPPA_KEYS)?;
    let up = ctx
        .required(node, "up", "lnN value")
        .and_then(|n| positive(ctx, n, "up"));
    let down = ctx
        .required(node, "down", "lnN value")
        .and_then(|n| positive(ctx, n, "down"));
    Some(LnNEffect::Asymmetric {
        down: down?,
        up: up?,
    })
}

fn positive(ctx: &mut Ctx, node: &Node, key: &str) -> Option<f64> {
    ctx.parsed(
        node,
        key,
        "a positive number (combine's κ: 1.014 for 1.4 %)",
        |v: &f64| v.is_finite() && *v > 0.0,
    )
}
