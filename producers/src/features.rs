//! High-level jet features.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::{Array, Float32Array, Int32Array};
use cf_analysis::{producer, ClosureFunction};
use cf_selectors::BTAG_WORKING_POINT;

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
