//! The shifted-variable plot: the nominal histogram with each source's up and down variation,
//! and their ratio to nominal.

use crate::canvas::Canvas;
use crate::data::{finite, Hist1D};
use crate::frame::{headroom, Axes, FrameText, Header, Legend, Symbol};
use crate::stack::{panels, step_points, x_title};
use crate::ticks::{Range, Scale};
use crate::{Error, Plot, Result, Rgb};

/// One systematic source: its up and down variation of the same quantity as the nominal.
#[derive(Clone, Debug, PartialEq)]
pub struct ShiftSource {
    /// Source name for the legend (e.g. `jec`).
    pub label: String,
    /// Line colour.
    pub color: Rgb,
    /// Up variation (solid line).
    pub up: Hist1D,
    /// Down variation (dashed line).
    pub down: Hist1D,
}

/// Nominal (black) with up (solid) and down (dashed) lines per source, and a panel with the
/// variations divided by the nominal.
#[derive(Clone, Debug, PartialEq)]
pub struct ShiftedPlot {
    /// The nominal histogram.
    pub nominal: Hist1D,
    /// Legend label of the nominal (e.g. the process).
    pub nominal_label: String,
    /// The sources.
    pub sources: Vec<ShiftSource>,
    /// X axis title (markup allowed).
    pub x_title: String,
    /// Unit of the x variable.
    pub unit: Option<String>,
    /// Linear or log y.
    pub y_scale: Scale,
    /// Divide by bin width.
    pub density: bool,
    /// Add underflow to the first and overflow to the last bin.
    pub fold_flow: bool,
    /// Ratio panel range; `None` fits the largest variation.
    pub ratio_range: Option<(f64, f64)>,
    /// Labels above the frame and the category note.
    pub header: Header,
}

impl ShiftedPlot {
    /// A shifted plot with linear y and an automatic ratio range.
    pub fn new(nominal: Hist1D, x_title: impl Into<String>) -> ShiftedPlot {
        ShiftedPlot {
            nominal,
            nominal_label: "Nominal".to_string(),
            sources: Vec::new(),
            x_title: x_title.into(),
            unit: None,
            y_scale: Scale::Linear,
            density: false,
            fold_flow: false,
            ratio_range: None,
            header: Header::default(),
        }
    }

    fn prepared(&self, h: &Hist1D) -> Vec<f64> {
        let h = if self.fold_flow {
            h.folded()
        } else {
            h.clone()
        };
        let h = if self.density { h.per_width() } else { h };
        h.values().iter().copied().map(finite).collect()
    }
}

impl Plot for ShiftedPlot {
    fn draw(&self, c: &mut Canvas) -> Result<()> {
        let edges = self.nominal.edges();
        let n = edges.len() - 1;
        for s in &self.sources {
            let what = format!("shift source {:?}", s.label);
            s.up.require_edges(&format!("{what} up"), "the nominal", edges)?;
            s.down
                .require_edges(&format!("{what} down"), "the nominal", edges)?;
        }
        let nominal = self.prepared(&self.nominal);
        let shifted: Vec<(Vec<f64>, Vec<f64>)> = self
            .sources
            .iter()
            .map(|s| (self.prepared(&s.up), self.prepared(&s.down)))
            .collect();
        let (main, lower) = panels(c, true, 0.04);
        let lower = lower.ok_or_else(|| Error::Draw("no ratio panel".into()))?;
        let x = Range::new(edges[0], edges[n], Scale::Linear);
        let all = nominal
            .iter()
            .chain(shifted.iter().flat_map(|(u, d)| u.iter().chain(d)));
        let min_positive = all
            .clone()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let max = all.copied().fold(0.0, f64::max);
        let y_lo = match self.y_scale {
            Scale::Linear => 0.0,
            Scale::Log if min_positive.is_finite() => (min_positive * 0.5).max(max * 1e-6),
            Scale::Log => 0.1,
        };
        let mut axes = Axes {
            x0: main.0,
            y0: main.1,
            x1: main.2,
            y1: main.3,
            x,
            y: Range::new(y_lo, y_lo + 1.0, self.y_scale),
        };
        let mut entries = vec![(
            Symbol::Line {
                color: Rgb::BLACK,
                dashed: false,
            },
            self.nominal_label.clone(),
        )];
        for s in &self.sources {
            for (dashed, dir) in [(false, "up"), (true, "down")] {
                entries.push((
                    Symbol::Line {
                        color: s.color,
                        dashed,
                    },
                    format!("{} {dir}", s.label),
                ));
            }
        }
        let legend = Legend { entries };
        let placed = legend.place(c, &axes);
        let mut boxes = vec![(placed.left, axes.x1, placed.bottom)];
        if let Some((right, bottom)) = self.header.annotation_box(c, axes.x0, axes.y0) {
            boxes.push((axes.x0, right, bottom));
        }
        let peaks: Vec<(f64, f64, f64)> = (0..n)
            .map(|b| {
                let top = shifted
                    .iter()
                    .fold(nominal[b], |m, (u, d)| m.max(u[b]).max(d[b]));
                (axes.px(edges[b]), axes.px(edges[b + 1]), top)
            })
            .collect();
        axes.y = Range::new(y_lo, headroom(&axes, &peaks, &boxes), self.y_scale);

        let width = c.font(3.0);
        let dash = c.font(9.0);
        for ((u, d), s) in shifted.iter().zip(&self.sources) {
            c.line(&step_points(&axes, edges, u), s.color, width)?;
            c.dashed(&step_points(&axes, edges, d), s.color, width, dash)?;
        }
        c.line(&step_points(&axes, edges, &nominal), Rgb::BLACK, width)?;
        let y_title = if self.density {
            format!("Events / {}", self.unit.as_deref().unwrap_or("unit"))
        } else {
            "Events / bin".to_string()
        };
        axes.frame(
            c,
            &FrameText {
                y_title: Some(&y_title),
                skip_lowest_y: true,
                ..FrameText::default()
            },
        )?;
        legend.draw(c, &axes)?;
        self.header.draw_annotation(c, axes.x0, axes.y0)?;
        self.header.draw(c, axes.x0, axes.x1, axes.y0)?;

        // Ratio panel: bins without nominal content are drawn at 1.
        let ratio = |v: &[f64]| -> Vec<f64> {
            (0..n)
                .map(|b| {
                    if nominal[b] > 0.0 {
                        v[b] / nominal[b]
                    } else {
                        1.0
                    }
                })
                .collect()
        };
        let ratios: Vec<(Vec<f64>, Vec<f64>)> =
            shifted.iter().map(|(u, d)| (ratio(u), ratio(d))).collect();
        let (lo, hi) = self.ratio_range.unwrap_or_else(|| {
            let dev = ratios
                .iter()
                .flat_map(|(u, d)| u.iter().chain(d))
                .map(|r| (r - 1.0).abs())
                .fold(0.0, f64::max);
            let half = (dev * 1.25).max(0.02);
            (1.0 - half, 1.0 + half)
        });
        let raxes = Axes {
            x0: lower.0,
            y0: lower.1,
            x1: lower.2,
            y1: lower.3,
            x,
            y: Range::new(lo, hi, Scale::Linear).with_intervals(3.0),
        };
        let one = raxes.py(1.0);
        c.line(&[(raxes.x0, one), (raxes.x1, one)], Rgb::BLACK, c.font(2.0))?;
        for ((u, d), s) in ratios.iter().zip(&self.sources) {
            c.line(&step_points(&raxes, edges, u), s.color, width)?;
            c.dashed(&step_points(&raxes, edges, d), s.color, width, dash)?;
        }
        let x_title = x_title(&self.x_title, self.unit.as_deref());
        raxes.frame(
            c,
            &FrameText {
                x_title: Some(&x_title),
                y_title: Some("Shift / nom."),
                x_labels: true,
                skip_top_y: true,
                ..FrameText::default()
            },
        )
    }
}
