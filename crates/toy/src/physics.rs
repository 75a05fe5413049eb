//! The hard processes at generator level: partons (future jets) with their flavour, prompt
//! leptons and the neutrinos' transverse momentum. Numbers are plausible for 13.6 TeV pp
//! collisions, tuned by eye to the shapes of published distributions, not fitted to anything.

use crate::kinematics::{two_body, P4};
use crate::rng::Rng;

/// Top quark mass and width (GeV, PDG).
const TOP: (f64, f64) = (172.5, 1.42);
/// W boson mass and width (GeV, PDG).
const W: (f64, f64) = (80.38, 2.09);
/// Z boson mass and width (GeV, PDG).
const Z: (f64, f64) = (91.1876, 2.4952);
/// b-quark mass in decays (GeV); light quarks and leptons are taken as massless.
const B_MASS: f64 = 4.8;

/// A hard process the toy simulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Process {
    /// tt̄ → (b ℓ ν)(b q q̄'), ℓ = e, μ.
    TtSemileptonic,
    /// t-channel single top, t → b ℓ ν.
    SingleTop,
    /// W(→ ℓ ν) + jets.
    WJets,
    /// Z/γ*(→ ℓ ℓ) + jets.
    DrellYan,
}

/// A parton that becomes a generator-level jet.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parton {
    pub(crate) p4: P4,
    /// Hadron flavour of the jet it makes: 5 (b), 4 (c) or 0 (light and gluon).
    pub(crate) flavour: u8,
}

/// A prompt lepton from a W or Z decay.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lepton {
    pub(crate) p4: P4,
    pub(crate) muon: bool,
    pub(crate) charge: i32,
}

/// The generator-level content of one event; buffers are reused across events.
#[derive(Debug, Default)]
pub(crate) struct Truth {
    pub(crate) partons: Vec<Parton>,
    pub(crate) leptons: Vec<Lepton>,
    /// Sum of the neutrinos' (px, py): the true missing transverse momentum.
    pub(crate) neutrinos: (f64, f64),
}

impl Truth {
    fn clear(&mut self) {
        self.partons.clear();
        self.leptons.clear();
        self.neutrinos = (0.0, 0.0);
    }

    fn parton(&mut self, p4: P4, flavour: u8) {
        self.partons.push(Parton { p4, flavour });
    }
}

/// Generates one event of `process` into `truth`.
pub(crate) fn generate(process: Process, rng: &mut Rng, truth: &mut Truth) {
    truth.clear();
    match process {
        Process::TtSemileptonic => tt_semileptonic(rng, truth),
        Process::SingleTop => single_top(rng, truth),
        Process::WJets => vector_boson_jets(rng, truth, false),
        Process::DrellYan => vector_boson_jets(rng, truth, true),
    }
}

/// Flavour of an extra QCD jet: mostly gluons and light quarks, some charm, a little bottom
/// (gluon splitting) — the W+jets composition of heavy flavour.
fn qcd_flavour(rng: &mut Rng) -> u8 {
    let u = rng.uniform();
    if u < 0.03 {
        5
    } else if u < 0.12 {
        4
    } else {
        0
    }
}

/// Extra QCD radiation: `count` jets with a power-law pt above 20 GeV (dN/dpt ∝ pt^-(α+1))
/// and a broad spread in η (σ = 2). Returns their summed (px, py), which the hard system recoils
/// against.
fn radiation(rng: &mut Rng, truth: &mut Truth, count: u32, alpha: f64) -> (f64, f64) {
    let mut sum = (0.0, 0.0);
    for _ in 0..count {
        let pt = rng.pareto(20.0, alpha).min(2000.0);
        let eta = rng.gauss(0.0, 2.0);
        let p4 = P4::from_pt_eta_phi_m(pt, eta, rng.phi(), 0.0);
        sum.0 += p4.px;
        sum.1 += p4.py;
        let flavour = qcd_flavour(rng);
        truth.parton(p4, flavour);
    }
    sum
}

/// Decays a top (or anti-top, by `charge` of its W) either to b ℓ ν or to b q q̄'.
fn decay_top(top: P4, leptonic: bool, charge: i32, rng: &mut Rng, truth: &mut Truth) {
    let w_mass = rng.breit_wigner(W.0, W.1, 60.0, top.mass() - B_MASS - 1.0);
    let (w, b) = two_body(top, w_mass, B_MASS, rng);
    truth.parton(b, 5);
    if leptonic {
        decay_w_leptonic(w, charge, rng, truth);
    } else {
        let (q1, q2) = two_body(w, 0.0, 0.0, rng);
        // W → c s̄ is as frequent as W → u d̄ (CKM-favoured, colour factors alike).
        let charm = rng.chance(0.5);
        truth.parton(q1, if charm { 4 } else { 0 });
        truth.parton(q2, 0);
    }
}

/// W → ℓ ν with ℓ = e or μ, equally often.
fn decay_w_leptonic(w: P4, charge: i32, rng: &mut Rng, truth: &mut Truth) {
    let (lepton, neutrino) = two_body(w, 0.0, 0.0, rng);
    truth.leptons.push(Lepton {
        p4: lepton,
        muon: rng.chance(0.5),
        charge,
    });
    truth.neutrinos.0 += neutrino.px;
    truth.neutrinos.1 += neutrino.py;
}

fn top_mass(rng: &mut Rng) -> f64 {
    rng.breit_wigner(TOP.0, TOP.1, TOP.0 - 15.0, TOP.0 + 15.0)
}

/// tt̄ in the semileptonic channel: initial-state radiation (on average one jet above 20 GeV),
/// the pair recoiling against it, m_tt̄ from threshold with a ~140 GeV-wide turn-over (its
/// distribution peaks near 400 GeV as measured), the pair's rapidity spread of ~1, and
/// isotropic decays. One top decays to ℓ ν b, the other to q q̄' b.
fn tt_semileptonic(rng: &mut Rng, truth: &mut Truth) {
    let isr = rng.poisson(1.0);
    let recoil = radiation(rng, truth, isr, 2.2);
    let (m1, m2) = (top_mass(rng), top_mass(rng));
    let m_tt = m1 + m2 + rng.gamma2(70.0);
    let pair = P4::from_pxpy_y_m(
        -recoil.0 + rng.gauss(0.0, 5.0),
        -recoil.1 + rng.gauss(0.0, 5.0),
        rng.gauss(0.0, 0.9),
        m_tt,
    );
    let (top, antitop) = two_body(pair, m1, m2, rng);
    let lepton_from_top = rng.chance(0.5);
    decay_top(top, lepton_from_top, 1, rng, truth);
    decay_top(antitop, !lepton_from_top, -1, rng, truth);
}

/// t-channel single top: q b → q' t. The top is central with pt ~ 60 GeV; the recoiling light
/// quark is forward (|η| ~ 2.4), the hallmark of the channel; the b̄ from the initial gluon
/// splitting is soft and often lost. Tops outnumber anti-tops 145 : 87 (the σ at 13.6 TeV).
fn single_top(rng: &mut Rng, truth: &mut Truth) {
    let charge = if rng.chance(145.0 / (145.0 + 87.2)) {
        1
    } else {
        -1
    };
    let pt = rng.gamma2(30.0);
    let phi = rng.phi();
    let top = P4::from_pxpy_y_m(
        pt * phi.cos(),
        pt * phi.sin(),
        rng.gauss(0.0, 1.3),
        top_mass(rng),
    );
    let spectator_eta = rng.gauss(2.4, 0.8).abs().copysign(rng.range(-1.0, 1.0));
    let spectator_pt = 10.0 + rng.gamma2(22.0);
    let spectator_phi = phi + std::f64::consts::PI + rng.gauss(0.0, 0.8);
    truth.parton(
        P4::from_pt_eta_phi_m(spectator_pt, spectator_eta, spectator_phi, 0.0),
        0,
    );
    let second_b = P4::from_pt_eta_phi_m(
        5.0 + rng.exponential(20.0),
        rng.gauss(0.0, 2.0),
        rng.phi(),
        B_MASS,
    );
    truth.parton(second_b, 5);
    let isr = rng.poisson(0.8);
    radiation(rng, truth, isr, 2.2);
    decay_top(top, true, charge, rng, truth);
}

/// W+jets and Z/γ*+jets: the number of partons above 20 GeV falls geometrically, so most
/// events have none to two; about a third of them make a central jet above 30 GeV, which
/// gives the measured ~0.2 per additional such jet ("Berends scaling"). The boson
/// recoils against them, with ~6 GeV of intrinsic transverse momentum. W⁺ outnumber W⁻
/// 57 : 43 at the LHC; W and Z decay isotropically to e or μ.
fn vector_boson_jets(rng: &mut Rng, truth: &mut Truth, z: bool) {
    let jets = rng.geometric(if z { 0.4 } else { 0.42 });
    let recoil = radiation(rng, truth, jets, 2.3);
    let (mass, width) = if z { Z } else { W };
    let boson = P4::from_pxpy_y_m(
        -recoil.0 + rng.gauss(0.0, 6.0),
        -recoil.1 + rng.gauss(0.0, 6.0),
        rng.gauss(0.0, 1.8),
        rng.breit_wigner(mass, width, 50.0, 150.0),
    );
    if z {
        let (first, second) = two_body(boson, 0.0, 0.0, rng);
        let muon = rng.chance(0.5);
        truth.leptons.push(Lepton {
            p4: first,
            muon,
            charge: 1,
        });
        truth.leptons.push(Lepton {
            p4: second,
            muon,
            charge: -1,
        });
    } else {
        let charge = if rng.chance(0.57) { 1 } else { -1 };
        decay_w_leptonic(boson, charge, rng, truth);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tt_has_two_b_quarks_a_lepton_and_the_top_mass_in_bjj() {
        let mut truth = Truth::default();
        for index in 0..200 {
            let mut rng = Rng::for_event(1, 2, index);
            generate(Process::TtSemileptonic, &mut rng, &mut truth);
            assert_eq!(truth.leptons.len(), 1);
            // The hadronic top's products are the last three partons pushed before the
            // leptonic top's b, or the last three: find a b + two non-b trio at the top mass.
            let b_count = truth.partons.iter().filter(|p| p.flavour == 5).count();
            assert!(b_count >= 2);
            let masses: Vec<f64> = truth
                .partons
                .windows(3)
                .map(|w| (w[0].p4 + w[1].p4 + w[2].p4).mass())
                .collect();
            assert!(
                masses.iter().any(|m| (m - TOP.0).abs() < 16.0),
                "no b q q̄' trio near the top mass: {masses:?}"
            );
        }
    }

    #[test]
    fn drell_yan_leptons_are_an_opposite_sign_pair_at_the_z() {
        let mut truth = Truth::default();
        let mut rng = Rng::for_event(1, 2, 3);
        generate(Process::DrellYan, &mut rng, &mut truth);
        let [a, b] = truth.leptons[..] else {
            panic!("two leptons expected")
        };
        assert_eq!(a.charge + b.charge, 0);
        assert_eq!(a.muon, b.muon);
        assert!((50.0..150.0).contains(&(a.p4 + b.p4).mass()));
    }
}
