//! CreateYieldTable: yields per process (rows) and category (columns) with their statistical
//! uncertainties, as a text table and JSON.

use std::fmt::Write;

use cf_engine::{BoxError, Output, RunContext};
use cf_hist::{AxisKind, Category, Histogram};

use crate::histograms::YIELDS;
use crate::step::PipelineTask;

/// `hist` restricted to the listed ids of an integer category axis (summed later); `None`
/// when the axis has none of them.
pub(crate) fn restrict(
    hist: &Histogram,
    axis: &str,
    ids: &[i64],
) -> Result<Option<Histogram>, BoxError> {
    let index = hist.axis_index(axis)?;
    let AxisKind::IntCategory { categories } = hist.axes()[index].kind() else {
        return Err(format!(
            "axis `{axis}` of `{}` is not an integer category axis",
            hist.name()
        )
        .into());
    };
    let present: Vec<Category<'_>> = ids
        .iter()
        .filter(|id| categories.contains(id))
        .map(|&id| Category::Int(id))
        .collect();
    if present.is_empty() {
        return Ok(None);
    }
    Ok(Some(hist.select(axis, &present)?))
}

/// Σw and Σw² of the events of `hist` in the given categories and processes.
pub(crate) fn yield_of(
    hist: &Histogram,
    categories: &[i64],
    processes: &[i64],
) -> Result<(f64, f64), BoxError> {
    let Some(h) = restrict(hist, "category", categories)? else {
        return Ok((0.0, 0.0));
    };
    let Some(h) = restrict(&h, "process", processes)? else {
        return Ok((0.0, 0.0));
    };
    let variance = h.variances().map_or(h.sum(), |v| v.iter().sum());
    Ok((h.sum(), variance))
}

pub(crate) fn create(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let config = task.scope.config();
    let input = ctx.input()?;
    let mut hists = Vec::new();
    for dataset in task.params.str_list("datasets")? {
        let output = input
            .get(dataset)
            .ok_or_else(|| format!("no histograms of dataset `{dataset}`"))?;
        let file = output
            .get(YIELDS)
            .and_then(Output::file)
            .ok_or("no yields histogram")?;
        hists.push(Histogram::read_binary(file.path())?);
    }
    let categories = task.params.str_list("categories")?;
    let processes = task.params.str_list("processes")?;
    let mut rows = Vec::new();
    for process in &processes {
        let ids: Vec<i64> = config.process_tree(process).iter().map(|p| p.id).collect();
        let mut cells = Vec::new();
        for category in &categories {
            let leaves: Vec<i64> = config.leaves_of(category).iter().map(|c| c.id).collect();
            let (mut value, mut variance) = (0.0, 0.0);
            for hist in &hists {
                let (v, s) = yield_of(hist, &leaves, &ids)?;
                value += v;
                variance += s;
            }
            cells.push((value, variance.sqrt()));
        }
        rows.push((process.to_string(), cells));
    }

    let cell = |(value, error): &(f64, f64)| format!("{value:.2} ± {error:.2}");
    let width = rows
        .iter()
        .flat_map(|(_, cells)| cells.iter().map(|c| cell(c).chars().count()))
        .chain(categories.iter().map(|c| c.len()))
        .max()
        .unwrap_or(0)
        + 3;
    let mut text = String::new();
    write!(text, "{:<16}", "process")?;
    for category in &categories {
        write!(text, "{category:>width$}")?;
    }
    text.push('\n');
    for (process, cells) in &rows {
        write!(text, "{process:<16}")?;
        for c in cells {
            write!(text, "{:>width$}", cell(c))?;
        }
        text.push('\n');
    }
    let json = serde_json::json!({
        "categories": categories,
        "processes": rows.iter().map(|(process, cells)| serde_json::json!({
            "process": process,
            "yields": cells.iter().map(|(v, e)| serde_json::json!({"value": v, "error": e})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let output = crate::run::output(task)?;
    output
        .get("table")
        .and_then(Output::file)
        .ok_or("table output")?
        .dump_text(&text)?;
    output
        .get("json")
        .and_then(Output::file)
        .ok_or("json output")?
        .dump_json(&json)?;
    Ok(())
}
