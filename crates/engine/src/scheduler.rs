//! Planning (build the graph, check completeness) and execution (worker pool) of tasks.
//!
//! [`plan`] walks the requirements of the requested tasks, merges tasks with the same id,
//! and stops at complete tasks: their requirements are never looked at. A workflow's branches
//! are checked with one directory listing per output directory. [`Plan::execute`] then runs
//! the incomplete tasks in dependency order on `workers` threads of a rayon pool, depth first
//! (a task that became ready is run before older ready ones, so data stays warm). A failed
//! task stops its dependents; everything independent of it still runs. The plan counts, per
//! file, the tasks that write or read it and tells the last one to end ([`Task::done_with`]),
//! so that what the process keeps of a file in memory goes as soon as nothing in the run
//! needs it.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier, Condvar, Mutex, MutexGuard};

use crate::error::{Error, Result};
use crate::lock::{TaskLock, LOCK_DIR};
use crate::param::TaskId;
use crate::target::{exists_many, FileTarget};
use crate::task::{RunContext, Task, TaskRef};
use crate::workflow::{
    self, as_workflow_node, selected_branches, threshold, LocalRunner, WorkflowRunner,
};

/// Receives progress events from [`Plan::execute`] (e.g. to draw a progress bar).
pub trait Observer: Send + Sync {
    /// The plan is built: `to_run` tasks will be attempted.
    fn planned(&self, to_run: usize) {
        let _ = to_run;
    }
    /// A task starts.
    fn started(&self, task: &str) {
        let _ = task;
    }
    /// A task ended, successfully or not.
    fn finished(&self, task: &str, ok: bool) {
        let _ = (task, ok);
    }
}

/// How to execute a plan.
#[derive(Clone)]
pub struct RunOptions {
    workers: usize,
    lock_dir: PathBuf,
    runner: Arc<dyn WorkflowRunner>,
    observer: Option<Arc<dyn Observer>>,
}

impl fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunOptions")
            .field("workers", &self.workers)
            .field("lock_dir", &self.lock_dir)
            .field("runner", &self.runner.name())
            .finish()
    }
}

impl RunOptions {
    /// One worker, local branches, locks in `<store>/.cf-locks`.
    pub fn new(store: &Path) -> Self {
        RunOptions {
            workers: 1,
            lock_dir: store.join(LOCK_DIR),
            runner: Arc::new(LocalRunner),
            observer: None,
        }
    }
    /// Sets the number of worker threads (at least 1).
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }
    /// Sets the runner for workflow branches.
    pub fn with_runner(mut self, runner: Arc<dyn WorkflowRunner>) -> Self {
        self.runner = runner;
        self
    }
    /// Sets a progress observer.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }
}

#[derive(Clone, Debug, PartialEq)]
enum State {
    Visiting,
    Pending,
    Complete,
    Missing(String),
    Ran,
    DoneElsewhere,
    Failed(String),
    NotRun(String),
}

#[derive(Debug)]
enum Kind {
    Task,
    Branch,
    Workflow(WorkflowInfo),
}

#[derive(Debug)]
struct WorkflowInfo {
    selected: usize,
    complete_before: usize,
    acceptance: usize,
    tolerance: usize,
}

#[derive(Debug)]
struct Node {
    task: TaskRef,
    label: String,
    kind: Kind,
    deps: Vec<usize>,
    dependents: Vec<usize>,
    state: State,
}

/// The task graph of one request: what is complete, what must run, in which order.
#[derive(Debug)]
pub struct Plan {
    nodes: Vec<Node>,
    /// Per node, the files its run writes or reads (its outputs, the outputs of its
    /// requirements that it reads, its external inputs): filled when the plan executes.
    touches: Vec<Vec<PathBuf>>,
}

/// Builds the graph for `roots`.
pub fn plan(roots: &[TaskRef]) -> Result<Plan> {
    let mut planner = Planner {
        nodes: Vec::new(),
        index: HashMap::new(),
        path: Vec::new(),
    };
    for root in roots {
        planner.add(root.clone(), false)?;
    }
    Ok(Plan {
        nodes: planner.nodes,
        touches: Vec::new(),
    })
}

/// Builds the graph for `roots` and executes it.
pub fn run(roots: &[TaskRef], options: &RunOptions) -> Result<Summary> {
    Ok(plan(roots)?.execute(options))
}

struct Planner {
    nodes: Vec<Node>,
    index: HashMap<TaskId, usize>,
    path: Vec<usize>,
}

impl Planner {
    fn push(&mut self, task: TaskRef, kind: Kind) -> usize {
        let i = self.nodes.len();
        self.index.insert(task.id(), i);
        self.nodes.push(Node {
            label: task.params().to_string(),
            task,
            kind,
            deps: Vec::new(),
            dependents: Vec::new(),
            state: State::Visiting,
        });
        i
    }

    fn link(&mut self, from: usize, mut deps: Vec<usize>) {
        deps.sort_unstable();
        deps.dedup();
        for &d in &deps {
            self.nodes[d].dependents.push(from);
        }
        self.nodes[from].deps = deps;
    }

    /// Adds `task`; `known_incomplete` skips the output check (the caller already did it).
    fn add(&mut self, task: TaskRef, known_incomplete: bool) -> Result<usize> {
        if let Some(&i) = self.index.get(&task.id()) {
            if self.nodes[i].state == State::Visiting {
                let path = self
                    .path
                    .iter()
                    .skip_while(|&&j| j != i)
                    .map(|&j| self.nodes[j].label.as_str())
                    .collect::<Vec<_>>()
                    .join(" -> ");
                return Err(Error::Cycle {
                    task: self.nodes[i].label.clone(),
                    path,
                });
            }
            return Ok(i);
        }
        let wrap = |source| Error::Task {
            task: task.params().to_string(),
            source,
        };
        if let Some(wf) = as_workflow_node(task.as_ref())? {
            return self.add_workflow(task.clone(), wf);
        }
        let i = self.push(task.clone(), Kind::Task);
        if !known_incomplete {
            let output = task.output().map_err(wrap)?;
            let presence = output.presence()?;
            if presence.complete() {
                self.nodes[i].state = State::Complete;
                return Ok(i);
            }
            if task.is_external() {
                let missing = output
                    .targets()
                    .into_iter()
                    .find(|t| !t.exists().unwrap_or(false))
                    .map(|t| t.uri())
                    .unwrap_or_default();
                self.nodes[i].state = State::Missing(missing);
                return Ok(i);
            }
        }
        self.path.push(i);
        let requires = task.requires().map_err(wrap)?;
        let mut deps = Vec::new();
        for req in requires.items() {
            deps.push(self.add(req.clone(), false)?);
        }
        self.path.pop();
        self.link(i, deps);
        self.nodes[i].state = State::Pending;
        Ok(i)
    }

    fn add_workflow(&mut self, task: TaskRef, wf: &dyn workflow::Workflow) -> Result<usize> {
        let wrap = |source| Error::Task {
            task: task.params().to_string(),
            source,
        };
        let params = task.params();
        let branches = selected_branches(task.as_ref(), wf)?;
        let mut targets: Vec<Vec<FileTarget>> = Vec::with_capacity(branches.len());
        for (_, branch) in &branches {
            targets.push(branch.output().map_err(wrap)?.targets());
        }
        let flat: Vec<&FileTarget> = targets.iter().flatten().collect();
        let exists = exists_many(&flat)?;
        let mut offset = 0;
        let mut incomplete = Vec::new();
        for ((_, branch), t) in branches.iter().zip(&targets) {
            if !exists[offset..offset + t.len()].iter().all(|&e| e) {
                incomplete.push(branch.clone());
            }
            offset += t.len();
        }
        let selected = branches.len();
        let info = WorkflowInfo {
            selected,
            complete_before: selected - incomplete.len(),
            acceptance: threshold(params.float(workflow::ACCEPTANCE)?, selected),
            tolerance: threshold(params.float(workflow::TOLERANCE)?, selected),
        };
        let done = info.complete_before >= info.acceptance;
        let i = self.push(task.clone(), Kind::Workflow(info));
        if done {
            self.nodes[i].state = State::Complete;
            return Ok(i);
        }
        self.path.push(i);
        let mut shared = Vec::new();
        if !params.bool(workflow::PILOT)? {
            for req in wf.workflow_requires().map_err(wrap)?.items() {
                shared.push(self.add(req.clone(), false)?);
            }
        }
        let mut deps = Vec::with_capacity(incomplete.len());
        for branch in incomplete {
            let b = self.add(branch, true)?;
            if matches!(self.nodes[b].kind, Kind::Task) {
                self.nodes[b].kind = Kind::Branch;
                if !shared.is_empty() {
                    let mut bdeps = std::mem::take(&mut self.nodes[b].deps);
                    for &d in &bdeps {
                        self.nodes[d].dependents.retain(|&x| x != b);
                    }
                    bdeps.extend(&shared);
                    self.link(b, bdeps);
                }
            }
            deps.push(b);
        }
        self.path.pop();
        self.link(i, deps);
        self.nodes[i].state = State::Pending;
        Ok(i)
    }
}

/// What happened to each task of a run.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// Tasks that ran and produced their outputs.
    pub ran: Vec<String>,
    /// Tasks (and workflow branches) found complete, or completed by another process meanwhile.
    pub already_done: usize,
    /// How many of `already_done` another process completed while this one waited.
    pub done_elsewhere: usize,
    /// Tasks that failed, with the reason.
    pub failed: Vec<(String, String)>,
    /// Tasks not run because a requirement failed or is missing, with that requirement.
    pub not_run: Vec<(String, String)>,
    /// External inputs that are missing, with the first missing file.
    pub missing: Vec<(String, String)>,
    /// One line per workflow: label, complete/selected branches, acceptance, tolerance.
    pub workflows: Vec<WorkflowReport>,
}

/// The state of one workflow at the end of a run.
#[derive(Debug, Clone)]
pub struct WorkflowReport {
    /// The workflow task.
    pub label: String,
    /// Selected branches.
    pub selected: usize,
    /// Complete branches.
    pub complete: usize,
    /// Branches needed for completeness.
    pub acceptance: usize,
    /// Failed branches tolerated.
    pub tolerance: usize,
}

impl Summary {
    /// `Ok` when everything requested is complete, else the error that gives the exit code.
    pub fn result(&self) -> Result<()> {
        if !self.failed.is_empty() {
            return Err(Error::TasksFailed {
                failed: self.failed.len(),
                not_run: self.not_run.len(),
            });
        }
        if let Some((_, first)) = self.missing.first() {
            return Err(Error::MissingInput {
                count: self.missing.len(),
                first: first.clone(),
            });
        }
        if !self.not_run.is_empty() {
            return Err(Error::TasksFailed {
                failed: 0,
                not_run: self.not_run.len(),
            });
        }
        Ok(())
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "cf execution summary")?;
        writeln!(f, "  ran: {}", self.ran.len())?;
        if self.done_elsewhere > 0 {
            writeln!(
                f,
                "  already done: {} ({} by another process)",
                self.already_done, self.done_elsewhere
            )?;
        } else {
            writeln!(f, "  already done: {}", self.already_done)?;
        }
        writeln!(f, "  failed: {}", self.failed.len())?;
        for (task, why) in &self.failed {
            writeln!(f, "    {task}: {why}")?;
        }
        writeln!(f, "  not run (failed dependency): {}", self.not_run.len())?;
        for (task, dep) in self.not_run.iter().take(20) {
            writeln!(f, "    {task}: requires {dep}")?;
        }
        if self.not_run.len() > 20 {
            writeln!(f, "    ... and {} more", self.not_run.len() - 20)?;
        }
        writeln!(f, "  missing input: {}", self.missing.len())?;
        for (task, file) in &self.missing {
            writeln!(f, "    {task}: {file} does not exist")?;
        }
        for w in &self.workflows {
            writeln!(
                f,
                "  workflow {}: {}/{} branches complete (acceptance {}, tolerance {})",
                w.label, w.complete, w.selected, w.acceptance, w.tolerance
            )?;
        }
        Ok(())
    }
}

struct Exec {
    state: Vec<State>,
    remaining: Vec<usize>,
    ready: VecDeque<usize>,
    running: usize,
    /// Tasks yet to end that write or read each file.
    users: HashMap<PathBuf, usize>,
    /// Files whose last user ended, with that user, for [`Task::done_with`].
    released: Vec<(usize, PathBuf)>,
}

impl Plan {
    /// Number of tasks in the graph (complete ones included, complete branches excluded).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the graph is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Number of tasks that need to run (workflow nodes not counted).
    pub fn to_run(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| n.state == State::Pending && !matches!(n.kind, Kind::Workflow(_)))
            .count()
    }

    /// Whether every requested task is already complete.
    pub fn is_complete(&self) -> bool {
        self.nodes.iter().all(|n| n.state == State::Complete)
    }

    /// Runs the incomplete tasks and reports what happened.
    pub fn execute(mut self, options: &RunOptions) -> Summary {
        let n = self.nodes.len();
        let mut exec = Exec {
            state: self
                .nodes
                .iter_mut()
                .map(|n| std::mem::replace(&mut n.state, State::Pending))
                .collect(),
            remaining: vec![0; n],
            ready: VecDeque::new(),
            running: 0,
            users: HashMap::new(),
            released: Vec::new(),
        };
        let mut outputs = HashMap::new();
        self.touches = (0..n)
            .map(|i| self.files_touched(i, &exec.state, &mut outputs))
            .collect();
        for path in self.touches.iter().flatten() {
            *exec.users.entry(path.clone()).or_default() += 1;
        }
        for i in 0..n {
            exec.remaining[i] = self.nodes[i]
                .deps
                .iter()
                .filter(|&&d| exec.state[d] != State::Complete)
                .count();
        }
        for i in 0..n {
            if matches!(exec.state[i], State::Missing(_)) {
                self.resolve(&mut exec, i, false);
            }
        }
        self.done_with(std::mem::take(&mut exec.released));
        for i in 0..n {
            if exec.state[i] == State::Pending && exec.remaining[i] == 0 {
                exec.ready.push_back(i);
            }
        }
        let to_run = self.to_run();
        if let Some(obs) = &options.observer {
            obs.planned(to_run);
        }
        let workers = options.workers.min(to_run.max(1));
        let shared = (Mutex::new(exec), Condvar::new());
        // Every worker loop must hold its own thread before any task runs: a thread waiting
        // inside a task's parallel loop steals queued jobs, and a worker loop stolen that way
        // would run nested under a task it may have to wait for.
        let started = Barrier::new(workers);
        worker_pool(workers).scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|_| {
                    started.wait();
                    self.worker(&shared, options)
                });
            }
        });
        let exec = shared.0.into_inner().unwrap_or_else(|p| p.into_inner());
        self.summarize(&exec.state)
    }

    fn worker(&self, shared: &(Mutex<Exec>, Condvar), options: &RunOptions) {
        let (lock, cvar) = shared;
        let mut guard = lock_exec(lock);
        loop {
            let Some(i) = guard.ready.pop_front() else {
                if guard.running == 0 {
                    cvar.notify_all();
                    return;
                }
                guard = cvar.wait(guard).unwrap_or_else(|p| p.into_inner());
                continue;
            };
            guard.running += 1;
            let outcome = if let Kind::Workflow(info) = &self.nodes[i].kind {
                self.evaluate_workflow(&guard, i, info)
            } else {
                drop(guard);
                let outcome = self.execute_task(i, options);
                guard = lock_exec(lock);
                outcome
            };
            guard.running -= 1;
            let ok = matches!(outcome, State::Ran | State::DoneElsewhere);
            guard.state[i] = outcome;
            self.ended(&mut guard, i);
            self.resolve(&mut guard, i, ok);
            cvar.notify_all();
            let released = std::mem::take(&mut guard.released);
            if !released.is_empty() {
                drop(guard);
                self.done_with(released);
                guard = lock_exec(lock);
            }
        }
    }

    /// The files node `i` writes or reads when it runs: its outputs, those of its
    /// requirements' outputs that it [`reads`](Task::reads), its external inputs. Nothing for
    /// a node that will not run (complete, missing, a workflow's own node); a task whose
    /// outputs cannot be listed adds none, as counting users is only an optimization.
    /// `outputs` keeps each node's output files, listed once however many nodes read them.
    fn files_touched(
        &self,
        i: usize,
        state: &[State],
        outputs: &mut HashMap<usize, Vec<PathBuf>>,
    ) -> Vec<PathBuf> {
        let node = &self.nodes[i];
        if state[i] != State::Pending || matches!(node.kind, Kind::Workflow(_)) {
            return Vec::new();
        }
        let mut output_of = |j: usize| -> Vec<PathBuf> {
            outputs
                .entry(j)
                .or_insert_with(|| {
                    self.nodes[j].task.output().map_or_else(
                        |_| Vec::new(),
                        |output| {
                            let targets = output.targets();
                            targets.iter().map(|t| t.path().to_path_buf()).collect()
                        },
                    )
                })
                .clone()
        };
        let mut files = node.task.external_inputs();
        files.extend(output_of(i));
        for &d in &node.deps {
            files.extend(output_of(d).into_iter().filter(|p| node.task.reads(p)));
        }
        files.sort_unstable();
        files.dedup();
        files
    }

    /// Counts node `i` (run or not) out of the users of its files.
    fn ended(&self, exec: &mut Exec, i: usize) {
        for path in &self.touches[i] {
            if let Some(count) = exec.users.get_mut(path) {
                *count -= 1;
                if *count == 0 {
                    exec.released.push((i, path.clone()));
                }
            }
        }
    }

    fn done_with(&self, released: Vec<(usize, PathBuf)>) {
        for (i, path) in released {
            self.nodes[i].task.done_with(&path);
        }
    }

    fn evaluate_workflow(&self, exec: &Exec, i: usize, info: &WorkflowInfo) -> State {
        let done = self.nodes[i]
            .deps
            .iter()
            .filter(|&&d| matches!(exec.state[d], State::Ran | State::DoneElsewhere))
            .count();
        let complete = info.complete_before + done;
        let failed = info.selected - complete;
        let branch_failed = self.nodes[i]
            .deps
            .iter()
            .any(|&d| matches!(exec.state[d], State::Failed(_)));
        let blocked_by = self.nodes[i]
            .deps
            .iter()
            .find_map(|&d| match &exec.state[d] {
                State::NotRun(dep) => Some(dep.clone()),
                _ => None,
            });
        if failed <= info.tolerance && complete >= info.acceptance {
            State::Ran
        } else if let (false, Some(dep)) = (branch_failed, blocked_by) {
            // No branch failed by itself: they were blocked (e.g. by a missing input), so the
            // workflow is blocked too rather than failed.
            State::NotRun(dep)
        } else {
            State::Failed(format!(
                "{complete}/{} branches complete, {failed} failed or not run (acceptance {}, tolerance {})",
                info.selected, info.acceptance, info.tolerance
            ))
        }
    }

    /// Marks the effect of node `i` ending on its dependents.
    fn resolve(&self, exec: &mut Exec, i: usize, ok: bool) {
        let mut stack = vec![(i, ok)];
        while let Some((j, ok)) = stack.pop() {
            for &d in &self.nodes[j].dependents {
                if exec.state[d] != State::Pending {
                    continue;
                }
                let tolerant = matches!(self.nodes[d].kind, Kind::Workflow(_));
                if ok || tolerant {
                    exec.remaining[d] -= 1;
                    if exec.remaining[d] == 0 {
                        // Depth first: the task that just ended left its inputs (decoded
                        // baskets, written files) warm in memory for what needs them next.
                        exec.ready.push_front(d);
                    }
                } else {
                    exec.state[d] = State::NotRun(self.nodes[j].label.clone());
                    self.ended(exec, d);
                    stack.push((d, false));
                }
            }
        }
    }

    fn execute_task(&self, i: usize, options: &RunOptions) -> State {
        let node = &self.nodes[i];
        let task = node.task.as_ref();
        if let Some(obs) = &options.observer {
            obs.started(&node.label);
        }
        let outcome = match self.run_locked(node, task, options) {
            Ok(state) => state,
            Err(e) => State::Failed(error_chain(&e)),
        };
        match &outcome {
            State::Failed(why) => tracing::error!("{} failed: {why}", node.label),
            State::DoneElsewhere => {
                tracing::info!("{} was completed by another process", node.label)
            }
            _ => tracing::info!("{} done", node.label),
        }
        if let Some(obs) = &options.observer {
            obs.finished(&node.label, !matches!(outcome, State::Failed(_)));
        }
        outcome
    }

    fn run_locked(&self, node: &Node, task: &dyn Task, options: &RunOptions) -> Result<State> {
        let _lock = TaskLock::acquire(&options.lock_dir, task.id(), &node.label)?;
        let wrap = |source| Error::Task {
            task: node.label.clone(),
            source,
        };
        let output = task.output().map_err(wrap)?;
        if output.exists()? {
            return Ok(State::DoneElsewhere);
        }
        for target in output.targets() {
            let removed = target.fs().remove_temporaries(target.path())?;
            if removed > 0 {
                tracing::info!("removed {removed} partial file(s) of {}", target.uri());
            }
        }
        tracing::info!("running {}", node.label);
        let ctx = RunContext { task };
        let result = catch_unwind(AssertUnwindSafe(|| match node.kind {
            Kind::Branch => options.runner.run_branch(task, &ctx),
            _ => task.run(&ctx),
        }));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Ok(State::Failed(error_chain(e.as_ref()))),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                return Ok(State::Failed(format!("panicked: {msg}")));
            }
        }
        let missing: Vec<String> = output
            .targets()
            .into_iter()
            .filter(|t| !t.exists().unwrap_or(false))
            .map(|t| t.uri())
            .collect();
        if missing.is_empty() {
            Ok(State::Ran)
        } else {
            Ok(State::Failed(format!(
                "run() returned but did not write {}",
                missing.join(", ")
            )))
        }
    }

    fn summarize(&self, states: &[State]) -> Summary {
        let mut s = Summary::default();
        for (node, state) in self.nodes.iter().zip(states) {
            let label = node.label.clone();
            if let Kind::Workflow(info) = &node.kind {
                let done = node
                    .deps
                    .iter()
                    .filter(|&&d| matches!(states[d], State::Ran | State::DoneElsewhere))
                    .count();
                s.workflows.push(WorkflowReport {
                    label: label.clone(),
                    selected: info.selected,
                    complete: info.complete_before + done,
                    acceptance: info.acceptance,
                    tolerance: info.tolerance,
                });
                s.already_done += info.complete_before;
                match state {
                    State::Failed(why) => s.failed.push((label, why.clone())),
                    State::NotRun(dep) => s.not_run.push((label, dep.clone())),
                    _ => {}
                }
                continue;
            }
            match state {
                State::Ran => s.ran.push(label),
                State::Complete => s.already_done += 1,
                State::DoneElsewhere => {
                    s.already_done += 1;
                    s.done_elsewhere += 1;
                }
                State::Failed(why) => s.failed.push((label, why.clone())),
                State::NotRun(dep) => s.not_run.push((label, dep.clone())),
                State::Missing(file) => s.missing.push((label, file.clone())),
                State::Pending | State::Visiting => {
                    s.not_run.push((label, "an unfinished requirement".into()))
                }
            }
        }
        s
    }
}

/// The threads the worker loops run on: a rayon pool, so that the parallel loops inside a task
/// (decompressing baskets, decoding columns) run on its worker's own thread first, where the
/// data it produces stays in that core's cache, and spill over to threads with nothing to do.
/// The pool has rayon's usual size (`RAYON_NUM_THREADS` or one thread per core), and at least
/// one thread per worker.
fn worker_pool(workers: usize) -> rayon::ThreadPool {
    let build = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("cf-worker-{i}"))
            .build()
            .expect("the operating system refused to start the worker threads")
    };
    let pool = build(0);
    if pool.current_num_threads() >= workers {
        return pool;
    }
    build(workers)
}

fn lock_exec(lock: &Mutex<Exec>) -> MutexGuard<'_, Exec> {
    lock.lock().unwrap_or_else(|p| p.into_inner())
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
