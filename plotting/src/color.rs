//! Colours of processes and plot elements.

use crate::{Error, Result};

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Black, for data and nominal lines.
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    /// White.
    pub const WHITE: Rgb = Rgb(255, 255, 255);

    /// Parses `#rrggbb` (the form configs use).
    ///
    /// ```
    /// assert_eq!(cf_plot::Rgb::from_hex("#e42536")?, cf_plot::Rgb(0xe4, 0x25, 0x36));
    /// # Ok::<(), cf_plot::Error>(())
    /// ```
    pub fn from_hex(hex: &str) -> Result<Rgb> {
        let bad = || Error::BadColor {
            value: hex.to_string(),
        };
        let digits = hex.strip_prefix('#').ok_or_else(bad)?;
        if digits.len() != 6 || !digits.is_ascii() {
            return Err(bad());
        }
        let byte = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| bad());
        Ok(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }
}

/// A palette for processes without a colour: the CMS-recommended ten-colour set
/// (Petroff 2021), whose first entries configs already use.
pub const PALETTE: [Rgb; 10] = [
    Rgb(0x3f, 0x90, 0xda),
    Rgb(0xff, 0xa9, 0x0e),
    Rgb(0xbd, 0x1f, 0x01),
    Rgb(0x94, 0xa4, 0xa2),
    Rgb(0x83, 0x2d, 0xb6),
    Rgb(0xa9, 0x6b, 0x59),
    Rgb(0xe7, 0x63, 0x00),
    Rgb(0xb9, 0xac, 0x70),
    Rgb(0x71, 0x75, 0x81),
    Rgb(0x92, 0xda, 0xdd),
];

/// Viridis, sampled at nine points and interpolated linearly: perceptually uniform and
/// readable in grey scale, the default colour map of matplotlib and mplhep.
pub(crate) fn viridis(t: f64) -> Rgb {
    const STOPS: [(f64, f64, f64); 9] = [
        (68.0, 1.0, 84.0),
        (71.0, 44.0, 122.0),
        (59.0, 81.0, 139.0),
        (44.0, 113.0, 142.0),
        (33.0, 144.0, 141.0),
        (39.0, 173.0, 129.0),
        (92.0, 200.0, 99.0),
        (170.0, 220.0, 50.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex() {
        assert_eq!(Rgb::from_hex("#5790fc").unwrap(), Rgb(0x57, 0x90, 0xfc));
        for bad in ["5790fc", "#5790f", "#5790fg", "#ééé", "black", ""] {
            assert!(
                matches!(Rgb::from_hex(bad), Err(Error::BadColor { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), Rgb(68, 1, 84));
        assert_eq!(viridis(1.0), Rgb(253, 231, 37));
        assert_eq!(viridis(f64::NAN), Rgb(68, 1, 84));
    }
}
