//! Exact fixed-point decimals for prices, volumes and money.
//!
//! Binary floating point cannot hold 0.10 exactly, so summing PnL in `f64`
//! drifts and two runs of a report may disagree in the last digit. A
//! [`Decimal`] is an `i64` count of 10⁻⁸ units: sums are exact, comparisons
//! are integer comparisons, and the type is `Copy`.
//!
//! Over 400 lines because parsing, exact formatting (a hot path of the
//! transcript) and their tests against the slow reference belong together.

use std::fmt;
use std::str::FromStr;

/// Number of decimal places a [`Decimal`] holds.
pub const SCALE: u32 = 8;
const ONE: i64 = 10i64.pow(SCALE);

/// "00", "01", … "99": two digits per lookup when writing a fraction.
const PAIRS: &[u8; 200] = &{
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// A signed decimal with eight fixed decimal places.
///
/// Range: about ±92 billion. Parsing rejects, rather than rounds, input with
/// more than eight significant decimal places, so whatever is read can be
/// written back exactly.
///
/// ```
/// use sluice_core::Decimal;
/// let a: Decimal = "0.10".parse().unwrap();
/// let b: Decimal = "0.20".parse().unwrap();
/// assert_eq!((a + b).to_string(), "0.3");
/// assert_eq!(format!("{:.2}", a + b), "0.30");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal(i64);

/// Why a text is not a [`Decimal`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// Nothing to read.
    #[error("empty number")]
    Empty,
    /// Not digits with an optional sign, point and exponent.
    #[error("not a number")]
    Invalid,
    /// More places than a decimal holds, where rounding is not allowed.
    #[error("more than {SCALE} decimal places")]
    TooPrecise,
    /// Too large to hold.
    #[error("number out of range")]
    Overflow,
}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal(0);
    /// One.
    pub const ONE: Decimal = Decimal(ONE);

    /// The decimal `units × 10⁻⁸`.
    pub const fn from_units(units: i64) -> Decimal {
        Decimal(units)
    }

    /// The raw count of 10⁻⁸ units.
    pub const fn units(self) -> i64 {
        self.0
    }

    /// `mantissa × 10^-places`, or `None` when it does not fit.
    pub fn from_scaled(mantissa: i64, places: u32) -> Option<Decimal> {
        if places > SCALE {
            return None;
        }
        mantissa.checked_mul(10i64.pow(SCALE - places)).map(Decimal)
    }

    /// Whether the value is below zero.
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Whether the value is exactly zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The absolute value (saturating at the maximum).
    pub fn abs(self) -> Decimal {
        Decimal(self.0.saturating_abs())
    }

    /// Product rounded half away from zero to eight places; `None` on overflow.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        let wide = i128::from(self.0) * i128::from(other.0);
        let half = i128::from(ONE / 2) * wide.signum();
        i64::try_from((wide + half) / i128::from(ONE)).ok().map(Decimal)
    }

    /// Halfway between two values (the mid of a bid and an ask), rounded
    /// half away from zero at the eighth place.
    pub fn midpoint(self, other: Decimal) -> Decimal {
        let sum = i128::from(self.0) + i128::from(other.0);
        let half = (sum + sum.signum()) / 2;
        Decimal(half as i64)
    }

    /// Sum, or `None` on overflow.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        self.0.checked_add(other.0).map(Decimal)
    }

    /// The nearest `f64`, for ratios and for JSON output.
    pub fn to_f64(self) -> f64 {
        // Parsing the exact text gives the correctly rounded f64, which a
        // division by 1e8 does not always do.
        self.to_string().parse().unwrap_or(self.0 as f64 / ONE as f64)
    }

    /// Converts a float through its shortest round-trip text, so that a
    /// configuration value written as `150.1` becomes exactly 150.1.
    pub fn from_f64(value: f64) -> Result<Decimal, DecimalError> {
        if !value.is_finite() {
            return Err(DecimalError::Invalid);
        }
        format!("{value}").parse()
    }

    /// Rounds half away from zero to `places` decimal places.
    pub fn round_to(self, places: u32) -> Decimal {
        if places >= SCALE {
            return self;
        }
        let step = 10i64.pow(SCALE - places);
        let rem = self.0 % step;
        let down = self.0 - rem;
        if rem.abs() * 2 >= step { Decimal(down.saturating_add(step * self.0.signum())) } else { Decimal(down) }
    }

    /// Shown with at least `min_places` decimals and no trailing zeros
    /// beyond them: `150` → `150.00`, `1.23456` → `1.23456` for
    /// `min_places = 2`. Used where the article prints `$150.00` but prices
    /// may be finer. Formats without allocating.
    pub fn display_min_places(self, min_places: u32) -> MinPlaces {
        MinPlaces { value: self, places: self.significant_places().max(min_places.min(SCALE)) }
    }

    /// Appends what [`Decimal::display_min_places`] shows to `out`, with a
    /// `+` before a value of zero or more when `plus`: the byte-level twin
    /// for writers that format a value per record.
    pub fn push_min_places(self, min_places: u32, plus: bool, out: &mut Vec<u8>) {
        let abs = self.0.unsigned_abs();
        push_fixed(self.0 < 0, plus, u128::from(abs / ONE as u64), abs % ONE as u64, min_places, out);
    }

    fn significant_places(self) -> u32 {
        let mut frac = (self.0 % ONE).unsigned_abs();
        if frac == 0 {
            return 0;
        }
        let mut places = SCALE;
        while frac.is_multiple_of(10) {
            frac /= 10;
            places -= 1;
        }
        places
    }
}

/// Appends `int.frac` (frac in units of 10⁻⁸) with at least `min_places`
/// decimals and no trailing zeros beyond them, a `-` when `negative` and a
/// `+` otherwise when `plus`: the one layout of fixed-point text for
/// [`Decimal`] and [`crate::Money`].
pub(crate) fn push_fixed(negative: bool, plus: bool, int: u128, frac: u64, min_places: u32, out: &mut Vec<u8>) {
    // Every decimal is written, so nothing is rounded: the eight
    // fractional digits are laid out once, the trailing zeros beyond
    // `min_places` dropped. No division by a variable power of ten, no
    // UTF-8 check: the transcript calls this twice per tick.
    let mut digits = [b'0'; SCALE as usize];
    let (hi, lo) = (frac / 10_000, frac % 10_000);
    for (at, pair) in [hi / 100, hi % 100, lo / 100, lo % 100].into_iter().enumerate() {
        digits[2 * at..2 * at + 2].copy_from_slice(&PAIRS[2 * pair as usize..2 * pair as usize + 2]);
    }
    let significant = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
    let places = significant.max(min_places.min(SCALE) as usize);
    if negative {
        out.push(b'-');
    } else if plus {
        out.push(b'+');
    }
    match u64::try_from(int) {
        Ok(small) => crate::record::push_u64(small, out),
        Err(_) => out.extend_from_slice(int.to_string().as_bytes()),
    }
    if places > 0 {
        out.push(b'.');
        out.extend_from_slice(&digits[..places]);
    }
}

impl std::ops::Add for Decimal {
    type Output = Decimal;
    /// Saturating: sums of real prices never come near ±92 billion.
    fn add(self, other: Decimal) -> Decimal {
        Decimal(self.0.saturating_add(other.0))
    }
}

impl std::ops::Sub for Decimal {
    type Output = Decimal;
    fn sub(self, other: Decimal) -> Decimal {
        Decimal(self.0.saturating_sub(other.0))
    }
}

impl std::ops::Neg for Decimal {
    type Output = Decimal;
    fn neg(self) -> Decimal {
        Decimal(self.0.saturating_neg())
    }
}

impl std::ops::AddAssign for Decimal {
    fn add_assign(&mut self, other: Decimal) {
        *self = *self + other;
    }
}

impl std::iter::Sum for Decimal {
    fn sum<I: Iterator<Item = Decimal>>(iter: I) -> Decimal {
        iter.fold(Decimal::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Decimal {
    /// Without a precision, the shortest exact text (`150`, `0.3`); with one,
    /// rounded half away from zero (`{:.2}` → `0.30`). `{:+}` forces a sign.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let places = match f.precision() {
            Some(p) => p.min(SCALE as usize) as u32,
            None => self.significant_places(),
        };
        f.pad_integral(self.round_to(places).0 >= 0, "", self.digits(places, &mut [0; 32]))
    }
}

impl Decimal {
    /// The unsigned digits of this value rounded to `places` decimals,
    /// written into `buf` (no allocation: the transcript formats a price
    /// per tick).
    fn digits(self, places: u32, buf: &mut [u8; 32]) -> &str {
        let abs = self.round_to(places).0.unsigned_abs();
        let (int, frac) = (abs / ONE as u64, (abs % ONE as u64) / 10u64.pow(SCALE - places));
        let mut at = buf.len();
        let mut push = |digit: u64| {
            at -= 1;
            buf[at] = b'0' + digit as u8;
        };
        let mut f = frac;
        for _ in 0..places {
            push(f % 10);
            f /= 10;
        }
        if places > 0 {
            at -= 1;
            buf[at] = b'.';
        }
        let mut i = int;
        loop {
            at -= 1;
            buf[at] = b'0' + (i % 10) as u8;
            i /= 10;
            if i == 0 {
                break;
            }
        }
        std::str::from_utf8(&buf[at..]).unwrap_or("")
    }
}

/// A [`Decimal`] shown with a minimum number of decimal places; see
/// [`Decimal::display_min_places`].
#[derive(Clone, Copy, Debug)]
pub struct MinPlaces {
    value: Decimal,
    places: u32,
}

impl fmt::Display for MinPlaces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad_integral(self.value.0 >= 0, "", self.value.digits(self.places, &mut [0; 32]))
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;

    /// Accepts `[+-]digits[.digits][(e|E)[+-]digits]`, as found in vendor
    /// files (`1.5e-05` included). Surrounding spaces are not accepted.
    fn from_str(s: &str) -> Result<Decimal, DecimalError> {
        parse_bytes(s.as_bytes(), false)
    }
}

impl Decimal {
    /// Parses ASCII bytes without first checking UTF-8: the hot path of the
    /// CSV reader hands fields over as bytes.
    pub fn parse_bytes(s: &[u8]) -> Result<Decimal, DecimalError> {
        parse_bytes(s, false)
    }

    /// Like [`Decimal::parse_bytes`], but rounds digits past the eighth
    /// place (half away from zero) instead of refusing them: files written
    /// from binary floats carry noise such as `203889.11713750003`.
    pub fn parse_bytes_rounded(s: &[u8]) -> Result<Decimal, DecimalError> {
        parse_bytes(s, true)
    }
}

fn parse_bytes(s: &[u8], round: bool) -> Result<Decimal, DecimalError> {
    if let Some(d) = parse_plain(s) {
        return Ok(d);
    }
    parse_general(s, round)
}

/// The common case, `[-]digits[.digits]` with at most 11 integer and 8
/// fraction digits, in plain u64 arithmetic; `None` sends anything else
/// (exponents, long fractions, errors) to the general parser.
#[inline]
fn parse_plain(s: &[u8]) -> Option<Decimal> {
    let (negative, rest) = match s.first()? {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let mut i = 0;
    let mut int: u64 = 0;
    while i < rest.len() && rest[i].is_ascii_digit() {
        int = int * 10 + u64::from(rest[i] - b'0');
        i += 1;
        if i > 11 {
            return None;
        }
    }
    let int_digits = i;
    let mut frac: u64 = 0;
    let mut places = 0;
    if i < rest.len() && rest[i] == b'.' {
        i += 1;
        while i < rest.len() && rest[i].is_ascii_digit() {
            if places == SCALE {
                return None;
            }
            frac = frac * 10 + u64::from(rest[i] - b'0');
            places += 1;
            i += 1;
        }
    }
    if i != rest.len() || (int_digits == 0 && places == 0) {
        return None;
    }
    let units = int.checked_mul(ONE as u64)?.checked_add(frac * 10u64.pow(SCALE - places))?;
    let units = i64::try_from(units).ok()?;
    Some(Decimal(if negative { -units } else { units }))
}

fn parse_general(s: &[u8], round: bool) -> Result<Decimal, DecimalError> {
    let units = parse_units(s, round, i128::from(i64::MAX))?;
    i64::try_from(units).map(Decimal).map_err(|_| DecimalError::Overflow)
}

/// Units of 10⁻⁸ of any decimal text whose magnitude is at most `max`
/// (whole units): the parser behind [`Decimal`] and [`crate::Money`].
pub(crate) fn parse_units(s: &[u8], round: bool, max: i128) -> Result<i128, DecimalError> {
    if s.is_empty() {
        return Err(DecimalError::Empty);
    }
    let (negative, rest) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (body, exp) = match rest.iter().position(|&b| b == b'e' || b == b'E') {
        Some(i) => (&rest[..i], parse_exponent(&rest[i + 1..])?),
        None => (rest, 0),
    };
    let (int, frac) = match body.iter().position(|&b| b == b'.') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &body[..0]),
    };
    if int.is_empty() && frac.is_empty() {
        return Err(DecimalError::Invalid);
    }
    // Digits as one integer mantissa; trailing zeros of the fraction carry
    // no value and may exceed the eight places.
    let frac = trim_trailing_zeros(frac);
    let mut mantissa: i128 = 0;
    for &b in int.iter().chain(frac) {
        if !b.is_ascii_digit() {
            return Err(DecimalError::Invalid);
        }
        mantissa = mantissa * 10 + i128::from(b - b'0');
        if mantissa > max.saturating_mul(10i128.pow(SCALE)) {
            return Err(DecimalError::Overflow);
        }
    }
    if mantissa == 0 {
        return Ok(0);
    }
    // value = mantissa × 10^(exp − frac.len()); we store value × 10^SCALE.
    let shift = i64::from(SCALE) + exp - frac.len() as i64;
    let units = if shift >= 0 {
        10i128.checked_pow(shift as u32).and_then(|f| mantissa.checked_mul(f)).ok_or(DecimalError::Overflow)?
    } else {
        let Some(div) = 10i128.checked_pow((-shift) as u32) else {
            return if round { Ok(0) } else { Err(DecimalError::TooPrecise) };
        };
        if mantissa % div != 0 && !round {
            return Err(DecimalError::TooPrecise);
        }
        (mantissa + div / 2) / div
    };
    if units > max.saturating_mul(ONE as i128) {
        return Err(DecimalError::Overflow);
    }
    Ok(if negative { -units } else { units })
}

fn parse_exponent(s: &[u8]) -> Result<i64, DecimalError> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(DecimalError::Invalid);
    }
    let v = digits.iter().fold(0i64, |a, &b| a * 10 + i64::from(b - b'0'));
    Ok(if neg { -v } else { v })
}

fn trim_trailing_zeros(mut s: &[u8]) -> &[u8] {
    while let [rest @ .., b'0'] = s {
        s = rest;
    }
    s
}

impl serde::Serialize for Decimal {
    /// As a JSON number: the shortest float text that reads back as the
    /// same value, which is the decimal text for anything under 15 digits.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

impl<'de> serde::Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
}

struct DecimalVisitor;

impl serde::de::Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a decimal number with at most {SCALE} decimal places")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
        v.trim().parse().map_err(|e| E::custom(format_args!("`{v}` is not a decimal number: {e}")))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
        Decimal::from_scaled(v, 0).ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
        i64::try_from(v).ok().and_then(|v| Decimal::from_scaled(v, 0)).ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
        Decimal::from_f64(v).map_err(|e| E::custom(format_args!("{v}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn sums_are_exact() {
        assert_eq!(d("0.10") + d("0.20"), d("0.30"));
        let total: Decimal = std::iter::repeat_n(d("0.1"), 10).sum();
        assert_eq!(total, Decimal::ONE);
    }

    #[test]
    fn parses_vendor_forms() {
        assert_eq!(d("150").units(), 150 * ONE);
        assert_eq!(d("-0.5").units(), -ONE / 2);
        assert_eq!(d("+.25").units(), ONE / 4);
        assert_eq!(d("7.").units(), 7 * ONE);
        assert_eq!(d("1.5e-05").units(), 1500);
        assert_eq!(d("2E3").units(), 2000 * ONE);
        assert_eq!(d("1.100000000000").units(), ONE + ONE / 10);
    }

    #[test]
    fn rejects_bad_text() {
        for bad in ["", "-", ".", "1.2.3", "abc", "1e", "1e+", " 1", "1 ", "0x10", "NaN", "inf"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad:?} parsed");
        }
        assert_eq!("0.000000001".parse::<Decimal>(), Err(DecimalError::TooPrecise));
        assert_eq!("1e99".parse::<Decimal>(), Err(DecimalError::Overflow));
        assert_eq!("99999999999999999999".parse::<Decimal>(), Err(DecimalError::Overflow));
        assert_eq!("1e-9999".parse::<Decimal>(), Err(DecimalError::TooPrecise));
        assert_eq!("1e-99999".parse::<Decimal>(), Err(DecimalError::Invalid));
        assert_eq!("0e-9999".parse::<Decimal>(), Ok(Decimal::ZERO));
    }

    #[test]
    fn rounded_parsing_absorbs_float_noise() {
        let r = |s: &str| Decimal::parse_bytes_rounded(s.as_bytes()).unwrap();
        assert_eq!(r("203889.11713750003"), d("203889.1171375"));
        assert_eq!(r("0.30000000000000004"), d("0.3"));
        assert_eq!(r("0.000000005"), d("0.00000001"));
        assert_eq!(r("-0.000000005"), d("-0.00000001"));
        assert_eq!(r("1e-30"), Decimal::ZERO);
        assert!(Decimal::parse_bytes_rounded(b"abc").is_err());
    }

    #[test]
    fn displays_shortest_or_rounded() {
        assert_eq!(d("150").to_string(), "150");
        assert_eq!(d("-0.05").to_string(), "-0.05");
        assert_eq!(format!("{:.2}", d("160")), "160.00");
        assert_eq!(format!("{:.2}", d("1.005")), "1.01");
        assert_eq!(format!("{:.2}", d("-1.005")), "-1.01");
        assert_eq!(format!("{:+.2}", d("10")), "+10.00");
        assert_eq!(format!("{:+.2}", d("-10")), "-10.00");
        assert_eq!(format!("{:>8.1}", d("2.25")), "     2.3");
        assert_eq!(d("1.23456").display_min_places(2).to_string(), "1.23456");
        assert_eq!(d("150.5").display_min_places(2).to_string(), "150.50");
        assert_eq!(d("-0.5").display_min_places(2).to_string(), "-0.50");
        assert_eq!(format!("{:+}", d("7").display_min_places(2)), "+7.00");
        for (v, plus) in [("7", true), ("-7.125", true), ("0", false), ("-0.001", false)] {
            let mut out = Vec::new();
            d(v).push_min_places(2, plus, &mut out);
            let shown =
                if plus { format!("{:+}", d(v).display_min_places(2)) } else { d(v).display_min_places(2).to_string() };
            assert_eq!(String::from_utf8(out).unwrap(), shown);
        }
    }

    #[test]
    fn push_min_places_writes_what_display_min_places_shows() {
        let mut units = vec![0, 1, -1, 10, 99_999_999, 100_000_000, -100_000_001, i64::MAX, i64::MIN, i64::MIN + 1];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Values of every magnitude, with runs of trailing zeros.
            let v = (x as i64) >> (x % 60);
            units.push(v - v % 10i64.pow((x % 9) as u32));
        }
        for &u in &units {
            for min in 0..=9 {
                for plus in [false, true] {
                    let v = Decimal::from_units(u);
                    let mut out = Vec::new();
                    v.push_min_places(min, plus, &mut out);
                    let shown = if plus {
                        format!("{:+}", v.display_min_places(min))
                    } else {
                        v.display_min_places(min).to_string()
                    };
                    assert_eq!(String::from_utf8(out).unwrap(), shown, "{u} units, {min} places");
                }
            }
        }
    }

    #[test]
    fn text_round_trips() {
        for s in ["0", "1", "-1", "0.00000001", "92233720368.54775807", "-123.456"] {
            assert_eq!(d(s).to_string(), s);
        }
    }

    #[test]
    fn multiplies_with_rounding() {
        assert_eq!(d("1.5").checked_mul(d("2")), Some(d("3")));
        assert_eq!(d("0.00000001").checked_mul(d("0.5")), Some(d("0.00000001")));
        assert_eq!(d("90000000000").checked_mul(d("2")), None);
    }

    #[test]
    fn midpoint_rounds_half_away_from_zero() {
        assert_eq!(d("1.5").midpoint(d("2.5")), d("2"));
        assert_eq!(d("0.00000001").midpoint(d("0")), d("0.00000001"));
        assert_eq!(d("-0.00000001").midpoint(d("0")), d("-0.00000001"));
        assert_eq!(
            Decimal::from_units(i64::MAX).midpoint(Decimal::from_units(i64::MAX)),
            Decimal::from_units(i64::MAX)
        );
    }

    #[test]
    fn converts_floats_through_shortest_text() {
        assert_eq!(Decimal::from_f64(150.1), Ok(d("150.1")));
        assert_eq!(d("0.3").to_f64(), 0.3);
        assert!(Decimal::from_f64(f64::NAN).is_err());
    }
}
