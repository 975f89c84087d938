//! A component's options, from a flag's `key=value` pairs or from a
//! pipeline file's table, read into the component's configuration struct
//! by one deserializer, so both refuse the same mistakes the same way.

use std::cell::RefCell;
use std::fmt;

use serde::de::value::Error as DeError;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};

use crate::suggest::did_you_mean;

/// Where a component's options come from.
#[derive(Clone, Copy, Debug)]
pub enum Options<'a> {
    /// `--sink bot:entry=140,exit=210`.
    Pairs(&'a [(String, String)]),
    /// `[[sink]]` with `kind` taken out.
    Table(&'a toml::Table),
}

/// Why options could not be read, and which key was at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OptionError {
    /// The key at fault, when one is.
    pub key: Option<String>,
    /// What is wrong, for the user.
    pub message: String,
}

impl Options<'_> {
    /// Reads the options into `T`, refusing unknown keys with the keys that
    /// are allowed and the nearest one, and naming the key of a bad value.
    pub fn deserialize<T: de::DeserializeOwned>(&self) -> Result<T, OptionError> {
        let failed = RefCell::new(None);
        T::deserialize(OptionsDeserializer { options: *self, failed: &failed })
            .map_err(|e| OptionError { key: failed.into_inner(), message: e.to_string() })
    }

    /// The keys given.
    pub fn keys(&self) -> Vec<&str> {
        match self {
            Options::Pairs(p) => p.iter().map(|(k, _)| k.as_str()).collect(),
            Options::Table(t) => t.keys().map(String::as_str).collect(),
        }
    }
}

struct OptionsDeserializer<'a, 'f> {
    options: Options<'a>,
    failed: &'f RefCell<Option<String>>,
}

impl<'de> Deserializer<'de> for OptionsDeserializer<'de, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let entries: Vec<(&str, Value<'de>)> = match self.options {
            Options::Pairs(p) => p.iter().map(|(k, v)| (k.as_str(), Value::Text(v))).collect(),
            Options::Table(t) => t.iter().map(|(k, v)| (k.as_str(), Value::Toml(v))).collect(),
        };
        visitor.visit_map(Entries { entries: entries.into_iter(), value: None, failed: self.failed })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // Checked here rather than left to serde, to add the suggestion.
        if let Some(key) = self.options.keys().into_iter().find(|k| !fields.contains(k)) {
            *self.failed.borrow_mut() = Some(key.to_owned());
            let allowed = fields.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
            return Err(de::Error::custom(format_args!(
                "unknown key `{key}`; the keys are {allowed}{}",
                did_you_mean(key, fields.iter().copied())
            )));
        }
        self.deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// One option's value.
enum Value<'a> {
    Text(&'a str),
    Toml(&'a toml::Value),
}

/// The options as a map; a value's error is prefixed with its key.
struct Entries<'a, 'f, I> {
    entries: I,
    value: Option<(&'a str, Value<'a>)>,
    failed: &'f RefCell<Option<String>>,
}

impl<'de, I: Iterator<Item = (&'de str, Value<'de>)>> MapAccess<'de> for Entries<'de, '_, I> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some((key, value));
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (key, value) = self.value.take().ok_or_else(|| de::Error::custom("a value without a key"))?;
        let result = match value {
            Value::Text(t) => seed.deserialize(Text(t)),
            Value::Toml(v) => seed.deserialize(v.clone()).map_err(|e| de::Error::custom(e.message())),
        };
        result.map_err(|e| {
            *self.failed.borrow_mut() = Some(key.to_owned());
            de::Error::custom(format_args!("`{key}`: {e}"))
        })
    }
}

/// One value of a flag's spec. It is text, parsed into whatever type the
/// field asks for, so `seed=7` fills a `u64` and `symbols=AAPL` a list.
#[derive(Clone, Copy)]
struct Text<'a>(&'a str);

impl Text<'_> {
    fn parse<T: std::str::FromStr>(self, what: &dyn fmt::Display) -> Result<T, DeError> {
        self.0.parse().map_err(|_| de::Error::custom(format_args!("`{}` is not {what}", self.0)))
    }
}

macro_rules! parse_as {
    ($($method:ident => $visit:ident : $ty:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            visitor.$visit(self.parse::<$ty>(&$what)?)
        }
    )*};
}

impl<'de> Deserializer<'de> for Text<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.0)
    }

    parse_as! {
        deserialize_i8 => visit_i8: i8, "a whole number";
        deserialize_i16 => visit_i16: i16, "a whole number";
        deserialize_i32 => visit_i32: i32, "a whole number";
        deserialize_i64 => visit_i64: i64, "a whole number";
        deserialize_u8 => visit_u8: u8, "a whole number of 0 or more";
        deserialize_u16 => visit_u16: u16, "a whole number of 0 or more";
        deserialize_u32 => visit_u32: u32, "a whole number of 0 or more";
        deserialize_u64 => visit_u64: u64, "a whole number of 0 or more";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            "true" | "yes" | "on" | "1" => visitor.visit_bool(true),
            "false" | "no" | "off" | "0" => visitor.visit_bool(false),
            _ => Err(de::Error::custom(format_args!("`{}` is not true or false", self.0))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if !variants.contains(&self.0) {
            let allowed = variants.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
            return Err(de::Error::custom(format_args!(
                "`{}` is not one of {allowed}{}",
                self.0,
                did_you_mean(self.0, variants.iter().copied())
            )));
        }
        visitor.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Demo {
        count: Option<u64>,
        #[serde(default)]
        fast: bool,
        rate: Option<f64>,
        #[serde(default)]
        mode: Mode,
    }

    #[derive(serde::Deserialize, Debug, PartialEq, Default)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        #[default]
        Uniform,
        Walk,
    }

    fn pairs(text: &str) -> Vec<(String, String)> {
        crate::spec::Spec::parse(text).unwrap().pairs
    }

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn values_take_the_type_the_field_asks_for() {
        let want = Demo { count: Some(7), fast: true, rate: Some(2.5), mode: Mode::Walk };
        assert_eq!(
            Options::Pairs(&pairs("x:count=7,fast=yes,rate=2.5,mode=walk")).deserialize::<Demo>().unwrap(),
            want
        );
        let t = table("count = 7\nfast = true\nrate = 2.5\nmode = \"walk\"");
        assert_eq!(Options::Table(&t).deserialize::<Demo>().unwrap(), want);
    }

    #[test]
    fn errors_name_the_key_and_what_it_accepts() {
        let err = Options::Pairs(&pairs("x:cont=7")).deserialize::<Demo>().unwrap_err();
        assert_eq!(
            err.message,
            "unknown key `cont`; the keys are `count`, `fast`, `rate`, `mode` (did you mean `count`?)"
        );
        assert_eq!(err.key.as_deref(), Some("cont"));
        let err = Options::Pairs(&pairs("x:count=-1")).deserialize::<Demo>().unwrap_err();
        assert_eq!(err.message, "`count`: `-1` is not a whole number of 0 or more");
        let err = Options::Pairs(&pairs("x:mode=wallk")).deserialize::<Demo>().unwrap_err();
        assert_eq!(err.message, "`mode`: `wallk` is not one of `uniform`, `walk` (did you mean `walk`?)");
        let err = Options::Pairs(&pairs("x:fast=maybe")).deserialize::<Demo>().unwrap_err();
        assert_eq!(err.message, "`fast`: `maybe` is not true or false");
        let t = table("count = \"many\"");
        let err = Options::Table(&t).deserialize::<Demo>().unwrap_err();
        assert_eq!(err.key.as_deref(), Some("count"));
        assert!(err.message.starts_with("`count`: invalid type: string \"many\""), "{}", err.message);
    }
}
