//! The IRIS-HEP Analysis Grand Challenge (AGC) ttbar analysis: its jet variations, its two
//! observables and its b-tag weight variations, as cf functions.
//!
//! With the `agc` selector and the categorizers `cat_4j` + `cat_1b` (region 4j1b, fills `HT`)
//! and `cat_4j` + `cat_2b` (region 4j2b, fills `m_bjj`) this is the whole AGC analysis;
//! `configs/agc.yaml` puts it together and `benches/agc.py` runs it against uproot + awkward.
//!
//! The AGC defines its jet variations one-sided (`pt_scale_up`, `pt_res_up`) and so does this
//! module: the shifts `scale_down` and `res_down` are implemented by nothing, so the pipeline
//! resolves them to the nominal task and MergeShiftedHistograms fills them with the nominal
//! histograms, as for any shift without an implementation. The b-tag weight is two-sided.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, Float32Array, Float64Array, ListArray};
use arrow_buffer::OffsetBuffer;
use cf_analysis::{calibrator, producer, ClosureFunction, FnEvents, FnResult};
use cf_selectors::BTAG_WORKING_POINT;

use crate::error::Error;
use crate::random::gaussians;

/// Factor of the `scale_up` jet variation (+3 % on pt).
pub const JET_SCALE_UP: f64 = 1.03;
/// Width of the Gaussian `res_up` smearing, relative to pt.
pub const JET_RESOLUTION: f64 = 0.05;
/// Relative b-tag weight variation of a jet, per [`BTAG_VARIATION_PT`] of its pt.
pub const BTAG_VARIATION: f64 = 0.075;
/// The pt (GeV) at which a jet's b-tag weight varies by [`BTAG_VARIATION`].
pub const BTAG_VARIATION_PT: f64 = 50.0;
/// The number of leading jets whose b-tag weight variations multiply.
pub const BTAG_WEIGHT_JETS: usize = 4;

/// The `agc_jet_variations` calibrator (simulation only): writes `Jet.pt_scale_up`
/// (pt × [`JET_SCALE_UP`]) and `Jet.pt_res_up` (pt × (1 + [`JET_RESOLUTION`] ·
/// [`gaussian`](crate::gaussian)`(event, jet index)`)) and implements the shifts `scale_up` and `res_up`, which
/// a config maps onto `Jet.pt` with the alias `Jet.pt: "Jet.pt_{name}"`. The Gaussian numbers
/// depend only on the event number and the jet's index in the unselected collection, so a
/// rerun, any batch size and a numpy port give the same jets. Jet masses are not varied (as in
/// the AGC). Values are computed in f64 and stored as f32, like NanoAOD's pt.
pub fn agc_jet_variations() -> ClosureFunction {
    calibrator("agc_jet_variations")
        .uses("{Jet.pt,event}")
        .and_then(|d| d.produces("Jet.{pt_scale_up,pt_res_up}"))
        .expect("literal routes are valid")
        .mc_only()
        .shifts(["scale_up", "res_up"])
        .apply(|events, _| {
            let (offsets, pt) = jagged_f32(events, "Jet.pt")?;
            let numbers = events.column("event")?;
            let numbers =
                numbers
                    .as_primitive_opt::<UInt64Type>()
                    .ok_or_else(|| Error::ColumnType {
                        column: "event".into(),
                        expected: "uint64 event numbers (NanoAOD's `event`)",
                        found: numbers.data_type().to_string(),
                    })?;
            let pt = pt.values();
            let scaled: Vec<f32> = pt
                .iter()
                .map(|&p| (f64::from(p) * JET_SCALE_UP) as f32)
                .collect();
            let numbers = numbers.values();
            let normal = gaussians(
                offsets
                    .windows(2)
                    .enumerate()
                    .map(|(event, w)| (numbers[event], (w[1] - w[0]) as usize)),
            );
            let smeared: Vec<f32> = pt
                .iter()
                .zip(&normal)
                .map(|(&p, &g)| (f64::from(p) * (1.0 + JET_RESOLUTION * g)) as f32)
                .collect();
            events.set_column("Jet.pt_scale_up", list(&offsets, scaled))?;
            events.set_column("Jet.pt_res_up", list(&offsets, smeared))?;
            Ok(())
        })
}

/// The `agc_observables` producer, run after the reduction (so `Jet` holds the selected jets):
/// - `HT`: the scalar sum of the jets' pt, the AGC's observable of region 4j1b;
/// - `m_bjj`: the mass of the trijet of highest pt among the trijets holding at least one jet
///   with `btagDeepFlavB` ≥ [`BTAG_WORKING_POINT`], the observable of region 4j2b; null when
///   the event has no such trijet.
///
/// Trijets are taken in the order `(i, j, k)`, `i < j < k`, by jet index; of trijets with equal
/// pt the first counts. Four-vectors are summed in f64 from (pt, eta, phi, mass); both columns
/// are stored as f32.
pub fn agc_observables() -> ClosureFunction {
    producer("agc_observables")
        .uses("Jet.{pt,eta,phi,mass,btagDeepFlavB}")
        .and_then(|d| d.produces("{HT,m_bjj}"))
        .expect("literal routes are valid")
        .apply(|events, _| {
            let (offsets, pt) = jagged_f32(events, "Jet.pt")?;
            let fields = ["Jet.eta", "Jet.phi", "Jet.mass", "Jet.btagDeepFlavB"];
            let mut others = Vec::with_capacity(fields.len());
            for field in fields {
                let (field_offsets, values) = jagged_f32(events, field)?;
                if field_offsets != offsets {
                    return Err(Error::Misaligned {
                        first: "Jet.pt".into(),
                        second: field.into(),
                    }
                    .into());
                }
                others.push(values);
            }
            let [eta, phi, mass, btag] =
                [&others[0], &others[1], &others[2], &others[3]].map(|a| a.values().as_ref());
            let pt = pt.values();
            let n = offsets.len() - 1;
            let mut ht = Vec::with_capacity(n);
            let mut m_bjj = Vec::with_capacity(n);
            let mut jets = Vec::new();
            for w in offsets.windows(2) {
                let range = w[0] as usize..w[1] as usize;
                ht.push(pt[range.clone()].iter().map(|&p| f64::from(p)).sum::<f64>() as f32);
                jets.clear();
                jets.extend(range.map(|j| Jet::new(pt[j], eta[j], phi[j], mass[j], btag[j])));
                m_bjj.push(best_trijet_mass(&jets).map(|m| m as f32));
            }
            events.set_column("HT", Arc::new(Float32Array::from(ht)))?;
            events.set_column("m_bjj", Arc::new(Float32Array::from(m_bjj)))?;
            Ok(())
        })
}

/// The `agc_btag_weights` producer (simulation only), run after the reduction: `btag_weight`
/// = 1, and `btag_weight_up` / `btag_weight_down` = Π over the first [`BTAG_WEIGHT_JETS`] jets
/// (fewer when the event has fewer) of 1 ± [`BTAG_VARIATION`] · pt / [`BTAG_VARIATION_PT`],
/// the AGC's four per-jet b-tag variations taken as one source. It implements the shifts
/// `btag_up` and `btag_down`; a config lists the column as `event_weights: {btag_weight:
/// [btag]}`. "Leading" is the collection's order (NanoAOD sorts jets by pt), as in the AGC.
/// The down weight is not clipped: a jet above 667 GeV makes it negative, as the formula says.
pub fn agc_btag_weights() -> ClosureFunction {
    producer("agc_btag_weights")
        .uses("Jet.pt")
        .and_then(|d| d.produces("btag_weight{,_up,_down}"))
        .expect("literal routes are valid")
        .mc_only()
        .shifts(["btag_up", "btag_down"])
        .apply(|events, _| {
            let (offsets, pt) = jagged_f32(events, "Jet.pt")?;
            let pt = pt.values();
            let n = offsets.len() - 1;
            let mut up = Vec::with_capacity(n);
            let mut down = Vec::with_capacity(n);
            for w in offsets.windows(2) {
                let (start, end) = (w[0] as usize, w[1] as usize);
                let leading = &pt[start..end.min(start + BTAG_WEIGHT_JETS)];
                let (mut u, mut d) = (1.0f64, 1.0f64);
                for &p in leading {
                    let variation = BTAG_VARIATION * (f64::from(p) / BTAG_VARIATION_PT);
                    u *= 1.0 + variation;
                    d *= 1.0 - variation;
                }
                up.push(u);
                down.push(d);
            }
            events.set_column("btag_weight", Arc::new(Float64Array::from(vec![1.0; n])))?;
            events.set_column("btag_weight_up", Arc::new(Float64Array::from(up)))?;
            events.set_column("btag_weight_down", Arc::new(Float64Array::from(down)))?;
            Ok(())
        })
}

/// One jet as a four-vector (f64) with its b-tag decision.
#[derive(Clone, Copy)]
struct Jet {
    px: f64,
    py: f64,
    pz: f64,
    e: f64,
    tagged: bool,
}

impl Jet {
    fn new(pt: f32, eta: f32, phi: f32, mass: f32, btag: f32) -> Jet {
        let (pt, eta, phi, mass) = (
            f64::from(pt),
            f64::from(eta),
            f64::from(phi),
            f64::from(mass),
        );
        // sinh from one exp: libm's sinh (through expm1) took as long as the trijet search.
        // Near eta = 0 the difference loses relative precision, but only ~1e-16 of pt in
        // absolute terms, far below what the f32 inputs hold.
        let e_eta = eta.exp();
        let sinh_eta = 0.5 * (e_eta - e_eta.recip());
        let (px, py, pz) = (pt * phi.cos(), pt * phi.sin(), pt * sinh_eta);
        Jet {
            px,
            py,
            pz,
            e: (px * px + py * py + pz * pz + mass * mass).sqrt(),
            tagged: btag >= BTAG_WORKING_POINT,
        }
    }
}

/// The mass of the highest-pt trijet holding a b-tagged jet, if there is one.
fn best_trijet_mass(jets: &[Jet]) -> Option<f64> {
    let mut best: Option<(f64, f64)> = None;
    for i in 0..jets.len() {
        for j in i + 1..jets.len() {
            for k in j + 1..jets.len() {
                let (a, b, c) = (jets[i], jets[j], jets[k]);
                if !(a.tagged || b.tagged || c.tagged) {
                    continue;
                }
                let px = a.px + b.px + c.px;
                let py = a.py + b.py + c.py;
                let pz = a.pz + b.pz + c.pz;
                let e = a.e + b.e + c.e;
                let pt2 = px * px + py * py;
                if best.is_none_or(|(best_pt2, _)| pt2 > best_pt2) {
                    let mass = (e * e - (pt2 + pz * pz)).max(0.0).sqrt();
                    best = Some((pt2, mass));
                }
            }
        }
    }
    best.map(|(_, mass)| mass)
}

/// Offsets (from 0) and values of a jagged f32 column, or an error naming it.
fn jagged_f32(events: &FnEvents<'_>, route: &str) -> FnResult<(OffsetBuffer<i32>, Float32Array)> {
    let column = events.column(route)?;
    let wrong_type = || Error::ColumnType {
        column: route.to_string(),
        expected: "a list of float32 (one value per jet)",
        found: column.data_type().to_string(),
    };
    let lists = column.as_list_opt::<i32>().ok_or_else(wrong_type)?;
    let (offsets, values) = cf_columns::normalized(lists);
    let values = values
        .as_primitive_opt::<Float32Type>()
        .ok_or_else(wrong_type)?;
    Ok((offsets, values.clone()))
}

/// A jagged f32 column with `offsets` (from 0).
fn list(offsets: &OffsetBuffer<i32>, values: Vec<f32>) -> ArrayRef {
    Arc::new(ListArray::new(
        Arc::new(arrow_schema::Field::new(
            "item",
            arrow_schema::DataType::Float32,
            false,
        )),
        offsets.clone(),
        Arc::new(Float32Array::from(values)),
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jet(pt: f32, eta: f32, phi: f32, tagged: bool) -> Jet {
        Jet::new(pt, eta, phi, 10.0, if tagged { 0.9 } else { 0.0 })
    }

    #[test]
    fn a_trijet_needs_a_btag_and_the_highest_pt_one_wins() {
        // Without a b-tag there is no candidate at all.
        let untagged = [
            jet(100.0, 0.0, 0.0, false),
            jet(80.0, 0.5, 1.0, false),
            jet(60.0, -0.5, 2.0, false),
        ];
        assert_eq!(best_trijet_mass(&untagged), None);
        assert_eq!(best_trijet_mass(&untagged[..2]), None);

        // Three jets back to back in phi have a small summed pt; the candidate with the
        // fourth, b-tagged jet instead of one of them has more and must win.
        let jets = [
            jet(100.0, 0.0, 0.0, false),
            jet(100.0, 0.0, 2.0944, false),
            jet(100.0, 0.0, -2.0944, true),
            jet(90.0, 0.0, 0.1, false),
        ];
        let best = best_trijet_mass(&jets).expect("a tagged trijet exists");
        // Among the trijets holding jet 2, (0, 2, 3) has the largest pt: jets 0 and 3 point
        // the same way while 2 points away from both, so (1, 2, 3) and (0, 1, 2) cancel more.
        let (x, y, z) = (jets[0], jets[2], jets[3]);
        let px = x.px + y.px + z.px;
        let py = x.py + y.py + z.py;
        let pz = x.pz + y.pz + z.pz;
        let e = x.e + y.e + z.e;
        let expected = (e * e - (px * px + py * py + pz * pz)).sqrt();
        assert!((best - expected).abs() < 1e-9, "{best} != {expected}");
    }
}
