//! The cutflow plot: events after each selection step, per process.

use crate::canvas::Canvas;
use crate::data::finite;
use crate::frame::{headroom, Axes, FrameText, Header, Legend, Symbol};
use crate::stack::panels;
use crate::ticks::{Range, Scale};
use crate::{Error, Plot, Result, Rgb};

/// One process's events after each step.
#[derive(Clone, Debug, PartialEq)]
pub struct CutflowProcess {
    /// Legend label (markup allowed).
    pub label: String,
    /// Line and marker colour.
    pub color: Rgb,
    /// Events (Σw) after each step, one per step.
    pub values: Vec<f64>,
}

/// Events per selection step (a categorical x axis labelled with the step names), one line
/// with markers per process.
#[derive(Clone, Debug, PartialEq)]
pub struct CutflowPlot {
    /// Step names, in order (e.g. `Initial`, `muon`, `jet`, `btag`).
    pub steps: Vec<String>,
    /// The processes.
    pub processes: Vec<CutflowProcess>,
    /// Linear or log y (log by default: steps remove orders of magnitude).
    pub y_scale: Scale,
    /// Y axis title.
    pub y_title: String,
    /// Labels above the frame and the category note.
    pub header: Header,
}

impl CutflowPlot {
    /// A cutflow plot with log y.
    pub fn new(steps: Vec<String>) -> CutflowPlot {
        CutflowPlot {
            steps,
            processes: Vec::new(),
            y_scale: Scale::Log,
            y_title: "Selected events".to_string(),
            header: Header::default(),
        }
    }
}

impl Plot for CutflowPlot {
    fn draw(&self, c: &mut Canvas) -> Result<()> {
        let n = self.steps.len();
        if n == 0 {
            return Err(Error::Empty("cutflow plot has no selection steps".into()));
        }
        for p in &self.processes {
            if p.values.len() != n {
                return Err(Error::Length {
                    what: format!("cutflow process {:?}", p.label),
                    field: "values",
                    expected: n,
                    found: p.values.len(),
                });
            }
        }
        let (main, _) = panels(c, false, 0.04);
        // Long step names stand vertically under the axis: make room for them.
        let probe = Axes {
            x0: main.0,
            y0: main.1,
            x1: main.2,
            y1: main.3,
            x: Range::new(0.0, n as f64, Scale::Linear),
            y: Range::new(0.0, 1.0, Scale::Linear),
        };
        let depth = probe.category_depth(c, &self.steps);
        let bottom =
            (c.height() * 0.885 - (depth - c.font(28.0)).max(0.0)).max(main.1 + c.height() * 0.3);
        let values = self
            .processes
            .iter()
            .flat_map(|p| p.values.iter().copied().map(finite));
        let min_positive = values
            .clone()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let max = values.fold(0.0, f64::max);
        let y_lo = match self.y_scale {
            Scale::Linear => 0.0,
            Scale::Log if min_positive.is_finite() => (min_positive * 0.5).max(max * 1e-7),
            Scale::Log => 0.1,
        };
        let mut axes = Axes {
            y1: bottom,
            y: Range::new(y_lo, y_lo + 1.0, self.y_scale),
            ..probe
        };
        let legend = Legend {
            entries: self
                .processes
                .iter()
                .map(|p| {
                    (
                        Symbol::Line {
                            color: p.color,
                            dashed: false,
                        },
                        p.label.clone(),
                    )
                })
                .collect(),
        };
        let placed = legend.place(c, &axes);
        let mut boxes = vec![(placed.left, axes.x1, placed.bottom)];
        if let Some((right, bottom)) = self.header.annotation_box(c, axes.x0, axes.y0) {
            boxes.push((axes.x0, right, bottom));
        }
        let peaks: Vec<(f64, f64, f64)> = (0..n)
            .map(|i| {
                let top = self
                    .processes
                    .iter()
                    .map(|p| finite(p.values[i]))
                    .fold(0.0, f64::max);
                (axes.px(i as f64), axes.px(i as f64 + 1.0), top)
            })
            .collect();
        axes.y = Range::new(y_lo, headroom(&axes, &peaks, &boxes), self.y_scale);

        let width = c.font(3.0);
        let r = c.font(6.0);
        for p in &self.processes {
            let points: Vec<(f64, f64)> = p
                .values
                .iter()
                .enumerate()
                .map(|(i, &v)| (axes.px(i as f64 + 0.5), axes.py(finite(v))))
                .collect();
            c.line(&points, p.color, width)?;
            for (&(x, y), &v) in points.iter().zip(&p.values) {
                if finite(v) > 0.0 || self.y_scale == Scale::Linear {
                    c.circle(x, y, r, p.color)?;
                }
            }
        }
        axes.frame(
            c,
            &FrameText {
                y_title: Some(&self.y_title),
                x_title: Some("Selection step"),
                x_labels: true,
                x_categories: Some(&self.steps),
                ..FrameText::default()
            },
        )?;
        legend.draw(c, &axes)?;
        self.header.draw_annotation(c, axes.x0, axes.y0)?;
        self.header.draw(c, axes.x0, axes.x1, axes.y0)
    }
}
