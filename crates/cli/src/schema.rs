//! The JSON Schema of pipeline files, and the option lists of `sluice list`,
//! both generated from the components' configuration structs.

use crate::registry::{Kind, SINKS, SOURCES};
use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value, json};
use sluice_core::FilterConfig;

/// A component's kind, what it is, and the schema of its options.
pub struct Described {
    /// Its name.
    pub kind: &'static str,
    /// What it emits or takes.
    pub records: &'static str,
    /// One line on what it is.
    pub about: &'static str,
    /// The schema of its options.
    pub schema: Value,
}

/// Every source's and every sink's options, and the filters', with the
/// shared definitions they refer to.
pub struct Schemas {
    /// The sources, in the registry's order.
    pub sources: Vec<Described>,
    /// The sinks, in the registry's order.
    pub sinks: Vec<Described>,
    /// The filters' keys.
    pub filter: Value,
    /// What `$ref`s point at.
    pub definitions: Map<String, Value>,
}

/// Generates the schemas, from the registry's rows.
pub fn schemas() -> Schemas {
    let mut g = SchemaSettings::draft2020_12().into_generator();
    fn describe<T>(table: &[Kind<T>], g: &mut SchemaGenerator) -> Vec<Described> {
        table
            .iter()
            .map(|k| Described { kind: k.name, records: k.records, about: k.about, schema: (k.schema)(g) })
            .collect()
    }
    let sources = describe(SOURCES, &mut g);
    let sinks = describe(SINKS, &mut g);
    let filter: Schema = FilterConfig::json_schema(&mut g);
    let definitions = g.take_definitions(true);
    Schemas { sources, sinks, filter: filter.to_value(), definitions }
}

/// The schema of a component table: its options plus `kind`.
fn with_kind(d: &Described) -> Value {
    let mut s = d.schema.clone();
    s["properties"]["kind"] = json!({ "const": d.kind });
    let required = s["required"].as_array().cloned().unwrap_or_default();
    let mut required: Vec<Value> = required;
    required.push(json!("kind"));
    s["required"] = Value::Array(required);
    s
}

/// The JSON Schema of a pipeline file, for editors.
pub fn pipeline() -> Value {
    let s = schemas();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sluice pipeline",
        "description": "A source, filters and sinks; each table's `kind` names its component.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "source": { "oneOf": s.sources.iter().map(with_kind).collect::<Vec<_>>() },
            "filter": { "type": "array", "items": s.filter },
            "sink": { "type": "array", "items": { "oneOf": s.sinks.iter().map(with_kind).collect::<Vec<_>>() } },
            "limit": { "type": "integer", "minimum": 0, "description": "Stop after this many records, counted after the filters." }
        },
        "$defs": s.definitions,
    })
}

/// One line per option: name, type, and the first sentences of its doc.
pub fn option_lines(schema: &Value, definitions: &Map<String, Value>) -> Vec<String> {
    let Some(props) = schema["properties"].as_object() else { return Vec::new() };
    props
        .iter()
        .map(|(name, p)| {
            let (kind, doc) = describe(p, definitions);
            format!("    {name:<18} {kind:<22} {}", doc.replace('\n', " "))
        })
        .collect()
}

/// The type and description of a property, following a `$ref` once: the
/// type is a name (`integer`, `string`) or its values joined by `|`.
pub fn describe(p: &Value, definitions: &Map<String, Value>) -> (String, String) {
    let target = p["$ref"].as_str().and_then(|r| r.rsplit('/').next()).and_then(|n| definitions.get(n).map(|d| (n, d)));
    let doc = p["description"].as_str().or_else(|| target.and_then(|(_, d)| d["description"].as_str())).unwrap_or("");
    let kind = match (&p["type"], target) {
        (Value::String(t), _) => t.clone(),
        (Value::Array(ts), _) => {
            ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect::<Vec<_>>().join("|")
        }
        (_, Some((name, d))) => match d["enum"].as_array().or_else(|| d["oneOf"].as_array()) {
            Some(values) => values
                .iter()
                .flat_map(|v| match (v.as_str(), v["const"].as_str(), v["enum"].as_array()) {
                    (Some(s), ..) | (_, Some(s), _) => vec![s],
                    (_, _, Some(all)) => all.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                })
                .collect::<Vec<_>>()
                .join("|"),
            None => name.to_owned(),
        },
        _ => p["anyOf"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| describe(v, definitions).0.into())
                    .filter(|t: &String| t != "null" && !t.is_empty())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .unwrap_or_default(),
    };
    (kind, doc.to_owned())
}

/// `sluice list`: every component, what it emits or takes, and its
/// options, from the same schemas as `sluice schema`.
pub fn list() -> String {
    let s = schemas();
    let mut out = String::from("Sources (kind, emits):\n");
    let section = |out: &mut String, described: &[Described]| {
        for d in described {
            out.push_str(&format!("  {:<8} {:<16} {}\n", d.kind, d.records, d.about));
            for line in option_lines(&d.schema, &s.definitions) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    };
    section(&mut out, &s.sources);
    out.push_str("Sinks (kind, takes):\n");
    section(&mut out, &s.sinks);
    out.push_str("Bot strategies (bot:strategy=NAME; its keys are refused for the others):\n");
    for row in sluice_bot::strategy::STRATEGIES {
        let keys = row.keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
        out.push_str(&format!("  {:<10} {} (keys: {keys})\n", row.name, row.about));
    }
    out.push_str("Filters (one key each: --filter KEY=VALUE, or a [[filter]] table):\n");
    for line in option_lines(&s.filter, &s.definitions) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}
