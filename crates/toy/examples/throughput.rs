//! Generation throughput: writes 1M `tt_sl` events (the busiest process) with 1 and 2
//! threads and prints events per second.
//!
//! `cargo run --release -p cf-toy --example throughput [-- EVENTS [MODEL [THREADS...]]]`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let events: u64 = args.next().map_or(Ok(1_000_000), |a| a.parse())?;
    let name = args.next().unwrap_or_else(|| "tt_sl".to_string());
    let mut threads: Vec<usize> = args.map(|a| a.parse()).collect::<Result<_, _>>()?;
    if threads.is_empty() {
        threads = vec![1, 2];
    }
    let model = cf_toy::model(&name).ok_or_else(|| format!("no model `{name}`"))?;
    let dir = tempfile::tempdir()?;
    for threads in threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let path = dir.path().join(format!("{name}_{threads}.parquet"));
        let start = Instant::now();
        pool.install(|| cf_toy::write_events(model, 1, 0, events, &path))?;
        let seconds = start.elapsed().as_secs_f64();
        let size = std::fs::metadata(&path)?.len() as f64 / 1e6;
        println!(
            "{name}: {events} events, {threads} thread(s): {seconds:.2} s, {:.0} events/s, {size:.0} MB",
            events as f64 / seconds
        );
    }
    Ok(())
}
