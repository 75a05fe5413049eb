//! Each error kind, with the names it must carry.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, ListArray, StringArray};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field};
use cf_correction::{Column, CorrectionSet, Error, Evaluate, Side, Value};

use crate::data_dir;

fn muon() -> CorrectionSet {
    CorrectionSet::from_file(data_dir().join("corrections/MUO_2018_UL_muon_Z.json")).unwrap()
}

const MUON_SF: &str = "NUM_GlobalMuons_DEN_genTracks";

#[test]
fn out_of_range_names_correction_input_and_side() {
    let set = muon();
    let sf = set.correction(MUON_SF).unwrap();
    let err = sf
        .evaluate(&[
            Value::Str("2018_UL"),
            Value::Real(3.0),
            Value::Real(50.0),
            Value::Str("sf"),
        ])
        .unwrap_err();
    match &err {
        Error::OutOfRange {
            correction,
            input,
            value,
            side,
        } => {
            assert_eq!(
                (correction.as_str(), input.as_str(), *value, *side),
                (MUON_SF, "abseta", 3.0, Side::Above)
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("abseta"), "{err}");
}

#[test]
fn unknown_category_names_the_key() {
    let set = muon();
    let sf = set.correction(MUON_SF).unwrap();
    let err = sf
        .evaluate(&[
            Value::Str("1999"),
            Value::Real(1.0),
            Value::Real(50.0),
            Value::Str("sf"),
        ])
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownCategory { input, key, .. } if input == "year" && key == "1999"),
        "{err:?}"
    );
}

#[test]
fn wrong_number_and_type_of_inputs() {
    let set = muon();
    let sf = set.correction(MUON_SF).unwrap();
    let err = sf.evaluate(&[Value::Str("2018_UL")]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InputCount {
                expected: 4,
                got: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let err = sf
        .evaluate(&[
            Value::Real(2018.0),
            Value::Real(1.0),
            Value::Real(50.0),
            Value::Str("sf"),
        ])
        .unwrap_err();
    assert!(
        matches!(&err, Error::InputType { input, .. } if input == "year"),
        "{err:?}"
    );
    let err = set.evaluator("no_such_correction").err().unwrap();
    assert!(
        matches!(&err, Error::UnknownCorrection { available, .. } if available.iter().any(|n| n == MUON_SF)),
        "{err:?}"
    );
}

fn load_text(text: &str) -> Result<CorrectionSet, Error> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, text).unwrap();
    CorrectionSet::from_file(&path)
}

#[test]
fn malformed_files_name_the_file_and_json_path() {
    let err = load_text(r#"{"schema_version": 2, "corrections": [{"name": "#).unwrap_err();
    assert!(
        matches!(&err, Error::Json { file, .. } if file.ends_with("broken.json")),
        "{err:?}"
    );

    let err = load_text(r#"{"schema_version": 1, "corrections": []}"#).unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedSchema { version, .. } if version == "1"),
        "{err:?}"
    );

    let correction = |data: &str| {
        format!(
            r#"{{"schema_version": 2, "corrections": [{{"name": "c", "version": 1,
            "inputs": [{{"name": "x", "type": "real"}}], "output": {{"name": "o", "type": "real"}},
            "data": {data}}}]}}"#
        )
    };
    let err = load_text(&correction(
        r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0], "flow": "clamp"}"#,
    ))
    .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { at, problem, .. } if at == "$.corrections[0].data" && problem.contains("'content'")),
        "{err:?}"
    );
    let err = load_text(&correction(
        r#"{"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, 2.0], "flow": "clamp",
            "content": [1.0, {"nodetype": "formula", "parser": "TFormula", "expression": "x*", "variables": ["x"]}]}"#,
    ))
    .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { at, problem, .. } if at == "$.corrections[0].data.content[1]" && problem.contains("position 2")),
        "{err:?}"
    );
    let err = load_text(&correction(r#"{"nodetype": "lwtnn"}"#)).unwrap_err();
    assert!(
        err.to_string().contains("unsupported nodetype 'lwtnn'"),
        "{err}"
    );

    let err = CorrectionSet::from_file("/nonexistent/file.json").unwrap_err();
    assert!(
        matches!(&err, Error::Io { file, .. } if file == "/nonexistent/file.json"),
        "{err:?}"
    );
}

#[test]
fn column_errors_name_the_input() {
    let set = muon();
    let sf = set.correction(MUON_SF).unwrap();
    let eta: ArrayRef = Arc::new(Float64Array::from(vec![0.5, 1.0, 3.0]));
    let pt: ArrayRef = Arc::new(Float64Array::from(vec![30.0, 40.0, 50.0]));
    let short: ArrayRef = Arc::new(Float64Array::from(vec![30.0]));
    let nulls: ArrayRef = Arc::new(Float64Array::from(vec![Some(30.0), None, Some(50.0)]));
    let ints: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3]));
    let year = Column::Scalar(Value::Str("2018_UL"));
    let syst = Column::Scalar(Value::Str("sf"));

    let err = sf
        .evaluate_columns(&[year, (&eta).into(), (&pt).into(), syst])
        .unwrap_err();
    match err {
        Error::Element { index, source } => {
            assert_eq!(index, 2);
            assert!(matches!(*source, Error::OutOfRange { ref input, .. } if input == "abseta"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = sf
        .evaluate_columns(&[year, (&eta).into(), (&short).into(), syst])
        .unwrap_err();
    assert!(
        matches!(&err, Error::ColumnLength { input, expected: 3, got: 1, .. } if input == "pt"),
        "{err:?}"
    );
    let err = sf
        .evaluate_columns(&[year, (&eta).into(), (&nulls).into(), syst])
        .unwrap_err();
    assert!(
        matches!(&err, Error::NullInput { input, .. } if input == "pt"),
        "{err:?}"
    );
    let err = sf
        .evaluate_columns(&[(&ints).into(), (&eta).into(), (&pt).into(), syst])
        .unwrap_err();
    assert!(
        matches!(&err, Error::ColumnType { input, .. } if input == "year"),
        "{err:?}"
    );

    let jagged = |lengths: [usize; 2]| -> ArrayRef {
        Arc::new(ListArray::new(
            Arc::new(Field::new("item", DataType::Float64, true)),
            OffsetBuffer::from_lengths(lengths),
            Arc::new(Float64Array::from(vec![0.5, 1.0, 1.5])),
            None,
        ))
    };
    let (a, b) = (jagged([1, 2]), jagged([2, 1]));
    let err = sf
        .evaluate_columns(&[year, (&a).into(), (&b).into(), syst])
        .unwrap_err();
    assert!(
        matches!(&err, Error::OffsetsMismatch { input, .. } if input == "pt"),
        "{err:?}"
    );

    let strings: ArrayRef = Arc::new(StringArray::from(vec!["2018_UL", "2017", "2018_UL"]));
    let eta_ok: ArrayRef = Arc::new(Float64Array::from(vec![0.5, 1.0, 1.5]));
    let err = sf
        .evaluate_columns(&[(&strings).into(), (&eta_ok).into(), (&pt).into(), syst])
        .unwrap_err();
    assert!(
        matches!(&err, Error::Element { index: 1, source } if matches!(**source, Error::UnknownCategory { ref key, .. } if key == "2017")),
        "{err:?}"
    );
}
