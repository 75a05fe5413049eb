//! Standard event filters and the default selector that chains them.

use arrow_array::cast::AsArray;
use arrow_array::BooleanArray;
use cf_analysis::{selector, ClosureFunction, Outcome, SelectionResult};

/// The MET filter flags CMS recommends for Run 3 NanoAOD (v12).
pub const MET_FILTERS: &[&str] = &[
    "goodVertices",
    "globalSuperTightHalo2016Filter",
    "EcalDeadCellTriggerPrimitiveFilter",
    "BadPFMuonFilter",
    "BadPFMuonDzFilter",
    "hfNoisyHitsFilter",
    "eeBadScFilter",
    "ecalBadCalibFilter",
];

/// The `met_filters` selector: events passing every flag of [`MET_FILTERS`], as the step
/// `met_filter`.
pub fn met_filters() -> ClosureFunction {
    selector("met_filters")
        .uses(&format!("Flag.{{{}}}", MET_FILTERS.join(",")))
        .expect("flag names are valid routes")
        .select(|events, _| {
            let mut pass = vec![true; events.num_events()];
            for flag in MET_FILTERS {
                let column = events.column(&format!("Flag.{flag}"))?;
                for (keep, value) in pass.iter_mut().zip(column.as_boolean().iter()) {
                    *keep &= value.unwrap_or(false);
                }
            }
            let mask = BooleanArray::from(pass);
            Ok(SelectionResult::new(mask.clone()).with_step("met_filter", mask))
        })
}

/// The `default` selector: the lumi mask (data only), the MET filters and the AGC selection,
/// their steps in that order, the event mask their conjunction, the AGC's object selections.
pub fn default() -> ClosureFunction {
    selector("default")
        .uses_function("lumi_mask")
        .uses_function("met_filters")
        .uses_function("agc")
        .select(|events, context| {
            let mut parts = Vec::new();
            if !context.dataset().is_mc {
                parts.push(context.call("lumi_mask", events)?);
            }
            parts.push(context.call("met_filters", events)?);
            parts.push(context.call("agc", events)?);
            let mut pass = vec![true; events.num_events()];
            let mut combined = SelectionResult::new(BooleanArray::from(Vec::<bool>::new()));
            for part in parts {
                let Outcome::Selection(part) = part else {
                    return Err("a selector called by `default` returned no selection".into());
                };
                for (keep, value) in pass.iter_mut().zip(part.event_mask.iter()) {
                    *keep &= value.unwrap_or(false);
                }
                combined.steps.extend(part.steps);
                combined.objects.extend(part.objects);
                combined.aux.extend(part.aux);
            }
            combined.event_mask = BooleanArray::from(pass);
            Ok(combined)
        })
}
