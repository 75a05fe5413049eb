//! The 2D plot: a colour map with a colour bar.

use crate::canvas::{Align, Canvas, Weight};
use crate::color::viridis;
use crate::data::Hist2D;
use crate::frame::{size, Axes, FrameText, Header};
use crate::ticks::{Range, Scale};
use crate::{Plot, Result, Rgb};

/// A 2D histogram as a colour map (viridis). Empty bins, and bins a log z scale cannot show,
/// stay white.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot2D {
    /// The histogram.
    pub hist: Hist2D,
    /// X axis title (markup allowed, unit included).
    pub x_title: String,
    /// Y axis title.
    pub y_title: String,
    /// Colour bar title.
    pub z_title: String,
    /// Linear or log colour scale.
    pub z_scale: Scale,
    /// Labels above the frame and the category note.
    pub header: Header,
}

impl Plot2D {
    /// A 2D plot with linear z and "Events" on the colour bar.
    pub fn new(hist: Hist2D, x_title: impl Into<String>, y_title: impl Into<String>) -> Plot2D {
        Plot2D {
            hist,
            x_title: x_title.into(),
            y_title: y_title.into(),
            z_title: "Events".to_string(),
            z_scale: Scale::Linear,
            header: Header::default(),
        }
    }
}

impl Plot for Plot2D {
    fn draw(&self, c: &mut Canvas) -> Result<()> {
        let h = &self.hist;
        let (xe, ye) = (h.x_edges(), h.y_edges());
        let (nx, ny) = (xe.len() - 1, ye.len() - 1);
        let (w, hgt) = (c.width(), c.height());
        let axes = Axes {
            x0: w * 0.15,
            y0: hgt * 0.075,
            x1: w * 0.80,
            y1: hgt * 0.885,
            x: Range::new(xe[0], xe[nx], Scale::Linear),
            y: Range::new(ye[0], ye[ny], Scale::Linear),
        };
        let finite = h.values().iter().copied().filter(|v| v.is_finite());
        let (min_pos, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (if v > 0.0 { lo.min(v) } else { lo }, hi.max(v))
        });
        let z = match self.z_scale {
            Scale::Linear => Range::new(0.0, if max > 0.0 { max } else { 1.0 }, Scale::Linear),
            Scale::Log => Range::new(min_pos, max, Scale::Log),
        };
        for ix in 0..nx {
            for iy in 0..ny {
                let v = h.values()[ix * ny + iy];
                // Zero is "no entries": white, as in ROOT's COLZ and mplhep.
                let Some(f) = z.frac(v).filter(|_| v != 0.0 && v.is_finite()) else {
                    continue;
                };
                let rect = (
                    axes.px(xe[ix]),
                    axes.py(ye[iy + 1]),
                    axes.px(xe[ix + 1]),
                    axes.py(ye[iy]),
                );
                c.rect(rect.0, rect.1, rect.2, rect.3, viridis(f))?;
            }
        }
        axes.frame(
            c,
            &FrameText {
                x_title: Some(&self.x_title),
                y_title: Some(&self.y_title),
                x_labels: true,
                skip_lowest_y: false,
                skip_top_y: false,
                x_categories: None,
            },
        )?;
        self.header.draw_annotation(c, axes.x0, axes.y0)?;
        self.header.draw(c, axes.x0, axes.x1, axes.y0)?;
        self.colour_bar(c, &axes, z)
    }
}

impl Plot2D {
    fn colour_bar(&self, c: &mut Canvas, axes: &Axes, z: Range) -> Result<()> {
        let bar = Axes {
            x0: axes.x1 + c.width() * 0.025,
            x1: axes.x1 + c.width() * 0.06,
            y0: axes.y0,
            y1: axes.y1,
            x: Range::new(0.0, 1.0, Scale::Linear),
            y: z,
        };
        let steps = 200;
        let height = bar.y1 - bar.y0;
        for i in 0..steps {
            let f0 = i as f64 / steps as f64;
            let f1 = (i + 1) as f64 / steps as f64;
            let colour = viridis((f0 + f1) / 2.0);
            c.rect(
                bar.x0,
                bar.y1 - f1 * height,
                bar.x1,
                bar.y1 - f0 * height,
                colour,
            )?;
        }
        let line = c.font(2.0).max(1.0);
        let tick = c.font(size::TICK);
        let mut widest: f64 = 0.0;
        let (ticks, power) = z.ticks();
        for t in &ticks {
            let y = bar.py(t.value);
            let l = if t.major { c.font(10.0) } else { c.font(5.0) };
            c.line(&[(bar.x1, y), (bar.x1 - l, y)], Rgb::BLACK, line)?;
            if !t.label.is_empty() {
                let x = bar.x1 + c.font(6.0);
                c.label(
                    &t.label,
                    x,
                    y + 0.36 * tick,
                    tick,
                    Weight::Normal,
                    Align::Left,
                    false,
                )?;
                widest = widest.max(c.label_width(&t.label, tick, Weight::Normal));
            }
        }
        if let Some(p) = power {
            c.label(
                &format!("$\\times10^{{{p}}}$"),
                bar.x0,
                bar.y0 - c.font(6.0),
                tick,
                Weight::Normal,
                Align::Left,
                false,
            )?;
        }
        let outline = [
            (bar.x0, bar.y0),
            (bar.x1, bar.y0),
            (bar.x1, bar.y1),
            (bar.x0, bar.y1),
            (bar.x0, bar.y0),
        ];
        c.line(&outline, Rgb::BLACK, line)?;
        let title = c.font(size::TITLE);
        let x = bar.x1 + c.font(6.0) + widest + title * 1.05;
        c.label(
            &self.z_title,
            x,
            bar.y0,
            title,
            Weight::Normal,
            Align::Right,
            true,
        )
    }
}
