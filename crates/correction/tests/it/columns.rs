//! The vectorised path equals point-by-point evaluation.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, Float32Array, Float64Array, Int32Array, ListArray};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field};
use cf_correction::{Column, CorrectionSet, Evaluate, Value, PARALLEL_MIN_ELEMENTS};

use crate::data_dir;

/// A deterministic pseudo-random sequence in [low, high).
fn uniform(n: usize, seed: u64, low: f64, high: f64) -> Vec<f64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            low + (high - low) * ((state >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

fn list(lengths: &[usize], values: Vec<f64>) -> ArrayRef {
    Arc::new(ListArray::new(
        Arc::new(Field::new("item", DataType::Float64, true)),
        OffsetBuffer::from_lengths(lengths.iter().copied()),
        Arc::new(Float64Array::from(values)),
        None,
    ))
}

#[test]
fn jagged_with_broadcast_equals_point_by_point() {
    let set = CorrectionSet::from_file(data_dir().join("corrections/jet_jerc_Summer22_V3.json.gz"))
        .unwrap();
    let jec = set
        .compound("Summer22_22Sep2023_RunCD_V3_DATA_L1L2L3Res_AK4PFPuppi")
        .unwrap();
    // Enough elements for the parallel path.
    let lengths: Vec<usize> = (0..8000).map(|i| (i * 7 + 3) % 6).collect();
    let total: usize = lengths.iter().sum();
    assert!(total > PARALLEL_MIN_ELEMENTS);
    let area = uniform(total, 1, 0.3, 0.7);
    let eta = uniform(total, 2, -4.7, 4.7);
    let pt = uniform(total, 3, 15.0, 500.0);
    let rho = uniform(lengths.len(), 4, 0.0, 40.0);
    let (area_a, eta_a, pt_a) = (
        list(&lengths, area.clone()),
        list(&lengths, eta.clone()),
        list(&lengths, pt.clone()),
    );
    let rho_a: ArrayRef = Arc::new(Float64Array::from(rho.clone()));
    let out = jec
        .evaluate_columns(&[
            (&area_a).into(),
            (&eta_a).into(),
            (&pt_a).into(),
            (&rho_a).into(),
        ])
        .unwrap();
    let out = out.as_list::<i32>();
    assert_eq!(out.value_offsets(), pt_a.as_list::<i32>().value_offsets());
    let values = out.values().as_primitive::<Float64Type>().values();
    let mut i = 0;
    for (event, &n) in lengths.iter().enumerate() {
        for _ in 0..n {
            let want = jec
                .evaluate(&[
                    Value::Real(area[i]),
                    Value::Real(eta[i]),
                    Value::Real(pt[i]),
                    Value::Real(rho[event]),
                ])
                .unwrap();
            assert_eq!(values[i].to_bits(), want.to_bits(), "element {i}");
            i += 1;
        }
    }
}

#[test]
fn scalars_sliced_lists_and_narrow_types_broadcast() {
    let set =
        CorrectionSet::from_file(data_dir().join("corrections/MUO_2018_UL_muon_Z.json")).unwrap();
    let sf = set.correction("NUM_GlobalMuons_DEN_genTracks").unwrap();
    let eta = uniform(40, 5, 0.0, 2.39);
    let pt = uniform(40, 6, 15.0, 200.0);
    let lengths = [3usize, 0, 5, 2, 10, 20];
    // A sliced list array: its offsets do not start at zero.
    let eta_list = list(&lengths, eta.clone()).slice(2, 3);
    let pt32: Vec<f32> = pt.iter().map(|&v| v as f32).collect();
    let pt_list = Arc::new(ListArray::new(
        Arc::new(Field::new("item", DataType::Float32, true)),
        OffsetBuffer::from_lengths(lengths),
        Arc::new(Float32Array::from(pt32.clone())),
        None,
    ))
    .slice(2, 3);
    let pt_list: ArrayRef = Arc::new(pt_list);
    let year = Column::Scalar(Value::Str("2018_UL"));
    let syst = Column::Scalar(Value::Str("systup"));
    let out = sf
        .evaluate_columns(&[year, (&eta_list).into(), (&pt_list).into(), syst])
        .unwrap();
    let out = out.as_list::<i32>();
    assert_eq!(out.len(), 3);
    assert_eq!(out.value_offsets(), &[0, 5, 7, 17]);
    let values = out.values().as_primitive::<Float64Type>().values();
    for (j, i) in (3..20).enumerate() {
        let want = sf
            .evaluate(&[
                Value::Str("2018_UL"),
                Value::Real(eta[i]),
                Value::Real(f64::from(pt32[i])),
                Value::Str("systup"),
            ])
            .unwrap();
        assert_eq!(values[j], want, "element {j}");
    }

    // Integer arrays feed real inputs; all-scalar calls give one value.
    let pu = CorrectionSet::from_file(data_dir().join("corrections/LUM_2018_UL_puWeights.json"))
        .unwrap();
    let w = pu
        .correction("Collisions18_UltraLegacy_goldenJSON")
        .unwrap();
    let n: ArrayRef = Arc::new(Int32Array::from(vec![0, 10, 30, 99]));
    let out = w
        .evaluate_columns(&[(&n).into(), Value::Str("up").into()])
        .unwrap();
    let out = out.as_primitive::<Float64Type>();
    for (i, n) in [0, 10, 30, 99].into_iter().enumerate() {
        assert_eq!(
            out.value(i),
            w.evaluate(&[Value::Real(n as f64), Value::Str("up")])
                .unwrap()
        );
    }
    let one = w
        .evaluate_columns(&[Value::Real(10.0).into(), Value::Str("up").into()])
        .unwrap();
    assert_eq!(one.len(), 1);
}
