//! Bit-identical results for any thread count (rayon pools of 1, 2, 3) and any chunking.

use arrow_array::builder::{Float64Builder, ListBuilder};
use arrow_array::{Array, Float64Array, Int32Array, ListArray};
use cf_hist::fill::BLOCK_EVENTS;
use cf_hist::{Axis, Histogram, Storage};

struct Data {
    x: ListArray,
    cat: Int32Array,
    w: Float64Array,
}

/// Events with a wide range of weights, so that any change of summation order changes bits.
fn data(n: usize) -> Data {
    let mut state = 12345u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut x = ListBuilder::new(Float64Builder::new());
    let mut cat = Vec::with_capacity(n);
    let mut w = Vec::with_capacity(n);
    for _ in 0..n {
        let objects = (next() * 3.0) as usize;
        for _ in 0..objects {
            x.values().append_value(next() * 12.0 - 1.0);
        }
        x.append(true);
        cat.push((next() * 4.0) as i32);
        w.push(10f64.powf(next() * 8.0 - 4.0) * if next() < 0.1 { -1.0 } else { 1.0 });
    }
    Data {
        x: x.finish(),
        cat: Int32Array::from(cat),
        w: Float64Array::from(w),
    }
}

fn empty() -> Histogram {
    Histogram::new(
        vec![
            Axis::regular(10, 0.0, 10.0).unwrap().with_name("x"),
            Axis::int_category([0, 1, 2]).unwrap().with_name("cat"),
        ],
        Storage::Weight,
    )
    .unwrap()
}

fn fill_chunked(d: &Data, threads: usize, chunks: &[usize]) -> Histogram {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut h = empty();
    let mut start = 0;
    let mut i = 0;
    while start < d.w.len() {
        let len = chunks[i % chunks.len()].min(d.w.len() - start);
        let (x, c, w) = (
            d.x.slice(start, len),
            d.cat.slice(start, len),
            d.w.slice(start, len),
        );
        pool.install(|| h.fill(&[&x as &dyn Array, &c], Some(&w)))
            .unwrap();
        start += len;
        i += 1;
    }
    h
}

fn bits(h: &Histogram) -> (Vec<u64>, Vec<u64>) {
    (
        h.values().iter().map(|v| v.to_bits()).collect(),
        h.variances().unwrap().iter().map(|v| v.to_bits()).collect(),
    )
}

#[test]
fn identical_bits_for_threads_and_chunkings() {
    let n = 5 * BLOCK_EVENTS + 1234;
    let d = data(n);
    let reference = fill_chunked(&d, 1, &[n]);
    assert_eq!(reference.events(), n as u64);
    let expected = bits(&reference);
    let chunkings: [&[usize]; 5] = [
        &[n],
        &[1000],
        &[BLOCK_EVENTS + 7],
        &[3, 50_000, 17, 999, 70_001],
        &[2 * BLOCK_EVENTS, 1],
    ];
    for threads in [1, 2, 3] {
        for chunks in chunkings {
            let h = fill_chunked(&d, threads, chunks);
            assert!(
                bits(&h) == expected,
                "bits differ with {threads} threads and chunks {chunks:?}"
            );
        }
    }
}

#[test]
fn the_data_is_order_sensitive() {
    // Guards the test above: with these weights a different summation order does change bits,
    // so equal bits there mean the order really was fixed.
    let n = 3 * BLOCK_EVENTS;
    let d = data(n);
    let forward = fill_chunked(&d, 1, &[n]);
    let reversed_idx = arrow_array::UInt32Array::from((0..n as u32).rev().collect::<Vec<_>>());
    let take = |a: &dyn Array| arrow_select::take::take(a, &reversed_idx, None).unwrap();
    let (x, c, w) = (take(&d.x), take(&d.cat), take(&d.w));
    let mut reversed = empty();
    reversed
        .fill(&[x.as_ref(), c.as_ref()], Some(w.as_ref()))
        .unwrap();
    let (f, r) = (forward.values(), reversed.values());
    for (a, b) in f.iter().zip(&r) {
        assert!(
            (a - b).abs() <= 1e-9 * a.abs().max(1.0),
            "sums differ beyond rounding: {a} vs {b}"
        );
    }
    assert_ne!(
        bits(&forward),
        bits(&reversed),
        "reordering should change some bits"
    );
}

#[test]
fn binary_round_trip_mid_block_keeps_future_fills_identical() {
    let n = 2 * BLOCK_EVENTS + 500;
    let d = data(n);
    let reference = fill_chunked(&d, 2, &[n]);
    let cut = BLOCK_EVENTS + 123;
    let mut h = empty();
    let (x, c, w) = (d.x.slice(0, cut), d.cat.slice(0, cut), d.w.slice(0, cut));
    h.fill(&[&x as &dyn Array, &c], Some(&w)).unwrap();
    let mut back = Histogram::from_bytes(&h.to_bytes()).unwrap();
    let (x, c, w) = (
        d.x.slice(cut, n - cut),
        d.cat.slice(cut, n - cut),
        d.w.slice(cut, n - cut),
    );
    back.fill(&[&x as &dyn Array, &c], Some(&w)).unwrap();
    assert!(
        bits(&back) == bits(&reference),
        "a histogram read back mid-block fills on identically"
    );
}
