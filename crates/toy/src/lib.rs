//! A deterministic toy generator of NanoAOD-like events, so that cf's example analysis runs
//! on a fresh machine without downloading data.
//!
//! **cf-toy** writes seeded events of example processes — semileptonic tt̄, t-channel single
//! top, W+jets, Drell–Yan and pseudo-data drawn from their sum — as Parquet files with flat
//! NanoAOD names and types (`nJet` as `int32`, `Jet_pt` as a list of `float32`, `Jet_jetId` as
//! `uint8`, … as in NanoAOD v12), which `cf_io::EventFile` reads as routes (`Jet.pt`).
//!
//! An event depends only on (model, seed, event index): files may split a sample anywhere and
//! hold the same events, and every run of the generator reproduces them bit for bit.
//!
//! Kinematics are plausible, not precise: top and W decays are real two-body decays (so m_bjj
//! peaks at the top mass and m_ll at the Z), jets get CMS-like resolutions and b-tag scores by
//! flavour, leptons get identification, isolation and impact parameters of prompt or non-prompt
//! origin, and MET is the neutrinos plus mismeasurement. The comments at each number say why.
//!
//! # Models
//!
//! | name | process | σ × BR (pb) | after the AGC selection¹ |
//! |---|---|---|---|
//! | `tt_sl` | tt̄ → b ℓν b qq̄', ℓ = e, μ | 266 | 21% |
//! | `st` | t-channel single top, t → b ℓν | 49.5 | 1.2% |
//! | `wjets` | W → ℓν + jets (10% negative weights) | 42 200 | 0.013% |
//! | `dy` | Z/γ* → ℓℓ + jets, 50 < m_ll < 150 GeV (10% negative weights) | 4 200 | 0.007% |
//! | `data` | pseudo-data: each event one of the above, drawn in proportion to σ | 46 716 | 0.14% |
//!
//! ¹ exactly one tight lepton above 30 GeV, ≥ 4 jets above 30 GeV, ≥ 1 with
//! `btagDeepFlavB` ≥ 0.3; measured on 200k events each.
//!
//! Pseudo-data of `L × data.xsec_pb` events (L in pb⁻¹) matches the simulation normalised
//! to L (`xsec_pb × L × genWeight / Σ genWeight`): data/MC ≈ 1 up to statistics and the
//! corrections applied to simulation only. Its events sit in run [`DATA_RUN`], lumi sections
//! [`DATA_LUMI_SECTIONS`], all certified in the shipped golden JSON.
//!
//! Throughput: `cargo run --release -p cf-toy --example throughput` writes 1M events with one
//! and two threads and prints events per second.
//!
//! # Example
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! let tt = cf_toy::model("tt_sl").expect("a shipped model");
//! let path = dir.path().join("tt_sl_0.parquet");
//! let written = cf_toy::write_events(tt, 42, 0, 1000, &path)?;
//! assert_eq!(written, 1000);
//!
//! let file = cf_io::EventFile::open(&path).unwrap();
//! assert!(file.offers(&cf_columns::Route::parse("Jet.btagDeepFlavB").unwrap()));
//! # Ok::<(), cf_toy::Error>(())
//! ```
#![deny(missing_docs)]

mod detector;
mod error;
mod kinematics;
mod physics;
mod rng;
mod write;

use arrow_schema::DataType;

pub use error::Error;
pub use write::{write_events, ROW_GROUP_EVENTS};

use detector::Chunk;
use physics::Process;
use rng::{name_key, Rng};

/// Result of the crate's fallible functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The run pseudo-data belongs to: 297050, whose lumi sections 193–776 (all of which
/// pseudo-data uses) are certified in the shipped golden JSON
/// `tests/data/lumi/Cert_294927-306462_13TeV_EOY2017ReReco_Collisions17_JSON.txt`.
pub const DATA_RUN: u32 = detector::DATA_RUN;

/// The lumi sections of [`DATA_RUN`] pseudo-data fills (2000 events each, then wrapping).
pub const DATA_LUMI_SECTIONS: std::ops::Range<u32> = detector::DATA_LUMI_SECTIONS;

/// The MET filter flags every file holds (`Flag_` + each name of cf-selectors' `MET_FILTERS`);
/// each fails in ~0.1% of simulated and ~0.2% of pseudo-data events.
pub const MET_FILTER_FLAGS: [&str; 8] = [
    "Flag_goodVertices",
    "Flag_globalSuperTightHalo2016Filter",
    "Flag_EcalDeadCellTriggerPrimitiveFilter",
    "Flag_BadPFMuonFilter",
    "Flag_BadPFMuonDzFilter",
    "Flag_hfNoisyHitsFilter",
    "Flag_eeBadScFilter",
    "Flag_ecalBadCalibFilter",
];

/// Branching fraction of a W to e ν or μ ν (PDG: 10.71% + 10.63%); taus are not simulated.
const BR_W_E_MU: f64 = 0.1071 + 0.1063;
/// tt̄ at 13.6 TeV (NNLO+NNLL, m_t = 172.5 GeV) times the semileptonic branching fraction
/// with ℓ = e, μ: 2 × BR(W → ℓν) × BR(W → qq̄') = 2 × 0.2134 × 0.676.
const TT_SL_XSEC: f64 = 923.6 * 2.0 * BR_W_E_MU * 0.676;
/// t-channel single top (t: 145.0 pb, t̄: 87.2 pb at 13.6 TeV) times BR(W → e/μ ν).
const ST_XSEC: f64 = (145.0 + 87.2) * BR_W_E_MU;
/// W → ℓν, ℓ = e, μ, inclusive (~21.1 nb per lepton flavour at 13.6 TeV).
const WJETS_XSEC: f64 = 2.0 * 21_100.0;
/// Z/γ* → ℓℓ, ℓ = e, μ, 50 < m_ll < 150 GeV (~2.1 nb per lepton flavour at 13.6 TeV).
const DY_XSEC: f64 = 2.0 * 2_100.0;

/// An example process (or pseudo-data) the toy generates.
#[derive(Debug)]
pub struct Model {
    /// Short name, used in file and dataset names (`tt_sl`).
    pub name: &'static str,
    /// Label for plots.
    pub label: &'static str,
    /// Cross section times branching fraction into what is simulated, in pb. For pseudo-data,
    /// the sum of the simulated processes': `luminosity × xsec_pb` pseudo-data events match
    /// the simulation normalised to that luminosity.
    pub xsec_pb: f64,
    /// True for pseudo-data: no generator-level branches.
    pub is_data: bool,
    /// Fraction of events with a negative `genWeight` (of the same magnitude, 1), as NLO
    /// generators produce; 0 for the LO-like samples.
    pub negative_weight_fraction: f64,
    source: Source,
}

#[derive(Clone, Copy, Debug)]
enum Source {
    Process(Process),
    /// Drawn from the simulated processes in proportion to their cross sections.
    Data,
}

static MODELS: [Model; 5] = [
    Model {
        name: "tt_sl",
        label: "t#bar{t} (semileptonic)",
        xsec_pb: TT_SL_XSEC,
        is_data: false,
        negative_weight_fraction: 0.0,
        source: Source::Process(Process::TtSemileptonic),
    },
    Model {
        name: "st",
        label: "single top (t-channel)",
        xsec_pb: ST_XSEC,
        is_data: false,
        negative_weight_fraction: 0.0,
        source: Source::Process(Process::SingleTop),
    },
    Model {
        name: "wjets",
        label: "W+jets",
        xsec_pb: WJETS_XSEC,
        is_data: false,
        negative_weight_fraction: 0.1,
        source: Source::Process(Process::WJets),
    },
    Model {
        name: "dy",
        label: "Drell-Yan",
        xsec_pb: DY_XSEC,
        is_data: false,
        negative_weight_fraction: 0.1,
        source: Source::Process(Process::DrellYan),
    },
    Model {
        name: "data",
        label: "pseudo-data",
        xsec_pb: TT_SL_XSEC + ST_XSEC + WJETS_XSEC + DY_XSEC,
        is_data: true,
        negative_weight_fraction: 0.0,
        source: Source::Data,
    },
];

/// Every model: `tt_sl`, `st`, `wjets`, `dy` (simulation) and `data` (pseudo-data).
pub fn models() -> &'static [Model] {
    &MODELS
}

/// The model called `name`, if there is one.
pub fn model(name: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.name == name)
}

/// The simulated model pseudo-data event `index` of `seed` was drawn from — what its truth
/// would be, for checks of the composition.
pub fn data_source(seed: u64, index: u64) -> &'static Model {
    let mut rng = Rng::for_event(seed, name_key("data"), index);
    data_draw(&mut rng).1
}

/// Picks a simulated model in proportion to its cross section; the first draw of a
/// pseudo-data event's generator.
fn data_draw(rng: &mut Rng) -> (Process, &'static Model) {
    let simulated = &MODELS[..MODELS.len() - 1];
    let total: f64 = simulated.iter().map(|m| m.xsec_pb).sum();
    let mut left = rng.uniform() * total;
    for model in simulated {
        if let Source::Process(process) = model.source {
            if left < model.xsec_pb {
                return (process, model);
            }
            left -= model.xsec_pb;
        }
    }
    // Rounding can leave `left` a hair above the last cross section.
    (Process::DrellYan, &MODELS[3])
}

/// The branches files of `model` hold, in file order, with their Arrow types: scalars as
/// themselves, collections as `List` of the value type, counters (`nJet`) as `Int32`.
/// Pseudo-data has no generator-level branches (`genWeight`, `Pileup_nTrueInt`,
/// `Jet_hadronFlavour`, `Jet_genJetIdx`, `GenJet_*`).
pub fn branches(model: &Model) -> Vec<(&'static str, DataType)> {
    Chunk::empty(model)
        .into_columns()
        .into_iter()
        .map(|(name, array)| (name, array.data_type().clone()))
        .collect()
}
