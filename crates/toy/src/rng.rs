//! A small counter-based random number generator and the distributions the toy draws from.
//!
//! Every event gets its own generator seeded from (seed, model, event index), so an event never
//! depends on which file or thread produced it. SplitMix64 is enough for a toy: it is fast,
//! passes BigCrush, and seeding it from a hash of the three keys needs no warm-up.
//! Normals use the polar form of Box–Muller.

use std::f64::consts::PI;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a bijective mix of all 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stable 64-bit key for a name (FNV-1a), so that streams do not depend on the order of
/// [`crate::models`].
pub(crate) fn name_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

pub(crate) struct Rng {
    state: u64,
    /// Normals come in pairs; the second waits here.
    spare_normal: Option<f64>,
}

impl Rng {
    /// The generator of one event: each key passes through the mix so that neighbouring seeds
    /// or indices start unrelated streams.
    pub(crate) fn for_event(seed: u64, stream: u64, index: u64) -> Rng {
        let state = mix(mix(mix(seed ^ GOLDEN) ^ stream) ^ index.wrapping_mul(GOLDEN));
        Rng {
            state,
            spare_normal: None,
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// Uniform in [0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    fn open_uniform(&mut self) -> f64 {
        1.0 - self.uniform()
    }

    pub(crate) fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    pub(crate) fn chance(&mut self, probability: f64) -> bool {
        self.uniform() < probability
    }

    /// Azimuth, uniform in [-π, π).
    pub(crate) fn phi(&mut self) -> f64 {
        self.range(-PI, PI)
    }

    /// Standard normal by Marsaglia's polar method: Box–Muller without the trigonometry,
    /// which profiling showed to be a tenth of the generation time.
    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let x = 2.0 * self.uniform() - 1.0;
            let y = 2.0 * self.uniform() - 1.0;
            let s = x * x + y * y;
            if s > 0.0 && s < 1.0 {
                let scale = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(y * scale);
                return x * scale;
            }
        }
    }

    pub(crate) fn gauss(&mut self, mean: f64, sigma: f64) -> f64 {
        mean + sigma * self.normal()
    }

    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.open_uniform().ln()
    }

    /// Gamma with shape 2 (the sum of two exponentials): a spectrum that starts at zero, peaks at
    /// `scale` and falls exponentially — the shape of a pt spectrum with a turn-on.
    pub(crate) fn gamma2(&mut self, scale: f64) -> f64 {
        self.exponential(scale) + self.exponential(scale)
    }

    /// Pareto above `minimum`: density ∝ x^-(alpha+1), the power-law fall of QCD jet spectra.
    pub(crate) fn pareto(&mut self, minimum: f64, alpha: f64) -> f64 {
        minimum * self.open_uniform().powf(-1.0 / alpha)
    }

    /// Poisson by multiplying uniforms (Knuth); the toy only asks for small means.
    pub(crate) fn poisson(&mut self, mean: f64) -> u32 {
        if mean > 60.0 {
            return self.gauss(mean, mean.sqrt()).round().max(0.0) as u32;
        }
        let limit = (-mean).exp();
        let mut product = self.uniform();
        let mut count = 0;
        while product > limit {
            product *= self.uniform();
            count += 1;
        }
        count
    }

    /// Geometric: P(n) = (1 - ratio) ratio^n, the "staircase" scaling of jet multiplicities.
    pub(crate) fn geometric(&mut self, ratio: f64) -> u32 {
        (self.open_uniform().ln() / ratio.ln()).floor().min(64.0) as u32
    }

    /// A Breit–Wigner (Cauchy) mass truncated to [low, high], by inverting its CDF.
    pub(crate) fn breit_wigner(&mut self, mass: f64, width: f64, low: f64, high: f64) -> f64 {
        let half = width / 2.0;
        let a = ((low - mass) / half).atan();
        let b = ((high - mass) / half).atan();
        mass + half * self.range(a, b).tan()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_and_sigma(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    #[test]
    fn distributions_have_their_moments() {
        let mut rng = Rng::for_event(7, 1, 2);
        let n = 200_000;
        let normal: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let (m, s) = mean_and_sigma(&normal);
        assert!(m.abs() < 0.01 && (s - 1.0).abs() < 0.01, "normal {m} {s}");
        let exp: Vec<f64> = (0..n).map(|_| rng.exponential(3.0)).collect();
        assert!((mean_and_sigma(&exp).0 - 3.0).abs() < 0.05);
        let poisson: Vec<f64> = (0..n).map(|_| f64::from(rng.poisson(4.0))).collect();
        let (m, s) = mean_and_sigma(&poisson);
        assert!(
            (m - 4.0).abs() < 0.03 && (s - 2.0).abs() < 0.03,
            "poisson {m} {s}"
        );
        let geometric: Vec<f64> = (0..n).map(|_| f64::from(rng.geometric(0.3))).collect();
        let zero = geometric.iter().filter(|&&g| g == 0.0).count() as f64 / n as f64;
        assert!((zero - 0.7).abs() < 0.01, "P(0) = {zero}");
        let bw: Vec<f64> = (0..n)
            .map(|_| rng.breit_wigner(91.0, 2.5, 50.0, 150.0))
            .collect();
        assert!(bw.iter().all(|m| (50.0..=150.0).contains(m)));
        let within = bw.iter().filter(|&&m| (m - 91.0).abs() < 1.25).count() as f64 / n as f64;
        // Half the peak lies within ±Γ/2, a little more after truncating the tails.
        assert!((0.49..0.53).contains(&within), "{within}");
    }

    #[test]
    fn streams_depend_on_every_key() {
        let first = |s, m, i| Rng::for_event(s, m, i).next_u64();
        let base = first(1, 2, 3);
        assert_eq!(base, first(1, 2, 3));
        assert_ne!(base, first(2, 2, 3));
        assert_ne!(base, first(1, 3, 3));
        assert_ne!(base, first(1, 2, 4));
        assert_ne!(name_key("tt_sl"), name_key("st"));
    }
}
