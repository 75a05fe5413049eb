//! Expression evaluation throughput on one batch of cf's default size (16 384 events): the real
//! NanoAOD ttbar events (200) repeated, with Float32 jets as NanoAOD stores them.

use arrow_array::RecordBatch;
use cf_columns::{ColumnSet, Events};
use cf_config::Expr;
use cf_io::EventFile;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const TT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/nanoaod/nano_tt_v12.root"
);
const EVENTS: usize = 16_384;

fn batch() -> Events {
    let columns = ColumnSet::parse(["Jet.pt", "MET.pt"]).expect("literal routes");
    let file = EventFile::open(TT).expect("test file opens");
    let batches: Vec<RecordBatch> = file
        .read(&columns, 200)
        .expect("columns exist")
        .map(|b| b.expect("file decodes").into_batch())
        .collect();
    let copies: Vec<&RecordBatch> = batches.iter().cycle().take(EVENTS / 200 + 1).collect();
    let all =
        arrow_select::concat::concat_batches(&batches[0].schema(), copies).expect("same schema");
    Events::new(all.slice(0, EVENTS))
}

fn evaluate(c: &mut Criterion) {
    let events = batch();
    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(EVENTS as u64));
    for text in [
        "Jet.pt",
        "Jet.pt * 2",
        "Jet.pt[:,0] + Jet.pt[:,1]",
        "Jet.pt * 2 + MET.pt",
        "sqrt(Jet.pt * Jet.pt) / (1 + 2)",
        "max(Jet.pt[:,0], MET.pt) / MET.pt",
    ] {
        let expr = Expr::parse(text).expect("valid expression");
        group.bench_function(text, |b| {
            b.iter(|| expr.evaluate(&events).expect("columns exist"))
        });
    }
    group.finish();
}

criterion_group!(benches, evaluate);
criterion_main!(benches);
