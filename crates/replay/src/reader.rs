//! One tick file, read row by row: the hot path of a replay.
//!
//! Over 400 lines on purpose: the row loop, its bad-row classes and the
//! taken-over symbol filter share state that splitting would pass around
//! row by row.

use std::fmt::Write as _;
use std::io::Read;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use sluice_core::{BadKind, BadRecord, Decimal, Error, Location, Money, Quote, Symbol, Tick, Timestamp};

use crate::config::{Backwards, Layout};
use crate::fields::{Fields, sniff_delimiter};
use crate::layout::{PriceSource, QuotePrice, Resolved};
use crate::scale::Scale;
use crate::skim::find_any;
use crate::time::TimeParser;
use sluice_io::{LineBuffer, Next, Opener, STDIN, Watch};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What one step of a reader gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A tick, and its line number.
    Tick(Tick, u64),
    /// A bad row; [`FileReader::bad`] describes it until the next step.
    Bad,
    End,
}

/// Where the last bad row's raw text is.
#[derive(Clone, Debug)]
enum Raw {
    Line(Range<usize>),
    /// The first bytes of an over-long line.
    Sample,
}

/// The last bad row, kept until the next step.
#[derive(Clone, Debug)]
struct BadSlot {
    kind: BadKind,
    reason: String,
    line: u64,
    raw: Raw,
    symbol: Option<Symbol>,
}

/// Reads ticks from one file.
pub struct FileReader {
    name: String,
    lines: LineBuffer<Box<dyn Read + Send>>,
    layout: Layout,
    /// Set from the first line that is not blank.
    resolved: Option<Resolved>,
    delimiter: u8,
    symbol: Option<Symbol>,
    time: TimeParser,
    fields: Fields,
    last_time: Option<Timestamp>,
    /// Symbols kept, when the source took over a symbol filter.
    keep: Option<Keep>,
    scanned: u64,
    /// Taken at the end, to tell whether the file changed under the read.
    watch: Option<Watch>,
    /// The first tick of a guessed layout was found plausible.
    vetted: bool,
    /// The first line was a header, whose names placed the columns.
    header_named: bool,
    warnings: Vec<String>,
    bad: BadSlot,
}

impl FileReader {
    /// Opens `path` (`-` for stdin) for reading with `layout`.
    pub fn open(
        path: &str,
        layout: &Layout,
        keep: Option<Vec<Symbol>>,
        progress: Option<Arc<AtomicU64>>,
        interrupt: Option<Arc<std::sync::atomic::AtomicUsize>>,
    ) -> Result<FileReader, Error> {
        let name = if path == STDIN { "<stdin>".to_owned() } else { path.to_owned() };
        let (reader, watch): (Box<dyn Read + Send>, _) =
            if path != STDIN && crate::parquet::is_parquet(std::path::Path::new(path)) {
                let text = crate::parquet::ParquetText::open(std::path::Path::new(path), progress)
                    .map_err(|e| Error::io("csv", format!("cannot open {path}"), e))?;
                // Its size says nothing of the text read from it.
                (Box::new(text), None)
            } else {
                let input = Opener::new()
                    .progress(progress)
                    .interrupt(interrupt)
                    .open(path)
                    .map_err(|e| Error::io("csv", format!("cannot open {path}"), e))?;
                (input.reader, Some(input.watch))
            };
        let symbol =
            layout.symbol.or_else(|| layout.symbol_from_file_name.then(|| symbol_from_file_name(path)).flatten());
        Ok(FileReader {
            lines: LineBuffer::with_limits(reader, sluice_io::DEFAULT_CAPACITY, layout.max_line_bytes),
            time: TimeParser::new(layout.time_format.clone(), layout.tz.clone()),
            layout: layout.clone(),
            name,
            resolved: None,
            delimiter: b',',
            symbol,
            fields: Fields::default(),
            last_time: None,
            keep: keep.map(|k| Keep::new(&k)),
            scanned: 0,
            watch,
            vetted: false,
            header_named: false,
            warnings: Vec::new(),
            bad: BadSlot { kind: BadKind::FieldCount, reason: String::new(), line: 0, raw: Raw::Sample, symbol: None },
        })
    }

    /// Notes a file that was truncated, grew or was deleted while it was
    /// read: what was read was replayed, but the user should know.
    fn check_changed(&mut self) {
        // Checked once, at the first end of input.
        if let Some(change) = self.watch.take().and_then(|w| w.changed()) {
            self.warnings.push(change.warning(&self.name, "replayed"));
        }
    }

    /// Warnings gathered so far, taken.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// The file's name as shown in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Rows examined so far, including rows skipped by a taken-over filter.
    pub fn scanned(&self) -> u64 {
        self.scanned
    }

    /// The last bad row.
    pub fn bad(&self) -> BadRecord<'_> {
        let raw = match &self.bad.raw {
            Raw::Line(r) => &self.lines.buffer()[r.clone()],
            Raw::Sample => self.lines.sample(),
        };
        BadRecord {
            kind: self.bad.kind,
            reason: self.bad.reason.clone(),
            location: Location::FileLine { file: &self.name, line: self.bad.line },
            raw,
            symbol: self.bad.symbol,
            echo: false,
        }
    }

    /// The next tick, bad row or end of the file.
    pub fn advance(&mut self) -> Result<Step, Error> {
        loop {
            self.skim_dropped();
            let next = self.lines.next_line().map_err(|e| Error::io("csv", format!("reading {}", self.name), e))?;
            let (mut range, number) = match next {
                Next::End => {
                    self.check_changed();
                    return Ok(Step::End);
                }
                Next::TooLong { number, len, .. } => {
                    self.scanned += 1;
                    self.set_bad(BadKind::LineTooLong, number, Raw::Sample, None);
                    let _ = write!(self.bad.reason, "row of {len} bytes is longer than max_line_bytes");
                    return Ok(Step::Bad);
                }
                Next::Line { range, number, .. } => (range, number),
            };
            let buf = self.lines.buffer();
            if buf[range.clone()].ends_with(b"\r") {
                range.end -= 1;
            }
            if number == 1 && buf[range.clone()].starts_with(BOM) {
                range.start += BOM.len();
            }
            if buf[range.clone()].trim_ascii().is_empty() {
                continue;
            }
            if self.resolved.is_none() && self.setup(range.clone())? {
                continue; // the header
            }
            self.scanned += 1;
            match self.row(range, number)? {
                Some(step) => return Ok(step),
                None => continue,
            }
        }
    }

    /// Passes over the rows ahead that a taken-over symbol filter certainly
    /// drops, a buffer at a time; the judgement is [`FileReader::row`]'s.
    #[inline]
    fn skim_dropped(&mut self) {
        let (Some(keep), None, Some(Resolved { symbol: Some(col), .. })) = (&self.keep, self.symbol, self.resolved)
        else {
            return;
        };
        let max_row = self.layout.max_line_bytes;
        let (bytes, rows) = crate::skim::skim(self.lines.unread(), self.delimiter, col, max_row, |raw| {
            keep.find(raw).is_none() && plain_symbol(raw)
        });
        self.lines.skip(bytes, rows);
        self.scanned += rows;
    }

    /// Learns the layout from the first line; `true` if it is a header.
    fn setup(&mut self, range: Range<usize>) -> Result<bool, Error> {
        let line = &self.lines.buffer()[range];
        if line.starts_with(crate::parquet::MAGIC) {
            // A Parquet file by its path is read as such; this one came
            // without one (stdin), and Parquet is read from its end.
            let why = "is a Parquet file, which is read from its end: give its path rather than stdin";
            return Err(Error::config("csv", format!("{} {why}", self.name)));
        }
        self.delimiter = self.layout.delimiter.unwrap_or_else(|| sniff_delimiter(line));
        let mut fields = Fields::default();
        fields.split(line, self.delimiter).map_err(|e| Error::config("csv", format!("{}:1: {e}", self.name)))?;
        let texts: Vec<String> = (0..fields.len())
            .map(|i| String::from_utf8_lossy(fields.get(line, i).unwrap_or_default()).into_owned())
            .collect();
        let is_header = self.layout.header.unwrap_or_else(|| texts.iter().all(|t| t.parse::<Decimal>().is_err()));
        let header = is_header.then_some(texts.as_slice());
        let resolved = self
            .layout
            .columns
            .resolve(header, texts.len(), self.symbol.is_some(), self.layout.quote)
            .map_err(|e| Error::config("csv", format!("{}: {e}", self.name)))?;
        self.resolved = Some(resolved);
        self.header_named = is_header;
        Ok(is_header)
    }

    fn set_bad(&mut self, kind: BadKind, line: u64, raw: Raw, symbol: Option<Symbol>) {
        self.bad.kind = kind;
        self.bad.reason.clear();
        self.bad.line = line;
        self.bad.raw = raw;
        self.bad.symbol = symbol;
    }

    /// One data row: a tick, a bad row, or `None` when a taken-over filter
    /// drops it.
    #[inline]
    fn row(&mut self, range: Range<usize>, number: u64) -> Result<Option<Step>, Error> {
        let Some(r) = self.resolved else { return Ok(None) };
        let line = &self.lines.buffer()[range.clone()];
        // Most rows of a filtered replay are dropped: look at their symbol
        // field alone, before splitting the row.
        let mut matched = None;
        if let (Some(keep), None, Some(col)) = (&self.keep, self.symbol, r.symbol)
            && let Some(raw) = nth_field(line, self.delimiter, col)
        {
            matched = keep.find(raw);
            if matched.is_none() && plain_symbol(raw) {
                return Ok(None);
            }
        }
        if let Err(e) = self.fields.split(line, self.delimiter) {
            // The symbol may be readable before the fault: then the row is
            // filtered like any row of that symbol.
            let known = self.symbol.or_else(|| {
                r.symbol
                    .and_then(|col| nth_field(line, self.delimiter, col))
                    .and_then(|raw| Symbol::from_bytes(raw).ok())
            });
            if let (Some(keep), Some(s)) = (&self.keep, known)
                && keep.find(s.as_bytes()).is_none()
            {
                return Ok(None);
            }
            self.set_bad(BadKind::FieldCount, number, Raw::Line(range), known);
            self.bad.reason.push_str(e);
            return Ok(Some(Step::Bad));
        }
        let fields = &self.fields;
        let symbol = match (self.symbol.or(matched), r.symbol) {
            (Some(s), _) => Ok(s),
            (None, Some(i)) => match fields.get(line, i) {
                Some(raw) => Symbol::from_bytes(raw).map_err(|e| e.to_string()),
                None => Err("missing symbol".to_owned()),
            },
            (None, None) => Err("no symbol".to_owned()),
        };
        // A readable symbol the filter does not keep is dropped like the
        // fast path drops it; an unreadable one goes on as a bad record.
        if let (Some(keep), Ok(s)) = (&self.keep, &symbol)
            && keep.find(s.as_bytes()).is_none()
        {
            return Ok(None);
        }
        let known = symbol.as_ref().ok().copied();
        let parsed = parse_row(fields, line, &r, symbol, &mut self.time, self.last_time, &self.layout);
        match parsed {
            Ok(tick) => {
                if self.layout.guessed && !std::mem::replace(&mut self.vetted, true) {
                    self.vet(&tick, number)?;
                }
                // Backwards rows that pass do not lower the mark.
                self.last_time = Some(self.last_time.map_or(tick.time, |t| t.max(tick.time)));
                Ok(Some(Step::Tick(tick, number)))
            }
            Err(Fault::Bad(kind, reason)) => {
                self.set_bad(kind, number, Raw::Line(range), known);
                self.bad.reason = reason;
                Ok(Some(Step::Bad))
            }
            Err(Fault::Fatal(reason)) => Err(Error::new("csv", format!("{}:{number}: {reason}", self.name))),
        }
    }
}

impl FileReader {
    /// Refuses a guessed layout whose first tick is implausible: a symbol
    /// that is a number, or a time outside 1990–2100. The columns are then
    /// surely not what the guess took them for, and every figure from them
    /// would be wrong.
    fn vet(&self, tick: &Tick, number: u64) -> Result<(), Error> {
        if self.header_named {
            // A header named the columns: they are not a guess.
            return Ok(());
        }
        let symbol = tick.symbol.as_bytes();
        let numeric = symbol.iter().all(|b| b.is_ascii_digit() || *b == b'.' || *b == b'-');
        let year = tick.time.to_string().get(..4).and_then(|y| y.parse::<i32>().ok()).unwrap_or(0);
        let why = if self.symbol.is_none() && numeric {
            format!("the guessed symbol column holds a number (`{}`)", tick.symbol)
        } else if !(1990..=2100).contains(&year) {
            format!("the guessed timestamp column gives {}", tick.time)
        } else {
            return Ok(());
        };
        let hint = match self.resolved.map(|r| r.width) {
            Some(7) => "looks like Binance trades: add --format binance-trades",
            Some(8) => "looks like Binance aggregate trades: add --format binance-aggtrades",
            Some(12) => "looks like Binance klines: add --columns timestamp=0,price=4,volume=5 and --symbol NAME",
            _ => "name the columns with --format or --columns (see sluice replay --help)",
        };
        Err(Error::config("csv", format!("{}:{number}: {why}; {hint}", self.name)))
    }
}

/// Why a row is not a tick.
enum Fault {
    /// A bad record of this kind.
    Bad(BadKind, String),
    /// An error that ends the replay.
    Fatal(String),
}

/// Reads a tick out of a row whose symbol has been read already.
#[inline]
fn parse_row(
    fields: &Fields,
    line: &[u8],
    r: &Resolved,
    symbol: Result<Symbol, String>,
    time: &mut TimeParser,
    last: Option<Timestamp>,
    layout: &Layout,
) -> Result<Tick, Fault> {
    let backwards = layout.backwards;
    if fields.len() != r.width {
        return Err(Fault::Bad(BadKind::FieldCount, format!("expected {} fields, found {}", r.width, fields.len())));
    }
    let symbol = symbol.map_err(|e| Fault::Bad(BadKind::Symbol, e))?;
    let time = time
        .parse(fields.get(line, r.timestamp).unwrap_or_default())
        .map_err(|e| Fault::Bad(BadKind::Timestamp, e.to_string()))?;
    let (price, quote) = price(fields, line, r.price, layout.price_scale).map_err(|(kind, e)| Fault::Bad(kind, e))?;
    let volume = match r.volume.map(|i| fields.get(line, i).unwrap_or_default()) {
        None => Money::ZERO,
        Some(text) => match Money::parse_bytes_rounded(text) {
            Ok(v) if !v.is_negative() => v,
            Ok(v) => return Err(Fault::Bad(BadKind::Volume, format!("negative volume {v}"))),
            Err(_) if text.is_empty() => return Err(Fault::Bad(BadKind::Volume, "missing volume".into())),
            Err(e) => return Err(Fault::Bad(BadKind::Volume, format!("unparsable volume `{}`: {e}", show(text)))),
        },
    };
    if let Some(last) = last
        && time < last
    {
        let why = format!("timestamp {time} is before {last}");
        match backwards {
            Backwards::Pass => {}
            Backwards::Bad => return Err(Fault::Bad(BadKind::TimeBackwards, why)),
            Backwards::Error => return Err(Fault::Fatal(format!("{why} (backwards=error)"))),
        }
    }
    Ok(Tick { time, symbol, price, volume, quote })
}

/// The symbols a taken-over filter keeps, compared without a call to
/// memcmp: a symbol of up to eight bytes is one integer comparison.
struct Keep {
    symbols: Vec<(usize, u64, Symbol)>,
}

impl Keep {
    fn new(symbols: &[Symbol]) -> Keep {
        Keep { symbols: symbols.iter().map(|s| (s.as_bytes().len(), head(s.as_bytes()), *s)).collect() }
    }

    /// The kept symbol spelt `raw`, if there is one.
    #[inline]
    fn find(&self, raw: &[u8]) -> Option<Symbol> {
        if raw.len() <= 8 {
            let h = head(raw);
            self.symbols.iter().find(|(len, hd, _)| *len == raw.len() && *hd == h).map(|k| k.2)
        } else {
            self.symbols.iter().find(|(_, _, s)| s.as_bytes() == raw).map(|k| k.2)
        }
    }
}

/// Up to the first eight bytes, packed into an integer.
#[inline]
fn head(raw: &[u8]) -> u64 {
    raw.iter().take(8).enumerate().fold(0, |h, (i, &b)| h | u64::from(b) << (8 * i))
}

/// Field `n` of an unquoted row, found without splitting the rest; `None`
/// when a quote comes first (the full split must judge it) or the row is
/// shorter.
#[inline]
fn nth_field(line: &[u8], delimiter: u8, n: usize) -> Option<&[u8]> {
    let (mut seen, mut start) = (0, 0);
    loop {
        let end = find_any(&line[start..], [delimiter, b'"']).map_or(line.len(), |i| start + i);
        if end < line.len() && line[end] == b'"' {
            return None;
        }
        if seen == n {
            return Some(&line[start..end]);
        }
        if end == line.len() {
            return None;
        }
        seen += 1;
        start = end + 1;
    }
}

/// Whether `raw` is certainly a readable symbol: the cheap test of the hot
/// path (printable ASCII of a valid length); anything else goes through
/// the full check, so an unreadable symbol still reaches the sinks.
#[inline]
fn plain_symbol(raw: &[u8]) -> bool {
    !raw.is_empty()
        && raw.len() <= sluice_core::symbol::MAX_SYMBOL_LEN
        && raw.iter().all(|&b| (0x21..0x7f).contains(&b))
}

/// The trade or quote price of a row, or the fault and why.
/// The tick's price, and for a quote file its bid and ask (when both read:
/// a file replayed at its bid keeps its ask unchecked, as before).
fn price(
    fields: &Fields,
    line: &[u8],
    source: PriceSource,
    scale: Option<Scale>,
) -> Result<(Decimal, Option<Quote>), (BadKind, String)> {
    let one = |i: usize| -> Result<Decimal, (BadKind, String)> {
        let text = fields.get(line, i).unwrap_or_default();
        let parsed = match scale.and_then(|s| s.apply(text)) {
            Some(Ok(p)) => Ok(p),
            Some(Err(e)) => return Err((BadKind::Price, e)),
            None => Decimal::parse_bytes_rounded(text),
        };
        match parsed {
            Ok(p) if p.is_negative() => Err((BadKind::NegativePrice, format!("Negative price: {p}"))),
            Ok(p) if p.is_zero() => Err((BadKind::ZeroPrice, "Zero price".to_owned())),
            Ok(p) => Ok(p),
            Err(_) if text.is_empty() => Err((BadKind::Price, "missing price".to_owned())),
            Err(_) if is_not_finite(text) => Err((BadKind::Price, format!("price `{}` is not finite", show(text)))),
            Err(e) => Err((BadKind::Price, format!("unparsable price `{}`: {e}", show(text)))),
        }
    };
    match source {
        PriceSource::Trade(i) => Ok((one(i)?, None)),
        PriceSource::Quote { bid, ask, pick } => {
            let both = |b: Decimal, a: Decimal| Some(Quote { bid: b, ask: a });
            Ok(match pick {
                QuotePrice::Bid => {
                    let b = one(bid)?;
                    (b, one(ask).ok().and_then(|a| both(b, a)))
                }
                QuotePrice::Ask => {
                    let a = one(ask)?;
                    (a, one(bid).ok().and_then(|b| both(b, a)))
                }
                QuotePrice::Mid => {
                    let (b, a) = (one(bid)?, one(ask)?);
                    (b.midpoint(a), both(b, a))
                }
            })
        }
    }
}

fn is_not_finite(text: &[u8]) -> bool {
    let t = text.strip_prefix(b"-").or_else(|| text.strip_prefix(b"+")).unwrap_or(text);
    [&b"nan"[..], b"inf", b"infinity"].iter().any(|w| t.eq_ignore_ascii_case(w))
}

/// A field as text for a message, cut short if long.
fn show(text: &[u8]) -> String {
    let s = String::from_utf8_lossy(&text[..text.len().min(40)]).into_owned();
    if text.len() > 40 { format!("{s}…") } else { s }
}

/// `BTCUSDT` from `BTCUSDT-trades-2024-01.csv`, as Binance names its dumps.
fn symbol_from_file_name(path: &str) -> Option<Symbol> {
    let name = std::path::Path::new(path).file_name()?.to_str()?;
    let head = name.split('-').next()?;
    let plausible = head.len() >= 2 && head.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if plausible && head.len() < name.len() { head.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_field_finds_fields_and_defers_quotes() {
        let line = b"2026-01-05T14:30:00.000001Z,AAPL,150,1";
        assert_eq!(nth_field(line, b',', 0), Some(&b"2026-01-05T14:30:00.000001Z"[..]));
        assert_eq!(nth_field(line, b',', 1), Some(&b"AAPL"[..]));
        assert_eq!(nth_field(line, b',', 3), Some(&b"1"[..]));
        assert_eq!(nth_field(line, b',', 4), None);
        assert_eq!(nth_field(b"t,\"AAPL\",1", b',', 1), None);
        assert_eq!(nth_field(b"t,,1", b',', 1), Some(&b""[..]));
    }
}
