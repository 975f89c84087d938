//! Large parts of a report kept on disk: a sink's trade list can run to
//! megabytes of JSON, which a report held as a `serde_json::Value` would
//! multiply several times over in memory.
//!
//! The sink writes the part's JSON text to a file and puts a placeholder
//! string where it belongs in its details; whoever writes the report copies
//! the file in the placeholder's place ([`splice`]), and a reader that wants
//! the whole value in memory, such as a test, calls [`resolve`].

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};

/// One part of a report on disk, and the placeholder that marks its place.
#[derive(Clone, Debug)]
pub struct Appendix {
    placeholder: String,
    json: Arc<File>,
}

impl PartialEq for Appendix {
    fn eq(&self, other: &Appendix) -> bool {
        self.placeholder == other.placeholder
    }
}

impl Appendix {
    /// Takes `json`, a file holding one JSON value, and gives it a
    /// placeholder no other value can spell: it starts with a control
    /// character and carries a number unique in the process.
    pub fn new(json: File) -> Appendix {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Appendix { placeholder: format!("\u{1}sluice-appendix-{n}"), json: Arc::new(json) }
    }

    /// The value to put where the appendix goes.
    pub fn placeholder(&self) -> Value {
        Value::String(self.placeholder.clone())
    }

    /// The file's JSON text, from its start.
    fn reader(&self) -> io::Result<impl Read + '_> {
        let mut file = &*self.json;
        file.rewind()?;
        Ok(io::BufReader::new(file))
    }
}

/// Writes `text` (a report serialized with placeholders in it) to `out`,
/// each appendix's placeholder replaced by the appendix's JSON, copied from
/// its file.
pub fn splice(text: &str, appendices: &[&Appendix], out: &mut dyn Write) -> io::Result<()> {
    let mut marks: Vec<(usize, usize, &Appendix)> = Vec::new();
    for a in appendices {
        let quoted = Value::String(a.placeholder.clone()).to_string();
        if let Some(at) = text.find(&quoted) {
            marks.push((at, at + quoted.len(), a));
        }
    }
    marks.sort_by_key(|m| m.0);
    let mut from = 0;
    for (start, end, a) in marks {
        out.write_all(&text.as_bytes()[from..start])?;
        io::copy(&mut a.reader()?, out)?;
        from = end;
    }
    out.write_all(&text.as_bytes()[from..])
}

/// `details` with every appendix's placeholder replaced by its value, read
/// back from disk: the whole report in memory.
pub fn resolve(details: &Map<String, Value>, appendices: &[Appendix]) -> io::Result<Map<String, Value>> {
    let mut out = details.clone();
    for a in appendices {
        let value: Value = serde_json::from_reader(a.reader()?)?;
        let target = a.placeholder();
        for v in out.values_mut() {
            if *v == target {
                *v = value.clone();
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn appendix(text: &str) -> Appendix {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        Appendix::new(f)
    }

    #[test]
    fn placeholders_are_replaced_in_place_in_any_order() {
        let (a, b) = (appendix("[1,2]"), appendix("{\"x\":3}"));
        let mut m = Map::new();
        m.insert("b".into(), b.placeholder());
        m.insert("a".into(), a.placeholder());
        m.insert("c".into(), Value::from("\u{1}sluice-appendix-x"));
        let text = serde_json::to_string(&m).unwrap();
        let mut out = Vec::new();
        splice(&text, &[&b, &a], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":[1,2],"b":{"x":3},"c":"\u0001sluice-appendix-x"}"#);
        // Twice: each copy starts from the file's beginning.
        let mut again = Vec::new();
        splice(&text, &[&a, &b], &mut again).unwrap();
        assert!(again.starts_with(br#"{"a":[1,2]"#));
        let whole = resolve(&m, &[a, b]).unwrap();
        assert_eq!(whole["a"], serde_json::json!([1, 2]));
        assert_eq!(whole["b"]["x"], 3);
    }
}
