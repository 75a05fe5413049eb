//! Draws the example plots of the README from realistic toy shapes:
//! `cargo run -p cf-plot --release --example gallery -- plotting/examples`.
//!
//! The shapes are smooth functions with yields typical of a semileptonic tt̄ selection in
//! 8 fb⁻¹ at 13.6 TeV; the data are a fixed pseudo-random Poisson draw of their sum, so the
//! images are the same on every run.

use std::path::PathBuf;

use cf_plot::{
    save, CmsLabel, Component, CutflowPlot, CutflowProcess, Hist1D, Hist2D, ImageSize, Plot2D, Rgb,
    Scale, ShiftSource, ShiftedPlot, StackPlot, SystBand,
};

/// A tiny deterministic generator (SplitMix64), so the example needs no dependency.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A Poisson draw: by multiplication for small means, normal approximation above.
    fn poisson(&mut self, mean: f64) -> f64 {
        if mean > 50.0 {
            let (u, v) = (self.uniform().max(1e-300), self.uniform());
            let normal = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
            return (mean + mean.sqrt() * normal).round().max(0.0);
        }
        let limit = (-mean).exp();
        let (mut k, mut p) = (0.0, 1.0);
        loop {
            p *= self.uniform();
            if p <= limit {
                return k;
            }
            k += 1.0;
        }
    }
}

/// Bin contents of `total · shape` integrated over each bin (midpoint rule, normalised).
fn shape(edges: &[f64], total: f64, f: impl Fn(f64) -> f64) -> Vec<f64> {
    let raw: Vec<f64> = edges
        .windows(2)
        .map(|w| f(0.5 * (w[0] + w[1])) * (w[1] - w[0]))
        .collect();
    let sum: f64 = raw.iter().sum();
    raw.iter().map(|v| v * total / sum).collect()
}

fn hist(edges: &[f64], values: Vec<f64>, weight: f64) -> Result<Hist1D, cf_plot::Error> {
    // MC events carry weights of about `weight`: Σw² = w · Σw.
    let variances = values.iter().map(|v| v * weight).collect();
    Hist1D::new(edges.to_vec(), values)?.with_variances(variances)
}

fn header(annotation: &str) -> cf_plot::Header {
    cf_plot::Header {
        cms: CmsLabel::WorkInProgress,
        lumi_fb: Some(7.98),
        energy_tev: Some(13.6),
        annotation: Some(annotation.to_string()),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "plotting/examples".into()),
    );
    let size = ImageSize::new(600, 600)?;
    let mut rng = Rng(8);

    // Leading jet pT, 40 bins of 10 GeV from 30 GeV.
    let edges: Vec<f64> = (0..=40).map(|i| 30.0 + 10.0 * f64::from(i)).collect();
    let falling = |x0: f64, slope: f64| move |x: f64| (x - 20.0).powf(x0) * (-x / slope).exp();
    let processes = [
        (
            "$t\\bar{t}$",
            "#e42536",
            21_000.0,
            shape(&edges, 1.0, falling(1.2, 45.0)),
            0.35,
        ),
        (
            "Single $t$",
            "#f89c20",
            2_100.0,
            shape(&edges, 1.0, falling(1.0, 45.0)),
            0.3,
        ),
        (
            "W+jets",
            "#964a8b",
            3_900.0,
            shape(&edges, 1.0, falling(0.6, 38.0)),
            0.9,
        ),
        (
            "Drell-Yan",
            "#5790fc",
            1_600.0,
            shape(&edges, 1.0, falling(0.5, 35.0)),
            0.6,
        ),
        (
            "Multijet",
            "#a96b59",
            900.0,
            shape(&edges, 1.0, falling(0.3, 30.0)),
            4.0,
        ),
    ];
    let mut plot = StackPlot::new("Leading jet $p_{T}$");
    plot.unit = Some("GeV".into());
    plot.header = header("$\\mu$, 4j 2b");
    let mut total = vec![0.0; edges.len() - 1];
    for (label, color, events, shape, weight) in processes.iter().rev() {
        let values: Vec<f64> = shape.iter().map(|s| s * events).collect();
        for (t, v) in total.iter_mut().zip(&values) {
            *t += v;
        }
        plot.stack.push(Component::new(
            *label,
            Rgb::from_hex(color)?,
            hist(&edges, values, *weight)?,
        ));
    }
    let signal = shape(&edges, 9.0, |x| {
        (-(x - 160.0).powi(2) / (2.0 * 45f64.powi(2))).exp()
    });
    plot.lines.push(
        Component::new(
            "$t\\bar{t}H$",
            Rgb::from_hex("#000000")?,
            hist(&edges, signal, 0.01)?,
        )
        .scaled(100.0),
    );
    let data: Vec<f64> = total.iter().map(|m| rng.poisson(m * 1.02)).collect();
    plot.data = Some(Hist1D::new(edges.clone(), data)?);
    let nominal = Hist1D::new(edges.clone(), total.clone())?;
    let jec = |s: f64| -> Result<Hist1D, cf_plot::Error> {
        let v = total
            .iter()
            .zip(&edges)
            .map(|(t, e)| t * (1.0 + s * (0.02 + 0.0001 * e)))
            .collect();
        Hist1D::new(edges.clone(), v)
    };
    let lumi = |s: f64| {
        Hist1D::new(
            edges.clone(),
            total.iter().map(|t| t * (1.0 + s * 0.022)).collect(),
        )
    };
    plot.syst = Some(SystBand::from_sources(
        &nominal,
        &[(jec(1.0)?, jec(-1.0)?), (lumi(1.0)?, lumi(-1.0)?)],
    )?);
    save(&plot, out.join("stack.png"), size)?;
    plot.y_scale = Scale::Log;
    save(&plot, out.join("stack_log.png"), size)?;

    // 2D: leading jet pT against HT for tt̄.
    let (xe, ye): (Vec<f64>, Vec<f64>) = (
        (0..=30).map(|i| 30.0 + 10.0 * f64::from(i)).collect(),
        (0..=30).map(|i| 100.0 + 30.0 * f64::from(i)).collect(),
    );
    let mut values = Vec::new();
    for x in xe.windows(2) {
        for y in ye.windows(2) {
            let (xc, yc) = (0.5 * (x[0] + x[1]), 0.5 * (y[0] + y[1]));
            let ht_mean = 150.0 + 1.7 * xc;
            let density = (xc - 20.0).powf(1.2)
                * (-xc / 45.0).exp()
                * (-(yc - ht_mean).powi(2) / (2.0 * (0.25 * ht_mean).powi(2))).exp();
            values.push(rng.poisson(density * 12.0));
        }
    }
    let mut plot2d = Plot2D::new(
        Hist2D::new(xe, ye, values)?,
        "Leading jet $p_{T}$ (GeV)",
        "$H_{T}$ (GeV)",
    );
    plot2d.header = header("$t\\bar{t}$, $\\mu$");
    plot2d.z_scale = Scale::Log;
    save(&plot2d, out.join("hist2d.png"), size)?;

    // Shifted: tt̄ with the jet energy scale and pileup variations.
    let tt: Vec<f64> = processes[0].3.iter().map(|s| s * processes[0].2).collect();
    let tilt = |s: f64, a: f64, b: f64| -> Result<Hist1D, cf_plot::Error> {
        let v = tt
            .iter()
            .zip(&edges)
            .map(|(t, e)| t * (1.0 + s * (a + b * (e - 200.0))))
            .collect();
        Hist1D::new(edges.clone(), v)
    };
    let mut shifted = ShiftedPlot::new(
        Hist1D::new(edges.clone(), tt.clone())?,
        "Leading jet $p_{T}$",
    );
    shifted.unit = Some("GeV".into());
    shifted.nominal_label = "$t\\bar{t}$ nominal".into();
    shifted.header = header("$\\mu$, 4j 2b");
    shifted.sources.push(ShiftSource {
        label: "JEC".into(),
        color: Rgb::from_hex("#5790fc")?,
        up: tilt(1.0, 0.03, 0.0002)?,
        down: tilt(-1.0, 0.03, 0.0002)?,
    });
    shifted.sources.push(ShiftSource {
        label: "Pileup".into(),
        color: Rgb::from_hex("#e42536")?,
        up: tilt(1.0, 0.01, -0.00005)?,
        down: tilt(-1.0, 0.012, -0.00004)?,
    });
    save(&shifted, out.join("shifted.png"), size)?;

    // Cutflow of the AGC-like selection.
    let steps = [
        "Initial",
        "Trigger",
        "MET filters",
        "One muon",
        "Four jets",
        "Two b tags",
    ];
    let mut cutflow = CutflowPlot::new(steps.iter().map(|s| s.to_string()).collect());
    cutflow.header = header("$\\mu$ channel");
    for (label, color, initial, effs) in [
        (
            "$t\\bar{t}$",
            "#e42536",
            6.9e6,
            [1.0, 0.31, 0.99, 0.42, 0.55, 0.28],
        ),
        (
            "Single $t$",
            "#f89c20",
            2.1e6,
            [1.0, 0.22, 0.99, 0.38, 0.21, 0.15],
        ),
        (
            "W+jets",
            "#964a8b",
            4.5e8,
            [1.0, 0.12, 0.99, 0.45, 0.004, 0.03],
        ),
        (
            "Drell-Yan",
            "#5790fc",
            4.9e7,
            [1.0, 0.25, 0.99, 0.30, 0.006, 0.04],
        ),
    ] {
        let mut v = initial;
        let values = effs
            .iter()
            .map(|e| {
                v *= e;
                v
            })
            .collect();
        cutflow.processes.push(CutflowProcess {
            label: label.into(),
            color: Rgb::from_hex(color)?,
            values,
        });
    }
    save(&cutflow, out.join("cutflow.png"), size)?;
    println!("wrote the example plots to {}", out.display());
    Ok(())
}
