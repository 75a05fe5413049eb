//! CreateDatacards: one combine datacard and shapes file per channel of the config's
//! inference model, from the datasets' nominal and shifted histograms.

use std::collections::BTreeSet;

use cf_config::{InferenceModel, LnNEffect, SystematicKind};
use cf_engine::{BoxError, Output, RunContext};
use cf_hist::datacard::{Datacard, LnN};
use cf_hist::{Category, Histogram};

use crate::step::PipelineTask;
use crate::yields::restrict;

fn model(task: &PipelineTask) -> Result<&InferenceModel, BoxError> {
    let name = task.params.str("inference_model")?;
    Ok(task
        .scope
        .config()
        .inference_model(name)
        .ok_or_else(|| format!("no inference model `{name}`"))?)
}

/// The datasets the model needs: those of its processes and its channels' data.
pub(crate) fn datasets(task: &PipelineTask) -> Result<Vec<String>, BoxError> {
    let config = task.scope.config();
    let model = model(task)?;
    let mut names = BTreeSet::new();
    for process in &model.processes {
        for name in &process.processes {
            for sub in config.process_tree(name) {
                for dataset in config.datasets_of(&sub.name) {
                    names.insert(dataset.name.clone());
                }
            }
        }
    }
    for channel in &model.channels {
        names.extend(channel.data_datasets.iter().cloned());
    }
    Ok(names.into_iter().collect())
}

pub(crate) fn output(task: &PipelineTask) -> Result<Output, BoxError> {
    let model = model(task)?;
    let mut outputs = Vec::new();
    for channel in &model.channels {
        outputs.push((
            format!("card:{}", channel.name),
            Output::File(task.target(&format!("datacard_{}.txt", channel.name))?),
        ));
        outputs.push((
            format!("shapes:{}", channel.name),
            Output::File(task.target(&format!("shapes_{}.root", channel.name))?),
        ));
    }
    Ok(Output::map(outputs))
}

/// The variable histogram of `hist` for the given categories, processes and shift id, summed
/// over everything else; `None` when nothing matches.
fn template(
    hist: &Histogram,
    variable: &str,
    categories: &[i64],
    processes: &[i64],
    shift: i64,
) -> Result<Option<Histogram>, BoxError> {
    let Some(h) = restrict(hist, "category", categories)? else {
        return Ok(None);
    };
    let Some(h) = restrict(&h, "process", processes)? else {
        return Ok(None);
    };
    let h = h.select("shift", &[Category::Int(shift)])?;
    Ok(Some(h.project(&[variable])?))
}

fn add(total: &mut Option<Histogram>, part: Option<Histogram>) -> Result<(), BoxError> {
    if let Some(part) = part {
        match total {
            Some(t) => t.add(&part)?,
            None => *total = Some(part),
        }
    }
    Ok(())
}

pub(crate) fn create(task: &PipelineTask, ctx: &RunContext<'_>) -> Result<(), BoxError> {
    let config = task.scope.config();
    let model = model(task)?;
    let input = ctx.input()?;
    let mut hists = Vec::new();
    for dataset in datasets(task)? {
        let output = input
            .get(&dataset)
            .ok_or_else(|| format!("no histograms of dataset `{dataset}`"))?;
        hists.push((dataset, output.clone()));
    }
    let shift_id = |name: String| -> Result<i64, BoxError> { Ok(task.scope.shift(&name)?.id) };
    let output = output(task)?;
    for channel in &model.channels {
        let leaves: Vec<i64> = config
            .leaves_of(&channel.category)
            .iter()
            .map(|c| c.id)
            .collect();
        let load = |dataset: &str| -> Result<Histogram, BoxError> {
            let (_, out) = hists
                .iter()
                .find(|(d, _)| d == dataset)
                .ok_or_else(|| format!("no histograms of dataset `{dataset}`"))?;
            let file = out
                .get(&channel.variable)
                .and_then(Output::file)
                .ok_or_else(|| {
                    format!(
                        "channel `{}` needs variable `{}`; add it to --variables",
                        channel.name, channel.variable
                    )
                })?;
            Ok(Histogram::read_binary(file.path())?)
        };
        // Expected templates per combine process and shift.
        let mut expected = Vec::new();
        for process in &model.processes {
            let ids: Vec<i64> = process
                .processes
                .iter()
                .flat_map(|p| config.process_tree(p))
                .map(|p| p.id)
                .collect();
            let mut datasets = BTreeSet::new();
            for id in &ids {
                let name = &config
                    .processes()
                    .iter()
                    .find(|p| p.id == *id)
                    .ok_or("process")?
                    .name;
                datasets.extend(config.datasets_of(name).iter().map(|d| d.name.clone()));
            }
            let loaded: Vec<Histogram> =
                datasets.iter().map(|d| load(d)).collect::<Result<_, _>>()?;
            let sum = |shift: i64| -> Result<Histogram, BoxError> {
                let mut total = None;
                for hist in &loaded {
                    add(
                        &mut total,
                        template(hist, &channel.variable, &leaves, &ids, shift)?,
                    )?;
                }
                total.ok_or_else(|| {
                    format!(
                        "process `{}` has no events in channel `{}` (no dataset of {} filled category `{}`)",
                        process.name,
                        channel.name,
                        process.processes.join(", "),
                        channel.category
                    )
                    .into()
                })
            };
            let nominal = sum(0)?;
            let mut shapes = Vec::new();
            for systematic in &model.systematics {
                let affects =
                    systematic.processes.is_empty() || systematic.processes.contains(&process.name);
                if let (SystematicKind::Shape { shift_source }, true) = (&systematic.kind, affects)
                {
                    let up = sum(shift_id(format!("{shift_source}_up"))?)?;
                    let down = sum(shift_id(format!("{shift_source}_down"))?)?;
                    shapes.push((systematic.name.clone(), up, down));
                }
            }
            expected.push((process, nominal, shapes));
        }
        let observation = if channel.is_asimov() {
            let mut total = None;
            for (_, nominal, _) in &expected {
                add(&mut total, Some(nominal.clone()))?;
            }
            total.ok_or("no processes")?
        } else {
            let mut total = None;
            for dataset in &channel.data_datasets {
                let hist = load(dataset)?;
                let ids: Vec<i64> = config
                    .dataset(dataset)
                    .ok_or("dataset")?
                    .processes
                    .iter()
                    .filter_map(|p| config.process(p).map(|p| p.id))
                    .collect();
                add(
                    &mut total,
                    template(&hist, &channel.variable, &leaves, &ids, 0)?,
                )?;
            }
            total.ok_or_else(|| {
                format!(
                    "channel `{}`: the data datasets have no events in it",
                    channel.name
                )
            })?
        };
        let mut card = Datacard::new();
        card.add_channel(&channel.name, &observation)?;
        for (process, nominal, shapes) in &expected {
            card.add_process(&channel.name, &process.name, process.signal, nominal)?;
            for (name, up, down) in shapes {
                card.add_shape(&channel.name, &process.name, name, up, down)?;
            }
        }
        for systematic in &model.systematics {
            if let SystematicKind::LnN(effect) = &systematic.kind {
                let effect = match *effect {
                    LnNEffect::Symmetric(k) => LnN::Symmetric(k),
                    LnNEffect::Asymmetric { down, up } => LnN::Asymmetric { down, up },
                };
                for (process, _, _) in &expected {
                    if systematic.processes.is_empty()
                        || systematic.processes.contains(&process.name)
                    {
                        card.add_lnn(&systematic.name, &channel.name, &process.name, effect)?;
                    }
                }
            }
        }
        if let Some(threshold) = model.auto_mc_stats {
            card = card.with_auto_mc_stats(threshold);
        }
        let path = |key: String| -> Result<std::path::PathBuf, BoxError> {
            Ok(output
                .get(&key)
                .and_then(Output::file)
                .ok_or("output")?
                .path()
                .to_path_buf())
        };
        let card_path = path(format!("card:{}", channel.name))?;
        if let Some(dir) = card_path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        card.write(&card_path, path(format!("shapes:{}", channel.name))?)?;
    }
    Ok(())
}
