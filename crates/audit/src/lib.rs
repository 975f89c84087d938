//! The audit-logger sink: every record sent and every bad record thrown,
//! one line each, in order, with a gap-free sequence number and a SHA-256
//! hash chaining each line to the one before. `sluice audit verify` checks
//! the chain.

mod chain;
mod config;
mod entry;
mod file;
pub mod verify;

use std::io::{self, BufWriter, Write};

use sluice_core::{BadRecord, Error, Flow, Location, Record, RecordKind, Sink, SinkReport};

pub use config::{AuditConfig, Format, Fsync};
use entry::Entry;
use file::{LogFile, Tail, TailError};

/// Where lines go.
enum Output {
    Stdout(BufWriter<io::Stdout>),
    File(LogFile),
}

/// The audit-log sink.
pub struct AuditLog {
    config: AuditConfig,
    out: Option<Output>,
    tail: Tail,
    first_seq: u64,
    records: u64,
    errors: u64,
    since_sync: u64,
    /// A write failed: the error was reported, and close writes no more.
    failed: bool,
    /// Reused per line: the line and its origin text.
    line: Vec<u8>,
    origin: String,
}

impl AuditLog {
    /// An audit log as configured; the file is opened when the run starts.
    pub fn new(config: AuditConfig) -> AuditLog {
        AuditLog {
            config,
            out: None,
            tail: Tail::genesis(),
            first_seq: 1,
            records: 0,
            errors: 0,
            since_sync: 0,
            failed: false,
            line: Vec::with_capacity(512),
            origin: String::new(),
        }
    }

    fn err(&mut self, doing: &str, e: io::Error) -> Error {
        self.failed = true;
        let written = self.records + self.errors;
        Error::io("audit", format!("{doing} {} failed after {written} lines", self.config.path), e)
    }

    /// Encodes `entry` (without its hash) into `self.line`.
    fn encode(&mut self, entry: &Entry<'_>) -> io::Result<()> {
        self.line.clear();
        match self.config.format {
            Format::Jsonl => entry.write_jsonl(&mut self.line)?,
            Format::Csv => {
                let text = |o: Option<String>| o.unwrap_or_default();
                let row = [
                    entry.seq.to_string(),
                    entry.kind.to_owned(),
                    text(entry.origin.map(str::to_owned)),
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
                for (i, field) in row.iter().enumerate() {
                    if i > 0 {
                        self.line.push(b',');
                    }
                    push_csv_field(&mut self.line, field);
                }
            }
        }
        Ok(())
    }

    /// Hashes the encoded line, finishes it, and writes it.
    fn write_line(&mut self) -> io::Result<()> {
        let hash = chain::link(&self.tail.hash, &self.line);
        match self.config.format {
            Format::Jsonl => {
                self.line.extend_from_slice(chain::jsonl::FIELD);
                self.line.extend_from_slice(hash.as_bytes());
                self.line.extend_from_slice(b"\"}\n");
            }
            Format::Csv => {
                self.line.push(b',');
                self.line.extend_from_slice(hash.as_bytes());
                self.line.push(b'\n');
            }
        }
        let sync_every = matches!(self.config.fsync, Fsync::Always | Fsync::Every(_));
        match &mut self.out {
            Some(Output::File(f)) => {
                f.roll_if_needed(self.line.len() as u64, self.config.max_bytes, sync_every)?;
                f.write(&self.line)?;
            }
            Some(Output::Stdout(s)) => s.write_all(&self.line)?,
            None => return Err(io::Error::other("the audit log was not opened")),
        }
        self.tail.seq += 1;
        self.tail.hash = hash;
        self.since_sync += 1;
        let due = match self.config.fsync {
            Fsync::Always => true,
            Fsync::Every(n) => self.since_sync >= n,
            _ => false,
        };
        if due {
            self.flush(true)?;
        }
        Ok(())
    }

    fn flush(&mut self, sync: bool) -> io::Result<()> {
        self.since_sync = 0;
        match &mut self.out {
            Some(Output::File(f)) => f.flush(sync),
            Some(Output::Stdout(s)) => s.flush(),
            None => Ok(()),
        }
    }

    fn next_seq(&self) -> u64 {
        self.tail.seq + 1
    }
}

/// Appends `field` as RFC 4180 says: quoted, with quotes doubled, when it
/// holds a comma, a quote or a line break.
fn push_csv_field(out: &mut Vec<u8>, field: &str) {
    if !field.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.extend_from_slice(field.as_bytes());
        return;
    }
    out.push(b'"');
    for b in field.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

impl Sink for AuditLog {
    fn name(&self) -> &str {
        "audit"
    }

    fn accepts(&self, _: RecordKind) -> bool {
        true
    }

    /// Opens the log: appends to the set at `path`, continuing its sequence
    /// and chain, after checking that its last line is whole.
    fn start(&mut self) -> Result<(), Error> {
        if self.config.path == "-" {
            self.out = Some(Output::Stdout(BufWriter::new(io::stdout())));
            return Ok(());
        }
        let path = self.config.path.clone();
        let (tail, index) = file::tail(&path, self.config.format).map_err(|e| match e {
            TailError::Io(e) => Error::io("audit", format!("reading {path}"), e),
            TailError::Torn { path } => Error::new(
                "audit",
                format!("{path} ends with a torn line (a run was killed while writing); move the file aside or cut the torn line, then run `sluice audit verify` on it"),
            ),
            TailError::Unreadable { path } => {
                Error::new("audit", format!("{path}: its last line is not an audit line in this format; refusing to append"))
            }
        })?;
        let file = LogFile::open(&path, index, self.config.format)
            .map_err(|e| Error::io("audit", format!("opening {path}"), e))?;
        self.first_seq = tail.seq + 1;
        self.tail = tail;
        self.out = Some(Output::File(file));
        Ok(())
    }

    fn send(&mut self, record: &Record<'_>, at: &Location<'_>) -> Result<Flow, Error> {
        entry::origin(at, &mut self.origin);
        let origin = std::mem::take(&mut self.origin);
        let written = self.encode(&Entry::record(self.next_seq(), record, &origin)).and_then(|()| self.write_line());
        self.origin = origin;
        written.map_err(|e| self.err("writing", e))?;
        self.records += 1;
        Ok(Flow::Continue)
    }

    fn throw(&mut self, bad: &BadRecord<'_>) -> Result<Flow, Error> {
        entry::origin(&bad.location, &mut self.origin);
        let origin = std::mem::take(&mut self.origin);
        let written = self.encode(&Entry::error(self.next_seq(), bad, &origin)).and_then(|()| self.write_line());
        self.origin = origin;
        written.map_err(|e| self.err("writing", e))?;
        self.errors += 1;
        Ok(Flow::Continue)
    }

    /// Writes the close line, flushes, and fsyncs unless `fsync=never`.
    fn close(mut self: Box<Self>) -> Result<SinkReport, Error> {
        if self.out.is_none() {
            return Err(Error::new("audit", format!("{}: never opened", self.config.path)));
        }
        if self.failed {
            // Reported once, when it happened; a retry would only fail again.
            let summary = format!("audit: {} lines written before the failure", self.records + self.errors);
            return Ok(SinkReport { sink: "audit".into(), summary, details: serde_json::Map::new() });
        }
        let close = Entry::close(self.next_seq(), self.records, self.errors);
        self.encode(&close).and_then(|()| self.write_line()).map_err(|e| self.err("writing", e))?;
        let sync = self.config.fsync != Fsync::Never;
        self.flush(sync).map_err(|e| self.err("flushing", e))?;
        let shown = match &self.out {
            Some(Output::File(f)) => f.path(),
            _ => "stdout".to_owned(),
        };
        let summary = format!(
            "audit: {} records and {} errors written to {shown} (seq {}..{}, with the close line)",
            self.records, self.errors, self.first_seq, self.tail.seq
        );
        let mut details = serde_json::Map::new();
        details.insert("path".into(), self.config.path.clone().into());
        details.insert("records".into(), self.records.into());
        details.insert("errors".into(), self.errors.into());
        details.insert("first_seq".into(), self.first_seq.into());
        details.insert("last_seq".into(), self.tail.seq.into());
        Ok(SinkReport { sink: "audit".into(), summary, details })
    }
}
