//! Reads the 16 AGC columns from event files through cf-io and prints events/s per file.
//!
//! `cargo bench --bench read_columns -- [--batch-size N] [--to-parquet OUT] FILE...`: with `--to-parquet`, the
//! first file is first converted to cf's Parquet (all its readable columns) at OUT, which is
//! then measured too. Each file is read `REPEATS` times; the best time counts. The thread count
//! follows `RAYON_NUM_THREADS`. Driven by `benches/read_nanoaod.py`, which compares with uproot.

use std::path::PathBuf;
use std::time::Instant;

use cf_columns::ColumnSet;
use cf_io::{EventFile, EventWriter, DEFAULT_BATCH_SIZE};

/// The columns of the IRIS-HEP Analysis Grand Challenge ttbar selection.
const AGC_COLUMNS: &[&str] = &[
    "Jet.{pt,eta,phi,mass,btagDeepFlavB,jetId}",
    "Electron.{pt,eta,cutBased,sip3d}",
    "Muon.{pt,eta,tightId,sip3d,pfRelIso04_all}",
    "event",
];

const REPEATS: usize = 3;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Every repeat must decode: the process-wide cache would serve repeats from memory.
    cf_root::set_decoded_cache_capacity(0);
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut files = Vec::new();
    let mut parquet_out = None;
    let mut batch_size = DEFAULT_BATCH_SIZE;
    while let Some(arg) = args.next() {
        if arg == "--batch-size" {
            batch_size = args.next().ok_or("--batch-size needs a number")?.parse()?;
        } else if arg == "--to-parquet" {
            parquet_out = Some(PathBuf::from(
                args.next().ok_or("--to-parquet needs a path")?,
            ));
        } else {
            files.push(PathBuf::from(arg));
        }
    }
    if files.is_empty() {
        return Err("usage: read_columns [--batch-size N] [--to-parquet OUT] FILE...".into());
    }
    if let Some(out) = parquet_out {
        convert(&files[0], &out)?;
        files.push(out);
    }
    let columns = ColumnSet::parse(AGC_COLUMNS)?;
    for file in &files {
        let (events, seconds) = best_read(file, &columns, batch_size)?;
        println!(
            "{{\"reader\": \"cf\", \"file\": {:?}, \"events\": {events}, \"seconds\": {seconds:.4}, \"events_per_s\": {:.0}}}",
            file.display().to_string(),
            events as f64 / seconds
        );
    }
    Ok(())
}

fn best_read(
    file: &PathBuf,
    columns: &ColumnSet,
    batch_size: usize,
) -> Result<(u64, f64), Box<dyn std::error::Error>> {
    let mut best = f64::INFINITY;
    let mut events = 0;
    for _ in 0..REPEATS {
        let start = Instant::now();
        let source = EventFile::open(file)?;
        events = 0;
        for batch in source.read(columns, batch_size)? {
            events += batch?.num_events() as u64;
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    Ok((events, best))
}

fn convert(input: &PathBuf, out: &PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let source = EventFile::open(input)?;
    let all: ColumnSet = source
        .columns()
        .iter()
        .filter(|c| c.data_type.is_some())
        .map(|c| c.route.clone())
        .collect();
    let start = Instant::now();
    let mut writer = EventWriter::try_new(out)?;
    for batch in source.read(&all, DEFAULT_BATCH_SIZE)? {
        writer.write(&batch?)?;
    }
    let events = writer.finish()?;
    eprintln!(
        "converted {} to cf Parquet in {:.2} s ({:.0} events/s)",
        input.display(),
        start.elapsed().as_secs_f64(),
        events as f64 / start.elapsed().as_secs_f64()
    );
    Ok(())
}
