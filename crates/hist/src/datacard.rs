//! CMS combine datacards with a ROOT shapes file.
//!
//! The shapes file holds one directory per channel with `data_obs`, one TH1D per process and
//! `<process>__<systematic>Up/Down` for shape systematics; the card points at them with
//! `shapes * * <file> $CHANNEL/$PROCESS $CHANNEL/$PROCESS__$SYSTEMATIC`. Rates and
//! observations are the in-range integrals (flow bins excluded, as combine reads them).

use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Error, Result};
use crate::histogram::Histogram;
use crate::root::RootFile;

/// The effect of a log-normal (`lnN`) systematic on one process in one channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LnN {
    /// A symmetric factor, e.g. `1.025`.
    Symmetric(f64),
    /// An asymmetric pair written `down/up`.
    Asymmetric {
        /// Factor for the down variation.
        down: f64,
        /// Factor for the up variation.
        up: f64,
    },
}

struct Process {
    name: String,
    signal: bool,
    nominal: Histogram,
    shapes: Vec<(String, Histogram, Histogram)>,
}

struct Channel {
    name: String,
    observation: Histogram,
    processes: Vec<Process>,
}

enum SystKind {
    LnN(Vec<(String, String, LnN)>),
    Shape,
}

struct Systematic {
    name: String,
    kind: SystKind,
}

/// A datacard being assembled: channels with observed data, processes with nominal and
/// shifted shapes, lnN systematics and autoMCStats.
#[derive(Default)]
pub struct Datacard {
    channels: Vec<Channel>,
    systematics: Vec<Systematic>,
    auto_mc_stats: Option<f64>,
}

fn bad(reason: String) -> Error {
    Error::Datacard { reason }
}

fn check_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '/') {
        return Err(bad(format!(
            "{what} name `{name}` must be non-empty without spaces or `/`"
        )));
    }
    Ok(())
}

/// Sum of the in-range bins of a 1D histogram.
fn integral(h: &Histogram) -> f64 {
    let Some(axis) = h.axes().first() else {
        return h.sum();
    };
    let first = usize::from(axis.underflow());
    h.values()[first..first + axis.bins()].iter().sum()
}

fn check_1d(h: &Histogram, what: &str) -> Result<()> {
    match h.axes() {
        [a] if !a.is_category() => Ok(()),
        _ => Err(bad(format!(
            "{what} must be a 1D histogram with a continuous axis; project or select first"
        ))),
    }
}

impl Datacard {
    /// An empty datacard.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a channel (combine "bin") with its observed data.
    pub fn add_channel(&mut self, name: &str, data_obs: &Histogram) -> Result<()> {
        check_name("channel", name)?;
        check_1d(data_obs, &format!("data_obs of channel `{name}`"))?;
        if self.channels.iter().any(|c| c.name == name) {
            return Err(bad(format!("channel `{name}` added twice")));
        }
        self.channels.push(Channel {
            name: name.to_string(),
            observation: data_obs.clone(),
            processes: Vec::new(),
        });
        Ok(())
    }

    fn channel(&mut self, name: &str) -> Result<&mut Channel> {
        self.channels
            .iter_mut()
            .find(|c| c.name == name)
            .ok_or_else(|| bad(format!("channel `{name}` was not added")))
    }

    /// Adds a process to a channel with its nominal histogram (same binning as `data_obs`).
    pub fn add_process(
        &mut self,
        channel: &str,
        process: &str,
        signal: bool,
        nominal: &Histogram,
    ) -> Result<()> {
        check_name("process", process)?;
        if process == "data_obs" || process.contains("__") {
            return Err(bad(format!(
                "process name `{process}` is reserved or contains `__`"
            )));
        }
        let signal_elsewhere = self
            .channels
            .iter()
            .flat_map(|c| &c.processes)
            .find(|p| p.name == process);
        if let Some(p) = signal_elsewhere {
            if p.signal != signal {
                return Err(bad(format!(
                    "process `{process}` is signal in one channel and background in another"
                )));
            }
        }
        let ch = self.channel(channel)?;
        check_1d(nominal, &format!("process `{process}` in `{channel}`"))?;
        if nominal.axes() != ch.observation.axes() {
            return Err(bad(format!(
                "process `{process}` in `{channel}` has a binning different from data_obs"
            )));
        }
        if ch.processes.iter().any(|p| p.name == process) {
            return Err(bad(format!(
                "process `{process}` added twice to `{channel}`"
            )));
        }
        ch.processes.push(Process {
            name: process.to_string(),
            signal,
            nominal: nominal.clone(),
            shapes: Vec::new(),
        });
        Ok(())
    }

    /// Adds a shape systematic of one process from its up and down histograms.
    pub fn add_shape(
        &mut self,
        channel: &str,
        process: &str,
        systematic: &str,
        up: &Histogram,
        down: &Histogram,
    ) -> Result<()> {
        check_name("systematic", systematic)?;
        if let Some(s) = self.systematics.iter().find(|s| s.name == systematic) {
            if matches!(s.kind, SystKind::LnN(_)) {
                return Err(bad(format!("systematic `{systematic}` is already lnN")));
            }
        } else {
            self.systematics.push(Systematic {
                name: systematic.to_string(),
                kind: SystKind::Shape,
            });
        }
        let ch = self.channel(channel)?;
        let p = ch
            .processes
            .iter_mut()
            .find(|p| p.name == process)
            .ok_or_else(|| bad(format!("process `{process}` is not in `{channel}`")))?;
        for h in [up, down] {
            if h.axes() != p.nominal.axes() {
                return Err(bad(format!(
                    "shape `{systematic}` of `{process}` in `{channel}` has a binning different from the nominal"
                )));
            }
        }
        if p.shapes.iter().any(|(s, _, _)| s == systematic) {
            return Err(bad(format!(
                "shape `{systematic}` of `{process}` in `{channel}` added twice"
            )));
        }
        p.shapes
            .push((systematic.to_string(), up.clone(), down.clone()));
        Ok(())
    }

    /// Adds (or extends) an lnN systematic for one process in one channel.
    pub fn add_lnn(
        &mut self,
        systematic: &str,
        channel: &str,
        process: &str,
        effect: LnN,
    ) -> Result<()> {
        check_name("systematic", systematic)?;
        let known = self
            .channels
            .iter()
            .any(|c| c.name == channel && c.processes.iter().any(|p| p.name == process));
        if !known {
            return Err(bad(format!("process `{process}` is not in `{channel}`")));
        }
        let entry = (channel.to_string(), process.to_string(), effect);
        match self.systematics.iter_mut().find(|s| s.name == systematic) {
            Some(Systematic {
                kind: SystKind::LnN(v),
                ..
            }) => v.push(entry),
            Some(_) => return Err(bad(format!("systematic `{systematic}` is already a shape"))),
            None => self.systematics.push(Systematic {
                name: systematic.to_string(),
                kind: SystKind::LnN(vec![entry]),
            }),
        }
        Ok(())
    }

    /// Adds an `autoMCStats` line with this event threshold (bin-by-bin MC statistics).
    pub fn with_auto_mc_stats(mut self, threshold: f64) -> Self {
        self.auto_mc_stats = Some(threshold);
        self
    }

    /// The card text, referring to `shapes_file` as written in the `shapes` line.
    pub fn card(&self, shapes_file: &str) -> Result<String> {
        if self.channels.is_empty() || self.channels.iter().any(|c| c.processes.is_empty()) {
            return Err(bad("every channel needs at least one process".into()));
        }
        // Signals get ids 0, -1, ...; backgrounds 1, 2, ... in order of first appearance.
        let mut ids: Vec<(String, i64)> = Vec::new();
        let (mut next_sig, mut next_bkg) = (0i64, 1i64);
        for p in self.channels.iter().flat_map(|c| &c.processes) {
            if !ids.iter().any(|(n, _)| *n == p.name) {
                let id = if p.signal {
                    next_sig -= 1;
                    next_sig + 1
                } else {
                    next_bkg += 1;
                    next_bkg - 1
                };
                ids.push((p.name.clone(), id));
            }
        }
        let columns: Vec<(&Channel, &Process)> = self
            .channels
            .iter()
            .flat_map(|c| c.processes.iter().map(move |p| (c, p)))
            .collect();
        let rule = "-".repeat(80);
        let mut s = String::new();
        let w = &mut s;
        let _ = writeln!(
            w,
            "# CMS combine datacard written by cf-hist {}",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(w, "imax {} number of channels", self.channels.len());
        let _ = writeln!(w, "jmax {} number of processes minus one", ids.len() - 1);
        let _ = writeln!(
            w,
            "kmax {} number of nuisance parameters",
            self.systematics.len()
        );
        let _ = writeln!(w, "{rule}");
        let _ = writeln!(
            w,
            "shapes * * {shapes_file} $CHANNEL/$PROCESS $CHANNEL/$PROCESS__$SYSTEMATIC"
        );
        let _ = writeln!(w, "{rule}");
        let obs: Vec<String> = self
            .channels
            .iter()
            .map(|c| fmt_num(integral(&c.observation)))
            .collect();
        let chans: Vec<String> = self.channels.iter().map(|c| c.name.clone()).collect();
        write_row(w, &["bin".into()], &chans);
        write_row(w, &["observation".into()], &obs);
        let _ = writeln!(w, "{rule}");
        let head = |h: &str| vec![h.to_string(), String::new()];
        write_row(
            w,
            &head("bin"),
            &columns
                .iter()
                .map(|(c, _)| c.name.clone())
                .collect::<Vec<_>>(),
        );
        write_row(
            w,
            &head("process"),
            &columns
                .iter()
                .map(|(_, p)| p.name.clone())
                .collect::<Vec<_>>(),
        );
        let id_of = |n: &str| ids.iter().find(|(x, _)| x == n).map_or(0, |(_, i)| *i);
        write_row(
            w,
            &head("process"),
            &columns
                .iter()
                .map(|(_, p)| id_of(&p.name).to_string())
                .collect::<Vec<_>>(),
        );
        write_row(
            w,
            &head("rate"),
            &columns
                .iter()
                .map(|(_, p)| fmt_num(integral(&p.nominal)))
                .collect::<Vec<_>>(),
        );
        let _ = writeln!(w, "{rule}");
        for syst in &self.systematics {
            let (kind, cells): (&str, Vec<String>) = match &syst.kind {
                SystKind::LnN(effects) => (
                    "lnN",
                    columns
                        .iter()
                        .map(|(c, p)| {
                            match effects
                                .iter()
                                .rev()
                                .find(|(ch, pr, _)| *ch == c.name && *pr == p.name)
                            {
                                Some((_, _, LnN::Symmetric(v))) => fmt_num(*v),
                                Some((_, _, LnN::Asymmetric { down, up })) => {
                                    format!("{}/{}", fmt_num(*down), fmt_num(*up))
                                }
                                None => "-".into(),
                            }
                        })
                        .collect(),
                ),
                SystKind::Shape => (
                    "shape",
                    columns
                        .iter()
                        .map(|(_, p)| {
                            if p.shapes.iter().any(|(n, _, _)| *n == syst.name) {
                                "1".into()
                            } else {
                                "-".into()
                            }
                        })
                        .collect(),
                ),
            };
            write_row(w, &[syst.name.clone(), kind.into()], &cells);
        }
        if let Some(t) = self.auto_mc_stats {
            let _ = writeln!(w, "{rule}");
            let _ = writeln!(w, "* autoMCStats {} 0 1", fmt_num(t));
        }
        Ok(s)
    }

    /// The shapes file: `channel/data_obs`, `channel/process`, `channel/process__systUp|Down`.
    pub fn shapes(&self) -> Result<RootFile> {
        let mut f = RootFile::new();
        for c in &self.channels {
            f.add(&format!("{}/data_obs", c.name), &c.observation)?;
            for p in &c.processes {
                f.add(&format!("{}/{}", c.name, p.name), &p.nominal)?;
                for (s, up, down) in &p.shapes {
                    f.add(&format!("{}/{}__{s}Up", c.name, p.name), up)?;
                    f.add(&format!("{}/{}__{s}Down", c.name, p.name), down)?;
                }
            }
        }
        Ok(f)
    }

    /// Writes the shapes file and then the card, both atomically. The card names the shapes
    /// file relative to the card's directory when both share it, else by its full path.
    pub fn write(&self, card_path: impl AsRef<Path>, shapes_path: impl AsRef<Path>) -> Result<()> {
        let (card_path, shapes_path) = (card_path.as_ref(), shapes_path.as_ref());
        let same_dir = card_path.parent() == shapes_path.parent();
        let reference = match (same_dir, shapes_path.file_name()) {
            (true, Some(n)) => n.to_string_lossy().into_owned(),
            _ => shapes_path.display().to_string(),
        };
        if reference.contains(char::is_whitespace) {
            return Err(bad(format!(
                "shapes path `{reference}` contains whitespace"
            )));
        }
        let card = self.card(&reference)?;
        self.shapes()?.write(shapes_path)?;
        crate::io::write_atomic(card_path, card.as_bytes())
    }
}

fn fmt_num(v: f64) -> String {
    format!("{v}")
}

fn write_row(w: &mut String, head: &[String], cells: &[String]) {
    let mut line = format!("{:<23} ", head[0]);
    line.push_str(&format!("{:<7} ", head.get(1).map_or("", String::as_str)));
    for c in cells {
        line.push_str(&format!("{c:<16} "));
    }
    let _ = writeln!(w, "{}", line.trim_end());
}
