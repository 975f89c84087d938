//! `sluice grep … --sink`: the search of `sluice grep`, every option and
//! `--follow` included, as a source of line records.
//!
//! The search runs on its own thread, as it does when it prints, and hands
//! the selected lines over a bounded channel; only selected lines are
//! copied, so the cost per line searched is the search's. With a
//! checkpoint, each commit (the sinks have flushed every line handed out)
//! writes where each followed file stands.

use std::io;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sluice_core::{Error, Line, Location, Pull, Record, RecordKind, Source, Stop};

use crate::checkpoint::{self, Checkpoint, FileId, Resume};
use crate::sink::{Sink, SinkMatch};
use crate::{GrepOptions, Outcome};

/// How long a pull waits for the next line before saying the source is idle
/// (so the run can commit and notice Ctrl-C while a followed log is quiet).
const IDLE_AFTER: Duration = Duration::from_millis(200);

/// Selected lines waiting for the pipeline; the search waits when it is full.
const QUEUE: usize = 1024;

/// Lines handed out between checkpoints when the log is never idle.
const COMMIT_EVERY: u64 = 1000;

/// A selected line, on its way to the pipeline.
struct Found {
    file: Arc<str>,
    bytes: Vec<u8>,
    number: u64,
    offset: u64,
    /// The followed file it was read from.
    id: Option<FileId>,
}

/// How the search ended, for the exit status: read once the run is over.
pub type Status = Arc<Mutex<Option<io::Result<Outcome>>>>;

/// The selected lines of a search, as a source.
pub struct GrepFeed {
    /// Following a log, or reading stdin: lines come as they are written.
    live: bool,
    rx: Receiver<Found>,
    current: Option<(Arc<str>, Vec<u8>, u64, u64)>,
    ended: bool,
    /// `--checkpoint`: where to write each file's place, and the places.
    checkpoint: Option<(PathBuf, Checkpoint)>,
    /// Places changed since the last commit.
    moved: bool,
}

/// Where the search's problems go (an unreadable file, a line too long, a
/// rotation), one line each, as they happen: a followed log may run for
/// days before the run ends.
pub type Warn = Box<dyn FnMut(String) + Send>;

impl GrepFeed {
    /// Starts searching `files` (stdin for none) with `opts`; `status` is
    /// filled in when the search ends. With `checkpoint`, each commit
    /// writes there where each followed file stands, starting from the
    /// places in `opts.resume`.
    pub fn spawn(
        opts: GrepOptions,
        files: Vec<std::ffi::OsString>,
        stop: Stop,
        mut warn: Warn,
        checkpoint: Option<PathBuf>,
    ) -> (GrepFeed, Status) {
        let (tx, rx) = sync_channel(QUEUE);
        let status: Status = Arc::default();
        let done = Arc::clone(&status);
        let live = opts.follow || files.is_empty() || files.iter().any(|f| f == sluice_io::STDIN);
        let checkpoint = checkpoint.map(|path| (path, opts.resume.clone()));
        // Records carry their line numbers, whatever `-n` says.
        let opts = GrepOptions { line_number: true, ..opts };
        std::thread::spawn(move || {
            let mut sender = Sender { tx, name: None, ids: Vec::new() };
            let outcome = crate::search(&opts, &files, &mut sender, &mut warn, &stop);
            if let Ok(mut slot) = done.lock() {
                *slot = Some(outcome);
            }
            // Dropping the sender ends the feed.
        });
        (GrepFeed { live, rx, current: None, ended: false, checkpoint, moved: false }, status)
    }
}

/// The searcher's side of the feed: selected lines into the channel.
struct Sender {
    tx: SyncSender<Found>,
    /// The current file's name, shared by its lines.
    name: Option<Arc<str>>,
    /// The file each followed name was last opened as.
    ids: Vec<(Vec<u8>, FileId)>,
}

impl Sink for Sender {
    fn matched(&mut self, m: &SinkMatch<'_>) -> io::Result<bool> {
        // A binary file's lines are selected but not handed on, as grep
        // prints none of them.
        if m.binary {
            return Ok(true);
        }
        let file = match &self.name {
            Some(n) if n.as_bytes() == m.file => Arc::clone(n),
            // A record's file is text: a name that is not UTF-8 is shown
            // with replacement characters.
            _ => self.name.insert(Arc::from(String::from_utf8_lossy(m.file))).clone(),
        };
        let id = self.ids.iter().find(|(name, _)| name == m.file).map(|(_, id)| *id);
        let found = Found { file, bytes: m.line.to_vec(), number: m.number, offset: m.offset, id };
        // A closed channel means the run is over (a sink said done, or
        // failed): the search stops as a grep does when its reader goes.
        self.tx.send(found).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))?;
        Ok(true)
    }

    fn opened(&mut self, file: &[u8], id: FileId) {
        match self.ids.iter_mut().find(|(name, _)| name == file) {
            Some(entry) => entry.1 = id,
            None => self.ids.push((file.to_vec(), id)),
        }
    }
}

impl Source for GrepFeed {
    fn name(&self) -> &str {
        "grep"
    }

    fn is_live(&self) -> bool {
        self.live
    }

    fn emits(&self) -> RecordKind {
        RecordKind::Line
    }

    /// A busy log is committed every so many lines, a quiet one when idle.
    fn commit_every(&self) -> Option<u64> {
        self.checkpoint.as_ref().map(|_| COMMIT_EVERY)
    }

    fn commit(&mut self) -> Result<(), Error> {
        if let Some((path, places)) = &self.checkpoint
            && std::mem::take(&mut self.moved)
        {
            places
                .save(path)
                .map_err(|e| Error::io("grep", format!("writing the checkpoint {}", path.display()), e))?;
        }
        Ok(())
    }

    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        loop {
            if self.ended {
                return Ok(Pull::End);
            }
            match self.rx.recv_timeout(IDLE_AFTER) {
                Ok(Found { file, bytes, number, offset, id }) => {
                    // Once this line is flushed, the next one is where the
                    // file goes on.
                    if let (Some((_, places)), Some(id)) = (&mut self.checkpoint, id) {
                        // Updated in place: this runs for every line sent.
                        let place = match places.files.get_mut(file.as_ref()) {
                            Some(place) => place,
                            None => places.files.entry(file.to_string()).or_insert(Resume {
                                file: id,
                                offset: 0,
                                line: 1,
                                tail: Vec::with_capacity(checkpoint::TAIL),
                            }),
                        };
                        (place.file, place.offset, place.line) = (id, offset + bytes.len() as u64 + 1, number + 1);
                        place.tail.clear();
                        place.tail.extend_from_slice(&bytes[bytes.len().saturating_sub(checkpoint::TAIL - 1)..]);
                        place.tail.push(b'\n');
                        self.moved = true;
                    }
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
