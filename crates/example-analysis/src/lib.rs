//! An example analysis as its own crate: a few producers written against
//! `cf-analysis`, registered beside cf's own functions in the analysis's own `cf` binary
//! (`cf-example`, see `src/main.rs`).
//!
//! This is the shape of a physicist's analysis: functions that declare the columns they use
//! and produce, one `register` function, and a three-line `main`. What cf already provides
//! (the `cat_4j` categorizer) the analysis uses from cf's standard functions instead of
//! writing its own: every `cf` binary registers them.
#![deny(missing_docs)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef, Float32Array, Float64Array, Int32Array, ListArray};
use arrow_schema::{DataType, Field};
use cf_analysis::{
    producer, CallContext, ClosureFunction, Declaration, FnEvents, FnResult, Function, Outcome,
    Registry, SetupContext,
};
use cf_correction::{Column, CorrectionSet, Evaluate, Value};

/// Scalar sum of the jets' transverse momenta per event.
pub fn ht() -> ClosureFunction {
    producer("ht")
        .uses("Jet.pt")
        .and_then(|d| d.produces("ht"))
        .expect("literal routes are valid")
        .apply(|events, _| {
            let pt = events.column("Jet.pt")?;
            let pt = pt.as_list::<i32>();
            let ht: Float32Array = (0..pt.len())
                .map(|i| {
                    Some(
                        pt.value(i)
                            .as_primitive::<Float32Type>()
                            .values()
                            .iter()
                            .sum(),
                    )
                })
                .collect();
            events.set_column("ht", Arc::new(ht))?;
            Ok(())
        })
}

/// Jet features: the number of jets, the leading jet's pt (null without jets) and, by calling
/// [`ht`], the scalar sum.
pub fn jet_features() -> ClosureFunction {
    producer("jet_features")
        .uses("Jet.pt")
        .and_then(|d| d.produces("{n_jet,jet1_pt}"))
        .expect("literal routes are valid")
        .uses_function("ht")
        .produces_function("ht")
        .apply(|events, context| {
            context.call("ht", events)?;
            let pt = events.column("Jet.pt")?;
            let n_jet: Int32Array = pt
                .as_list::<i32>()
                .offsets()
                .windows(2)
                .map(|w| Some(w[1] - w[0]))
                .collect();
            events.set_column("n_jet", Arc::new(n_jet))?;
            events.set_column("jet1_pt", events.column("Jet.pt[:,0]")?)?;
            Ok(())
        })
}

/// The correction of the muon tight-ID scale factors in the MUO 2018 UL file.
pub const MUON_SF: &str = "NUM_TightID_DEN_TrackerMuons";

/// The external file (in the config's `external_files`) holding [`MUON_SF`].
pub const MUON_SF_FILE: &str = "muon_sf";

/// The lowest muon pt and highest |eta| the scale factors are measured for; muons outside take
/// the factor at the edge.
const MUON_SF_MIN_PT: f64 = 15.0;
const MUON_SF_MAX_ABS_ETA: f64 = 2.399;

/// Per-event product of the muons' tight-ID scale factors, from a correctionlib file that
/// `setup` loads once per task: a function with state, written against the
/// [`Function`] trait.
pub struct MuonWeight {
    declaration: Declaration,
    corrections: Option<CorrectionSet>,
}

impl MuonWeight {
    /// The function, before `setup` has loaded its corrections.
    pub fn new() -> Self {
        MuonWeight {
            declaration: producer("muon_weight")
                .uses("Muon.{pt,eta}")
                .and_then(|d| d.produces("muon_weight"))
                .expect("literal routes are valid")
                .mc_only()
                .shifts(["muon_sf_up", "muon_sf_down"]),
            corrections: None,
        }
    }
}

impl Default for MuonWeight {
    fn default() -> Self {
        MuonWeight::new()
    }
}

/// `f32` values of a jagged column mapped into a new `f64` list sharing its offsets.
fn jagged_f64(column: &ArrayRef, f: impl Fn(f64) -> f64) -> ListArray {
    let list = column.as_list::<i32>();
    let values: Float64Array = list
        .values()
        .as_primitive::<Float32Type>()
        .values()
        .iter()
        .map(|&v| f(f64::from(v)))
        .collect();
    let item = Field::new("item", DataType::Float64, false);
    ListArray::new(
        Arc::new(item),
        list.offsets().clone(),
        Arc::new(values),
        None,
    )
}

impl Function for MuonWeight {
    fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    fn setup(&mut self, context: &SetupContext<'_>) -> FnResult<()> {
        self.corrections = Some(CorrectionSet::from_file(context.file(MUON_SF_FILE)?)?);
        Ok(())
    }

    fn call(&self, events: &mut FnEvents<'_>, _: &CallContext<'_>) -> FnResult<Outcome> {
        let corrections = self
            .corrections
            .as_ref()
            .ok_or("setup has not loaded the corrections")?;
        let sf = corrections.correction(MUON_SF)?;
        let pt = jagged_f64(&events.column("Muon.pt")?, |pt| pt.max(MUON_SF_MIN_PT));
        let abseta = jagged_f64(&events.column("Muon.eta")?, |eta| {
            eta.abs().min(MUON_SF_MAX_ABS_ETA)
        });
        let factors = sf.evaluate_columns(&[
            Column::Scalar(Value::Str("2018_UL")),
            Column::Array(&abseta),
            Column::Array(&pt),
            Column::Scalar(Value::Str("sf")),
        ])?;
        let factors = factors.as_list::<i32>();
        let weight: Float64Array = (0..factors.len())
            .map(|i| {
                Some(
                    factors
                        .value(i)
                        .as_primitive::<Float64Type>()
                        .values()
                        .iter()
                        .product(),
                )
            })
            .collect();
        events.set_column("muon_weight", Arc::new(weight))?;
        Ok(Outcome::Columns)
    }
}

/// Adds the example's functions to a registry.
pub fn register(registry: &mut Registry) -> cf_analysis::Result<()> {
    registry.register(ht)?;
    registry.register(jet_features)?;
    registry.register(MuonWeight::new)?;
    Ok(())
}
