//! Drawing primitives over plotters' bitmap and SVG backends, and text with sub- and
//! superscripts in the embedded font.
//!
//! Plots draw in pixel coordinates (origin top left, y down) through [`Canvas`]; the backend
//! differences (how plotters places text on each) stay in [`PlottersPainter`].

use std::sync::Once;

use plotters::coord::Shift as AreaShift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle, FontTransform, RGBAColor};

use crate::text::{label_runs, Shift};
use crate::{Error, Result, Rgb};

static FONT_REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static FONT_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
static FONT_OBLIQUE: &[u8] = include_bytes!("../fonts/DejaVuSans-Oblique.ttf");

/// The embedded fonts (regular, bold, oblique), for the PDF converter.
pub(crate) fn font_files() -> [&'static [u8]; 3] {
    [FONT_REGULAR, FONT_BOLD, FONT_OBLIQUE]
}

/// DejaVu Sans' (ascent − descent) / em: plotters' ab_glyph sizes text by that height, its SVG
/// backend by the em, so SVG sizes are scaled by this to draw the same glyphs.
const HEIGHT_PER_EM: f64 = 2384.0 / 2048.0;

fn register_fonts() -> Result<()> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        let sans = FontFamily::SansSerif.as_str();
        for (style, bytes) in [
            (FontStyle::Normal, FONT_REGULAR),
            (FontStyle::Bold, FONT_BOLD),
            (FontStyle::Oblique, FONT_OBLIQUE),
            (FontStyle::Italic, FONT_OBLIQUE),
        ] {
            if plotters::style::register_font(sans, style, bytes).is_err() {
                result = Err(Error::Draw(
                    "the embedded DejaVu Sans font did not load".into(),
                ));
            }
        }
    });
    result
}

/// Font weight and slant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Weight {
    Normal,
    Bold,
    Italic,
}

impl Weight {
    fn style(self) -> FontStyle {
        match self {
            Weight::Normal => FontStyle::Normal,
            Weight::Bold => FontStyle::Bold,
            Weight::Italic => FontStyle::Oblique,
        }
    }
}

/// Horizontal alignment of a label on its anchor (along the text direction).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// What a backend must draw; plots use it through [`Canvas`].
pub(crate) trait Painter {
    fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb, alpha: f64) -> Result<()>;
    fn polyline(&mut self, points: &[(f64, f64)], color: Rgb, width: f64) -> Result<()>;
    fn circle(&mut self, x: f64, y: f64, r: f64, color: Rgb) -> Result<()>;
    /// Draws `text` with its baseline starting at (x, y); vertical text reads bottom to top.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        size: f64,
        weight: Weight,
        color: Rgb,
        vertical: bool,
    ) -> Result<()>;
    fn text_width(&self, text: &str, size: f64, weight: Weight) -> f64;
}

/// Which plotters backend a [`PlottersPainter`] draws on; they place text differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    Bitmap,
    Svg,
}

pub(crate) struct PlottersPainter<DB: DrawingBackend> {
    area: DrawingArea<DB, AreaShift>,
    backend: Backend,
}

impl<DB: DrawingBackend> PlottersPainter<DB> {
    pub fn new(area: DrawingArea<DB, AreaShift>, backend: Backend) -> Result<Self> {
        register_fonts()?;
        area.fill(&WHITE).map_err(draw_error)?;
        Ok(PlottersPainter { area, backend })
    }

    pub fn finish(self) -> Result<()> {
        self.area.present().map_err(draw_error)
    }
}

fn draw_error(e: impl std::fmt::Display) -> Error {
    Error::Draw(e.to_string())
}

fn rgba(color: Rgb, alpha: f64) -> RGBAColor {
    RGBAColor(color.0, color.1, color.2, alpha)
}

fn px(v: f64) -> i32 {
    // Non-finite coordinates never reach here (plots clamp to the frame); the cast saturates
    // anyway.
    v.round() as i32
}

impl<DB: DrawingBackend> Painter for PlottersPainter<DB> {
    fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb, alpha: f64) -> Result<()> {
        let (a, b) = ((px(x0), px(y0)), (px(x1), px(y1)));
        if a.0 == b.0 || a.1 == b.1 {
            return Ok(());
        }
        self.area
            .draw(&Rectangle::new([a, b], rgba(color, alpha).filled()))
            .map_err(draw_error)
    }

    fn polyline(&mut self, points: &[(f64, f64)], color: Rgb, width: f64) -> Result<()> {
        let points: Vec<(i32, i32)> = points.iter().map(|&(x, y)| (px(x), px(y))).collect();
        let style = rgba(color, 1.0).stroke_width(width.round().max(1.0) as u32);
        self.area
            .draw(&PathElement::new(points, style))
            .map_err(draw_error)
    }

    fn circle(&mut self, x: f64, y: f64, r: f64, color: Rgb) -> Result<()> {
        let r = r.round().max(1.0) as i32;
        self.area
            .draw(&Circle::new((px(x), px(y)), r, rgba(color, 1.0).filled()))
            .map_err(draw_error)
    }

    fn text(
        &mut self,
        text: &str,
        x: f64,
        y: f64,
        size: f64,
        weight: Weight,
        color: Rgb,
        vertical: bool,
    ) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        // Both backends anchor text at its top left; the baseline lies `below` under it:
        // ab_glyph draws it half a size down, SVG 0.76 em down (plotters' `dy`).
        let (plotters_size, below) = match self.backend {
            Backend::Bitmap => (size, size / 2.0),
            Backend::Svg => (size * 1.24 / HEIGHT_PER_EM, 0.76 * size / HEIGHT_PER_EM),
        };
        let (ax, ay) = if vertical {
            (x - below, y)
        } else {
            (x, y - below)
        };
        let mut font = FontDesc::new(FontFamily::SansSerif, plotters_size, weight.style());
        if vertical {
            font = font.transform(FontTransform::Rotate270);
        }
        let style = font
            .color(&rgba(color, 1.0))
            .pos(Pos::new(HPos::Left, VPos::Top));
        self.area
            .draw_text(text, &style, (px(ax), px(ay)))
            .map_err(draw_error)
    }

    fn text_width(&self, text: &str, size: f64, weight: Weight) -> f64 {
        FontDesc::new(FontFamily::SansSerif, size, weight.style())
            .box_size(text)
            .map_or(0.0, |(w, _)| f64::from(w))
    }
}

/// Size of sub- and superscripts relative to the text.
const SCRIPT_SIZE: f64 = 0.7;

/// Where plots draw: pixel coordinates, y down.
pub struct Canvas<'a> {
    painter: &'a mut dyn Painter,
    width: f64,
    height: f64,
}

impl<'a> Canvas<'a> {
    pub(crate) fn new(painter: &'a mut dyn Painter, width: u32, height: u32) -> Self {
        Canvas {
            painter,
            width: f64::from(width),
            height: f64::from(height),
        }
    }

    pub(crate) fn width(&self) -> f64 {
        self.width
    }

    pub(crate) fn height(&self) -> f64 {
        self.height
    }

    /// The font size in pixels for `points` on a canvas of this size: sizes are given as for
    /// an 800 × 800 plot and scale with the smaller side, so a small PNG keeps its proportions.
    pub(crate) fn font(&self, points: f64) -> f64 {
        points * self.width.min(self.height) / 800.0
    }

    pub(crate) fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb) -> Result<()> {
        self.painter.rect(x0, y0, x1, y1, color, 1.0)
    }

    pub(crate) fn rect_alpha(
        &mut self,
        (x0, y0, x1, y1): (f64, f64, f64, f64),
        color: Rgb,
        alpha: f64,
    ) -> Result<()> {
        self.painter.rect(x0, y0, x1, y1, color, alpha)
    }

    pub(crate) fn line(&mut self, points: &[(f64, f64)], color: Rgb, width: f64) -> Result<()> {
        if points.len() < 2 {
            return Ok(());
        }
        self.painter.polyline(points, color, width)
    }

    /// A dashed polyline: dashes of `dash` pixels with equal gaps, continuing over corners.
    pub(crate) fn dashed(
        &mut self,
        points: &[(f64, f64)],
        color: Rgb,
        width: f64,
        dash: f64,
    ) -> Result<()> {
        let mut on = true;
        let mut left = dash;
        let mut current = vec![];
        for pair in points.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let length = (x1 - x0).hypot(y1 - y0);
            let mut done = 0.0;
            if on && current.is_empty() {
                current.push((x0, y0));
            }
            while length - done > left {
                done += left;
                let t = done / length;
                let p = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
                if on {
                    current.push(p);
                    self.line(&current, color, width)?;
                    current.clear();
                } else {
                    current.push(p);
                }
                on = !on;
                left = dash;
            }
            left -= length - done;
            if on {
                current.push((x1, y1));
            }
        }
        if on {
            self.line(&current, color, width)?;
        }
        Ok(())
    }

    pub(crate) fn circle(&mut self, x: f64, y: f64, r: f64, color: Rgb) -> Result<()> {
        self.painter.circle(x, y, r, color)
    }

    /// Width of a label (with `$…$` markup) at `size`.
    pub(crate) fn label_width(&self, label: &str, size: f64, weight: Weight) -> f64 {
        label_runs(label)
            .iter()
            .map(|run| {
                let s = if run.shift == Shift::Normal {
                    size
                } else {
                    size * SCRIPT_SIZE
                };
                self.painter.text_width(&run.text, s, weight)
            })
            .sum()
    }

    /// Draws a label (with `$…$` markup) with its baseline through (x, y), aligned on x (on y
    /// for vertical text, which reads bottom to top).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn label(
        &mut self,
        label: &str,
        x: f64,
        y: f64,
        size: f64,
        weight: Weight,
        align: Align,
        vertical: bool,
    ) -> Result<()> {
        self.label_colored(label, (x, y), size, weight, align, vertical, Rgb::BLACK)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn label_colored(
        &mut self,
        label: &str,
        (x, y): (f64, f64),
        size: f64,
        weight: Weight,
        align: Align,
        vertical: bool,
        color: Rgb,
    ) -> Result<()> {
        let width = self.label_width(label, size, weight);
        let offset = match align {
            Align::Left => 0.0,
            Align::Center => -width / 2.0,
            Align::Right => -width,
        };
        let mut along = offset;
        for run in label_runs(label) {
            let (s, up) = match run.shift {
                Shift::Normal => (size, 0.0),
                Shift::Sub => (size * SCRIPT_SIZE, -0.2 * size),
                Shift::Sup => (size * SCRIPT_SIZE, 0.4 * size),
            };
            let (rx, ry) = if vertical {
                (x - up, y - along)
            } else {
                (x + along, y - up)
            };
            self.painter
                .text(&run.text, rx, ry, s, weight, color, vertical)?;
            let run_width = self.painter.text_width(&run.text, s, weight);
            if run.bar {
                // Just above lower-case ascenders (t, b, d reach ~0.6 of the size).
                let lift = up + 0.68 * s;
                let ends = [along + 0.12 * run_width, along + 0.92 * run_width].map(|a| {
                    if vertical {
                        (x - lift, y - a)
                    } else {
                        (x + a, y - lift)
                    }
                });
                self.painter.polyline(&ends, color, (0.06 * s).max(1.0))?;
            }
            along += run_width;
        }
        Ok(())
    }
}
