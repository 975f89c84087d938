//! Reading timestamps in the forms tick files use.
//!
//! Calendar work is jiff's. The only arithmetic here is seconds within a
//! minute: for RFC 3339 stamps the minute's start is asked of jiff once and
//! cached, because consecutive ticks nearly always share it.
//!
//! Over 400 lines because the formats, their typed errors and the tests
//! that hold the fast path to jiff's answers belong together.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use sluice_core::Timestamp;

/// How a timestamp column is written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TimeFormat {
    /// Guessed per value: digits are Unix time (unit by magnitude),
    /// `YYYY-MM-DD` a date, anything else RFC 3339 / ISO 8601.
    #[default]
    Auto,
    /// RFC 3339 / ISO 8601, `T` or a space between date and time, with or
    /// without an offset (none means the configured zone, UTC by default).
    Rfc3339,
    /// `YYYY-MM-DD`, midnight in the configured zone.
    Date,
    /// Unix time in the given unit.
    Epoch(EpochUnit),
    /// A strftime-style pattern, e.g. `%Y%m%d %H%M%S%3f`.
    Pattern(String),
}

/// The unit of a Unix timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochUnit {
    /// By magnitude: below 10¹¹ seconds, below 10¹⁴ milliseconds, below
    /// 10¹⁷ microseconds, else nanoseconds. Each holds 1973–5138, so the
    /// guess is right for any real date (and follows Binance's 2025 switch
    /// from milliseconds to microseconds by itself).
    Auto,
    Seconds,
    Millis,
    Micros,
    Nanos,
}

sluice_core::text_schema!(
    TimeFormat,
    "TimeFormat",
    "auto, rfc3339, date, epoch, epoch-s, epoch-ms, epoch-us, epoch-ns, or a strftime pattern."
);

impl FromStr for TimeFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<TimeFormat, String> {
        Ok(match s {
            "auto" => TimeFormat::Auto,
            "rfc3339" | "iso8601" | "iso" => TimeFormat::Rfc3339,
            "date" => TimeFormat::Date,
            "epoch" => TimeFormat::Epoch(EpochUnit::Auto),
            "epoch-s" => TimeFormat::Epoch(EpochUnit::Seconds),
            "epoch-ms" => TimeFormat::Epoch(EpochUnit::Millis),
            "epoch-us" => TimeFormat::Epoch(EpochUnit::Micros),
            "epoch-ns" => TimeFormat::Epoch(EpochUnit::Nanos),
            p if p.contains('%') => TimeFormat::Pattern(p.to_owned()),
            other => {
                return Err(format!(
                    "`{other}` is not a time format; use auto, rfc3339, date, epoch, epoch-s, epoch-ms, \
                     epoch-us, epoch-ns or a strftime pattern such as `%Y%m%d %H%M%S`"
                ));
            }
        })
    }
}

impl fmt::Display for TimeFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeFormat::Auto => "auto",
            TimeFormat::Rfc3339 => "rfc3339",
            TimeFormat::Date => "date",
            TimeFormat::Epoch(EpochUnit::Auto) => "epoch",
            TimeFormat::Epoch(EpochUnit::Seconds) => "epoch-s",
            TimeFormat::Epoch(EpochUnit::Millis) => "epoch-ms",
            TimeFormat::Epoch(EpochUnit::Micros) => "epoch-us",
            TimeFormat::Epoch(EpochUnit::Nanos) => "epoch-ns",
            TimeFormat::Pattern(p) => p,
        })
    }
}

/// Parses one column's timestamps, reusing what it learnt from the last.
pub struct TimeParser {
    format: TimeFormat,
    tz: TimeZone,
    /// The last minute seen: `YYYY-MM-DD?HH:MM` (compared as one integer),
    /// what follows its seconds (a zone, or nothing), and its start in
    /// nanoseconds.
    minute: Option<u128>,
    minute_suffix: Vec<u8>,
    minute_start: i64,
}

/// Why a timestamp field is not a timestamp: the reason of its bad record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The field's bytes are not UTF-8.
    #[error("timestamp is not text")]
    NotText,
    /// The field is empty.
    #[error("missing timestamp")]
    Missing,
    /// The text does not read as the format says.
    #[error("unparsable timestamp `{text}` ({format}): {why}")]
    Unparsable {
        /// The field.
        text: String,
        /// The format it was read with.
        format: String,
        /// What failed.
        why: Why,
    },
}

/// What failed in reading a timestamp's text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Why {
    /// The calendar or the pattern refused it.
    #[error("{0}")]
    Calendar(#[from] jiff::Error),
    /// A valid time a timestamp cannot hold (nanoseconds in an i64).
    #[error("outside 1677-2262")]
    OutOfRange,
    /// Epoch time that is not digits.
    #[error("not a number")]
    NotANumber,
    /// Epoch time with more digits than an i64 holds.
    #[error("out of range")]
    TooLarge,
}

impl TimeParser {
    /// A parser for `format`; `tz` applies to stamps that carry no offset.
    pub fn new(format: TimeFormat, tz: TimeZone) -> TimeParser {
        TimeParser { format, tz, minute: None, minute_suffix: Vec::new(), minute_start: 0 }
    }

    /// The timestamp in `field`, or why it is not one.
    pub fn parse(&mut self, field: &[u8]) -> Result<Timestamp, TimeError> {
        let field = field.trim_ascii();
        if matches!(self.format, TimeFormat::Auto | TimeFormat::Rfc3339)
            && let Some(ts) = self.rfc3339_fast(field)
        {
            return Ok(ts);
        }
        let text = std::str::from_utf8(field).map_err(|_| TimeError::NotText)?;
        if text.is_empty() {
            return Err(TimeError::Missing);
        }
        let parsed = match &self.format {
            TimeFormat::Auto => {
                if text.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') && !is_date(text) {
                    epoch(text, EpochUnit::Auto)
                } else if is_date(text) {
                    self.date(text)
                } else {
                    self.rfc3339(text)
                }
            }
            TimeFormat::Rfc3339 => self.rfc3339(text),
            TimeFormat::Date => self.date(text),
            TimeFormat::Epoch(unit) => epoch(text, *unit),
            TimeFormat::Pattern(p) => self.pattern(p, text),
        };
        parsed.map_err(|why| TimeError::Unparsable { text: text.to_owned(), format: self.format.to_string(), why })
    }

    fn date(&self, text: &str) -> Result<Timestamp, Why> {
        let date: Date = text.parse()?;
        self.civil(date.to_datetime(jiff::civil::Time::midnight()))
    }

    fn civil(&self, dt: DateTime) -> Result<Timestamp, Why> {
        let ts = self.tz.to_ambiguous_timestamp(dt).compatible()?;
        Timestamp::from_jiff(ts).ok_or(Why::OutOfRange)
    }

    fn rfc3339(&mut self, text: &str) -> Result<Timestamp, Why> {
        if let Some(ts) = self.rfc3339_fast(text.as_bytes()) {
            return Ok(ts);
        }
        self.rfc3339_slow(text)
    }

    fn rfc3339_slow(&self, text: &str) -> Result<Timestamp, Why> {
        match text.parse::<jiff::Timestamp>() {
            Ok(ts) => Timestamp::from_jiff(ts).ok_or(Why::OutOfRange),
            Err(with_offset) => match text.parse::<DateTime>() {
                Ok(dt) => self.civil(dt),
                Err(_) => Err(Why::Calendar(with_offset)),
            },
        }
    }

    /// `YYYY-MM-DD?HH:MM:SS[.fffffffff][suffix]` with the minute's start
    /// cached by everything but the seconds; `None` sends the text to jiff.
    fn rfc3339_fast(&mut self, b: &[u8]) -> Option<Timestamp> {
        let digits = |r: std::ops::Range<usize>| b.get(r).filter(|d| d.iter().all(u8::is_ascii_digit));
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let sec = digits(17..19)?;
        let sec = i64::from(sec[0] - b'0') * 10 + i64::from(sec[1] - b'0');
        if sec >= 60 {
            return None; // a leap second: jiff decides
        }
        let mut at = 19;
        let mut frac = 0i64;
        if b.get(at) == Some(&b'.') {
            let start = at + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            if end == start || end - start > 9 {
                return None;
            }
            for &d in &b[start..end] {
                frac = frac * 10 + i64::from(d - b'0');
            }
            const TO_NANOS: [i64; 10] =
                [1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
            frac *= TO_NANOS[end - start];
            at = end;
        }
        let suffix = &b[at..];
        let key = u128::from_le_bytes(b[..16].try_into().ok()?);
        let hit = self.minute == Some(key) && self.minute_suffix == suffix;
        if !hit {
            let key_len = 16 + suffix.len();
            digits(0..4)?;
            digits(5..7)?;
            digits(8..10)?;
            digits(11..13)?;
            digits(14..16)?;
            let mut text = String::with_capacity(key_len + 3);
            text.push_str(std::str::from_utf8(&b[..16]).ok()?);
            text.push_str(":00");
            text.push_str(std::str::from_utf8(suffix).ok()?);
            let start = self.rfc3339_slow(&text).ok()?;
            self.minute = Some(key);
            self.minute_suffix.clear();
            self.minute_suffix.extend_from_slice(suffix);
            self.minute_start = start.as_nanos();
        }
        Some(Timestamp::from_nanos(self.minute_start.checked_add(sec * 1_000_000_000 + frac)?))
    }

    fn pattern(&self, pattern: &str, text: &str) -> Result<Timestamp, Why> {
        let tm = jiff::fmt::strtime::parse(pattern, text)?;
        if tm.offset().is_some() {
            return Timestamp::from_jiff(tm.to_timestamp()?).ok_or(Why::OutOfRange);
        }
        self.civil(tm.to_datetime()?)
    }
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-'
}

/// Unix time, with an optional fraction of the unit (`1315922016.5`).
fn epoch(text: &str, unit: EpochUnit) -> Result<Timestamp, Why> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Why::NotANumber);
    }
    let whole: i64 = int.parse().map_err(|_| Why::TooLarge)?;
    let unit = match unit {
        EpochUnit::Auto => match whole {
            w if w < 100_000_000_000 => EpochUnit::Seconds,
            w if w < 100_000_000_000_000 => EpochUnit::Millis,
            w if w < 100_000_000_000_000_000 => EpochUnit::Micros,
            _ => EpochUnit::Nanos,
        },
        u => u,
    };
    let scale: i64 = match unit {
        EpochUnit::Seconds => 1_000_000_000,
        EpochUnit::Millis => 1_000_000,
        EpochUnit::Micros => 1_000,
        EpochUnit::Nanos | EpochUnit::Auto => 1,
    };
    // The fraction is of the unit; digits past a nanosecond are dropped.
    let mut frac_ns = 0i64;
    let mut place = scale;
    for d in frac.bytes() {
        place /= 10;
        if place == 0 {
            break;
        }
        frac_ns += i64::from(d - b'0') * place;
    }
    let ns = whole.checked_mul(scale).and_then(|n| n.checked_add(frac_ns)).ok_or(Why::OutOfRange)?;
    Ok(Timestamp::from_nanos(if neg { -ns } else { ns }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(format: &str, text: &str) -> Result<String, String> {
        TimeParser::new(format.parse().unwrap(), TimeZone::UTC)
            .parse(text.as_bytes())
            .map(|t| t.to_string())
            .map_err(|e| e.to_string())
    }

    fn ok(format: &str, text: &str) -> String {
        parse(format, text).unwrap_or_else(|e| panic!("{format} {text}: {e}"))
    }

    #[test]
    fn rfc3339_in_the_forms_files_use() {
        assert_eq!(ok("rfc3339", "2026-01-01T00:00:00Z"), "2026-01-01T00:00:00Z");
        assert_eq!(ok("rfc3339", "2013-01-01 22:00:00.295000+00:00"), "2013-01-01T22:00:00.295Z");
        assert_eq!(ok("rfc3339", "2015-09-23T20:57:42.146"), "2015-09-23T20:57:42.146Z");
        assert_eq!(ok("rfc3339", "2021-12-31 23:01:00.000000"), "2021-12-31T23:01:00Z");
        assert_eq!(ok("rfc3339", "2024-03-10T12:00:00.123456789+02:00"), "2024-03-10T10:00:00.123456789Z");
        assert_eq!(ok("rfc3339", "2024-03-10T12:00-05:00"), "2024-03-10T17:00:00Z");
    }

    #[test]
    fn the_minute_cache_agrees_with_jiff() {
        let mut p = TimeParser::new(TimeFormat::Rfc3339, TimeZone::UTC);
        let stamps = [
            "2024-01-01T00:00:59.999999999Z",
            "2024-01-01T00:00:01Z",
            "2024-01-01T00:00:01+01:00",
            "2024-01-01 00:00:01+01:00",
            "2024-02-29T23:59:30.5",
            "2016-12-31T23:59:60Z",
            "1969-12-31T23:59:59.5Z",
        ];
        for s in stamps {
            let fast = p.parse(s.as_bytes()).unwrap();
            let slow = p.rfc3339_slow(s).unwrap();
            assert_eq!(fast, slow, "{s}");
        }
    }

    #[test]
    fn zone_less_stamps_take_the_configured_zone() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let mut p = TimeParser::new(TimeFormat::Rfc3339, ny.clone());
        assert_eq!(p.parse(b"2024-07-01T09:30:00").unwrap().to_string(), "2024-07-01T13:30:00Z");
        assert_eq!(p.parse(b"2024-01-02T09:30:00").unwrap().to_string(), "2024-01-02T14:30:00Z");
        // An explicit offset wins over the zone.
        assert_eq!(p.parse(b"2024-01-02T09:30:00Z").unwrap().to_string(), "2024-01-02T09:30:00Z");
        let mut d = TimeParser::new(TimeFormat::Date, ny);
        assert_eq!(d.parse(b"2000-01-03").unwrap().to_string(), "2000-01-03T05:00:00Z");
    }

    #[test]
    fn epochs_by_unit_and_by_magnitude() {
        assert_eq!(ok("epoch-s", "1315922016"), "2011-09-13T13:53:36Z");
        assert_eq!(ok("epoch-s", "1315922016.25"), "2011-09-13T13:53:36.25Z");
        assert_eq!(ok("epoch-ms", "1704067200123"), "2024-01-01T00:00:00.123Z");
        assert_eq!(ok("epoch-us", "1356998659486096"), "2013-01-01T00:04:19.486096Z");
        assert_eq!(ok("epoch-ns", "1704067200000000001"), "2024-01-01T00:00:00.000000001Z");
        // Binance: milliseconds before 2025, microseconds after.
        assert_eq!(ok("epoch", "1704067200123"), "2024-01-01T00:00:00.123Z");
        assert_eq!(ok("epoch", "1735689600123456"), "2025-01-01T00:00:00.123456Z");
        assert_eq!(ok("auto", "1315922016"), "2011-09-13T13:53:36Z");
        assert_eq!(ok("auto", "1583020803145000"), "2020-03-01T00:00:03.145Z");
    }

    #[test]
    fn dates_and_patterns() {
        assert_eq!(ok("date", "1995-01-03"), "1995-01-03T00:00:00Z");
        assert_eq!(ok("auto", "1995-01-03"), "1995-01-03T00:00:00Z");
        assert_eq!(ok("%Y%m%d %H%M%S%3f", "20240102 170000123"), "2024-01-02T17:00:00.123Z");
        assert_eq!(ok("%Y%m%d %H%M%S", "20110103 090100"), "2011-01-03T09:01:00Z");
        assert_eq!(ok("%Y-%m-%d %H:%M:%S %z", "2024-01-02 17:00:00 +0100"), "2024-01-02T16:00:00Z");
    }

    #[test]
    fn bad_stamps_say_what_and_how() {
        for (format, text) in [
            ("rfc3339", "yesterday"),
            ("rfc3339", "2024-13-01T00:00:00Z"),
            ("rfc3339", "2024-01-01T00:00:00.1234567891Z"),
            ("date", "2024/01/01"),
            ("epoch-s", "12a"),
            ("epoch-s", "99999999999999999999"),
            ("epoch-s", "999999999999"),
            ("%Y%m%d", "2024"),
            ("auto", ""),
            ("auto", "--"),
        ] {
            let err = parse(format, text).unwrap_err();
            assert!(err.contains("timestamp"), "{format} {text}: {err}");
        }
        assert_eq!(parse("auto", "  ").unwrap_err(), "missing timestamp");
        assert!(parse("rfc3339", "nonsense").unwrap_err().contains("`nonsense` (rfc3339)"));
    }

    #[test]
    fn formats_read_back_their_names() {
        for name in ["auto", "rfc3339", "date", "epoch", "epoch-s", "epoch-ms", "epoch-us", "epoch-ns", "%Y%m%d"] {
            assert_eq!(name.parse::<TimeFormat>().unwrap().to_string(), name);
        }
        assert!("weekly".parse::<TimeFormat>().is_err());
    }
}
