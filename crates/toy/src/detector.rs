//! From generator-level truth to NanoAOD objects: jet and lepton resolutions, efficiencies,
//! identification and isolation, b-tagging, pileup, MET — and the columns they fill.

use std::f64::consts::PI;
use std::ops::Range;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float32Array, Int16Array, Int32Array, ListArray, UInt32Array,
    UInt64Array, UInt8Array,
};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::Field;

use crate::physics::{generate, Process, Truth};
use crate::rng::{name_key, Rng};
use crate::{data_draw, Model, Source, MET_FILTER_FLAGS};

/// Simulated events have `run` 1, like CMS simulation.
const MC_RUN: u32 = 1;
/// Pseudo-data's run: 297050, certified for lumi sections 193–776 in the shipped golden JSON
/// `tests/data/lumi/Cert_294927-306462_13TeV_EOY2017ReReco_Collisions17_JSON.txt`.
pub(crate) const DATA_RUN: u32 = 297_050;
/// The certified lumi sections of [`DATA_RUN`] that pseudo-data fills, in order.
pub(crate) const DATA_LUMI_SECTIONS: Range<u32> = 193..777;
/// Events per lumi section; past the last section pseudo-data wraps to the first (the event
/// number keeps every event distinct).
const EVENTS_PER_LUMI: u64 = 2000;

/// A reconstructed jet before it is written, pt-ordered per event.
#[derive(Clone, Copy, Debug)]
struct RecoJet {
    pt: f64,
    eta: f64,
    phi: f64,
    mass: f64,
    flavour: u8,
    /// Index of its generator-level jet in the (unsorted) list of the event's gen jets.
    gen: Option<usize>,
    pileup: bool,
}

#[derive(Clone, Copy, Debug)]
struct GenJet {
    pt: f64,
    eta: f64,
    phi: f64,
    mass: f64,
}

/// A reconstructed electron or muon before it is written.
#[derive(Clone, Copy, Debug)]
struct RecoLepton {
    pt: f64,
    eta: f64,
    phi: f64,
    charge: i32,
    /// Electron `cutBased` (0–4) or muon `tightId` (0/1).
    id: u8,
    sip3d: f64,
    /// `pfRelIso03_all` for electrons, `pfRelIso04_all` for muons.
    isolation: f64,
    delta_eta_sc: f64,
}

/// Per-worker buffers reused across events.
#[derive(Debug, Default)]
struct Scratch {
    truth: Truth,
    jets: Vec<RecoJet>,
    gen_jets: Vec<GenJet>,
    /// Position of each gen jet once the collection is pt-ordered.
    gen_rank: Vec<usize>,
    electrons: Vec<RecoLepton>,
    muons: Vec<RecoLepton>,
}

#[derive(Debug)]
struct Jets {
    offsets: Vec<i32>,
    pt: Vec<f32>,
    eta: Vec<f32>,
    phi: Vec<f32>,
    mass: Vec<f32>,
    btag: Vec<f32>,
    raw_factor: Vec<f32>,
    area: Vec<f32>,
    jet_id: Vec<u8>,
    hadron_flavour: Vec<u8>,
    gen_jet_idx: Vec<i16>,
}

#[derive(Debug)]
struct GenJets {
    offsets: Vec<i32>,
    pt: Vec<f32>,
    eta: Vec<f32>,
    phi: Vec<f32>,
    mass: Vec<f32>,
}

#[derive(Debug)]
struct Leptons {
    offsets: Vec<i32>,
    pt: Vec<f32>,
    eta: Vec<f32>,
    phi: Vec<f32>,
    mass: Vec<f32>,
    charge: Vec<i32>,
    id: Vec<u8>,
    sip3d: Vec<f32>,
    isolation: Vec<f32>,
    delta_eta_sc: Vec<f32>,
}

/// The columns of a run of consecutive events.
#[derive(Debug)]
pub(crate) struct Chunk {
    with_gen: bool,
    run: Vec<u32>,
    luminosity_block: Vec<u32>,
    event: Vec<u64>,
    gen_weight: Vec<f32>,
    n_true_int: Vec<f32>,
    npvs: Vec<u8>,
    rho: Vec<f32>,
    jet: Jets,
    gen_jet: GenJets,
    electron: Leptons,
    muon: Leptons,
    met_pt: Vec<f32>,
    met_phi: Vec<f32>,
    flags: Vec<Vec<bool>>,
}

fn offsets() -> Vec<i32> {
    vec![0]
}

impl Jets {
    fn new() -> Jets {
        Jets {
            offsets: offsets(),
            pt: Vec::new(),
            eta: Vec::new(),
            phi: Vec::new(),
            mass: Vec::new(),
            btag: Vec::new(),
            raw_factor: Vec::new(),
            area: Vec::new(),
            jet_id: Vec::new(),
            hadron_flavour: Vec::new(),
            gen_jet_idx: Vec::new(),
        }
    }
}

impl GenJets {
    fn new() -> GenJets {
        GenJets {
            offsets: offsets(),
            pt: Vec::new(),
            eta: Vec::new(),
            phi: Vec::new(),
            mass: Vec::new(),
        }
    }
}

impl Leptons {
    fn new() -> Leptons {
        Leptons {
            offsets: offsets(),
            pt: Vec::new(),
            eta: Vec::new(),
            phi: Vec::new(),
            mass: Vec::new(),
            charge: Vec::new(),
            id: Vec::new(),
            sip3d: Vec::new(),
            isolation: Vec::new(),
            delta_eta_sc: Vec::new(),
        }
    }

    fn push(&mut self, leptons: &mut [RecoLepton], mass: f32) {
        leptons.sort_by(|a, b| b.pt.total_cmp(&a.pt));
        for l in leptons.iter() {
            self.pt.push(l.pt as f32);
            self.eta.push(nano(l.eta, 12));
            self.phi.push(nano(l.phi, 12));
            self.mass.push(mass);
            self.charge.push(l.charge);
            self.id.push(l.id);
            self.sip3d.push(nano(l.sip3d, 10));
            self.isolation.push(nano(l.isolation, 6));
            self.delta_eta_sc.push(nano(l.delta_eta_sc, 10));
        }
        self.offsets.push(self.pt.len() as i32);
    }
}

/// `value` with its mantissa rounded to `bits` bits, as NanoAOD stores most floats (angles 12
/// bits, masses and scores 10, isolations 6): what the files look like, and they compress.
fn nano(value: f64, bits: u32) -> f32 {
    let shift = 23 - bits;
    let raw = (value as f32).to_bits();
    let rounded = raw.wrapping_add(1 << (shift - 1)) & !((1 << shift) - 1);
    f32::from_bits(rounded)
}

fn wrap_phi(phi: f64) -> f64 {
    (phi + PI).rem_euclid(2.0 * PI) - PI
}

/// Relative jet pt resolution: noise, stochastic and constant terms typical of CMS AK4 jets
/// (~20% at 30 GeV, ~10% at 100 GeV), a third worse outside the tracker.
fn jet_resolution(pt: f64, eta: f64) -> f64 {
    let central = ((3.0 / pt).powi(2) + 1.0 / pt + 0.04 * 0.04).sqrt();
    if eta.abs() > 2.5 {
        1.3 * central
    } else {
        central
    }
}

/// `btagDeepFlavB`: a tagged-looking score (≥ 0.3, piling up near 1) for ~75% of b jets,
/// ~18% of c jets and ~1% of light jets inside the tracker (|η| < 2.5), the working-point
/// efficiencies of DeepJet's medium point; otherwise a score below 0.3 that is lowest for
/// light jets and highest for b jets.
fn btag_score(rng: &mut Rng, flavour: u8, eta: f64) -> f64 {
    let tagged = match flavour {
        5 => 0.75,
        4 => 0.18,
        _ => 0.012,
    };
    if eta.abs() < 2.5 && rng.chance(tagged) {
        return 1.0 - 0.7 * rng.uniform().powi(3);
    }
    let u = rng.uniform();
    0.3 * match flavour {
        5 => u,
        4 => u * u.sqrt(),
        _ => u.powi(4),
    }
}

/// Transverse-momentum scale of the jet a parton makes, by flavour: b jets lose the most
/// to neutrinos of semileptonic decays, light jets the least.
fn hadronisation_response(rng: &mut Rng, flavour: u8) -> f64 {
    match flavour {
        5 => rng.gauss(0.93, 0.06),
        4 => rng.gauss(0.96, 0.05),
        _ => rng.gauss(0.98, 0.05),
    }
}

/// Prompt-lepton identification: most pass the AGC's tight working points, some fail.
fn prompt_lepton(
    rng: &mut Rng,
    pt: f64,
    eta: f64,
    phi: f64,
    charge: i32,
    muon: bool,
) -> RecoLepton {
    let id = if muon {
        u8::from(rng.chance(0.96))
    } else {
        // cutBased 4 (tight) 82%, 3 medium 8%, 2 loose 5%, 1 veto 3%, 0 fail 2%.
        let u = rng.uniform();
        [0.82, 0.90, 0.95, 0.98]
            .iter()
            .position(|&edge| u < edge)
            .map_or(0, |i| 4 - i as u8)
    };
    // Impact parameter significance: a unit-ish normal, with a 3% tail from mismeasured tracks.
    let sip3d = if rng.chance(0.03) {
        2.0 + rng.exponential(4.0)
    } else {
        rng.gauss(0.0, 1.2).abs()
    };
    RecoLepton {
        pt: pt * (1.0 + rng.gauss(0.0, if muon { 0.015 } else { 0.02 })),
        eta: eta + rng.gauss(0.0, 0.002),
        phi: wrap_phi(phi + rng.gauss(0.0, 0.002)),
        charge,
        id,
        sip3d,
        isolation: rng.exponential(if muon { 0.035 } else { 0.025 }),
        delta_eta_sc: if muon { 0.0 } else { rng.gauss(0.0, 0.015) },
    }
}

/// A non-prompt lepton from a heavy-flavour decay inside a jet (or a light jet faking one):
/// a fraction of the jet's momentum, close to its axis, displaced and not isolated, so most
/// fail the tight selection.
fn non_prompt_lepton(rng: &mut Rng, jet: &GenJet, muon: bool) -> RecoLepton {
    let id = if muon {
        u8::from(rng.chance(0.7))
    } else {
        let u = rng.uniform();
        [0.35, 0.60, 0.80, 0.92]
            .iter()
            .position(|&edge| u < edge)
            .map_or(4, |i| i as u8)
    };
    RecoLepton {
        pt: jet.pt * rng.range(0.05, 0.5),
        eta: jet.eta + rng.gauss(0.0, 0.05),
        phi: wrap_phi(jet.phi + rng.gauss(0.0, 0.05)),
        charge: if rng.chance(0.5) { 1 } else { -1 },
        id,
        sip3d: rng.gauss(0.0, 5.0).abs(),
        isolation: 0.05 + rng.exponential(0.4),
        delta_eta_sc: if muon { 0.0 } else { rng.gauss(0.0, 0.02) },
    }
}

/// NanoAOD's lepton acceptance: electrons above 5 GeV within |η| < 2.5, muons above 3 GeV
/// within |η| < 2.4.
fn accepted(lepton: &RecoLepton, muon: bool) -> bool {
    if muon {
        lepton.pt > 3.0 && lepton.eta.abs() < 2.4
    } else {
        lepton.pt > 5.0 && lepton.eta.abs() < 2.5
    }
}

/// NanoAOD's jet acceptance, pt > 15 GeV and |η| < 4.7; the margin keeps η inside once
/// rounded to its stored precision.
fn jet_accepted(pt: f64, eta: f64) -> bool {
    pt > 15.0 && eta.abs() < 4.699
}

fn list(offsets: Vec<i32>, values: ArrayRef) -> ArrayRef {
    let item = Arc::new(Field::new("item", values.data_type().clone(), false));
    Arc::new(ListArray::new(
        item,
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        values,
        None,
    ))
}

fn counter(offsets: &[i32]) -> ArrayRef {
    Arc::new(Int32Array::from_iter_values(
        offsets.windows(2).map(|w| w[1] - w[0]),
    ))
}

fn f32s(values: Vec<f32>) -> ArrayRef {
    Arc::new(Float32Array::from(values))
}

impl Chunk {
    fn new(with_gen: bool, capacity: usize) -> Chunk {
        Chunk {
            with_gen,
            run: Vec::with_capacity(capacity),
            luminosity_block: Vec::with_capacity(capacity),
            event: Vec::with_capacity(capacity),
            gen_weight: Vec::with_capacity(capacity),
            n_true_int: Vec::with_capacity(capacity),
            npvs: Vec::with_capacity(capacity),
            rho: Vec::with_capacity(capacity),
            jet: Jets::new(),
            gen_jet: GenJets::new(),
            electron: Leptons::new(),
            muon: Leptons::new(),
            met_pt: Vec::with_capacity(capacity),
            met_phi: Vec::with_capacity(capacity),
            flags: vec![Vec::with_capacity(capacity); MET_FILTER_FLAGS.len()],
        }
    }

    /// The events `indices` of `model` with `seed`.
    pub(crate) fn generate(model: &Model, seed: u64, indices: Range<u64>) -> Chunk {
        let capacity = usize::try_from(indices.end - indices.start).unwrap_or(0);
        let mut chunk = Chunk::new(!model.is_data, capacity);
        let mut scratch = Scratch::default();
        let stream = name_key(model.name);
        for index in indices {
            let mut rng = Rng::for_event(seed, stream, index);
            let process = match model.source {
                Source::Process(process) => process,
                Source::Data => data_draw(&mut rng).0,
            };
            chunk.simulate(model, process, index, &mut rng, &mut scratch);
        }
        chunk
    }

    /// No events: the columns' names and types.
    pub(crate) fn empty(model: &Model) -> Chunk {
        Chunk::new(!model.is_data, 0)
    }

    fn simulate(
        &mut self,
        model: &Model,
        process: Process,
        index: u64,
        rng: &mut Rng,
        scratch: &mut Scratch,
    ) {
        let block = index / EVENTS_PER_LUMI;
        if model.is_data {
            let sections = u64::from(DATA_LUMI_SECTIONS.end - DATA_LUMI_SECTIONS.start);
            self.run.push(DATA_RUN);
            self.luminosity_block
                .push(DATA_LUMI_SECTIONS.start + (block % sections) as u32);
        } else {
            self.run.push(MC_RUN);
            self.luminosity_block
                .push((block % u64::from(u32::MAX)) as u32 + 1);
        }
        self.event.push(index + 1);

        // NLO generators give a fraction of events a negative weight of the same size.
        let negative = rng.chance(model.negative_weight_fraction);
        // Mean pileup of 2018-like conditions, as the shipped pileup weights expect: the
        // weights stay near 1 over 20–60 interactions.
        let n_true = rng.gauss(33.0, 11.0).clamp(0.5, 98.5);
        if self.with_gen {
            self.gen_weight.push(if negative { -1.0 } else { 1.0 });
            self.n_true_int.push(n_true as f32);
        }
        // About three quarters of the interactions give a reconstructed vertex; rho grows
        // linearly with pileup (~0.55 GeV per interaction).
        let npvs = rng.poisson(0.75 * n_true).clamp(1, 255);
        self.npvs.push(npvs as u8);
        self.rho.push(nano(
            (0.55 * n_true + 1.5 + rng.gauss(0.0, 2.0)).max(0.0),
            10,
        ));

        generate(process, rng, &mut scratch.truth);
        let mut met = scratch.truth.neutrinos;
        self.jets(rng, scratch, n_true, &mut met);
        self.leptons(rng, scratch);

        // Unclustered energy and pileup blur MET by ~13 GeV per component at average pileup.
        let soft = 6.0 + 0.2 * n_true;
        let (mx, my) = (met.0 + rng.gauss(0.0, soft), met.1 + rng.gauss(0.0, soft));
        self.met_pt.push((mx * mx + my * my).sqrt() as f32);
        self.met_phi.push(my.atan2(mx) as f32);

        // Each MET filter rejects ~0.1% of events (a little more in data).
        let fail = if model.is_data { 0.002 } else { 0.001 };
        for flag in &mut self.flags {
            flag.push(!rng.chance(fail));
        }
    }

    /// Gen jets from partons, reco jets from gen jets (resolution, acceptance), pileup jets,
    /// non-prompt leptons inside jets; adds jet mismeasurement to `met`.
    fn jets(&mut self, rng: &mut Rng, scratch: &mut Scratch, n_true: f64, met: &mut (f64, f64)) {
        scratch.jets.clear();
        scratch.gen_jets.clear();
        scratch.electrons.clear();
        scratch.muons.clear();
        for parton in &scratch.truth.partons {
            let pt = parton.p4.pt() * hadronisation_response(rng, parton.flavour);
            let eta = parton.p4.eta() + rng.gauss(0.0, 0.02);
            // NanoAOD keeps generator jets above 10 GeV.
            if pt < 10.0 || eta.abs() > 5.0 {
                continue;
            }
            let gen = GenJet {
                pt,
                eta,
                phi: wrap_phi(parton.p4.phi() + rng.gauss(0.0, 0.02)),
                mass: pt * rng.range(0.06, 0.16),
            };
            let gen_index = scratch.gen_jets.len();
            scratch.gen_jets.push(gen);

            // b hadrons decay to an electron or muon ~20% of the time (directly or via charm),
            // c hadrons ~10%; light jets fake one at a low rate.
            let non_prompt = match parton.flavour {
                5 => 0.2,
                4 => 0.1,
                _ => 0.02,
            };
            if rng.chance(non_prompt) {
                let muon = rng.chance(0.5);
                let lepton = non_prompt_lepton(rng, &gen, muon);
                if accepted(&lepton, muon) {
                    if muon {
                        scratch.muons.push(lepton);
                    } else {
                        scratch.electrons.push(lepton);
                    }
                }
            }

            let pt = gen.pt * (1.0 + jet_resolution(gen.pt, gen.eta) * rng.normal()).max(0.05);
            let eta = gen.eta + rng.gauss(0.0, 0.01);
            let phi = wrap_phi(gen.phi + rng.gauss(0.0, 0.01));
            if !jet_accepted(pt, eta) {
                continue;
            }
            // The parton's direction stands in for the gen jet's: no trigonometry needed.
            let lost = (gen.pt - pt) / parton.p4.pt();
            met.0 += lost * parton.p4.px;
            met.1 += lost * parton.p4.py;
            scratch.jets.push(RecoJet {
                pt,
                eta,
                phi,
                mass: (gen.mass * (1.0 + rng.gauss(0.0, 0.1))).max(0.0),
                flavour: parton.flavour,
                gen: Some(gen_index),
                pileup: false,
            });
        }
        // Pileup jets: soft, spread in η, no generator-level partner.
        for _ in 0..rng.poisson(0.04 * n_true) {
            let eta = rng.gauss(0.0, 2.5);
            let pt = rng.pareto(15.0, 4.0);
            let phi = rng.phi();
            if jet_accepted(pt, eta) {
                scratch.jets.push(RecoJet {
                    pt,
                    eta,
                    phi,
                    mass: pt * rng.range(0.05, 0.2),
                    flavour: 0,
                    gen: None,
                    pileup: true,
                });
            }
        }
        scratch.jets.sort_by(|a, b| b.pt.total_cmp(&a.pt));

        let mut order: Vec<usize> = (0..scratch.gen_jets.len()).collect();
        order.sort_by(|&a, &b| scratch.gen_jets[b].pt.total_cmp(&scratch.gen_jets[a].pt));
        scratch.gen_rank.clear();
        scratch.gen_rank.resize(order.len(), 0);
        for (rank, &i) in order.iter().enumerate() {
            scratch.gen_rank[i] = rank;
        }

        for jet in &scratch.jets {
            let j = &mut self.jet;
            j.pt.push(jet.pt as f32);
            j.eta.push(nano(jet.eta, 12));
            j.phi.push(nano(jet.phi, 12));
            j.mass.push(nano(jet.mass, 10));
            j.btag.push(nano(btag_score(rng, jet.flavour, jet.eta), 10));
            // NanoAOD's pt is corrected; the raw pt is a few percent lower.
            j.raw_factor.push(nano(rng.range(0.0, 0.1), 6));
            // AK4 area πR² ≈ 0.50.
            j.area
                .push(nano(rng.gauss(0.50, 0.025).clamp(0.3, 0.7), 10));
            // jetId: 6 = tight + lepton veto, 2 = tight only, 0 = fails; pileup jets fail more.
            let (tight_veto, tight) = if jet.pileup {
                (0.75, 0.9)
            } else {
                (0.97, 0.99)
            };
            let u = rng.uniform();
            j.jet_id.push(if u < tight_veto {
                6
            } else if u < tight {
                2
            } else {
                0
            });
            if self.with_gen {
                j.hadron_flavour.push(jet.flavour);
                j.gen_jet_idx.push(
                    jet.gen
                        .and_then(|g| scratch.gen_rank.get(g))
                        .map_or(-1, |&rank| rank as i16),
                );
            }
        }
        self.jet.offsets.push(self.jet.pt.len() as i32);

        if self.with_gen {
            let g = &mut self.gen_jet;
            for &i in &order {
                let jet = &scratch.gen_jets[i];
                g.pt.push(nano(jet.pt, 10));
                g.eta.push(nano(jet.eta, 10));
                g.phi.push(nano(jet.phi, 10));
                g.mass.push(nano(jet.mass, 10));
            }
            g.offsets.push(g.pt.len() as i32);
        }
    }

    /// Prompt leptons through acceptance and efficiency (95% electrons, 97% muons), joined
    /// with the non-prompt ones found in jets.
    fn leptons(&mut self, rng: &mut Rng, scratch: &mut Scratch) {
        for lepton in &scratch.truth.leptons {
            let efficiency = if lepton.muon { 0.97 } else { 0.95 };
            let reco = prompt_lepton(
                rng,
                lepton.p4.pt(),
                lepton.p4.eta(),
                lepton.p4.phi(),
                lepton.charge,
                lepton.muon,
            );
            if rng.chance(efficiency) && accepted(&reco, lepton.muon) {
                if lepton.muon {
                    scratch.muons.push(reco);
                } else {
                    scratch.electrons.push(reco);
                }
            }
        }
        self.electron.push(&mut scratch.electrons, 0.000_511);
        self.muon.push(&mut scratch.muons, 0.105_66);
    }

    /// The chunk's columns in file order, with NanoAOD's branch names and types.
    pub(crate) fn into_columns(self) -> Vec<(&'static str, ArrayRef)> {
        let mut columns: Vec<(&'static str, ArrayRef)> = vec![
            ("run", Arc::new(UInt32Array::from(self.run))),
            (
                "luminosityBlock",
                Arc::new(UInt32Array::from(self.luminosity_block)),
            ),
            ("event", Arc::new(UInt64Array::from(self.event))),
        ];
        if self.with_gen {
            columns.push(("genWeight", f32s(self.gen_weight)));
            columns.push(("Pileup_nTrueInt", f32s(self.n_true_int)));
        }
        columns.push(("PV_npvs", Arc::new(UInt8Array::from(self.npvs))));
        columns.push(("Rho_fixedGridRhoFastjetAll", f32s(self.rho)));

        let j = self.jet;
        let o = j.offsets;
        columns.push(("nJet", counter(&o)));
        columns.push(("Jet_pt", list(o.clone(), f32s(j.pt))));
        columns.push(("Jet_eta", list(o.clone(), f32s(j.eta))));
        columns.push(("Jet_phi", list(o.clone(), f32s(j.phi))));
        columns.push(("Jet_mass", list(o.clone(), f32s(j.mass))));
        columns.push(("Jet_btagDeepFlavB", list(o.clone(), f32s(j.btag))));
        columns.push(("Jet_rawFactor", list(o.clone(), f32s(j.raw_factor))));
        columns.push(("Jet_area", list(o.clone(), f32s(j.area))));
        let jet_id: ArrayRef = Arc::new(UInt8Array::from(j.jet_id));
        if self.with_gen {
            columns.push(("Jet_jetId", list(o.clone(), jet_id)));
            let flavour: ArrayRef = Arc::new(UInt8Array::from(j.hadron_flavour));
            columns.push(("Jet_hadronFlavour", list(o.clone(), flavour)));
            let gen_index: ArrayRef = Arc::new(Int16Array::from(j.gen_jet_idx));
            columns.push(("Jet_genJetIdx", list(o, gen_index)));

            let g = self.gen_jet;
            let o = g.offsets;
            columns.push(("nGenJet", counter(&o)));
            columns.push(("GenJet_pt", list(o.clone(), f32s(g.pt))));
            columns.push(("GenJet_eta", list(o.clone(), f32s(g.eta))));
            columns.push(("GenJet_phi", list(o.clone(), f32s(g.phi))));
            columns.push(("GenJet_mass", list(o, f32s(g.mass))));
        } else {
            columns.push(("Jet_jetId", list(o, jet_id)));
        }

        let e = self.electron;
        let o = e.offsets;
        columns.push(("nElectron", counter(&o)));
        columns.push(("Electron_pt", list(o.clone(), f32s(e.pt))));
        columns.push(("Electron_eta", list(o.clone(), f32s(e.eta))));
        columns.push(("Electron_phi", list(o.clone(), f32s(e.phi))));
        columns.push(("Electron_mass", list(o.clone(), f32s(e.mass))));
        let charge: ArrayRef = Arc::new(Int32Array::from(e.charge));
        columns.push(("Electron_charge", list(o.clone(), charge)));
        let cut_based: ArrayRef = Arc::new(UInt8Array::from(e.id));
        columns.push(("Electron_cutBased", list(o.clone(), cut_based)));
        columns.push(("Electron_sip3d", list(o.clone(), f32s(e.sip3d))));
        columns.push((
            "Electron_pfRelIso03_all",
            list(o.clone(), f32s(e.isolation)),
        ));
        columns.push(("Electron_deltaEtaSC", list(o, f32s(e.delta_eta_sc))));

        let m = self.muon;
        let o = m.offsets;
        columns.push(("nMuon", counter(&o)));
        columns.push(("Muon_pt", list(o.clone(), f32s(m.pt))));
        columns.push(("Muon_eta", list(o.clone(), f32s(m.eta))));
        columns.push(("Muon_phi", list(o.clone(), f32s(m.phi))));
        columns.push(("Muon_mass", list(o.clone(), f32s(m.mass))));
        let charge: ArrayRef = Arc::new(Int32Array::from(m.charge));
        columns.push(("Muon_charge", list(o.clone(), charge)));
        let tight: ArrayRef = Arc::new(BooleanArray::from_iter(
            m.id.iter().map(|&id| Some(id == 1)),
        ));
        columns.push(("Muon_tightId", list(o.clone(), tight)));
        columns.push(("Muon_sip3d", list(o.clone(), f32s(m.sip3d))));
        columns.push(("Muon_pfRelIso04_all", list(o, f32s(m.isolation))));

        columns.push(("MET_pt", f32s(self.met_pt)));
        columns.push(("MET_phi", f32s(self.met_phi)));
        for (name, values) in MET_FILTER_FLAGS.iter().zip(self.flags) {
            columns.push((name, Arc::new(BooleanArray::from(values))));
        }
        columns
    }
}
