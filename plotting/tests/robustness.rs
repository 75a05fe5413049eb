//! Empty, zero, NaN and mismatched inputs: plots still render or fail with a typed error.

mod common;

use cf_plot::{
    render, BinContent, Component, CutflowPlot, CutflowProcess, Error, Format, Hist1D, Hist2D,
    ImageSize, Plot, Plot2D, Rgb, Scale, ShiftSource, ShiftedPlot, StackPlot, SystBand,
};

fn renders_everywhere(plot: &dyn Plot) {
    let size = ImageSize::new(400, 400).unwrap();
    for format in Format::ALL {
        let bytes = render(plot, format, size).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert!(bytes.len() > 100);
    }
}

fn zeros(n: usize) -> Hist1D {
    let edges = (0..=n).map(|i| i as f64).collect();
    Hist1D::new(edges, vec![0.0; n]).unwrap()
}

#[test]
fn empty_and_zero_histograms_render_linear_and_log() {
    for scale in [Scale::Linear, Scale::Log] {
        for shape_norm in [false, true] {
            let mut plot = StackPlot::new("x");
            plot.y_scale = scale;
            plot.shape_norm = shape_norm;
            plot.density = true;
            plot.stack
                .push(Component::new("a", Rgb(200, 0, 0), zeros(10)));
            plot.lines
                .push(Component::new("b", Rgb(0, 0, 200), zeros(10)));
            plot.data = Some(zeros(10));
            plot.syst = Some(SystBand::new(zeros(10), zeros(10)));
            renders_everywhere(&plot);
        }
    }
    // Data only, no MC: no ratio panel, no error.
    let mut plot = StackPlot::new("x");
    plot.data = Some(zeros(3));
    renders_everywhere(&plot);
}

#[test]
fn log_scale_with_zero_bins_and_nan() {
    let mut plot = common::stack();
    plot.y_scale = Scale::Log;
    let edges = plot.stack[0].hist.edges().to_vec();
    let mut values = vec![5.0; edges.len() - 1];
    values[2] = f64::NAN;
    values[3] = f64::INFINITY;
    values[4] = -3.0;
    values[5] = 0.0;
    plot.stack[0].hist = Hist1D::new(edges, values).unwrap();
    plot.fold_flow = true;
    plot.stack[1].hist = plot.stack[1].hist.clone().with_flow(
        BinContent {
            value: 50.0,
            variance: 50.0,
        },
        BinContent {
            value: f64::NAN,
            variance: 1.0,
        },
    );
    renders_everywhere(&plot);
}

#[test]
fn mismatched_inputs_are_typed_errors() {
    let mut plot = common::stack();
    plot.lines
        .push(Component::new("odd", Rgb(0, 0, 0), zeros(4)));
    let err = render(&plot, Format::Png, ImageSize::default()).unwrap_err();
    assert!(matches!(err, Error::EdgesDiffer { .. }), "{err}");
    assert!(err.to_string().contains("process \"odd\""), "{err}");

    let err = render(&StackPlot::new("x"), Format::Svg, ImageSize::default()).unwrap_err();
    assert!(matches!(err, Error::Empty(_)), "{err}");

    let mut cutflow = CutflowPlot::new(vec!["a".into(), "b".into()]);
    cutflow.processes.push(CutflowProcess {
        label: "tt".into(),
        color: Rgb(1, 2, 3),
        values: vec![1.0],
    });
    let err = render(&cutflow, Format::Png, ImageSize::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Length {
                expected: 2,
                found: 1,
                ..
            }
        ),
        "{err}"
    );
    let err = render(&CutflowPlot::new(vec![]), Format::Png, ImageSize::default()).unwrap_err();
    assert!(matches!(err, Error::Empty(_)), "{err}");

    let mut shifted = ShiftedPlot::new(zeros(3), "x");
    shifted.sources.push(ShiftSource {
        label: "jec".into(),
        color: Rgb(1, 2, 3),
        up: zeros(3),
        down: zeros(4),
    });
    let err = render(&shifted, Format::Png, ImageSize::default()).unwrap_err();
    assert!(
        err.to_string().contains("shift source \"jec\" down"),
        "{err}"
    );
}

#[test]
fn other_plots_render_with_degenerate_data() {
    for z_scale in [Scale::Linear, Scale::Log] {
        let mut p = Plot2D::new(
            Hist2D::new(vec![0.0, 1.0, 2.0], vec![0.0, 1.0], vec![0.0, f64::NAN]).unwrap(),
            "x",
            "y",
        );
        p.z_scale = z_scale;
        renders_everywhere(&p);
    }
    let mut shifted = ShiftedPlot::new(zeros(3), "x");
    shifted.y_scale = Scale::Log;
    shifted.sources.push(ShiftSource {
        label: "jec".into(),
        color: Rgb(1, 2, 3),
        up: zeros(3),
        down: zeros(3),
    });
    renders_everywhere(&shifted);
    let mut cutflow = CutflowPlot::new(vec![
        "Initial".into(),
        "A very long selection step name".into(),
    ]);
    cutflow.processes.push(CutflowProcess {
        label: "tt".into(),
        color: Rgb(1, 2, 3),
        values: vec![0.0, 0.0],
    });
    renders_everywhere(&cutflow);
}
