//! `sluice grep … --sink`: the search of `sluice grep`, every option and
//! `--follow` included, as a source of line records.
//!
//! The search runs on its own thread, as it does when it prints, and hands
//! the selected lines over a bounded channel; only selected lines are
//! copied, so the cost per line searched is the search's.

use std::io;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sluice_core::{Error, Line, Location, Pull, Record, RecordKind, Source, Stop};

use super::{GrepOptions, Outcome};

/// How long a pull waits for the next line before saying the source is idle
/// (so the run can commit and notice Ctrl-C while a followed log is quiet).
const IDLE_AFTER: Duration = Duration::from_millis(200);

/// Selected lines waiting for the pipeline; the search waits when it is full.
const QUEUE: usize = 1024;

/// A selected line, on its way to the pipeline.
struct Found {
    file: Arc<str>,
    bytes: Vec<u8>,
    number: u64,
    offset: u64,
}

/// How the search ended, for the exit status: read once the run is over.
pub type Status = Arc<Mutex<Option<io::Result<Outcome>>>>;

/// The selected lines of a search, as a source.
pub struct GrepFeed {
    rx: Receiver<Found>,
    current: Option<(Arc<str>, Vec<u8>, u64, u64)>,
    ended: bool,
}

/// Where the search's problems go (an unreadable file, a line too long, a
/// rotation), one line each, as they happen: a followed log may run for
/// days before the run ends.
pub type Warn = Box<dyn FnMut(String) + Send>;

impl GrepFeed {
    /// Starts searching `files` (stdin for none) with `opts`; `status` is
    /// filled in when the search ends.
    pub fn spawn(opts: GrepOptions, files: Vec<String>, stop: Stop, mut warn: Warn) -> (GrepFeed, Status) {
        let (tx, rx) = sync_channel(QUEUE);
        let status: Status = Arc::default();
        let done = Arc::clone(&status);
        std::thread::spawn(move || {
            let outcome = search(&opts, &files, &tx, &mut warn, &stop);
            if let Ok(mut slot) = done.lock() {
                *slot = Some(outcome);
            }
            // Dropping `tx` ends the feed.
        });
        (GrepFeed { rx, current: None, ended: false }, status)
    }
}

fn search(
    opts: &GrepOptions,
    files: &[String],
    tx: &SyncSender<Found>,
    warn: &mut Warn,
    stop: &Stop,
) -> io::Result<Outcome> {
    let mut name: Option<Arc<str>> = None;
    // A closed channel means the run is over (a sink said done, or failed):
    // the search stops as a grep does when its reader goes.
    let gone = || io::Error::from(io::ErrorKind::BrokenPipe);
    let mut each = |file: &str, bytes: &[u8], number: u64, offset: u64| -> io::Result<()> {
        let file = match &name {
            Some(n) if &**n == file => Arc::clone(n),
            _ => name.insert(Arc::from(file)).clone(),
        };
        tx.send(Found { file, bytes: bytes.to_vec(), number, offset }).map_err(|_| gone())
    };
    super::grep_each(opts, files, &mut each, warn, stop)
}

impl Source for GrepFeed {
    fn name(&self) -> &str {
        "grep"
    }

    fn emits(&self) -> RecordKind {
        RecordKind::Line
    }

    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        loop {
            if self.ended {
                return Ok(Pull::End);
            }
            match self.rx.recv_timeout(IDLE_AFTER) {
                Ok(Found { file, bytes, number, offset }) => {
                    self.current = Some((file, bytes, number, offset));
                    break;
                }
                Err(RecvTimeoutError::Timeout) => return Ok(Pull::Idle),
                Err(RecvTimeoutError::Disconnected) => self.ended = true,
            }
        }
        let Some((file, bytes, number, offset)) = &self.current else { return Ok(Pull::End) };
        Ok(Pull::Record(
            Record::Line(Line { bytes, file, number: *number, offset: *offset }),
            Location::FileLine { file, line: *number },
        ))
    }
}
