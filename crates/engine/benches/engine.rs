//! Engine benchmarks with printed figures (`cargo bench -p cf-engine --bench engine`):
//!
//! 1. plan (build the graph + status check) of a workflow with 100k branches (goal < 1 s);
//! 2. scheduling overhead per trivial task, against writing the same files directly (goal < 20 µs);
//! 3. start-up time of `cf --help` (goal < 50 ms), when a release `cf` binary is found
//!    (`$CF_BIN`, else `target/release/cf`; build it with `cargo build --release`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cf_engine::scheduler::{self, RunOptions};
use cf_engine::{
    BoxError, BranchMap, Context, Family, FileTarget, Output, ParamDecl, ParamKind, Params,
    Registry, RunContext, Task, TaskRef, Workflow,
};

/// A workflow whose branch `i` writes `<dir>/b_<i>.txt`.
#[derive(Debug)]
struct Touch {
    params: Params,
    dir: PathBuf,
}

impl Workflow for Touch {
    fn branch_map(&self) -> Result<BranchMap, BoxError> {
        let n = self.params.int("n")?;
        Ok((0..n).map(|i| (i, serde_json::Value::Null)).collect())
    }
    fn branch_task(&self, branch: i64, _: &serde_json::Value) -> Result<TaskRef, BoxError> {
        let mut params = self.params.clone();
        params.set("branch", branch)?;
        Ok(Arc::new(Touch {
            params,
            dir: self.dir.clone(),
        }))
    }
}

impl Task for Touch {
    fn params(&self) -> &Params {
        &self.params
    }
    fn as_workflow(&self) -> Option<&dyn Workflow> {
        Some(self)
    }
    fn output(&self) -> Result<Output, BoxError> {
        let b = self.params.int("branch")?;
        Ok(Output::File(FileTarget::local(
            self.dir.join(format!("b_{b}.txt")),
        )))
    }
    fn run(&self, _: &RunContext<'_>) -> Result<(), BoxError> {
        Ok(self.output()?.file().ok_or("one file")?.dump_text("x")?)
    }
}

fn context(store: &Path) -> Arc<Context> {
    let mut registry = Registry::new();
    registry
        .register(Family::workflow(
            "Touch",
            "writes one small file per branch",
            vec![ParamDecl::new("n", ParamKind::Int, "branches")],
            |params, ctx| {
                Ok(Arc::new(Touch {
                    dir: ctx.store().join("touch"),
                    params,
                }))
            },
        ))
        .unwrap();
    Arc::new(Context::new(store, Arc::new(registry)))
}

fn workflow(ctx: &Arc<Context>, n: i64) -> TaskRef {
    let mut params = ctx.registry().get("Touch").unwrap().defaults();
    params.set("n", n).unwrap();
    ctx.create(params).unwrap()
}

fn best_of(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap()
}

fn bench_plan_100k() {
    const N: i64 = 100_000;
    let tmp = tempfile::tempdir().unwrap();
    let ctx = context(tmp.path());
    let wf = workflow(&ctx, N);
    let dir = tmp.path().join("touch");
    std::fs::create_dir_all(&dir).unwrap();
    let measure = |label: &str| {
        let mut to_run = 0;
        let t = best_of(3, || {
            let start = Instant::now();
            let plan = scheduler::plan(std::slice::from_ref(&wf)).unwrap();
            to_run = plan.to_run();
            start.elapsed()
        });
        println!(
            "plan of a {N}-branch workflow, {label}: {:.1} ms ({to_run} branches to run)",
            t.as_secs_f64() * 1e3
        );
    };
    measure("no output present");
    for i in (0..N).step_by(2) {
        std::fs::write(dir.join(format!("b_{i}.txt")), b"x").unwrap();
    }
    measure("half present");
    for i in (1..N).step_by(2) {
        std::fs::write(dir.join(format!("b_{i}.txt")), b"x").unwrap();
    }
    measure("all present");
    let t = best_of(3, || {
        let start = Instant::now();
        let presence = cf_engine::task::output_of(wf.as_ref())
            .unwrap()
            .presence()
            .unwrap();
        assert_eq!(presence.existing, N as usize);
        start.elapsed()
    });
    println!(
        "status (--print-status) of the {N}-branch workflow: {:.1} ms",
        t.as_secs_f64() * 1e3
    );
}

fn bench_overhead() {
    const N: i64 = 5_000;
    let engine = |workers: usize| {
        let tmp = tempfile::tempdir().unwrap();
        let ctx = context(tmp.path());
        let wf = workflow(&ctx, N);
        let options = RunOptions::new(tmp.path()).with_workers(workers);
        let start = Instant::now();
        let summary = scheduler::run(&[wf], &options).unwrap();
        let t = start.elapsed();
        assert_eq!(summary.ran.len(), N as usize);
        t
    };
    let direct = || {
        let tmp = tempfile::tempdir().unwrap();
        let start = Instant::now();
        for i in 0..N {
            FileTarget::local(tmp.path().join(format!("touch/b_{i}.txt")))
                .dump_text("x")
                .unwrap();
        }
        start.elapsed()
    };
    // Interleaved and best of five: file-system timings on a shared machine drift a lot.
    let (mut e1, mut e2, mut d) = (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        e1 = e1.min(engine(1));
        d = d.min(direct());
        e2 = e2.min(engine(2));
    }
    let us = |t: Duration| t.as_secs_f64() / N as f64 * 1e6;
    println!(
        "{N} trivial tasks, 1 worker: {:.1} µs/task with the engine, {:.1} µs per file written \
         directly -> scheduling overhead {:.1} µs/task (plan, lock, output checks, bookkeeping)",
        us(e1),
        us(d),
        us(e1) - us(d)
    );
    println!(
        "{N} trivial tasks, 2 workers: {:.1} µs/task (wall time)",
        us(e2)
    );
}

fn bench_lock() {
    const N: u64 = 5_000;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(cf_engine::lock::LOCK_DIR);
    let round = |label: &str| {
        let start = Instant::now();
        for i in 0..N {
            drop(cf_engine::lock::TaskLock::acquire(&dir, cf_engine::TaskId(i), "T").unwrap());
        }
        println!(
            "task lock acquire + release ({label}): {:.1} µs",
            start.elapsed().as_secs_f64() / N as f64 * 1e6
        );
    };
    round("first use of the lock file");
    round("warm");
}

fn bench_startup() {
    let bin = std::env::var_os("CF_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/cf"));
    if !bin.exists() {
        println!(
            "cf --help start-up: skipped, no binary at {} (run `cargo build --release` or set CF_BIN)",
            bin.display()
        );
        return;
    }
    let mut times: Vec<Duration> = (0..21)
        .map(|_| {
            let start = Instant::now();
            let out = Command::new(&bin).arg("--help").output().unwrap();
            assert!(out.status.success());
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "cf --help start-up ({}): median {:.1} ms, min {:.1} ms over 21 runs",
        bin.display(),
        times[10].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3
    );
}

fn main() {
    // `cargo test --benches` passes `--bench`-less arguments; only run the figures under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // Optional filter: `cargo bench -p cf-engine --bench engine -- overhead` runs only that part.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let parts: [(&str, fn()); 4] = [
        ("plan", bench_plan_100k),
        ("overhead", bench_overhead),
        ("lock", bench_lock),
        ("startup", bench_startup),
    ];
    for (name, bench) in parts {
        if filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str())) {
            bench();
        }
    }
}
