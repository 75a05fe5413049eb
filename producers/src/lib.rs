//! cf's standard producers, registered by name like any analysis function.
//!
//! - [`features`]: `ht`, `n_jet`, `jet1_pt` (null without jets) and `n_btag` (at
//!   [`BTAG_WORKING_POINT`], the one threshold cf-selectors' selection and categorizers use)
//!   from the jets; [`lepton_features`]: `n_lep` and the leading lepton's `lep1_pt`,
//!   `lep1_eta`, `lep1_phi` (null without leptons) from electrons and muons.
//! - [`Jec`]: the `jec` calibrator, jet energy corrections and their `jec_up`/`jec_down`
//!   variations from a JERC correctionlib file (`jet_jerc`); [`Jer`], the `jer` smearing with
//!   `jer_up`/`jer_down`; [`jets`], both in order.
//! - [`category_ids`]: the leaf categories of a config each event falls in; built from the
//!   config, so the task that knows the config registers it.
//! - [`process_id`] and [`normalization_weight`]: genWeight · σ · L / Σw per process, from
//!   factors the task computes from the selection statistics.
//! - [`PileupWeight`]: `pu_weight` and its `pu_up`/`pu_down` variations from a correctionlib
//!   pileup file, loaded in `setup` from the config's external file `pu_sf`.
//! - [`LeptonWeight`]: `muon_weight` ([`muon_weight`], the MUO ID factors of the external file
//!   `muon_sf`, shifts `muon_sf_up`/`muon_sf_down`) and `electron_weight` ([`electron_weight`],
//!   the EGM ID factors of `electron_sf`, shifts `electron_sf_up`/`electron_sf_down`): per
//!   event the product over the objects, with `_up`/`_down` columns; objects outside the
//!   correction's bins count as 1. [`MuonSf`] and [`ElectronSf`] choose another correction.
//! - The AGC ttbar analysis: [`agc_jet_variations`] (calibrator, `Jet.pt_scale_up` and the
//!   smeared `Jet.pt_res_up` for the shifts `scale_up`/`res_up`), [`agc_observables`] (`HT`
//!   and the b-tagged trijet mass `m_bjj`) and [`agc_btag_weights`] (`btag_weight` with
//!   `btag_up`/`btag_down`).
#![deny(missing_docs)]

mod agc;
mod categories;
mod error;
mod features;
mod jec;
mod jer;
mod lepton_sf;
mod normalization;
mod pileup;
mod random;

pub use agc::{
    agc_btag_weights, agc_jet_variations, agc_observables, BTAG_VARIATION, BTAG_VARIATION_PT,
    BTAG_WEIGHT_JETS, JET_RESOLUTION, JET_SCALE_UP,
};
pub use categories::{category_ids, LeafCategory};
pub use cf_selectors::BTAG_WORKING_POINT;
pub use error::Error;
pub use features::{features, lepton_features};
pub use jec::{Jec, JecVersion, JERC_FILE};
pub use jer::{jets, Jer, JerVersion};
pub use lepton_sf::{
    electron_weight, muon_weight, ElectronSf, LeptonWeight, MuonSf, ELECTRON_SF_FILE, MUON_SF_FILE,
};
pub use normalization::{normalization_factor, normalization_weight, process_id};
pub use pileup::{PileupWeight, PILEUP_FILE};
pub use random::{gaussian, gaussians};

/// Adds the standard producers to a registry.
pub fn register(registry: &mut cf_analysis::Registry) -> cf_analysis::Result<()> {
    registry.register(features)?;
    registry.register(lepton_features)?;
    registry.register(muon_weight)?;
    registry.register(electron_weight)?;
    registry.register(PileupWeight::new)?;
    registry.register(|| Jec::new(JecVersion::default()))?;
    registry.register(|| Jer::new(JerVersion::default()))?;
    registry.register(jets)?;
    registry.register(agc_jet_variations)?;
    registry.register(agc_observables)?;
    registry.register(agc_btag_weights)?;
    Ok(())
}
