//! One audit line: what is written for a record, a bad record, or a close.

use sluice_core::record::push_u64;
use sluice_core::time::TimeWriter;
use sluice_core::{BadRecord, Location, Money, Record, Symbol, Timestamp};

/// The fields of a line, before its hash. Absent fields are left out.
pub struct Entry<'a> {
    pub seq: u64,
    /// `record`, `error` or `close`.
    pub kind: &'static str,
    /// `file:line`, or `source#seq`.
    pub origin: Option<Location<'a>>,
    pub time: Option<Timestamp>,
    pub symbol: Option<Symbol>,
    /// Prices and volumes as exact decimal text, so they read back exactly.
    pub price: Option<Exact>,
    pub volume: Option<Exact>,
    pub offset: Option<u64>,
    /// A line's text, or a bad record's raw text, when it is UTF-8.
    pub text: Option<&'a str>,
    /// The same, as hex, when it is not UTF-8.
    pub text_hex: Option<String>,
    /// A bad record's class (`negative_price`, …).
    pub error: Option<&'static str>,
    pub reason: Option<&'a str>,
    /// On a close line: records and errors written by the run.
    pub records: Option<u64>,
    pub errors: Option<u64>,
}

/// A decimal written as its exact text (`"150.25"`), not as a float; in
/// 128 bits, for volumes past what a price holds.
#[derive(Clone, Copy)]
pub struct Exact(pub Money);

impl<'a> Entry<'a> {
    fn blank(seq: u64, kind: &'static str) -> Entry<'a> {
        Entry {
            seq,
            kind,
            origin: None,
            time: None,
            symbol: None,
            price: None,
            volume: None,
            offset: None,
            text: None,
            text_hex: None,
            error: None,
            reason: None,
            records: None,
            errors: None,
        }
    }

    /// The line for a good record read at `origin`.
    pub fn record(seq: u64, record: &'a Record<'a>, origin: Location<'a>) -> Entry<'a> {
        let mut e = Entry { origin: Some(origin), ..Entry::blank(seq, "record") };
        match record {
            Record::Tick(t) => {
                e.time = Some(t.time);
                e.symbol = Some(t.symbol);
                e.price = Some(Exact(Money::from_decimal(t.price)));
                e.volume = Some(Exact(t.volume));
            }
            Record::Line(l) => {
                e.offset = Some(l.offset);
                e.set_text(l.bytes);
            }
        }
        e
    }

    /// The line for a bad record.
    pub fn error(seq: u64, bad: &'a BadRecord<'a>) -> Entry<'a> {
        let mut e = Entry {
            origin: Some(bad.location),
            symbol: bad.symbol,
            error: Some(bad.kind.name()),
            reason: Some(&bad.reason),
            ..Entry::blank(seq, "error")
        };
        e.set_text(bad.raw);
        e
    }

    /// The last line of a run that ended cleanly.
    pub fn close(seq: u64, records: u64, errors: u64) -> Entry<'a> {
        Entry { records: Some(records), errors: Some(errors), ..Entry::blank(seq, "close") }
    }

    fn set_text(&mut self, bytes: &'a [u8]) {
        match std::str::from_utf8(bytes) {
            Ok(t) => self.text = Some(t),
            Err(_) => self.text_hex = Some(sluice_core::hex::encode(bytes)),
        }
    }
}

impl Entry<'_> {
    /// Writes the JSON object without its closing brace (the hash field
    /// goes last). Field by field rather than through a derived serializer:
    /// this runs once per record. Strings are escaped by serde_json.
    pub fn write_jsonl(&self, out: &mut Vec<u8>, times: &mut TimeWriter) -> std::io::Result<()> {
        out.extend_from_slice(b"{\"seq\":");
        push_u64(self.seq, out);
        out.extend_from_slice(b",\"kind\":\"");
        out.extend_from_slice(self.kind.as_bytes());
        out.push(b'"');
        let text = |out: &mut Vec<u8>, key: &str, value: &str| -> std::io::Result<()> {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            serde_json::to_writer(&mut *out, value).map_err(std::io::Error::other)
        };
        let exact = |out: &mut Vec<u8>, key: &str, value: Money| {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":\"");
            value.push_min_places(0, false, out);
            out.push(b'"');
        };
        let number = |out: &mut Vec<u8>, key: &str, value: u64| {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            push_u64(value, out);
        };
        if let Some(o) = self.origin {
            // The name escaped as JSON, then `:line` or `#seq`, which need no
            // escaping.
            let (name, sep, n) = match o {
                Location::FileLine { file, line } => (file, b':', line),
                Location::Seq { source, seq } => (source, b'#', seq),
            };
            text(out, "origin", name)?;
            out.pop();
            out.push(sep);
            push_u64(n, out);
            out.push(b'"');
        }
        if let Some(t) = self.time {
            out.extend_from_slice(b",\"time\":\"");
            times.write(t, out);
            out.push(b'"');
        }
        if let Some(s) = self.symbol {
            text(out, "symbol", s.as_str())?;
        }
        if let Some(Exact(p)) = self.price {
            exact(out, "price", p);
        }
        if let Some(Exact(v)) = self.volume {
            exact(out, "volume", v);
        }
        if let Some(o) = self.offset {
            number(out, "offset", o);
        }
        if let Some(t) = self.text {
            text(out, "text", t)?;
        }
        if let Some(h) = &self.text_hex {
            text(out, "text_hex", h)?;
        }
        if let Some(e) = self.error {
            text(out, "error", e)?;
        }
        if let Some(r) = self.reason {
            text(out, "reason", r)?;
        }
        if let Some(n) = self.records {
            number(out, "records", n);
        }
        if let Some(n) = self.errors {
            number(out, "errors", n);
        }
        Ok(())
    }
}

/// Encodes `entry`, without its hash, into `line` in `format`: the body the
/// chain hashes.
pub fn encode(
    entry: &Entry<'_>,
    format: crate::Format,
    line: &mut Vec<u8>,
    times: &mut TimeWriter,
) -> std::io::Result<()> {
    line.clear();
    match format {
        crate::Format::Jsonl => entry.write_jsonl(line, times)?,
        crate::Format::Csv => {
            let text = |o: Option<String>| o.unwrap_or_default();
            let row = [
                entry.seq.to_string(),
                entry.kind.to_owned(),
                text(entry.origin.map(|o| o.to_string())),
                text(entry.time.map(|t| t.to_string())),
                text(entry.symbol.map(|s| s.to_string())),
                text(entry.price.map(|p| p.0.to_string())),
                text(entry.volume.map(|v| v.0.to_string())),
                text(entry.offset.map(|o| o.to_string())),
                text(entry.text.map(str::to_owned)),
                text(entry.text_hex.clone()),
                text(entry.error.map(str::to_owned)),
                text(entry.reason.map(str::to_owned)),
                text(entry.records.map(|n| n.to_string())),
                text(entry.errors.map(|n| n.to_string())),
            ];
            // The row's body only: the writer thread appends the hash
            // column and the line's end, so the terminator is dropped.
            let mut w = csv::WriterBuilder::new().buffer_capacity(512).from_writer(&mut *line);
            w.write_record(&row)?;
            w.flush()?;
            drop(w);
            line.pop();
        }
    }
    Ok(())
}
