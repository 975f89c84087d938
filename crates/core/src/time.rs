//! Points in time, in UTC, to the nanosecond.

use std::fmt;

/// Nanoseconds since the Unix epoch, UTC.
///
/// An `i64` covers 1677 to 2262, which holds every tick file there is, and
/// keeps [`crate::Tick`] `Copy` and comparisons cheap. Formatting goes
/// through jiff, so the calendar arithmetic is not ours to get wrong.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// 1970-01-01T00:00:00Z.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// The instant `ns` nanoseconds after the epoch.
    pub const fn from_nanos(ns: i64) -> Timestamp {
        Timestamp(ns)
    }

    /// Nanoseconds since the epoch.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// This instant as a jiff timestamp, for calendar formatting.
    pub fn to_jiff(self) -> jiff::Timestamp {
        // Every i64 of nanoseconds is inside jiff's range (years -9999..9999).
        jiff::Timestamp::from_nanosecond(i128::from(self.0)).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// The jiff timestamp as nanoseconds, or `None` outside 1677–2262.
    pub fn from_jiff(ts: jiff::Timestamp) -> Option<Timestamp> {
        i64::try_from(ts.as_nanosecond()).ok().map(Timestamp)
    }

    /// This instant plus `ns` nanoseconds (saturating).
    pub fn add_nanos(self, ns: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ns))
    }
}

/// Writes timestamps as their `Display` does, fast: the text up to the
/// minute is asked of jiff once per minute and reused, so a stream of ticks
/// costs a few digit writes each.
#[derive(Debug, Default)]
pub struct TimeWriter {
    minute: Option<i64>,
    prefix: Vec<u8>,
}

impl TimeWriter {
    /// Appends `ts` as RFC 3339 in UTC, exactly as `ts.to_string()` would.
    pub fn write(&mut self, ts: Timestamp, out: &mut Vec<u8>) {
        let ns = ts.as_nanos();
        let minute = ns.div_euclid(60_000_000_000);
        if self.minute != Some(minute) {
            // "YYYY-MM-DDTHH:MM:" of the minute's start.
            let text = Timestamp::from_nanos(minute * 60_000_000_000).to_string();
            match text.rfind(':') {
                Some(i) if text.len() == i + 4 => {
                    self.prefix.clear();
                    self.prefix.extend_from_slice(&text.as_bytes()[..=i]);
                    self.minute = Some(minute);
                }
                // Years past 9999 and the like: no shortcut.
                _ => {
                    out.extend_from_slice(ts.to_string().as_bytes());
                    return;
                }
            }
        }
        let within = ns.rem_euclid(60_000_000_000);
        let (secs, frac) = (within / 1_000_000_000, (within % 1_000_000_000) as u32);
        // Seconds and the fraction's digits, laid out two at a time.
        let mut text = [0u8; 12];
        text[..2].copy_from_slice(&[b'0' + (secs / 10) as u8, b'0' + (secs % 10) as u8]);
        let mut len = 2;
        if frac != 0 {
            text[2] = b'.';
            let (hi, lo) = (frac / 100_000, frac % 100_000);
            let pairs = [hi / 100, hi % 100, lo / 1000, lo / 10 % 100];
            for (i, pair) in pairs.into_iter().enumerate() {
                text[3 + 2 * i] = b'0' + (pair / 10) as u8;
                text[4 + 2 * i] = b'0' + (pair % 10) as u8;
            }
            text[11] = b'0' + (lo % 10) as u8;
            len = 12 - text[3..].iter().rev().take_while(|&&d| d == b'0').count();
        }
        out.extend_from_slice(&self.prefix);
        out.extend_from_slice(&text[..len]);
        out.push(b'Z');
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`): plain arithmetic, for readers that meet dates in
/// text or columns by the million.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01: year, month and day (the inverse of
/// [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with as many fractional digits as needed:
    /// `2026-01-01T00:00:00Z`, `2026-01-01T00:00:00.25Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_jiff(), f)
    }
}

impl std::str::FromStr for Timestamp {
    type Err = jiff::Error;

    /// Parses RFC 3339 with an offset (`2026-01-01T00:00:00Z`).
    fn from_str(s: &str) -> Result<Timestamp, jiff::Error> {
        let ts: jiff::Timestamp = s.parse()?;
        Timestamp::from_jiff(ts).ok_or_else(|| jiff::Error::from_args(format_args!("{s} is outside 1677-2262")))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn civil_dates_and_day_counts_agree_with_jiff() {
        for days in [-719_468i64, -1, 0, 1, 20_458, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            let date = jiff::civil::date(y as i16, m as i8, d as i8);
            let epoch = jiff::civil::date(1970, 1, 1);
            assert_eq!(i64::from(epoch.until(date).unwrap().get_days()), days, "{days}");
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    use super::*;

    #[test]
    fn formats_rfc3339_utc() {
        assert_eq!(Timestamp::EPOCH.to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp::from_nanos(1_500_000_000).to_string(), "1970-01-01T00:00:01.5Z");
        assert_eq!(Timestamp::from_nanos(-1).to_string(), "1969-12-31T23:59:59.999999999Z");
    }

    #[test]
    fn the_time_writer_writes_what_display_does() {
        let mut w = TimeWriter::default();
        let mut out = Vec::new();
        let mut ns: i64 = -3_000_000_000_000;
        for step in
            [1, 7, 999, 1_000_000, 123_456_789, 59_999_999_999, 61_000_000_007, 3_600_000_000_000, 86_400_000_000_001]
        {
            for _ in 0..50 {
                ns += step;
                out.clear();
                w.write(Timestamp::from_nanos(ns), &mut out);
                assert_eq!(String::from_utf8(out.clone()).unwrap(), Timestamp::from_nanos(ns).to_string(), "{ns}");
            }
        }
    }

    #[test]
    fn parses_what_it_prints() {
        let t: Timestamp = "2026-01-01T00:00:00.123456789Z".parse().unwrap();
        assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
        assert!("9999-01-01T00:00:00Z".parse::<Timestamp>().is_err());
    }
}
