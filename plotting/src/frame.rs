//! What all plots share: axes with CMS-style ticks, the header (CMS label, luminosity and
//! energy), the legend and hatched bands.

use crate::canvas::{Align, Canvas, Weight};
use crate::ticks::{Range, Scale};
use crate::{Error, Result, Rgb};

/// Font sizes in pixels for an 800 × 800 plot; [`Canvas::font`] scales them.
pub(crate) mod size {
    pub const TICK: f64 = 22.0;
    pub const TITLE: f64 = 26.0;
    pub const CMS: f64 = 34.0;
    pub const CMS_EXTRA: f64 = 27.0;
    pub const LUMI: f64 = 24.0;
    pub const LEGEND: f64 = 21.0;
}

const GREY: Rgb = Rgb(90, 90, 90);

/// The experiment label drawn top left: "CMS" in bold and what kind of result it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CmsLabel {
    /// "CMS *Work in progress*" (`wip`).
    #[default]
    WorkInProgress,
    /// "CMS *Preliminary*" (`pre`).
    Preliminary,
    /// "CMS *Simulation*" (`sim`).
    Simulation,
    /// "CMS" alone, for published results (`public`).
    Public,
    /// No label (`skip`).
    Skip,
}

impl std::str::FromStr for CmsLabel {
    type Err = Error;

    /// The names of columnflow's `--cms-label`: `wip`, `pre`, `sim`, `public`, `skip`.
    fn from_str(s: &str) -> Result<CmsLabel> {
        Ok(match s {
            "wip" => CmsLabel::WorkInProgress,
            "pre" => CmsLabel::Preliminary,
            "sim" => CmsLabel::Simulation,
            "public" => CmsLabel::Public,
            "skip" => CmsLabel::Skip,
            other => {
                return Err(Error::Empty(format!(
                    "unknown CMS label {other:?} (use wip, pre, sim, public or skip)"
                )))
            }
        })
    }
}

/// The text above the frame and the category note inside it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Header {
    /// The CMS label, top left.
    pub cms: CmsLabel,
    /// Integrated luminosity in fb⁻¹, top right (pb⁻¹ is written below 0.1 fb⁻¹).
    pub lumi_fb: Option<f64>,
    /// Centre-of-mass energy in TeV, top right.
    pub energy_tev: Option<f64>,
    /// A note inside the frame, top left (the category, e.g. `"$\mu$, 4j 2b"`).
    pub annotation: Option<String>,
}

/// `value` with three significant digits and no trailing zeros.
pub(crate) fn short_number(value: f64) -> String {
    if value >= 100.0 {
        return format!("{}", value.round());
    }
    let decimals = (2 - value.abs().log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{value:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

impl Header {
    pub(crate) fn lumi_text(&self) -> String {
        let lumi = self.lumi_fb.filter(|l| l.is_finite() && *l > 0.0).map(|l| {
            if l < 0.1 {
                format!("{} pb⁻¹", short_number(l * 1000.0))
            } else {
                format!("{} fb⁻¹", short_number(l))
            }
        });
        let energy = self
            .energy_tev
            .filter(|e| e.is_finite())
            .map(|e| format!("({} TeV)", short_number(e)));
        match (lumi, energy) {
            (Some(l), Some(e)) => format!("{l} {e}"),
            (Some(l), None) => l,
            (None, Some(e)) => e,
            (None, None) => String::new(),
        }
    }

    /// Draws the labels above the frame spanning `x0..x1` whose top is at `y0`.
    pub(crate) fn draw(&self, c: &mut Canvas, x0: f64, x1: f64, y0: f64) -> Result<()> {
        let baseline = y0 - c.font(10.0);
        let extra = match self.cms {
            CmsLabel::WorkInProgress => Some("Work in progress"),
            CmsLabel::Preliminary => Some("Preliminary"),
            CmsLabel::Simulation => Some("Simulation"),
            CmsLabel::Public => None,
            CmsLabel::Skip => None,
        };
        if self.cms != CmsLabel::Skip {
            let size = c.font(size::CMS);
            c.label("CMS", x0, baseline, size, Weight::Bold, Align::Left, false)?;
            if let Some(extra) = extra {
                let x = x0 + c.label_width("CMS", size, Weight::Bold) + c.font(10.0);
                let s = c.font(size::CMS_EXTRA);
                c.label(extra, x, baseline, s, Weight::Italic, Align::Left, false)?;
            }
        }
        let lumi = self.lumi_text();
        let s = c.font(size::LUMI);
        c.label(&lumi, x1, baseline, s, Weight::Normal, Align::Right, false)
    }

    /// Draws the annotation inside the frame's top left corner and returns its bottom edge
    /// (`y0` without one).
    pub(crate) fn draw_annotation(&self, c: &mut Canvas, x0: f64, y0: f64) -> Result<f64> {
        let Some(text) = &self.annotation else {
            return Ok(y0);
        };
        let s = c.font(size::TITLE);
        let baseline = y0 + c.font(16.0) + s;
        c.label(
            text,
            x0 + c.font(20.0),
            baseline,
            s,
            Weight::Normal,
            Align::Left,
            false,
        )?;
        Ok(baseline + 0.3 * s)
    }

    pub(crate) fn annotation_box(&self, c: &Canvas, x0: f64, y0: f64) -> Option<(f64, f64)> {
        let text = self.annotation.as_ref()?;
        let s = c.font(size::TITLE);
        let right = x0 + c.font(20.0) + c.label_width(text, s, Weight::Normal) + c.font(10.0);
        Some((right, y0 + c.font(16.0) + 1.3 * s))
    }
}

/// A plot panel: a pixel rectangle and the value ranges it shows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Axes {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
    pub x: Range,
    pub y: Range,
}

/// What a panel's frame shows besides its ticks.
#[derive(Default)]
pub(crate) struct FrameText<'a> {
    pub x_title: Option<&'a str>,
    pub y_title: Option<&'a str>,
    /// Label the x ticks (false on a panel above a ratio panel).
    pub x_labels: bool,
    /// Leave out a y label at the very bottom, which would touch the panel below.
    pub skip_lowest_y: bool,
    /// Leave out a y label at the very top, which would touch the panel above.
    pub skip_top_y: bool,
    /// Category names centred on the bins of the x axis, instead of numbers.
    pub x_categories: Option<&'a [String]>,
}

impl Axes {
    pub fn px(&self, v: f64) -> f64 {
        self.x0 + self.x.frac_clamped(v) * (self.x1 - self.x0)
    }

    pub fn py(&self, v: f64) -> f64 {
        self.y1 - self.y.frac_clamped(v) * (self.y1 - self.y0)
    }

    /// Whether `v` lies inside the y range (inclusive).
    pub fn shows_y(&self, v: f64) -> bool {
        self.y
            .frac(v)
            .is_some_and(|f| (-1e-9..=1.0 + 1e-9).contains(&f))
    }

    /// Frame, inward ticks on all four sides (labelled left and bottom) and axis titles.
    pub fn frame(&self, c: &mut Canvas, text: &FrameText) -> Result<()> {
        let major = c.font(16.0);
        let minor = c.font(8.0);
        let line = c.font(2.0).max(1.0);
        let tick_size = c.font(size::TICK);
        let (x_ticks, x_power) = self.x.ticks();
        if text.x_categories.is_none() {
            for t in &x_ticks {
                let x = self.px(t.value);
                let l = if t.major { major } else { minor };
                c.line(&[(x, self.y1), (x, self.y1 - l)], Rgb::BLACK, line)?;
                c.line(&[(x, self.y0), (x, self.y0 + l)], Rgb::BLACK, line)?;
                if text.x_labels && !t.label.is_empty() {
                    let base = self.y1 + tick_size * 1.25;
                    c.label(
                        &t.label,
                        x,
                        base,
                        tick_size,
                        Weight::Normal,
                        Align::Center,
                        false,
                    )?;
                }
            }
        }
        let (y_ticks, y_power) = self.y.ticks();
        let mut widest: f64 = 0.0;
        for t in &y_ticks {
            let y = self.py(t.value);
            let l = if t.major { major } else { minor };
            c.line(&[(self.x0, y), (self.x0 + l, y)], Rgb::BLACK, line)?;
            c.line(&[(self.x1, y), (self.x1 - l, y)], Rgb::BLACK, line)?;
            let skip = (text.skip_lowest_y && self.y1 - y < 0.4 * tick_size)
                || (text.skip_top_y && y - self.y0 < 0.4 * tick_size);
            if !t.label.is_empty() && !skip {
                let x = self.x0 - c.font(8.0);
                c.label(
                    &t.label,
                    x,
                    y + 0.36 * tick_size,
                    tick_size,
                    Weight::Normal,
                    Align::Right,
                    false,
                )?;
                widest = widest.max(c.label_width(&t.label, tick_size, Weight::Normal));
            }
        }
        if let Some(p) = y_power {
            let s = c.font(size::TICK);
            c.label(
                &format!("$\\times10^{{{p}}}$"),
                self.x0,
                self.y0 - c.font(6.0),
                s,
                Weight::Normal,
                Align::Left,
                false,
            )?;
        }
        if let Some(cats) = text.x_categories {
            self.category_labels(c, cats, &mut widest)?;
        }
        let title = c.font(size::TITLE);
        if let Some(t) = text.x_title {
            let mut below = tick_size * 1.25 + title * 1.35;
            if let Some(p) = x_power.filter(|_| text.x_labels) {
                let s = c.font(size::TICK);
                c.label(
                    &format!("$\\times10^{{{p}}}$"),
                    self.x1,
                    self.y1 + tick_size * 2.5,
                    s,
                    Weight::Normal,
                    Align::Right,
                    false,
                )?;
                below += tick_size * 1.2;
            }
            if text.x_categories.is_some() {
                below = self.category_depth(c, text.x_categories.unwrap_or_default()) + title * 1.2;
            }
            c.label(
                t,
                self.x1,
                self.y1 + below,
                title,
                Weight::Normal,
                Align::Right,
                false,
            )?;
        }
        if let Some(t) = text.y_title {
            let x = self.x0 - c.font(8.0) - widest.max(tick_size) - title * 0.45;
            c.label(t, x, self.y0, title, Weight::Normal, Align::Right, true)?;
        }
        let frame = [
            (self.x0, self.y0),
            (self.x1, self.y0),
            (self.x1, self.y1),
            (self.x0, self.y1),
            (self.x0, self.y0),
        ];
        c.line(&frame, Rgb::BLACK, line)
    }

    /// Whether category labels must be drawn vertically to fit their bins.
    fn categories_vertical(&self, c: &Canvas, cats: &[String]) -> bool {
        let s = c.font(size::TICK);
        let bin = (self.x1 - self.x0) / cats.len().max(1) as f64;
        cats.iter()
            .any(|l| c.label_width(l, s, Weight::Normal) > 0.9 * bin)
    }

    /// How far below the frame the category labels reach.
    pub(crate) fn category_depth(&self, c: &Canvas, cats: &[String]) -> f64 {
        let s = c.font(size::TICK);
        if self.categories_vertical(c, cats) {
            let longest = cats
                .iter()
                .map(|l| c.label_width(l, s, Weight::Normal))
                .fold(0.0, f64::max);
            longest + c.font(10.0)
        } else {
            s * 1.25
        }
    }

    fn category_labels(&self, c: &mut Canvas, cats: &[String], _widest: &mut f64) -> Result<()> {
        let s = c.font(size::TICK);
        let vertical = self.categories_vertical(c, cats);
        let n = cats.len().max(1) as f64;
        let line = c.font(2.0).max(1.0);
        for (i, label) in cats.iter().enumerate() {
            let x = self.x0 + (i as f64 + 0.5) / n * (self.x1 - self.x0);
            let edge = self.x0 + (i as f64) / n * (self.x1 - self.x0);
            if i > 0 {
                c.line(
                    &[(edge, self.y1), (edge, self.y1 - c.font(10.0))],
                    Rgb::BLACK,
                    line,
                )?;
            }
            if vertical {
                c.label(
                    label,
                    x + 0.35 * s,
                    self.y1 + c.font(8.0),
                    s,
                    Weight::Normal,
                    Align::Right,
                    true,
                )?;
            } else {
                c.label(
                    label,
                    x,
                    self.y1 + s * 1.25,
                    s,
                    Weight::Normal,
                    Align::Center,
                    false,
                )?;
            }
        }
        Ok(())
    }
}

/// Diagonal hatching (`///`) of a rectangle, on a grid shared by all rectangles so that
/// neighbouring bins join into one pattern.
pub(crate) fn hatch(
    c: &mut Canvas,
    (x0, y0, x1, y1): (f64, f64, f64, f64),
    color: Rgb,
) -> Result<()> {
    let (x0, x1) = (x0.min(x1), x0.max(x1));
    let (y0, y1) = (y0.min(y1), y0.max(y1));
    if x1 - x0 < 0.5 || y1 - y0 < 0.5 {
        return Ok(());
    }
    let spacing = c.font(10.0).max(3.0);
    let width = c.font(1.2).max(1.0);
    // Lines x + y = k.
    let mut k = ((x0 + y0) / spacing).ceil() * spacing;
    while k <= x1 + y1 {
        let lo = x0.max(k - y1);
        let hi = x1.min(k - y0);
        if hi > lo {
            c.line(&[(lo, k - lo), (hi, k - hi)], color, width)?;
        }
        k += spacing;
    }
    Ok(())
}

/// How an entry is drawn in the legend.
#[derive(Clone, Debug)]
pub(crate) enum Symbol {
    Fill(Rgb),
    Line { color: Rgb, dashed: bool },
    Data,
    Hatch,
    Band(Rgb, f64),
}

pub(crate) struct Legend {
    pub entries: Vec<(Symbol, String)>,
}

/// Where a legend sits: its left and bottom edge in pixels.
pub(crate) struct Placed {
    pub left: f64,
    pub bottom: f64,
}

impl Legend {
    fn columns(&self) -> usize {
        if self.entries.len() > 5 {
            2
        } else {
            1
        }
    }

    fn metrics(&self, c: &Canvas) -> (f64, f64, f64, Vec<f64>) {
        let s = c.font(size::LEGEND);
        let row = s * 1.45;
        let symbol = s * 1.9;
        let cols = self.columns();
        let rows = self.entries.len().div_ceil(cols);
        let widths: Vec<f64> = (0..cols)
            .map(|col| {
                self.entries
                    .iter()
                    .skip(col * rows)
                    .take(rows)
                    .map(|(_, l)| c.label_width(l, s, Weight::Normal))
                    .fold(0.0, f64::max)
                    + symbol
                    + s * 0.6
            })
            .collect();
        (s, row, symbol, widths)
    }

    /// The box the legend takes inside the top right corner of `axes`.
    pub fn place(&self, c: &Canvas, axes: &Axes) -> Placed {
        let (_, row, _, widths) = self.metrics(c);
        let rows = self.entries.len().div_ceil(self.columns());
        let pad = c.font(18.0);
        let total: f64 = widths.iter().sum::<f64>() + c.font(16.0) * (widths.len() as f64 - 1.0);
        Placed {
            left: axes.x1 - pad - total,
            bottom: axes.y0 + pad + row * rows as f64,
        }
    }

    pub fn draw(&self, c: &mut Canvas, axes: &Axes) -> Result<()> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let (s, row, symbol, widths) = self.metrics(c);
        let placed = self.place(c, axes);
        let rows = self.entries.len().div_ceil(self.columns());
        let top = axes.y0 + c.font(18.0);
        let mut x = placed.left;
        for (col, width) in widths.iter().enumerate() {
            for (r, (sym, label)) in self.entries.iter().skip(col * rows).take(rows).enumerate() {
                let yc = top + row * (r as f64 + 0.5);
                let (bx0, bx1) = (x, x + symbol * 0.8);
                let (by0, by1) = (yc - s * 0.4, yc + s * 0.4);
                match sym {
                    Symbol::Fill(color) => c.rect(bx0, by0, bx1, by1, *color)?,
                    Symbol::Line { color, dashed } => {
                        let w = c.font(3.0);
                        if *dashed {
                            c.dashed(&[(bx0, yc), (bx1, yc)], *color, w, c.font(7.0))?;
                        } else {
                            c.line(&[(bx0, yc), (bx1, yc)], *color, w)?;
                        }
                    }
                    Symbol::Data => {
                        let xm = (bx0 + bx1) / 2.0;
                        c.line(
                            &[(xm, by0 - s * 0.1), (xm, by1 + s * 0.1)],
                            Rgb::BLACK,
                            c.font(2.0),
                        )?;
                        c.circle(xm, yc, c.font(5.5), Rgb::BLACK)?;
                    }
                    Symbol::Hatch => hatch(c, (bx0, by0, bx1, by1), GREY)?,
                    Symbol::Band(color, alpha) => {
                        c.rect_alpha((bx0, by0, bx1, by1), *color, *alpha)?
                    }
                }
                c.label(
                    label,
                    bx1 + s * 0.5,
                    yc + 0.36 * s,
                    s,
                    Weight::Normal,
                    Align::Left,
                    false,
                )?;
            }
            x += width + c.font(16.0);
        }
        Ok(())
    }
}

/// The largest y range top so that each `(x pixel span, top value)` stays under the regions
/// given as (left, right, bottom) pixel boxes hanging from the frame top, and everything
/// stays 5 % under the frame top.
pub(crate) fn headroom(axes: &Axes, peaks: &[(f64, f64, f64)], boxes: &[(f64, f64, f64)]) -> f64 {
    let height = axes.y1 - axes.y0;
    let lo = axes.y.lo;
    let mut top = match axes.y.scale {
        Scale::Linear => lo + 1e-9,
        Scale::Log => lo * 10.0,
    };
    for &(px0, px1, value) in peaks {
        if !(value.is_finite() && value > lo) {
            continue;
        }
        let mut limit: f64 = 0.95;
        for &(left, right, bottom) in boxes {
            if px1 > left && px0 < right {
                limit = limit.min((axes.y1 - bottom) / height - 0.02);
            }
        }
        let limit = limit.max(0.3);
        let needed = match axes.y.scale {
            Scale::Linear => lo + (value - lo) / limit,
            Scale::Log => 10f64.powf(lo.log10() + (value.log10() - lo.log10()) / limit),
        };
        top = top.max(needed);
    }
    top
}
