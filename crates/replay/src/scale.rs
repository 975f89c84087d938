//! Integer prices scaled to decimals: Databento writes 4235.25 as
//! 4235250000000 (units of 10⁻⁹), other vendors in cents.

use std::str::FromStr;

use sluice_core::Decimal;

/// Prices are integers times 10^`exponent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    pub exponent: i32,
    /// Scale only a price written without a decimal point (Databento's
    /// `pretty_px` files carry decimals); otherwise a price with one is a
    /// bad row, as the file said its prices are integers.
    pub integers_only: bool,
}

impl FromStr for Scale {
    type Err = String;

    /// A power of ten: `0.01`, `1e-9`, `100`.
    fn from_str(s: &str) -> Result<Scale, String> {
        let bad = || "not a power of ten; write the factor as 0.01, 1e-9 or 100".to_owned();
        let t = s.trim();
        let exponent = if let Some((m, e)) = t.split_once(['e', 'E']) {
            if m != "1" {
                return Err(bad());
            }
            e.parse::<i32>().map_err(|_| bad())?
        } else if let Some(frac) = t.strip_prefix("0.") {
            let zeros = frac.len() - frac.trim_start_matches('0').len();
            if frac.trim_start_matches('0') != "1" {
                return Err(bad());
            }
            -(zeros as i32) - 1
        } else if t.starts_with('1') && t[1..].bytes().all(|b| b == b'0') {
            (t.len() - 1) as i32
        } else {
            return Err(bad());
        };
        if !(-18..=18).contains(&exponent) {
            return Err("past what a price can be scaled by (1e-18 to 1e18)".to_owned());
        }
        Ok(Scale { exponent, integers_only: false })
    }
}

sluice_core::text_schema!(Scale, "Scale", "A power of ten that integer prices are multiplied by: 0.01, 1e-9, 100.");

impl Scale {
    /// The price written `text`, scaled; `None` when `text` is not for
    /// scaling (it has a decimal point and only integers are scaled).
    pub fn apply(&self, text: &[u8]) -> Option<Result<Decimal, String>> {
        let (negative, digits) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            if self.integers_only {
                return None;
            }
            let shown = String::from_utf8_lossy(text);
            return Some(Err(format!("price `{shown}` is not an integer, and --price-scale scales integers")));
        }
        Some(self.scale(negative, digits))
    }

    fn scale(&self, negative: bool, digits: &[u8]) -> Result<Decimal, String> {
        let too_big = || "number out of range".to_owned();
        let mut n: i128 = 0;
        for d in digits {
            n = n.checked_mul(10).and_then(|n| n.checked_add(i128::from(d - b'0'))).ok_or_else(too_big)?;
        }
        // Units are 10⁻⁸: an integer times 10^exponent is n × 10^(8 + exponent) units.
        let shift = 8 + self.exponent;
        let units = if shift >= 0 {
            n.checked_mul(10i128.pow(shift as u32)).ok_or_else(too_big)?
        } else {
            // Past the eighth place, rounded half away from zero.
            let d = 10i128.pow((-shift) as u32);
            (n + d / 2) / d
        };
        let units = if negative { -units } else { units };
        i64::try_from(units).map(Decimal::from_units).map_err(|_| too_big())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn factors_are_powers_of_ten() {
        let exp = |s: &str| s.parse::<Scale>().map(|s| s.exponent);
        assert_eq!(exp("0.01"), Ok(-2));
        assert_eq!(exp("1e-9"), Ok(-9));
        assert_eq!(exp("0.000000001"), Ok(-9));
        assert_eq!(exp("100"), Ok(2));
        assert_eq!(exp("1"), Ok(0));
        assert_eq!(exp("0.5"), Err("not a power of ten; write the factor as 0.01, 1e-9 or 100".into()));
        assert!(exp("2e3").is_err() && exp("abc").is_err() && exp("1e40").is_err());
    }

    #[test]
    fn integers_are_scaled_exactly_and_rounded_past_the_eighth_place() {
        let nano = Scale { exponent: -9, integers_only: true };
        assert_eq!(nano.apply(b"4235250000000"), Some(Ok(d("4235.25"))));
        // 1.234567895 rounds half away from zero at the eighth place.
        assert_eq!(nano.apply(b"1234567895"), Some(Ok(d("1.2345679"))));
        assert_eq!(nano.apply(b"4235.25"), None, "a pretty-printed price is read as it is");
        let cents = Scale { exponent: -2, integers_only: false };
        assert_eq!(cents.apply(b"15025"), Some(Ok(d("150.25"))));
        assert_eq!(cents.apply(b"-5"), Some(Ok(d("-0.05"))));
        assert_eq!(
            cents.apply(b"150.25"),
            Some(Err("price `150.25` is not an integer, and --price-scale scales integers".into()))
        );
        let huge = Scale { exponent: 9, integers_only: false };
        assert_eq!(huge.apply(b"99999999999"), Some(Err("number out of range".into())));
    }
}
