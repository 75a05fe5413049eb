//! The golden-JSON luminosity mask for data.

use std::collections::HashMap;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::UInt32Type;
use arrow_array::BooleanArray;
use cf_analysis::{
    selector, CallContext, Declaration, FnEvents, FnResult, Function, Outcome, SelectionResult,
    SetupContext,
};

/// The external file (in the config's `external_files`) holding the golden JSON.
pub const GOLDEN_JSON_FILE: &str = "golden_json";

/// Certified luminosity blocks: `{"run": [[first, last], ...], ...}`, ranges inclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoldenJson {
    runs: HashMap<u32, Vec<(u32, u32)>>,
}

impl GoldenJson {
    /// Reads a golden JSON file; errors name the file and what is wrong.
    pub fn from_file(path: &Path) -> Result<GoldenJson, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read golden JSON {}: {e}", path.display()))?;
        GoldenJson::parse(&text).map_err(|e| format!("golden JSON {}: {e}", path.display()))
    }

    /// Parses the text of a golden JSON.
    pub fn parse(text: &str) -> Result<GoldenJson, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let object = value
            .as_object()
            .ok_or("expected an object of runs, like {\"315267\": [[1, 205]]}")?;
        let mut runs = HashMap::with_capacity(object.len());
        for (run, ranges) in object {
            let number: u32 = run
                .parse()
                .map_err(|_| format!("run `{run}` is not a run number"))?;
            let ranges = ranges
                .as_array()
                .ok_or_else(|| format!("run {run}: expected a list of [first, last] ranges"))?;
            let mut parsed = Vec::with_capacity(ranges.len());
            for range in ranges {
                let pair = range.as_array().filter(|p| p.len() == 2).and_then(|p| {
                    Some((
                        u32::try_from(p[0].as_u64()?).ok()?,
                        u32::try_from(p[1].as_u64()?).ok()?,
                    ))
                });
                match pair {
                    Some((first, last)) if first <= last => parsed.push((first, last)),
                    _ => return Err(format!("run {run}: `{range}` is not a [first, last] range")),
                }
            }
            runs.insert(number, parsed);
        }
        Ok(GoldenJson { runs })
    }

    /// True when luminosity block `lumi` of `run` is certified.
    pub fn contains(&self, run: u32, lumi: u32) -> bool {
        self.runs.get(&run).is_some_and(|ranges| {
            ranges
                .iter()
                .any(|&(first, last)| (first..=last).contains(&lumi))
        })
    }
}

/// The `lumi_mask` selector (data only): keeps events in certified luminosity blocks, as the
/// step `lumi`. The golden JSON is the config's external file [`GOLDEN_JSON_FILE`].
pub struct LumiMask {
    declaration: Declaration,
    golden: Option<GoldenJson>,
}

impl LumiMask {
    /// The selector, before `setup` has loaded its golden JSON.
    pub fn new() -> LumiMask {
        LumiMask {
            declaration: selector("lumi_mask")
                .uses("{run,luminosityBlock}")
                .expect("literal routes are valid")
                .data_only(),
            golden: None,
        }
    }
}

impl Default for LumiMask {
    fn default() -> Self {
        LumiMask::new()
    }
}

impl Function for LumiMask {
    fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    fn setup(&mut self, context: &SetupContext<'_>) -> FnResult<()> {
        self.golden = Some(GoldenJson::from_file(context.file(GOLDEN_JSON_FILE)?)?);
        Ok(())
    }

    fn call(&self, events: &mut FnEvents<'_>, _: &CallContext<'_>) -> FnResult<Outcome> {
        let golden = self
            .golden
            .as_ref()
            .ok_or("setup has not loaded the golden JSON")?;
        let run = events.column("run")?;
        let lumi = events.column("luminosityBlock")?;
        let (run, lumi) = (
            run.as_primitive::<UInt32Type>(),
            lumi.as_primitive::<UInt32Type>(),
        );
        let mask: BooleanArray = (0..run.len())
            .map(|i| Some(golden.contains(run.value(i), lumi.value(i))))
            .collect();
        Ok(Outcome::Selection(
            SelectionResult::new(mask.clone()).with_step("lumi", mask),
        ))
    }
}
