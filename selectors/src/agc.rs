//! The Analysis Grand Challenge ttbar selection.

use arrow_buffer::BooleanBuffer;
use cf_analysis::{selector, ClosureFunction, SelectionResult};

use crate::categories::BTAG_WORKING_POINT;
use crate::objects::{mask_array, ObjectMask};

/// Thresholds of the AGC selection; the defaults are the published ones (NanoAOD v12 names).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AgcCuts {
    /// Minimum lepton pt (GeV), electrons and muons.
    pub lepton_pt: f32,
    /// Maximum lepton |eta|.
    pub lepton_abs_eta: f32,
    /// Required electron `cutBased` id (4: tight).
    pub electron_cut_based: i64,
    /// Maximum lepton 3D impact-parameter significance.
    pub sip3d: f32,
    /// Maximum muon relative isolation (`pfRelIso04_all`).
    pub muon_isolation: f32,
    /// Minimum jet pt (GeV).
    pub jet_pt: f32,
    /// Maximum jet |eta|.
    pub jet_abs_eta: f32,
    /// Minimum jet `jetId` (6: tight with lepton veto).
    pub jet_id: i64,
    /// Minimum `btagDeepFlavB` of a b-tagged jet.
    pub btag: f32,
    /// Minimum number of selected jets.
    pub min_jets: usize,
}

impl Default for AgcCuts {
    fn default() -> Self {
        AgcCuts {
            lepton_pt: 30.0,
            lepton_abs_eta: 2.1,
            electron_cut_based: 4,
            sip3d: 4.0,
            muon_isolation: 0.15,
            jet_pt: 30.0,
            jet_abs_eta: 2.4,
            jet_id: 6,
            btag: BTAG_WORKING_POINT,
            min_jets: 4,
        }
    }
}

/// The `agc` selector: steps `lepton` (exactly one selected electron or muon), `jet` (at least
/// `min_jets` selected jets) and `btag` (at least one b-tagged selected jet). Its object
/// selections keep the selected `Electron`, `Muon` and `Jet`, and found `BJet`.
pub fn agc(cuts: AgcCuts) -> ClosureFunction {
    selector("agc")
        .uses("Electron.{pt,eta,cutBased,sip3d}")
        .and_then(|d| d.uses("Muon.{pt,eta,tightId,sip3d,pfRelIso04_all}"))
        .and_then(|d| d.uses("Jet.{pt,eta,jetId,btagDeepFlavB}"))
        .expect("literal routes are valid")
        .select(move |events, _| {
            let c = cuts;
            let electrons = ObjectMask::all("agc", events, "Electron.pt")?
                .f32(events, "Electron.pt", |v| v > c.lepton_pt)?
                .f32(events, "Electron.eta", |v| v.abs() < c.lepton_abs_eta)?
                .int(events, "Electron.cutBased", |v| v == c.electron_cut_based)?
                .f32(events, "Electron.sip3d", |v| v < c.sip3d)?
                .kept();
            let muons = ObjectMask::all("agc", events, "Muon.pt")?
                .f32(events, "Muon.pt", |v| v > c.lepton_pt)?
                .f32(events, "Muon.eta", |v| v.abs() < c.lepton_abs_eta)?
                .flag(events, "Muon.tightId")?
                .f32(events, "Muon.sip3d", |v| v < c.sip3d)?
                .f32(events, "Muon.pfRelIso04_all", |v| v < c.muon_isolation)?;
            let jets = ObjectMask::all("agc", events, "Jet.pt")?
                .f32(events, "Jet.pt", |v| v > c.jet_pt)?
                .f32(events, "Jet.eta", |v| v.abs() < c.jet_abs_eta)?
                .int(events, "Jet.jetId", |v| v >= c.jet_id)?;
            let bjets = jets
                .clone()
                .f32(events, "Jet.btagDeepFlavB", |v| v >= c.btag)?
                .kept();
            let (muons, jets) = (muons.kept(), jets.kept());

            let lepton = BooleanBuffer::collect_bool(electrons.len(), |event| {
                electrons.count(event) + muons.count(event) == 1
            });
            let jet = jets.mask(|n| n >= c.min_jets);
            let btag = bjets.mask(|n| n >= 1);
            let all = &(&lepton & &jet) & &btag;
            Ok(SelectionResult::new(mask_array(all))
                .with_step("lepton", mask_array(lepton))
                .with_step("jet", mask_array(jet))
                .with_step("btag", mask_array(btag))
                .with_objects("Electron", "Electron", electrons.into_indices())
                .with_objects("Muon", "Muon", muons.into_indices())
                .with_objects("Jet", "Jet", jets.into_indices())
                .with_objects("Jet", "BJet", bjets.into_indices()))
        })
}
