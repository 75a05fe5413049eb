//! `cf functions`: the calibrators, selectors, producers and categorizers a binary knows.

use std::io::Write;

use cf_analysis::{DatasetInfo, Declaration, Dep, FunctionTree, Kind, Registry};
use cf_columns::ColumnSet;

/// Arguments of `cf functions`.
#[derive(clap::Args)]
pub struct Args {
    /// Show one function, with the columns and shifts of everything it calls resolved for
    /// simulation and for data.
    name: Option<String>,
    /// List only functions of this kind: calibrator, selector, reducer, producer,
    /// weight_producer or categorizer.
    #[arg(long, value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<Kind>()))]
    kind: Option<Kind>,
}

/// Runs `cf functions`.
pub fn run(args: Args, registry: &Registry) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let kind = args.kind;
    match args.name {
        Some(name) => resolved(&mut out, registry, &name, kind),
        None => {
            let names = registry.names(kind);
            if names.is_empty() {
                writeln!(out, "no functions registered")?;
            }
            for name in names {
                let function = registry.create(name, None)?;
                declared(&mut out, function.declaration())?;
            }
            Ok(())
        }
    }
}

fn declared(out: &mut impl Write, declaration: &Declaration) -> anyhow::Result<()> {
    writeln!(out, "{} ({})", declaration.name(), declaration.kind())?;
    writeln!(out, "  uses      {}", deps(declaration.uses_deps()))?;
    writeln!(out, "  produces  {}", deps(declaration.produces_deps()))?;
    if !declaration.own_shifts().is_empty() {
        writeln!(out, "  shifts    {}", declaration.own_shifts().join(", "))?;
    }
    let runs_on = match (declaration.is_mc_only(), declaration.is_data_only()) {
        (true, _) => "simulation only",
        (_, true) => "data only",
        _ => "simulation and data",
    };
    writeln!(out, "  runs on   {runs_on}")?;
    Ok(())
}

fn deps(deps: &[Dep]) -> String {
    let mut parts = Vec::new();
    for dep in deps {
        match dep {
            Dep::Columns(columns) => parts.push(columns_text(columns)),
            Dep::Function(name) => parts.push(format!("function {name}")),
        }
    }
    if parts.is_empty() {
        "-".to_string()
    } else {
        parts.join(", ")
    }
}

fn columns_text(columns: &ColumnSet) -> String {
    columns
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn resolved(
    out: &mut impl Write,
    registry: &Registry,
    name: &str,
    kind: Option<Kind>,
) -> anyhow::Result<()> {
    let function = registry.create(name, kind)?;
    declared(out, function.declaration())?;
    for is_mc in [true, false] {
        let dataset = DatasetInfo {
            name: if is_mc { "simulation" } else { "data" }.to_string(),
            is_mc,
        };
        let tree = FunctionTree::build(registry, name, function.declaration().kind(), &dataset)?;
        writeln!(out, "on {}:", dataset.name)?;
        if tree.name().is_none() {
            writeln!(out, "  does not run")?;
            continue;
        }
        writeln!(
            out,
            "  reads     {}",
            or_dash(columns_text(&tree.used_columns()))
        )?;
        writeln!(
            out,
            "  writes    {}",
            or_dash(columns_text(&tree.produced_columns()))
        )?;
        let shifts: Vec<String> = tree.shifts().into_iter().collect();
        writeln!(out, "  shifts    {}", or_dash(shifts.join(", ")))?;
    }
    Ok(())
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "-".to_string()
    } else {
        text
    }
}
