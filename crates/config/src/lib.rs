//! Campaign configs for cf analyses: the typed model, its YAML loader and its validation.
#![deny(missing_docs)]

mod error;
mod expr;
mod load;
mod model;
mod suggest;
mod yaml;

pub use error::{ConfigErrors, Error, Location, Result, MAX_ERRORS};
pub use expr::{BinOp, Expr, ExprError, Func};
pub use model::{
    Analysis, Binning, Category, Color, Config, CrossSection, Dataset, DatasetKind, Defaults,
    Direction, EventWeight, FileRef, Luminosity, Process, Shift, ShiftSource, ShiftType, Variable,
};

impl Analysis {
    /// Loads and validates an analysis file with its includes; every problem found is reported.
    pub fn load(path: impl AsRef<std::path::Path>) -> std::result::Result<Analysis, ConfigErrors> {
        load::load(path.as_ref())
    }
}
