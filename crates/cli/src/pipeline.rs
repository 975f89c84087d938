//! Pipeline files: the same components as the flags, in TOML or JSON.
//!
//! ```toml
//! limit = 30
//! [source]
//! kind = "ticker"
//! bad_rate = 0.1
//! [[filter]]
//! symbol = "AAPL"
//! [[sink]]
//! kind = "bot"
//! transcript = true
//! ```

use std::sync::Arc;

use crate::component::{Component, OwnedOptions, Place, UsageError};
use crate::locate::{Locator, position};
use crate::suggest::did_you_mean;

const TOP_KEYS: &[&str] = &["source", "filter", "sink", "limit"];

/// A pipeline as read from a file, before the flags have their say.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// `[source]`; the command's default when absent.
    pub source: Option<Component>,
    /// `[[filter]]`, in order.
    pub filters: Vec<Component>,
    /// `[[sink]]`, in order; the default sink when none.
    pub sinks: Vec<Component>,
    /// `limit`: records delivered before the run stops.
    pub limit: Option<u64>,
}

/// Reads a pipeline file, expanding `${VAR}` from the environment, then
/// applies `overrides` (`sink.0.path=x.jsonl`) from the environment
/// (`SLUICE_SET`, `;`-separated) and from `--set`, in that order.
pub fn load(path: &str, overrides: &[String]) -> Result<Plan, UsageError> {
    let raw = std::fs::read_to_string(path).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::InvalidData {
            "is not UTF-8 text: a pipeline file is TOML or JSON".to_owned()
        } else {
            sluice_core::error::io_message(&e)
        };
        UsageError(format!("{path}: {why}"))
    })?;
    let text: Arc<str> = raw.into();
    let json = path.ends_with(".json");
    let mut doc = if json { parse_json(path, &text)? } else { parse_toml(path, &text)? };
    // Variables go into values, after parsing: a value holding a newline
    // or a bracket stays a value and cannot add a table.
    expand_values(path, &text, &mut doc)?;
    resolve_paths(path, &mut doc);
    if let Some(key) = doc.keys().find(|k| !TOP_KEYS.contains(&k.as_str())) {
        let at = Locator { text: text.clone(), region: None, json }.find(key);
        let pos = at.map_or(String::new(), |(l, c)| format!(":{l}:{c}"));
        return Err(UsageError(format!(
            "{path}{pos}: unknown key `{key}`; the keys are `source`, `filter`, `sink`, `limit`{}",
            did_you_mean(key, TOP_KEYS.iter().copied())
        )));
    }
    let env_sets = std::env::var("SLUICE_SET").unwrap_or_default();
    for set in env_sets.split(';').filter(|s| !s.trim().is_empty()).map(str::to_owned).chain(overrides.iter().cloned())
    {
        apply_set(&mut doc, &set).map_err(|e| UsageError(format!("--set {set}: {e}")))?;
    }
    plan(path, &text, json, doc)
}

/// Makes the relative file paths of the file's components relative to the
/// file's directory, so a pipeline runs the same from anywhere. `-`
/// (stdin or stdout) stays; `--set` values, given on the command line,
/// are left relative to the working directory.
fn resolve_paths(path: &str, doc: &mut toml::Table) {
    let dir = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty());
    let Some(dir) = dir else { return };
    let resolve = |v: &mut toml::Value| {
        if let toml::Value::String(p) = v
            && p != "-"
            && std::path::Path::new(p.as_str()).is_relative()
        {
            *p = dir.join(p.as_str()).display().to_string();
        }
    };
    let fix = |table: &mut toml::Table, source: bool| {
        let kind = table.get("kind").and_then(toml::Value::as_str).unwrap_or_default().to_owned();
        for key in crate::registry::path_keys(&kind, source) {
            match table.get_mut(*key) {
                Some(toml::Value::Array(items)) => items.iter_mut().for_each(resolve),
                Some(v) => resolve(v),
                None => {}
            }
        }
    };
    if let Some(toml::Value::Table(t)) = doc.get_mut("source") {
        fix(t, true);
    }
    if let Some(toml::Value::Array(sinks)) = doc.get_mut("sink") {
        for sink in sinks {
            if let toml::Value::Table(t) = sink {
                fix(t, false);
            }
        }
    }
}

/// Expands `${NAME}` in every string value of `doc`, in place. A value
/// that is just `${NAME}` takes the variable's text as a number or a
/// boolean when it reads as one (`count = "${N}"`), else as a string. An
/// unset variable is an error naming where it is written in `text`.
fn expand_values(path: &str, text: &str, doc: &mut toml::Table) -> Result<(), UsageError> {
    for (_, value) in doc.iter_mut() {
        expand_value(path, text, value)?;
    }
    Ok(())
}

fn expand_value(path: &str, text: &str, value: &mut toml::Value) -> Result<(), UsageError> {
    match value {
        toml::Value::String(s) if s.contains("${") => *value = expand_env(path, text, s)?,
        toml::Value::Array(items) => items.iter_mut().try_for_each(|v| expand_value(path, text, v))?,
        toml::Value::Table(t) => expand_values(path, text, t)?,
        _ => {}
    }
    Ok(())
}

/// One string value with `${NAME}` replaced.
fn expand_env(path: &str, text: &str, s: &str) -> Result<toml::Value, UsageError> {
    // Where `needle` is written, for the message.
    let at = |needle: &str| {
        text.find(needle).map_or(String::new(), |i| {
            let (line, col) = position(text, i);
            format!(":{line}:{col}")
        })
    };
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            return Err(UsageError(format!("{path}{}: `${{` without a closing `}}`", at(&rest[i..]))));
        };
        let name = &after[..end];
        match std::env::var(name) {
            Ok(v) => out.push_str(&v),
            Err(_) => {
                let written = format!("${{{name}}}");
                return Err(UsageError(format!("{path}{}: environment variable `{name}` is not set", at(&written))));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    let whole = s.starts_with("${") && s.ends_with('}') && s.matches("${").count() == 1;
    Ok(match scalar(&out) {
        Some(typed) if whole => typed,
        _ => toml::Value::String(out),
    })
}

/// `text` as a TOML number or boolean, if it is exactly one.
fn scalar(text: &str) -> Option<toml::Value> {
    let mut t = format!("v = {text}").parse::<toml::Table>().ok()?;
    let v = t.remove("v").filter(|_| t.is_empty())?;
    matches!(v, toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_)).then_some(v)
}

fn parse_toml(path: &str, text: &str) -> Result<toml::Table, UsageError> {
    toml::from_str::<toml::Table>(text).map_err(|e| {
        // The parser may point at the `$` or at the `{` after it.
        let start = e.span().map(|s| if text[..s.start].ends_with('$') { s.start - 1 } else { s.start });
        let pos = start.map(|s| position(text, s)).map_or(String::new(), |(l, c)| format!(":{l}:{c}"));
        // `key = ${VAR}` unquoted: say how to write it.
        if start.is_some_and(|s| text[s..].starts_with("${")) {
            return UsageError(format!("{path}{pos}: write a variable inside quotes: key = \"${{VAR}}\""));
        }
        UsageError(format!("{path}{pos}: {}", e.message().trim()))
    })
}

fn parse_json(path: &str, text: &str) -> Result<toml::Table, UsageError> {
    let value: serde_json::Value = serde_json::from_str::<Unique>(text)
        .map(|u| u.0)
        .map_err(|e| UsageError(format!("{path}:{}:{}: {e}", e.line(), e.column())))?;
    match toml::Value::try_from(&value) {
        Ok(toml::Value::Table(t)) => Ok(t),
        Ok(_) => Err(UsageError(format!("{path}: a pipeline is a JSON object"))),
        // JSON null has no TOML twin.
        Err(e) => Err(UsageError(format!("{path}: {e}"))),
    }
}

/// A JSON value whose objects have no key twice: serde_json keeps the
/// last of two silently, where TOML refuses them.
struct Unique(serde_json::Value);

impl<'de> serde::Deserialize<'de> for Unique {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Unique, D::Error> {
        d.deserialize_any(UniqueVisitor).map(Unique)
    }
}

struct UniqueVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(items.into())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Unique(value) = map.next_value()?;
            if object.insert(key.clone(), value).is_some() {
                return Err(serde::de::Error::custom(format_args!("key `{key}` is given twice")));
            }
        }
        Ok(object.into())
    }
}

/// Sets one value: `limit=5`, `source.seed=7`, `sink.0.path=x.jsonl`. The
/// value is read as TOML (a number, a boolean, an array) when it parses as
/// one, and as a string otherwise.
fn apply_set(doc: &mut toml::Table, set: &str) -> Result<(), String> {
    let (path, value) = set.split_once('=').ok_or("write PATH=VALUE, e.g. sink.0.path=x.jsonl")?;
    let value = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    let parts: Vec<&str> = path.trim().split('.').collect();
    if parts.iter().any(|p| p.trim().is_empty()) {
        return Err("the path has an empty part; write PATH=VALUE, e.g. sink.0.path=x.jsonl".into());
    }
    let (last, walk) = parts.split_last().ok_or("the path is empty")?;
    // A one-part path sets a top-level value, of which there is one: a
    // misspelt one would otherwise be set and never read.
    if walk.is_empty() && *last != "limit" {
        return Err(format!(
            "`{last}` is not a top-level value; set limit, or a key inside source, filter.N or sink.N"
        ));
    }
    let mut table = doc;
    let mut i = 0;
    while i < walk.len() {
        let key = walk[i];
        if !TOP_KEYS.contains(&key) && i == 0 {
            return Err(format!("`{key}` is not a section; use source, filter.N, sink.N or limit"));
        }
        let entry = table.entry(key.to_owned()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = match entry {
            toml::Value::Table(t) => t,
            toml::Value::Array(items) => {
                let n: usize =
                    walk.get(i + 1).and_then(|s| s.parse().ok()).ok_or(format!("`{key}` needs an index: {key}.0"))?;
                let len = items.len();
                i += 1;
                match items.get_mut(n) {
                    Some(toml::Value::Table(t)) => t,
                    _ => return Err(format!("the pipeline has {len} {key} table(s); {key}.{n} is not one")),
                }
            }
            _ => return Err(format!("`{key}` is not a table")),
        };
        i += 1;
    }
    table.insert((*last).to_owned(), value);
    Ok(())
}

/// The components of a parsed file.
fn plan(path: &str, text: &Arc<str>, json: bool, mut doc: toml::Table) -> Result<Plan, UsageError> {
    let limit = match doc.remove("limit") {
        None => None,
        Some(toml::Value::Integer(n)) if n >= 0 => Some(n as u64),
        Some(v) => {
            let at = Locator { text: text.clone(), region: None, json }
                .find("limit")
                .map_or(String::new(), |(l, c)| format!(":{l}:{c}"));
            return Err(UsageError(format!("{path}{at}: `limit`: {v} is not a whole number of 0 or more")));
        }
    };
    let table = |value: toml::Value, name: &str, index: Option<usize>| -> Result<Component, UsageError> {
        let label = match index {
            Some(i) => format!("[[{name}]] #{}", i + 1),
            None => format!("[{name}]"),
        };
        let region = region_of(text, json, name, index);
        let place =
            Place::File { path: path.to_owned(), table: label, locate: Locator { text: text.clone(), region, json } };
        let toml::Value::Table(mut t) = value else { return Err(place.error(None, "must be a table")) };
        let kind = if name == "filter" {
            "filter".to_owned()
        } else {
            match t.remove("kind") {
                Some(toml::Value::String(k)) => k,
                Some(_) => return Err(place.error(Some("kind"), "`kind` must be a string, e.g. kind = \"bot\"")),
                None => {
                    return Err(place.error(
                        None,
                        format!(
                            "`kind` is missing; name the {name}, e.g. kind = \"{}\"",
                            if name == "source" { "ticker" } else { "bot" }
                        ),
                    ));
                }
            }
        };
        Ok(Component { kind, options: OwnedOptions::Table(t), place })
    };
    let list = |value: Option<toml::Value>, name: &str| -> Result<Vec<Component>, UsageError> {
        match value {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(items)) => {
                items.into_iter().enumerate().map(|(i, v)| table(v, name, Some(i))).collect()
            }
            Some(v @ toml::Value::Table(_)) => Ok(vec![table(v, name, Some(0))?]),
            Some(_) => Err(UsageError(format!("{path}: `{name}` must be a list of tables ([[{name}]])"))),
        }
    };
    let source = doc.remove("source").map(|v| table(v, "source", None)).transpose()?;
    let filters = list(doc.remove("filter"), "filter")?;
    let sinks = list(doc.remove("sink"), "sink")?;
    Ok(Plan { source, filters, sinks, limit })
}

/// The text of `[name]` (or the `index`th `[[name]]`) up to the next table
/// header, so that a key is found in the table it belongs to.
fn region_of(text: &str, json: bool, name: &str, index: Option<usize>) -> Option<(usize, usize)> {
    if json {
        return None;
    }
    let header = match index {
        Some(_) => format!("[[{name}]]"),
        None => format!("[{name}]"),
    };
    let mut offset = 0;
    let mut starts = Vec::new();
    let mut headers = Vec::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            headers.push(offset);
            if t == header {
                starts.push(offset);
            }
        }
        offset += line.len();
    }
    let start = *starts.get(index.unwrap_or(0))?;
    let end = headers.into_iter().find(|&h| h > start).unwrap_or(text.len());
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_in_their_own_table() {
        let text: Arc<str> = "[[sink]]\nkind = \"bot\"\nentry = 1\n\n[[sink]]\nkind = \"bot\"\n  entyr = 2\n".into();
        let second = Locator { text: text.clone(), region: region_of(&text, false, "sink", Some(1)), json: false };
        assert_eq!(second.find("entyr"), Some((7, 3)));
        let first = Locator { text: text.clone(), region: region_of(&text, false, "sink", Some(0)), json: false };
        assert_eq!(first.find("entry"), Some((3, 1)));
        assert_eq!(first.find("entyr"), None);
        let json =
            Locator { text: "{\n  \"sink\": [{\"kind\": \"bot\", \"entyr\": 2}]\n}".into(), region: None, json: true };
        assert_eq!(json.find("entyr"), Some((2, 28)));
    }

    #[test]
    fn set_reaches_into_lists_and_types_its_value() {
        let mut doc: toml::Table =
            "[[sink]]\nkind = \"audit\"\npath = \"a\"\n[source]\nkind = \"ticker\"\n".parse().unwrap();
        apply_set(&mut doc, "sink.0.path=b.jsonl").unwrap();
        apply_set(&mut doc, "source.seed=7").unwrap();
        apply_set(&mut doc, "limit=5").unwrap();
        assert_eq!(doc["sink"][0]["path"].as_str(), Some("b.jsonl"));
        assert_eq!(doc["source"]["seed"].as_integer(), Some(7));
        assert_eq!(doc["limit"].as_integer(), Some(5));
        assert!(apply_set(&mut doc, "sink.3.path=x").unwrap_err().contains("has 1 sink"));
        assert!(apply_set(&mut doc, "sinks.0.path=x").unwrap_err().contains("not a section"));
        assert!(apply_set(&mut doc, "nothing").is_err());
        // Issue 19: these were set where nothing reads them, silently.
        assert!(apply_set(&mut doc, "=5").unwrap_err().contains("empty part"));
        assert!(apply_set(&mut doc, "source..seed=5").unwrap_err().contains("empty part"));
        assert!(apply_set(&mut doc, "limt=5").unwrap_err().contains("not a top-level value"));
    }

    fn expanded(text: &str) -> Result<toml::Table, String> {
        let mut doc: toml::Table = parse_toml("p.toml", text).map_err(|e| e.0)?;
        expand_values("p.toml", text, &mut doc).map_err(|e| e.0)?;
        Ok(doc)
    }

    #[test]
    fn environment_variables_expand_into_values_or_are_refused() {
        // PATH and HOME are set in every test environment.
        let path = std::env::var("PATH").unwrap();
        let doc = expanded("[source]\na = \"${PATH}\"\nb = \"x-${PATH}\"\n# ${SLUICE_SURELY_UNSET_VAR} in a comment\n")
            .unwrap();
        assert_eq!(doc["source"]["a"].as_str(), Some(path.as_str()));
        assert_eq!(doc["source"]["b"].as_str(), Some(format!("x-{path}").as_str()));
        let err = expanded("x = 1\ny = \"${SLUICE_SURELY_UNSET_VAR}\"").unwrap_err();
        assert_eq!(err, "p.toml:2:6: environment variable `SLUICE_SURELY_UNSET_VAR` is not set");
        let err = expanded("x = ${HOME}\n").unwrap_err();
        assert!(err.starts_with("p.toml:1:5: write a variable inside quotes"), "{err}");
    }

    #[test]
    fn a_json_key_given_twice_is_refused() {
        let err = parse_json("p.json", "{\"source\": {\"kind\": \"ticker\", \"seed\": 1, \"seed\": 2}}").unwrap_err().0;
        assert!(err.starts_with("p.json:1:") && err.contains("key `seed` is given twice"), "{err}");
    }
}
