//! Writing event files: a SelectEvents-like record (event mask, step masks, object index
//! lists) and a ReduceEvents-like collection (five float fields per jet), 250k events each,
//! written with [`EventWriter`] to a temporary directory. Prints events per second.
//!
//! ```sh
//! cargo bench -p cf-io --bench write
//! ```

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, BooleanArray, Float32Array, Int32Array, ListArray};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field};
use cf_columns::{Events, Route};
use cf_io::EventWriter;

const EVENTS: usize = 250_000;
const BATCH: usize = 16_384;

/// Deterministic pseudo-random numbers (xorshift), so runs write the same bytes.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn offsets(numbers: &mut Numbers, n: usize, max: u64) -> OffsetBuffer<i32> {
    OffsetBuffer::from_lengths((0..n).map(|_| (numbers.next() % (max + 1)) as usize))
}

fn int_lists(numbers: &mut Numbers, n: usize, max: u64) -> ArrayRef {
    let offsets = offsets(numbers, n, max);
    let values: Int32Array = (0..offsets[offsets.len() - 1]).map(|i| i % 7).collect();
    let field = Arc::new(Field::new("item", DataType::Int32, false));
    Arc::new(ListArray::new(field, offsets, Arc::new(values), None))
}

fn mask(numbers: &mut Numbers, n: usize) -> ArrayRef {
    Arc::new(BooleanArray::from_iter(
        (0..n).map(|_| Some(numbers.next().is_multiple_of(4))),
    ))
}

fn selection_record(numbers: &mut Numbers, n: usize) -> Events {
    let mut events = Events::with_num_events(n);
    let mut set = |route: &str, array: ArrayRef| {
        let route = Route::parse(route).expect("literal routes are valid");
        events.set_column(&route, array).expect("aligned columns");
    };
    set("event", mask(numbers, n));
    for step in ["steps.lepton", "steps.jet", "steps.btag"] {
        set(step, mask(numbers, n));
    }
    set("objects__Jet__Jet", int_lists(numbers, n, 10));
    set("objects__Jet__BJet", int_lists(numbers, n, 4));
    set("objects__Electron__Electron", int_lists(numbers, n, 1));
    set("objects__Muon__Muon", int_lists(numbers, n, 1));
    events
}

fn jets(numbers: &mut Numbers, n: usize) -> Events {
    let offsets = offsets(numbers, n, 9);
    let jets = offsets[offsets.len() - 1] as usize;
    let mut events = Events::with_num_events(n);
    for field in ["pt", "eta", "phi", "mass", "btagDeepFlavB"] {
        let values: Float32Array = (0..jets)
            .map(|_| (numbers.next() % 100_000) as f32 / 997.0)
            .collect();
        let item = Arc::new(Field::new("item", DataType::Float32, false));
        let list = ListArray::new(item, offsets.clone(), Arc::new(values), None);
        events
            .set_column(&Route::new(["Jet", field]), Arc::new(list))
            .expect("aligned columns");
    }
    events
}

fn bench(name: &str, make: impl Fn(&mut Numbers, usize) -> Events) {
    let mut numbers = Numbers(0x9E37_79B9_7F4A_7C15);
    let batches: Vec<Events> = (0..EVENTS.div_ceil(BATCH))
        .map(|b| make(&mut numbers, BATCH.min(EVENTS - b * BATCH)))
        .collect();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut best = f64::INFINITY;
    for round in 0..5 {
        let path = dir.path().join(format!("{name}_{round}.parquet"));
        let start = Instant::now();
        let mut writer = EventWriter::try_new(&path).expect("writable temporary directory");
        for events in &batches {
            writer.write(events).expect("writing a valid batch");
        }
        writer.finish().expect("finishing the file");
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{name}: {EVENTS} events in {:.1} ms (best of 5), {:.2} M events/s",
        best * 1e3,
        EVENTS as f64 / best / 1e6
    );
}

fn main() {
    bench("selection record", selection_record);
    bench("jets (5 float fields)", jets);
}
