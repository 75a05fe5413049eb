//! High-level jet and lepton features.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::{Array, Float32Array, Int32Array};
use arrow_buffer::OffsetBuffer;
use cf_analysis::{producer, ClosureFunction, FnEvents, FnResult};
use cf_selectors::BTAG_WORKING_POINT;

use crate::error::Error;

/// The `features` producer: `ht` (scalar sum of jet pt), `n_jet`, `jet1_pt` (the leading jet's
/// pt, null without jets) and `n_btag` (jets with `btagDeepFlavB` ≥ [`BTAG_WORKING_POINT`]).
pub fn features() -> ClosureFunction {
    producer("features")
        .uses("Jet.{pt,btagDeepFlavB}")
        .and_then(|d| d.produces("{ht,n_jet,jet1_pt,n_btag}"))
        .expect("literal routes are valid")
        .apply(|events, _| {
            let pt = events.column("Jet.pt")?;
            let btag = events.column("Jet.btagDeepFlavB")?;
            let (pt, btag) = (pt.as_list::<i32>(), btag.as_list::<i32>());
            let mut ht = Vec::with_capacity(pt.len());
            let mut n_jet = Vec::with_capacity(pt.len());
            let mut n_btag = Vec::with_capacity(pt.len());
            for i in 0..pt.len() {
                let jets = pt.value(i);
                let scores = btag.value(i);
                let jets = jets.as_primitive::<Float32Type>().values();
                ht.push(jets.iter().sum::<f32>());
                n_jet.push(jets.len() as i32);
                let tagged = scores.as_primitive::<Float32Type>().values();
                n_btag.push(tagged.iter().filter(|&&b| b >= BTAG_WORKING_POINT).count() as i32);
            }
            events.set_column("ht", Arc::new(Float32Array::from(ht)))?;
            events.set_column("n_jet", Arc::new(Int32Array::from(n_jet)))?;
            events.set_column("n_btag", Arc::new(Int32Array::from(n_btag)))?;
            events.set_column("jet1_pt", events.column("Jet.pt[:,0]")?)?;
            Ok(())
        })
}

/// The `lepton_features` producer: `n_lep` (electrons plus muons), and the leading lepton's
/// `lep1_pt`, `lep1_eta` and `lep1_phi`, the lepton of highest pt among `Electron` and `Muon`
/// (the electron when an electron and a muon have the same pt); null without leptons.
pub fn lepton_features() -> ClosureFunction {
    producer("lepton_features")
        .uses("{Electron,Muon}.{pt,eta,phi}")
        .and_then(|d| d.produces("{n_lep,lep1_pt,lep1_eta,lep1_phi}"))
        .expect("literal routes are valid")
        .apply(|events, _| {
            let electrons = Leptons::read(events, "Electron")?;
            let muons = Leptons::read(events, "Muon")?;
            let n = events.num_events();
            let mut n_lep = Vec::with_capacity(n);
            let (mut pt, mut eta, mut phi) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            for event in 0..n {
                let e = electrons.leading(event);
                let m = muons.leading(event);
                n_lep.push((electrons.count(event) + muons.count(event)) as i32);
                let leading = match (e, m) {
                    (Some(e), Some(m)) => Some(if m.0 > e.0 { m } else { e }),
                    (e, m) => e.or(m),
                };
                pt.push(leading.map(|l| l.0));
                eta.push(leading.map(|l| l.1));
                phi.push(leading.map(|l| l.2));
            }
            events.set_column("n_lep", Arc::new(Int32Array::from(n_lep)))?;
            events.set_column("lep1_pt", Arc::new(Float32Array::from(pt)))?;
            events.set_column("lep1_eta", Arc::new(Float32Array::from(eta)))?;
            events.set_column("lep1_phi", Arc::new(Float32Array::from(phi)))?;
            Ok(())
        })
}

/// pt, eta and phi of one lepton collection, offsets from 0.
struct Leptons {
    offsets: OffsetBuffer<i32>,
    pt: Float32Array,
    eta: Float32Array,
    phi: Float32Array,
}

impl Leptons {
    fn read(events: &FnEvents<'_>, collection: &str) -> FnResult<Leptons> {
        let field = |name: &str| -> FnResult<(OffsetBuffer<i32>, Float32Array)> {
            let route = format!("{collection}.{name}");
            let column = events.column(&route)?;
            let wrong_type = || Error::ColumnType {
                column: route.clone(),
                expected: "a list of float32 (one value per object)",
                found: column.data_type().to_string(),
            };
            let list = column.as_list_opt::<i32>().ok_or_else(wrong_type)?;
            let (offsets, values) = cf_columns::normalized(list);
            let values = values
                .as_primitive_opt::<Float32Type>()
                .ok_or_else(wrong_type)?;
            Ok((offsets, values.clone()))
        };
        let (offsets, pt) = field("pt")?;
        let (_, eta) = field("eta")?;
        let (_, phi) = field("phi")?;
        if eta.len() != pt.len() || phi.len() != pt.len() {
            return Err(Error::Misaligned {
                first: format!("{collection}.pt"),
                second: format!("{collection}.{{eta,phi}}"),
            }
            .into());
        }
        Ok(Leptons {
            offsets,
            pt,
            eta,
            phi,
        })
    }

    fn count(&self, event: usize) -> usize {
        (self.offsets[event + 1] - self.offsets[event]) as usize
    }

    /// pt, eta and phi of the event's highest-pt object (the first of equals). NanoAOD
    /// sorts leptons by pt, but calibrations may change pt without sorting again.
    fn leading(&self, event: usize) -> Option<(f32, f32, f32)> {
        let range = self.offsets[event] as usize..self.offsets[event + 1] as usize;
        let pt = self.pt.values();
        let best = range.reduce(|best, k| if pt[k] > pt[best] { k } else { best })?;
        Some((pt[best], self.eta.value(best), self.phi.value(best)))
    }
}
