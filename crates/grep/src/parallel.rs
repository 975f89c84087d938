//! One large file searched on every core: split at line boundaries into
//! chunks, each searched by a thread with positioned reads into a buffer of
//! its own, the selected lines printed in file order.
//!
//! A thread searches a chunk with the same code as one thread searching
//! the file, into a [`Recorder`] that keeps the selected lines, numbered
//! within the chunk; this thread hands them to the real sink in order,
//! numbered within the file by the line counts of the chunks before, and
//! searches chunks itself while it waits for the next to print. So
//! the output is the one-thread search's, byte for byte, for what the
//! chunks can answer alike (`-m`, `-l`, `-L` and `-q` stop the printing
//! where one thread stops); the rest (a time window, records, a followed
//! or compressed file, and with `--stats` or `--json` a search that stops
//! early, whose bytes read are counted) is searched on one thread. With context, this thread reads back the stretches around the
//! selected lines and searches them with the one-thread code, whose
//! context state runs on from stretch to stretch: what lies between them
//! is neither selected nor context.
//!
//! Two things a chunk cannot know: where GNU grep's reads end (where a
//! late NUL turns the file binary), and the line a line longer than the
//! chunk's margin began in. A chunk's lines are printed only once the
//! next chunks are known to hold neither a NUL nor such a line; when one
//! does, the file is searched again on one thread, which passes over the
//! lines already printed (they are the same: the NUL's block, a few
//! hundred kilobytes at most, begins after them).

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::searcher::{FileState, Searcher};
use crate::sink::{Sink, SinkFinish, SinkMatch};

/// Bytes a thread searches at a time by default. A chunk's selected lines
/// are held up to 512 KiB (more makes the chunk dense, and the file goes to
/// one thread), for at most three chunks and two a thread besides the
/// threads' buffers.
pub const DEFAULT_CHUNK: u64 = 1 << 20;

/// How far past a chunk's nominal end its last line may run. A longer line
/// sends the file to one thread.
const MARGIN: u64 = 256 << 10;

/// How far past a chunk's nominal end its last line is looked for first;
/// the margin is read only when it runs on further.
const TAIL: u64 = 8 << 10;

/// Chunks after one of `chunk` bytes that must be plain text before its
/// lines are printed. The block of GNU grep's reads where a NUL lies
/// starts at most a buffer before it; the buffer grows by half when a line
/// does not fit, and no line here is longer than a chunk and the margin.
fn look_ahead(chunk: u64) -> usize {
    let buffer = 2 * (chunk + MARGIN) + (128 << 10);
    usize::try_from(buffer.div_ceil(chunk)).unwrap_or(usize::MAX)
}

/// Bytes of selected lines past which a chunk is dense: printing is then
/// most of the work, which one thread does faster without the copies
/// (every line of 1 GiB: 0.85 s on one thread, 1.15 s on two), and holding
/// them would cost memory. At a third of the lines, two threads still
/// took 0.6 s against 1.0 s.
const DENSE_BYTES: usize = 512 << 10;
/// Selected lines past which a chunk is dense.
const DENSE_LINES: usize = 16 << 10;

/// The lines one chunk selected, numbered from 1 within it; for a sink
/// that only counts (`-c`), their count.
#[derive(Default)]
struct Recorder {
    wants_lines: bool,
    bytes: Vec<u8>,
    /// Each selected line: its number in the chunk, its offset in the
    /// file, and where its bytes end in `bytes`.
    lines: Vec<(u64, u64, usize)>,
    /// Lines selected, for a sink that only counts.
    count: u64,
    /// Past [`DENSE_BYTES`] or [`DENSE_LINES`]: the search of the chunk
    /// stopped there.
    dense: bool,
}

impl Recorder {
    /// Empties it for another chunk, keeping its memory.
    fn reset(&mut self, wants_lines: bool) {
        self.bytes.clear();
        self.lines.clear();
        (self.wants_lines, self.count, self.dense) = (wants_lines, 0, false);
    }
}

impl Sink for Recorder {
    fn wants_lines(&self) -> bool {
        self.wants_lines
    }

    fn matched(&mut self, m: &SinkMatch<'_>) -> io::Result<bool> {
        if !self.wants_lines {
            self.count += 1;
            return Ok(true);
        }
        self.bytes.extend_from_slice(m.line);
        self.lines.push((m.number, m.offset, self.bytes.len()));
        self.dense = self.bytes.len() > DENSE_BYTES || self.lines.len() > DENSE_LINES;
        Ok(!self.dense)
    }

    fn notes_binary_matches(&self) -> bool {
        false
    }
}

/// What a thread found in one chunk.
enum Found {
    /// Its lines, how many there are, and what it selected.
    Lines { lines: u64, selected: Recorder },
    /// A NUL, a line longer than the margin, or a dense chunk: the file
    /// goes to one thread.
    OneThread,
    /// The file ended before the chunk did: it was truncated meanwhile.
    Cut,
}

/// Where the threads stand, shared with them.
struct Board {
    /// The next chunk to claim, and the first not yet printed.
    next: usize,
    printed: usize,
    found: BTreeMap<usize, io::Result<Found>>,
    /// Every thread is to stop: one thread takes over, or the search ended.
    quit: bool,
    /// Recorders of chunks printed, emptied, for chunks to come: new ones
    /// cost an allocation and fresh pages each.
    spare: Vec<Recorder>,
}

/// How a parallel search ended.
pub(crate) enum Parallel<'n> {
    /// The file was searched.
    Searched(Box<FileState<'n>>),
    /// It is to be searched on one thread, passing over the lines before
    /// offset `printed_to`, which were handed to the sink already.
    OneThread { printed_to: u64 },
}

impl<S: Sink + ?Sized> Searcher<'_, S> {
    /// Threads for a search of a regular file of `size` bytes, or `None`
    /// when one thread is to search it.
    pub(crate) fn threads_for(&self, size: u64) -> Option<usize> {
        let o = self.opts;
        // A search that stops early reads less on one thread, which its
        // statistics count.
        let stops_early = o.max_count.is_some() || o.quiet || o.files_with_matches || o.files_without_match;
        let one = o.follow || o.decompress || o.null_data || o.window.is_some() || o.records;
        let one = one || (stops_early && (o.stats || o.json));
        // A line longer than --max-line-bytes is skipped with a warning, by
        // one thread; here a line may run to a chunk and the margin, and is
        // searched whole, so a limit below that (with room to spare) keeps
        // the file on one thread.
        let long_lines = (o.max_line_bytes as u64) < 2 * o.chunk.max(1) + MARGIN;
        if one || long_lines || size < 2 * o.chunk.max(1) {
            return None;
        }
        let threads = threads(o);
        (threads > 1).then_some(threads)
    }

    /// Searches `path`, a regular file of `size` bytes, on `threads`
    /// threads.
    pub(crate) fn parallel<'n>(
        &mut self,
        path: &Path,
        shown: &'n [u8],
        size: u64,
        threads: usize,
    ) -> io::Result<Parallel<'n>> {
        let handle = sluice_io::open_file(path)?;
        self.sink.start(Some(size));
        let chunk = self.opts.chunk.max(1);
        let chunks = usize::try_from(size.div_ceil(chunk)).unwrap_or(usize::MAX);
        let board = (
            Mutex::new(Board { next: 0, printed: 0, found: BTreeMap::new(), quit: false, spare: Vec::new() }),
            Condvar::new(),
        );
        let mut file = FileState::new(shown, None);
        file.bytes = size;
        let (wants_lines, stop) = (self.sink.wants_lines(), self.stop);
        // Two chunks a thread past those the printing waits for: with one,
        // a thread that finished a chunk often waited for this one to
        // print (1 GiB: 0.16 s against 0.12 s).
        let ahead = look_ahead(chunk).saturating_add(2 * threads);
        let ended = std::thread::scope(|s| {
            // A chunk is searched whole, whatever -m says: its line count
            // numbers the chunks after it (this thread stops where -m
            // stops one thread).
            let chunk_opts = crate::GrepOptions { max_count: None, ..self.opts.clone() };
            // This thread is one of them: it searches while it waits for
            // the chunks it is to print, which spares a wake-up per chunk.
            for _ in 1..threads {
                // A matcher of its own: threads sharing one take turns at
                // its scratch space.
                let opts = chunk_opts.clone();
                let (handle, board) = (&handle, &board);
                s.spawn(move || opts.search_chunks(handle, size, (chunks, ahead), board, wants_lines, stop));
            }
            let ended = self.print_chunks((&handle, size, chunks, ahead), &chunk_opts, &board, &mut file);
            lock(&board.0).quit = true;
            board.1.notify_all();
            ended
        })?;
        if let Some(printed_to) = ended {
            return Ok(Parallel::OneThread { printed_to });
        }
        if let Some(signal) = self.stop.requested() {
            file.stopped = Some(signal);
        } else if let Some(change) = sluice_io::Changed::since(&handle, size) {
            (self.warn)(change.warning(&crate::searcher::lossy(shown), "searched"));
        }
        self.finish(&file)?;
        Ok(Parallel::Searched(Box::new(file)))
    }

    /// Hands each chunk's lines to the sink in order, once the chunks after
    /// it are known to be plain text. Returns the offset lines were printed
    /// to when the file is to go to one thread.
    fn print_chunks(
        &mut self,
        (handle, size, chunks, ahead): (&File, u64, usize, usize),
        chunk_opts: &crate::GrepOptions,
        board: &(Mutex<Board>, Condvar),
        file: &mut FileState<'_>,
    ) -> io::Result<Option<u64>> {
        let (wants_lines, mut buffer) = (self.sink.wants_lines(), Vec::new());
        let mut numbered = 0;
        let mut around = self.opts.context.map(|(before, after)| Islands::new(handle, size, before, after));
        for k in 0..chunks {
            // This chunk and the ones that may hold the start of the block
            // where a later NUL would lie.
            let needed = k..k.saturating_add(1 + look_ahead(self.opts.chunk.max(1))).min(chunks);
            let found = {
                let mut b = lock(&board.0);
                while !needed.clone().all(|j| b.found.contains_key(&j)) {
                    if self.stop.requested().is_some() {
                        return Ok(None);
                    }
                    if let Some((j, recorder)) = claim(&mut b, chunks, ahead, wants_lines) {
                        drop(b);
                        let found = chunk_opts.search_chunk(handle, size, j, &mut buffer, recorder);
                        b = lock(&board.0);
                        b.found.insert(j, found);
                        board.1.notify_all();
                        continue;
                    }
                    // Woken by a chunk found, or after a while to look for
                    // a signal (the threads stop claiming at one).
                    b = board.1.wait_timeout(b, Duration::from_millis(100)).map_or_else(|e| e.into_inner().0, |w| w.0);
                }
                b.printed = k + 1;
                board.1.notify_all();
                // A chunk that could not be read is left to the one-thread
                // search to meet, and report.
                let plain = |j| matches!(b.found.get(&j), Some(Ok(Found::Lines { .. } | Found::Cut)));
                needed.clone().all(plain).then(|| b.found.remove(&k)).flatten()
            };
            let printed_to = around.as_ref().map_or(k as u64 * self.opts.chunk.max(1), |a| a.printed_to);
            let (lines, selected) = match found {
                Some(Ok(Found::Lines { lines, selected })) => (lines, selected),
                // What was truncated is not searched; the end says so.
                Some(Ok(Found::Cut)) => break,
                _ => return Ok(Some(printed_to)),
            };
            if let Some(islands) = &mut around {
                for &(number, offset, _) in &selected.lines {
                    if islands.add(numbered + number, offset)? && self.island(islands, file)? {
                        file.done = true;
                        return Ok(None);
                    }
                }
                numbered += lines;
                lock(&board.0).spare.push(selected);
                continue;
            }
            // A sink that only counts is handed the count, line by line.
            let counted = (0..selected.count).map(|_| (0, 0, 0));
            let mut from = 0;
            for (number, offset, end) in selected.lines.iter().copied().chain(counted) {
                let line = &selected.bytes[from..end.max(from)];
                from = end.max(from);
                file.selected += 1;
                let m = SinkMatch { file: file.name, line, number: numbered + number, offset, binary: false };
                let go_on = self.sink.matched(&m).map_err(crate::searcher::output_error)?;
                // `-l`, `-q` and `-m` stop here, as one thread stops.
                if !go_on || self.opts.max_count.is_some_and(|n| file.selected >= n) {
                    file.done = true;
                    return Ok(None);
                }
            }
            numbered += lines;
            lock(&board.0).spare.push(selected);
        }
        if let Some(islands) = &mut around {
            islands.last();
            self.island(islands, file)?;
        }
        Ok(None)
    }

    /// Searches the island `islands` has ready with context, as one
    /// thread would: the lines around the selected ones, by the one-thread
    /// code, whose context state carries from island to island. Returns
    /// whether the file is done.
    fn island(&mut self, islands: &mut Islands<'_>, file: &mut FileState<'_>) -> io::Result<bool> {
        while let Some((number, offset, lines)) = islands.next_piece()? {
            file.number = number;
            file.base = offset;
            let done = self.with_context(lines, file)?;
            islands.printed_to = offset + lines.len() as u64;
            if done {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The stretches of a file around its selected lines: from `-B` lines
/// before each to `-A` lines after it, joined where they touch, read back
/// from the file a piece at a time.
struct Islands<'f> {
    handle: &'f File,
    size: u64,
    before: u64,
    after: u64,
    /// The island being gathered: its first line's number and offset, and
    /// where it ends.
    open: Option<(u64, u64, u64)>,
    /// An island complete, to be searched.
    ready: Option<(u64, u64, u64)>,
    buffer: Vec<u8>,
    /// Lines before this offset were handed to the sink.
    printed_to: u64,
}

impl<'f> Islands<'f> {
    fn new(handle: &'f File, size: u64, before: u64, after: u64) -> Islands<'f> {
        Islands { handle, size, before, after, open: None, ready: None, buffer: Vec::new(), printed_to: 0 }
    }

    /// A selected line, numbered `number`, at `offset`; returns whether an
    /// island is ready, the one before this line's, which it does not touch.
    fn add(&mut self, number: u64, offset: u64) -> io::Result<bool> {
        let (start, back) = lines_back(self.handle, offset, self.before, &mut self.buffer)?;
        let end = lines_on(self.handle, self.size, offset, self.after + 1, &mut self.buffer)?;
        match &mut self.open {
            Some((_, _, open_end)) if start <= *open_end => {
                *open_end = (*open_end).max(end);
                Ok(false)
            }
            open => {
                self.ready = open.replace((number - back, start, end));
                Ok(self.ready.is_some())
            }
        }
    }

    /// The last island is ready.
    fn last(&mut self) {
        self.ready = self.open.take();
    }

    /// The next piece of the ready island: its first line's number and
    /// offset, and its lines. Pieces end at a line's end and hold at most
    /// [`PIECE`] bytes, so memory stays flat however large the island.
    fn next_piece(&mut self) -> io::Result<Option<(u64, u64, &[u8])>> {
        let Some((number, start, end)) = self.ready else { return Ok(None) };
        if start >= end {
            self.ready = None;
            return Ok(None);
        }
        let piece = (end - start).min(PIECE);
        let data = read_at(self.handle, start, start + piece, &mut self.buffer)?;
        let len = match start + piece == end {
            true => data.len(),
            false => memchr::memrchr(b'\n', data).map_or(data.len(), |i| i + 1),
        };
        let lines = &data[..len];
        // The next piece's first line number is what the search of this
        // one leaves in the file's state; kept here for a piece's start.
        let newlines = sluice_io::count_newlines(lines);
        self.ready = Some((number + newlines, start + len as u64, end));
        Ok(Some((number, start, lines)))
    }
}

/// Bytes of an island read at a time: more than the longest line a
/// parallel search takes, a chunk and the margin.
const PIECE: u64 = 4 << 20;

/// The start of the line `n` lines before the one at `offset`, and how many
/// lines back that is (fewer at the file's start).
fn lines_back(handle: &File, offset: u64, n: u64, buffer: &mut Vec<u8>) -> io::Result<(u64, u64)> {
    // The newline at `offset - 1` ends the line before; the line `n` back
    // starts after the newline `n + 1` back. Read back a little at first:
    // context lines are short.
    let (mut at, mut newlines, mut step) = (offset, 0, 4096);
    while at > 0 {
        let from = at.saturating_sub(step);
        step = (step * 4).min(64 << 10);
        let data = read_at(handle, from, at, buffer)?;
        for i in memchr::memrchr_iter(b'\n', data) {
            newlines += 1;
            if newlines == n + 1 {
                return Ok((from + i as u64 + 1, n));
            }
        }
        at = from;
    }
    Ok((0, newlines))
}

/// Where the `n`th line from the one at `offset` ends (after its newline),
/// or the file's end.
fn lines_on(handle: &File, size: u64, offset: u64, n: u64, buffer: &mut Vec<u8>) -> io::Result<u64> {
    let (mut at, mut found, mut step) = (offset, 0, 4096);
    while at < size && n > 0 {
        let to = (at + step).min(size);
        step = (step * 4).min(64 << 10);
        let data = read_at(handle, at, to, buffer)?;
        for i in memchr::memchr_iter(b'\n', data) {
            found += 1;
            if found == n {
                return Ok(at + i as u64 + 1);
            }
        }
        at = to;
    }
    Ok(size)
}

impl crate::GrepOptions {
    /// A thread's work: claims chunks, at most `ahead` past the first not
    /// printed, and searches each.
    fn search_chunks(
        &self,
        handle: &File,
        size: u64,
        (chunks, ahead): (usize, usize),
        board: &(Mutex<Board>, Condvar),
        wants_lines: bool,
        stop: &sluice_core::Stop,
    ) {
        let mut buffer = Vec::new();
        loop {
            let (k, recorder) = {
                let mut b = lock(&board.0);
                while !b.quit && b.next < chunks && b.next >= b.printed.saturating_add(ahead) {
                    b = board.1.wait(b).unwrap_or_else(PoisonError::into_inner);
                }
                if b.quit || stop.requested().is_some() {
                    return;
                }
                match claim(&mut b, chunks, ahead, wants_lines) {
                    Some(claimed) => claimed,
                    None => return,
                }
            };
            let found = self.search_chunk(handle, size, k, &mut buffer, recorder);
            let mut b = lock(&board.0);
            b.found.insert(k, found);
            board.1.notify_all();
        }
    }

    /// Searches chunk `k`: the lines that begin in its `chunk` bytes, into
    /// `selected`, which is empty.
    fn search_chunk(
        &self,
        handle: &File,
        size: u64,
        k: usize,
        buffer: &mut Vec<u8>,
        mut selected: Recorder,
    ) -> io::Result<Found> {
        let chunk = self.chunk.max(1);
        let nominal = (k as u64 * chunk, ((k as u64 + 1) * chunk).min(size));
        // From the byte before the chunk, to find where its first line
        // begins, to the margin past its end, where its last line ends.
        // The last line is looked for in a short tail first: every byte
        // read is copied, and the whole margin on every chunk cost a fifth
        // more copying.
        let from = nominal.0.saturating_sub(1);
        let mut tail = TAIL;
        let (data, end) = loop {
            let to = nominal.1.saturating_add(tail).min(size);
            let data = match read_at(handle, from, to, buffer) {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Found::Cut),
                other => other?,
            };
            if nominal.1 == size {
                break (data, data.len());
            }
            match memchr::memchr(b'\n', &data[(nominal.1 - 1 - from) as usize..]) {
                Some(i) => break (data, (nominal.1 - from) as usize + i),
                None if tail < MARGIN && to < size => tail = MARGIN,
                None => return Ok(Found::OneThread),
            }
        };
        let start = match k {
            0 => 0,
            _ => match memchr::memchr(b'\n', data) {
                Some(i) => i + 1,
                None => return Ok(Found::OneThread),
            },
        };
        // A line begun before this chunk that runs past all of it.
        if start > end {
            return Ok(Found::OneThread);
        }
        let lines = &data[start..end];
        let binary_possible = !self.text;
        if binary_possible && memchr::memchr(0, lines).is_some() {
            return Ok(Found::OneThread);
        }
        let mut file = FileState::new(b"", None);
        file.base = from + start as u64;
        let (stop, mut warn) = (sluice_core::Stop::default(), |_| {});
        let mut searcher = Searcher::new(self, &mut selected, &mut warn, &stop);
        searcher.region_lines(lines, &mut file)?;
        if selected.dense {
            return Ok(Found::OneThread);
        }
        // Lines are numbered as one thread numbers them: every line with
        // -n or -v, else each selected one.
        Ok(Found::Lines { lines: file.number - 1, selected })
    }
}

/// The cores this process may run on, asked once: the standard library
/// reads the cgroup's files each time (16 system calls), which was most of
/// the cost of each small file of a recursive search.
/// The threads `-j` asks for: the cores for 0 (the default).
pub(crate) fn threads(opts: &crate::GrepOptions) -> usize {
    match opts.threads {
        0 => cores(),
        n => n,
    }
}

fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The next chunk to search, unless none is left or it lies `ahead`
/// chunks or more past the first not printed: the chunks found but not
/// printed are held in memory.
fn claim(b: &mut Board, chunks: usize, ahead: usize, wants_lines: bool) -> Option<(usize, Recorder)> {
    if b.next >= chunks || b.next >= b.printed.saturating_add(ahead) {
        return None;
    }
    b.next += 1;
    let mut recorder = b.spare.pop().unwrap_or_default();
    recorder.reset(wants_lines);
    Some((b.next - 1, recorder))
}

/// Reads `from..to` of `handle` into `buffer`, placed so that its start
/// does not share the file offset's place in a page (see
/// [`sluice_io::shares_page_place`]).
fn read_at<'b>(handle: &File, from: u64, to: u64, buffer: &'b mut Vec<u8>) -> io::Result<&'b [u8]> {
    let len = (to - from) as usize;
    let room = 64 + sluice_io::PAGE_PLACE_SHIFT;
    // Grown, never shrunk: growing again would clear it again.
    if buffer.len() < len + room {
        buffer.resize(len + room, 0);
    }
    let address = buffer.as_ptr() as usize;
    // The first place in the buffer on a cache line, or one further on.
    let first = (64 - address % 64) % 64;
    let shift = if sluice_io::shares_page_place(address + first, from) { sluice_io::PAGE_PLACE_SHIFT } else { 0 };
    let skew = first + shift;
    let data = &mut buffer[skew..skew + len];
    handle.read_exact_at(data, from)?;
    Ok(data)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The sink of a search that one thread takes over: passes over the lines
/// before `printed_to`, handed to `inner` already (and the separators
/// before them), and the start.
pub(crate) struct Skip<'s, S: ?Sized> {
    pub(crate) inner: &'s mut S,
    pub(crate) printed_to: u64,
    /// A separator waiting for the line it goes before.
    held_break: bool,
}

impl<'s, S: Sink + ?Sized> Skip<'s, S> {
    pub(crate) fn new(inner: &'s mut S, printed_to: u64) -> Skip<'s, S> {
        Skip { inner, printed_to, held_break: false }
    }

    /// Whether the line at `offset` is to be handed over, with the
    /// separator before it, if any.
    fn pass(&mut self, offset: u64) -> io::Result<bool> {
        let held = std::mem::take(&mut self.held_break);
        if offset < self.printed_to {
            return Ok(false);
        }
        if held {
            self.inner.context_break()?;
        }
        Ok(true)
    }
}

impl<S: Sink + ?Sized> Sink for Skip<'_, S> {
    fn wants_lines(&self) -> bool {
        self.inner.wants_lines()
    }

    fn matched(&mut self, m: &SinkMatch<'_>) -> io::Result<bool> {
        if !self.pass(m.offset)? {
            return Ok(true);
        }
        self.inner.matched(m)
    }

    fn context(&mut self, c: &crate::sink::SinkContext<'_>) -> io::Result<()> {
        if !self.pass(c.offset)? {
            return Ok(());
        }
        self.inner.context(c)
    }

    fn context_break(&mut self) -> io::Result<()> {
        self.held_break = true;
        Ok(())
    }

    fn finish(&mut self, end: &SinkFinish<'_>) -> io::Result<()> {
        self.inner.finish(end)
    }

    fn notes_binary_matches(&self) -> bool {
        self.inner.notes_binary_matches()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
