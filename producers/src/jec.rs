//! Jet energy corrections from a JERC correctionlib file.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef, Float32Array, Float64Array, ListArray};
use cf_analysis::{
    calibrator, CallContext, Declaration, FnEvents, FnResult, Function, Outcome, SetupContext,
};
use cf_correction::{Column, CorrectionSet, Evaluate};

/// The external file (in the config's `external_files`) holding the JERC corrections.
pub const JERC_FILE: &str = "jet_jerc";

/// Which corrections of the JERC file the calibrator evaluates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JecVersion {
    /// The L1L2L3(Res) compound correction for simulation.
    pub compound_mc: String,
    /// The L1L2L3Res compound correction for data.
    pub compound_data: String,
    /// The total uncertainty, evaluated on the corrected pt.
    pub uncertainty: String,
}

impl Default for JecVersion {
    /// Summer22 (22Sep2023, V3) for AK4 PUPPI jets, as in the shipped test file.
    fn default() -> Self {
        JecVersion {
            compound_mc: "Summer22_22Sep2023_V3_MC_L1L2L3Res_AK4PFPuppi".into(),
            compound_data: "Summer22_22Sep2023_RunCD_V3_DATA_L1L2L3Res_AK4PFPuppi".into(),
            uncertainty: "Summer22_22Sep2023_V3_MC_Total_AK4PFPuppi".into(),
        }
    }
}

/// The `jec` calibrator: undoes NanoAOD's correction with `rawFactor`, applies the compound
/// correction (area, eta, raw pt, rho) to `Jet.pt` and `Jet.mass`, and on simulation writes
/// `Jet.{pt,mass}_jec_{up,down}` from the total uncertainty: the shifts `jec_up`/`jec_down`.
pub struct Jec {
    declaration: Declaration,
    version: JecVersion,
    corrections: Option<std::sync::Arc<CorrectionSet>>,
}

impl Jec {
    /// The calibrator for `version`, before `setup` has loaded its corrections.
    pub fn new(version: JecVersion) -> Jec {
        Jec {
            declaration: calibrator("jec")
                .uses("Jet.{pt,mass,eta,area,rawFactor}")
                .and_then(|d| d.uses("Rho.fixedGridRhoFastjetAll"))
                .and_then(|d| d.produces("Jet.{pt,mass}"))
                .expect("literal routes are valid"),
            version,
            corrections: None,
        }
    }
}

impl Function for Jec {
    fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    fn init(&mut self, dataset: &cf_analysis::DatasetInfo) -> FnResult<()> {
        if dataset.is_mc {
            self.declaration = self
                .declaration
                .clone()
                .produces("Jet.{pt,mass}_jec_{up,down}")?
                .shifts(["jec_up", "jec_down"]);
        }
        Ok(())
    }

    fn setup(&mut self, context: &SetupContext<'_>) -> FnResult<()> {
        let corrections = CorrectionSet::shared(context.file(JERC_FILE)?)?;
        let compound = if context.dataset.is_mc {
            &self.version.compound_mc
        } else {
            &self.version.compound_data
        };
        corrections.compound(compound)?;
        if context.dataset.is_mc {
            corrections.correction(&self.version.uncertainty)?;
        }
        self.corrections = Some(corrections);
        Ok(())
    }

    fn call(&self, events: &mut FnEvents<'_>, context: &CallContext<'_>) -> FnResult<Outcome> {
        let corrections = self
            .corrections
            .as_ref()
            .ok_or("setup has not loaded the corrections")?;
        let is_mc = context.dataset().is_mc;
        let pt = events.column("Jet.pt")?;
        let mass = events.column("Jet.mass")?;
        let raw = jagged_f64(&events.column("Jet.rawFactor")?);
        let eta = jagged_f64(&events.column("Jet.eta")?);
        let area = jagged_f64(&events.column("Jet.area")?);
        let rho = events.column("Rho.fixedGridRhoFastjetAll")?;
        let rho: Float64Array = rho
            .as_primitive::<Float32Type>()
            .iter()
            .map(|r| r.map(f64::from))
            .collect();

        let raw_factors = raw.values().as_primitive::<Float64Type>();
        let unscale = |column: &ArrayRef| {
            let values = jagged_f64(column);
            let scaled: Float64Array = values
                .values()
                .as_primitive::<Float64Type>()
                .values()
                .iter()
                .zip(raw_factors.values())
                .map(|(v, r)| v * (1.0 - r))
                .collect();
            with_values(&values, Arc::new(scaled))
        };
        let raw_pt = unscale(&pt);
        let raw_mass = unscale(&mass);
        let compound = if is_mc {
            &self.version.compound_mc
        } else {
            &self.version.compound_data
        };
        let factor = corrections.compound(compound)?.evaluate_columns(&[
            Column::Array(&area),
            Column::Array(&eta),
            Column::Array(&raw_pt),
            Column::Array(&rho),
        ])?;
        let factor = factor
            .as_list::<i32>()
            .values()
            .as_primitive::<Float64Type>()
            .clone();
        let scale = |values: &ListArray, by: &dyn Fn(usize) -> f64| -> ArrayRef {
            let scaled: Float32Array = values
                .values()
                .as_primitive::<Float64Type>()
                .values()
                .iter()
                .enumerate()
                .map(|(i, v)| (v * factor.value(i) * by(i)) as f32)
                .collect();
            Arc::new(with_values(values, Arc::new(scaled))) as ArrayRef
        };
        let nominal = |_: usize| 1.0;
        let corrected_pt = scale(&raw_pt, &nominal);
        events.set_column("Jet.pt", corrected_pt.clone())?;
        events.set_column("Jet.mass", scale(&raw_mass, &nominal))?;
        if is_mc {
            let uncertainty = corrections
                .correction(&self.version.uncertainty)?
                .evaluate_columns(&[
                    Column::Array(&eta),
                    Column::Array(&jagged_f64(&corrected_pt)),
                ])?;
            let uncertainty = uncertainty
                .as_list::<i32>()
                .values()
                .as_primitive::<Float64Type>()
                .clone();
            for (name, sign) in [("up", 1.0), ("down", -1.0)] {
                let by = |i: usize| 1.0 + sign * uncertainty.value(i);
                events.set_column(&format!("Jet.pt_jec_{name}"), scale(&raw_pt, &by))?;
                events.set_column(&format!("Jet.mass_jec_{name}"), scale(&raw_mass, &by))?;
            }
        }
        Ok(Outcome::Columns)
    }
}

/// A jagged `f32` column as `f64` values with the same list structure, offsets starting at 0.
fn jagged_f64(column: &ArrayRef) -> ListArray {
    let (offsets, values) = cf_columns::normalized(column.as_list::<i32>());
    let values: Float64Array = values
        .as_primitive::<Float32Type>()
        .values()
        .iter()
        .map(|&v| f64::from(v))
        .collect();
    ListArray::new(
        Arc::new(arrow_schema::Field::new(
            "item",
            arrow_schema::DataType::Float64,
            false,
        )),
        offsets,
        Arc::new(values),
        None,
    )
}

/// `values` under the list structure of `like`.
fn with_values(like: &ListArray, values: ArrayRef) -> ListArray {
    let item = arrow_schema::Field::new("item", values.data_type().clone(), false);
    ListArray::new(Arc::new(item), like.offsets().clone(), values, None)
}
