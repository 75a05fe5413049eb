//! CMS-style plots of cf histograms as PNG, SVG and PDF.
//!
//! The plots take prepared binned data ([`Hist1D`], [`Hist2D`], per-step numbers) with labels
//! and colours, not config objects: the plot tasks build them from histograms and the config,
//! and this crate stays free of both.
//!
//! - [`StackPlot`]: MC stacked, other processes as lines (optionally scaled, "×100" in the
//!   legend), data with Garwood 68 % errors, hatched MC statistical band, grey systematic
//!   band, ratio panel data / MC (0.72–1.28 by default), legend, CMS label, luminosity and
//!   energy, linear or log y, shape normalisation, density, flow folding.
//! - [`Plot2D`]: a colour map with a colour bar, linear or log z.
//! - [`ShiftedPlot`]: nominal with up (solid) and down (dashed) per source, and their ratio.
//! - [`CutflowPlot`]: events per selection step per process on a categorical axis.
//!
//! Every plot is drawn with [`save`], [`save_all`] or [`render`] in an [`ImageSize`] (800 ×
//! 800 by default; fonts scale with the smaller side).
//!
//! # Text
//!
//! Text is drawn in DejaVu Sans, embedded in the crate, so plots look the same on a machine
//! without fonts: plotters renders it through `ab_glyph` for PNG, the SVG names the family
//! `sans-serif`, and the PDF embeds subsets of the same font. Labels may use the `$…$` markup
//! of configs (`$t\bar{t}$`, `$p_{T}$`, `$\mu$`); [`text`] says what it understands.
//!
//! # Example
//!
//! ```
//! use cf_plot::{Component, Hist1D, ImageSize, Rgb, StackPlot, Format};
//!
//! let edges = vec![0.0, 50.0, 100.0, 200.0];
//! let mut plot = StackPlot::new("Leading jet $p_{T}$");
//! plot.unit = Some("GeV".into());
//! plot.stack.push(Component::new("Drell-Yan", Rgb::from_hex("#5790fc")?,
//!     Hist1D::new(edges.clone(), vec![40.0, 25.0, 5.0])?));
//! plot.stack.push(Component::new("$t\\bar{t}$", Rgb::from_hex("#e42536")?,
//!     Hist1D::new(edges.clone(), vec![100.0, 80.0, 20.0])?));
//! plot.data = Some(Hist1D::new(edges, vec![150.0, 98.0, 27.0])?);
//! plot.header.lumi_fb = Some(7.98);
//! plot.header.energy_tev = Some(13.6);
//! let png = cf_plot::render(&plot, Format::Png, ImageSize::default())?;
//! assert!(png.starts_with(b"\x89PNG"));
//! # Ok::<(), cf_plot::Error>(())
//! ```
#![deny(missing_docs)]

mod canvas;
mod color;
mod cutflow;
mod data;
mod error;
mod frame;
mod hist2d;
mod output;
mod shifted;
mod stack;
pub mod stats;
pub mod text;
mod ticks;

pub use canvas::Canvas;
pub use color::{Rgb, PALETTE};
pub use cutflow::{CutflowPlot, CutflowProcess};
pub use data::{BinContent, Hist1D, Hist2D};
pub use error::{Error, Result};
pub use frame::{CmsLabel, Header};
pub use hist2d::Plot2D;
pub use output::{
    render, render_pdf, render_png, render_rgb, render_svg, save, save_all, write_atomic, Format,
    ImageSize,
};
pub use shifted::{ShiftSource, ShiftedPlot};
pub use stack::{Component, StackPlot, SystBand};
pub use ticks::Scale;

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::StackPlot {}
    impl Sealed for crate::Plot2D {}
    impl Sealed for crate::ShiftedPlot {}
    impl Sealed for crate::CutflowPlot {}
}

/// A plot this crate can draw: [`StackPlot`], [`Plot2D`], [`ShiftedPlot`], [`CutflowPlot`].
pub trait Plot: sealed::Sealed {
    /// Draws the plot on a canvas (called by [`render`] and friends).
    #[doc(hidden)]
    fn draw(&self, canvas: &mut Canvas) -> Result<()>;
}
