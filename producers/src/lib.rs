//! cf's standard producers, registered by name like any analysis function.
//!
//! - [`features`]: `ht`, `n_jet`, `jet1_pt` (null without jets) and `n_btag` (at
//!   [`BTAG_WORKING_POINT`], the one threshold cf-selectors' selection and categorizers use)
//!   from the jets.
//! - [`Jec`]: the `jec` calibrator, jet energy corrections and their `jec_up`/`jec_down`
//!   variations from a JERC correctionlib file (`jet_jerc`); [`Jer`], the `jer` smearing with
//!   `jer_up`/`jer_down`; [`jets`], both in order.
//! - [`category_ids`]: the leaf categories of a config each event falls in; built from the
//!   config, so the task that knows the config registers it.
//! - [`process_id`] and [`normalization_weight`]: genWeight · σ · L / Σw per process, from
//!   factors the task computes from the selection statistics.
//! - [`PileupWeight`]: `pu_weight` and its `pu_up`/`pu_down` variations from a correctionlib
//!   pileup file, loaded in `setup` from the config's external file `pu_sf`.
#![deny(missing_docs)]

mod categories;
mod features;
mod jec;
mod jer;
mod normalization;
mod pileup;

pub use categories::{category_ids, LeafCategory};
pub use cf_selectors::BTAG_WORKING_POINT;
pub use features::features;
pub use jec::{Jec, JecVersion, JERC_FILE};
pub use jer::{gaussian, jets, Jer, JerVersion};
pub use normalization::{normalization_factor, normalization_weight, process_id};
pub use pileup::{PileupWeight, PILEUP_FILE};

/// Adds the standard producers to a registry.
pub fn register(registry: &mut cf_analysis::Registry) -> cf_analysis::Result<()> {
    registry.register(features)?;
    registry.register(PileupWeight::new)?;
    registry.register(|| Jec::new(JecVersion::default()))?;
    registry.register(|| Jer::new(JerVersion::default()))?;
    registry.register(jets)?;
    Ok(())
}
