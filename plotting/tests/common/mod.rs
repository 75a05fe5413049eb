//! Plots shared by the tests.
// Each test file uses part of this module.
#![allow(dead_code)]

use cf_plot::{Component, Hist1D, Rgb, StackPlot, SystBand};

/// A stack of two processes, a line, data and a systematic band over 20 bins of 10 GeV.
pub fn stack() -> StackPlot {
    let edges: Vec<f64> = (0..=20).map(|i| 30.0 + 10.0 * f64::from(i)).collect();
    let shape = |scale: f64, slope: f64| -> Vec<f64> {
        (0..20)
            .map(|i| scale * (-(f64::from(i)) / slope).exp())
            .collect()
    };
    let tt = shape(1000.0, 6.0);
    let dy = shape(300.0, 4.0);
    let total: Vec<f64> = tt.iter().zip(&dy).map(|(a, b)| a + b).collect();
    let h = |v: Vec<f64>| Hist1D::new(edges.clone(), v).expect("valid toy histogram");
    let mut plot = StackPlot::new("Leading jet $p_{T}$");
    plot.unit = Some("GeV".into());
    plot.stack
        .push(Component::new("Drell-Yan", Rgb(0x57, 0x90, 0xfc), h(dy)));
    plot.stack
        .push(Component::new("$t\\bar{t}$", Rgb(0xe4, 0x25, 0x36), h(tt)));
    plot.lines
        .push(Component::new("Signal", Rgb(0, 0, 0), h(shape(1.0, 10.0))).scaled(100.0));
    plot.data = Some(h(total.iter().map(|t| t.round()).collect()));
    let up = h(total.iter().map(|t| t * 1.05).collect());
    let down = h(total.iter().map(|t| t * 0.96).collect());
    plot.syst = Some(SystBand::new(up, down));
    plot.header.lumi_fb = Some(7.98);
    plot.header.energy_tev = Some(13.6);
    plot.header.annotation = Some("$\\mu$, 4j 2b".into());
    plot
}

/// PNG bytes decoded to (width, height, RGB pixels).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("PNG header decodes");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data decodes");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}
