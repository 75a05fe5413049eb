//! Binned inputs of the plots: 1D and 2D histograms reduced to what is drawn.

use crate::{Error, Result};

/// Content of one bin: the sum of weights and the sum of squared weights.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BinContent {
    /// Σw.
    pub value: f64,
    /// Σw².
    pub variance: f64,
}

/// A 1D histogram as plotted: bin edges, Σw and Σw² per bin, and the flow bins that the
/// plots can fold into the first and last bin.
#[derive(Clone, Debug, PartialEq)]
pub struct Hist1D {
    edges: Vec<f64>,
    values: Vec<f64>,
    variances: Vec<f64>,
    underflow: BinContent,
    overflow: BinContent,
}

pub(crate) fn check_edges(what: &str, edges: &[f64]) -> Result<()> {
    let bad = |reason: &str| Error::BadEdges {
        what: what.to_string(),
        reason: reason.to_string(),
    };
    if edges.len() < 2 {
        return Err(bad(&format!("are {} values", edges.len())));
    }
    if edges.iter().any(|e| !e.is_finite()) {
        return Err(bad("contain a non-finite value"));
    }
    if edges.windows(2).any(|w| w[1] <= w[0]) {
        return Err(bad("are not strictly increasing"));
    }
    Ok(())
}

fn check_len(what: &str, field: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::Length {
            what: what.to_string(),
            field,
            expected,
            found,
        })
    }
}

impl Hist1D {
    /// A histogram with the given edges (n + 1 for n bins) and values; the variances are the
    /// values (unweighted counts) until [`Hist1D::with_variances`] sets them.
    pub fn new(edges: Vec<f64>, values: Vec<f64>) -> Result<Hist1D> {
        check_edges("histogram", &edges)?;
        check_len("histogram", "values", edges.len() - 1, values.len())?;
        Ok(Hist1D {
            variances: values.iter().map(|v| v.abs()).collect(),
            edges,
            values,
            underflow: BinContent::default(),
            overflow: BinContent::default(),
        })
    }

    /// Sets Σw² per bin.
    pub fn with_variances(mut self, variances: Vec<f64>) -> Result<Hist1D> {
        check_len("histogram", "variances", self.values.len(), variances.len())?;
        self.variances = variances;
        Ok(self)
    }

    /// Sets the contents below the first and above the last edge.
    pub fn with_flow(mut self, underflow: BinContent, overflow: BinContent) -> Hist1D {
        self.underflow = underflow;
        self.overflow = overflow;
        self
    }

    /// Takes a one-axis cf histogram (after `project` or `select` down to the variable):
    /// its edges, Σw, Σw² (Σw for storages without variances) and flow bins.
    pub fn from_histogram(h: &cf_hist::Histogram) -> Result<Hist1D> {
        let bad = |reason: String| Error::Histogram {
            name: h.name().to_string(),
            reason,
        };
        let [axis] = h.axes() else {
            return Err(bad(format!(
                "has {} axes; project it onto the plotted variable first",
                h.axes().len()
            )));
        };
        let edges = axis.edges().ok_or_else(|| {
            bad(format!(
                "axis `{}` is a category axis, which has no bin edges",
                axis.name()
            ))
        })?;
        let values = h.values();
        let variances = h.variances().unwrap_or_else(|| values.clone());
        let first = usize::from(axis.underflow());
        let n = axis.bins();
        let flow = |i: Option<usize>| {
            i.map_or(BinContent::default(), |i| BinContent {
                value: values[i],
                variance: variances[i],
            })
        };
        let underflow = flow(axis.underflow().then_some(0));
        let overflow = flow(axis.overflow().then_some(first + n));
        Hist1D::new(edges, values[first..first + n].to_vec())?
            .with_variances(variances[first..first + n].to_vec())
            .map(|hist| hist.with_flow(underflow, overflow))
    }

    /// Bin edges.
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// Σw per bin.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Σw² per bin.
    pub fn variances(&self) -> &[f64] {
        &self.variances
    }

    /// Underflow and overflow.
    pub fn flow(&self) -> (BinContent, BinContent) {
        (self.underflow, self.overflow)
    }

    /// Number of bins.
    pub fn bins(&self) -> usize {
        self.values.len()
    }

    /// The histogram with its flow added to the first and last bin (flow then empty).
    pub fn folded(&self) -> Hist1D {
        let mut h = self.clone();
        let last = h.values.len() - 1;
        h.values[0] += self.underflow.value;
        h.variances[0] += self.underflow.variance;
        h.values[last] += self.overflow.value;
        h.variances[last] += self.overflow.variance;
        h.underflow = BinContent::default();
        h.overflow = BinContent::default();
        h
    }

    /// Σw over the bins (not the flow), NaN counted as 0.
    pub(crate) fn total(&self) -> f64 {
        self.values.iter().copied().map(finite).sum()
    }

    pub(crate) fn scaled(&self, factor: f64) -> Hist1D {
        let mut h = self.clone();
        h.values.iter_mut().for_each(|v| *v *= factor);
        h.variances.iter_mut().for_each(|v| *v *= factor * factor);
        h
    }

    /// Contents divided by bin width.
    pub(crate) fn per_width(&self) -> Hist1D {
        let mut h = self.clone();
        for (i, w) in self.edges.windows(2).enumerate() {
            let width = w[1] - w[0];
            h.values[i] /= width;
            h.variances[i] /= width * width;
        }
        h
    }

    pub(crate) fn require_edges(&self, what: &str, reference: &str, edges: &[f64]) -> Result<()> {
        let same = self.edges.len() == edges.len()
            && self
                .edges
                .iter()
                .zip(edges)
                .all(|(a, b)| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0));
        if same {
            Ok(())
        } else {
            Err(Error::EdgesDiffer {
                what: what.to_string(),
                reference: reference.to_string(),
            })
        }
    }
}

/// NaN and infinities drawn as 0: one broken bin must not hide the rest of the plot.
pub(crate) fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

/// A 2D histogram as plotted: edges along x and y, and Σw per bin with x varying slowest
/// (`values[ix * ny + iy]`, the layout of cf histograms).
#[derive(Clone, Debug, PartialEq)]
pub struct Hist2D {
    x_edges: Vec<f64>,
    y_edges: Vec<f64>,
    values: Vec<f64>,
}

impl Hist2D {
    /// A 2D histogram; `values` has `(x_edges.len() - 1) * (y_edges.len() - 1)` entries.
    pub fn new(x_edges: Vec<f64>, y_edges: Vec<f64>, values: Vec<f64>) -> Result<Hist2D> {
        check_edges("2D histogram x axis", &x_edges)?;
        check_edges("2D histogram y axis", &y_edges)?;
        let n = (x_edges.len() - 1) * (y_edges.len() - 1);
        check_len("2D histogram", "values", n, values.len())?;
        Ok(Hist2D {
            x_edges,
            y_edges,
            values,
        })
    }

    /// Takes a two-axis cf histogram; flow bins are left out.
    pub fn from_histogram(h: &cf_hist::Histogram) -> Result<Hist2D> {
        let bad = |reason: String| Error::Histogram {
            name: h.name().to_string(),
            reason,
        };
        let [x, y] = h.axes() else {
            return Err(bad(format!(
                "has {} axes; project it onto the two plotted variables first",
                h.axes().len()
            )));
        };
        let edges = |a: &cf_hist::Axis| {
            a.edges().ok_or_else(|| {
                bad(format!(
                    "axis `{}` is a category axis, which has no bin edges",
                    a.name()
                ))
            })
        };
        let (x_edges, y_edges) = (edges(x)?, edges(y)?);
        let all = h.values();
        let (fx, fy) = (usize::from(x.underflow()), usize::from(y.underflow()));
        let mut values = Vec::with_capacity(x.bins() * y.bins());
        for ix in 0..x.bins() {
            let row = (ix + fx) * y.extent();
            values.extend_from_slice(&all[row + fy..row + fy + y.bins()]);
        }
        Hist2D::new(x_edges, y_edges, values)
    }

    /// Edges along x.
    pub fn x_edges(&self) -> &[f64] {
        &self.x_edges
    }

    /// Edges along y.
    pub fn y_edges(&self) -> &[f64] {
        &self.y_edges
    }

    /// Σw per bin, x slowest.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cf_hist::{Axis, Histogram, Storage};

    #[test]
    fn validation() {
        assert!(matches!(
            Hist1D::new(vec![0.0], vec![]),
            Err(Error::BadEdges { .. })
        ));
        assert!(matches!(
            Hist1D::new(vec![0.0, 1.0, 1.0], vec![1.0, 2.0]),
            Err(Error::BadEdges { .. })
        ));
        assert!(matches!(
            Hist1D::new(vec![0.0, f64::NAN], vec![1.0]),
            Err(Error::BadEdges { .. })
        ));
        let e = Hist1D::new(vec![0.0, 1.0, 2.0], vec![1.0]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "histogram: values has 1 entries but the binning has 2 bins"
        );
        assert!(Hist2D::new(vec![0.0, 1.0], vec![0.0, 1.0, 2.0], vec![1.0]).is_err());
    }

    #[test]
    fn from_cf_histograms() -> Result<(), Box<dyn std::error::Error>> {
        use arrow_array::Float64Array;
        let mut h = Histogram::new(
            vec![Axis::variable(vec![0.0, 10.0, 30.0])?.with_name("x")],
            Storage::Weight,
        )?;
        let x = Float64Array::from(vec![-1.0, 5.0, 20.0, 20.0, 99.0]);
        let w = Float64Array::from(vec![1.0, 2.0, 1.0, 1.0, 3.0]);
        h.fill(&[&x], Some(&w))?;
        let p = Hist1D::from_histogram(&h)?;
        assert_eq!(p.edges(), &[0.0, 10.0, 30.0]);
        assert_eq!(p.values(), &[2.0, 2.0]);
        assert_eq!(p.variances(), &[4.0, 2.0]);
        assert_eq!(p.flow().1.value, 3.0);
        assert_eq!(p.folded().values(), &[3.0, 5.0]);
        assert_eq!(p.folded().variances(), &[5.0, 11.0]);

        let mut h2 = Histogram::new(
            vec![
                Axis::regular(2, 0.0, 2.0)?.with_name("x"),
                Axis::regular(3, 0.0, 3.0)?.with_name("y"),
            ],
            Storage::Weight,
        )?;
        let xs = Float64Array::from(vec![0.5, 1.5, 1.5, 5.0]);
        let ys = Float64Array::from(vec![2.5, 0.5, 0.5, 0.5]);
        h2.fill(&[&xs, &ys], None)?;
        let p2 = Hist2D::from_histogram(&h2)?;
        assert_eq!(p2.values(), &[0.0, 0.0, 1.0, 2.0, 0.0, 0.0]);
        assert!(matches!(
            Hist1D::from_histogram(&h2),
            Err(Error::Histogram { .. })
        ));
        Ok(())
    }
}
