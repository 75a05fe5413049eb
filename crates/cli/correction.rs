//! `cf correction`: inspect and evaluate correctionlib JSON files.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use cf_correction::{CorrectionSet, Evaluate, InputType, Value};

/// Inspect and evaluate correctionlib (schema v2) JSON files.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// List the corrections of a file: name, version, inputs with their types and the ranges
    /// or categories the content covers, and the output.
    Summary {
        /// The correction file (.json or .json.gz).
        file: PathBuf,
    },
    /// Evaluate a correction (or compound correction) at one point, or at many with --batch.
    ///
    /// Inputs are given in the correction's input order and parsed by their declared type
    /// (real, int or string); `cf correction summary FILE` lists them.
    Eval {
        /// The correction file (.json or .json.gz).
        file: PathBuf,
        /// The name of the correction or compound correction.
        name: String,
        /// The input values, in order (e.g. `2018_UL 1.2 45.0 sf`); not used with --batch.
        #[arg(allow_negative_numbers = true, value_name = "INPUT")]
        inputs: Vec<String>,
        /// Read one JSON array of inputs per line from stdin (e.g. `["2018_UL", 1.2, 45.0, "sf"]`)
        /// and print one line per input: the output, or `error: <why>`.
        #[arg(long)]
        batch: bool,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Sub::Summary { file } => summary(&file),
        Sub::Eval {
            file,
            name,
            inputs,
            batch,
        } => {
            let set = CorrectionSet::from_file(&file)?;
            let eval = set.evaluator(&name)?;
            if batch {
                if !inputs.is_empty() {
                    bail!(
                        "give the inputs either as arguments or, with --batch, on stdin, not both"
                    );
                }
                eval_batch(eval)
            } else {
                let values = parse_args(eval, &inputs)?;
                let out = eval.evaluate(&values)?;
                let mut stdout = std::io::stdout().lock();
                writeln!(stdout, "{out}")?;
                Ok(())
            }
        }
    }
}

fn parse_args<'a>(eval: &dyn Evaluate, inputs: &'a [String]) -> anyhow::Result<Vec<Value<'a>>> {
    if inputs.len() != eval.inputs().len() {
        let names: Vec<String> = eval
            .inputs()
            .iter()
            .map(|v| format!("{} ({})", v.name(), v.input_type()))
            .collect();
        bail!(
            "correction '{}' takes {} inputs, got {}: {}",
            eval.name(),
            names.len(),
            inputs.len(),
            names.join(", ")
        );
    }
    inputs
        .iter()
        .zip(eval.inputs())
        .map(|(text, var)| {
            Ok(match var.input_type() {
                InputType::Real => Value::Real(text.parse().with_context(|| {
                    format!("input '{}' must be a real number, got '{text}'", var.name())
                })?),
                InputType::Int => Value::Int(text.parse().with_context(|| {
                    format!("input '{}' must be an integer, got '{text}'", var.name())
                })?),
                InputType::String => Value::Str(text),
            })
        })
        .collect()
}

/// One line of batch input as values: numbers take the declared type of their input
/// (an `int` input needs an integer), strings stay strings; the evaluation checks the rest.
fn parse_line<'a>(
    eval: &dyn Evaluate,
    line: &'a serde_json::Value,
) -> Result<Vec<Value<'a>>, String> {
    let items = line
        .as_array()
        .ok_or_else(|| "expected a JSON array of inputs".to_owned())?;
    let types = eval
        .inputs()
        .iter()
        .map(|v| Some((v.name(), v.input_type())));
    items
        .iter()
        .zip(types.chain(std::iter::repeat(None)))
        .map(|(item, var)| match (item, var) {
            (serde_json::Value::String(s), _) => Ok(Value::Str(s)),
            (serde_json::Value::Number(n), Some((name, InputType::Int))) => n
                .as_i64()
                .map(Value::Int)
                .ok_or_else(|| format!("input '{name}' must be an integer, got {n}")),
            (serde_json::Value::Number(n), _) => n
                .as_f64()
                .map(Value::Real)
                .ok_or_else(|| format!("{n} is not a number")),
            (other, _) => Err(format!("inputs must be numbers or strings, got {other}")),
        })
        .collect()
}

fn eval_batch(eval: &dyn Evaluate) -> anyhow::Result<()> {
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (number, line) in stdin.lines().enumerate() {
        let line = line.with_context(|| format!("reading stdin line {}", number + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let result = serde_json::from_str::<serde_json::Value>(&line)
            .map_err(|err| format!("line {} is not JSON: {err}", number + 1))
            .and_then(|json| {
                let values = parse_line(eval, &json)?;
                eval.evaluate(&values).map_err(|err| err.to_string())
            });
        match result {
            Ok(value) => writeln!(out, "{value}")?,
            Err(why) => writeln!(out, "error: {why}")?,
        }
    }
    out.flush()?;
    Ok(())
}

fn summary(file: &std::path::Path) -> anyhow::Result<()> {
    let set = CorrectionSet::from_file(file)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "{}", set.file())?;
    if !set.description().is_empty() {
        writeln!(out, "  {}", first_line(set.description()))?;
    }
    for correction in set.corrections() {
        writeln!(
            out,
            "\ncorrection {} (version {})",
            correction.name(),
            correction.version()
        )?;
        if !correction.description().is_empty() {
            writeln!(out, "  {}", first_line(correction.description()))?;
        }
        writeln!(out, "  inputs:")?;
        for (var, usage) in correction.inputs().iter().zip(correction.input_usage()) {
            let mut covers = Vec::new();
            if let Some((low, high)) = usage.range {
                let flow = if usage.overflow {
                    ", values outside handled by flow"
                } else {
                    ""
                };
                covers.push(format!("range [{low}, {high}){flow}"));
            }
            if !usage.keys.is_empty() {
                let default = if usage.has_default {
                    " (+ default)"
                } else {
                    ""
                };
                covers.push(format!("values {}{default}", usage.keys.join(", ")));
            }
            if usage.other {
                covers.push("used by transform/hashprng".to_owned());
            }
            let covers = if covers.is_empty() {
                "no range (formula or unused)".to_owned()
            } else {
                covers.join("; ")
            };
            writeln!(out, "    {} ({}): {covers}", var.name(), var.input_type())?;
            if !var.description().is_empty() {
                writeln!(out, "      {}", first_line(var.description()))?;
            }
        }
        let output = correction.output();
        writeln!(out, "  output: {} ({})", output.name(), output.input_type())?;
    }
    for compound in set.compound_corrections() {
        writeln!(out, "\ncompound correction {}", compound.name())?;
        if !compound.description().is_empty() {
            writeln!(out, "  {}", first_line(compound.description()))?;
        }
        let inputs: Vec<String> = compound
            .inputs()
            .iter()
            .map(|v| format!("{} ({})", v.name(), v.input_type()))
            .collect();
        writeln!(out, "  inputs: {}", inputs.join(", "))?;
        let stack: Vec<&str> = compound.stack().map(|c| c.name()).collect();
        writeln!(out, "  stack: {}", stack.join(" -> "))?;
        let updated: Vec<&str> = compound.updated_inputs().collect();
        writeln!(
            out,
            "  updates {} with '{}', combines outputs with '{}'",
            updated.join(", "),
            compound.input_op(),
            compound.output_op()
        )?;
        let output = compound.output();
        writeln!(out, "  output: {} ({})", output.name(), output.input_type())?;
    }
    out.flush()?;
    Ok(())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}
