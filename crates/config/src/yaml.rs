//! A YAML tree whose every node knows its file, line and column.
//!
//! Cross-reference checks (a dataset naming an unknown process) happen after parsing, so the
//! typed model is built from this tree rather than from serde: each value keeps its place.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::error::{Error, Location};

/// One YAML node with its place.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    pub at: Location,
    /// True for quoted and block scalars: they are always strings, never numbers or null.
    pub quoted: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text of a scalar, `None` for lists, maps and null.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(text) if !self.is_null() => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar(t) if !self.quoted && matches!(t.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// A short description of the node's type, for error messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Map(_) => "a mapping".to_string(),
            Kind::Seq(_) => "a list".to_string(),
            Kind::Scalar(_) if self.is_null() => "nothing (null)".to_string(),
            Kind::Scalar(text) => format!("`{text}`"),
        }
    }

    /// The column where a scalar's text starts (past an opening quote).
    pub fn text_at(&self, offset: usize) -> Location {
        self.at.shifted(offset + usize::from(self.quoted))
    }

    /// The node as a JSON value; plain scalars resolve to null, booleans and numbers.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            Kind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (scalar_text(k), v.to_json()))
                    .collect(),
            ),
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Kind::Scalar(text) if self.quoted => Value::String(text.clone()),
            Kind::Scalar(_) if self.is_null() => Value::Null,
            Kind::Scalar(text) => match text.as_str() {
                "true" | "True" | "TRUE" => Value::Bool(true),
                "false" | "False" | "FALSE" => Value::Bool(false),
                _ => {
                    if let Ok(i) = text.parse::<i64>() {
                        Value::from(i)
                    } else if let Some(n) = text
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                    {
                        Value::Number(n)
                    } else {
                        Value::String(text.clone())
                    }
                }
            },
        }
    }
}

fn scalar_text(node: &Node) -> String {
    match &node.kind {
        Kind::Scalar(text) => text.clone(),
        _ => node.describe(),
    }
}

enum Frame {
    Seq(Vec<Node>, Location, usize),
    Map(Vec<(Node, Node)>, Option<Node>, Location, usize),
}

struct Builder {
    file: Arc<Path>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    error: Option<Error>,
}

impl Builder {
    fn location(&self, mark: Marker) -> Location {
        // yaml-rust2 counts lines from 1 and columns from 0.
        Location::new(self.file.clone(), mark.line(), mark.col() + 1)
    }

    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq(items, ..)) => items.push(node),
            Some(Frame::Map(entries, pending, ..)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let at = self.location(mark);
        match event {
            Event::Scalar(text, style, anchor, _) => {
                let quoted = style != TScalarStyle::Plain;
                self.finish(
                    Node {
                        kind: Kind::Scalar(text),
                        at,
                        quoted,
                    },
                    anchor,
                );
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq(Vec::new(), at, anchor)),
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map(Vec::new(), None, at, anchor));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq(items, at, anchor)) => (
                        Node {
                            kind: Kind::Seq(items),
                            at,
                            quoted: false,
                        },
                        anchor,
                    ),
                    Some(Frame::Map(entries, _, mut at, anchor)) => {
                        // A block mapping's start event sits after its first key; the key's
                        // place is where a reader looks for the item.
                        if let Some((key, _)) = entries.first() {
                            if (key.at.line(), key.at.column()) < (at.line(), at.column()) {
                                at = key.at.clone();
                            }
                        }
                        (
                            Node {
                                kind: Kind::Map(entries),
                                at,
                                quoted: false,
                            },
                            anchor,
                        )
                    }
                    None => return,
                };
                self.finish(node, anchor);
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(mut node) => {
                    node.at = at;
                    self.finish(node, 0);
                }
                None => {
                    self.error.get_or_insert(Error::Syntax {
                        at,
                        message: "alias to an unknown anchor".to_string(),
                    });
                }
            },
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

/// Parses the first YAML document of `text`; an empty document is an empty mapping.
pub(crate) fn parse(text: &str, file: Arc<Path>) -> Result<Node, Error> {
    let mut builder = Builder {
        file: file.clone(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, false) {
        let mark = e.marker();
        return Err(Error::Syntax {
            at: Location::new(file, mark.line(), mark.col() + 1),
            message: e.info().to_string(),
        });
    }
    if let Some(error) = builder.error {
        return Err(error);
    }
    Ok(builder.root.unwrap_or(Node {
        kind: Kind::Map(Vec::new()),
        at: Location::new(file, 1, 1),
        quoted: false,
    }))
}

/// Deep merge for `extends`: mappings merge key by key, lists of named items (mappings with a
/// `name` or `source` key) merge by that name, anything else is replaced by `over`.
pub(crate) fn merge(base: &Node, over: &Node) -> Node {
    match (&base.kind, &over.kind) {
        (Kind::Map(b), Kind::Map(o)) => {
            let mut entries = b.clone();
            for (key, value) in o {
                let existing = entries
                    .iter_mut()
                    .find(|(k, _)| k.as_str().is_some() && k.as_str() == key.as_str());
                match existing {
                    Some((_, old)) => *old = merge(old, value),
                    None => entries.push((key.clone(), value.clone())),
                }
            }
            Node {
                kind: Kind::Map(entries),
                at: over.at.clone(),
                quoted: false,
            }
        }
        (Kind::Seq(b), Kind::Seq(o)) if b.iter().chain(o).all(|item| item_name(item).is_some()) => {
            let mut items = b.clone();
            for item in o {
                match items
                    .iter_mut()
                    .find(|old| item_name(old) == item_name(item))
                {
                    Some(old) => *old = merge(old, item),
                    None => items.push(item.clone()),
                }
            }
            Node {
                kind: Kind::Seq(items),
                at: over.at.clone(),
                quoted: false,
            }
        }
        _ => over.clone(),
    }
}

fn item_name(node: &Node) -> Option<&str> {
    node.get("name")
        .or_else(|| node.get("source"))
        .and_then(Node::as_str)
}
