//! The compact component spec of the command line, `KIND[:key=value,...]`,
//! and the serde bridge that reads it into the same configuration structs
//! that pipeline files use.

use std::fmt;

use serde::de::value::{Error as DeError, MapDeserializer};
use serde::de::{self, Deserializer, IntoDeserializer, Visitor};

use crate::suggest::did_you_mean;

/// A parsed `KIND[:key=value,...]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub kind: String,
    pub pairs: Vec<(String, String)>,
}

impl Spec {
    /// Parses a spec. A comma followed by text with no `=` continues the
    /// previous value, so lists need no other separator:
    /// `ticker:symbols=AAPL,MSFT,seed=7`.
    pub fn parse(text: &str) -> Result<Spec, String> {
        let (kind, rest) = text.split_once(':').unwrap_or((text, ""));
        let kind = kind.trim();
        if kind.is_empty() {
            return Err("the component kind is missing; write KIND[:key=value,...]".into());
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for piece in rest.split(',').filter(|p| !rest.is_empty() || !p.is_empty()) {
            match piece.split_once('=') {
                Some((key, value)) => {
                    let key = key.trim();
                    if key.is_empty() {
                        return Err(format!("`{piece}` has no key; write key=value"));
                    }
                    if pairs.iter().any(|(k, _)| k == key) {
                        return Err(format!("key `{key}` is given twice"));
                    }
                    pairs.push((key.to_owned(), value.trim().to_owned()));
                }
                None => match pairs.last_mut() {
                    Some((_, value)) => {
                        value.push(',');
                        value.push_str(piece.trim());
                    }
                    None => return Err(format!("`{piece}` is not key=value")),
                },
            }
        }
        Ok(Spec { kind: kind.to_owned(), pairs })
    }

    /// Reads the pairs into a configuration struct, refusing unknown keys
    /// with the list of known ones and the nearest as a suggestion.
    pub fn deserialize<T: de::DeserializeOwned>(&self) -> Result<T, String> {
        T::deserialize(PairsDeserializer(&self.pairs)).map_err(|e| e.to_string())
    }
}

/// The pairs of a spec, as a map.
struct PairsDeserializer<'a>(&'a [(String, String)]);

impl<'de> Deserializer<'de> for PairsDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let mut map = MapDeserializer::new(self.0.iter().map(|(k, v)| (k.as_str(), Text(v))));
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // Checked here rather than left to serde, to add the suggestion.
        if let Some((key, _)) = self.0.iter().find(|(k, _)| !fields.contains(&k.as_str())) {
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

/// One value of a spec. It is text, parsed into whatever type the field
/// asks for, so `seed=7` fills a `u64` and `symbols=AAPL` a list.
#[derive(Clone, Copy)]
struct Text<'a>(&'a str);

impl<'de> IntoDeserializer<'de, DeError> for Text<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

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

    #[test]
    fn parses_kind_and_pairs() {
        let s = Spec::parse("ticker:seed=7,symbols=AAPL,MSFT,count=10").unwrap();
        assert_eq!(s.kind, "ticker");
        let pairs: Vec<(&str, &str)> = s.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("seed", "7"), ("symbols", "AAPL,MSFT"), ("count", "10")]);
        assert_eq!(Spec::parse("bot").unwrap().pairs, []);
        assert_eq!(Spec::parse("bot:").unwrap().pairs, []);
    }

    #[test]
    fn refuses_malformed_specs() {
        for (text, want) in [
            ("", "kind is missing"),
            (":a=1", "kind is missing"),
            ("bot:entry", "`entry` is not key=value"),
            ("bot:=3", "has no key"),
            ("bot:entry=1,entry=2", "given twice"),
        ] {
            let err = Spec::parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

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

    #[test]
    fn values_take_the_type_the_field_asks_for() {
        let d: Demo = Spec::parse("x:count=7,fast=yes,rate=2.5,mode=walk").unwrap().deserialize().unwrap();
        assert_eq!(d, Demo { count: Some(7), fast: true, rate: Some(2.5), mode: Mode::Walk });
    }

    #[test]
    fn errors_name_the_key_and_what_it_accepts() {
        let err = Spec::parse("x:cont=7").unwrap().deserialize::<Demo>().unwrap_err();
        assert_eq!(err, "unknown key `cont`; the keys are `count`, `fast`, `rate`, `mode` (did you mean `count`?)");
        let err = Spec::parse("x:count=-1").unwrap().deserialize::<Demo>().unwrap_err();
        assert_eq!(err, "`-1` is not a whole number of 0 or more");
        let err = Spec::parse("x:mode=wallk").unwrap().deserialize::<Demo>().unwrap_err();
        assert_eq!(err, "`wallk` is not one of `uniform`, `walk` (did you mean `walk`?)");
        let err = Spec::parse("x:fast=maybe").unwrap().deserialize::<Demo>().unwrap_err();
        assert_eq!(err, "`maybe` is not true or false");
    }
}
