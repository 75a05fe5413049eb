//! The bars stand where their bins are.

mod common;

use cf_plot::{render_rgb, CmsLabel, Component, Hist1D, ImageSize, Rgb, StackPlot};

const GREEN: Rgb = Rgb(0, 160, 0);
const BLUE: Rgb = Rgb(0, 0, 200);

fn colour_at(pixels: &[u8], w: u32, x: u32, y: u32) -> Rgb {
    let i = ((y * w + x) * 3) as usize;
    Rgb(pixels[i], pixels[i + 1], pixels[i + 2])
}

/// The ends of the longest horizontal run of dark pixels: the frame's top or bottom line.
fn frame_x(pixels: &[u8], w: u32, h: u32) -> (u32, u32) {
    let mut best = (0, 0);
    for y in 0..h {
        let mut start = None;
        for x in 0..=w {
            let dark = x < w && {
                let c = colour_at(pixels, w, x, y);
                c.0 < 60 && c.1 < 60 && c.2 < 60
            };
            match (dark, start) {
                (true, None) => start = Some(x),
                (false, Some(s)) => {
                    if x - s > best.1 - best.0 {
                        best = (s, x - 1);
                    }
                    start = None;
                }
                _ => {}
            }
        }
    }
    best
}

#[test]
fn bars_stand_on_their_bins() {
    // Bins 0–25 (empty), 25–50 (green) and 50–100 (blue), drawn at a size that is not the
    // default, so the check covers the scaling.
    let edges = vec![0.0, 25.0, 50.0, 100.0];
    let mut plot = StackPlot::new("x");
    plot.header.cms = CmsLabel::Skip;
    plot.stack.push(Component::new(
        "green",
        GREEN,
        Hist1D::new(edges.clone(), vec![0.0, 10.0, 0.0])
            .unwrap()
            .with_variances(vec![0.0; 3])
            .unwrap(),
    ));
    plot.stack.push(Component::new(
        "blue",
        BLUE,
        Hist1D::new(edges, vec![0.0, 0.0, 10.0])
            .unwrap()
            .with_variances(vec![0.0; 3])
            .unwrap(),
    ));
    let (w, h) = (1000, 700);
    let pixels = render_rgb(&plot, ImageSize::new(w, h).unwrap()).unwrap();
    let (x0, x1) = frame_x(&pixels, w, h);
    assert!(x1 - x0 > w / 2, "frame not found: {x0}..{x1}");
    let at = |v: f64| f64::from(x0) + v / 100.0 * f64::from(x1 - x0);
    // A row just above the bottom of the frame, inside both bars.
    let y = (f64::from(h) * 0.85) as u32;
    let row: Vec<Rgb> = (0..w).map(|x| colour_at(&pixels, w, x, y)).collect();
    let span = |c: Rgb| {
        let xs: Vec<usize> = row
            .iter()
            .enumerate()
            .filter(|(_, p)| **p == c)
            .map(|(x, _)| x)
            .collect();
        (xs[0] as f64, *xs.last().unwrap() as f64, xs.len())
    };
    let (g0, g1, gn) = span(GREEN);
    let (b0, b1, bn) = span(BLUE);
    for (found, expected) in [
        (g0, at(25.0)),
        (g1, at(50.0)),
        (b0, at(50.0)),
        (b1, at(100.0)),
    ] {
        assert!(
            (found - expected).abs() <= 3.0,
            "edge at {found}, expected {expected}"
        );
    }
    // Each bar is one unbroken span, the blue one twice as wide.
    assert!((g1 - g0 + 1.0 - gn as f64).abs() < 1.0 && (b1 - b0 + 1.0 - bn as f64).abs() < 1.0);
    assert!(((b1 - b0) / (g1 - g0) - 2.0).abs() < 0.05);
    // The empty first bin is white inside the frame.
    for x in (at(3.0) as u32)..(at(22.0) as u32) {
        assert_eq!(row[x as usize], Rgb::WHITE, "x={x}");
    }
    // Bars start at the frame's bottom: the green column is green down to just above it.
    let xm = at(37.5) as u32;
    let mut yb = y;
    while colour_at(&pixels, w, xm, yb + 1) == GREEN {
        yb += 1;
    }
    let bottom_is_frame = (yb + 1..yb + 4).any(|y| {
        let c = colour_at(&pixels, w, xm, y);
        c.0 < 60 && c.1 < 60 && c.2 < 60
    });
    assert!(
        bottom_is_frame,
        "green bar ends at y={yb} above no frame line"
    );
}
