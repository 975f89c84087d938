//! Many files searched on every core, printed in the order of the visit.
//!
//! The files go to the threads in batches of [`BATCH`], in the order of the
//! visit; a thread searches each file of its batch whole with the
//! one-thread code, into a printer of its own that writes to memory (a
//! tape). This thread writes the tapes out in order, and searches too: the
//! next batch to print when no thread has taken it, straight to the
//! output, and while it waits for a thread, a batch further on into a
//! tape. The output is the one-thread search's byte for byte, with each
//! message on stderr where it came among the lines.
//!
//! Left to this thread, in its turn: a file large enough to split (searched
//! on every core, see `parallel.rs`), a file whose tape outgrows
//! [`TAPE_BYTES`] (searched again, straight to the output), an operand that
//! is not a regular file (stdin, a FIFO: opening one can block), and a
//! directory that could not be listed.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{self, Write};
use std::ops::Range;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Condvar, Mutex, PoisonError};

use sluice_core::Stop;

use crate::operands::Visit;
use crate::printer::Standard;
use crate::searcher::{Searcher, output_error};
use crate::sink::{Sink, SinkContext, SinkFinish, SinkMatch};
use crate::{GrepOptions, Outcome};

/// Bytes of output a tape may hold; a file that would print more is
/// searched again by the printing thread, straight to the output.
const TAPE_BYTES: usize = 256 << 10;

/// Files handed to a thread at a time. A file of a few kilobytes takes a
/// few microseconds, about what a thread takes to wake up: over 18,000 of
/// 2 KiB, batches of 8 took 0.055 s, of 32 0.046 s, of 128 0.041 s; but a
/// batch of large files is a thread's work for long, and fewer batches
/// share out worse.
const BATCH: usize = 32;

/// Batches visited but not printed, per thread: what is held in memory is
/// at most this many tapes.
const AHEAD: usize = 4;

/// The threads for a search of `files` by `opts` on several threads, or
/// `None` when one thread is to search them: a single operand that is not
/// a directory to walk, `-q` (it ends at the first line selected), a
/// followed file, and `--json` or `--stats` (whose figures are kept per
/// file as it is searched).
pub(crate) fn threads(opts: &GrepOptions, files: &[OsString]) -> Option<usize> {
    let many = opts.recurse.is_some() || files.len() > 1;
    let plain = !(opts.quiet || opts.follow || opts.json || opts.stats);
    let threads = crate::parallel::threads(opts);
    (many && plain && threads > 1).then_some(threads)
}

/// Searches `files` on `threads` threads and prints what GNU grep would to
/// `out`, as [`crate::search`] does with a [`Standard`] printer.
pub(crate) fn search(
    opts: &GrepOptions,
    files: &[OsString],
    out: &mut dyn Write,
    warn: &mut dyn FnMut(String),
    stop: &Stop,
    threads: usize,
) -> io::Result<Outcome> {
    let board = Board { state: Mutex::new(State::default()), work: Condvar::new(), done: Condvar::new() };
    std::thread::scope(|s| {
        for _ in 1..threads {
            // A matcher of its own: threads sharing one take turns at its
            // scratch space.
            let opts = opts.clone();
            let board = &board;
            s.spawn(move || work(&opts, board, stop));
        }
        let mut printing = Printing {
            opts,
            out,
            warn,
            stop,
            board: &board,
            outcome: Outcome::default(),
            printed_any: false,
            spare: Vec::new(),
        };
        let ended = printing.run(files, threads * AHEAD);
        lock(&board.state).quit = true;
        board.work.notify_all();
        ended?;
        printing.out.flush().map_err(output_error)?;
        Ok(printing.outcome)
    })
}

/// A file visited.
enum Job {
    /// A regular file, for any thread, shown as its path from byte
    /// `shown_from` on (past a leading `./`, say).
    File { path: PathBuf, shown_from: usize },
    /// A file for the printing thread only (see the module's notes).
    Here { path: PathBuf, shown: Vec<u8> },
    /// A directory that could not be listed.
    Unreadable { shown: Vec<u8>, error: io::Error },
}

/// Where a batch of files stands.
enum Slot {
    /// Regular files no thread has taken yet.
    Waiting(Vec<Job>),
    Taken,
    /// What a thread printed of the first files of the batch, and the rest
    /// (from one it left to the printing thread on).
    Taped(Tape, Vec<Job>),
    /// One file for the printing thread only.
    Here(Job),
}

#[derive(Default)]
struct State {
    /// From the first batch not printed on, in the order of the visit.
    slots: VecDeque<Slot>,
    /// The number of the batch in `slots[0]`.
    first: usize,
    /// Threads waiting for a batch.
    idle: usize,
    /// No more batches are coming.
    closed: bool,
    /// Every thread is to stop.
    quit: bool,
    /// A thread panicked: the batch it held will never come.
    failed: bool,
}

impl State {
    /// The first batch waiting, marked taken, with its number.
    fn take(&mut self) -> Option<(usize, Vec<Job>)> {
        let at = self.slots.iter().position(|s| matches!(s, Slot::Waiting(_)))?;
        match std::mem::replace(&mut self.slots[at], Slot::Taken) {
            Slot::Waiting(jobs) => Some((self.first + at, jobs)),
            _ => unreachable!("the batch was found waiting"),
        }
    }

    /// Puts what became of batch `number` in its slot; whether it is the
    /// next to print.
    fn put(&mut self, number: usize, slot: Slot) -> bool {
        self.slots[number - self.first] = slot;
        number == self.first
    }
}

struct Board {
    state: Mutex<State>,
    /// Threads wait here for batches.
    work: Condvar,
    /// The printing thread waits here for the next batch to print.
    done: Condvar,
}

/// Tells the printing thread, should this thread panic, not to wait for
/// its batch: the run then ends with the panic instead of hanging.
struct Failing<'a>(&'a Board);

impl Drop for Failing<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut state = lock(&self.0.state);
            (state.failed, state.quit) = (true, true);
            self.0.done.notify_all();
        }
    }
}

/// A thread's part: takes batches until none is left.
fn work(opts: &GrepOptions, board: &Board, stop: &Stop) {
    let _failing = Failing(board);
    let mut spare = Vec::new();
    loop {
        let (number, jobs) = {
            let mut state = lock(&board.state);
            loop {
                if state.quit {
                    return;
                }
                if let Some(batch) = state.take() {
                    break batch;
                }
                if state.closed {
                    return;
                }
                state.idle += 1;
                state = board.work.wait(state).unwrap_or_else(PoisonError::into_inner);
                state.idle -= 1;
            }
        };
        let (tape, rest) = taped(opts, jobs, stop, &mut spare);
        if lock(&board.state).put(number, Slot::Taped(tape, rest)) {
            board.done.notify_one();
        }
    }
}

/// What a batch's search printed, held until its turn.
struct Tape {
    bytes: Vec<u8>,
    /// Messages for stderr, each with the file (its index in `files`) and
    /// where among the bytes it came.
    warnings: Vec<(usize, usize, String)>,
    files: Vec<Taped>,
}

/// One file of a tape.
struct Taped {
    /// Where its bytes end.
    end: usize,
    /// The separator before its first group: the search printed it as if a
    /// line had been printed before, which only the printing thread knows.
    first_break: Option<Range<usize>>,
    /// A line of it was selected with context asked for, so the next
    /// group, in any file, gets a separator.
    printed: bool,
    outcome: Outcome,
}

/// Searches the files of a batch into a tape, up to one the printing
/// thread is to search (large enough to split, or printing more than the
/// tape holds): that one and the rest are handed back. `spare` is the
/// line buffer handed from file to file.
fn taped(opts: &GrepOptions, jobs: Vec<Job>, stop: &Stop, spare: &mut Vec<u8>) -> (Tape, Vec<Job>) {
    let bytes = Rc::new(RefCell::new(Vec::new()));
    let mut marks = Marks {
        printer: Standard::new(opts, TapeWriter(Rc::clone(&bytes))),
        bytes: Rc::clone(&bytes),
        first_break: None,
        lines: false,
        printed: false,
    };
    let mut warnings = Vec::new();
    let mut files = Vec::new();
    let mut jobs = jobs.into_iter();
    let mut left = None;
    for job in jobs.by_ref() {
        let Job::File { path, shown_from } = &job else {
            left = Some(job);
            break;
        };
        let mut warn = |message| warnings.push((files.len(), bytes.borrow().len(), message));
        let mut searcher = Searcher::new(opts, &mut marks, &mut warn, stop);
        (searcher.printed_any, searcher.defer_split, searcher.spare) = (true, true, std::mem::take(spare));
        let mut outcome = Outcome::default();
        // The only error is the tape's, full: the file goes to the
        // printing thread, which meets any other error itself.
        let searched = searcher.file(path, shown(path, *shown_from), &mut outcome);
        *spare = std::mem::take(&mut searcher.spare);
        if searched.is_err() || searcher.deferred {
            // What it printed, and said, stays past the last file listed,
            // where the printing thread does not look.
            left = Some(job);
            break;
        }
        let end = bytes.borrow().len();
        files.push(Taped { end, first_break: marks.first_break.take(), printed: marks.printed, outcome });
        (marks.lines, marks.printed) = (false, false);
    }
    let rest = left.into_iter().chain(jobs).collect();
    drop(marks);
    (Tape { bytes: bytes.take(), warnings, files }, rest)
}

/// A tape's bytes; an error once they pass [`TAPE_BYTES`].
struct TapeWriter(Rc<RefCell<Vec<u8>>>);

impl Write for TapeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = self.0.borrow_mut();
        if bytes.len() + buf.len() > TAPE_BYTES {
            return Err(io::Error::other("the tape is full"));
        }
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The printer of a tape, noting where a file's first separator lies and
/// whether a line of it was printed with context.
struct Marks<'a> {
    printer: Standard<'a, TapeWriter>,
    bytes: Rc<RefCell<Vec<u8>>>,
    first_break: Option<Range<usize>>,
    /// A line of the file went to the printer.
    lines: bool,
    printed: bool,
}

impl Sink for Marks<'_> {
    fn wants_lines(&self) -> bool {
        self.printer.wants_lines()
    }

    fn start(&mut self, size: Option<u64>) {
        self.printer.start(size);
    }

    fn matched(&mut self, m: &SinkMatch<'_>) -> io::Result<bool> {
        // A binary file's line is not printed, but it counts as output for
        // the separators, as GNU grep has it.
        (self.lines, self.printed) = (true, true);
        self.printer.matched(m)
    }

    fn context(&mut self, c: &SinkContext<'_>) -> io::Result<()> {
        (self.lines, self.printed) = (true, true);
        self.printer.context(c)
    }

    fn context_break(&mut self) -> io::Result<()> {
        let from = self.bytes.borrow().len();
        self.printer.context_break()?;
        if !self.lines {
            self.first_break = Some(from..self.bytes.borrow().len());
        }
        Ok(())
    }

    fn finish(&mut self, end: &SinkFinish<'_>) -> io::Result<()> {
        self.printer.finish(end)
    }

    fn notes_binary_matches(&self) -> bool {
        self.printer.notes_binary_matches()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.printer.flush()
    }
}

/// The printing thread's part.
struct Printing<'a, 'o> {
    opts: &'a GrepOptions,
    out: &'o mut dyn Write,
    warn: &'o mut dyn FnMut(String),
    stop: &'a Stop,
    board: &'a Board,
    outcome: Outcome,
    /// A line was printed with context asked for: the next group gets a
    /// separator.
    printed_any: bool,
    /// The line buffer handed from file to file.
    spare: Vec<u8>,
}

impl Printing<'_, '_> {
    /// Visits `files` in batches, keeping at most `ahead` batches visited
    /// but not printed, and prints them all.
    fn run(&mut self, files: &[OsString], ahead: usize) -> io::Result<()> {
        let mut batch = Vec::with_capacity(BATCH);
        crate::operands::each(self.opts, files, &mut |step| {
            let job = match step {
                Visit::File { path, shown, walked } => {
                    let bytes = path.as_os_str().as_bytes();
                    // An operand's kind is not known: a FIFO would block the
                    // thread that opened it.
                    let regular = walked || std::fs::metadata(path).is_ok_and(|m| m.is_file());
                    let path = path.to_owned();
                    if regular && bytes.ends_with(shown) {
                        batch.push(Job::File { shown_from: bytes.len() - shown.len(), path });
                        if batch.len() < BATCH {
                            return Ok(true);
                        }
                        None
                    } else {
                        Some(Job::Here { path, shown: shown.to_owned() })
                    }
                }
                Visit::Unreadable { shown, error } => Some(Job::Unreadable { shown: shown.to_owned(), error }),
            };
            self.push(std::mem::take(&mut batch), job, ahead)?;
            Ok(self.outcome.stopped.is_none())
        })?;
        self.push(batch, None, ahead)?;
        lock(&self.board.state).closed = true;
        self.board.work.notify_all();
        while self.outcome.stopped.is_none() && !lock(&self.board.state).slots.is_empty() {
            self.print_next()?;
        }
        Ok(())
    }

    /// Hands on a batch of regular files, then a file for this thread;
    /// prints while `ahead` batches or more wait.
    fn push(&mut self, batch: Vec<Job>, here: Option<Job>, ahead: usize) -> io::Result<()> {
        let idle = {
            let mut state = lock(&self.board.state);
            if !batch.is_empty() {
                state.slots.push_back(Slot::Waiting(batch));
            }
            state.slots.extend(here.map(Slot::Here));
            state.idle > 0
        };
        if idle {
            self.board.work.notify_one();
        }
        while self.outcome.stopped.is_none() && lock(&self.board.state).slots.len() >= ahead {
            self.print_next()?;
        }
        Ok(())
    }

    /// Prints the next batch, searching batches further on into tapes while
    /// a thread searches it.
    fn print_next(&mut self) -> io::Result<()> {
        loop {
            let mut state = lock(&self.board.state);
            if !matches!(state.slots.front(), Some(Slot::Taken)) {
                let Some(slot) = state.slots.pop_front() else { return Ok(()) };
                state.first += 1;
                drop(state);
                return match slot {
                    Slot::Waiting(jobs) => jobs.into_iter().try_for_each(|job| self.search(job)),
                    Slot::Taped(tape, rest) => {
                        self.print(tape)?;
                        rest.into_iter().try_for_each(|job| self.search(job))
                    }
                    Slot::Here(job) => self.search(job),
                    Slot::Taken => unreachable!("a taken batch is not printed"),
                };
            }
            // A thread has the next batch: search one further on meanwhile.
            if let Some((number, jobs)) = state.take() {
                drop(state);
                let (tape, rest) = taped(self.opts, jobs, self.stop, &mut self.spare);
                lock(&self.board.state).put(number, Slot::Taped(tape, rest));
                continue;
            }
            let state =
                self.board.done.wait_while(state, |s| matches!(s.slots.front(), Some(Slot::Taken)) && !s.failed);
            if state.unwrap_or_else(PoisonError::into_inner).failed {
                return Err(io::Error::other("a search thread failed"));
            }
        }
    }

    /// Searches a file here, straight to the output.
    fn search(&mut self, job: Job) -> io::Result<()> {
        if self.outcome.stopped.is_some() {
            return Ok(());
        }
        let mut printer = Standard::new(self.opts, &mut *self.out);
        let mut searcher = Searcher::new(self.opts, &mut printer, &mut *self.warn, self.stop);
        (searcher.printed_any, searcher.spare) = (self.printed_any, std::mem::take(&mut self.spare));
        match job {
            Job::File { path, shown_from } => searcher.file(&path, shown(&path, shown_from), &mut self.outcome)?,
            Job::Here { path, shown } => searcher.file(&path, &shown, &mut self.outcome)?,
            Job::Unreadable { shown, error } => searcher.unreadable(&shown, &error, &mut self.outcome)?,
        }
        (self.printed_any, self.spare) = (searcher.printed_any, std::mem::take(&mut searcher.spare));
        Ok(())
    }

    /// Writes out a tape, file by file, its messages in their places.
    fn print(&mut self, tape: Tape) -> io::Result<()> {
        let mut warnings = tape.warnings.into_iter().peekable();
        let mut at = 0;
        for (index, file) in tape.files.into_iter().enumerate() {
            if self.outcome.stopped.is_some() {
                return Ok(());
            }
            let skip = file.first_break.filter(|_| !self.printed_any).unwrap_or(file.end..file.end);
            while let Some((_, place, message)) = warnings.next_if(|w| w.0 == index) {
                self.write(&tape.bytes, at..place, &skip)?;
                self.out.flush().map_err(output_error)?;
                (self.warn)(message);
                at = place;
            }
            self.write(&tape.bytes, at..file.end, &skip)?;
            at = file.end;
            self.printed_any |= file.printed;
            self.outcome.selected |= file.outcome.selected;
            self.outcome.errors |= file.outcome.errors;
            if file.outcome.stopped.is_some() {
                self.outcome.stopped = file.outcome.stopped;
            }
        }
        Ok(())
    }

    /// Writes `bytes[part]`, less any of `skip` in it.
    fn write(&mut self, bytes: &[u8], part: Range<usize>, skip: &Range<usize>) -> io::Result<()> {
        let before = part.start..skip.start.clamp(part.start, part.end);
        let after = skip.end.clamp(part.start, part.end)..part.end;
        self.out.write_all(&bytes[before]).map_err(output_error)?;
        self.out.write_all(&bytes[after]).map_err(output_error)
    }
}

/// A file's name as shown: its path from byte `from` on.
fn shown(path: &std::path::Path, from: usize) -> &[u8] {
    &path.as_os_str().as_bytes()[from..]
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
