//! What flows through a pipeline: records, and bad records beside them.

use std::fmt;

use crate::{Decimal, Symbol, Timestamp};

/// One trade or quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tick {
    /// When it happened, UTC.
    pub time: Timestamp,
    /// Which instrument.
    pub symbol: Symbol,
    /// Trade price (or the quote price chosen by the source); always > 0.
    pub price: Decimal,
    /// Traded quantity; zero when the source has none. In 128 bits: a
    /// token's volume can pass the 92 billion a [`Decimal`] holds.
    pub volume: crate::Money,
    /// The bid and ask, when the source read a quote file.
    pub quote: Option<Quote>,
}

/// The best bid and ask of a quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    /// The highest price a buyer offers.
    pub bid: Decimal,
    /// The lowest price a seller asks.
    pub ask: Decimal,
}

/// One line of a text file, borrowed from the source's buffer.
///
/// Bytes, not `str`: logs are not always UTF-8, and a grep must print what
/// it found unchanged. The line terminator is not included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// The line's bytes, without `\n` (a `\r` before it is kept).
    pub bytes: &'a [u8],
    /// Where the line was read.
    pub file: &'a str,
    /// 1-based line number.
    pub number: u64,
    /// Byte offset of the line's first byte in the file.
    pub offset: u64,
}

/// A good record, as a source yields it and a sink receives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record<'a> {
    /// A trade or quote of one symbol.
    Tick(Tick),
    /// A line of text, from a log file.
    Line(Line<'a>),
}

impl Record<'_> {
    /// Which kind of record this is.
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Tick(_) => RecordKind::Tick,
            Record::Line(_) => RecordKind::Line,
        }
    }
}

/// The kinds of record; sources declare which they emit, sinks which they
/// consume, so a mismatched pipeline is refused before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// [`Record::Tick`].
    Tick,
    /// [`Record::Line`].
    Line,
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordKind::Tick => "ticks",
            RecordKind::Line => "lines",
        })
    }
}

/// Where a record came from: a file and line, or a position in a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location<'a> {
    /// Line `line` (1-based) of `file`.
    FileLine {
        /// The file as named to the user.
        file: &'a str,
        /// From 1.
        line: u64,
    },
    /// The `seq`-th record (1-based) of a generated stream named `source`.
    Seq {
        /// The stream's name.
        source: &'a str,
        /// From 1.
        seq: u64,
    },
}

/// Appends the decimal digits of `n`, without the formatting machinery
/// (writers that emit a number per record use it).
pub fn push_u64(n: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(u64_digits(n, &mut [0; 20]));
}

/// The decimal digits of `n`, written at the end of `buf`: for a number
/// per record or per line, where `format!` would allocate.
pub fn u64_digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[at..]
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::FileLine { file, line } => write!(f, "{file}:{line}"),
            Location::Seq { source, seq } => write!(f, "{source}#{seq}"),
        }
    }
}

/// What was wrong with a bad record; the summary counts bad records by this.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BadKind {
    /// The row has the wrong number of fields.
    FieldCount,
    /// The timestamp is missing or unparsable.
    Timestamp,
    /// The timestamp is earlier than the one before it.
    TimeBackwards,
    /// The symbol is missing or not a valid symbol.
    Symbol,
    /// The price is missing or unparsable.
    Price,
    /// The price is below zero.
    NegativePrice,
    /// The price is exactly zero.
    ZeroPrice,
    /// The volume is missing, unparsable or negative.
    Volume,
    /// A line is longer than the configured maximum.
    LineTooLong,
    /// A message from a queue could not be decoded as a record.
    Message,
}

impl BadKind {
    /// Stable snake_case name, used as the key in reports.
    pub fn name(self) -> &'static str {
        match self {
            BadKind::FieldCount => "field_count",
            BadKind::Timestamp => "timestamp",
            BadKind::TimeBackwards => "time_backwards",
            BadKind::Symbol => "symbol",
            BadKind::Price => "price",
            BadKind::NegativePrice => "negative_price",
            BadKind::ZeroPrice => "zero_price",
            BadKind::Volume => "volume",
            BadKind::LineTooLong => "line_too_long",
            BadKind::Message => "message",
        }
    }
}

impl fmt::Display for BadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A record that could not be read as a good one.
///
/// Bad records are data about the stream: the bridge throws them at the
/// sinks, which decide what they mean. They are never dropped unseen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRecord<'a> {
    /// The class of fault, for counting.
    pub kind: BadKind,
    /// A human sentence saying what was wrong, e.g. `Negative price: -12.50`.
    pub reason: String,
    /// Where it was read.
    pub location: Location<'a>,
    /// The raw text as read (a row, without its line terminator).
    pub raw: &'a [u8],
    /// The symbol, when it could be read; filters use it.
    pub symbol: Option<Symbol>,
    /// A copy of a bad record also delivered elsewhere: a record with no
    /// symbol goes to every partition of a partitioned stream, and all but
    /// one copy are echoes. Sinks act on an echo (a bot resets) but count
    /// only the original, so the reports of partitions add up.
    pub echo: bool,
}

impl fmt::Display for BadRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.reason)
    }
}
