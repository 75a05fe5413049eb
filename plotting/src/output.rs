//! Rendering a plot to PNG, SVG or PDF, and writing files atomically.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use plotters::prelude::{BitMapBackend, IntoDrawingArea, SVGBackend};
use svg2pdf::usvg;

use crate::canvas::{font_files, Backend, Canvas, PlottersPainter};
use crate::{Error, Plot, Result};

/// An image file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// PNG bitmap (plotters' bitmap backend, encoded with the `png` crate).
    Png,
    /// SVG (plotters' SVG backend); text stays text, in the font family `sans-serif`.
    Svg,
    /// PDF, converted from the SVG by `svg2pdf` with the embedded font.
    Pdf,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Png, Format::Svg, Format::Pdf];

    /// The file extension, without dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        }
    }

    /// The format a path's extension names.
    pub fn from_path(path: &Path) -> Result<Format> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(|e| e.to_ascii_lowercase().parse().ok())
            .ok_or_else(|| Error::UnknownFormat {
                path: path.to_path_buf(),
            })
    }
}

impl std::str::FromStr for Format {
    type Err = Error;

    /// `png`, `svg` or `pdf` (the values of `--file-types`).
    fn from_str(s: &str) -> Result<Format> {
        match s {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            "pdf" => Ok(Format::Pdf),
            other => Err(Error::FormatName(other.to_string())),
        }
    }
}

/// Image size in pixels (PNG) or user units (SVG; the PDF page is this many points).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageSize {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Default for ImageSize {
    /// 800 × 800, the size the fonts are designed for.
    fn default() -> ImageSize {
        ImageSize {
            width: 800,
            height: 800,
        }
    }
}

impl ImageSize {
    /// A size; each side must lie in 64..=8192.
    pub fn new(width: u32, height: u32) -> Result<ImageSize> {
        let ok = |v: u32| (64..=8192).contains(&v);
        if ok(width) && ok(height) {
            Ok(ImageSize { width, height })
        } else {
            Err(Error::Size { width, height })
        }
    }
}

fn check(size: ImageSize) -> Result<()> {
    ImageSize::new(size.width, size.height).map(|_| ())
}

/// The plot as an SVG document.
pub fn render_svg(plot: &dyn Plot, size: ImageSize) -> Result<String> {
    check(size)?;
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (size.width, size.height)).into_drawing_area();
        let mut painter = PlottersPainter::new(area, Backend::Svg)?;
        plot.draw(&mut Canvas::new(&mut painter, size.width, size.height))?;
        painter.finish()?;
    }
    Ok(svg)
}

/// The plot as RGB pixels, row by row (3 bytes per pixel).
pub fn render_rgb(plot: &dyn Plot, size: ImageSize) -> Result<Vec<u8>> {
    check(size)?;
    let mut pixels = vec![255u8; size.width as usize * size.height as usize * 3];
    {
        let area =
            BitMapBackend::with_buffer(&mut pixels, (size.width, size.height)).into_drawing_area();
        let mut painter = PlottersPainter::new(area, Backend::Bitmap)?;
        plot.draw(&mut Canvas::new(&mut painter, size.width, size.height))?;
        painter.finish()?;
    }
    Ok(pixels)
}

/// The plot as a PNG file's bytes.
pub fn render_png(plot: &dyn Plot, size: ImageSize) -> Result<Vec<u8>> {
    let pixels = render_rgb(plot, size)?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size.width, size.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Plots are flat colour areas: fast compression is within a few per cent of the best and
    // several times quicker.
    encoder.set_compression(png::Compression::Fast);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(out)
}

/// The embedded fonts as usvg's font database, with `sans-serif` resolving to DejaVu Sans.
fn font_db() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        for bytes in font_files() {
            db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(bytes)));
        }
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// The plot as a PDF file's bytes (its SVG converted by `svg2pdf`, text embedded as DejaVu
/// Sans subsets).
pub fn render_pdf(plot: &dyn Plot, size: ImageSize) -> Result<Vec<u8>> {
    let svg = render_svg(plot, size)?;
    svg_to_pdf(&svg)
}

fn svg_to_pdf(svg: &str) -> Result<Vec<u8>> {
    let options = usvg::Options {
        fontdb: font_db(),
        font_family: "DejaVu Sans".to_string(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| Error::Pdf(e.to_string()))?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(|e| Error::Pdf(e.to_string()))
}

/// The plot's file bytes in `format`.
pub fn render(plot: &dyn Plot, format: Format, size: ImageSize) -> Result<Vec<u8>> {
    match format {
        Format::Png => render_png(plot, size),
        Format::Svg => render_svg(plot, size).map(String::into_bytes),
        Format::Pdf => render_pdf(plot, size),
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory renamed into
/// place, so a reader never sees a partial plot. Missing parent directories are created; the
/// file gets the usual permissions (the umask's), not a temporary file's private ones.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let fail = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("plot");
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        // Best effort: the temporary file may not exist when opening it failed.
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(fail)
}

/// Renders the plot in the format its extension names and writes it atomically.
pub fn save(plot: &dyn Plot, path: impl AsRef<Path>, size: ImageSize) -> Result<()> {
    let path = path.as_ref();
    let bytes = render(plot, Format::from_path(path)?, size)?;
    write_atomic(path, &bytes)
}

/// Writes `stem.png`, `stem.svg`, … for each format (`--file-types`), drawing the plot once
/// for the bitmap and once for SVG and PDF together; returns the paths written.
pub fn save_all(
    plot: &dyn Plot,
    stem: impl AsRef<Path>,
    formats: &[Format],
    size: ImageSize,
) -> Result<Vec<PathBuf>> {
    let stem = stem.as_ref();
    let mut svg = None;
    let mut written = Vec::new();
    for &format in formats {
        let mut path = stem.as_os_str().to_owned();
        path.push(".");
        path.push(format.extension());
        let path = PathBuf::from(path);
        let bytes = match format {
            Format::Png => render_png(plot, size)?,
            Format::Svg | Format::Pdf => {
                if svg.is_none() {
                    svg = Some(render_svg(plot, size)?);
                }
                let text = svg.as_deref().unwrap_or_default();
                if format == Format::Svg {
                    text.as_bytes().to_vec()
                } else {
                    svg_to_pdf(text)?
                }
            }
        };
        write_atomic(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}
