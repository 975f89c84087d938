//! Serde helpers shared by the components' configuration structs.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// Deserializes a list written either as a sequence (`["AAPL", "MSFT"]` in
/// a file) or as one comma-separated string (`AAPL,MSFT` in a flag).
pub fn comma_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct ListVisitor<T>(PhantomData<T>);

    impl<'de, T> Visitor<'de> for ListVisitor<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list, or a comma-separated string")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
            v.split(',').map(|item| parse_item(item.trim())).collect()
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<String>()? {
                out.push(parse_item(item.trim())?);
            }
            Ok(out)
        }
    }

    let list = d.deserialize_any(ListVisitor(PhantomData))?;
    if list.is_empty() {
        return Err(de::Error::custom("the list is empty"));
    }
    Ok(list)
}

fn parse_item<T, E>(item: &str) -> Result<T, E>
where
    T: FromStr,
    T::Err: fmt::Display,
    E: de::Error,
{
    item.parse().map_err(|e| E::custom(format_args!("`{item}`: {e}")))
}

/// Deserializes any `FromStr` type from its text; a number or a boolean
/// is read as its text too (`timestamp_column = 4` in a file).
pub fn from_text<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct TextVisitor;

    impl Visitor<'_> for TextVisitor {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("text")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
    }

    let text = d.deserialize_any(TextVisitor)?;
    parse_item(text.trim())
}

/// Deserializes an optional `FromStr` type from its text; pair it with
/// `#[serde(default)]`.
pub fn opt_text<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    from_text(d).map(Some)
}

/// Implements `schemars::JsonSchema` for a type written as text in
/// configuration (a decimal, a symbol, a range…), with a description.
#[macro_export]
macro_rules! text_schema {
    ($ty:ty, $name:literal, $description:literal) => {
        impl $crate::schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut $crate::schemars::SchemaGenerator) -> $crate::schemars::Schema {
                $crate::schemars::json_schema!({ "type": "string", "description": $description })
            }
        }
    };
}

text_schema!(crate::Symbol, "Symbol", "An instrument symbol, e.g. AAPL (at most 31 bytes).");
text_schema!(crate::Timestamp, "Timestamp", "An RFC 3339 time with an offset, e.g. 2026-01-01T00:00:00Z.");
text_schema!(crate::PriceRange, "PriceRange", "MIN..MAX, both inclusive; MIN.. or ..MAX leave one end open.");

impl schemars::JsonSchema for crate::Decimal {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Decimal".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": ["number", "string"],
            "description": "An exact decimal with at most 8 decimal places, as a number or as text."
        })
    }
}

/// A configuration value that parsed but is not acceptable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{key}`: {message}")]
pub struct ConfigError {
    /// The key at fault.
    pub key: &'static str,
    /// What it accepts.
    pub message: String,
}

impl ConfigError {
    /// `key` is wrong; `message` says what it accepts.
    pub fn new(key: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError { key, message: message.into() }
    }
}

/// A span of time written `500ms`, `30s`, `2m`, `1h` or `1d` (a day is
/// 24 hours here: a period, not a calendar date).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval(pub std::time::Duration);

crate::text_schema!(Interval, "Interval", "a duration: 500ms, 30s, 2m, 1h or 1d.");

impl FromStr for Interval {
    type Err = String;
    fn from_str(s: &str) -> Result<Interval, String> {
        // jiff reads the friendly forms (500ms, 30s, 1h30m, 1.5s, 1d); an
        // interval is never negative.
        // Without the value: `from_text` puts it before the message.
        let bad = || "not a duration; write 500ms, 30s, 2m, 1h or 1d".to_owned();
        let s = s.trim();
        let d = match s.parse::<jiff::SignedDuration>() {
            Ok(d) => d,
            Err(_) => {
                let span: jiff::Span = s.parse().map_err(|_| bad())?;
                span.to_duration(jiff::SpanRelativeTo::days_are_24_hours()).map_err(|_| bad())?
            }
        };
        std::time::Duration::try_from(d).map(Interval).map_err(|_| bad())
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0.as_millis())
    }
}

impl serde::Serialize for Interval {
    /// As its text, which reads back.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod interval_tests {
    use std::time::Duration;

    use super::Interval;

    #[test]
    fn intervals_read_every_unit_and_refuse_the_rest() {
        let read = |s: &str| s.parse::<Interval>().unwrap().0;
        assert_eq!(read("500ms"), Duration::from_millis(500));
        assert_eq!(read("30s"), Duration::from_secs(30));
        assert_eq!(read("2m"), Duration::from_secs(120));
        assert_eq!(read("1h"), Duration::from_secs(3600));
        assert_eq!(read("1d"), Duration::from_secs(86_400));
        assert_eq!(read("1w"), Duration::from_secs(7 * 86_400));
        // jiff's friendly forms, spaces between value and unit included.
        assert_eq!(read("1h30m"), Duration::from_secs(5400));
        assert_eq!(read("1.5s"), Duration::from_millis(1500));
        assert_eq!(read("5 s"), Duration::from_secs(5));
        for bad in ["", "s", "5", "-5s", "-1d", "1mo", "1y", "99999999999999999999h", "5 parsecs"] {
            assert!(bad.parse::<Interval>().is_err(), "{bad}");
        }
    }
}
