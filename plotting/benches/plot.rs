//! Time to draw a typical stack plot: 5 processes, data, 40 bins, ratio panel, 800 × 800.
//! Goal: a PNG in under 100 ms.

use cf_plot::{render, Component, Format, Hist1D, ImageSize, Rgb, StackPlot, SystBand, PALETTE};
use criterion::{criterion_group, criterion_main, Criterion};

fn plot() -> StackPlot {
    let edges: Vec<f64> = (0..=40).map(|i| 30.0 + 10.0 * f64::from(i)).collect();
    let mut plot = StackPlot::new("Leading jet $p_{T}$");
    plot.unit = Some("GeV".into());
    let mut total = vec![0.0; 40];
    for (k, color) in PALETTE.iter().take(5).enumerate() {
        let slope = 30.0 + 5.0 * k as f64;
        let values: Vec<f64> = (0..40)
            .map(|i| 2000.0 / (k + 1) as f64 * (-(10.0 * f64::from(i)) / slope).exp())
            .collect();
        for (t, v) in total.iter_mut().zip(&values) {
            *t += v;
        }
        let hist = Hist1D::new(edges.clone(), values).expect("valid bins");
        plot.stack
            .push(Component::new(format!("process {k}"), *color, hist));
    }
    let hist = |v: Vec<f64>| Hist1D::new(edges.clone(), v).expect("valid bins");
    plot.data = Some(hist(total.iter().map(|t| t.round()).collect()));
    plot.syst = Some(SystBand::new(
        hist(total.iter().map(|t| t * 1.04).collect()),
        hist(total.iter().map(|t| t * 0.97).collect()),
    ));
    plot.lines.push(
        Component::new(
            "signal",
            Rgb::BLACK,
            hist(total.iter().map(|t| t * 0.001).collect()),
        )
        .scaled(100.0),
    );
    plot.header.lumi_fb = Some(7.98);
    plot.header.energy_tev = Some(13.6);
    plot
}

fn bench(c: &mut Criterion) {
    let plot = plot();
    let size = ImageSize::default();
    let mut group = c.benchmark_group("stack_5proc_40bins_ratio");
    group.sample_size(30);
    for format in Format::ALL {
        group.bench_function(format.extension(), |b| {
            b.iter(|| render(&plot, format, size).expect("plot renders"));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
