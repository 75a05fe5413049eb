//! Reproducible random numbers per object: the smearing of jets must give the same jets on a
//! rerun, in any batch size, in another process and in a numpy port, so the numbers are a pure
//! function of the event number and the object's index, not a stream.
//!
//! A standard normal number is made by inversion: one uniform number from splitmix64, put
//! through the normal quantile function of Wichura's algorithm AS 241 (PPND16, relative error
//! about 1e-16), the method of R's default `rnorm` and of Python's
//! `statistics.NormalDist.inv_cdf`. Inversion needs no trigonometry, and a logarithm only for
//! the 15% of numbers in the tails; the rest is two polynomials and a division, which
//! vectorize. Only IEEE-exact operations (and one `ln`) in a fixed order are used, so a numpy
//! port written in the same order gives the same bits.

/// `|u - 1/2|` up to which the central rational approximation holds.
const CENTRAL: f64 = 0.425;
/// `0.425²`: the central approximation's variable is `CENTRAL_R - (u - 1/2)²`.
const CENTRAL_R: f64 = 0.180625;
/// In the tails `r = sqrt(-ln p)`, with `p` the smaller of `u` and `1 - u`: up to this `r` the
/// intermediate approximation holds, beyond it the far one.
const FAR_R: f64 = 5.0;

// AS 241's coefficients, constant term first: numerators and denominators of the central,
// intermediate and far approximations (each denominator's constant term is 1). They keep the
// paper's 20 digits, so they can be checked against it; the compiler rounds them to f64.
#[allow(clippy::excessive_precision)]
const CENTRAL_NUM: [f64; 8] = [
    3.387_132_872_796_366_608,
    133.141_667_891_784_377_45,
    1_971.590_950_306_551_442_7,
    13_731.693_765_509_461_125,
    45_921.953_931_549_871_457,
    67_265.770_927_008_700_853,
    33_430.575_583_588_128_105,
    2_509.080_928_730_122_672_7,
];
#[allow(clippy::excessive_precision)]
const CENTRAL_DEN: [f64; 8] = [
    1.0,
    42.313_330_701_600_911_252,
    687.187_007_492_057_908_3,
    5_394.196_021_424_751_107_7,
    21_213.794_301_586_595_867,
    39_307.895_800_092_710_61,
    28_729.085_735_721_942_674,
    5_226.495_278_852_854_561,
];
#[allow(clippy::excessive_precision)]
const INTERMEDIATE_NUM: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_9,
    5.769_497_221_460_691_405_5,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    0.241_780_725_177_450_611_77,
    0.022_723_844_989_269_184_583_3,
    7.745_450_142_783_414_076_4e-4,
];
#[allow(clippy::excessive_precision)]
const INTERMEDIATE_DEN: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_4,
    0.689_767_334_985_100_004_55,
    0.148_103_976_427_480_074_59,
    0.015_198_666_563_616_457_196_6,
    5.475_938_084_995_344_946e-4,
    1.050_750_071_644_416_843_24e-9,
];
#[allow(clippy::excessive_precision)]
const FAR_NUM: [f64; 8] = [
    6.657_904_643_501_103_777_2,
    5.463_784_911_164_114_369_9,
    1.784_826_539_917_291_335_8,
    0.296_560_571_828_504_891_23,
    0.026_532_189_526_576_123_093,
    0.001_242_660_947_388_078_438_6,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
#[allow(clippy::excessive_precision)]
const FAR_DEN: [f64; 8] = [
    1.0,
    0.599_832_206_555_887_937_69,
    0.136_929_880_922_735_805_31,
    0.014_875_361_290_850_614_852_5,
    7.868_691_311_456_132_591e-4,
    1.846_318_317_510_054_681_8e-5,
    1.421_511_758_316_445_888_7e-7,
    2.044_263_103_389_939_785_64e-15,
];

/// A standard normal number that depends only on the event number and the object's index:
/// [`uniform`] put through the normal quantile function.
pub fn gaussian(event: u64, object: usize) -> f64 {
    let u = uniform(event, object);
    if in_tail(u) {
        tail(u)
    } else {
        central(u)
    }
}

/// [`gaussian`]`(event, k)` for every object `k` of every event, in order, given each event's
/// number and object count: the same bits as calling [`gaussian`] per object.
///
/// The central approximation runs over all numbers in one pass that vectorizes; the tails
/// are listed beforehand and computed apart. Deciding per number would mispredict the branch
/// for about one number in six.
pub fn gaussians(events: impl Iterator<Item = (u64, usize)>) -> Vec<f64> {
    let mut numbers = Vec::new();
    for (event, objects) in events {
        numbers.extend((0..objects).map(|k| uniform(event, k)));
    }
    // Every position is written and the cursor only moves past tail ones, so the list is
    // built without a branch; the cursor never passes the position, so it stays in bounds.
    let mut tails = vec![0usize; numbers.len()];
    let mut found = 0;
    for (i, &u) in numbers.iter().enumerate() {
        tails[found] = i;
        found += usize::from(in_tail(u));
    }
    tails.truncate(found);
    let tail_values: Vec<f64> = tails.iter().map(|&i| tail(numbers[i])).collect();
    // Tail numbers go through the central formula too (a finite or NaN value, never used).
    for u in &mut numbers {
        *u = central(*u);
    }
    for (&i, value) in tails.iter().zip(tail_values) {
        numbers[i] = value;
    }
    numbers
}

/// A uniform number in (0, 1) that depends only on the event number and the object's index:
/// splitmix64 seeded with `event ^ object · φ`, one draw, its top 52 bits `k` as
/// `(2k + 1) / 2⁵³`. Exact in f64, never 0 or 1 (so both tails' logarithms are finite), and
/// `1 - u` is exact too, so both tails are equally fine.
fn uniform(event: u64, object: usize) -> f64 {
    const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;
    let state = event ^ (object as u64).wrapping_mul(GOLDEN);
    let mut z = state.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    ((z >> 12) * 2 + 1) as f64 / (1u64 << 53) as f64
}

/// Whether `u` is beyond the central approximation's range (`|u - 1/2| > 0.425`).
fn in_tail(u: f64) -> bool {
    (u - 0.5).abs() > CENTRAL
}

/// The quantile of `u` by the central approximation (valid for `|u - 1/2| <= 0.425`).
fn central(u: f64) -> f64 {
    let q = u - 0.5;
    let r = CENTRAL_R - q * q;
    q * horner(&CENTRAL_NUM, r) / horner(&CENTRAL_DEN, r)
}

/// The quantile of `u` in the tails (`|u - 1/2| > 0.425`).
fn tail(u: f64) -> f64 {
    let q = u - 0.5;
    let p = if q < 0.0 { u } else { 1.0 - u };
    let r = (-p.ln()).sqrt();
    let x = if r <= FAR_R {
        let r = r - 1.6;
        horner(&INTERMEDIATE_NUM, r) / horner(&INTERMEDIATE_DEN, r)
    } else {
        let r = r - FAR_R;
        horner(&FAR_NUM, r) / horner(&FAR_DEN, r)
    };
    if q < 0.0 {
        -x
    } else {
        x
    }
}

/// `Σ coefficients[i] · xⁱ` by Horner's rule from the highest power: `(c₇x + c₆)x + …`.
fn horner(coefficients: &[f64; 8], x: f64) -> f64 {
    coefficients[..7]
        .iter()
        .rev()
        .fold(coefficients[7], |sum, &c| sum * x + c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_numbers_are_standard_normal_and_reproducible() {
        let draws: Vec<f64> = (0..200_000u64)
            .map(|e| gaussian(e * 7919, (e % 9) as usize))
            .collect();
        let n = draws.len() as f64;
        let mean = draws.iter().sum::<f64>() / n;
        let var = draws.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.01, "variance {var}");
        // The share beyond 1, 2 and 3 standard deviations: 31.73%, 4.55%, 0.27%.
        for (sigma, share) in [(1.0, 0.3173), (2.0, 0.0455), (3.0, 0.0027)] {
            let found = draws.iter().filter(|x| x.abs() > sigma).count() as f64 / n;
            assert!(
                (found - share).abs() < 0.1 * share + 0.0005,
                "> {sigma}σ: {found}"
            );
        }
        assert_eq!(gaussian(42, 3), gaussian(42, 3));
        assert_ne!(gaussian(42, 3), gaussian(42, 4));
        assert_ne!(gaussian(42, 3), gaussian(43, 3));
    }

    #[test]
    fn the_quantile_function_is_continuous_and_odd() {
        // Where the approximations meet, either side gives the same number to ~1e-15, and
        // the function is odd: Φ⁻¹(1 - u) = -Φ⁻¹(u) (for u whose 1 - u is exact, as for
        // every uniform number drawn).
        let edge = 0.5 + CENTRAL;
        let below = central(edge);
        let above = tail(edge + f64::EPSILON);
        assert!((below - above).abs() < 1e-13, "{below} vs {above}");
        let p_far = (-FAR_R * FAR_R).exp();
        assert!((tail(p_far) - tail(p_far * (1.0 + 1e-15))).abs() < 1e-12);
        for u in [
            2f64.powi(-53),
            2f64.powi(-20),
            2f64.powi(-6),
            0.0625,
            0.1875,
            0.375,
            0.5,
        ] {
            let (low, high) = if u < 0.5 - CENTRAL {
                (tail(u), tail(1.0 - u))
            } else {
                (central(u), central(1.0 - u))
            };
            assert_eq!(low, -high, "u = {u}");
        }
        assert_eq!(central(0.5), 0.0);
        // Known quantiles (as Python's statistics.NormalDist.inv_cdf gives them).
        assert!((tail(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
        assert!((central(0.841_344_746_068_542_9) - 1.0).abs() < 1e-14);
        assert!((tail(1e-300) + 37.047_096_299_361_2).abs() < 1e-12);
    }

    #[test]
    fn the_batched_numbers_are_the_same_bits() {
        // Events with no objects (first, between, last), event number 0 and u64::MAX, many
        // objects in one event (so both tails and the centre occur).
        let events = [
            (0u64, 0usize),
            (0, 3),
            (u64::MAX, 2),
            (17, 0),
            (123_456_789, 400),
            (5, 0),
        ];
        let expected: Vec<u64> = events
            .iter()
            .flat_map(|&(event, n)| (0..n).map(move |k| gaussian(event, k).to_bits()))
            .collect();
        let found: Vec<u64> = gaussians(events.iter().copied())
            .iter()
            .map(|g| g.to_bits())
            .collect();
        assert_eq!(found, expected);
        assert!(found.iter().any(|&g| f64::from_bits(g).abs() > 1.5));
        assert!(gaussians(std::iter::empty()).is_empty());
    }
}
