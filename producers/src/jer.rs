//! Jet energy resolution smearing (the CMS hybrid method).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int16Type, UInt64Type};
use arrow_array::{ArrayRef, Float32Array, ListArray};
use cf_analysis::{
    calibrator, CallContext, ClosureFunction, Declaration, FnEvents, FnResult, Function, Outcome,
    SetupContext,
};
use cf_correction::{CorrectionSet, Evaluate, Value};

use crate::jec::JERC_FILE;
use crate::random::gaussian;

/// Which corrections of the JERC file the smearing evaluates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JerVersion {
    /// The relative pt resolution (eta, pt, rho).
    pub resolution: String,
    /// The data/simulation resolution scale factor (eta, pt, systematic).
    pub scale_factor: String,
}

impl Default for JerVersion {
    /// Summer22 (22Sep2023, JRV1) for AK4 PUPPI jets, as in the shipped test file.
    fn default() -> Self {
        JerVersion {
            resolution: "Summer22_22Sep2023_JRV1_MC_PtResolution_AK4PFPuppi".into(),
            scale_factor: "Summer22_22Sep2023_JRV1_MC_ScaleFactor_AK4PFPuppi".into(),
        }
    }
}

/// Largest ΔR between a jet and its generator jet for the match to count (half the AK4 radius).
const MAX_MATCH_DR: f64 = 0.2;
/// Largest |pt - gen pt| for a match, in units of the resolution times pt.
const MAX_MATCH_RESOLUTIONS: f64 = 3.0;

/// The `jer` calibrator (simulation only): smears `Jet.pt` and `Jet.mass` to the resolution
/// measured in data: scaled towards the matched generator jet, or by a Gaussian of the
/// resolution's width when there is none. The Gaussian numbers are a fixed function of the
/// event number and the jet's index, so reruns and every batch size give the same jets.
/// Writes `Jet.{pt,mass}_jer_{up,down}` for the shifts `jer_up`/`jer_down`.
pub struct Jer {
    declaration: Declaration,
    version: JerVersion,
    corrections: Option<std::sync::Arc<CorrectionSet>>,
}

impl Jer {
    /// The calibrator for `version`, before `setup` has loaded its corrections.
    pub fn new(version: JerVersion) -> Jer {
        Jer {
            declaration: calibrator("jer")
                .uses("Jet.{pt,eta,phi,mass,genJetIdx}")
                .and_then(|d| d.uses("GenJet.{pt,eta,phi}"))
                .and_then(|d| d.uses("{Rho.fixedGridRhoFastjetAll,event}"))
                .and_then(|d| d.produces("Jet.{pt,mass}{,_jer_up,_jer_down}"))
                .expect("literal routes are valid")
                .mc_only()
                .shifts(["jer_up", "jer_down"]),
            version,
            corrections: None,
        }
    }
}

impl Function for Jer {
    fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    fn setup(&mut self, context: &SetupContext<'_>) -> FnResult<()> {
        let corrections = CorrectionSet::shared(context.file(JERC_FILE)?)?;
        corrections.correction(&self.version.resolution)?;
        corrections.correction(&self.version.scale_factor)?;
        self.corrections = Some(corrections);
        Ok(())
    }

    fn call(&self, events: &mut FnEvents<'_>, _: &CallContext<'_>) -> FnResult<Outcome> {
        let corrections = self
            .corrections
            .as_ref()
            .ok_or("setup has not loaded the corrections")?;
        let resolution = corrections.correction(&self.version.resolution)?;
        let scale_factor = corrections.correction(&self.version.scale_factor)?;
        let jets = JetView::read(events)?;
        let smear = |systematic: &str| -> FnResult<(ArrayRef, ArrayRef)> {
            let mut pt = Vec::with_capacity(jets.pt.len());
            let mut mass = Vec::with_capacity(jets.pt.len());
            for event in 0..jets.offsets.len() - 1 {
                let rho = jets.rho.value(event) as f64;
                for (k, j) in
                    (jets.offsets[event] as usize..jets.offsets[event + 1] as usize).enumerate()
                {
                    let (jet_pt, eta) = (jets.pt[j] as f64, jets.eta[j] as f64);
                    let sigma = resolution.evaluate(&[
                        Value::Real(eta),
                        Value::Real(jet_pt),
                        Value::Real(rho),
                    ])?;
                    let sf = scale_factor.evaluate(&[
                        Value::Real(eta),
                        Value::Real(jet_pt),
                        Value::Str(systematic),
                    ])?;
                    let factor = match jets.matched_gen_pt(event, j, sigma) {
                        Some(gen_pt) => 1.0 + (sf - 1.0) * (jet_pt - gen_pt) / jet_pt,
                        None => {
                            1.0 + gaussian(jets.event_number(event), k)
                                * sigma
                                * (sf * sf - 1.0).max(0.0).sqrt()
                        }
                    }
                    .max(0.0);
                    pt.push((jet_pt * factor) as f32);
                    mass.push((jets.mass[j] as f64 * factor) as f32);
                }
            }
            Ok((jets.list(pt), jets.list(mass)))
        };
        for (suffix, systematic) in [("_jer_up", "up"), ("_jer_down", "down"), ("", "nom")] {
            let (pt, mass) = smear(systematic)?;
            events.set_column(&format!("Jet.pt{suffix}"), pt)?;
            events.set_column(&format!("Jet.mass{suffix}"), mass)?;
        }
        Ok(Outcome::Columns)
    }
}

/// The jet and generator-jet columns the smearing needs, flattened.
struct JetView {
    offsets: Vec<i32>,
    pt: Vec<f32>,
    eta: Vec<f32>,
    phi: Vec<f32>,
    mass: Vec<f32>,
    gen_index: Vec<i16>,
    gen_offsets: Vec<i32>,
    gen_pt: Vec<f32>,
    gen_eta: Vec<f32>,
    gen_phi: Vec<f32>,
    rho: Float32Array,
    events: Vec<u64>,
}

impl JetView {
    fn read(events: &FnEvents<'_>) -> FnResult<JetView> {
        let (offsets, pt) = flat_f32(&events.column("Jet.pt")?);
        let (_, eta) = flat_f32(&events.column("Jet.eta")?);
        let (_, phi) = flat_f32(&events.column("Jet.phi")?);
        let (_, mass) = flat_f32(&events.column("Jet.mass")?);
        let gen_index = events.column("Jet.genJetIdx")?;
        let gen_index = flat_values(&gen_index)
            .as_primitive::<Int16Type>()
            .values()
            .to_vec();
        let (gen_offsets, gen_pt) = flat_f32(&events.column("GenJet.pt")?);
        let (_, gen_eta) = flat_f32(&events.column("GenJet.eta")?);
        let (_, gen_phi) = flat_f32(&events.column("GenJet.phi")?);
        let rho = events
            .column("Rho.fixedGridRhoFastjetAll")?
            .as_primitive::<Float32Type>()
            .clone();
        let numbers = events.column("event")?;
        let numbers = numbers.as_primitive::<UInt64Type>().values().to_vec();
        Ok(JetView {
            offsets,
            pt,
            eta,
            phi,
            mass,
            gen_index,
            gen_offsets,
            gen_pt,
            gen_eta,
            gen_phi,
            rho,
            events: numbers,
        })
    }

    fn event_number(&self, event: usize) -> u64 {
        self.events[event]
    }

    /// The pt of the generator jet matched to jet `j` of `event`, if the match is close enough.
    fn matched_gen_pt(&self, event: usize, j: usize, sigma: f64) -> Option<f64> {
        let index = usize::try_from(self.gen_index[j]).ok()?;
        let g = self.gen_offsets[event] as usize + index;
        if g >= self.gen_offsets[event + 1] as usize {
            return None;
        }
        let deta = f64::from(self.eta[j] - self.gen_eta[g]);
        let mut dphi = f64::from(self.phi[j] - self.gen_phi[g]).abs();
        if dphi > std::f64::consts::PI {
            dphi = 2.0 * std::f64::consts::PI - dphi;
        }
        let (pt, gen_pt) = (f64::from(self.pt[j]), f64::from(self.gen_pt[g]));
        let close = (deta * deta + dphi * dphi).sqrt() < MAX_MATCH_DR
            && (pt - gen_pt).abs() < MAX_MATCH_RESOLUTIONS * sigma * pt;
        close.then_some(gen_pt)
    }

    fn list(&self, values: Vec<f32>) -> ArrayRef {
        Arc::new(ListArray::new(
            Arc::new(arrow_schema::Field::new(
                "item",
                arrow_schema::DataType::Float32,
                false,
            )),
            arrow_buffer::OffsetBuffer::new(self.offsets.clone().into()),
            Arc::new(Float32Array::from(values)),
            None,
        ))
    }
}

/// Offsets (from 0) and values of a jagged `f32` column.
fn flat_f32(column: &ArrayRef) -> (Vec<i32>, Vec<f32>) {
    let (offsets, values) = cf_columns::normalized(column.as_list::<i32>());
    (
        offsets.to_vec(),
        values.as_primitive::<Float32Type>().values().to_vec(),
    )
}

fn flat_values(column: &ArrayRef) -> ArrayRef {
    cf_columns::normalized(column.as_list::<i32>()).1
}

/// The `jets` calibrator: [`crate::Jec`] then, on simulation, [`Jer`] — cf's jet energy
/// calibration with the shifts of both.
pub fn jets() -> ClosureFunction {
    calibrator("jets")
        .uses_function("jec")
        .produces_function("jec")
        .uses_function("jer")
        .produces_function("jer")
        .apply(|events, context| {
            context.call("jec", events)?;
            if context.dataset().is_mc {
                context.call("jer", events)?;
            }
            Ok(())
        })
}
