//! An example analysis as its own crate: a few producers written against
//! `cf-analysis`, registered beside cf's own functions in the analysis's own `cf` binary
//! (`cf-example`, see `src/main.rs`).
//!
//! This is the shape of a physicist's analysis: functions that declare the columns they use
//! and produce, one `register` function, and a three-line `main`. What cf already provides
//! (the `cat_4j` categorizer, the `muon_weight` scale factors) the analysis uses from cf's
//! standard functions instead of writing its own: every `cf` binary registers them.
#![deny(missing_docs)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::{Array, Float32Array, Int32Array};
use cf_analysis::{producer, ClosureFunction, Registry};

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

/// Adds the example's functions to a registry.
pub fn register(registry: &mut Registry) -> cf_analysis::Result<()> {
    registry.register(ht)?;
    registry.register(jet_features)?;
    Ok(())
}
