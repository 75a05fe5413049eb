//! Axis scales and tick positions.

/// How values map onto an axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scale {
    /// Linear.
    #[default]
    Linear,
    /// Logarithmic (base 10); values ≤ 0 are not drawn.
    Log,
}

/// A major tick: its value and label (empty for unlabelled minor ticks).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Tick {
    pub value: f64,
    pub label: String,
    pub major: bool,
}

/// A value range on a scale, mapping to [0, 1].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Range {
    pub lo: f64,
    pub hi: f64,
    pub scale: Scale,
    /// About how many major intervals a linear axis gets.
    pub intervals: f64,
}

impl Range {
    pub fn new(lo: f64, hi: f64, scale: Scale) -> Range {
        let (mut lo, mut hi) = (lo, hi);
        if scale == Scale::Log {
            if !(lo > 0.0 && lo.is_finite()) {
                lo = 1e-3;
            }
            if !(hi > lo && hi.is_finite()) {
                hi = lo * 10.0;
            }
        } else {
            if !lo.is_finite() {
                lo = 0.0;
            }
            if !(hi > lo && hi.is_finite()) {
                hi = lo + 1.0;
            }
        }
        Range {
            lo,
            hi,
            scale,
            intervals: 5.0,
        }
    }

    /// The same range with about `n` major intervals (fewer for short panels).
    pub fn with_intervals(mut self, n: f64) -> Range {
        self.intervals = n;
        self
    }

    /// Position of `v` in [0, 1] (outside for values out of range); `None` for values a log
    /// scale cannot show.
    pub fn frac(&self, v: f64) -> Option<f64> {
        match self.scale {
            Scale::Linear => v.is_finite().then(|| (v - self.lo) / (self.hi - self.lo)),
            Scale::Log => (v > 0.0 && v.is_finite())
                .then(|| (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())),
        }
    }

    /// Like [`Range::frac`] but clamped to the axis, with unshowable values at the bottom, so
    /// bars and bands stay inside the frame.
    pub fn frac_clamped(&self, v: f64) -> f64 {
        self.frac(v).map_or(0.0, |f| f.clamp(0.0, 1.0))
    }

    /// Ticks, and for a linear axis with large values the power of ten its labels are in
    /// units of (shown once as ×10ᵏ, instead of long numbers on every tick).
    pub fn ticks(&self) -> (Vec<Tick>, Option<i32>) {
        match self.scale {
            Scale::Linear => linear_ticks(self.lo, self.hi, self.intervals),
            Scale::Log => (log_ticks(self.lo, self.hi), None),
        }
    }
}

/// A "nice" step (1, 2 or 5 × 10ᵏ) giving about `target` intervals over `span`.
pub(crate) fn nice_step(span: f64, target: f64) -> f64 {
    let raw = span / target;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm < 1.5 {
        1.0
    } else if norm < 3.5 {
        2.0
    } else if norm < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

fn linear_ticks(lo: f64, hi: f64, intervals: f64) -> (Vec<Tick>, Option<i32>) {
    let step = nice_step(hi - lo, intervals);
    let biggest = lo.abs().max(hi.abs()).log10().floor() as i32;
    let power = (biggest >= 5).then_some(biggest);
    let unit = power.map_or(1.0, |p| 10f64.powi(p));
    // Minor ticks split a major interval in 5 (steps of 1 and 5) or 4 (steps of 2), as ROOT
    // and mplhep do.
    let digit = (step / 10f64.powf(step.log10().floor())).round();
    let minors = if digit == 2.0 { 4.0 } else { 5.0 };
    let minor = step / minors;
    let decimals = (-(step / unit).log10().floor()).max(0.0) as usize;
    let first = (lo / minor).ceil() as i64;
    let last = (hi / minor).floor() as i64;
    let mut ticks = Vec::new();
    for k in first..=last {
        let value = k as f64 * minor;
        let major = (value / step - (value / step).round()).abs() < 1e-6;
        let label = if major {
            let v = if value.abs() < step * 1e-9 {
                0.0
            } else {
                value / unit
            };
            format!("{v:.decimals$}")
        } else {
            String::new()
        };
        ticks.push(Tick {
            value,
            label,
            major,
        });
    }
    (ticks, power)
}

fn log_ticks(lo: f64, hi: f64) -> Vec<Tick> {
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
    let decades = last - first;
    // Many decades: label every second or fifth one so labels do not collide.
    let every = if decades > 18 {
        5
    } else if decades > 9 {
        2
    } else {
        1
    };
    // One style per axis: plain numbers when every label is between 0.01 and 1000.
    let powers = first < -2 || last > 3;
    let inside = (first..=last)
        .filter(|&e| {
            let v = 10f64.powi(e);
            v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9)
        })
        .count();
    let mut ticks = Vec::new();
    for e in first..=last {
        let base = 10f64.powi(e);
        for m in 1..10 {
            let value = base * f64::from(m);
            if value < lo * (1.0 - 1e-9) || value > hi * (1.0 + 1e-9) {
                continue;
            }
            let major = m == 1 && e.rem_euclid(every) == 0;
            // Fewer than three decades on screen: label 2 and 5 too, or too few labels show.
            let sparse = inside < 3 && (m == 2 || m == 5);
            let label = if major || sparse {
                log_label(value, powers)
            } else {
                String::new()
            };
            ticks.push(Tick {
                value,
                label,
                major: m == 1,
            });
        }
    }
    ticks
}

/// `0.1`, `20`, `100` written plainly, or as `$10^{k}$` (`$2\times10^{k}$`) with `powers`.
fn log_label(value: f64, powers: bool) -> String {
    let e = value.log10().floor() as i32;
    let m = (value / 10f64.powi(e)).round();
    if !powers {
        let decimals = (-e).max(0) as usize;
        return format!("{value:.decimals$}");
    }
    if m == 1.0 {
        format!("$10^{{{e}}}$")
    } else {
        format!("${m}\\times10^{{{e}}}$")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &[Tick]) -> Vec<&str> {
        ticks
            .iter()
            .filter(|t| !t.label.is_empty())
            .map(|t| t.label.as_str())
            .collect()
    }

    #[test]
    fn linear() {
        let (t, power) = Range::new(0.0, 1000.0, Scale::Linear).ticks();
        assert_eq!(power, None);
        assert_eq!(labels(&t), ["0", "200", "400", "600", "800", "1000"]);
        assert_eq!(t.len(), 21);
        let (t, _) = Range::new(0.72, 1.28, Scale::Linear).ticks();
        assert_eq!(labels(&t), ["0.8", "0.9", "1.0", "1.1", "1.2"]);
        let (t, _) = Range::new(-3.0, 3.0, Scale::Linear).ticks();
        assert_eq!(labels(&t), ["-3", "-2", "-1", "0", "1", "2", "3"]);
        let (t, power) = Range::new(0.0, 2.6e5, Scale::Linear).ticks();
        assert_eq!(power, Some(5));
        assert_eq!(labels(&t), ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"]);
    }

    #[test]
    fn log() {
        let (t, _) = Range::new(0.5, 2e4, Scale::Log).ticks();
        assert_eq!(
            labels(&t),
            ["$10^{0}$", "$10^{1}$", "$10^{2}$", "$10^{3}$", "$10^{4}$"]
        );
        let (t, _) = Range::new(1.0, 40.0, Scale::Log).ticks();
        assert_eq!(labels(&t), ["1", "2", "5", "10", "20"]);
        let (t, _) = Range::new(20.0, 300.0, Scale::Log).ticks();
        assert_eq!(labels(&t), ["20", "50", "100", "200"]);
        let r = Range::new(0.0, -1.0, Scale::Log);
        assert!(r.lo > 0.0 && r.hi > r.lo);
        assert_eq!(r.frac(0.0), None);
    }
}
