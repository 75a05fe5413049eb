//! Reads the 16 AGC columns (plus their counters) of a NanoAOD file in chunks and prints the
//! event rate.
//!
//! ```text
//! cargo bench -p cf-root --bench read -- /path/to/file.root [chunk_entries] [repeats]
//! CF_ROOT_BENCH_FILE=/path/to/file.root cargo bench -p cf-root --bench read
//! ```
//! Without a path it reads `tests/data/nanoaod/nanoAOD_2015_CMS_Open_Data_ttbar.root`.
//! `RAYON_NUM_THREADS=1` measures a single decompression thread.
//!
//! A large input and uproot's figure for the same columns:
//! ```text
//! python3 crates/root/benches/make_bench_file.py /tmp/nano_1M.root      # 1M events, ZLIB
//! python3 crates/root/benches/uproot_read.py /tmp/nano_1M.root
//! ```

use std::time::Instant;

use cf_root::RootFile;

const COLUMNS: [&str; 16] = [
    "Jet_pt",
    "Jet_eta",
    "Jet_phi",
    "Jet_mass",
    "Jet_btagDeepFlavB",
    "Jet_jetId",
    "Electron_pt",
    "Electron_eta",
    "Electron_cutBased",
    "Electron_sip3d",
    "Muon_pt",
    "Muon_eta",
    "Muon_tightId",
    "Muon_sip3d",
    "Muon_pfRelIso04_all",
    "event",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Every repeat must decode: the process-wide cache would serve repeats from memory.
    cf_root::set_decoded_cache_capacity(0);
    // `cargo bench` passes `--bench`; positional arguments are the ones we use.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let path = args
        .first()
        .cloned()
        .or_else(|| std::env::var("CF_ROOT_BENCH_FILE").ok())
        .unwrap_or_else(|| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/data/nanoaod/nanoAOD_2015_CMS_Open_Data_ttbar.root"
            )
            .to_string()
        });
    let chunk: u64 = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let repeats: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(3);

    let file = RootFile::open(&path)?;
    let tree = file.tree("Events")?;
    let mut names: Vec<&str> = Vec::new();
    for c in COLUMNS {
        let branch = tree
            .branch(c)
            .ok_or_else(|| format!("{path} has no branch {c}"))?;
        if let Some(counter) = branch.counter() {
            if !names.contains(&counter) {
                names.push(counter);
            }
        }
        names.push(c);
    }
    let threads = rayon::current_num_threads();
    println!(
        "{path}: {} events, {} branches (16 AGC columns + counters), chunks of {chunk}, {threads} rayon threads",
        tree.num_entries(),
        names.len()
    );
    let mut best = f64::INFINITY;
    for run in 0..repeats {
        let t = Instant::now();
        let mut values = 0usize;
        for c in tree.chunks(&names, chunk)? {
            values += c?.arrays.iter().map(|a| a.len()).sum::<usize>();
        }
        let s = t.elapsed().as_secs_f64();
        best = best.min(s);
        println!(
            "run {run}: {s:.3} s, {:.0} events/s ({values} top-level values)",
            tree.num_entries() as f64 / s
        );
    }
    println!(
        "best: {:.0} events/s ({best:.3} s)",
        tree.num_entries() as f64 / best
    );
    Ok(())
}
