//! The 1D stack plot: MC stacked, other processes as lines, data as points, uncertainty
//! bands and a data/MC ratio panel.

use crate::canvas::Canvas;
use crate::data::{finite, Hist1D};
use crate::frame::{hatch, headroom, Axes, FrameText, Header, Legend, Symbol};
use crate::stats::garwood;
use crate::ticks::{Range, Scale};
use crate::{Error, Plot, Result, Rgb};

const BAND_GREY: Rgb = Rgb(100, 100, 100);
const SYST_GREY: Rgb = Rgb(150, 150, 150);

/// One process: label (with `$…$` markup), colour, histogram and a scale factor that is
/// applied before drawing and written into the legend (`×100`) when not 1.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// Legend label.
    pub label: String,
    /// Fill (stacked) or line colour.
    pub color: Rgb,
    /// The histogram.
    pub hist: Hist1D,
    /// Scale factor (1 for none).
    pub scale: f64,
}

impl Component {
    /// A process with scale 1.
    pub fn new(label: impl Into<String>, color: Rgb, hist: Hist1D) -> Component {
        Component {
            label: label.into(),
            color,
            hist,
            scale: 1.0,
        }
    }

    /// The same process scaled by `factor` (e.g. a signal ×100).
    pub fn scaled(mut self, factor: f64) -> Component {
        self.scale = factor;
        self
    }

    fn legend_label(&self) -> String {
        if self.scale == 1.0 {
            self.label.clone()
        } else {
            format!("{} ×{}", self.label, crate::frame::short_number(self.scale))
        }
    }

    fn prepared(&self, fold: bool) -> Hist1D {
        let h = if fold {
            self.hist.folded()
        } else {
            self.hist.clone()
        };
        h.scaled(self.scale)
    }
}

/// The systematic uncertainty of the MC total: the total in the up and down variations.
#[derive(Clone, Debug, PartialEq)]
pub struct SystBand {
    /// Total MC with every source shifted up (or the upper envelope).
    pub up: Hist1D,
    /// Total MC shifted down (or the lower envelope).
    pub down: Hist1D,
}

impl SystBand {
    /// The band from total MC up and down histograms.
    pub fn new(up: Hist1D, down: Hist1D) -> SystBand {
        SystBand { up, down }
    }

    /// Combines shift sources in quadrature: per bin, the upward deviations of each source's
    /// up and down total from `nominal` add in quadrature to the upper edge, the downward
    /// ones to the lower edge (so one-sided sources count on their side only).
    pub fn from_sources(nominal: &Hist1D, sources: &[(Hist1D, Hist1D)]) -> Result<SystBand> {
        let n = nominal.bins();
        let mut up2 = vec![0.0; n];
        let mut down2 = vec![0.0; n];
        let mut flow_up2 = [0.0; 2];
        let mut flow_down2 = [0.0; 2];
        let (nu, no) = nominal.flow();
        for (i, (u, d)) in sources.iter().enumerate() {
            for h in [u, d] {
                h.require_edges(
                    &format!("systematic source {i}"),
                    "the nominal",
                    nominal.edges(),
                )?;
                for b in 0..n {
                    let delta = finite(h.values()[b] - nominal.values()[b]);
                    if delta > 0.0 {
                        up2[b] += delta * delta;
                    } else {
                        down2[b] += delta * delta;
                    }
                }
                let (hu, ho) = h.flow();
                for (k, delta) in [hu.value - nu.value, ho.value - no.value]
                    .into_iter()
                    .enumerate()
                {
                    let delta = finite(delta);
                    if delta > 0.0 {
                        flow_up2[k] += delta * delta;
                    } else {
                        flow_down2[k] += delta * delta;
                    }
                }
            }
        }
        let edge = |sign: f64, dev2: &[f64], flow2: [f64; 2]| -> Result<Hist1D> {
            let values = (0..n)
                .map(|b| nominal.values()[b] + sign * dev2[b].sqrt())
                .collect();
            let flow = |c: crate::BinContent, d2: f64| crate::BinContent {
                value: c.value + sign * d2.sqrt(),
                variance: 0.0,
            };
            Ok(Hist1D::new(nominal.edges().to_vec(), values)?
                .with_flow(flow(nu, flow2[0]), flow(no, flow2[1])))
        };
        Ok(SystBand {
            up: edge(1.0, &up2, flow_up2)?,
            down: edge(-1.0, &down2, flow_down2)?,
        })
    }
}

/// A stack plot. Build it with [`StackPlot::new`] and set the public fields.
///
/// Drawn from bottom to top: stacked processes, systematic band (grey), MC statistical
/// band (hatched), unstacked processes (lines), data (points with Garwood errors); then the
/// ratio panel (data / MC with both bands around 1) when there is data and `skip_ratio` is
/// false.
#[derive(Clone, Debug, PartialEq)]
pub struct StackPlot {
    /// Stacked processes, bottom first.
    pub stack: Vec<Component>,
    /// Processes drawn as lines on top.
    pub lines: Vec<Component>,
    /// Data, as event counts (Garwood intervals need counts).
    pub data: Option<Hist1D>,
    /// Legend label of data.
    pub data_label: String,
    /// Systematic band around the MC total.
    pub syst: Option<SystBand>,
    /// X axis title (markup allowed).
    pub x_title: String,
    /// Unit of the x variable, for the titles (e.g. `GeV`).
    pub unit: Option<String>,
    /// Linear or log y.
    pub y_scale: Scale,
    /// Normalise MC, data and each line to unit area.
    pub shape_norm: bool,
    /// Divide by bin width (events per unit).
    pub density: bool,
    /// Add underflow to the first and overflow to the last bin.
    pub fold_flow: bool,
    /// The ratio panel's y range.
    pub ratio_range: (f64, f64),
    /// Leave out the ratio panel.
    pub skip_ratio: bool,
    /// Labels above the frame and the category note.
    pub header: Header,
}

impl StackPlot {
    /// An empty stack plot with CMS defaults (linear y, ratio 0.72–1.28, "Work in progress").
    pub fn new(x_title: impl Into<String>) -> StackPlot {
        StackPlot {
            stack: Vec::new(),
            lines: Vec::new(),
            data: None,
            data_label: "Data".to_string(),
            syst: None,
            x_title: x_title.into(),
            unit: None,
            y_scale: Scale::Linear,
            shape_norm: false,
            density: false,
            fold_flow: false,
            ratio_range: (0.72, 1.28),
            skip_ratio: false,
            header: Header::default(),
        }
    }

    pub(crate) fn y_title(&self) -> String {
        let what = if self.shape_norm {
            "Normalized events"
        } else {
            "Events"
        };
        if self.density {
            format!("{what} / {}", self.unit.as_deref().unwrap_or("unit"))
        } else {
            format!("{what} / bin")
        }
    }
}

/// `title (unit)`.
pub(crate) fn x_title(title: &str, unit: Option<&str>) -> String {
    match unit {
        Some(u) if !u.is_empty() => format!("{title} ({u})"),
        _ => title.to_string(),
    }
}

/// A rectangle in pixels: left, top, right, bottom.
pub(crate) type PixelRect = (f64, f64, f64, f64);

/// Pixel rectangles of the main panel and, if asked, the ratio panel under it.
pub(crate) fn panels(c: &Canvas, ratio: bool, right: f64) -> (PixelRect, Option<PixelRect>) {
    let (w, h) = (c.width(), c.height());
    let x0 = w * 0.15;
    let x1 = w * (1.0 - right);
    let y0 = h * 0.075;
    let y1 = h * 0.885;
    if ratio {
        let split = y0 + (y1 - y0) * 0.73;
        ((x0, y0, x1, split), Some((x0, split, x1, y1)))
    } else {
        ((x0, y0, x1, y1), None)
    }
}

/// The stack plot's inputs after folding, scaling, normalising and the density division.
struct Prepared {
    edges: Vec<f64>,
    stack: Vec<Hist1D>,
    lines: Vec<Hist1D>,
    /// Data values and their Garwood bounds, in plotted units.
    data: Option<Vec<(f64, f64, f64)>>,
    total: Vec<f64>,
    total_err: Vec<f64>,
    syst: Option<(Vec<f64>, Vec<f64>)>,
}

impl StackPlot {
    fn prepare(&self) -> Result<Prepared> {
        let first = self
            .stack
            .iter()
            .chain(&self.lines)
            .map(|c| &c.hist)
            .chain(&self.data)
            .next()
            .ok_or_else(|| Error::Empty("stack plot has no process and no data to draw".into()))?;
        let edges = first.edges().to_vec();
        for comp in self.stack.iter().chain(&self.lines) {
            comp.hist.require_edges(
                &format!("process {:?}", comp.label),
                "the first histogram",
                &edges,
            )?;
        }
        if let Some(d) = &self.data {
            d.require_edges("data", "the first histogram", &edges)?;
        }
        if let Some(s) = &self.syst {
            s.up.require_edges("systematic up", "the first histogram", &edges)?;
            s.down
                .require_edges("systematic down", "the first histogram", &edges)?;
        }
        let fold = self.fold_flow;
        let mut stack: Vec<Hist1D> = self.stack.iter().map(|c| c.prepared(fold)).collect();
        let mut lines: Vec<Hist1D> = self.lines.iter().map(|c| c.prepared(fold)).collect();
        let raw_data = self
            .data
            .as_ref()
            .map(|d| if fold { d.folded() } else { d.clone() });
        let mut syst = self.syst.as_ref().map(|s| {
            let f = |h: &Hist1D| if fold { h.folded() } else { h.clone() };
            (f(&s.up), f(&s.down))
        });
        let n = edges.len() - 1;
        // Per-bin factor from counts to plotted units, for the data intervals.
        let mut data_factor = vec![1.0; n];
        if self.shape_norm {
            let mc: f64 = stack.iter().map(Hist1D::total).sum();
            if mc > 0.0 {
                stack = stack.iter().map(|h| h.scaled(1.0 / mc)).collect();
                syst = syst.map(|(u, d)| (u.scaled(1.0 / mc), d.scaled(1.0 / mc)));
            }
            lines = lines
                .iter()
                .map(|h| {
                    let t = h.total();
                    if t > 0.0 {
                        h.scaled(1.0 / t)
                    } else {
                        h.clone()
                    }
                })
                .collect();
            if let Some(d) = &raw_data {
                let t = d.total();
                if t > 0.0 {
                    data_factor.iter_mut().for_each(|f| *f /= t);
                }
            }
        }
        if self.density {
            stack = stack.iter().map(Hist1D::per_width).collect();
            lines = lines.iter().map(Hist1D::per_width).collect();
            syst = syst.map(|(u, d)| (u.per_width(), d.per_width()));
            for (f, w) in data_factor.iter_mut().zip(edges.windows(2)) {
                *f /= w[1] - w[0];
            }
        }
        let data = raw_data.map(|d| {
            d.values()
                .iter()
                .zip(&data_factor)
                .map(|(&v, &f)| {
                    let v = finite(v);
                    let (lo, hi) = garwood(v);
                    (v * f, lo * f, hi * f)
                })
                .collect()
        });
        let total: Vec<f64> = (0..n)
            .map(|b| stack.iter().map(|h| finite(h.values()[b])).sum())
            .collect();
        let total_err = (0..n)
            .map(|b| {
                stack
                    .iter()
                    .map(|h| finite(h.variances()[b]).max(0.0))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        let syst = syst.map(|(u, d)| {
            let bound = |h: &Hist1D| h.values().iter().map(|v| finite(*v)).collect::<Vec<_>>();
            (bound(&u), bound(&d))
        });
        Ok(Prepared {
            edges,
            stack,
            lines,
            data,
            total,
            total_err,
            syst,
        })
    }

    fn legend(&self) -> Legend {
        let mut entries = Vec::new();
        if self.data.is_some() {
            entries.push((Symbol::Data, self.data_label.clone()));
        }
        for c in self.stack.iter().rev() {
            entries.push((Symbol::Fill(c.color), c.legend_label()));
        }
        for c in &self.lines {
            entries.push((
                Symbol::Line {
                    color: c.color,
                    dashed: false,
                },
                c.legend_label(),
            ));
        }
        if !self.stack.is_empty() {
            entries.push((Symbol::Hatch, "MC stat. unc.".to_string()));
        }
        if self.syst.is_some() && !self.stack.is_empty() {
            entries.push((Symbol::Band(SYST_GREY, 0.5), "Syst. unc.".to_string()));
        }
        Legend { entries }
    }
}

/// A step outline through the bins' values.
pub(crate) fn step_points(axes: &Axes, edges: &[f64], values: &[f64]) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(2 * values.len());
    for (i, &v) in values.iter().enumerate() {
        let y = axes.py(finite(v));
        pts.push((axes.px(edges[i]), y));
        pts.push((axes.px(edges[i + 1]), y));
    }
    pts
}

/// Data points with vertical error bars; bins with no entries show only their upper error,
/// NaN points (ratio bins without MC) nothing, and a point outside the range the part of its
/// error bar that is inside.
fn draw_points(
    c: &mut Canvas,
    axes: &Axes,
    edges: &[f64],
    points: &[(f64, f64, f64)],
) -> Result<()> {
    let width = c.font(2.0).max(1.0);
    let r = c.font(5.5);
    for (i, &(v, lo, hi)) in points.iter().enumerate() {
        let x = axes.px(0.5 * (edges[i] + edges[i + 1]));
        let low = if v > 0.0 { lo } else { 0.0 };
        if hi > axes.y.lo && low < axes.y.hi {
            c.line(&[(x, axes.py(low)), (x, axes.py(hi))], Rgb::BLACK, width)?;
        }
        if v > 0.0 && axes.shows_y(v) {
            c.circle(x, axes.py(v), r, Rgb::BLACK)?;
        }
    }
    Ok(())
}

/// A band between two per-bin bounds, hatched or filled.
fn draw_band(
    c: &mut Canvas,
    axes: &Axes,
    edges: &[f64],
    lo: &[f64],
    hi: &[f64],
    fill: Option<(Rgb, f64)>,
) -> Result<()> {
    for i in 0..lo.len() {
        let (a, b) = (lo[i].min(hi[i]), lo[i].max(hi[i]));
        // NaN bounds (bins without MC) compare false and are skipped too.
        if b.partial_cmp(&a) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        let rect = (
            axes.px(edges[i]),
            axes.py(b),
            axes.px(edges[i + 1]),
            axes.py(a),
        );
        match fill {
            Some((color, alpha)) => c.rect_alpha(rect, color, alpha)?,
            None => hatch(c, rect, BAND_GREY)?,
        }
    }
    Ok(())
}

impl Plot for StackPlot {
    fn draw(&self, c: &mut Canvas) -> Result<()> {
        let p = self.prepare()?;
        let n = p.edges.len() - 1;
        let ratio = p.data.is_some() && !self.skip_ratio && !self.stack.is_empty();
        let (main, lower) = panels(c, ratio, 0.04);
        let x_range = Range::new(p.edges[0], p.edges[n], Scale::Linear);

        // Everything that must fit under the frame top: per bin, the highest drawn value.
        let mut peaks = Vec::with_capacity(n);
        let mut min_positive = f64::INFINITY;
        let mut max_value: f64 = 0.0;
        for b in 0..n {
            let mut top = p.total[b] + p.total_err[b];
            if let Some((u, d)) = &p.syst {
                top = top.max(u[b]).max(d[b]);
            }
            if let Some(data) = &p.data {
                top = top.max(data[b].2);
            }
            for l in &p.lines {
                top = top.max(finite(l.values()[b]));
            }
            // The log axis starts under the smallest total or data point: the stack's lower
            // layers and small lines may run out of the bottom, as in every CMS log plot.
            let candidates = [p.total[b]]
                .into_iter()
                .chain(p.data.as_ref().map(|d| d[b].0));
            for v in candidates {
                if v > 0.0 {
                    min_positive = min_positive.min(v);
                }
            }
            max_value = max_value.max(top);
            peaks.push((b, top));
        }
        let y_lo = match self.y_scale {
            Scale::Linear => 0.0,
            Scale::Log if min_positive.is_finite() => (min_positive * 0.5).max(max_value * 1e-7),
            Scale::Log => 0.1,
        };
        let mut axes = Axes {
            x0: main.0,
            y0: main.1,
            x1: main.2,
            y1: main.3,
            x: x_range,
            y: Range::new(y_lo, y_lo + 1.0, self.y_scale),
        };
        let legend = self.legend();
        let placed = legend.place(c, &axes);
        let mut boxes = vec![(placed.left, axes.x1, placed.bottom)];
        if let Some((right, bottom)) = self.header.annotation_box(c, axes.x0, axes.y0) {
            boxes.push((axes.x0, right, bottom));
        }
        let pixel_peaks: Vec<(f64, f64, f64)> = peaks
            .iter()
            .map(|&(b, top)| (axes.px(p.edges[b]), axes.px(p.edges[b + 1]), top))
            .collect();
        let y_hi = headroom(&axes, &pixel_peaks, &boxes);
        axes.y = Range::new(y_lo, y_hi, self.y_scale);

        // Stacked bars.
        let mut lower_edge = vec![0.0; n];
        for (h, comp) in p.stack.iter().zip(&self.stack) {
            for (b, lower) in lower_edge.iter_mut().enumerate() {
                let upper = *lower + finite(h.values()[b]);
                let (ya, yb) = (axes.py(*lower), axes.py(upper));
                if ya - yb >= 0.5 {
                    let (xa, xb) = (axes.px(p.edges[b]), axes.px(p.edges[b + 1]));
                    c.rect(xa, yb, xb, ya, comp.color)?;
                }
                *lower = upper;
            }
        }
        if !self.stack.is_empty() {
            if let Some((u, d)) = &p.syst {
                draw_band(c, &axes, &p.edges, d, u, Some((SYST_GREY, 0.5)))?;
            }
            let lo: Vec<f64> = (0..n).map(|b| p.total[b] - p.total_err[b]).collect();
            let hi: Vec<f64> = (0..n).map(|b| p.total[b] + p.total_err[b]).collect();
            draw_band(c, &axes, &p.edges, &lo, &hi, None)?;
        }
        for (h, comp) in p.lines.iter().zip(&self.lines) {
            let pts = step_points(&axes, &p.edges, h.values());
            c.line(&pts, comp.color, c.font(3.0))?;
        }
        if let Some(points) = &p.data {
            draw_points(c, &axes, &p.edges, points)?;
        }
        let x_title = x_title(&self.x_title, self.unit.as_deref());
        let y_title = self.y_title();
        axes.frame(
            c,
            &FrameText {
                x_title: (!ratio).then_some(x_title.as_str()),
                y_title: Some(&y_title),
                x_labels: !ratio,
                skip_lowest_y: ratio,
                skip_top_y: false,
                x_categories: None,
            },
        )?;
        legend.draw(c, &axes)?;
        self.header.draw_annotation(c, axes.x0, axes.y0)?;
        self.header.draw(c, axes.x0, axes.x1, axes.y0)?;

        if let (Some(r), Some(points)) = (lower, &p.data) {
            let (lo, hi) = self.ratio_range;
            let raxes = Axes {
                x0: r.0,
                y0: r.1,
                x1: r.2,
                y1: r.3,
                x: x_range,
                y: Range::new(lo, hi, Scale::Linear).with_intervals(3.0),
            };
            let mc = &p.total;
            let rel = |v: f64, b: usize| if mc[b] > 0.0 { v / mc[b] } else { f64::NAN };
            if let Some((u, d)) = &p.syst {
                let ru: Vec<f64> = (0..n).map(|b| rel(u[b], b)).collect();
                let rd: Vec<f64> = (0..n).map(|b| rel(d[b], b)).collect();
                draw_band(c, &raxes, &p.edges, &rd, &ru, Some((SYST_GREY, 0.5)))?;
            }
            let slo: Vec<f64> = (0..n).map(|b| rel(mc[b] - p.total_err[b], b)).collect();
            let shi: Vec<f64> = (0..n).map(|b| rel(mc[b] + p.total_err[b], b)).collect();
            draw_band(c, &raxes, &p.edges, &slo, &shi, None)?;
            let one = raxes.py(1.0);
            c.dashed(
                &[(raxes.x0, one), (raxes.x1, one)],
                Rgb::BLACK,
                c.font(1.5),
                c.font(8.0),
            )?;
            let ratios: Vec<(f64, f64, f64)> = points
                .iter()
                .enumerate()
                .map(|(b, &(v, l, h))| {
                    if mc[b] > 0.0 {
                        (v / mc[b], l / mc[b], h / mc[b])
                    } else {
                        (f64::NAN, f64::NAN, f64::NAN)
                    }
                })
                .collect();
            draw_points(c, &raxes, &p.edges, &ratios)?;
            raxes.frame(
                c,
                &FrameText {
                    x_title: Some(&x_title),
                    y_title: Some("Data / MC"),
                    x_labels: true,
                    skip_lowest_y: false,
                    skip_top_y: true,
                    x_categories: None,
                },
            )?;
        }
        Ok(())
    }
}
