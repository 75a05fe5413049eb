//! Scheduler behaviour on small task graphs that write real files: deduplication, cycles,
//! failure propagation, panics, tasks that forget an output, workflow-level requirements and
//! `--pilot`, map-shaped inputs, the `req` precedence of command-line overrides, when the
//! last reader of a file is done with it, and workers on the threads of a rayon pool.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cf_engine::scheduler::{self, RunOptions};
use cf_engine::workflow::BRANCH;
use cf_engine::{
    BoxError, BranchMap, Context, Error, Family, FileTarget, Output, ParamDecl, ParamKind,
    ParamValue, Params, Registry, Requires, RunContext, Task, TaskRef, Workflow,
};

/// `Step(name)` writes `<store>/<name>.txt` holding its name and its inputs' contents.
/// Its requirements come from the `needs` parameter; `behaviour` makes it fail, panic (in
/// `run` or in a parallel loop), forget to write, or [`meet`] other steps.
#[derive(Debug)]
struct Step {
    params: Params,
    ctx: Arc<Context>,
}

impl Task for Step {
    fn params(&self) -> &Params {
        &self.params
    }
    fn requires(&self) -> Result<Requires, BoxError> {
        let needs = self.params.str_list("needs")?;
        let mut map = BTreeMap::new();
        for name in needs {
            map.insert(name.to_string(), step(&self.ctx, name, &[])?);
        }
        Ok(Requires::Map(map))
    }
    fn output(&self) -> Result<Output, BoxError> {
        let name = self.params.str("name")?;
        Ok(Output::File(FileTarget::local(
            self.ctx.store().join(format!("{name}.txt")),
        )))
    }
    fn run(&self, ctx: &RunContext<'_>) -> Result<(), BoxError> {
        let mut text = self.params.str("name")?.to_string();
        let input = ctx.input()?;
        for (key, output) in match &input {
            cf_engine::Deps::Map(m) => m.iter().collect::<Vec<_>>(),
            _ => Vec::new(),
        } {
            let file = output.file().ok_or("one file per step")?;
            text.push_str(&format!(" [{key}: {}]", file.load_text()?));
        }
        log(&self.ctx, &format!("ran {}", self.params.str("name")?));
        match self.params.str("behaviour")? {
            "fail" => Err("told to fail".into()),
            "meet" => {
                text.push_str(&meet());
                Ok(self.output()?.file().ok_or("one file")?.dump_text(&text)?)
            }
            "panic" => panic!("told to panic"),
            "panic_in_loop" => {
                use rayon::prelude::*;
                (0..1000u32).into_par_iter().for_each(|i| {
                    if i == 777 {
                        panic!("told to panic in a parallel loop")
                    }
                });
                Ok(())
            }
            "forget" => Ok(()),
            _ => Ok(self.output()?.file().ok_or("one file")?.dump_text(&text)?),
        }
    }
    /// Every step reads `<store>/../<store name>.input` too, a file outside the store.
    fn external_inputs(&self) -> Vec<PathBuf> {
        vec![self.ctx.store().with_extension("input")]
    }
    /// A step named `skim` reads none of its requirements' outputs.
    fn reads(&self, _: &Path) -> bool {
        self.params.str("name").is_ok_and(|name| name != "skim")
    }
    fn done_with(&self, path: &Path) {
        let name = self.params.str("name").unwrap_or("?");
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        log(&self.ctx, &format!("{name} done with {file}"));
    }
}

/// Steps told to `meet` wait (up to 10 s) until this many of them run at once.
const MEETING: usize = 6;

/// What a `meet` step saw: how many steps ran at once, whether it ran on a pool thread, and
/// the sum of a parallel loop inside it.
fn meet() -> String {
    use rayon::prelude::*;
    use std::sync::{Condvar, Mutex};
    use std::time::{Duration, Instant};
    static MET: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());
    let (count, cvar) = &MET;
    let mut met = count.lock().unwrap();
    *met += 1;
    cvar.notify_all();
    let deadline = Instant::now() + Duration::from_secs(10);
    while *met < MEETING && Instant::now() < deadline {
        met = cvar.wait_timeout(met, Duration::from_millis(50)).unwrap().0;
    }
    let together = (*met).min(MEETING);
    drop(met);
    let on_pool = rayon::current_thread_index().is_some();
    let sum: u64 = (0..10_000u64).into_par_iter().sum();
    format!(" met={together} pool={on_pool} sum={sum}")
}

/// Appends a line to `<store>/events.log`: what ran and what was released, in order.
fn log(ctx: &Context, line: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(ctx.store().join("events.log"))
        .unwrap();
    file.write_all(format!("{line}\n").as_bytes()).unwrap();
}

/// A workflow of `n` branches; branch `b` writes `<store>/wf/<b>.txt`. Its workflow-level
/// requirement is `Step(name=setup)`.
#[derive(Debug)]
struct Fan {
    params: Params,
    ctx: Arc<Context>,
}

impl Workflow for Fan {
    fn branch_map(&self) -> Result<BranchMap, BoxError> {
        Ok((0..self.params.int("n")?)
            .map(|b| (b, serde_json::Value::from(b * 10)))
            .collect())
    }
    fn branch_task(&self, branch: i64, _: &serde_json::Value) -> Result<TaskRef, BoxError> {
        let mut params = self.params.clone();
        params.set(BRANCH, branch)?;
        Ok(Arc::new(Fan {
            params,
            ctx: self.ctx.clone(),
        }))
    }
    fn workflow_requires(&self) -> Result<Requires, BoxError> {
        Ok(Requires::One(step(&self.ctx, "setup", &[])?))
    }
}

impl Task for Fan {
    fn params(&self) -> &Params {
        &self.params
    }
    fn as_workflow(&self) -> Option<&dyn Workflow> {
        Some(self)
    }
    fn output(&self) -> Result<Output, BoxError> {
        let b = self.params.int(BRANCH)?;
        Ok(Output::File(FileTarget::local(
            self.ctx.store().join(format!("wf/{b}.txt")),
        )))
    }
    fn run(&self, _: &RunContext<'_>) -> Result<(), BoxError> {
        let b = self.params.int(BRANCH)?;
        if self
            .params
            .get("fail_branches")?
            .canonical()
            .split(',')
            .any(|f| f == b.to_string())
        {
            return Err(format!("branch {b} told to fail").into());
        }
        Ok(self
            .output()?
            .file()
            .ok_or("one file")?
            .dump_text(&b.to_string())?)
    }
}

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(Family::new(
        "Step",
        "a step",
        vec![
            ParamDecl::new("name", ParamKind::Str, "name"),
            ParamDecl::new(
                "needs",
                ParamKind::List(Box::new(ParamKind::Str)),
                "requirements",
            )
            .with_default(ParamValue::List(vec![])),
            ParamDecl::new(
                "behaviour",
                ParamKind::Choice(vec![
                    "ok".into(),
                    "fail".into(),
                    "panic".into(),
                    "panic_in_loop".into(),
                    "forget".into(),
                    "meet".into(),
                ]),
                "what run() does",
            )
            .with_default("ok")
            .insignificant(),
        ],
        |params, ctx| {
            Ok(Arc::new(Step {
                params,
                ctx: ctx.clone(),
            }))
        },
    ))
    .unwrap();
    r.register(Family::workflow(
        "Fan",
        "a workflow",
        vec![
            ParamDecl::new("n", ParamKind::Int, "branches"),
            ParamDecl::new(
                "fail_branches",
                ParamKind::List(Box::new(ParamKind::Int)),
                "failing",
            )
            .with_default(ParamValue::List(vec![]))
            .insignificant(),
        ],
        |params, ctx| {
            Ok(Arc::new(Fan {
                params,
                ctx: ctx.clone(),
            }))
        },
    ))
    .unwrap();
    r
}

struct Store {
    _tmp: tempfile::TempDir,
    path: PathBuf,
    ctx: Arc<Context>,
}

fn store_with(overrides: &[(&str, &str, &str)]) -> Store {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().to_path_buf();
    let mut ctx = Context::new(&path, Arc::new(registry()));
    for (family, param, text) in overrides {
        ctx = ctx.with_override(family, param, text).unwrap();
    }
    Store {
        _tmp: tmp,
        path,
        ctx: Arc::new(ctx),
    }
}

/// `Step(name)` with the given requirements, through `req` so that overrides apply.
fn step(ctx: &Arc<Context>, name: &str, needs: &[&str]) -> Result<TaskRef, Error> {
    let mut params = ctx.registry().get("Step")?.defaults();
    params.set("name", name)?;
    let needs = ParamValue::List(needs.iter().map(|n| ParamValue::from(*n)).collect());
    ctx.req("Step", &params, &[("name", name.into()), ("needs", needs)])
}

fn fan(ctx: &Arc<Context>, settings: &[(&str, &str)]) -> TaskRef {
    let mut params = ctx.registry().get("Fan").unwrap().defaults();
    for (k, v) in settings {
        params.set_text(k, v).unwrap();
    }
    ctx.create(params).unwrap()
}

/// A root `Step(name)` with its requirements and behaviour set here (`create`, not `req`).
fn root(store: &Store, name: &str, needs: &str, behaviour: &str) -> TaskRef {
    let mut params = store.ctx.registry().get("Step").unwrap().defaults();
    params.set("name", name).unwrap();
    params.set_text("needs", needs).unwrap();
    params.set("behaviour", behaviour).unwrap();
    store.ctx.create(params).unwrap()
}

fn read(store: &Store, rel: &str) -> Option<String> {
    std::fs::read_to_string(store.path.join(rel)).ok()
}

#[test]
fn shared_requirement_runs_once_and_inputs_keep_their_keys() {
    let s = store_with(&[]);
    // top needs left and right; side needs left too: left must run once.
    let make = |name: &str, needs: &str| root(&s, name, needs, "ok");
    let top = make("top", "left,right");
    let side = make("side", "left");
    let plan = scheduler::plan(&[top.clone(), side]).unwrap();
    assert_eq!(plan.to_run(), 4);
    let summary = plan.execute(&RunOptions::new(&s.path).with_workers(2));
    summary.result().unwrap();
    let mut ran = summary.ran.clone();
    ran.sort();
    assert_eq!(
        ran,
        [
            "Step(name=left, needs=)",
            "Step(name=right, needs=)",
            "Step(name=side, needs=left)",
            "Step(name=top, needs=left,right)"
        ]
    );
    assert_eq!(
        read(&s, "top.txt").unwrap(),
        "top [left: left] [right: right]"
    );

    let again = scheduler::run(&[top.clone(), top], &RunOptions::new(&s.path)).unwrap();
    assert!(again.ran.is_empty());
    assert_eq!(
        again.already_done, 1,
        "the same task requested twice is one task"
    );
}

#[test]
fn cycles_are_reported() {
    #[derive(Debug)]
    struct Loop {
        params: Params,
        ctx: Arc<Context>,
    }
    impl Task for Loop {
        fn params(&self) -> &Params {
            &self.params
        }
        fn requires(&self) -> Result<Requires, BoxError> {
            let next = (self.params.int("i")? + 1) % 3;
            let mut p = self.params.clone();
            p.set("i", next)?;
            Ok(Requires::One(Arc::new(Loop {
                params: p,
                ctx: self.ctx.clone(),
            })))
        }
        fn output(&self) -> Result<Output, BoxError> {
            let i = self.params.int("i")?;
            Ok(Output::File(FileTarget::local(
                self.ctx.store().join(format!("loop{i}")),
            )))
        }
    }
    let s = store_with(&[]);
    let decls: Arc<[ParamDecl]> = Arc::from(vec![ParamDecl::new("i", ParamKind::Int, "i")]);
    let mut params = Params::defaults("Loop", decls);
    params.set("i", 0).unwrap();
    let task: TaskRef = Arc::new(Loop {
        params,
        ctx: s.ctx.clone(),
    });
    match scheduler::plan(&[task]) {
        Err(Error::Cycle { task, path }) => {
            assert_eq!(task, "Loop(i=0)");
            assert_eq!(path, "Loop(i=0) -> Loop(i=1) -> Loop(i=2)");
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
}

#[test]
fn failures_panics_and_forgotten_outputs_stop_only_their_dependents() {
    // Requirements created through `req` fail; the roots below set their behaviour explicitly.
    let s = store_with(&[("Step", "behaviour", "fail")]);
    let roots = [
        root(&s, "a", "", "fail"),
        root(&s, "b", "", "panic"),
        root(&s, "c", "", "forget"),
        root(&s, "d", "", "ok"),
        root(&s, "e", "d", "ok"),
        // Inside a parallel loop, whichever pool thread runs the panicking part.
        root(&s, "f", "", "panic_in_loop"),
    ];
    let summary = scheduler::run(&roots, &RunOptions::new(&s.path).with_workers(2)).unwrap();
    let failed: BTreeMap<&str, &str> = summary
        .failed
        .iter()
        .map(|(t, w)| (t.as_str(), w.as_str()))
        .collect();
    assert_eq!(failed.len(), 4, "{summary}");
    assert_eq!(failed["Step(name=a, needs=)"], "told to fail");
    assert_eq!(failed["Step(name=b, needs=)"], "panicked: told to panic");
    assert_eq!(
        failed["Step(name=f, needs=)"],
        "panicked: told to panic in a parallel loop"
    );
    assert!(failed["Step(name=c, needs=)"].starts_with("run() returned but did not write"));
    assert_eq!(
        summary.ran,
        vec!["Step(name=d, needs=)", "Step(name=e, needs=d)"]
    );
    assert!(matches!(
        summary.result(),
        Err(Error::TasksFailed {
            failed: 4,
            not_run: 0
        })
    ));
    assert_eq!(read(&s, "e.txt").unwrap(), "e [d: d]");

    // A dependent of a failed task is not run and names the failed requirement.
    let top = root(&s, "top", "a", "ok");
    let summary = scheduler::run(&[top], &RunOptions::new(&s.path)).unwrap();
    assert_eq!(summary.not_run.len(), 1, "{summary}");
    assert_eq!(summary.not_run[0].1, "Step(name=a, needs=)");
    assert!(read(&s, "top.txt").is_none());
}

#[test]
fn overrides_sit_between_inherited_and_explicit_values() {
    let s = store_with(&[("Step", "behaviour", "fail")]);
    let t = step(&s.ctx, "x", &[]).unwrap();
    assert_eq!(t.params().str("behaviour").unwrap(), "fail");
    let explicit = s
        .ctx
        .req("Step", t.params(), &[("behaviour", "ok".into())])
        .unwrap();
    assert_eq!(explicit.params().str("behaviour").unwrap(), "ok");
    assert_eq!(explicit.params().str("name").unwrap(), "x", "inherited");
    assert!(matches!(
        Context::new(&s.path, Arc::new(registry())).with_override("Step", "colour", "red"),
        Err(Error::UnknownParam { .. })
    ));
}

#[test]
fn workflow_requirements_tolerance_and_pilot() {
    let s = store_with(&[]);
    let wf = fan(
        &s.ctx,
        &[
            ("n", "4"),
            ("fail_branches", "1"),
            ("tolerance", "0.25"),
            ("acceptance", "0.75"),
        ],
    );
    let summary = scheduler::run(&[wf], &RunOptions::new(&s.path).with_workers(2)).unwrap();
    // setup ran before the branches; branch 1 failed, within a tolerance of one branch in four.
    assert_eq!(summary.ran.len(), 4, "{summary}");
    assert_eq!(summary.failed.len(), 1, "{summary}");
    assert_eq!(summary.workflows[0].complete, 3);
    assert!(read(&s, "setup.txt").is_some());
    assert!(read(&s, "wf/1.txt").is_none());
    assert_eq!(read(&s, "wf/3.txt").unwrap(), "3");

    // Tolerance exceeded: the workflow itself fails.
    let strict = fan(&s.ctx, &[("n", "4"), ("fail_branches", "1")]);
    let summary = scheduler::run(&[strict], &RunOptions::new(&s.path)).unwrap();
    assert_eq!(summary.failed.len(), 2, "{summary}");
    assert!(summary
        .failed
        .iter()
        .any(|(t, why)| t.contains("branch=-1") && why.starts_with("3/4 branches complete")));

    // Acceptance of 3 of 4: complete as it is, nothing runs.
    let accepting = fan(&s.ctx, &[("n", "4"), ("acceptance", "0.75")]);
    let summary = scheduler::run(&[accepting], &RunOptions::new(&s.path)).unwrap();
    summary.result().unwrap();
    assert!(summary.ran.is_empty());
    assert_eq!(summary.already_done, 3, "the three complete branches");

    // --pilot skips the workflow-level requirement.
    let t = store_with(&[]);
    let pilot = fan(&t.ctx, &[("n", "2"), ("pilot", "true")]);
    let summary = scheduler::run(&[pilot], &RunOptions::new(&t.path)).unwrap();
    summary.result().unwrap();
    assert_eq!(summary.ran.len(), 2);
    assert!(read(&t, "setup.txt").is_none());
}

#[test]
fn each_file_is_released_once_after_its_last_writer_or_reader_ended() {
    let s = store_with(&[]);
    // left.txt is read by side and top (skim requires left but does not read it), right.txt
    // by top, the external input by all; nothing reads side.txt, top.txt or skim.txt.
    let roots = [
        root(&s, "top", "left,right", "ok"),
        root(&s, "side", "left", "ok"),
        root(&s, "skim", "left", "ok"),
    ];
    scheduler::run(&roots, &RunOptions::new(&s.path).with_workers(2))
        .unwrap()
        .result()
        .unwrap();
    let input = format!("{}.input", s.path.file_name().unwrap().to_string_lossy());
    let events = read(&s, "events.log").unwrap();
    let lines: Vec<&str> = events.lines().collect();
    let released = |file: &str| -> Vec<&str> {
        let suffix = format!(" done with {file}");
        lines
            .iter()
            .copied()
            .filter(|l| l.ends_with(&suffix))
            .collect()
    };
    let position = |line: &str| lines.iter().position(|l| *l == line).unwrap();
    let check = |file: &str, users: &[&str]| {
        let by = released(file);
        assert_eq!(by.len(), 1, "{file} released once: {lines:?}");
        let at = position(by[0]);
        // The last user to end releases it: every user ran before, one of them did it.
        for user in users {
            assert!(
                position(&format!("ran {user}")) < at,
                "{file} before {user}: {lines:?}"
            );
        }
        assert!(
            users.iter().any(|u| by[0].starts_with(&format!("{u} "))),
            "{by:?}"
        );
    };
    check("left.txt", &["left", "side", "top"]);
    check("right.txt", &["right", "top"]);
    check("top.txt", &["top"]);
    check("side.txt", &["side"]);
    check("skim.txt", &["skim"]);
    check(&input, &["left", "right", "side", "top", "skim"]);

    // A reader that never runs (its requirements, made through `req`, fail) still counts as
    // ended.
    let s = store_with(&[("Step", "behaviour", "fail")]);
    let summary =
        scheduler::run(&[root(&s, "top", "left", "ok")], &RunOptions::new(&s.path)).unwrap();
    assert!(summary.result().is_err());
    let events = read(&s, "events.log").unwrap();
    assert!(!events.contains("ran top"), "{events}");
    assert!(events.contains("top done with left.txt"), "{events}");
}

#[test]
fn workers_run_tasks_at_once_on_pool_threads_with_their_parallel_loops() {
    let s = store_with(&[]);
    // More workers than most machines have cores: the pool grows to one thread per worker.
    let roots: Vec<TaskRef> = (0..MEETING)
        .map(|i| root(&s, &format!("m{i}"), "", "meet"))
        .collect();
    let summary = scheduler::run(&roots, &RunOptions::new(&s.path).with_workers(MEETING)).unwrap();
    assert_eq!(summary.ran.len(), MEETING);
    for i in 0..MEETING {
        assert_eq!(
            read(&s, &format!("m{i}.txt")).unwrap(),
            format!("m{i} met={MEETING} pool=true sum=49995000")
        );
    }
}
