//! Money: profits and losses, exact to the eighth place, in 128 bits.
//!
//! A [`Decimal`] holds ±92 billion, enough for any price but not for what
//! prices multiply into: (100,000 − 100) × 1,000,000 is 99.9 billion. A
//! trade's PnL always fits here (the product of two 64-bit values fits 128
//! bits), and sums are checked, so money never wraps or saturates quietly.

use std::fmt;

use crate::Decimal;
use crate::decimal::{SCALE, push_fixed};

/// 10⁸, the units of one.
const ONE: i128 = 10i128.pow(SCALE);

/// An amount of money, in units of 10⁻⁸.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i128);

impl Money {
    /// Nothing.
    pub const ZERO: Money = Money(0);

    /// The same amount as `d`.
    pub fn from_decimal(d: Decimal) -> Money {
        Money(i128::from(d.units()))
    }

    /// An amount of `units` × 10⁻⁸.
    pub const fn from_units(units: i128) -> Money {
        Money(units)
    }

    /// Units of 10⁻⁸.
    pub const fn units(self) -> i128 {
        self.0
    }

    /// (to − from) × quantity, rounded half away from zero at the eighth
    /// place. Never overflows: the difference of two decimals and a
    /// quantity multiply to less than 2¹²⁷ units before the rounding.
    pub fn pnl(from: Decimal, to: Decimal, quantity: Decimal) -> Money {
        // The common case, a product inside 64 bits, divides in 64 bits:
        // a 128-bit division costs several times more, at every tick
        // while a position is open.
        let one = ONE as i64;
        let narrow = to.units().checked_sub(from.units()).and_then(|d| d.checked_mul(quantity.units()));
        if let Some(rounded) = narrow.and_then(|n| n.checked_add((one / 2) * n.signum())) {
            return Money(i128::from(rounded / one));
        }
        let diff = i128::from(to.units()) - i128::from(from.units());
        // |diff| < 2⁶⁴ and |quantity| ≤ 2⁶³, so the product fits an i128.
        let wide = diff.saturating_mul(i128::from(quantity.units()));
        let half = (ONE / 2) * wide.signum();
        Money(wide.saturating_add(half) / ONE)
    }

    /// Sum, or `None` past what 128 bits hold (±1.7 × 10³⁰).
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Difference, or `None` past what 128 bits hold.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// `self / n`, rounded half away from zero at the eighth place: a mean.
    pub fn div_round(self, n: u64) -> Money {
        let n = i128::from(n.max(1));
        let q = self.0 / n;
        let r = self.0 % n;
        // Half away from zero: compare twice the remainder with n.
        if r.unsigned_abs() * 2 >= n.unsigned_abs() { Money(q + self.0.signum()) } else { Money(q) }
    }

    /// Parses decimal text as [`Decimal::parse_bytes_rounded`] does (digits
    /// past the eighth place rounded half away from zero), up to 10²⁹:
    /// volumes of tokens counted in trillions included.
    pub fn parse_bytes_rounded(s: &[u8]) -> Result<Money, crate::decimal::DecimalError> {
        // The common case through the decimal's fast path; past it, wide.
        match Decimal::parse_bytes_rounded(s) {
            Err(crate::decimal::DecimalError::Overflow) => {
                crate::decimal::parse_units(s, true, 10i128.pow(29)).map(Money)
            }
            parsed => parsed.map(Money::from_decimal),
        }
    }

    /// Whether it is below zero.
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The nearest `f64`, for ratios, plots and JSON.
    pub fn to_f64(self) -> f64 {
        // Through the exact text, which rounds correctly where a division
        // by 1e8 may not.
        self.to_string().parse().unwrap_or(self.0 as f64 / ONE as f64)
    }

    /// Appends the amount with at least `min_places` decimals (and every
    /// further non-zero one), `+` before zero or more when `plus`.
    pub fn push_min_places(self, min_places: u32, plus: bool, out: &mut Vec<u8>) {
        let abs = self.0.unsigned_abs();
        // In 64 bits when it fits: a 128-bit division is a library call.
        let (int, frac) = match u64::try_from(abs) {
            Ok(small) => (u128::from(small / ONE as u64), small % ONE as u64),
            Err(_) => (abs / ONE as u128, (abs % ONE as u128) as u64),
        };
        push_fixed(self.0 < 0, plus, int, frac, min_places, out);
    }

    /// A value that displays as [`Money::push_min_places`] writes.
    pub fn display_min_places(self, min_places: u32) -> MoneyPlaces {
        MoneyPlaces { value: self, places: min_places }
    }
}

impl std::str::FromStr for Money {
    type Err = crate::decimal::DecimalError;

    /// Decimal text, as [`Decimal`] reads it, exact to the eighth place.
    fn from_str(s: &str) -> Result<Money, Self::Err> {
        crate::decimal::parse_units(s.as_bytes(), false, 10i128.pow(29)).map(Money)
    }
}

impl fmt::Display for Money {
    /// The shortest exact text (`99900000000`, `0.3`); `{:+}` forces a sign.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Vec::with_capacity(48);
        self.push_min_places(0, f.sign_plus(), &mut text);
        f.write_str(std::str::from_utf8(&text).unwrap_or(""))
    }
}

/// [`Money`] shown with a minimum number of decimal places.
#[derive(Clone, Copy, Debug)]
pub struct MoneyPlaces {
    value: Money,
    places: u32,
}

impl fmt::Display for MoneyPlaces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Vec::with_capacity(48);
        self.value.push_min_places(self.places, f.sign_plus(), &mut text);
        f.pad(std::str::from_utf8(&text).unwrap_or(""))
    }
}

impl serde::Serialize for Money {
    /// As a JSON number, as [`Decimal`] is.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_pnl_past_what_a_decimal_holds_is_exact() {
        // Issue 16: this trade was reported as 99,900 (the quantity dropped).
        let pnl = Money::pnl(d("100"), d("100000"), d("1000000"));
        assert_eq!(pnl.to_string(), "99900000000");
        let extreme = Money::pnl(Decimal::from_units(i64::MIN), Decimal::from_units(i64::MAX), d("92233720368"));
        assert!(extreme > Money::ZERO);
        assert_eq!(Money::pnl(d("150"), d("140.005"), d("3")).to_string(), "-29.985");
        assert_eq!(
            Money::pnl(d("0.00000001"), d("0.00000002"), d("0.5")).to_string(),
            "0.00000001",
            "half away from zero"
        );
    }

    #[test]
    fn the_64_bit_path_agrees_with_the_128_bit_arithmetic() {
        // The reference: the whole computation in i128, written out here.
        let reference = |from: i64, to: i64, q: i64| {
            let wide = (i128::from(to) - i128::from(from)) * i128::from(q);
            (wide + ONE / 2 * wide.signum()) / ONE
        };
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        // Values of every magnitude, so that products land on both sides of
        // i64's edge, and the rounding's half on both sides of it too.
        for _ in 0..200_000 {
            let mut pick = || (next() as i64) >> (next() % 64);
            let (from, to, q) = (pick(), pick(), pick().abs());
            let got = Money::pnl(Decimal::from_units(from), Decimal::from_units(to), Decimal::from_units(q));
            assert_eq!(got.units(), reference(from, to, q), "{from} {to} {q}");
        }
        let edge = (i64::MAX - ONE as i64 / 2 + 1, 0);
        let got = Money::pnl(Decimal::from_units(edge.1), Decimal::from_units(edge.0), Decimal::from_units(1));
        assert_eq!(got.units(), reference(edge.1, edge.0, 1), "rounding past i64::MAX");
    }

    #[test]
    fn sums_are_checked_and_means_round_half_away_from_zero() {
        let big = Money(i128::MAX - 1);
        assert_eq!(big.checked_add(Money(1)), Some(Money(i128::MAX)));
        assert_eq!(big.checked_add(Money(2)), None);
        // Issue 16: wins of 0.5, 0.5 and 1 averaged 0.66666666 (truncated).
        let sum = Money::from_decimal(d("2"));
        assert_eq!(sum.div_round(3).to_string(), "0.66666667");
        assert_eq!(Money::from_decimal(d("-2")).div_round(3).to_string(), "-0.66666667");
        assert_eq!(Money::from_decimal(d("1")).div_round(4).to_string(), "0.25");
    }

    #[test]
    fn text_past_a_decimal_reads_back() {
        // A meme coin's volume: past the 92 billion a Decimal holds.
        let big: Money = "1234567890123456.12345678".parse().unwrap();
        assert_eq!(big.to_string(), "1234567890123456.12345678");
        assert_eq!(Money::parse_bytes_rounded(b"5e20").unwrap().to_string(), "500000000000000000000");
        assert_eq!(Money::parse_bytes_rounded(b"0.123456789").unwrap().to_string(), "0.12345679");
        assert!("0.123456789".parse::<Money>().is_err(), "exact text refuses a ninth place");
        assert!(Money::parse_bytes_rounded(b"1e31").is_err(), "past 10^29");
        assert_eq!("-2.5".parse::<Money>().unwrap(), Money::from_decimal(d("-2.5")));
    }

    #[test]
    fn text_is_the_decimals_text() {
        for text in ["0", "150", "-0.3", "92233720368.54775807", "-0.00000001"] {
            let m = Money::from_decimal(d(text));
            assert_eq!(m.to_string(), d(text).to_string());
            let (mut a, mut b) = (Vec::new(), Vec::new());
            m.push_min_places(2, true, &mut a);
            d(text).push_min_places(2, true, &mut b);
            assert_eq!(a, b, "{text}");
        }
        assert_eq!(format!("{:+}", Money::pnl(d("1"), d("3"), d("1"))), "+2");
        assert_eq!(Money::pnl(d("100"), d("100000"), d("1000000")).display_min_places(2).to_string(), "99900000000.00");
        assert_eq!(Money::pnl(d("100"), d("100000"), d("1000000")).to_f64(), 99_900_000_000.0);
    }
}
