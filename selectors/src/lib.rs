//! cf's standard selectors, registered by name like any analysis function.
//!
//! - [`agc`]: the IRIS-HEP Analysis Grand Challenge ttbar selection: exactly one tight lepton,
//!   at least four jets, at least one b-tagged jet, as named steps, with the selected electrons,
//!   muons and jets (and the b-tagged jets as `BJet`) as object selections.
//! - [`LumiMask`]: data events in the certified luminosity blocks of a golden JSON, loaded in
//!   `setup` from the config's external file `golden_json`.
#![deny(missing_docs)]

mod agc;
mod lumi;
mod objects;

pub use agc::{agc, AgcCuts};
pub use lumi::{GoldenJson, LumiMask, GOLDEN_JSON_FILE};

/// Adds the standard selectors to a registry.
pub fn register(registry: &mut cf_analysis::Registry) -> cf_analysis::Result<()> {
    registry.register(|| agc(AgcCuts::default()))?;
    registry.register(LumiMask::new)?;
    Ok(())
}
