//! Campaign configs for cf analyses: the typed model, its YAML loader and its validation.
//!
//! An analysis file names the analysis and lists its [`Config`]s, one per data-taking campaign.
//! A config holds the [`Process`]es (with colours and cross sections), the [`Dataset`]s (with
//! their files, or the toy events to [`Generate`] instead), the systematic [`Shift`]s (with
//! column aliases), the [`Variable`]s to histogram (an [`Expr`] of routes and a [`Binning`]),
//! the [`Category`]s (with generated combinations), the luminosity, external files, task
//! defaults, keep-columns rules, event weights, the [`InferenceModel`]s for CMS combine
//! (channels, processes, systematics) and free `aux` data. `configs/README.md` in the
//! repository describes the format.
//!
//! [`Expr::evaluate`] and [`Variable::evaluate`] compute a variable over a batch of
//! [`cf_columns::Events`]: one value per event or a list per event ([`Values`]), broadcast the
//! way awkward does, nulls kept (or replaced by the variable's `null_value`).
//!
//! [`Analysis::load`] reads the file and the files it includes, merges each config with the one
//! it `extends`, builds the typed model and checks it: unknown keys, wrong types, unique names
//! and ids, references that must resolve (dataset → process, children, defaults, shifts of
//! event weights, inference models), routes, expressions, binnings and file globs. It reports
//! every problem found (up to [`MAX_ERRORS`]) as one [`ConfigErrors`], each line reading
//! `file:line:col: message (did you mean …?)`.
//!
//! # Example
//!
//! ```
//! use cf_config::{Analysis, Binning};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/showcase.yaml");
//! let analysis = Analysis::load(path).map_err(|e| e.to_string())?;
//! let config = analysis.config("run3_2022_preEE").ok_or("no such config")?;
//!
//! let ht = config.variable("ht").ok_or("no ht")?;
//! assert_eq!(ht.routes()[0].to_string(), "Jet.pt[:,0]");
//! assert!(matches!(ht.binning, Binning::Edges(_)));
//!
//! let jec_up = config.shift("jec_up").ok_or("no jec_up")?;
//! assert_eq!(jec_up.aliases[0].1.to_string(), "Jet.pt_jec_up");
//!
//! let leaves: Vec<&str> = config.leaf_categories().iter().map(|c| c.name.as_str()).collect();
//! assert!(leaves.contains(&"mu__4j2b"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Errors
//!
//! ```
//! use cf_config::{Analysis, Error};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("analysis.yaml");
//! std::fs::write(&path, "analysis: a\nconfigs:\n  - name: c\n    id: 1\n    variables:\n      - {name: n, id: 1, binnig: [3, 0, 3]}\n")?;
//! let errors = Analysis::load(&path).unwrap_err();
//! // The misspelt key, and the key it leaves missing, both reported:
//! assert_eq!(errors.errors().len(), 2);
//! let typo = errors.errors().iter().find(|e| matches!(e, Error::UnknownKey { .. })).unwrap();
//! assert_eq!((typo.location().line(), typo.location().column()), (6, 26));
//! assert!(typo.to_string().ends_with("unknown key `binnig` in variable (did you mean `binning`?)"));
//! assert!(errors.to_string().contains("variable is missing the required key `binning`"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod error;
mod eval;
mod expr;
mod load;
mod model;
mod suggest;
mod yaml;

pub use error::{ConfigErrors, Error, Location, Result, MAX_ERRORS};
pub use eval::{EvalError, Values};
pub use expr::{BinOp, Expr, ExprError, Func};
pub use model::{
    Analysis, Binning, Category, Channel, Color, Config, CrossSection, Dataset, DatasetKind,
    Defaults, Direction, EventWeight, FileRef, Generate, InferenceModel, InferenceProcess,
    LnNEffect, Luminosity, Process, Shift, ShiftSource, ShiftType, Systematic, SystematicKind,
    Variable,
};

impl Analysis {
    /// Loads and validates an analysis file with the files it includes.
    ///
    /// Relative paths (includes, dataset files, external files) are resolved against the
    /// directory of the file that writes them. Every problem found is reported, not only the
    /// first.
    pub fn load(path: impl AsRef<std::path::Path>) -> std::result::Result<Analysis, ConfigErrors> {
        load::load(path.as_ref())
    }
}
