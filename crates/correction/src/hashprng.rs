//! The `hashprng` node's deterministic random numbers, bit for bit as the reference:
//! XXH64 (seed 0) of the inputs' 64-bit patterns seeds a PCG32 (`pcg32_oneseq`, XSH-RR
//! output of the previous state), and the distributions are those of libstdc++
//! (`generate_canonical` from two 32-bit draws; Marsaglia's polar method for `stdnormal`).

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

#[inline]
fn round(acc: u64, lane: u64) -> u64 {
    acc.wrapping_add(lane.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

#[inline]
fn merge(acc: u64, lane: u64) -> u64 {
    (acc ^ round(0, lane)).wrapping_mul(P1).wrapping_add(P4)
}

/// XXH64 with seed 0 of the little-endian bytes of `words` (so the length is a multiple of 8).
pub(crate) fn xxh64_words(words: &[u64]) -> u64 {
    let seed = 0u64;
    let len = (words.len() * 8) as u64;
    let mut rest = words;
    let mut h = if words.len() >= 4 {
        let mut v = [
            seed.wrapping_add(P1).wrapping_add(P2),
            seed.wrapping_add(P2),
            seed,
            seed.wrapping_sub(P1),
        ];
        while rest.len() >= 4 {
            for (acc, &lane) in v.iter_mut().zip(&rest[..4]) {
                *acc = round(*acc, lane);
            }
            rest = &rest[4..];
        }
        let mut h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for lane in v {
            h = merge(h, lane);
        }
        h
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(len);
    for &word in rest {
        h ^= round(0, word);
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^= h >> 32;
    h
}

const PCG_MULTIPLIER: u64 = 6_364_136_223_846_793_005;
const PCG_INCREMENT: u64 = 1_442_695_040_888_963_407;

/// PCG32 with a single stream, seeded like `pcg32_oneseq(seed)`.
pub(crate) struct Pcg32 {
    state: u64,
}

impl Pcg32 {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            state: Self::bump(seed.wrapping_add(PCG_INCREMENT)),
        }
    }

    fn bump(state: u64) -> u64 {
        state
            .wrapping_mul(PCG_MULTIPLIER)
            .wrapping_add(PCG_INCREMENT)
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = Self::bump(old);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right((old >> 59) as u32)
    }

    /// `std::generate_canonical<double, 53>`: two draws, low word first.
    pub(crate) fn canonical(&mut self) -> f64 {
        const RANGE: f64 = 4_294_967_296.0;
        let low = f64::from(self.next_u32());
        let high = f64::from(self.next_u32());
        let value = (low + high * RANGE) / (RANGE * RANGE);
        if value >= 1.0 {
            1.0 - f64::EPSILON / 2.0
        } else {
            value
        }
    }

    /// `std::normal_distribution<double>` (mean 0, width 1), first value of a fresh generator.
    pub(crate) fn std_normal(&mut self) -> f64 {
        loop {
            let x = 2.0 * self.canonical() - 1.0;
            let y = 2.0 * self.canonical() - 1.0;
            let r2 = x * x + y * y;
            if r2 <= 1.0 && r2 != 0.0 {
                return y * (-2.0 * r2.ln() / r2).sqrt();
            }
        }
    }

    /// The reference's own polar method on single 32-bit draws.
    pub(crate) fn normal(&mut self) -> f64 {
        loop {
            let u = f64::from(self.next_u32()) * 2f64.powi(-31) - 1.0;
            let v = f64::from(self.next_u32()) * 2f64.powi(-31) - 1.0;
            let s = u * u + v * v;
            if s < 1.0 && s != 0.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh64_of_empty_input_is_the_published_value() {
        assert_eq!(xxh64_words(&[]), 0xEF46_DB37_51D8_E999);
    }
}
