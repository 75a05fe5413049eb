//! Workflows: tasks with a branch map, one branch task per entry.
//!
//! A workflow family gets five engine parameters: `branch` (-1, the default, is the workflow
//! itself, which stands for all selected branches), `branches` (the selection, e.g. `0:10,15`),
//! `acceptance` and `tolerance` (fractions when ≤ 1, else counts), and `pilot`. Running the
//! branches is the job of a [`WorkflowRunner`]: [`LocalRunner`] runs them in the worker pool;
//! a batch-system runner (Slurm, HTCondor) implements the same trait by submitting
//! `cf run <Family> <params> --branch <b>` jobs (see [`crate::Params::to_cli_args`]) and
//! waiting for them, without any change to the tasks.

use std::collections::BTreeMap;

use crate::error::{BoxError, Error, Result};
use crate::param::{MultiRange, ParamDecl, ParamKind};
use crate::task::{Requires, RunContext, Task, TaskRef};

/// Parameter name of the branch number (-1 = the workflow).
pub const BRANCH: &str = "branch";
/// Parameter name of the branch selection.
pub const BRANCHES: &str = "branches";
/// Parameter name of the acceptance.
pub const ACCEPTANCE: &str = "acceptance";
/// Parameter name of the tolerance.
pub const TOLERANCE: &str = "tolerance";
/// Parameter name of the pilot switch.
pub const PILOT: &str = "pilot";

/// The data of each branch, by branch number.
pub type BranchMap = BTreeMap<i64, serde_json::Value>;

/// The workflow side of a task.
pub trait Workflow: Send + Sync {
    /// Branch number -> branch data. Called once per workflow and run, so it may be costly.
    fn branch_map(&self) -> Result<BranchMap, BoxError>;

    /// The task of one branch, given its data from [`Workflow::branch_map`].
    fn branch_task(&self, branch: i64, data: &serde_json::Value) -> Result<TaskRef, BoxError>;

    /// Requirements every branch needs; resolved before the branches run unless `--pilot`
    /// is set, in which case each branch resolves its own requirements.
    fn workflow_requires(&self) -> Result<Requires, BoxError> {
        Ok(Requires::None)
    }
}

/// The engine parameters added to every workflow family.
pub fn workflow_decls() -> Vec<ParamDecl> {
    vec![
        ParamDecl::new(
            BRANCH,
            ParamKind::Int,
            "branch to run; -1 is the workflow, standing for all selected branches",
        )
        .with_default(-1),
        ParamDecl::new(
            BRANCHES,
            ParamKind::MultiRange,
            "branches the workflow stands for, e.g. 0:10,15 (default: all)",
        )
        .with_default(MultiRange::all())
        .insignificant(),
        ParamDecl::new(
            ACCEPTANCE,
            ParamKind::Float,
            "complete branches needed for the workflow to count as complete (fraction ≤ 1, or a count)",
        )
        .with_default(1.0)
        .insignificant(),
        ParamDecl::new(
            TOLERANCE,
            ParamKind::Float,
            "failed branches allowed before the workflow counts as failed (fraction ≤ 1, or a count)",
        )
        .with_default(0.0)
        .insignificant(),
        ParamDecl::new(
            PILOT,
            ParamKind::Bool,
            "skip the workflow-level requirements; each branch resolves its own",
        )
        .with_default(false)
        .insignificant(),
    ]
}

/// The workflow interface of `task` if it is a workflow *node* (branch -1).
pub fn as_workflow_node(task: &dyn Task) -> Result<Option<&dyn Workflow>> {
    match task.as_workflow() {
        Some(wf) if task.params().int(BRANCH)? < 0 => Ok(Some(wf)),
        _ => Ok(None),
    }
}

/// The selected branch tasks of a workflow node, in branch order.
pub fn selected_branches(task: &dyn Task, wf: &dyn Workflow) -> Result<Vec<(i64, TaskRef)>> {
    let wrap = |source| Error::Task {
        task: task.params().to_string(),
        source,
    };
    let selection = task.params().multi_range(BRANCHES)?;
    let map = wf.branch_map().map_err(wrap)?;
    map.iter()
        .filter(|(b, _)| selection.contains(**b))
        .map(|(&b, data)| Ok((b, wf.branch_task(b, data).map_err(wrap)?)))
        .collect()
}

/// The branch task `branch` of the workflow node `workflow`.
pub fn branch_of(workflow: &dyn Task, branch: i64) -> Result<TaskRef> {
    let wrap = |source| Error::Task {
        task: workflow.params().to_string(),
        source,
    };
    let wf = workflow
        .as_workflow()
        .ok_or_else(|| wrap(format!("{} is not a workflow", workflow.params().family()).into()))?;
    let map = wf.branch_map().map_err(wrap)?;
    let data = map.get(&branch).ok_or_else(|| Error::BadBranch {
        task: workflow.params().to_string(),
        branch,
        count: map.len(),
    })?;
    wf.branch_task(branch, data).map_err(wrap)
}

/// Turns an acceptance or tolerance (fraction ≤ 1, else count) into a number of branches.
pub fn threshold(value: f64, branches: usize) -> usize {
    let n = if value <= 1.0 {
        (value * branches as f64).ceil()
    } else {
        value.floor()
    };
    (n.max(0.0) as usize).min(branches)
}

/// Runs the branches of workflows. The scheduler hands it one branch at a time from a worker.
pub trait WorkflowRunner: Send + Sync {
    /// The name used by `--workflow`.
    fn name(&self) -> &str;

    /// Produces the outputs of one branch task (or fails). The scheduler holds the branch's
    /// lock, checks its outputs before and after, and counts failures against `--tolerance`.
    fn run_branch(&self, branch: &dyn Task, ctx: &RunContext<'_>) -> Result<(), BoxError>;
}

/// Runs branches in this process, on the `--workers` threads.
#[derive(Debug, Default, Clone, Copy)]
pub struct LocalRunner;

impl WorkflowRunner for LocalRunner {
    fn name(&self) -> &str {
        "local"
    }

    fn run_branch(&self, branch: &dyn Task, ctx: &RunContext<'_>) -> Result<(), BoxError> {
        branch.run(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        assert_eq!(threshold(1.0, 10), 10);
        assert_eq!(threshold(0.5, 10), 5);
        assert_eq!(threshold(0.55, 10), 6);
        assert_eq!(threshold(0.0, 10), 0);
        assert_eq!(threshold(3.0, 10), 3);
        assert_eq!(threshold(30.0, 10), 10);
    }
}
