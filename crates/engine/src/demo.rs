//! A small, complete task family that the `cf` binary ships: word counting over text files.
//!
//! It shows every engine feature on real files and drives the end-to-end tests:
//!
//! - `TextFile` (external): a text file given by `--path`; missing means a missing input.
//! - `CountWords` (workflow): one branch per file of `--inputs`, each writing
//!   `<store>/CountWords/<version>/<inputs digest>/counts_<branch>.json`. `--write-delay-ms`
//!   pauses between the two halves of each write, to watch (or interrupt) a run.
//! - `MergeCounts`: sums the counts of all branches into `merged.json` and writes the most
//!   frequent words to `top<N>.txt`.
//!
//! ```text
//! cf run MergeCounts --inputs a.txt,b.txt --store /tmp/store --workers 2
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{BoxError, Result};
use crate::param::{fnv1a64, ParamDecl, ParamKind, ParamValue, Params};
use crate::registry::{Family, Registry};
use crate::target::{FileTarget, Output};
use crate::task::{output_of, Context, Requires, RunContext, Task, TaskRef};
use crate::workflow::{BranchMap, Workflow, BRANCH};

/// Registers `TextFile`, `CountWords` and `MergeCounts`.
pub fn register(registry: &mut Registry) -> Result<()> {
    registry.register(Family::new(
        "TextFile",
        "A text file that exists outside cf (external input)",
        vec![ParamDecl::new(
            "path",
            ParamKind::Str,
            "path of the text file",
        )],
        |params, _| Ok(Arc::new(TextFile { params })),
    ))?;
    registry.register(Family::workflow(
        "CountWords",
        "Counts the words of each input file (one workflow branch per file)",
        count_words_decls(),
        |params, ctx| {
            Ok(Arc::new(CountWords {
                params,
                ctx: ctx.clone(),
                input: None,
            }))
        },
    ))?;
    let mut merge = count_words_decls();
    merge.retain(|d| d.name() != "write_delay_ms");
    merge.push(
        ParamDecl::new(
            "top",
            ParamKind::Int,
            "how many of the most frequent words to list",
        )
        .with_default(10),
    );
    registry.register(Family::new(
        "MergeCounts",
        "Sums the word counts of all CountWords branches and lists the most frequent words",
        merge,
        |params, ctx| {
            Ok(Arc::new(MergeCounts {
                params,
                ctx: ctx.clone(),
            }))
        },
    ))
}

fn count_words_decls() -> Vec<ParamDecl> {
    vec![
        ParamDecl::new(
            "inputs",
            ParamKind::List(Box::new(ParamKind::Str)),
            "comma-separated paths of the text files to count",
        ),
        ParamDecl::new("version", ParamKind::Str, "version tag of the outputs").with_default("v1"),
        ParamDecl::new(
            "write_delay_ms",
            ParamKind::Int,
            "pause between the two halves of each output write, in milliseconds",
        )
        .with_default(0)
        .insignificant(),
    ]
}

/// Output `name` of a family: `<store>/<Family>/<version>/<digest of inputs>/<name>`.
fn out_target(ctx: &Context, params: &Params, name: &str) -> Result<FileTarget> {
    let inputs = params.get("inputs")?.canonical();
    let digest = format!("{:08x}", fnv1a64(inputs.as_bytes()) as u32);
    Ok(ctx.target(
        PathBuf::from(params.family())
            .join(params.str("version")?)
            .join(digest)
            .join(name),
    ))
}

#[derive(Debug)]
struct TextFile {
    params: Params,
}

impl Task for TextFile {
    fn params(&self) -> &Params {
        &self.params
    }
    fn output(&self) -> Result<Output, BoxError> {
        Ok(Output::File(FileTarget::local(self.params.str("path")?)))
    }
    fn is_external(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct CountWords {
    params: Params,
    ctx: Arc<Context>,
    input: Option<String>,
}

impl Workflow for CountWords {
    fn branch_map(&self) -> Result<BranchMap, BoxError> {
        Ok(self
            .params
            .str_list("inputs")?
            .into_iter()
            .enumerate()
            .map(|(i, path)| (i as i64, serde_json::Value::from(path)))
            .collect())
    }

    fn branch_task(&self, branch: i64, data: &serde_json::Value) -> Result<TaskRef, BoxError> {
        let mut params = self.params.clone();
        params.set(BRANCH, branch)?;
        let input = data.as_str().ok_or("branch data must be a path")?;
        Ok(Arc::new(CountWords {
            params,
            ctx: self.ctx.clone(),
            input: Some(input.to_string()),
        }))
    }
}

impl Task for CountWords {
    fn params(&self) -> &Params {
        &self.params
    }

    fn as_workflow(&self) -> Option<&dyn Workflow> {
        Some(self)
    }

    fn requires(&self) -> Result<Requires, BoxError> {
        match &self.input {
            Some(path) => Ok(Requires::One(self.ctx.req(
                "TextFile",
                &self.params,
                &[("path", ParamValue::from(path.as_str()))],
            )?)),
            None => Ok(Requires::None),
        }
    }

    fn output(&self) -> Result<Output, BoxError> {
        let branch = self.params.int(BRANCH)?;
        if branch < 0 {
            return Ok(output_of(self)?);
        }
        let name = format!("counts_{branch}.json");
        Ok(Output::File(out_target(&self.ctx, &self.params, &name)?))
    }

    fn run(&self, ctx: &RunContext<'_>) -> Result<(), BoxError> {
        let input = ctx.input()?;
        let text_file = input
            .one()
            .and_then(Output::file)
            .ok_or("CountWords needs one text file as input")?;
        let text = text_file.load_text()?;
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            *counts.entry(word.to_lowercase()).or_default() += 1;
        }
        let total: u64 = counts.values().sum();
        let body = serde_json::to_string(&counts)?;
        let delay = Duration::from_millis(self.params.int("write_delay_ms")?.max(0) as u64);
        let head = serde_json::to_string(&text_file.uri())?;
        let output = self.output()?;
        let target = output.file().ok_or("a branch writes one file")?;
        target.dump_with(|w| {
            write!(w, "{{\"input\": {head}, \"words\": {total}, ")?;
            w.flush()?;
            std::thread::sleep(delay);
            write!(w, "\"counts\": {body}}}")
        })?;
        Ok(())
    }
}

#[derive(Debug)]
struct MergeCounts {
    params: Params,
    ctx: Arc<Context>,
}

impl Task for MergeCounts {
    fn params(&self) -> &Params {
        &self.params
    }

    fn requires(&self) -> Result<Requires, BoxError> {
        Ok(Requires::One(self.ctx.req(
            "CountWords",
            &self.params,
            &[],
        )?))
    }

    fn output(&self) -> Result<Output, BoxError> {
        let top = self.params.int("top")?;
        let target = |name: &str| out_target(&self.ctx, &self.params, name);
        Ok(Output::map([
            ("merged", Output::File(target("merged.json")?)),
            ("top", Output::File(target(&format!("top{top}.txt"))?)),
        ]))
    }

    fn run(&self, ctx: &RunContext<'_>) -> Result<(), BoxError> {
        let input = ctx.input()?;
        let branches = input.one().ok_or("MergeCounts requires CountWords")?;
        let mut merged: BTreeMap<String, u64> = BTreeMap::new();
        let mut files = 0usize;
        // With --CountWords-acceptance below 1, missing branches are simply not counted.
        for target in branches.targets() {
            if !target.exists()? {
                continue;
            }
            let value: serde_json::Value = target.load_json()?;
            let counts = value["counts"]
                .as_object()
                .ok_or_else(|| format!("{} has no `counts` object", target.uri()))?;
            for (word, n) in counts {
                *merged.entry(word.clone()).or_default() += n.as_u64().unwrap_or(0);
            }
            files += 1;
        }
        let mut ranked: Vec<(&String, &u64)> = merged.iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top = usize::try_from(self.params.int("top")?).unwrap_or(0);
        let listing: String = ranked
            .iter()
            .take(top)
            .map(|(w, n)| format!("{n}\t{w}\n"))
            .collect();
        let output = self.output()?;
        let file = |key: &str| {
            output
                .get(key)
                .and_then(Output::file)
                .ok_or_else(|| format!("output `{key}` missing"))
        };
        file("merged")?.dump_json(&serde_json::json!({ "files": files, "counts": merged }))?;
        file("top")?.dump_text(&listing)?;
        Ok(())
    }
}
