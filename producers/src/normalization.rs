//! Process ids and normalization weights.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int64Type};
use arrow_array::{Float64Array, Int64Array};
use cf_analysis::{producer, ClosureFunction};

/// The normalization factor of one process: σ · L / Σ w, with the cross section in pb, the
/// luminosity in pb⁻¹ and the sum of generator weights of all generated events of the
/// dataset (before any selection).
pub fn normalization_factor(xsec_pb: f64, luminosity_pb: f64, sum_gen_weights: f64) -> f64 {
    xsec_pb * luminosity_pb / sum_gen_weights
}

/// The `process_id` producer for a dataset of one process: the process id on every event.
pub fn process_id(id: i64) -> ClosureFunction {
    producer("process_id")
        .produces("process_id")
        .expect("a literal route is valid")
        .mc_only()
        .apply(move |events, _| {
            let ids = Int64Array::from(vec![id; events.num_events()]);
            events.set_column("process_id", Arc::new(ids))?;
            Ok(())
        })
}

/// The `normalization_weight` producer: `genWeight` times the factor of the event's process
/// (from [`normalization_factor`]), so that simulation is scaled to the data's luminosity.
/// An event of a process without a factor is an error naming the process id.
pub fn normalization_weight(factors: BTreeMap<i64, f64>) -> ClosureFunction {
    producer("normalization_weight")
        .uses("{process_id,genWeight}")
        .and_then(|d| d.produces("normalization_weight"))
        .expect("literal routes are valid")
        .mc_only()
        .apply(move |events, _| {
            let ids = events.column("process_id")?;
            let weights = events.column("genWeight")?;
            let ids = ids.as_primitive::<Int64Type>();
            let weights = weights.as_primitive::<Float32Type>();
            let mut out = Vec::with_capacity(ids.len());
            for (id, weight) in ids.values().iter().zip(weights.values()) {
                let factor = factors.get(id).ok_or_else(|| {
                    format!("no normalization factor for process id {id}; give every process of the dataset one")
                })?;
                out.push(f64::from(*weight) * factor);
            }
            events.set_column("normalization_weight", Arc::new(Float64Array::from(out)))?;
            Ok(())
        })
}
