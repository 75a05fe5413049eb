//! Pileup weights from a correctionlib file.

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::Float64Array;
use cf_analysis::{
    producer, CallContext, Declaration, FnEvents, FnResult, Function, Outcome, SetupContext,
};
use cf_correction::{Column, CorrectionSet, Evaluate, Value};

/// The external file (in the config's `external_files`) holding the pileup correction.
pub const PILEUP_FILE: &str = "pu_sf";

/// The `pu_weight` producer (simulation only): `pu_weight`, `pu_weight_up` and
/// `pu_weight_down` from `Pileup.nTrueInt`, evaluated with the one correction of the CMS LUM
/// pileup file; it implements the shifts `pu_up` and `pu_down`.
pub struct PileupWeight {
    declaration: Declaration,
    corrections: Option<std::sync::Arc<CorrectionSet>>,
}

impl PileupWeight {
    /// The producer, before `setup` has loaded its corrections.
    pub fn new() -> PileupWeight {
        PileupWeight {
            declaration: producer("pu_weight")
                .uses("Pileup.nTrueInt")
                .and_then(|d| d.produces("pu_weight{,_up,_down}"))
                .expect("literal routes are valid")
                .mc_only()
                .shifts(["pu_up", "pu_down"]),
            corrections: None,
        }
    }
}

impl Default for PileupWeight {
    fn default() -> Self {
        PileupWeight::new()
    }
}

impl Function for PileupWeight {
    fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    fn setup(&mut self, context: &SetupContext<'_>) -> FnResult<()> {
        let path = context.file(PILEUP_FILE)?;
        let corrections = CorrectionSet::shared(path)?;
        let count = corrections.corrections().count();
        if count != 1 {
            return Err(format!(
                "{}: a pileup file holds one correction, this one holds {count}",
                path.display()
            )
            .into());
        }
        self.corrections = Some(corrections);
        Ok(())
    }

    fn call(&self, events: &mut FnEvents<'_>, _: &CallContext<'_>) -> FnResult<Outcome> {
        let corrections = self
            .corrections
            .as_ref()
            .ok_or("setup has not loaded the corrections")?;
        let correction = corrections
            .corrections()
            .next()
            .ok_or("the pileup file holds no correction")?;
        let n_true = events.column("Pileup.nTrueInt")?;
        let n_true: Float64Array = n_true
            .as_primitive::<Float32Type>()
            .values()
            .iter()
            .map(|&n| f64::from(n))
            .collect();
        for (column, variation) in [
            ("pu_weight", "nominal"),
            ("pu_weight_up", "up"),
            ("pu_weight_down", "down"),
        ] {
            let weights = correction.evaluate_columns(&[
                Column::Array(&n_true),
                Column::Scalar(Value::Str(variation)),
            ])?;
            events.set_column(column, weights)?;
        }
        Ok(Outcome::Columns)
    }
}
