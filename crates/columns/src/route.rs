//! Routes: the names of columns, and their NanoAOD branch spelling.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The name of a column: a dotted field path with an optional object index.
///
/// `event` is an event-level column, `MET.pt` a field of the event-level group `MET`, `Jet.pt`
/// a field of the collection `Jet` (one value per jet), and `Jet.pt[:,0]` the first jet's pt
/// per event (null where the event has no jet). A negative index counts from the end.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    fields: Vec<String>,
    index: Option<i64>,
}

impl Route {
    /// Builds a route from field names, without checking them.
    pub fn new<I, S>(fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Route {
            fields: fields.into_iter().map(Into::into).collect(),
            index: None,
        }
    }

    /// Parses one route (no braces); see [`expand`] for patterns.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidRoute {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let (path, index) = match text.find('[') {
            None => (text, None),
            Some(open) => {
                let inner = text[open..]
                    .strip_prefix("[:,")
                    .and_then(|rest| rest.strip_suffix(']'))
                    .ok_or_else(|| invalid("an index is written `[:,i]` at the end"))?;
                let index = inner
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| invalid("the index in `[:,i]` must be an integer"))?;
                (&text[..open], Some(index))
            }
        };
        if path.is_empty() {
            return Err(invalid("it is empty"));
        }
        let fields: Vec<String> = path.split('.').map(str::to_string).collect();
        for field in &fields {
            if !is_identifier(field) {
                return Err(invalid(&format!(
                    "`{field}` is not a field name (letters, digits and `_`, not starting with a digit)"
                )));
            }
        }
        Ok(Route { fields, index })
    }

    /// Maps a NanoAOD branch name to its route: `Jet_pt` → `Jet.pt`, `MET_pt` → `MET.pt`,
    /// `event` → `event`. The prefix before the first `_` names the collection or group.
    pub fn from_branch(branch: &str) -> Self {
        match branch.split_once('_') {
            Some((head, field)) if !head.is_empty() && !field.is_empty() => {
                Route::new([head, field])
            }
            _ => Route::new([branch]),
        }
    }

    /// The NanoAOD branch holding this route's values: `Jet.pt` → `Jet_pt` (index dropped).
    pub fn to_branch(&self) -> String {
        self.fields.join("_")
    }

    /// The NanoAOD counter of the collection this route belongs to, e.g. `nJet` for `Jet.pt`.
    /// Whether that counter exists is up to the file.
    pub fn counter(&self) -> String {
        format!("n{}", self.head())
    }

    /// The field names, outermost first.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The top-level column: the collection or group name, or the column itself.
    pub fn head(&self) -> &str {
        &self.fields[0]
    }

    /// The object index of `[:,i]`, if any.
    pub fn index(&self) -> Option<i64> {
        self.index
    }

    /// This route with an object index.
    pub fn with_index(mut self, index: i64) -> Self {
        self.index = Some(index);
        self
    }

    /// This route without its object index: the column that must be read to answer it.
    pub fn without_index(&self) -> Route {
        Route {
            fields: self.fields.clone(),
            index: None,
        }
    }

    /// This route with one more field appended (`Jet` + `pt` → `Jet.pt`).
    pub fn child(&self, field: &str) -> Route {
        let mut fields = self.fields.clone();
        fields.push(field.to_string());
        Route {
            fields,
            index: None,
        }
    }

    /// True when `self` equals `other` or lies below it (`Jet.pt` is within `Jet`).
    pub fn is_within(&self, other: &Route) -> bool {
        other.index.is_none() && self.fields.starts_with(&other.fields)
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fields.join("."))?;
        if let Some(index) = self.index {
            write!(f, "[:,{index}]")?;
        }
        Ok(())
    }
}

impl FromStr for Route {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Route::parse(text)
    }
}

/// Expands braces in a route pattern and parses every result:
/// `Jet.{pt,eta}` → `Jet.pt`, `Jet.eta`; `{Jet,Muon}.{pt,eta}` → four routes, in order.
///
/// ```
/// use cf_columns::{expand, Route};
///
/// let routes = expand("{Jet,Muon}.pt")?;
/// assert_eq!(routes, vec![Route::parse("Jet.pt")?, Route::parse("Muon.pt")?]);
/// # Ok::<(), cf_columns::Error>(())
/// ```
pub fn expand(pattern: &str) -> Result<Vec<Route>> {
    expand_braces(pattern)?
        .iter()
        .map(|text| Route::parse(text))
        .collect()
}

fn expand_braces(pattern: &str) -> Result<Vec<String>> {
    let unbalanced = || Error::InvalidRoute {
        text: pattern.to_string(),
        reason: "unbalanced braces".to_string(),
    };
    let Some(open) = pattern.find('{') else {
        if pattern.contains('}') {
            return Err(unbalanced());
        }
        return Ok(vec![pattern.to_string()]);
    };
    let mut depth = 0usize;
    let mut close = None;
    let mut splits = Vec::new();
    for (offset, c) in pattern[open..].char_indices() {
        let at = open + offset;
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(at);
                    break;
                }
            }
            ',' if depth == 1 => splits.push(at),
            _ => {}
        }
    }
    let close = close.ok_or_else(unbalanced)?;
    let (prefix, suffix) = (&pattern[..open], &pattern[close + 1..]);
    let mut bounds = vec![open];
    bounds.extend(&splits);
    bounds.push(close);
    let mut out = Vec::new();
    for pair in bounds.windows(2) {
        let alternative = &pattern[pair[0] + 1..pair[1]];
        for tail in expand_braces(&format!("{alternative}{suffix}"))? {
            out.extend(expand_braces(&format!("{prefix}{tail}"))?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(pattern: &str) -> Vec<String> {
        expand(pattern)
            .unwrap()
            .iter()
            .map(Route::to_string)
            .collect()
    }

    #[test]
    fn parses_and_prints() {
        for text in [
            "event",
            "Jet.pt",
            "MET.pt",
            "Jet.pt[:,0]",
            "Jet.pt[:,-1]",
            "a.b.c",
        ] {
            assert_eq!(Route::parse(text).unwrap().to_string(), text);
        }
        let first = Route::parse("Jet.pt[:,1]").unwrap();
        assert_eq!(first.index(), Some(1));
        assert_eq!(first.without_index().to_string(), "Jet.pt");
        assert_eq!(first.head(), "Jet");
    }

    #[test]
    fn rejects_malformed_routes() {
        for text in [
            "",
            "Jet.",
            ".pt",
            "Jet..pt",
            "1Jet",
            "Jet.pt[0]",
            "Jet.pt[:,x]",
            "Jet-pt",
        ] {
            assert!(
                matches!(Route::parse(text), Err(Error::InvalidRoute { .. })),
                "{text} should be rejected"
            );
        }
    }

    #[test]
    fn maps_nanoaod_branches() {
        assert_eq!(Route::from_branch("Jet_pt").to_string(), "Jet.pt");
        assert_eq!(
            Route::from_branch("Jet_btagDeepFlavB").to_string(),
            "Jet.btagDeepFlavB"
        );
        assert_eq!(Route::from_branch("HLT_IsoMu24").to_string(), "HLT.IsoMu24");
        assert_eq!(Route::from_branch("event").to_string(), "event");
        assert_eq!(Route::parse("Jet.pt[:,0]").unwrap().to_branch(), "Jet_pt");
        assert_eq!(Route::parse("Jet.pt").unwrap().counter(), "nJet");
        assert_eq!(
            Route::parse("Jet.pt_jec_up").unwrap().to_branch(),
            "Jet_pt_jec_up"
        );
        assert_eq!(
            Route::from_branch("Jet_pt_jec_up").to_string(),
            "Jet.pt_jec_up"
        );
    }

    #[test]
    fn expands_braces() {
        assert_eq!(strings("Jet.{pt,eta}"), ["Jet.pt", "Jet.eta"]);
        assert_eq!(strings("{Jet,Muon}.pt"), ["Jet.pt", "Muon.pt"]);
        assert_eq!(
            strings("{Jet,Muon}.{pt,eta}"),
            ["Jet.pt", "Jet.eta", "Muon.pt", "Muon.eta"]
        );
        assert_eq!(strings("Jet.pt_{jec,jer}_{up,down}").len(), 4);
        assert_eq!(
            strings("Jet.{pt,{eta,phi}}"),
            ["Jet.pt", "Jet.eta", "Jet.phi"]
        );
        assert!(expand("Jet.{pt,eta").is_err());
        assert!(expand("Jet.pt}").is_err());
    }

    #[test]
    fn containment() {
        let jet = Route::parse("Jet").unwrap();
        assert!(Route::parse("Jet.pt").unwrap().is_within(&jet));
        assert!(!Route::parse("Jets.pt").unwrap().is_within(&jet));
        assert!(!jet.is_within(&Route::parse("Jet.pt").unwrap()));
    }
}
