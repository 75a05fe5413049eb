//! What `input_usage` reports about a real correction.

use cf_correction::{CorrectionSet, Evaluate, InputType};

use crate::data_dir;

#[test]
fn input_usage_reports_ranges_and_category_keys() {
    let set =
        CorrectionSet::from_file(data_dir().join("corrections/MUO_2018_UL_muon_Z.json")).unwrap();
    let sf = set.correction("NUM_TightID_DEN_TrackerMuons").unwrap();
    let names: Vec<&str> = sf.inputs().iter().map(|v| v.name()).collect();
    assert_eq!(names, ["year", "abseta", "pt", "ValType"]);
    assert_eq!(sf.inputs()[0].input_type(), InputType::String);
    let usage = sf.input_usage();
    assert_eq!(usage[0].keys, ["2018_UL"]);
    assert_eq!(usage[1].range, Some((0.0, 2.4)));
    assert!(!usage[1].overflow, "flow is error");
    assert_eq!(usage[2].range, Some((15.0, f64::INFINITY)));
    assert!(usage[3].keys.iter().any(|k| k == "sf") && usage[3].keys.iter().any(|k| k == "systup"));
    assert!(usage[3].range.is_none());
}
