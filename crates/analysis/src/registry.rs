//! Functions registered by name, so that `--producers features,weights` resolves.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::declaration::Kind;
use crate::error::{Error, Result};
use crate::function::Function;

type Factory = Arc<dyn Fn() -> Box<dyn Function> + Send + Sync>;

/// Named function factories. Each task builds fresh instances, since `init` and `setup` may
/// change a function's state per dataset.
///
/// A user's analysis crate adds its functions to the same registry as cf's standard ones.
/// Cloning is cheap (factories are shared): a task clones the registry to add the functions
/// it builds from its config (category ids, normalization weights).
#[derive(Clone, Default)]
pub struct Registry {
    entries: BTreeMap<String, (Kind, Factory)>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Registers the function `factory` makes, under its declared name.
    pub fn register<F, T>(&mut self, factory: F) -> Result<()>
    where
        F: Fn() -> T + Send + Sync + 'static,
        T: Function + 'static,
    {
        let sample = factory();
        let name = sample.declaration().name().to_string();
        let kind = sample.declaration().kind();
        if self.entries.contains_key(&name) {
            return Err(Error::DuplicateFunction { name });
        }
        let boxed: Factory = Arc::new(move || Box::new(factory()));
        self.entries.insert(name, (kind, boxed));
        Ok(())
    }

    /// A fresh instance of function `name`, which must be of kind `kind` when one is given.
    pub fn create(&self, name: &str, kind: Option<Kind>) -> Result<Box<dyn Function>> {
        let Some((found, factory)) = self.entries.get(name) else {
            let candidates = self.names(kind);
            return Err(Error::UnknownFunction {
                name: name.to_string(),
                kind: kind.map_or("function".to_string(), |k| k.to_string()),
                suggestion: closest(name, &candidates).map(str::to_string),
                available: if candidates.is_empty() {
                    "none".to_string()
                } else {
                    candidates.join(", ")
                },
            });
        };
        if let Some(expected) = kind.filter(|k| k != found) {
            return Err(Error::WrongKind {
                name: name.to_string(),
                found: found.to_string(),
                expected: expected.to_string(),
            });
        }
        Ok(factory())
    }

    /// Registered names, of one kind or all, in order.
    pub fn names(&self, kind: Option<Kind>) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|(_, (k, _))| kind.is_none_or(|wanted| *k == wanted))
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

/// The candidate nearest to `name` by edit distance, when near enough to be a typo.
fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(name, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("features", "features"), 0);
        assert_eq!(edit_distance("featrues", "features"), 2);
        assert_eq!(edit_distance("feature", "features"), 1);
        assert_eq!(
            closest("featurs", &["features", "weights"]),
            Some("features")
        );
        assert_eq!(closest("xyz", &["features", "weights"]), None);
    }
}
