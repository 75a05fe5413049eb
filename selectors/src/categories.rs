//! Standard categorizers: lepton channels, jet and b-tag multiplicities.
//!
//! They run after the reduction, where `Electron`, `Muon` and `Jet` hold only the objects the
//! selection kept, so they count objects and apply no object cuts of their own.

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::{Array, ArrayRef, ListArray};
use arrow_buffer::BooleanBuffer;
use cf_analysis::{categorizer, ClosureFunction, FnEvents, FnResult};

use crate::error::Error;
use crate::objects::mask_array;

/// The `btagDeepFlavB` score from which a jet counts as b-tagged (the AGC's medium working
/// point). The `agc` selection, the `cat_1b`/`cat_2b` categorizers and cf-producers'
/// `n_btag` all use this one value, so the b-jets a category counts are the ones selected.
pub const BTAG_WORKING_POINT: f32 = 0.3;

/// `cat_incl`: every event.
pub fn cat_incl() -> ClosureFunction {
    categorizer("cat_incl")
        .categorize(|events, _| Ok(mask_array(BooleanBuffer::new_set(events.num_events()))))
}

/// `cat_e`: exactly one electron and no muon.
pub fn cat_e() -> ClosureFunction {
    lepton_channel("cat_e", (1, 0))
}

/// `cat_mu`: exactly one muon and no electron.
pub fn cat_mu() -> ClosureFunction {
    lepton_channel("cat_mu", (0, 1))
}

/// A categorizer of events with exactly `electrons` electrons and `muons` muons.
fn lepton_channel(name: &'static str, (electrons, muons): (usize, usize)) -> ClosureFunction {
    categorizer(name)
        .uses("{Electron,Muon}.pt")
        .expect("literal routes are valid")
        .categorize(move |events, _| {
            let n_electron = counts(name, events, "Electron.pt")?;
            let n_muon = counts(name, events, "Muon.pt")?;
            Ok(mask_array(BooleanBuffer::collect_bool(
                n_electron.len().min(n_muon.len()),
                |i| n_electron[i] == electrons && n_muon[i] == muons,
            )))
        })
}

/// `cat_4j`: at least four jets.
pub fn cat_4j() -> ClosureFunction {
    categorizer("cat_4j")
        .uses("Jet.pt")
        .expect("a literal route is valid")
        .categorize(|events, _| {
            let n_jet = counts("cat_4j", events, "Jet.pt")?;
            Ok(mask_array(BooleanBuffer::collect_bool(n_jet.len(), |i| {
                n_jet[i] >= 4
            })))
        })
}

/// `cat_1b`: exactly one jet with `btagDeepFlavB` ≥ [`BTAG_WORKING_POINT`].
pub fn cat_1b() -> ClosureFunction {
    btag_multiplicity("cat_1b", |n| n == 1)
}

/// `cat_2b`: at least two jets with `btagDeepFlavB` ≥ [`BTAG_WORKING_POINT`].
pub fn cat_2b() -> ClosureFunction {
    btag_multiplicity("cat_2b", |n| n >= 2)
}

fn btag_multiplicity(
    name: &'static str,
    accept: impl Fn(usize) -> bool + Send + Sync + 'static,
) -> ClosureFunction {
    categorizer(name)
        .uses("Jet.btagDeepFlavB")
        .expect("a literal route is valid")
        .categorize(move |events, _| {
            let column = events.column("Jet.btagDeepFlavB")?;
            let scores = list(name, "Jet.btagDeepFlavB", &column)?;
            let (offsets, values) = cf_columns::normalized(scores);
            let values = values
                .as_primitive_opt::<Float32Type>()
                .ok_or_else(|| Error::ColumnType {
                    function: name,
                    column: "Jet.btagDeepFlavB".into(),
                    expected: "a list of float32",
                    found: column.data_type().to_string(),
                })?
                .values();
            // The running number of tagged jets, read at the event boundaries: one pass over
            // all jets instead of a short loop per event (whose exit mispredicts).
            let mut before = Vec::with_capacity(values.len() + 1);
            let mut tagged = 0usize;
            before.push(0);
            for &b in values.iter() {
                tagged += usize::from(b >= BTAG_WORKING_POINT);
                before.push(tagged);
            }
            let n = offsets.len() - 1;
            Ok(mask_array(BooleanBuffer::collect_bool(n, |i| {
                accept(before[offsets[i + 1] as usize] - before[offsets[i] as usize])
            })))
        })
}

/// The number of objects per event of the collection whose field `route` is given.
fn counts(function: &'static str, events: &FnEvents<'_>, route: &str) -> FnResult<Vec<usize>> {
    let column = events.column(route)?;
    let lists = list(function, route, &column)?;
    Ok(lists
        .offsets()
        .windows(2)
        .map(|w| (w[1] - w[0]) as usize)
        .collect())
}

fn list<'a>(function: &'static str, route: &str, column: &'a ArrayRef) -> FnResult<&'a ListArray> {
    column.as_list_opt::<i32>().ok_or_else(|| {
        Error::ColumnType {
            function,
            column: route.into(),
            expected: "a list (one entry per object)",
            found: column.data_type().to_string(),
        }
        .into()
    })
}
