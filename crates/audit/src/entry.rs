//! One audit line: what is written for a record, a bad record, or a close.

use serde::Serialize;
use sluice_core::{BadRecord, Decimal, Location, Record, Symbol, Timestamp};

/// The fields of a line, before its hash. Absent fields are left out.
#[derive(Serialize)]
pub struct Entry<'a> {
    pub seq: u64,
    /// `record`, `error` or `close`.
    pub kind: &'static str,
    /// `file:line`, or `source#seq`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<Symbol>,
    /// Prices and volumes as exact decimal text, so they read back exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Exact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<Exact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// A line's text, or a bad record's raw text, when it is UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
    /// The same, as hex, when it is not UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_hex: Option<String>,
    /// A bad record's class (`negative_price`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    /// On a close line: records and errors written by the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<u64>,
}

/// A decimal written as its exact text (`"150.25"`), not as a float.
#[derive(Clone, Copy)]
pub struct Exact(pub Decimal);

impl Serialize for Exact {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

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
    pub fn record(seq: u64, record: &'a Record<'a>, origin: &'a str) -> Entry<'a> {
        let mut e = Entry { origin: Some(origin), ..Entry::blank(seq, "record") };
        match record {
            Record::Tick(t) => {
                e.time = Some(t.time);
                e.symbol = Some(t.symbol);
                e.price = Some(Exact(t.price));
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
    pub fn error(seq: u64, bad: &'a BadRecord<'a>, origin: &'a str) -> Entry<'a> {
        let mut e = Entry {
            origin: Some(origin),
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
            Err(_) => self.text_hex = Some(bytes.iter().map(|b| format!("{b:02x}")).collect()),
        }
    }
}

/// `file:line` or `source#seq`, written into a reused string.
pub fn origin(at: &Location<'_>, into: &mut String) {
    use std::fmt::Write;
    into.clear();
    let _ = write!(into, "{at}");
}
