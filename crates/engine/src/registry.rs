//! The registry of task families: name -> parameter declarations and constructor.
//!
//! The `cf` binary builds one registry; the analysis crate, and a user's own crate, add their
//! families to it before handing it to the command line.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::param::{ParamDecl, Params};
use crate::task::{Context, TaskRef};
use crate::workflow;

/// Builds a task from complete parameter values. A closure, so that a family can carry what its
/// tasks share (an analysis's function registry, a config cache).
pub type Constructor = Arc<dyn Fn(Params, &Arc<Context>) -> Result<TaskRef> + Send + Sync>;

/// One task family: its name, help, parameters and constructor.
#[derive(Clone)]
pub struct Family {
    name: String,
    help: String,
    decls: Arc<[ParamDecl]>,
    construct: Constructor,
    workflow: bool,
}

impl fmt::Debug for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("name", &self.name)
            .field("params", &self.decls.len())
            .field("workflow", &self.workflow)
            .finish()
    }
}

impl Family {
    /// A plain task family.
    pub fn new(
        name: &str,
        help: &str,
        params: Vec<ParamDecl>,
        construct: impl Fn(Params, &Arc<Context>) -> Result<TaskRef> + Send + Sync + 'static,
    ) -> Self {
        Family {
            name: name.to_string(),
            help: help.to_string(),
            decls: Arc::from(params),
            construct: Arc::new(construct),
            workflow: false,
        }
    }

    /// A workflow family: the engine adds `branch`, `branches`, `acceptance`, `tolerance` and
    /// `pilot` to `params`.
    pub fn workflow(
        name: &str,
        help: &str,
        mut params: Vec<ParamDecl>,
        construct: impl Fn(Params, &Arc<Context>) -> Result<TaskRef> + Send + Sync + 'static,
    ) -> Self {
        params.extend(workflow::workflow_decls());
        Family {
            workflow: true,
            ..Family::new(name, help, params, construct)
        }
    }

    /// The family name (the task's CLI name).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// One-line help.
    pub fn help(&self) -> &str {
        &self.help
    }
    /// Parameter declarations.
    pub fn decls(&self) -> &[ParamDecl] {
        &self.decls
    }
    /// Parameter declarations, shared.
    pub fn decls_arc(&self) -> Arc<[ParamDecl]> {
        self.decls.clone()
    }
    /// Whether this is a workflow family.
    pub fn is_workflow(&self) -> bool {
        self.workflow
    }
    /// Parameter values set to the defaults.
    pub fn defaults(&self) -> Params {
        Params::defaults(&self.name, self.decls.clone())
    }
    /// Calls the constructor.
    pub fn construct(&self, params: Params, ctx: &Arc<Context>) -> Result<TaskRef> {
        (self.construct)(params, ctx)
    }
}

/// Names the command line reserves for itself; no family may declare them.
pub const RESERVED_PARAMS: &[&str] = &[
    "help",
    "workers",
    "store",
    "workflow",
    "print_deps",
    "print_status",
    "print_output",
    "remove_output",
    "fetch_output",
    "log_level",
];

/// Task families by name.
#[derive(Debug, Default)]
pub struct Registry {
    families: BTreeMap<String, Family>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a family after checking its name and parameter declarations.
    pub fn register(&mut self, family: Family) -> Result<()> {
        let valid_name = family
            .name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
            && family.name.chars().all(|c| c.is_ascii_alphanumeric());
        if !valid_name {
            return Err(Error::BadDeclaration {
                family: family.name.clone(),
                param: String::new(),
                reason: "family names are CamelCase ASCII letters and digits".into(),
            });
        }
        for (i, decl) in family.decls.iter().enumerate() {
            decl.validate(&family.name)?;
            if RESERVED_PARAMS.contains(&decl.name()) {
                return Err(Error::BadDeclaration {
                    family: family.name.clone(),
                    param: decl.name().to_string(),
                    reason: "the name is reserved for a command-line option".into(),
                });
            }
            if family.decls[..i].iter().any(|d| d.name() == decl.name()) {
                return Err(Error::BadDeclaration {
                    family: family.name.clone(),
                    param: decl.name().to_string(),
                    reason: "declared twice".into(),
                });
            }
        }
        if self.families.contains_key(&family.name) {
            return Err(Error::DuplicateFamily {
                family: family.name.clone(),
            });
        }
        self.families.insert(family.name.clone(), family);
        Ok(())
    }

    /// The family called `name`.
    pub fn get(&self, name: &str) -> Result<&Family> {
        self.families.get(name).ok_or_else(|| Error::UnknownFamily {
            family: name.to_string(),
        })
    }

    /// All families, by name.
    pub fn families(&self) -> impl Iterator<Item = &Family> {
        self.families.values()
    }
}
