//! Records as JSON messages, and back.
//!
//! One object per message, with `kind` first:
//!
//! ```text
//! {"kind":"tick","time":1700000000000000000,"symbol":"AAPL","price":"187.25","volume":"100","at":{"file":"t.csv","line":2}}
//! {"kind":"line","text":"ERROR disk full","file":"app.log","line":7,"offset":512}
//! {"kind":"bad","error":"negative_price","reason":"Negative price: -1","raw":"…","symbol":"AAPL","at":{"file":"t.csv","line":3}}
//! ```
//!
//! Times are integer nanoseconds and prices decimal text, so nothing is
//! rounded on the way. Text that is not UTF-8 travels as `hex` (lines) or
//! `raw_hex` (bad records) instead of `text` or `raw`. An echo (a copy of a
//! bad record sent to every partition) carries `"echo":true`.

use std::borrow::Cow;
use std::io::Write;

use serde::Deserialize;
use sluice_core::record::push_u64;
use sluice_core::{BadKind, BadRecord, Line, Location, Record, Tick};

/// Appends `record`, read at `at`, as one message body.
pub fn encode_record(record: &Record<'_>, at: &Location<'_>, out: &mut Vec<u8>) {
    match record {
        Record::Tick(t) => encode_tick(t, at, out),
        Record::Line(l) => encode_line(l, out),
    }
}

fn encode_tick(t: &Tick, at: &Location<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"kind\":\"tick\",\"time\":");
    let _ = write!(out, "{}", t.time.as_nanos());
    out.extend_from_slice(b",\"symbol\":");
    string(t.symbol.as_str(), out);
    let _ = write!(out, ",\"price\":\"{}\",\"volume\":\"{}\"", t.price, t.volume);
    location(at, out);
    out.push(b'}');
}

fn encode_line(l: &Line<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"kind\":\"line\",");
    bytes("text", "hex", l.bytes, out);
    out.extend_from_slice(b",\"file\":");
    string(l.file, out);
    out.extend_from_slice(b",\"line\":");
    push_u64(l.number, out);
    out.extend_from_slice(b",\"offset\":");
    push_u64(l.offset, out);
    out.push(b'}');
}

/// Appends `t` as a line of a frame: `T`, then tab-separated its time in
/// nanoseconds, symbol, price and volume, and where it was read, `F<i>`
/// and the line or `S<i>` and the sequence number, `<i>` indexing the
/// frame head's `names`. A fifth of a JSON tick's decoding cost.
pub fn encode_frame_tick(t: &Tick, at: &FrameAt, out: &mut Vec<u8>) {
    // Assembled as bytes: through the formatting machinery, this line cost
    // a third of the producer's time.
    out.extend_from_slice(b"T\t");
    let time = t.time.as_nanos();
    if time < 0 {
        out.push(b'-');
    }
    push_u64(time.unsigned_abs(), out);
    out.push(b'\t');
    out.extend_from_slice(t.symbol.as_bytes());
    out.push(b'\t');
    t.price.push_min_places(0, false, out);
    out.push(b'\t');
    t.volume.push_min_places(0, false, out);
    out.push(b'\t');
    out.push(if at.seq { b'S' } else { b'F' });
    push_u64(u64::from(at.name), out);
    out.push(b'\t');
    push_u64(at.number, out);
}

/// Where a framed tick was read: a name of the frame's by index, and the
/// line (or, for a generated stream, the sequence number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameAt {
    /// Index into the frame head's `names`.
    pub name: u32,
    /// A sequence number of a stream, not a line of a file.
    pub seq: bool,
    /// The line or sequence number.
    pub number: u64,
}

/// Reads a line written by [`encode_frame_tick`].
pub fn decode_frame_tick(line: &[u8]) -> Result<(Tick, FrameAt), WireError> {
    let text = std::str::from_utf8(line).map_err(|e| WireError::Frame(e.to_string()))?;
    let mut fields = text.split('\t');
    let mut next = |field: &'static str| fields.next().ok_or(WireError::Missing(field));
    if next("kind")? != "T" {
        return Err(WireError::Frame("a frame line that is neither a tick (T) nor a JSON record".into()));
    }
    let time: i64 = read("time", next("time")?)?;
    let (symbol, price, volume) =
        (read("symbol", next("symbol")?)?, read("price", next("price")?)?, read("volume", next("volume")?)?);
    let at = next("at")?;
    let seq = match at.as_bytes().first() {
        Some(b'F') => false,
        Some(b'S') => true,
        _ => return Err(WireError::Field { field: "at", text: at.to_owned(), why: "not F<i> or S<i>".into() }),
    };
    let name = read("at", &at[1..])?;
    let number = read("line", next("line")?)?;
    if fields.next().is_some() {
        return Err(WireError::Frame("a tick line with more than seven fields".into()));
    }
    let tick =
        Tick { time: sluice_core::Timestamp::from_nanos(time), symbol, price: positive(price)?, volume, quote: None };
    Ok((tick, FrameAt { name, seq, number }))
}

/// A tick's price, which is above zero: a message from another producer is
/// held to what sluice's own sources give.
fn positive(price: sluice_core::Decimal) -> Result<sluice_core::Decimal, WireError> {
    if price.units() > 0 {
        Ok(price)
    } else {
        Err(WireError::Field { field: "price", text: price.to_string(), why: "a tick's price is above zero".into() })
    }
}

/// The text of field `field` read as a `T`.
fn read<T: std::str::FromStr<Err: std::fmt::Display>>(field: &'static str, text: &str) -> Result<T, WireError> {
    text.parse().map_err(|e: T::Err| WireError::Field { field, text: text.to_owned(), why: e.to_string() })
}

/// Appends `bad` as one message body; `echo` marks a copy.
pub fn encode_bad(bad: &BadRecord<'_>, echo: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"kind\":\"bad\",\"error\":\"");
    out.extend_from_slice(bad.kind.name().as_bytes());
    out.extend_from_slice(b"\",\"reason\":");
    string(&bad.reason, out);
    out.push(b',');
    bytes("raw", "raw_hex", bad.raw, out);
    if let Some(s) = bad.symbol {
        out.extend_from_slice(b",\"symbol\":");
        string(s.as_str(), out);
    }
    if echo || bad.echo {
        out.extend_from_slice(b",\"echo\":true");
    }
    location(&bad.location, out);
    out.push(b'}');
}

fn location(at: &Location<'_>, out: &mut Vec<u8>) {
    match at {
        Location::FileLine { file, line } => {
            out.extend_from_slice(b",\"at\":{\"file\":");
            string(file, out);
            out.extend_from_slice(b",\"line\":");
            push_u64(*line, out);
        }
        Location::Seq { source, seq } => {
            out.extend_from_slice(b",\"at\":{\"source\":");
            string(source, out);
            out.extend_from_slice(b",\"seq\":");
            push_u64(*seq, out);
        }
    }
    out.push(b'}');
}

/// A JSON string, escaped by serde_json.
fn string(s: &str, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// `"text_key":"…"` for UTF-8, `"hex_key":"…"` for anything else.
fn bytes(text_key: &str, hex_key: &str, b: &[u8], out: &mut Vec<u8>) {
    match std::str::from_utf8(b) {
        Ok(s) => {
            let _ = write!(out, "\"{text_key}\":");
            string(s, out);
        }
        Err(_) => {
            let _ = write!(out, "\"{hex_key}\":\"");
            sluice_core::hex::push(b, out);
            out.push(b'"');
        }
    }
}

/// A message body as read back; [`Decoded::check`] says whether it is whole.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decoded<'a> {
    pub kind: Kind,
    pub time: Option<i64>,
    #[serde(borrow)]
    pub symbol: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub price: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub volume: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub hex: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub file: Option<Cow<'a, str>>,
    pub line: Option<u64>,
    pub offset: Option<u64>,
    pub error: Option<BadKind>,
    #[serde(borrow)]
    pub reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub raw: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub raw_hex: Option<Cow<'a, str>>,
    #[serde(default)]
    pub echo: bool,
    #[serde(borrow)]
    pub at: Option<At<'a>>,
}

/// What a message holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Tick,
    Line,
    Bad,
}

/// Where the record was read, upstream.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum At<'a> {
    File {
        #[serde(borrow)]
        file: Cow<'a, str>,
        line: u64,
    },
    Seq {
        #[serde(borrow)]
        source: Cow<'a, str>,
        seq: u64,
    },
}

/// Why a message is not a record: the reason of its bad record.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Not JSON of our shape.
    #[error("not a sluice message: {0}")]
    NotMessage(#[from] serde_json::Error),
    /// A tick without one of its fields.
    #[error("a tick message without `{0}`")]
    Missing(&'static str),
    /// A frame's line that is not one.
    #[error("{0}")]
    Frame(String),
    /// A field whose text does not read as its type.
    #[error("{field} `{text}`: {why}")]
    Field {
        /// The field.
        field: &'static str,
        /// Its text.
        text: String,
        /// Why it does not read.
        why: String,
    },
    /// A record of another kind than the stream is read for.
    #[error("a {found} message in a stream read as {read_as}")]
    WrongKind {
        /// The message's kind, as `tick`.
        found: String,
        /// What the stream is read as, as `lines`.
        read_as: String,
    },
    /// Both or neither of a line's `text` and `hex`.
    #[error("a message needs exactly one of its text and hex fields")]
    TextAndHex,
    /// A `hex` field that is not hex.
    #[error(transparent)]
    Hex(#[from] sluice_core::hex::NotHex),
}

impl<'a> Decoded<'a> {
    /// Reads a message body; the error says what is wrong with it.
    pub fn parse(body: &'a [u8]) -> Result<Decoded<'a>, WireError> {
        Ok(serde_json::from_slice(body)?)
    }

    /// The tick of a `tick` message.
    pub fn tick(&self) -> Result<Tick, WireError> {
        let time = self.time.ok_or(WireError::Missing("time"))?;
        Ok(Tick {
            time: sluice_core::Timestamp::from_nanos(time),
            symbol: read("symbol", self.symbol.as_deref().ok_or(WireError::Missing("symbol"))?)?,
            price: positive(read("price", self.price.as_deref().ok_or(WireError::Missing("price"))?)?)?,
            volume: read("volume", self.volume.as_deref().ok_or(WireError::Missing("volume"))?)?,
            // Not carried on the wire: a bot filling at the quote refuses
            // such ticks by name.
            quote: None,
        })
    }

    /// The bytes of a line (`text` or `hex`), or of a bad record's raw text
    /// (`raw` or `raw_hex`), into `out`.
    pub fn bytes_into(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        out.clear();
        let (text, hex) = match self.kind {
            Kind::Bad => (&self.raw, &self.raw_hex),
            _ => (&self.text, &self.hex),
        };
        match (text, hex) {
            (Some(t), None) => out.extend_from_slice(t.as_bytes()),
            (None, Some(h)) => sluice_core::hex::decode_into(h, out)?,
            (None, None) if self.kind == Kind::Bad => {}
            _ => return Err(WireError::TextAndHex),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::Timestamp;

    fn tick() -> Tick {
        Tick {
            time: Timestamp::from_nanos(1_700_000_000_123_456_789),
            symbol: "BRK.B".parse().unwrap(),
            price: "187.00000001".parse().unwrap(),
            volume: "123456789012345.5".parse().unwrap(),
            quote: None,
        }
    }

    #[test]
    fn a_tick_comes_back_exactly_with_its_location() {
        let mut out = Vec::new();
        encode_record(&Record::Tick(tick()), &Location::FileLine { file: "d\"ir/t.csv", line: 9 }, &mut out);
        let d = Decoded::parse(&out).unwrap();
        assert_eq!(d.kind, Kind::Tick);
        assert_eq!(d.tick().unwrap(), tick());
        let Some(At::File { file, line }) = d.at else { panic!("{d:?}") };
        assert_eq!((&*file, line), ("d\"ir/t.csv", 9));
    }

    #[test]
    fn lines_keep_their_bytes_utf8_or_not() {
        for bytes in [&b"ERROR \"quoted\" \\ tab\t\r"[..], b"\xff\xfe bad utf-8", b""] {
            let line = Line { bytes, file: "app.log", number: 7, offset: 512 };
            let mut out = Vec::new();
            encode_record(&Record::Line(line), &Location::FileLine { file: "app.log", line: 7 }, &mut out);
            let d = Decoded::parse(&out).unwrap();
            let mut back = Vec::new();
            d.bytes_into(&mut back).unwrap();
            assert_eq!(back, bytes);
            assert_eq!((d.file.as_deref(), d.line, d.offset), (Some("app.log"), Some(7), Some(512)));
        }
    }

    #[test]
    fn a_bad_record_keeps_its_reason_raw_text_symbol_and_echo() {
        let bad = BadRecord {
            kind: BadKind::NegativePrice,
            reason: "Negative price: -1".into(),
            location: Location::Seq { source: "ticker", seq: 3 },
            raw: b"x,\xff",
            symbol: None,
            echo: false,
        };
        let mut out = Vec::new();
        encode_bad(&bad, true, &mut out);
        let d = Decoded::parse(&out).unwrap();
        assert_eq!(
            (d.kind, d.error, d.echo, d.symbol.is_none()),
            (Kind::Bad, Some(BadKind::NegativePrice), true, true)
        );
        assert_eq!(d.reason.as_deref(), Some("Negative price: -1"));
        let mut raw = Vec::new();
        d.bytes_into(&mut raw).unwrap();
        assert_eq!(raw, b"x,\xff");
        assert!(matches!(d.at, Some(At::Seq { seq: 3, .. })));
    }

    #[test]
    fn foreign_messages_are_refused_with_a_reason() {
        assert!(Decoded::parse(b"hello").is_err());
        assert!(Decoded::parse(br#"{"kind":"tick","extra":1}"#).is_err());
        let d = Decoded::parse(br#"{"kind":"tick","time":1}"#).unwrap();
        assert_eq!(d.tick().unwrap_err().to_string(), "a tick message without `symbol`");
        let d = Decoded::parse(br#"{"kind":"tick","time":1,"symbol":"A","price":"x","volume":"1"}"#).unwrap();
        assert_eq!(d.tick().unwrap_err().to_string(), "price `x`: not a number");
        let d = Decoded::parse(br#"{"kind":"line","hex":"zz"}"#).unwrap();
        assert_eq!(d.bytes_into(&mut Vec::new()).unwrap_err().to_string(), "`zz` is not hex");
        let d = Decoded::parse(br#"{"kind":"line","text":"a","hex":"61"}"#).unwrap();
        assert!(matches!(d.bytes_into(&mut Vec::new()), Err(WireError::TextAndHex)));
    }

    #[test]
    fn a_framed_tick_reads_back_as_written_and_a_bad_one_says_why() {
        for at in [FrameAt { name: 0, seq: false, number: 7 }, FrameAt { name: 3, seq: true, number: u64::MAX }] {
            let mut line = Vec::new();
            encode_frame_tick(&tick(), &at, &mut line);
            assert_eq!(decode_frame_tick(&line).unwrap(), (tick(), at));
        }
        let before_1970 = Tick { time: Timestamp::from_nanos(-86_400_000_000_123), ..tick() };
        let mut line = Vec::new();
        encode_frame_tick(&before_1970, &FrameAt { name: 1, seq: false, number: 2 }, &mut line);
        assert_eq!(decode_frame_tick(&line).unwrap().0, before_1970);
        let mut line = Vec::new();
        encode_frame_tick(&tick(), &FrameAt { name: 0, seq: false, number: 7 }, &mut line);
        assert_eq!(
            String::from_utf8(line.clone()).unwrap(),
            "T\t1700000000123456789\tBRK.B\t187.00000001\t123456789012345.5\tF0\t7"
        );
        for (bad, says) in [
            (&b"T\t1\tAAPL\t-1\t0\tF0\t1"[..], "price"),
            (b"T\t1\tAAPL\t1\t0\tX0\t1", "not F<i> or S<i>"),
            (b"T\t1\tAAPL\t1\t0\tF0", "line"),
            (b"T\t1\tAAPL\t1\t0\tF0\t1\textra", "more than seven"),
            (b"Q\t1", "neither a tick"),
        ] {
            let e = decode_frame_tick(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }
}
