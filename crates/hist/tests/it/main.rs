//! Integration tests of cf-hist, one module per area.

mod axes;
mod determinism;
mod files;
mod fill;
mod interop;
mod ops;

use cf_hist::{Axis, Histogram, Storage};

/// A 1D weighted histogram with 4 bins on [0, 4).
pub fn h1(name: &str) -> Histogram {
    Histogram::new(
        vec![Axis::regular(4, 0.0, 4.0)
            .unwrap()
            .with_name("x")
            .with_label("x / GeV")],
        Storage::Weight,
    )
    .unwrap()
    .with_name(name)
    .with_title(format!("{name} title"))
}
