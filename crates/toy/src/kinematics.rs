//! Four-vectors and isotropic two-body decays: enough to give decay products the correlations
//! plots show (the W Jacobian peak, the top mass in m_bjj, the Z peak in m_ll).

use crate::rng::Rng;

/// The largest |η| a massless object is given; beyond it the direction is the beam.
const MAX_ETA: f64 = 10.0;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct P4 {
    pub(crate) px: f64,
    pub(crate) py: f64,
    pub(crate) pz: f64,
    pub(crate) e: f64,
}

impl P4 {
    pub(crate) fn from_pt_eta_phi_m(pt: f64, eta: f64, phi: f64, mass: f64) -> P4 {
        let pz = pt * eta.sinh();
        P4 {
            px: pt * phi.cos(),
            py: pt * phi.sin(),
            pz,
            e: (pt * pt + pz * pz + mass * mass).sqrt(),
        }
    }

    /// A system of `mass` with transverse momentum (px, py) and rapidity `y`.
    pub(crate) fn from_pxpy_y_m(px: f64, py: f64, y: f64, mass: f64) -> P4 {
        let mt = (px * px + py * py + mass * mass).sqrt();
        P4 {
            px,
            py,
            pz: mt * y.sinh(),
            e: mt * y.cosh(),
        }
    }

    pub(crate) fn pt(&self) -> f64 {
        // Not `hypot`: its care for overflow costs a twentieth of the generation time.
        (self.px * self.px + self.py * self.py).sqrt()
    }

    pub(crate) fn phi(&self) -> f64 {
        self.py.atan2(self.px)
    }

    pub(crate) fn eta(&self) -> f64 {
        let pt = self.pt();
        if pt == 0.0 {
            return MAX_ETA.copysign(self.pz);
        }
        // asinh(pz / pt) written out: the library's careful `asinh` took a twentieth of the time.
        let p = (pt * pt + self.pz * self.pz).sqrt();
        (((p + self.pz.abs()) / pt).ln().copysign(self.pz)).clamp(-MAX_ETA, MAX_ETA)
    }

    pub(crate) fn mass(&self) -> f64 {
        let p2 = self.px * self.px + self.py * self.py + self.pz * self.pz;
        (self.e * self.e - p2).max(0.0).sqrt()
    }

    /// This vector seen from a frame moving with velocity -`beta` (the lab, when `beta` is the
    /// velocity of the rest frame it is given in).
    fn boosted(&self, beta: [f64; 3]) -> P4 {
        let b2 = beta[0] * beta[0] + beta[1] * beta[1] + beta[2] * beta[2];
        if b2 <= 0.0 {
            return *self;
        }
        let gamma = 1.0 / (1.0 - b2).max(1e-12).sqrt();
        let bp = beta[0] * self.px + beta[1] * self.py + beta[2] * self.pz;
        let along = (gamma - 1.0) * bp / b2 + gamma * self.e;
        P4 {
            px: self.px + along * beta[0],
            py: self.py + along * beta[1],
            pz: self.pz + along * beta[2],
            e: gamma * (self.e + bp),
        }
    }

    fn velocity(&self) -> [f64; 3] {
        [self.px / self.e, self.py / self.e, self.pz / self.e]
    }
}

impl std::ops::Add for P4 {
    type Output = P4;
    fn add(self, o: P4) -> P4 {
        P4 {
            px: self.px + o.px,
            py: self.py + o.py,
            pz: self.pz + o.pz,
            e: self.e + o.e,
        }
    }
}

/// Decays `parent` into daughters of masses `m1` and `m2`, isotropically in its rest frame
/// (spin correlations are beyond a toy). A parent lighter than m1 + m2 gives daughters at rest
/// in its frame rather than failing: the callers draw masses that keep this from happening.
pub(crate) fn two_body(parent: P4, m1: f64, m2: f64, rng: &mut Rng) -> (P4, P4) {
    let m = parent.mass();
    let p = if m > m1 + m2 {
        ((m * m - (m1 + m2).powi(2)) * (m * m - (m1 - m2).powi(2))).sqrt() / (2.0 * m)
    } else {
        0.0
    };
    let cos_theta = rng.range(-1.0, 1.0);
    let sin_theta = (1.0 - cos_theta * cos_theta).sqrt();
    let phi = rng.phi();
    let (x, y, z) = (
        p * sin_theta * phi.cos(),
        p * sin_theta * phi.sin(),
        p * cos_theta,
    );
    let first = P4 {
        px: x,
        py: y,
        pz: z,
        e: (p * p + m1 * m1).sqrt(),
    };
    let second = P4 {
        px: -x,
        py: -y,
        pz: -z,
        e: (p * p + m2 * m2).sqrt(),
    };
    let beta = parent.velocity();
    (first.boosted(beta), second.boosted(beta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decays_conserve_momentum_and_keep_masses() {
        let mut rng = Rng::for_event(1, 2, 3);
        let top = P4::from_pxpy_y_m(120.0, -40.0, 1.3, 172.5);
        let (w, b) = two_body(top, 80.4, 4.8, &mut rng);
        let sum = w + b;
        for (a, b) in [
            (sum.px, top.px),
            (sum.py, top.py),
            (sum.pz, top.pz),
            (sum.e, top.e),
        ] {
            assert!((a - b).abs() < 1e-9 * top.e, "{a} vs {b}");
        }
        assert!((w.mass() - 80.4).abs() < 1e-6);
        assert!((b.mass() - 4.8).abs() < 1e-4);
        let back = P4::from_pt_eta_phi_m(w.pt(), w.eta(), w.phi(), w.mass());
        assert!((back.e - w.e).abs() < 1e-9 * w.e);
    }
}
