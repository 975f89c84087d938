//! The writing half of the audit sink, on its own thread: it chains each
//! line's hash to the last, finishes the line, rolls files over, writes and
//! fsyncs. The sink's thread meanwhile encodes the next lines, so hashing
//! costs no time on the pipeline's path.

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::chain;
use crate::chain::Chain;
use crate::config::{Format, Fsync};
use crate::file::{LogFile, Tail};

/// Line bodies (each without its hash), encoded but not yet written.
#[derive(Default)]
pub struct Batch {
    pub bytes: Vec<u8>,
    /// Where each body ends in `bytes`.
    pub ends: Vec<usize>,
}

impl Batch {
    pub fn lines(&self) -> usize {
        self.ends.len()
    }
}

/// What the sink asks of the writer.
pub enum Job {
    /// Write these lines.
    Write(Batch),
    /// Write out (and fsync, unless `fsync=never`) all lines so far, then
    /// answer.
    Flush(SyncSender<io::Result<()>>),
}

/// Where lines go.
pub enum Output {
    /// Block-buffered, or line by line for a live source.
    Stdout(Box<dyn Write + Send>),
    File(LogFile),
}

/// What the writer ends with: the chain's tail and the lines it wrote, or
/// the error that stopped it and the lines written before.
pub type Finished = Result<(Tail, u64), (io::Error, u64)>;

struct Writer {
    /// How each line is hashed.
    chain: Chain,
    out: Output,
    tail: Tail,
    format: Format,
    fsync: Fsync,
    max_bytes: Option<u64>,
    since_sync: u64,
    written: u64,
    line: Vec<u8>,
}

/// Starts the writer; batches sent on the returned channel are written in
/// order. At most a few batches wait, so a slow disk slows the pipeline
/// rather than filling memory.
pub fn spawn(
    out: Output,
    tail: Tail,
    chain: Chain,
    format: Format,
    fsync: Fsync,
    max_bytes: Option<u64>,
) -> (SyncSender<Job>, JoinHandle<Finished>) {
    let (tx, rx) = sync_channel::<Job>(4);
    let mut w =
        Writer { chain, out, tail, format, fsync, max_bytes, since_sync: 0, written: 0, line: Vec::with_capacity(512) };
    let handle = std::thread::spawn(move || w.run(rx));
    (tx, handle)
}

impl Writer {
    fn run(&mut self, rx: Receiver<Job>) -> Finished {
        for job in rx {
            let done = match job {
                Job::Write(batch) => self.batch(&batch),
                Job::Flush(answer) => {
                    let flushed = self.flush(self.fsync != Fsync::Never);
                    let failed = flushed.as_ref().err().map(|e| io::Error::new(e.kind(), e.to_string()));
                    // The sink may have gone; then nobody needs the answer.
                    let _ = answer.send(flushed);
                    failed.map_or(Ok(()), Err)
                }
            };
            if let Err(e) = done {
                return Err((e, self.written));
            }
        }
        // The channel closed: the run is over.
        let sync = self.fsync != Fsync::Never;
        self.flush(sync).map_err(|e| (e, self.written))?;
        Ok((self.tail.clone(), self.written))
    }

    fn batch(&mut self, batch: &Batch) -> io::Result<()> {
        let mut start = 0;
        for &end in &batch.ends {
            self.line(&batch.bytes[start..end])?;
            start = end;
        }
        Ok(())
    }

    /// Hashes one body, finishes its line, and writes it.
    fn line(&mut self, body: &[u8]) -> io::Result<()> {
        let hash = self.chain.link(&self.tail.hash, body);
        self.line.clear();
        self.line.extend_from_slice(body);
        match self.format {
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
        let sync_every = matches!(self.fsync, Fsync::Always | Fsync::Every(_));
        match &mut self.out {
            Output::File(f) => {
                f.roll_if_needed(self.line.len() as u64, self.max_bytes, sync_every)?;
                f.write(&self.line)?;
            }
            Output::Stdout(s) => s.write_all(&self.line)?,
        }
        self.tail.seq += 1;
        self.tail.hash = hash;
        self.written += 1;
        self.since_sync += 1;
        let due = match self.fsync {
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
            Output::File(f) => f.flush(sync),
            Output::Stdout(s) => s.flush(),
        }
    }
}
