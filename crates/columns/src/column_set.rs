//! Sets of routes: what a step reads or writes.

use std::collections::BTreeSet;

use crate::error::Result;
use crate::route::{expand, Route};

/// An ordered set of routes, built from patterns with braces.
///
/// A set is what a reader receives to decide which columns to decode: indexed routes
/// (`Jet.pt[:,0]`) need their whole column, so [`ColumnSet::columns`] drops the index.
///
/// ```
/// use cf_columns::ColumnSet;
///
/// let set = ColumnSet::parse(["Jet.{pt,eta}", "event", "Jet.pt[:,0]"])?;
/// let names: Vec<String> = set.columns().iter().map(|r| r.to_string()).collect();
/// assert_eq!(names, ["Jet.eta", "Jet.pt", "event"]);
/// # Ok::<(), cf_columns::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnSet {
    routes: BTreeSet<Route>,
}

impl ColumnSet {
    /// An empty set.
    pub fn new() -> Self {
        ColumnSet::default()
    }

    /// Expands and parses every pattern.
    pub fn parse<I, S>(patterns: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut set = ColumnSet::new();
        for pattern in patterns {
            set.routes.extend(expand(pattern.as_ref())?);
        }
        Ok(set)
    }

    /// Adds one route.
    pub fn insert(&mut self, route: Route) {
        self.routes.insert(route);
    }

    /// Every route of `self` or `other`.
    pub fn union(&self, other: &ColumnSet) -> ColumnSet {
        ColumnSet {
            routes: self.routes.union(&other.routes).cloned().collect(),
        }
    }

    /// True when the set holds `route` itself.
    pub fn contains(&self, route: &Route) -> bool {
        self.routes.contains(route)
    }

    /// True when `route` is in the set or lies within a route of the set (`Jet.pt` within `Jet`).
    pub fn covers(&self, route: &Route) -> bool {
        self.routes.iter().any(|r| route.is_within(r))
    }

    /// The routes, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter()
    }

    /// Number of routes.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// True when the set holds no route.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The columns that must be read to answer every route: indices dropped, duplicates merged.
    pub fn columns(&self) -> ColumnSet {
        ColumnSet {
            routes: self.routes.iter().map(Route::without_index).collect(),
        }
    }
}

impl FromIterator<Route> for ColumnSet {
    fn from_iter<I: IntoIterator<Item = Route>>(iter: I) -> Self {
        ColumnSet {
            routes: iter.into_iter().collect(),
        }
    }
}

impl<'a> IntoIterator for &'a ColumnSet {
    type Item = &'a Route;
    type IntoIter = std::collections::btree_set::Iter<'a, Route>;

    fn into_iter(self) -> Self::IntoIter {
        self.routes.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_and_cover() {
        let a = ColumnSet::parse(["Jet.pt", "event"]).unwrap();
        let b = ColumnSet::parse(["Jet.pt", "Muon"]).unwrap();
        let all = a.union(&b);
        assert_eq!(all.len(), 3);
        assert!(all.covers(&Route::parse("Muon.eta").unwrap()));
        assert!(!all.covers(&Route::parse("Jet.eta").unwrap()));
        assert!(all.contains(&Route::parse("event").unwrap()));
    }

    #[test]
    fn bad_pattern_is_an_error() {
        assert!(ColumnSet::parse(["Jet.{pt"]).is_err());
    }
}
