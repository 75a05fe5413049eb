//! cf's standard selectors, registered by name like any analysis function.
//!
//! - [`agc`]: the IRIS-HEP Analysis Grand Challenge ttbar selection: exactly one tight lepton,
//!   at least four jets, at least one b-tagged jet, as named steps, with the selected electrons,
//!   muons and jets (and the b-tagged jets as `BJet`) as object selections.
//! - [`LumiMask`]: data events in the certified luminosity blocks of a golden JSON, loaded in
//!   `setup` from the config's external file `golden_json`.
//! - [`met_filters`]: the Run 3 MET filter flags.
//! - [`default`]: lumi mask (data), MET filters and the AGC selection, chained.
//! - Categorizers counting the objects kept by the selection: [`cat_incl`] (every event),
//!   [`cat_e`] and [`cat_mu`] (exactly one electron, or muon, and no other lepton), [`cat_4j`]
//!   (at least four jets), [`cat_1b`] and [`cat_2b`] (exactly one, or at least two, jets
//!   b-tagged at [`BTAG_WORKING_POINT`], the one b-tag threshold of cf's standard functions).
#![deny(missing_docs)]

mod agc;
mod categories;
mod error;
mod filters;
mod lumi;
mod objects;

pub use agc::{agc, AgcCuts};
pub use categories::{cat_1b, cat_2b, cat_4j, cat_e, cat_incl, cat_mu, BTAG_WORKING_POINT};
pub use error::Error;
pub use filters::{default, met_filters, MET_FILTERS};
pub use lumi::{GoldenJson, LumiMask, GOLDEN_JSON_FILE};

/// Adds the standard selectors to a registry.
pub fn register(registry: &mut cf_analysis::Registry) -> cf_analysis::Result<()> {
    registry.register(|| agc(AgcCuts::default()))?;
    registry.register(LumiMask::new)?;
    registry.register(met_filters)?;
    registry.register(default)?;
    registry.register(cat_incl)?;
    registry.register(cat_e)?;
    registry.register(cat_mu)?;
    registry.register(cat_4j)?;
    registry.register(cat_1b)?;
    registry.register(cat_2b)?;
    Ok(())
}
