//! Fill throughput of a weighted 3-axis histogram (a 40-bin regular axis plus integer-category
//! process and shift axes), as columnflow's CreateHistograms fills it.
//!
//! `cargo bench -p cf-hist --bench fill -- [--data DIR] [--threads N] [--repeat R]`
//!
//! With `--data`, reads `x.f64`, `process.i32`, `shift.i32` and `weight.f64` (raw
//! little-endian, as numpy's `tofile` writes them; `benches/hist_vs_python.py` makes them).
//! Without, it generates 10M events itself. Prints one `RESULT` line per run with fills/s.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, Float64Array, Int32Array};
use cf_hist::{Axis, Histogram, Storage};

fn read_raw<const N: usize>(path: &Path) -> Vec<[u8; N]> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    bytes
        .chunks_exact(N)
        .map(|c| c.try_into().expect("chunk size"))
        .collect()
}

fn load(dir: &Path) -> (Vec<f64>, Vec<i32>, Vec<i32>, Vec<f64>) {
    let f64s = |name: &str| -> Vec<f64> {
        read_raw::<8>(&dir.join(name))
            .into_iter()
            .map(f64::from_le_bytes)
            .collect()
    };
    let i32s = |name: &str| -> Vec<i32> {
        read_raw::<4>(&dir.join(name))
            .into_iter()
            .map(i32::from_le_bytes)
            .collect()
    };
    (
        f64s("x.f64"),
        i32s("process.i32"),
        i32s("shift.i32"),
        f64s("weight.f64"),
    )
}

fn generate(n: usize) -> (Vec<f64>, Vec<i32>, Vec<i32>, Vec<f64>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for _ in 0..n {
        out.0.push(-10.0 + 230.0 * next());
        out.1.push((next() * 10.0) as i32);
        out.2.push((next() * 5.0) as i32);
        out.3.push(0.5 + next());
    }
    out
}

/// CPU seconds (user + system) this process has used, from `/proc/self/stat` (Linux; 0 elsewhere).
/// On a shared machine wall time understates scaling; CPU time shows the work done.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the stat line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let threads: usize = arg("--threads").map_or(1, |t| t.parse().expect("--threads N"));
    let repeat: usize = arg("--repeat").map_or(3, |t| t.parse().expect("--repeat R"));
    let (x, process, shift, weight) = match arg("--data") {
        Some(dir) => load(&PathBuf::from(dir)),
        None => generate(10_000_000),
    };
    let n = x.len();
    let x: ArrayRef = Arc::new(Float64Array::from(x));
    let process: ArrayRef = Arc::new(Int32Array::from(process));
    let shift: ArrayRef = Arc::new(Int32Array::from(shift));
    let weight: ArrayRef = Arc::new(Float64Array::from(weight));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let mut best = f64::INFINITY;
    let mut total = 0.0;
    let mut wall_sum = 0.0;
    let cpu_start = cpu_seconds();
    for _ in 0..repeat {
        let mut h = Histogram::new(
            vec![
                Axis::regular(40, 0.0, 200.0).expect("axis").with_name("x"),
                Axis::int_category((0..10).collect::<Vec<i64>>())
                    .expect("axis")
                    .with_name("process"),
                Axis::int_category((0..5).collect::<Vec<i64>>())
                    .expect("axis")
                    .with_name("shift"),
            ],
            Storage::Weight,
        )
        .expect("histogram");
        let start = Instant::now();
        pool.install(|| h.fill(&[&x, &process, &shift], Some(&weight)))
            .expect("fill");
        let wall = start.elapsed().as_secs_f64();
        wall_sum += wall;
        best = best.min(wall);
        total = h.sum();
    }
    let cpu = cpu_seconds() - cpu_start;
    println!(
        "RESULT tool=cf-hist threads={threads} events={n} seconds={best:.6} fills_per_s={:.0} \
         cpu_per_wall={:.2} sum={total:.6}",
        n as f64 / best,
        cpu / wall_sum
    );
}
