//! Lepton scale factors from CMS POG correctionlib files: `muon_weight` and `electron_weight`.
//!
//! Objects outside the bins of the correction (its binnings have flow `error`) count as 1,
//! with no uncertainty, instead of taking the factor of the nearest bin. The POGs measure these
//! factors only inside those bins and publish other measurements for what lies outside: the
//! MUO Z-based ID factors start at 15 GeV because muons below are covered by the J/psi-based
//! factors of another file, and the EGM ID factors start at 10 GeV, below which no ID is
//! calibrated. Clamping would hand those objects a number measured for other objects; a factor
//! of 1 leaves them visibly uncorrected. Analyses select leptons well inside the bins (the AGC
//! asks for 30 GeV and |eta| < 2.1), so after the selection no object is outside.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float32Type;
use arrow_array::{Array, Float64Array};
use arrow_buffer::OffsetBuffer;
use cf_analysis::{
    producer, CallContext, Declaration, FnEvents, FnResult, Function, Outcome, SetupContext,
};
use cf_correction::{CorrectionSet, Evaluate, InputType, Value};

use crate::error::Error;

/// The external file (in the config's `external_files`) holding the muon scale factors.
pub const MUON_SF_FILE: &str = "muon_sf";

/// The external file (in the config's `external_files`) holding the electron scale factors.
pub const ELECTRON_SF_FILE: &str = "electron_sf";

/// Which correction of a MUO file `muon_weight` evaluates, and its fixed `year` key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MuonSf {
    /// The correction's name; the default is the tight ID (`NUM_TightID_DEN_TrackerMuons`).
    pub correction: String,
    /// The `year` key; the default `2018_UL` is the key of the 2018 UL file.
    pub year: String,
}

impl Default for MuonSf {
    fn default() -> Self {
        MuonSf {
            correction: "NUM_TightID_DEN_TrackerMuons".into(),
            year: "2018_UL".into(),
        }
    }
}

/// Which correction of an EGM file `electron_weight` evaluates, with its fixed keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectronSf {
    /// The correction's name; the default is the UL cut-based and MVA ID (`UL-Electron-ID-SF`).
    pub correction: String,
    /// The `year` key; the default `2018` is the key of the 2018 UL file.
    pub year: String,
    /// The `WorkingPoint` key; the default `Tight` is the cut-based ID the AGC selects.
    pub working_point: String,
}

impl Default for ElectronSf {
    fn default() -> Self {
        ElectronSf {
            correction: "UL-Electron-ID-SF".into(),
            year: "2018".into(),
            working_point: "Tight".into(),
        }
    }
}

/// What fills one input of a scale-factor correction.
#[derive(Clone, Debug)]
enum Input {
    /// A fixed string key (year, working point).
    Key(String),
    /// The variation key: nominal, up or down.
    Variation,
    /// The object's pt.
    Pt,
    /// The object's |eta|.
    AbsEta,
    /// The electron's supercluster eta, `eta + deltaEtaSC`, which the EGM factors are binned in.
    SuperclusterEta,
}

impl Input {
    fn input_type(&self) -> InputType {
        match self {
            Input::Key(_) | Input::Variation => InputType::String,
            Input::Pt | Input::AbsEta | Input::SuperclusterEta => InputType::Real,
        }
    }
}

/// How one lepton flavour's factors are looked up.
struct Spec {
    collection: &'static str,
    file: &'static str,
    correction: String,
    /// The correction's inputs by name, with what fills them.
    inputs: Vec<(&'static str, Input)>,
    /// The variation keys of the nominal, up and down factors.
    variations: [&'static str; 3],
}

struct Loaded {
    file: PathBuf,
    set: std::sync::Arc<CorrectionSet>,
    /// What fills each input of the correction, in the correction's order.
    order: Vec<Input>,
    /// The position of the variation input in `order`.
    variation_at: usize,
}

/// A lepton scale-factor producer (simulation only): per event, the product over the
/// collection's objects of a correctionlib scale factor, nominal and up/down, loaded in `setup`
/// from a config's external file. Built by [`LeptonWeight::muon`] (`muon_weight`) and
/// [`LeptonWeight::electron`] (`electron_weight`).
pub struct LeptonWeight {
    declaration: Declaration,
    spec: Spec,
    loaded: Option<Loaded>,
}

impl LeptonWeight {
    /// `muon_weight`, `muon_weight_up` and `muon_weight_down` from `Muon.{pt,eta}` and the
    /// correction `sf` of the external file [`MUON_SF_FILE`] (inputs `year`, `abseta`, `pt`,
    /// `ValType` with `sf`/`systup`/`systdown`); it implements the shifts `muon_sf_up` and
    /// `muon_sf_down`.
    pub fn muon(sf: MuonSf) -> LeptonWeight {
        let declaration = producer("muon_weight")
            .uses("Muon.{pt,eta}")
            .and_then(|d| d.produces("muon_weight{,_up,_down}"))
            .expect("literal routes are valid")
            .mc_only()
            .shifts(["muon_sf_up", "muon_sf_down"]);
        LeptonWeight {
            declaration,
            spec: Spec {
                collection: "Muon",
                file: MUON_SF_FILE,
                correction: sf.correction,
                inputs: vec![
                    ("year", Input::Key(sf.year)),
                    ("abseta", Input::AbsEta),
                    ("pt", Input::Pt),
                    ("ValType", Input::Variation),
                ],
                variations: ["sf", "systup", "systdown"],
            },
            loaded: None,
        }
    }

    /// `electron_weight`, `electron_weight_up` and `electron_weight_down` from
    /// `Electron.{pt,eta,deltaEtaSC}` and the correction `sf` of the external file
    /// [`ELECTRON_SF_FILE`] (inputs `year`, `ValType` with `sf`/`sfup`/`sfdown`,
    /// `WorkingPoint`, supercluster `eta`, `pt`); it implements the shifts `electron_sf_up`
    /// and `electron_sf_down`.
    pub fn electron(sf: ElectronSf) -> LeptonWeight {
        let declaration = producer("electron_weight")
            .uses("Electron.{pt,eta,deltaEtaSC}")
            .and_then(|d| d.produces("electron_weight{,_up,_down}"))
            .expect("literal routes are valid")
            .mc_only()
            .shifts(["electron_sf_up", "electron_sf_down"]);
        LeptonWeight {
            declaration,
            spec: Spec {
                collection: "Electron",
                file: ELECTRON_SF_FILE,
                correction: sf.correction,
                inputs: vec![
                    ("year", Input::Key(sf.year)),
                    ("ValType", Input::Variation),
                    ("WorkingPoint", Input::Key(sf.working_point)),
                    ("eta", Input::SuperclusterEta),
                    ("pt", Input::Pt),
                ],
                variations: ["sf", "sfup", "sfdown"],
            },
            loaded: None,
        }
    }
}

/// The standard `muon_weight` (tight ID, 2018 UL).
pub fn muon_weight() -> LeptonWeight {
    LeptonWeight::muon(MuonSf::default())
}

/// The standard `electron_weight` (cut-based tight ID, 2018 UL).
pub fn electron_weight() -> LeptonWeight {
    LeptonWeight::electron(ElectronSf::default())
}

fn describe<'a>(inputs: impl Iterator<Item = (&'a str, InputType)>) -> String {
    inputs
        .map(|(name, kind)| format!("{name}: {kind}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Spec {
    /// Checks the correction against what this producer fills, and orders the fillers as the
    /// correction's inputs, so that a wrong correction name, year or working point fails in
    /// setup, naming the file, instead of on the first batch. Returns the fillers and the
    /// position of the variation among them.
    fn resolve(&self, file: &Path, set: &CorrectionSet) -> Result<(Vec<Input>, usize), Error> {
        let correction = set
            .correction(&self.correction)
            .map_err(|source| Error::Correction {
                file: file.to_path_buf(),
                source,
            })?;
        let takes = correction.inputs();
        let mismatch = || Error::Inputs {
            file: file.to_path_buf(),
            correction: self.correction.clone(),
            takes: describe(takes.iter().map(|v| (v.name(), v.input_type()))),
            fills: describe(self.inputs.iter().map(|(n, i)| (*n, i.input_type()))),
        };
        if takes.len() != self.inputs.len() {
            return Err(mismatch());
        }
        let usage = correction.input_usage();
        let mut order = Vec::with_capacity(takes.len());
        for (variable, usage) in takes.iter().zip(&usage) {
            let (_, input) = self
                .inputs
                .iter()
                .find(|(name, _)| *name == variable.name())
                .filter(|(_, input)| input.input_type() == variable.input_type())
                .ok_or_else(mismatch)?;
            let keys: Vec<&str> = match input {
                Input::Key(key) => vec![key],
                Input::Variation => self.variations.to_vec(),
                _ => Vec::new(),
            };
            for key in keys {
                if !usage.has_default && !usage.keys.iter().any(|k| k == key) {
                    return Err(Error::UnknownKey {
                        file: file.to_path_buf(),
                        correction: self.correction.clone(),
                        input: variable.name().to_string(),
                        key: key.to_string(),
                        available: usage.keys.join(", "),
                    });
                }
            }
            order.push(input.clone());
        }
        let variation_at = order
            .iter()
            .position(|i| matches!(i, Input::Variation))
            .ok_or_else(mismatch)?;
        Ok((order, variation_at))
    }
}

/// A jagged `f32` field: offsets from 0 and the values of its rows.
fn jagged_f32(
    events: &FnEvents<'_>,
    route: &str,
) -> FnResult<(OffsetBuffer<i32>, arrow_array::Float32Array)> {
    let column = events.column(route)?;
    let wrong_type = || Error::ColumnType {
        column: route.to_string(),
        expected: "a list of float32 (one value per object)",
        found: column.data_type().to_string(),
    };
    let list = column.as_list_opt::<i32>().ok_or_else(wrong_type)?;
    let (offsets, values) = cf_columns::normalized(list);
    let values = values
        .as_primitive_opt::<Float32Type>()
        .ok_or_else(wrong_type)?
        .clone();
    Ok((offsets, values))
}

impl Function for LeptonWeight {
    fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    fn setup(&mut self, context: &SetupContext<'_>) -> FnResult<()> {
        let file = context.file(self.spec.file)?.to_path_buf();
        let set = CorrectionSet::shared(&file).map_err(|source| Error::Correction {
            file: file.clone(),
            source,
        })?;
        let (order, variation_at) = self.spec.resolve(&file, &set)?;
        self.loaded = Some(Loaded {
            file,
            set,
            order,
            variation_at,
        });
        Ok(())
    }

    fn call(&self, events: &mut FnEvents<'_>, _: &CallContext<'_>) -> FnResult<Outcome> {
        let loaded = self.loaded.as_ref().ok_or(Error::NotSetUp {
            file: self.spec.file,
        })?;
        let evaluation = |source| Error::Evaluation {
            file: loaded.file.clone(),
            source,
        };
        let correction = loaded
            .set
            .correction(&self.spec.correction)
            .map_err(evaluation)?;
        let collection = self.spec.collection;
        let pt_route = format!("{collection}.pt");
        let eta_route = format!("{collection}.eta");
        let (offsets, pt) = jagged_f32(events, &pt_route)?;
        let (_, eta) = jagged_f32(events, &eta_route)?;
        let mut eta: Vec<f64> = eta.values().iter().map(|&e| f64::from(e)).collect();
        if loaded
            .order
            .iter()
            .any(|i| matches!(i, Input::SuperclusterEta))
        {
            let delta_route = format!("{collection}.deltaEtaSC");
            let (_, delta) = jagged_f32(events, &delta_route)?;
            if delta.len() != eta.len() {
                return Err(Error::Misaligned {
                    first: eta_route,
                    second: delta_route,
                }
                .into());
            }
            for (e, &d) in eta.iter_mut().zip(delta.values()) {
                *e += f64::from(d);
            }
        }
        if pt.len() != eta.len() {
            return Err(Error::Misaligned {
                first: pt_route,
                second: eta_route,
            }
            .into());
        }

        let mut values: Vec<Value<'_>> = vec![Value::Real(0.0); loaded.order.len()];
        let mut factors: [Vec<f64>; 3] = Default::default();
        for (&p, &e) in pt.values().iter().zip(&eta) {
            for (value, input) in values.iter_mut().zip(&loaded.order) {
                *value = match input {
                    Input::Key(key) => Value::Str(key),
                    Input::Variation => Value::Str(self.spec.variations[0]),
                    Input::Pt => Value::Real(f64::from(p)),
                    Input::AbsEta => Value::Real(e.abs()),
                    Input::SuperclusterEta => Value::Real(e),
                };
            }
            for (variation, out) in self.spec.variations.iter().zip(factors.iter_mut()) {
                values[loaded.variation_at] = Value::Str(variation);
                match correction.evaluate(&values) {
                    Ok(factor) => out.push(factor),
                    // Outside the measured bins: no factor (see the module docs). The variations
                    // share the nominal's bins, so all three land here together.
                    Err(cf_correction::Error::OutOfRange { .. }) => out.push(1.0),
                    Err(other) => return Err(evaluation(other).into()),
                }
            }
        }

        let output = self.declaration.name();
        let columns = [
            output.to_string(),
            format!("{output}_up"),
            format!("{output}_down"),
        ];
        for (column, factors) in columns.iter().zip(&factors) {
            let weight: Float64Array = offsets
                .windows(2)
                .map(|w| Some(factors[w[0] as usize..w[1] as usize].iter().product()))
                .collect();
            events.set_column(column, Arc::new(weight))?;
        }
        Ok(Outcome::Columns)
    }
}
