//! The audit-logger sink: every record sent and every bad record thrown,
//! one line each, in order, with a gap-free sequence number and a SHA-256
//! hash chaining each line to the one before. `sluice audit verify` checks
//! the chain.

#![warn(missing_docs)]

mod chain;
mod config;
mod entry;
mod file;
mod repair;
mod verify;
mod writer;

use std::io::{self, BufWriter, Write};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use sluice_core::{BadRecord, Error, Flow, Location, Record, RecordKind, Sink, SinkReport};

pub use chain::{Chain, read_key};
pub use config::{AuditConfig, Format, Fsync, LockMode};
use entry::Entry;
use file::{LogFile, TailError};
pub use repair::{Repaired, repair};
pub use verify::{Broken, Head, Verified, verify};
use writer::{Batch, Finished, Job, Output};

/// Bytes of encoded lines handed to the writer at a time.
const BATCH_BYTES: usize = 64 * 1024;

/// The audit-log sink.
pub struct AuditLog {
    config: AuditConfig,
    /// The writer thread, once the run has started.
    writer: Option<(SyncSender<Job>, JoinHandle<Finished>)>,
    batch: Batch,
    /// The seq of the next line, and of the first line of this run.
    next_seq: u64,
    first_seq: u64,
    records: u64,
    errors: u64,
    /// A write failed: the error was reported, and close writes no more.
    failed: bool,
    /// Reused per line: the encoded line, and the timestamp writer.
    line: Vec<u8>,
    times: sluice_core::time::TimeWriter,
    /// The source is live: a log on stdout shows each line as it comes.
    live: bool,
    /// The writer lock, held until the sink is dropped.
    lock: Option<file::Lock>,
    /// Ends a wait for the lock (`lock=wait`) on Ctrl-C.
    stop: Option<sluice_core::Stop>,
}

impl AuditLog {
    /// A log on stdout written line by line (each line shipped to the
    /// writer at once) because the source is live: a followed log's errors
    /// show as they happen. Default: off, lines go out in batches.
    pub fn live(mut self, yes: bool) -> AuditLog {
        self.live = yes;
        self
    }

    /// An audit log as configured; the file is opened when the run starts.
    pub fn new(config: AuditConfig) -> AuditLog {
        AuditLog {
            config,
            writer: None,
            batch: Batch::default(),
            next_seq: 1,
            first_seq: 1,
            records: 0,
            errors: 0,
            failed: false,
            line: Vec::with_capacity(512),
            times: sluice_core::time::TimeWriter::default(),
            live: false,
            lock: None,
            stop: None,
        }
    }

    /// A wait for another run's lock (`lock=wait`) ends when `stop` is
    /// asked. Default: it waits regardless.
    pub fn interrupted_by(mut self, stop: &sluice_core::Stop) -> AuditLog {
        self.stop = Some(stop.clone());
        self
    }

    fn failure(&mut self, e: io::Error, written: u64) -> Error {
        self.failed = true;
        Error::io("audit", format!("writing {} failed after {written} lines", self.config.path), e)
    }

    /// Ends the writer and returns how it finished.
    fn finish_writer(&mut self) -> Option<Finished> {
        let (tx, handle) = self.writer.take()?;
        drop(tx);
        Some(handle.join().unwrap_or_else(|_| Err((io::Error::other("the audit writer stopped"), 0))))
    }

    /// Hands the encoded lines to the writer; if it has stopped, its error.
    fn ship(&mut self) -> Result<(), Error> {
        if self.batch.lines() == 0 {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.order(Job::Write(batch))
    }

    /// Gives the writer a job; if it has stopped, its error.
    fn order(&mut self, job: Job) -> Result<(), Error> {
        let sent = self.writer.as_ref().map(|(tx, _)| tx.send(job));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => Err(self.stopped()),
        }
    }

    /// The writer hung up: it failed, and its error says why.
    fn stopped(&mut self) -> Error {
        match self.finish_writer() {
            Some(Err((e, written))) => self.failure(e, written),
            _ => self.failure(io::Error::other("the audit writer stopped"), 0),
        }
    }

    /// Encodes `entry` and queues it; ships the batch when it is full (at
    /// once under `fsync=always`, so a line is on disk before the next).
    fn log(&mut self, entry: &Entry<'_>) -> Result<(), Error> {
        self.encode(entry).map_err(|e| self.failure(e, 0))?;
        self.batch.bytes.extend_from_slice(&self.line);
        self.batch.ends.push(self.batch.bytes.len());
        self.next_seq += 1;
        let full = match self.config.fsync {
            _ if self.live && self.config.path == "-" => true,
            Fsync::Always => true,
            Fsync::Every(n) => self.batch.lines() as u64 >= n,
            _ => self.batch.bytes.len() >= BATCH_BYTES,
        };
        if full { self.ship() } else { Ok(()) }
    }

    /// Encodes `entry` (without its hash) into `self.line`.
    fn encode(&mut self, entry: &Entry<'_>) -> io::Result<()> {
        entry::encode(entry, self.config.format, &mut self.line, &mut self.times)
    }
}

impl Sink for AuditLog {
    fn name(&self) -> &str {
        "audit"
    }

    fn accepts(&self, _: RecordKind) -> bool {
        true
    }

    /// Opens the log: appends to the set at `path`, continuing its sequence
    /// and chain, after checking that its last line is whole; then starts
    /// the writer.
    fn start(&mut self) -> Result<(), Error> {
        // The key first: a bad one refuses the run before the log is touched.
        let chain = self.config.chain().map_err(|e| Error::new("audit", e))?;
        let (out, tail) = if self.config.path == "-" {
            let out: Box<dyn Write + Send> = if self.live {
                Box::new(io::LineWriter::new(io::stdout()))
            } else {
                Box::new(BufWriter::new(io::stdout()))
            };
            (Output::Stdout(out), file::Tail::genesis())
        } else {
            let path = self.config.path.clone();
            // A device (/dev/null) takes any number of writers.
            let device = std::fs::metadata(&path).is_ok_and(|m| !m.is_file());
            if !device {
                let stop = self.stop.clone();
                let wait = (self.config.lock == config::LockMode::Wait)
                    .then_some(move || stop.as_ref().is_some_and(|s| s.requested().is_some()));
                self.lock = Some(file::lock(&path, wait).map_err(|e| Error::new("audit", e))?);
            }
            let (tail, index) = file::tail(&path, self.config.format).map_err(|e| match e {
                TailError::Io(e) => Error::io("audit", format!("reading {path}"), e),
                other => Error::new("audit", other.to_string()),
            })?;
            let file = LogFile::open(&path, index, self.config.format)
                .map_err(|e| Error::io("audit", format!("opening {path}"), e))?;
            (Output::File(file), tail)
        };
        self.first_seq = tail.seq + 1;
        self.next_seq = tail.seq + 1;
        self.writer =
            Some(writer::spawn(out, tail, chain, self.config.format, self.config.fsync, self.config.max_bytes));
        Ok(())
    }

    fn send(&mut self, record: &Record<'_>, at: &Location<'_>) -> Result<Flow, Error> {
        self.log(&Entry::record(self.next_seq, record, *at))?;
        self.records += 1;
        Ok(Flow::Continue)
    }

    fn throw(&mut self, bad: &BadRecord<'_>) -> Result<Flow, Error> {
        self.log(&Entry::error(self.next_seq, bad))?;
        self.errors += 1;
        Ok(Flow::Continue)
    }

    /// Ships the lines encoded so far and waits until the writer has
    /// written them (and synced them, unless `fsync=never`).
    fn flush(&mut self) -> Result<(), Error> {
        if self.writer.is_none() || self.failed {
            return Ok(());
        }
        self.ship()?;
        let (tx, rx) = sync_channel(1);
        self.order(Job::Flush(tx))?;
        match rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.failure(e, 0)),
            Err(_) => Err(self.stopped()),
        }
    }

    /// Writes the close line, waits for the writer to flush (and fsync,
    /// unless `fsync=never`), and reports.
    fn close(mut self: Box<Self>) -> Result<SinkReport, Error> {
        if self.writer.is_none() || self.failed {
            // Not opened (start reported why), or failed (reported when it
            // happened): a retry would only fail again.
            let summary = format!("audit: {} lines accepted before the failure", self.records + self.errors);
            return Ok(SinkReport { sink: "audit".into(), summary, ..SinkReport::default() });
        }
        let close = Entry::close(self.next_seq, self.records, self.errors);
        self.log(&close)?;
        self.ship()?;
        let (tail, _) = match self.finish_writer() {
            Some(Ok(done)) => done,
            Some(Err((e, written))) => return Err(self.failure(e, written)),
            None => return Err(Error::new("audit", "the writer was not running")),
        };
        let shown = if self.config.path == "-" { "stdout".to_owned() } else { self.config.path.clone() };
        let summary = format!(
            "audit: {} records and {} errors written to {shown} (seq {}..{}, with the close line)",
            self.records, self.errors, self.first_seq, tail.seq
        );
        let mut details = serde_json::Map::new();
        details.insert("path".into(), self.config.path.clone().into());
        details.insert("records".into(), self.records.into());
        details.insert("errors".into(), self.errors.into());
        details.insert("first_seq".into(), self.first_seq.into());
        details.insert("last_seq".into(), tail.seq.into());
        Ok(SinkReport { sink: "audit".into(), summary, details, appendices: Vec::new() })
    }
}
