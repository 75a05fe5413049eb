//! Typed task parameters: declarations, values, parsing from the command line, canonical encoding.
//!
//! A family declares its parameters once ([`ParamDecl`]); a task instance holds one value per
//! declaration ([`Params`]). Significant parameters make up the task's identity; insignificant
//! ones (worker hints, delays, workflow acceptance) change how a task runs, not what it produces.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};

/// The kind of a parameter, which decides how its command-line text is parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamKind {
    /// Free text.
    Str,
    /// A signed 64-bit integer.
    Int,
    /// A 64-bit float.
    Float,
    /// `true`/`false` (also `yes`/`no`, `1`/`0`); a bare flag means `true`.
    Bool,
    /// One of a fixed set of strings.
    Choice(Vec<String>),
    /// A comma-separated list of values of the inner kind.
    List(Box<ParamKind>),
    /// Ranges and single numbers such as `0:10,15,20:` (ends exclusive, open ends allowed).
    MultiRange,
}

impl ParamKind {
    /// A short description of the accepted text, used in errors and `--help`.
    pub fn describe(&self) -> String {
        match self {
            ParamKind::Str => "a string".into(),
            ParamKind::Int => "an integer".into(),
            ParamKind::Float => "a number".into(),
            ParamKind::Bool => "true or false".into(),
            ParamKind::Choice(c) => format!("one of {}", c.join(", ")),
            ParamKind::List(inner) => format!("a comma-separated list of {}", inner.describe()),
            ParamKind::MultiRange => "ranges like 0:10,15,20:".into(),
        }
    }

    /// Parses command-line text into a value of this kind; `Err` holds the reason.
    pub fn parse(&self, text: &str) -> std::result::Result<ParamValue, String> {
        let text = text.trim();
        match self {
            ParamKind::Str => Ok(ParamValue::Str(text.to_string())),
            ParamKind::Int => text
                .parse::<i64>()
                .map(ParamValue::Int)
                .map_err(|e| e.to_string()),
            ParamKind::Float => match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(ParamValue::Float(v)),
                Ok(_) => Err("the value must be finite".into()),
                Err(e) => Err(e.to_string()),
            },
            ParamKind::Bool => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "on" => Ok(ParamValue::Bool(true)),
                "false" | "no" | "0" | "off" => Ok(ParamValue::Bool(false)),
                _ => Err("expected true or false".into()),
            },
            ParamKind::Choice(choices) => {
                if choices.iter().any(|c| c == text) {
                    Ok(ParamValue::Str(text.to_string()))
                } else {
                    Err(format!("not one of {}", choices.join(", ")))
                }
            }
            ParamKind::List(inner) => {
                if text.is_empty() {
                    return Ok(ParamValue::List(Vec::new()));
                }
                text.split(',')
                    .map(|item| inner.parse(item))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map(ParamValue::List)
            }
            ParamKind::MultiRange => MultiRange::parse(text).map(ParamValue::MultiRange),
        }
    }

    fn accepts(&self, value: &ParamValue) -> bool {
        match (self, value) {
            (ParamKind::Str, ParamValue::Str(_)) => true,
            (ParamKind::Int, ParamValue::Int(_)) => true,
            (ParamKind::Float, ParamValue::Float(_)) => true,
            (ParamKind::Bool, ParamValue::Bool(_)) => true,
            (ParamKind::Choice(c), ParamValue::Str(s)) => c.contains(s),
            (ParamKind::List(inner), ParamValue::List(items)) => {
                items.iter().all(|item| inner.accepts(item))
            }
            (ParamKind::MultiRange, ParamValue::MultiRange(_)) => true,
            _ => false,
        }
    }
}

/// A parameter value. Choices are stored as [`ParamValue::Str`].
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// Text (also the value of a choice).
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A list.
    List(Vec<ParamValue>),
    /// A multi-range.
    MultiRange(MultiRange),
}

impl ParamValue {
    /// The canonical text of the value: parsing it with the declared kind gives the value back.
    pub fn canonical(&self) -> String {
        match self {
            ParamValue::Str(s) => s.clone(),
            ParamValue::Int(i) => i.to_string(),
            ParamValue::Float(f) => format!("{f:?}"),
            ParamValue::Bool(b) => b.to_string(),
            ParamValue::List(items) => items
                .iter()
                .map(ParamValue::canonical)
                .collect::<Vec<_>>()
                .join(","),
            ParamValue::MultiRange(r) => r.to_string(),
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl From<&str> for ParamValue {
    fn from(s: &str) -> Self {
        ParamValue::Str(s.to_string())
    }
}
impl From<String> for ParamValue {
    fn from(s: String) -> Self {
        ParamValue::Str(s)
    }
}
impl From<i64> for ParamValue {
    fn from(v: i64) -> Self {
        ParamValue::Int(v)
    }
}
impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        ParamValue::Float(v)
    }
}
impl From<bool> for ParamValue {
    fn from(v: bool) -> Self {
        ParamValue::Bool(v)
    }
}
impl From<MultiRange> for ParamValue {
    fn from(v: MultiRange) -> Self {
        ParamValue::MultiRange(v)
    }
}

/// A union of integer ranges, written `0:10,15,20:` (`a:b` is `a..b`, `a:` is open, `:b` starts at 0).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MultiRange {
    parts: Vec<(i64, Option<i64>)>,
}

impl MultiRange {
    /// The range that contains every non-negative number (`:`).
    pub fn all() -> Self {
        MultiRange {
            parts: vec![(0, None)],
        }
    }

    /// Parses `0:10,15,20:`; an empty text is the empty range.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut parts = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let part = match item.split_once(':') {
                None => {
                    let v = parse_int(item)?;
                    (v, Some(v + 1))
                }
                Some((a, b)) => {
                    let start = if a.trim().is_empty() {
                        0
                    } else {
                        parse_int(a)?
                    };
                    let end = if b.trim().is_empty() {
                        None
                    } else {
                        Some(parse_int(b)?)
                    };
                    if end.is_some_and(|e| e < start) {
                        return Err(format!("range `{item}` ends before it starts"));
                    }
                    (start, end)
                }
            };
            parts.push(part);
        }
        Ok(MultiRange { parts })
    }

    /// Whether `value` lies in one of the ranges.
    pub fn contains(&self, value: i64) -> bool {
        self.parts
            .iter()
            .any(|&(start, end)| value >= start && end.is_none_or(|e| value < e))
    }

    /// Whether the range is empty (selects nothing).
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|&(s, e)| e == Some(s))
    }
}

fn parse_int(text: &str) -> std::result::Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .map_err(|e| format!("`{text}`: {e}"))
}

impl fmt::Display for MultiRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for &(start, end) in &self.parts {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            match end {
                Some(e) if e == start + 1 => write!(f, "{start}")?,
                Some(e) => write!(f, "{start}:{e}")?,
                None => write!(f, "{start}:")?,
            }
        }
        Ok(())
    }
}

/// The declaration of one parameter of a task family.
#[derive(Clone, Debug)]
pub struct ParamDecl {
    name: String,
    kind: ParamKind,
    help: String,
    default: Option<ParamValue>,
    significant: bool,
}

impl ParamDecl {
    /// A significant parameter without default. `name` is snake_case; on the command line it
    /// is `--kebab-case`.
    pub fn new(name: &str, kind: ParamKind, help: &str) -> Self {
        ParamDecl {
            name: name.to_string(),
            kind,
            help: help.to_string(),
            default: None,
            significant: true,
        }
    }

    /// Sets the default value.
    pub fn with_default(mut self, value: impl Into<ParamValue>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// Marks the parameter as not part of the task's identity.
    pub fn insignificant(mut self) -> Self {
        self.significant = false;
        self
    }

    /// The snake_case name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The command-line flag without dashes (kebab-case).
    pub fn flag(&self) -> String {
        self.name.replace('_', "-")
    }
    /// The kind.
    pub fn kind(&self) -> &ParamKind {
        &self.kind
    }
    /// The help text.
    pub fn help(&self) -> &str {
        &self.help
    }
    /// The default, if any.
    pub fn default_value(&self) -> Option<&ParamValue> {
        self.default.as_ref()
    }
    /// Whether the parameter is part of the task identity.
    pub fn is_significant(&self) -> bool {
        self.significant
    }

    pub(crate) fn validate(&self, family: &str) -> Result<()> {
        let bad = |reason: &str| Error::BadDeclaration {
            family: family.to_string(),
            param: self.name.clone(),
            reason: reason.to_string(),
        };
        let mut chars = self.name.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        if !first_ok || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(bad(
                "names are snake_case: a lowercase letter, then a-z, 0-9 or _",
            ));
        }
        if let Some(default) = &self.default {
            if !self.kind.accepts(default) {
                return Err(bad(&format!(
                    "the default `{default}` is not {}",
                    self.kind.describe()
                )));
            }
        }
        Ok(())
    }
}

/// The parameter values of one task instance, in declaration order.
#[derive(Clone, Debug)]
pub struct Params {
    family: Arc<str>,
    decls: Arc<[ParamDecl]>,
    values: Vec<Option<ParamValue>>,
}

impl Params {
    /// Values set to the declared defaults (parameters without default stay unset).
    pub fn defaults(family: &str, decls: Arc<[ParamDecl]>) -> Self {
        let values = decls.iter().map(|d| d.default.clone()).collect();
        Params {
            family: Arc::from(family),
            decls,
            values,
        }
    }

    /// The family these values belong to.
    pub fn family(&self) -> &str {
        &self.family
    }

    /// The declarations.
    pub fn decls(&self) -> &[ParamDecl] {
        &self.decls
    }

    fn index(&self, name: &str) -> Result<usize> {
        self.decls
            .iter()
            .position(|d| d.name == name)
            .ok_or_else(|| Error::UnknownParam {
                family: self.family.to_string(),
                param: name.to_string(),
            })
    }

    /// Whether the family declares `name`.
    pub fn has(&self, name: &str) -> bool {
        self.decls.iter().any(|d| d.name == name)
    }

    /// Sets a value, checking it against the declared kind.
    pub fn set(&mut self, name: &str, value: impl Into<ParamValue>) -> Result<()> {
        let i = self.index(name)?;
        let value = value.into();
        if !self.decls[i].kind.accepts(&value) {
            return Err(Error::BadParam {
                family: self.family.to_string(),
                param: name.to_string(),
                value: value.canonical(),
                expected: self.decls[i].kind.describe(),
                reason: "wrong kind".into(),
            });
        }
        self.values[i] = Some(value);
        Ok(())
    }

    /// Parses command-line text for `name` and sets it.
    pub fn set_text(&mut self, name: &str, text: &str) -> Result<()> {
        let i = self.index(name)?;
        let decl = &self.decls[i];
        let value = decl.kind.parse(text).map_err(|reason| Error::BadParam {
            family: self.family.to_string(),
            param: name.to_string(),
            value: text.to_string(),
            expected: decl.kind.describe(),
            reason,
        })?;
        self.values[i] = Some(value);
        Ok(())
    }

    /// Fails with [`Error::MissingParam`] for the first parameter that has no value.
    pub fn check_complete(&self) -> Result<()> {
        match self.values.iter().position(Option::is_none) {
            Some(i) => Err(Error::MissingParam {
                family: self.family.to_string(),
                param: self.decls[i].name.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Result<&ParamValue> {
        let i = self.index(name)?;
        self.values[i].as_ref().ok_or_else(|| Error::MissingParam {
            family: self.family.to_string(),
            param: name.to_string(),
        })
    }

    fn wrong(&self, name: &str, expected: &str) -> Error {
        Error::BadParam {
            family: self.family.to_string(),
            param: name.to_string(),
            value: self.get(name).map(|v| v.canonical()).unwrap_or_default(),
            expected: expected.to_string(),
            reason: "the task read it as another kind than declared".into(),
        }
    }

    /// The string (or choice) value of `name`.
    pub fn str(&self, name: &str) -> Result<&str> {
        match self.get(name)? {
            ParamValue::Str(s) => Ok(s),
            _ => Err(self.wrong(name, "a string")),
        }
    }
    /// The integer value of `name`.
    pub fn int(&self, name: &str) -> Result<i64> {
        match self.get(name)? {
            ParamValue::Int(v) => Ok(*v),
            _ => Err(self.wrong(name, "an integer")),
        }
    }
    /// The float value of `name`.
    pub fn float(&self, name: &str) -> Result<f64> {
        match self.get(name)? {
            ParamValue::Float(v) => Ok(*v),
            _ => Err(self.wrong(name, "a number")),
        }
    }
    /// The boolean value of `name`.
    pub fn bool(&self, name: &str) -> Result<bool> {
        match self.get(name)? {
            ParamValue::Bool(v) => Ok(*v),
            _ => Err(self.wrong(name, "true or false")),
        }
    }
    /// The list value of `name`.
    pub fn list(&self, name: &str) -> Result<&[ParamValue]> {
        match self.get(name)? {
            ParamValue::List(v) => Ok(v),
            _ => Err(self.wrong(name, "a list")),
        }
    }
    /// The list of strings of `name`.
    pub fn str_list(&self, name: &str) -> Result<Vec<&str>> {
        self.list(name)?
            .iter()
            .map(|v| match v {
                ParamValue::Str(s) => Ok(s.as_str()),
                _ => Err(self.wrong(name, "a list of strings")),
            })
            .collect()
    }
    /// The multi-range value of `name`.
    pub fn multi_range(&self, name: &str) -> Result<&MultiRange> {
        match self.get(name)? {
            ParamValue::MultiRange(v) => Ok(v),
            _ => Err(self.wrong(name, "a multi-range")),
        }
    }

    /// `(decl, value)` pairs of the parameters that have a value.
    pub fn iter(&self) -> impl Iterator<Item = (&ParamDecl, &ParamValue)> {
        self.decls
            .iter()
            .zip(&self.values)
            .filter_map(|(d, v)| v.as_ref().map(|v| (d, v)))
    }

    /// Copies the values of every parameter that `self` shares by name with `source` (law's `req`).
    pub fn inherit(&mut self, source: &Params) {
        for (i, decl) in self.decls.iter().enumerate() {
            if let Some(j) = source.decls.iter().position(|d| d.name == decl.name) {
                if let Some(v) = &source.values[j] {
                    if decl.kind.accepts(v) {
                        self.values[i] = Some(v.clone());
                    }
                }
            }
        }
    }

    /// The canonical encoding of the identity: family and every significant parameter.
    pub fn canonical(&self) -> String {
        let mut out = String::with_capacity(64);
        out.push_str(&self.family);
        for (decl, value) in self.iter().filter(|(d, _)| d.significant) {
            out.push('\0');
            out.push_str(&decl.name);
            out.push('=');
            out.push_str(&value.canonical());
        }
        out
    }

    /// The stable task id (FNV-1a 64 of [`Params::canonical`]): equal on every run and machine.
    pub fn task_id(&self) -> TaskId {
        TaskId(fnv1a64(self.canonical().as_bytes()))
    }

    /// The command-line arguments that reproduce these values (`--name value` per parameter).
    pub fn to_cli_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for (decl, value) in self.iter() {
            args.push(format!("--{}", decl.flag()));
            args.push(value.canonical());
        }
        args
    }
}

impl fmt::Display for Params {
    /// `Family(a=1, b=x)` with the significant parameters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.family)?;
        let mut first = true;
        for (decl, value) in self.iter().filter(|(d, _)| d.significant) {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            let text = value.canonical();
            if text.len() > 60 {
                let head: String = text.chars().take(57).collect();
                write!(f, "{}={}…", decl.name, head)?;
            } else {
                write!(f, "{}={}", decl.name, text)?;
            }
        }
        f.write_str(")")
    }
}

/// A task's stable identity hash; shown as 16 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// FNV-1a, 64 bit: tiny, stable across platforms and releases (unlike std's `RandomState`).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls() -> Arc<[ParamDecl]> {
        Arc::from(vec![
            ParamDecl::new("version", ParamKind::Str, "version").with_default("v1"),
            ParamDecl::new("n", ParamKind::Int, "count"),
            ParamDecl::new("delay", ParamKind::Float, "delay")
                .with_default(0.5)
                .insignificant(),
            ParamDecl::new(
                "mode",
                ParamKind::Choice(vec!["a".into(), "b".into()]),
                "mode",
            )
            .with_default("a"),
            ParamDecl::new("files", ParamKind::List(Box::new(ParamKind::Str)), "files")
                .with_default(ParamValue::List(vec![])),
            ParamDecl::new("branches", ParamKind::MultiRange, "b").with_default(MultiRange::all()),
        ])
    }

    #[test]
    fn multi_range_parses_and_prints() {
        let r = MultiRange::parse("0:10,15,20:").unwrap();
        assert!(r.contains(0) && r.contains(9) && !r.contains(10));
        assert!(r.contains(15) && !r.contains(16) && r.contains(1_000_000));
        assert_eq!(r.to_string(), "0:10,15,20:");
        assert_eq!(MultiRange::parse(":3").unwrap().to_string(), "0:3");
        assert!(MultiRange::parse("5:2").is_err());
        assert!(MultiRange::parse("x").is_err());
        assert!(MultiRange::parse("").unwrap().is_empty());
    }

    #[test]
    fn id_depends_on_significant_params_only() {
        let mut a = Params::defaults("T", decls());
        a.set_text("n", "3").unwrap();
        let mut b = a.clone();
        b.set_text("delay", "9").unwrap();
        assert_eq!(a.task_id(), b.task_id());
        b.set_text("mode", "b").unwrap();
        assert_ne!(a.task_id(), b.task_id());
        // The id is a pure function of the canonical text, so it is the same on any machine.
        assert_eq!(a.task_id().0, fnv1a64(a.canonical().as_bytes()));
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn typed_parsing_rejects_bad_text() {
        let mut p = Params::defaults("T", decls());
        assert!(matches!(
            p.check_complete(),
            Err(Error::MissingParam { .. })
        ));
        assert!(matches!(p.set_text("n", "x"), Err(Error::BadParam { .. })));
        assert!(matches!(
            p.set_text("mode", "c"),
            Err(Error::BadParam { .. })
        ));
        assert!(matches!(
            p.set_text("nope", "1"),
            Err(Error::UnknownParam { .. })
        ));
        p.set_text("files", "a.txt,b.txt").unwrap();
        assert_eq!(p.str_list("files").unwrap(), vec!["a.txt", "b.txt"]);
        p.set_text("n", "7").unwrap();
        p.check_complete().unwrap();
        assert_eq!(p.int("n").unwrap(), 7);
        assert!(p.str("n").is_err());
        assert_eq!(
            p.to_string(),
            "T(version=v1, n=7, mode=a, files=a.txt,b.txt, branches=0:)"
        );
    }

    #[test]
    fn inherit_copies_shared_names() {
        let mut src = Params::defaults("A", decls());
        src.set_text("version", "v9").unwrap();
        let other: Arc<[ParamDecl]> =
            Arc::from(vec![ParamDecl::new("version", ParamKind::Str, "v")]);
        let mut dst = Params::defaults("B", other);
        dst.inherit(&src);
        assert_eq!(dst.str("version").unwrap(), "v9");
    }

    #[test]
    fn declaration_is_validated() {
        assert!(ParamDecl::new("Bad", ParamKind::Str, "")
            .validate("T")
            .is_err());
        assert!(ParamDecl::new("n", ParamKind::Int, "")
            .with_default("x")
            .validate("T")
            .is_err());
        assert!(ParamDecl::new("ok_1", ParamKind::Int, "")
            .with_default(1)
            .validate("T")
            .is_ok());
    }
}
