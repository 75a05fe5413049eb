//! The inspection flags of `cf run`, with law's meaning: `--print-deps`, `--print-status`,
//! `--print-output`, `--remove-output` and `--fetch-output`.
//!
//! Depth 0 is the task itself, 1 adds its direct requirements, -1 means all levels. A
//! workflow's requirements are its workflow-level requirements plus those of its branches.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::param::TaskId;
use crate::target::{FileSystem, FileTarget, LocalFileSystem, Output};
use crate::task::{output_of, Task, TaskRef};
use crate::workflow::{as_workflow_node, selected_branches};

/// What `--remove-output` and `--fetch-output` do with each task's outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `a`: act on everything without asking.
    All,
    /// `d`: only print what would be done.
    Dry,
    /// `i`: ask once per task (a dry run when there is nobody to ask).
    Interactive,
}

impl Mode {
    fn parse(option: &str, text: &str) -> Result<Mode> {
        match text {
            "a" | "all" => Ok(Mode::All),
            "d" | "dry" => Ok(Mode::Dry),
            "i" | "interactive" => Ok(Mode::Interactive),
            _ => Err(Error::BadOption {
                option: option.to_string(),
                value: text.to_string(),
                reason: "the mode is a (all), d (dry run) or i (interactive)".into(),
            }),
        }
    }
}

fn parse_depth(option: &str, whole: &str, text: &str) -> Result<i64> {
    text.trim().parse::<i64>().map_err(|_| Error::BadOption {
        option: option.to_string(),
        value: whole.to_string(),
        reason: "the depth is an integer (0: the task, 1: with its requirements, -1: all)".into(),
    })
}

/// `D[,TD]` of `--print-status`.
pub fn parse_status_spec(text: &str) -> Result<(i64, i64)> {
    let mut parts = text.split(',');
    let depth = parse_depth("print-status", text, parts.next().unwrap_or(""))?;
    let target_depth = match parts.next() {
        Some(td) => parse_depth("print-status", text, td)?,
        None => 0,
    };
    Ok((depth, target_depth))
}

/// `D` of `--print-deps` and `--print-output`.
pub fn parse_depth_spec(option: &str, text: &str) -> Result<i64> {
    parse_depth(option, text, text)
}

/// `D[,MODE]` of `--remove-output`.
pub fn parse_remove_spec(text: &str) -> Result<(i64, Mode)> {
    let mut parts = text.split(',');
    let depth = parse_depth("remove-output", text, parts.next().unwrap_or(""))?;
    let mode = match parts.next() {
        Some(m) => Mode::parse("remove-output", m.trim())?,
        None => Mode::Interactive,
    };
    Ok((depth, mode))
}

/// `D[,MODE[,DIR]]` of `--fetch-output` (DIR defaults to the current directory).
pub fn parse_fetch_spec(text: &str) -> Result<(i64, Mode, String)> {
    let mut parts = text.splitn(3, ',');
    let depth = parse_depth("fetch-output", text, parts.next().unwrap_or(""))?;
    let mode = match parts.next() {
        Some(m) if !m.trim().is_empty() => Mode::parse("fetch-output", m.trim())?,
        _ => Mode::All,
    };
    let dir = parts.next().unwrap_or(".").to_string();
    Ok((depth, mode, dir))
}

fn requirements(task: &dyn Task) -> Result<Vec<TaskRef>> {
    let wrap = |source| Error::Task {
        task: task.params().to_string(),
        source,
    };
    let mut out = Vec::new();
    match as_workflow_node(task)? {
        Some(wf) => {
            out.extend(
                wf.workflow_requires()
                    .map_err(wrap)?
                    .items()
                    .into_iter()
                    .cloned(),
            );
            let mut seen = HashSet::new();
            for (_, branch) in selected_branches(task, wf)? {
                for req in branch.requires().map_err(wrap)?.items() {
                    if seen.insert(req.id()) {
                        out.push(req.clone());
                    }
                }
            }
        }
        None => out.extend(task.requires().map_err(wrap)?.items().into_iter().cloned()),
    }
    Ok(out)
}

/// Visits `task` and its requirements to `depth`; each task once (repeats are not descended).
fn walk(
    task: &TaskRef,
    depth: i64,
    level: i64,
    seen: &mut HashSet<TaskId>,
    visit: &mut dyn FnMut(&TaskRef, i64, bool) -> Result<()>,
) -> Result<()> {
    let first = seen.insert(task.id());
    visit(task, level, first)?;
    if first && (depth < 0 || level < depth) {
        for req in requirements(task.as_ref())? {
            walk(&req, depth, level + 1, seen, visit)?;
        }
    }
    Ok(())
}

fn indent(level: i64) -> String {
    "  ".repeat(level.max(0) as usize)
}

fn io(e: std::io::Error) -> Error {
    Error::io("printing", "<stdout>", e)
}

/// `--print-deps D`: the requirement tree.
pub fn print_deps(task: &TaskRef, depth: i64, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "print task dependencies with max depth {depth}\n").map_err(io)?;
    walk(
        task,
        depth,
        0,
        &mut HashSet::new(),
        &mut |t, level, first| {
            let again = if first { "" } else { " (see above)" };
            writeln!(out, "{}{level} > {}{again}", indent(level), t.params()).map_err(io)
        },
    )
}

/// `--print-status D[,TD]`: each output as existent/absent, collections as n/N (TD > 0 lists
/// the members of collections too).
pub fn print_status(
    task: &TaskRef,
    depth: i64,
    target_depth: i64,
    out: &mut dyn Write,
) -> Result<()> {
    writeln!(
        out,
        "print task status with max depth {depth} and target depth {target_depth}\n"
    )
    .map_err(io)?;
    walk(
        task,
        depth,
        0,
        &mut HashSet::new(),
        &mut |t, level, first| {
            let pad = indent(level);
            writeln!(out, "{pad}{level} > {}", t.params()).map_err(io)?;
            if first {
                let output = output_of(t.as_ref())?;
                describe(
                    &output,
                    "",
                    &format!("{pad}    "),
                    target_depth,
                    t.is_external(),
                    out,
                )?;
            }
            Ok(())
        },
    )
}

fn word(exists: bool) -> &'static str {
    if exists {
        "existent"
    } else {
        "absent"
    }
}

fn describe(
    output: &Output,
    key: &str,
    pad: &str,
    target_depth: i64,
    external: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let key = if key.is_empty() {
        String::new()
    } else {
        format!("{key}: ")
    };
    let ext = if external { " (external)" } else { "" };
    match output {
        Output::File(t) => {
            writeln!(out, "{pad}{key}{}{ext}: {}", t.uri(), word(t.exists()?)).map_err(io)
        }
        Output::Map(m) => {
            for (k, o) in m {
                describe(o, k, pad, target_depth, external, out)?;
            }
            Ok(())
        }
        Output::Collection(_) | Output::Siblings(_) => {
            let p = output.presence()?;
            let what = match output {
                Output::Siblings(s) => format!("SiblingFileCollection({})", s.dir().display()),
                _ => "TargetCollection".to_string(),
            };
            let state = if p.complete() { "existent" } else { "absent" };
            writeln!(
                out,
                "{pad}{key}{what}{ext}: {state} ({}/{})",
                p.existing, p.total
            )
            .map_err(io)?;
            if target_depth > 0 {
                let targets = output.targets();
                let refs: Vec<&FileTarget> = targets.iter().collect();
                let exists = crate::target::exists_many(&refs)?;
                for (t, e) in targets.iter().zip(exists) {
                    writeln!(out, "{pad}  {}: {}", t.uri(), word(e)).map_err(io)?;
                }
            }
            Ok(())
        }
    }
}

/// `--print-output D`: the address of every output file, one per line.
pub fn print_output(task: &TaskRef, depth: i64, out: &mut dyn Write) -> Result<()> {
    walk(task, depth, 0, &mut HashSet::new(), &mut |t, _, first| {
        if first {
            for target in output_of(t.as_ref())?.targets() {
                writeln!(out, "{}", target.uri()).map_err(io)?;
            }
        }
        Ok(())
    })
}

/// Asks the user a yes/no question; `None` when there is no terminal to ask on.
pub type Prompt<'a> = Option<&'a mut dyn FnMut(&str) -> bool>;

/// `--remove-output D[,MODE]`: removes outputs of the task and its requirements (never those of
/// external tasks). Returns the number of files removed.
pub fn remove_output(
    task: &TaskRef,
    depth: i64,
    mode: Mode,
    mut prompt: Prompt<'_>,
    out: &mut dyn Write,
) -> Result<usize> {
    let mode = effective_mode(mode, prompt.is_some(), "remove-output", out)?;
    let mut removed = 0;
    walk(
        task,
        depth,
        0,
        &mut HashSet::new(),
        &mut |t, level, first| {
            if !first || t.is_external() {
                return Ok(());
            }
            let targets = output_of(t.as_ref())?.targets();
            let refs: Vec<&FileTarget> = targets.iter().collect();
            let exists = crate::target::exists_many(&refs)?;
            let present: Vec<&FileTarget> = targets
                .iter()
                .zip(exists)
                .filter(|(_, e)| *e)
                .map(|(t, _)| t)
                .collect();
            let pad = indent(level);
            writeln!(
                out,
                "{pad}{level} > {}: {} existing output(s)",
                t.params(),
                present.len()
            )
            .map_err(io)?;
            if present.is_empty() {
                return Ok(());
            }
            let act = match mode {
                Mode::All => true,
                Mode::Dry => false,
                Mode::Interactive => match prompt.as_mut() {
                    Some(ask) => ask(&format!(
                        "remove {} output(s) of {}?",
                        present.len(),
                        t.params()
                    )),
                    None => false,
                },
            };
            for target in present {
                if act {
                    target.remove()?;
                    removed += 1;
                    writeln!(out, "{pad}    removed {}", target.uri()).map_err(io)?;
                } else {
                    writeln!(out, "{pad}    would remove {}", target.uri()).map_err(io)?;
                }
            }
            Ok(())
        },
    )?;
    Ok(removed)
}

/// `--fetch-output D[,MODE[,DIR]]`: copies existing outputs into the local directory `dir`.
/// Returns the number of files copied.
pub fn fetch_output(
    task: &TaskRef,
    depth: i64,
    mode: Mode,
    dir: &Path,
    mut prompt: Prompt<'_>,
    out: &mut dyn Write,
) -> Result<usize> {
    let mode = effective_mode(mode, prompt.is_some(), "fetch-output", out)?;
    let mut fetched = 0;
    walk(
        task,
        depth,
        0,
        &mut HashSet::new(),
        &mut |t, level, first| {
            if !first {
                return Ok(());
            }
            let targets = output_of(t.as_ref())?.targets();
            let pad = indent(level);
            writeln!(out, "{pad}{level} > {}", t.params()).map_err(io)?;
            let act = match mode {
                Mode::All => true,
                Mode::Dry => false,
                Mode::Interactive => match prompt.as_mut() {
                    Some(ask) => ask(&format!("fetch the outputs of {}?", t.params())),
                    None => false,
                },
            };
            for target in targets {
                if !target.exists()? {
                    writeln!(out, "{pad}    absent {}", target.uri()).map_err(io)?;
                    continue;
                }
                let name = target
                    .path()
                    .file_name()
                    .map(|n| n.to_os_string())
                    .unwrap_or_default();
                let dest = dir.join(name);
                if act {
                    target.fs().fetch(target.path(), &dest)?;
                    fetched += 1;
                    writeln!(
                        out,
                        "{pad}    fetched {} -> {}",
                        target.uri(),
                        LocalFileSystem.uri(&dest)
                    )
                    .map_err(io)?;
                } else {
                    writeln!(
                        out,
                        "{pad}    would fetch {} -> {}",
                        target.uri(),
                        dest.display()
                    )
                    .map_err(io)?;
                }
            }
            Ok(())
        },
    )?;
    Ok(fetched)
}

fn effective_mode(mode: Mode, can_ask: bool, option: &str, out: &mut dyn Write) -> Result<Mode> {
    if mode == Mode::Interactive && !can_ask {
        writeln!(
            out,
            "stdin is not a terminal: dry run only; pass `--{option} D,a` to act without asking"
        )
        .map_err(io)?;
        return Ok(Mode::Dry);
    }
    Ok(mode)
}
