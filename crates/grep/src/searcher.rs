//! The searcher: files in, selected lines out to a [`Sink`], searched a
//! whole buffer at a time.
//!
//! The matcher runs over every whole line in the buffer at once; only
//! around a hit are the line's ends found, and line numbers are counted
//! over the gaps between hits, never line by line (ripgrep's way).
//!
//! Over 400 lines because the buffered, mapped and followed paths share
//! one per-file state; context lives in its own module.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sluice_core::Stop;
use sluice_io::{LineBuffer, Opener, Region, STDIN, count_newlines};

use crate::blocks::{Blocks, Keep, Split};
use crate::operands::Visit;
use crate::parallel::{Parallel, Skip};
use crate::sink::{Sink, SinkFinish, SinkMatch};
use crate::window::first_at_or_after;
use crate::{GrepOptions, Outcome, Window};

/// Searches `files` (stdin for none or `-`), handing what it selects to
/// `sink`; problems go to `warn` as one line each, without the program's
/// name. An error writing to the sink ends the search and is returned; an
/// unreadable file is warned about and counted in [`Outcome::errors`].
pub fn search<S: Sink + ?Sized>(
    opts: &GrepOptions,
    files: &[OsString],
    sink: &mut S,
    warn: &mut dyn FnMut(String),
    stop: &Stop,
) -> io::Result<Outcome> {
    let mut searcher = Searcher::new(opts, sink, warn, stop);
    let mut outcome = Outcome::default();
    if opts.follow && opts.recurse.is_none() && !files.is_empty() && !files.iter().any(|f| f == STDIN) {
        searcher.follow_files(files, &mut outcome)?;
        searcher.sink.flush().map_err(output_error)?;
        return Ok(outcome);
    }
    crate::operands::each(opts, files, &mut |step| {
        match step {
            Visit::File { path, shown, .. } => searcher.file(path, shown, &mut outcome)?,
            Visit::Unreadable { shown, error } => searcher.unreadable(shown, &error, &mut outcome)?,
        }
        Ok(!searcher.done(&outcome))
    })?;
    searcher.sink.flush().map_err(output_error)?;
    Ok(outcome)
}

/// One search's settings and where its results go, so that no function
/// passes them along one by one.
pub(crate) struct Searcher<'s, S: ?Sized> {
    pub(crate) opts: &'s GrepOptions,
    pub(crate) sink: &'s mut S,
    pub(crate) warn: &'s mut dyn FnMut(String),
    pub(crate) stop: &'s Stop,
    /// A line was printed, in any file: a group that follows gets a
    /// separator.
    pub(crate) printed_any: bool,
    /// A followed region with its NULs (holes) taken out.
    holed: Vec<u8>,
    /// A file large enough to split is not searched here but left
    /// ([`Searcher::deferred`]) to the thread that prints, which splits it
    /// (a search of many files, see `many.rs`).
    pub(crate) defer_split: bool,
    /// The last file was left so.
    pub(crate) deferred: bool,
    /// The last file's line buffer, for the next.
    pub(crate) spare: Vec<u8>,
}

/// How long a followed file must stay quiet before its last record,
/// which lines written later could continue, is taken as whole
/// (`--records --follow`).
const RECORD_QUIET: std::time::Duration = std::time::Duration::from_millis(800);

/// Where one file's search stands.
pub(crate) struct FileState<'n> {
    pub(crate) name: &'n [u8],
    /// Number of the line the search is at (counted only for `-n` and for
    /// context).
    pub(crate) number: u64,
    /// Input offset of the region being searched.
    pub(crate) base: u64,
    pub(crate) selected: u64,
    /// A NUL has been seen: lines are no longer printed.
    binary: bool,
    /// Where that NUL lies (or, when it was not in the input at hand, where
    /// the binary part begins).
    binary_offset: Option<u64>,
    pub(crate) errors: bool,
    pub(crate) stopped: Option<usize>,
    /// Nothing more is wanted from this file (-l, -m…).
    pub(crate) done: bool,
    /// Bytes of it read, once it is done.
    pub(crate) bytes: u64,
    /// Where context stands, when it was asked for.
    pub(crate) context: crate::context::Around,
    /// GNU grep's reads of this file, which decide where a late NUL turns
    /// it binary; `None` with `-a`.
    blocks: Option<Blocks>,
    /// A time window checked line by line (input that was not bisected).
    pub(crate) window: Option<crate::window::Scan>,
    /// `--records --follow`: since when the last record read has waited
    /// for lines that would continue it, and how much of the input was
    /// read then (more input starts the wait again).
    pub(crate) held: Option<(std::time::Instant, u64)>,
}

impl<'n> FileState<'n> {
    pub(crate) fn new(name: &'n [u8], blocks: Option<Blocks>) -> FileState<'n> {
        FileState {
            blocks,
            window: None,
            held: None,
            done: false,
            bytes: 0,
            name,
            number: 1,
            base: 0,
            selected: 0,
            binary: false,
            binary_offset: None,
            errors: false,
            stopped: None,
            context: crate::context::Around::default(),
        }
    }
}

/// How a pass over the buffered input ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Searched {
    /// The input ran out.
    End,
    /// Nothing more is wanted from this file (-l, -q, -m, binary).
    Done,
    /// A signal asked to stop.
    Stopped(usize),
}

impl<'s, S: Sink + ?Sized> Searcher<'s, S> {
    pub(crate) fn new(
        opts: &'s GrepOptions,
        sink: &'s mut S,
        warn: &'s mut dyn FnMut(String),
        stop: &'s Stop,
    ) -> Searcher<'s, S> {
        Searcher {
            opts,
            sink,
            warn,
            stop,
            printed_any: false,
            holed: Vec::new(),
            defer_split: false,
            deferred: false,
            spare: Vec::new(),
        }
    }
}

impl<S: Sink + ?Sized> Searcher<'_, S> {
    /// Searches one file into `outcome`; a file that cannot be read is
    /// reported and counted, an output error ends the search.
    pub(crate) fn file(&mut self, path: &Path, shown: &[u8], outcome: &mut Outcome) -> io::Result<()> {
        match self.path(path, shown) {
            Ok(found) => {
                outcome.selected |= found.selected > 0;
                outcome.errors |= found.errors;
                outcome.stopped = found.stopped;
            }
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Err(e),
            Err(e) if is_output_error(&e) => return Err(e),
            Err(e) if e.kind() == io::ErrorKind::IsADirectory => {
                // GNU grep opens a directory and fails to read it: it is
                // still counted (`-c` prints 0) and listed by -L.
                self.unreadable(shown, &e, outcome)?;
                self.finish(&FileState::new(shown, None))?;
            }
            Err(e) => self.unreadable(shown, &e, outcome)?,
        }
        Ok(())
    }

    /// Says that `shown` could not be read (unless `-s`), after flushing
    /// what was printed so that messages and lines interleave as grep's do.
    pub(crate) fn unreadable(&mut self, shown: &[u8], e: &io::Error, outcome: &mut Outcome) -> io::Result<()> {
        self.sink.flush().map_err(output_error)?;
        if !self.opts.no_messages {
            (self.warn)(format!("{}: {}", lossy(shown), sluice_core::error::io_message(e)));
        }
        outcome.errors = true;
        Ok(())
    }

    /// Whether the search is over: a signal, or `-q` with a line selected.
    fn done(&self, outcome: &Outcome) -> bool {
        outcome.stopped.is_some() || (self.opts.quiet && outcome.selected)
    }

    fn path<'n>(&mut self, path: &Path, shown: &'n [u8]) -> io::Result<FileState<'n>> {
        let opts = self.opts;
        let stdin = sluice_io::is_stdin(path);
        if opts.mmap && !opts.follow && !opts.decompress && !opts.null_data && opts.window.is_none() && !stdin {
            return self.mapped(path, shown);
        }
        let input = self.open(path)?;
        // Whether the file is large enough to split is told by the opened
        // handle: no look at the path first.
        let size = input.size.filter(|_| !stdin);
        if let Some((size, threads)) = size.and_then(|n| Some((n, self.threads_for(n)?))) {
            drop(input);
            if self.defer_split {
                self.deferred = true;
                return Ok(FileState::new(shown, None));
            }
            return match self.parallel(path, shown, size, threads)? {
                Parallel::Searched(file) => Ok(*file),
                Parallel::OneThread { printed_to } => {
                    // The lines printed already are passed over.
                    let mut skip = Skip::new(&mut *self.sink, printed_to);
                    let mut one = Searcher::new(opts, &mut skip, &mut *self.warn, self.stop);
                    // Whether a group here gets a separator depends on what
                    // was printed before, in this file or another.
                    one.printed_any = self.printed_any;
                    let input = one.open(path)?;
                    let found = one.buffered(input, path, shown);
                    self.printed_any = one.printed_any;
                    found
                }
            };
        }
        self.buffered(input, path, shown)
    }

    fn open(&self, path: &Path) -> io::Result<sluice_io::Input> {
        Opener::new()
            .decompress(self.opts.decompress)
            .interrupt(Some(self.stop.as_atomic()))
            .end_by_size(!self.opts.follow)
            .open(path)
    }

    /// Searches `input`, opened from `path` (a file, stdin or a pipe),
    /// through a buffer on this thread.
    fn buffered<'n>(&mut self, input: sluice_io::Input, path: &Path, shown: &'n [u8]) -> io::Result<FileState<'n>> {
        let opts = self.opts;
        let stdin = sluice_io::is_stdin(path);
        // GNU grep caps its buffer's growth by a regular file's size, stdin
        // redirected from a file included.
        let size = if opts.decompress { None } else { input.size };
        self.sink.start(size);
        // A window's lines and records are not GNU grep's blocks (which would
        // cut a record): they decide by what is in hand, as a pipe's do.
        let gnu = opts.window.is_none() && !opts.records;
        let mut file = FileState::new(shown, self.blocks(if gnu { size } else { None }));
        if opts.max_count == Some(0) {
            self.finish(&file)?;
            return Ok(file);
        }
        let mut reader = if opts.null_data { Box::new(crate::null_data::Swapped(input.reader)) } else { input.reader };
        let (mut start, mut to_read) = ((0, 0), size.filter(|_| !opts.follow));
        if let Some(window) = opts.window {
            let seekable = if stdin || opts.decompress { None } else { size };
            match self.windowed(path, shown, seekable, window)? {
                Windowed::Range { reader: range, from, to, lines } => {
                    (reader, start, to_read) = (range, (from, lines), Some(to - from));
                }
                Windowed::Scan => file.window = Some(crate::window::Scan::new(window)),
            }
        }
        // No bigger than what there is to read (it grows for a longer
        // line): a small file or a window needs no mebibyte cleared.
        let capacity = to_read.map_or(opts.buffer, |n| {
            opts.buffer.min(usize::try_from(n).unwrap_or(usize::MAX).saturating_add(1).max(4096))
        });
        let mut lb = LineBuffer::with_buffer(reader, std::mem::take(&mut self.spare), capacity, opts.max_line_bytes);
        lb.start_at(start.0, start.1);
        file.number = start.1 + 1;
        // What was read of a window says nothing of the file's size.
        let watch = if opts.window.is_some() { None } else { Some(input.watch) };
        let searched = match self.drain(&mut lb, &mut file) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe && !is_output_error(&e) => {
                // As in GNU grep, a file that opens but cannot be read (a
                // directory, an I/O error) is reported, then still counted
                // (`-c` prints what was selected before) and listed by -L.
                self.sink.flush().map_err(output_error)?;
                if !opts.no_messages {
                    (self.warn)(format!("{}: {}", lossy(shown), sluice_core::error::io_message(&e)));
                }
                file.errors = true;
                Searched::Done
            }
            other => other?,
        };
        if searched == Searched::End && file.window.as_ref().is_some_and(|w| !w.timed()) {
            self.sink.flush().map_err(output_error)?;
            (self.warn)(format!("{}: {}", lossy(shown), crate::window::NO_TIMES));
            file.errors = true;
        }
        match searched {
            // A read that a signal ended (stdin, a FIFO) is a stop.
            Searched::End if self.stop.requested().is_some() => file.stopped = self.stop.requested(),
            Searched::End => {
                if let Some(change) = watch.and_then(|w| w.changed()) {
                    let mut warning = change.warning(&lossy(shown), "searched");
                    if change == sluice_io::Changed::Grew {
                        warning.push_str(" (use --follow)");
                    }
                    (self.warn)(warning);
                }
            }
            Searched::Done => {}
            Searched::Stopped(signal) => file.stopped = Some(signal),
        }
        file.bytes = lb.read_so_far() - start.0;
        // Kept for the next file, unless a long line grew it past a read.
        let buffer = lb.into_buffer();
        if buffer.len() <= opts.buffer {
            self.spare = buffer;
        }
        self.finish(&file)?;
        Ok(file)
    }

    /// The `--mmap` path: the whole file is one region.
    #[allow(unsafe_code)]
    fn mapped<'n>(&mut self, path: &Path, shown: &'n [u8]) -> io::Result<FileState<'n>> {
        let handle: File = sluice_io::open_file(path)?;
        // SAFETY: the map is only read, while the file stays open. If another
        // process truncates the file meanwhile, reading the lost pages raises
        // SIGBUS and ends the process: the reason this path is opt-in.
        let map = unsafe { memmap2::Mmap::map(&handle)? };
        let data: &[u8] = &map;
        self.sink.start(Some(data.len() as u64));
        let mut file = FileState::new(shown, self.blocks(Some(data.len() as u64)));
        if self.opts.max_count != Some(0) && !data.is_empty() {
            self.split_region(data, data.len(), true, &mut file)?;
        }
        file.bytes = data.len() as u64;
        self.finish(&file)?;
        Ok(file)
    }

    /// Tells the sink the file is done, then says on stderr that a binary
    /// file matched, as grep does.
    pub(crate) fn finish(&mut self, file: &FileState<'_>) -> io::Result<()> {
        let end = SinkFinish {
            file: file.name,
            selected: file.selected,
            binary: file.binary,
            binary_offset: file.binary_offset,
            bytes: file.bytes,
        };
        self.sink.finish(&end).map_err(output_error)?;
        if file.binary && file.selected > 0 && self.sink.notes_binary_matches() {
            self.sink.flush().map_err(output_error)?;
            (self.warn)(format!("{}: binary file matches", lossy(file.name)));
        }
        Ok(())
    }

    /// Searches everything the line buffer can give until the end of input.
    pub(crate) fn drain<R: Read>(&mut self, lb: &mut LineBuffer<R>, file: &mut FileState<'_>) -> io::Result<Searched> {
        loop {
            if let Some(signal) = self.stop.requested() {
                return Ok(Searched::Stopped(signal));
            }
            let range = match lb.region()? {
                Region::End => return Ok(Searched::End),
                Region::TooLong { len, offset } => {
                    // Lines are counted only for -n (counting costs a quarter
                    // of a search); without it the line is named by its offset.
                    let name = lossy(file.name);
                    let at = if self.opts.line_number {
                        format!("{name}:{}", file.number)
                    } else {
                        format!("{name}: the line at byte {offset}")
                    };
                    (self.warn)(format!("{at}: line of {len} bytes is longer than --max-line-bytes; skipped"));
                    file.number += 1;
                    file.errors = true;
                    continue;
                }
                Region::Lines { range, offset } => {
                    file.base = offset;
                    range
                }
            };
            // With no room to wait for a block's end, its lines are taken
            // as they are (only with a --max-line-bytes below 96 KiB).
            let last = lb.at_end() || !lb.has_room();
            // --records: the last record may go on in what is not read yet;
            // in a followed file, also in what is not written yet.
            let pausing = self.opts.follow && lb.at_end() && lb.has_room();
            let (lines, held) = match self.opts.records && (!last || pausing) {
                true => crate::records::complete(&lb.unread()[..range.len()]),
                false => (range.len(), false),
            };
            let (lines, paused) = match pausing && held {
                true => self.quiet_yet(lb.read_so_far(), range.len(), lines, file),
                false => {
                    file.held = None;
                    (lines, false)
                }
            };
            let (used, done, wait) = self.split_region(lb.unread(), lines, last, file)?;
            lb.consume(range.start + used);
            if done {
                return Ok(Searched::Done);
            }
            if wait || held {
                lb.read_more();
            }
            // The input asks no more of this region until it grows.
            if paused {
                return Ok(Searched::End);
            }
        }
    }

    /// `--records --follow` at the end of what the file holds: its last
    /// record (from `complete` in the region's `all` bytes) waits until
    /// the file has been quiet for [`RECORD_QUIET`], in case lines that
    /// continue it are still being written; then it is taken whole.
    /// Returns the bytes to search now, and whether the rest waits.
    fn quiet_yet(&mut self, read: u64, all: usize, complete: usize, file: &mut FileState<'_>) -> (usize, bool) {
        let now = std::time::Instant::now();
        match file.held {
            Some((since, at)) if at == read && now.duration_since(since) >= RECORD_QUIET => {
                file.held = None;
                (all, false)
            }
            Some((_, at)) if at == read => (complete, true),
            _ => {
                file.held = Some((now, read));
                (complete, true)
            }
        }
    }

    /// `--records --follow`: the followed file is done with (rotated away,
    /// or the run stops), so the record it held back is whole: searched.
    pub(crate) fn release_held<R: Read>(&mut self, lb: &mut LineBuffer<R>, file: &mut FileState<'_>) -> io::Result<()> {
        if file.held.take().is_none() || file.done {
            return Ok(());
        }
        let data = lb.unread();
        let Some(end) = memchr::memrchr(b'\n', data).map(|i| i + 1) else { return Ok(()) };
        file.base = lb.position();
        let (used, done, _) = self.split_region(data, end, true, file)?;
        lb.consume(used);
        file.done |= done;
        Ok(())
    }

    /// Searches the whole lines of `data` (`data[..lines]`, the unread
    /// input from `file.base`), dividing them between text and binary as
    /// GNU grep's blocks do. Returns the bytes used, whether the file is
    /// done, and whether the rest waits for more input.
    fn split_region(
        &mut self,
        data: &[u8],
        lines: usize,
        at_end: bool,
        file: &mut FileState<'_>,
    ) -> io::Result<(usize, bool, bool)> {
        let offset = file.base;
        let mut used = 0;
        loop {
            let keep = Keep { lines: self.before(), printed_to: file.context.printed_to };
            let at = offset + used as u64;
            let split = match &mut file.blocks {
                Some(blocks) if !file.binary => blocks.split(&data[used..], at, lines - used, at_end, keep),
                _ => Split::Text,
            };
            let text = match split {
                Split::Text => lines - used,
                Split::TextThenPass(n) | Split::TextThenWait(n) | Split::TextThenBinary(n) => n,
            };
            file.base = at;
            if text > 0 && self.region(&data[used..used + text], file)? {
                return Ok((used + text, true, false));
            }
            used += text;
            match split {
                Split::Text => return Ok((used, false, false)),
                Split::TextThenWait(_) => return Ok((used, false, true)),
                Split::TextThenPass(_) => {
                    let keep = Keep { lines: self.before(), printed_to: file.context.printed_to };
                    if let Some(blocks) = &mut file.blocks {
                        blocks.searched(data, offset, keep);
                    }
                }
                Split::TextThenBinary(_) => {
                    file.base = offset + used as u64;
                    let nul = memchr::memchr(0, &data[used..]).unwrap_or(0);
                    file.binary_offset = Some(file.base + nul as u64);
                    let done = self.turn_binary(file) || (used < lines && self.region(&data[used..lines], file)?);
                    return Ok((lines, done, false));
                }
            }
        }
    }

    /// How the lines of `window` are read from the file at `path`: a byte
    /// range found by bisection when the file is regular (`size`) and in
    /// order there, else a scan that checks every line's time.
    fn windowed(&mut self, path: &Path, shown: &[u8], size: Option<u64>, window: Window) -> io::Result<Windowed> {
        let opts = self.opts;
        if let Some(size) = size {
            let file = File::open(path)?;
            if !crate::window::has_times(&file, size)? {
                return Err(io::Error::new(io::ErrorKind::InvalidData, crate::window::NO_TIMES));
            }
            let bound = |t: Option<i64>, open: u64| t.map_or(Ok(Some(open)), |t| first_at_or_after(&file, size, t));
            let (from, to) = (bound(window.since, 0)?, bound(window.until, size)?);
            if let (Some(from), Some(to)) = (from, to)
                && from <= to
                && crate::window::window_in_order(&file, from, to, window)?
            {
                let lines = if opts.line_number { lines_before(&file, from)? } else { 0 };
                let mut file = file;
                io::Seek::seek(&mut file, io::SeekFrom::Start(from))?;
                return Ok(Windowed::Range { reader: Box::new(file.take(to - from)), from, to, lines });
            }
            (self.warn)(format!("{}: not in time order; every line's time is checked instead", lossy(shown)));
        }
        Ok(Windowed::Scan)
    }

    /// GNU grep's blocks for a file of `size` bytes, unless `-a`.
    fn blocks(&self, size: Option<u64>) -> Option<Blocks> {
        (!self.opts.text && !self.opts.follow && !self.opts.null_data).then(|| Blocks::new(size))
    }

    /// `-B`'s count.
    fn before(&self) -> u64 {
        self.opts.context.map_or(0, |(before, _)| before)
    }

    /// The file holds a NUL from here on; returns whether it is done.
    fn turn_binary(&mut self, file: &mut FileState<'_>) -> bool {
        if self.opts.skip_binary {
            // -I: a binary file is taken to hold no match, as GNU grep takes
            // it: its count is 0 and it selected nothing, even when lines
            // before the NUL's block were printed.
            file.selected = 0;
            return true;
        }
        file.binary = true;
        false
    }

    /// Selects the lines of one region, which [`Blocks::split`] has found
    /// to be text or binary as a whole. Returns whether the file is done.
    fn region(&mut self, region: &[u8], file: &mut FileState<'_>) -> io::Result<bool> {
        if self.opts.follow && memchr::memchr(0, region).is_some() {
            // A followed file's NULs are holes: see the followed module.
            let mut holed = std::mem::take(&mut self.holed);
            holed.clear();
            holed.extend(region.iter().copied().filter(|&b| b != 0));
            let done = self.region(&holed, file);
            self.holed = holed;
            return done;
        }
        if let Some(scan) = file.window.as_mut() {
            // Only the runs of lines in the window are searched; the lines
            // between them are counted, for -n, and passed over.
            let runs = scan.runs(region);
            let (base, count) = (file.base, self.opts.line_number);
            let mut pos = 0;
            for run in runs {
                if count {
                    file.number += count_newlines(&region[pos..run.start]);
                }
                file.base = base + run.start as u64;
                let window = file.window.take();
                let done = self.region_lines(&region[run.clone()], file);
                file.window = window;
                if done? {
                    return Ok(true);
                }
                pos = run.end;
            }
            if count && pos < region.len() {
                file.number += count_newlines(&region[pos..]) + u64::from(region[region.len() - 1] != b'\n');
            }
            return Ok(false);
        }
        self.region_lines(region, file)
    }

    /// Selects the lines of `region`, all of one kind (text or binary).
    pub(crate) fn region_lines(&mut self, region: &[u8], file: &mut FileState<'_>) -> io::Result<bool> {
        if file.binary {
            self.binary_lines(region, file)
        } else if self.opts.context.is_some() {
            self.with_context(region, file)
        } else if self.opts.records {
            self.records(region, file)
        } else if self.opts.invert {
            self.inverted(region, file)
        } else {
            self.matches(region, file)
        }
    }

    /// Hands one selected line to the sink; `true` when the file is done.
    #[inline]
    pub(crate) fn select(&mut self, file: &mut FileState<'_>, line: &[u8], at: usize) -> io::Result<bool> {
        file.selected += 1;
        let full = self.opts.max_count.is_some_and(|m| file.selected >= m);
        // A binary file's lines are not numbered: none is printed.
        let number = if file.binary { 0 } else { file.number };
        let found = SinkMatch { file: file.name, line, number, offset: file.base + at as u64, binary: file.binary };
        let go_on = self.sink.matched(&found).map_err(output_error)?;
        Ok(full || !go_on)
    }

    /// Lines that match, found a whole region at a time.
    #[inline]
    fn matches(&mut self, region: &[u8], file: &mut FileState<'_>) -> io::Result<bool> {
        let matcher = &self.opts.matcher;
        let count = self.opts.line_number;
        let end = region.len();
        let whole_lines = self.sink.wants_lines() || !matcher.is_literal();
        let mut pos = 0;
        while pos < end {
            let Some((ms, me)) = matcher.find(&region[pos..]) else { break };
            let (ms, me) = (pos + ms, pos + me);
            // An empty match after the region's last newline is no line.
            if ms == end && region[end - 1] == b'\n' {
                break;
            }
            // The line's start is needed only to hand the line over or to
            // check a regex on it alone; a count of literal matches skips
            // the search back.
            let ls =
                if whole_lines { memchr::memrchr(b'\n', &region[pos..ms]).map_or(pos, |i| pos + i + 1) } else { ms };
            let le = memchr::memchr(b'\n', &region[ms..]).map_or(end, |i| ms + i);
            if count {
                // No newline lies between the line's start and the match.
                file.number += count_newlines(&region[pos..ms]);
            }
            // A regex match may run on past the line's end; then the line
            // must match on its own.
            let line = &region[ls..le];
            if (me <= le || matcher.is_match(line)) && self.select(file, line, ls)? {
                return Ok(true);
            }
            file.number += 1;
            pos = le + 1;
        }
        if count && pos < end {
            file.number += count_newlines(&region[pos..]);
            if region[end - 1] != b'\n' {
                file.number += 1;
            }
        }
        Ok(false)
    }

    /// Lines that do not match, one by one.
    fn inverted(&mut self, region: &[u8], file: &mut FileState<'_>) -> io::Result<bool> {
        let mut pos = 0;
        while pos < region.len() {
            let le = memchr::memchr(b'\n', &region[pos..]).map_or(region.len(), |i| pos + i);
            let line = &region[pos..le];
            if !self.opts.matcher.is_match(line) && self.select(file, line, pos)? {
                return Ok(true);
            }
            file.number += 1;
            pos = le + 1;
        }
        Ok(false)
    }

    /// A binary file's lines: like GNU grep, a NUL ends a line as a newline
    /// does, so counts and `-v` agree with it.
    fn binary_lines(&mut self, region: &[u8], file: &mut FileState<'_>) -> io::Result<bool> {
        let mut pos = 0;
        while pos < region.len() {
            let le = memchr::memchr2(b'\n', 0, &region[pos..]).map_or(region.len(), |i| pos + i);
            let line = &region[pos..le];
            if self.opts.matcher.is_match(line) != self.opts.invert {
                // Not printed, but a group after it, in any file, gets its
                // separator: GNU grep counts a binary file's match as output.
                self.printed_any = true;
                if self.select(file, line, pos)? {
                    return Ok(true);
                }
            }
            pos = le + 1;
        }
        Ok(false)
    }
}

/// How a window's lines are read.
enum Windowed {
    /// The bytes from `from` to `to`, after `lines` lines.
    Range { reader: Box<dyn Read + Send>, from: u64, to: u64, lines: u64 },
    /// Every line, its time checked.
    Scan,
}

/// Where the last line of a file of `size` bytes ends: its end, or the
/// start of an unfinished last line (a writer's line not ended yet).
pub(crate) fn after_last_newline(file: &File, size: u64) -> io::Result<u64> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0; 64 << 10];
    let mut end = size;
    while end > 0 {
        let from = end.saturating_sub(buf.len() as u64);
        let block = &mut buf[..(end - from) as usize];
        file.read_exact_at(block, from)?;
        if let Some(i) = memchr::memrchr(b'\n', block) {
            return Ok(from + i as u64 + 1);
        }
        end = from;
    }
    Ok(0)
}

/// Lines in `file` before offset `to`, counted (for -n in a window).
pub(crate) fn lines_before(file: &File, to: u64) -> io::Result<u64> {
    let mut reader = io::Read::take(file.try_clone()?, to);
    io::Seek::seek(&mut reader.get_mut(), io::SeekFrom::Start(0))?;
    let mut buf = vec![0; 256 * 1024];
    let mut lines = 0;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(lines);
        }
        lines += count_newlines(&buf[..n]);
    }
}

/// A file's name for a message on stderr.
pub(crate) fn lossy(name: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(name)
}

/// An error from the sink carries this marker, so that it is not reported
/// as the input file's fault.
#[derive(Debug, thiserror::Error)]
#[error("writing output: {}", sluice_core::error::io_message(.0))]
struct OutputError(io::Error);

pub(crate) fn output_error(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe || is_output_error(&e) {
        return e;
    }
    io::Error::new(e.kind(), OutputError(e))
}

fn is_output_error(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<OutputError>())
}
