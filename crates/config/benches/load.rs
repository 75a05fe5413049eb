//! Time to load and validate configs: the format showcase, and a large generated one
//! (400 datasets, 200 variables, 8 × 8 × 4 category combinations, 50 shift sources).

use std::fmt::Write;

use cf_config::Analysis;
use criterion::{criterion_group, criterion_main, Criterion};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/showcase.yaml");

fn large_config(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::write(dir.join("events.root"), b"").unwrap();
    let mut y = String::from("analysis: big\nconfigs:\n  - name: c\n    id: 1\n    processes:\n");
    for p in 0..100 {
        writeln!(
            y,
            "      - {{name: p{p}, id: {p}, color: \"#102030\", xsec: {{13.6: {p}.5}}}}"
        )
        .unwrap();
    }
    y.push_str("    datasets:\n");
    for d in 0..400 {
        writeln!(
            y,
            "      - {{name: d{d}, id: {d}, kind: mc, processes: [p{}], files: [events.root]}}",
            d % 100
        )
        .unwrap();
    }
    y.push_str("    shifts:\n");
    for s in 0..50 {
        writeln!(y, "      - {{source: s{s}, type: shape, id: {}, aliases: {{Jet.pt: \"Jet.pt_{{name}}\"}}}}", 10 + 2 * s).unwrap();
    }
    y.push_str("    variables:\n");
    for v in 0..200 {
        writeln!(y, "      - {{name: v{v}, id: {v}, expression: \"sqrt(Jet.pt[:,0] * Jet.pt[:,1]) + abs(Jet.eta[:,{}])\", binning: [40, 0, 400]}}", v % 4).unwrap();
    }
    y.push_str("    categories:\n");
    let groups = [("a", 8, 1), ("b", 8, 100), ("c", 4, 10000)];
    for (g, n, step) in groups {
        for i in 0..n {
            writeln!(
                y,
                "      - {{name: {g}{i}, id: {}, categorizers: cat_{g}{i}}}",
                (i + 1) * step
            )
            .unwrap();
        }
    }
    y.push_str("    category_groups:\n");
    for (g, n, _) in groups {
        let members: Vec<String> = (0..n).map(|i| format!("{g}{i}")).collect();
        writeln!(y, "      {g}: [{}]", members.join(", ")).unwrap();
    }
    let path = dir.join("big.yaml");
    std::fs::write(&path, y).unwrap();
    path
}

fn bench(c: &mut Criterion) {
    c.bench_function("load showcase.yaml", |b| {
        b.iter(|| Analysis::load(EXAMPLE).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    let path = large_config(dir.path());
    let analysis = Analysis::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let config = &analysis.configs()[0];
    println!(
        "large config: {} datasets, {} variables, {} shifts, {} categories ({} leaves)",
        config.datasets().len(),
        config.variables().len(),
        config.shifts().len(),
        config.categories().len(),
        config.leaf_categories().len()
    );
    c.bench_function("load large generated config", |b| {
        b.iter(|| Analysis::load(&path).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
