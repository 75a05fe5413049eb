//! TH1D / TH2D object streaming.

use super::buffer::Buffer;
use crate::axis::{Axis, AxisKind};
use crate::error::{Error, Result};
use crate::histogram::Histogram;

struct RootAxis {
    nbins: usize,
    xmin: f64,
    xmax: f64,
    /// Explicit edges for variable binning (ROOT's `fXbins`); empty when regular.
    xbins: Vec<f64>,
    centers: Vec<f64>,
    title: String,
    /// Our extent index for each ROOT bin 0..=nbins+1 (`None`: the axis has no such flow bin).
    map: Vec<Option<usize>>,
}

fn root_axis(h: &Histogram, a: &Axis) -> Result<RootAxis> {
    let edges = a.edges().ok_or_else(|| Error::Unwritable {
        histogram: h.name.clone(),
        format: "ROOT TH1D/TH2D",
        reason: format!(
            "axis `{}` is a category axis; select or project categories away first",
            a.name
        ),
    })?;
    let nbins = a.bins();
    let xbins = match a.kind {
        AxisKind::Variable { .. } => edges.clone(),
        _ => Vec::new(),
    };
    let centers = edges.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
    let first = a.first();
    let mut map = vec![a.underflow.then_some(0)];
    map.extend((0..nbins).map(|i| Some(first + i)));
    map.push(a.overflow.then_some(first + nbins));
    Ok(RootAxis {
        nbins,
        xmin: edges[0],
        xmax: edges[nbins],
        xbins,
        centers,
        title: a.label.clone(),
        map,
    })
}

fn taxis(b: &mut Buffer, name: &str, ax: &RootAxis) {
    let at = b.begin(10);
    b.tnamed(name, &ax.title);
    let att = b.begin(4);
    b.i32(510);
    b.i16(1);
    b.i16(1);
    b.i16(42);
    b.f32(0.005);
    b.f32(0.035);
    b.f32(0.03);
    b.f32(1.0);
    b.f32(0.035);
    b.i16(1);
    b.i16(42);
    b.end(att);
    b.i32(ax.nbins as i32);
    b.f64(ax.xmin);
    b.f64(ax.xmax);
    b.i32(ax.xbins.len() as i32);
    ax.xbins.iter().for_each(|e| b.f64(*e));
    b.i32(0);
    b.i32(0);
    b.u16(0);
    b.u8(0);
    b.tstring("");
    b.null();
    b.null();
    b.end(at);
}

fn unit_axis() -> RootAxis {
    RootAxis {
        nbins: 1,
        xmin: 0.0,
        xmax: 1.0,
        xbins: Vec::new(),
        centers: vec![0.5],
        title: String::new(),
        map: Vec::new(),
    }
}

/// The ROOT class name and streamed bytes of a 1D or 2D histogram with continuous axes.
pub(crate) fn stream(h: &Histogram, name: &str, key_len: usize) -> Result<(&'static str, Vec<u8>)> {
    let dims = h.axes.len();
    if !(1..=2).contains(&dims) {
        return Err(Error::Unwritable {
            histogram: h.name.clone(),
            format: "ROOT TH1D/TH2D",
            reason: format!("it has {dims} axes; project to one or two first"),
        });
    }
    let x = root_axis(h, &h.axes[0])?;
    let y = if dims == 2 {
        root_axis(h, &h.axes[1])?
    } else {
        unit_axis()
    };
    let bins = h.settled();
    let ny_ext = if dims == 2 { h.axes[1].extent() } else { 1 };
    let (nx2, ny2) = (x.nbins + 2, if dims == 2 { y.nbins + 2 } else { 1 });
    let ncells = nx2 * ny2;
    let mut values = vec![0.0; ncells];
    let mut variances = vec![0.0; ncells];
    let (mut sw, mut sw2, mut swx, mut swx2, mut swy, mut swy2, mut swxy) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let mut entries = 0.0;
    for by in 0..ny2 {
        let oy = if dims == 2 { y.map[by] } else { Some(0) };
        for bx in 0..nx2 {
            let (Some(ox), Some(oy)) = (x.map[bx], oy) else {
                continue;
            };
            let ours = ox * ny_ext + oy;
            let v = bins.values[ours];
            let var = bins.variances.as_ref().map_or(v, |var| var[ours]);
            let cell = bx + nx2 * by;
            values[cell] = v;
            variances[cell] = var;
            entries += v;
            let in_x = (1..=x.nbins).contains(&bx);
            let in_y = dims == 1 || (1..=y.nbins).contains(&by);
            if in_x && in_y {
                let cx = x.centers[bx - 1];
                let cy = if dims == 2 { y.centers[by - 1] } else { 0.0 };
                sw += v;
                sw2 += var;
                swx += v * cx;
                swx2 += v * cx * cx;
                swy += v * cy;
                swy2 += v * cy * cy;
                swxy += v * cx * cy;
            }
        }
    }
    let mut b = Buffer::new(key_len);
    let class = if dims == 2 { "TH2D" } else { "TH1D" };
    let outer = b.begin(if dims == 2 { 4 } else { 3 });
    let th2 = (dims == 2).then(|| b.begin(5));
    let th1 = b.begin(8);
    b.tnamed(name, &h.title);
    let line = b.begin(2);
    b.i16(602);
    b.i16(1);
    b.i16(1);
    b.end(line);
    let fill = b.begin(2);
    b.i16(0);
    b.i16(1001);
    b.end(fill);
    let marker = b.begin(2);
    b.i16(1);
    b.i16(1);
    b.f32(1.0);
    b.end(marker);
    b.i32(ncells as i32);
    taxis(&mut b, "xaxis", &x);
    taxis(&mut b, "yaxis", &y);
    taxis(&mut b, "zaxis", &unit_axis());
    b.i16(0);
    b.i16(1000);
    for v in [entries, sw, sw2, swx, swx2, -1111.0, -1111.0, 0.0] {
        b.f64(v);
    }
    b.i32(0);
    // Without stored sums of squares ROOT takes the contents as Poisson counts, as hist does.
    if bins.variances.is_some() {
        b.i32(ncells as i32);
        variances.iter().for_each(|v| b.f64(*v));
    } else {
        b.i32(0);
    }
    b.tstring("");
    // `fFunctions` is a "->" pointer: streamed in place, without a class tag.
    let list = b.begin(5);
    b.tobject();
    b.tstring("");
    b.i32(0);
    b.end(list);
    b.i32(0);
    b.u8(0);
    b.i32(0);
    b.i32(2);
    b.end(th1);
    if let Some(th2) = th2 {
        for v in [1.0, swy, swy2, swxy] {
            b.f64(v);
        }
        b.end(th2);
    }
    b.i32(ncells as i32);
    values.iter().for_each(|v| b.f64(*v));
    b.end(outer);
    Ok((class, b.data))
}
