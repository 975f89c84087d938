//! Serde helpers shared by the components' configuration structs.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::Deserialize;
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

/// Deserializes any `FromStr` type from its text.
pub fn from_text<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    parse_item(s.trim())
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
