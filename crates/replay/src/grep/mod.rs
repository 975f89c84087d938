//! `sluice grep`: selected lines out of files, printed as GNU grep prints
//! them, searched a whole buffer at a time.
//!
//! The matcher runs over every whole line in the buffer at once; only
//! around a hit are the line's ends found, and line numbers are counted
//! over the gaps between hits, never line by line (ripgrep's way).

pub mod feed;
pub mod matcher;
mod print;
pub mod source;

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use sluice_core::Stop;
use sluice_core::pace::{Clock, SystemClock};

use crate::input;
use crate::lines::{LineBuffer, Region};
pub use matcher::{MatchOptions, Matcher};
pub use print::Each;
use print::Select;

/// What `sluice grep` was asked to do.
#[derive(Clone, Debug)]
pub struct GrepOptions {
    pub matcher: Matcher,
    /// Select the lines that do not match (`-v`).
    pub invert: bool,
    /// Print a count of selected lines per file (`-c`).
    pub count: bool,
    /// Prefix lines with their number (`-n`).
    pub line_number: bool,
    /// Prefix lines with the file name (`-H`; default when there are
    /// several files).
    pub with_filename: bool,
    /// Print only the names of files with a selected line (`-l`).
    pub files_with_matches: bool,
    /// Print nothing; stop at the first selected line (`-q`).
    pub quiet: bool,
    /// Stop a file after this many selected lines (`-m`).
    pub max_count: Option<u64>,
    /// Highlight matches, names and numbers as GNU grep does.
    pub color: bool,
    /// Search binary files as text (`-a`).
    pub text: bool,
    /// Read gzip and zstd files decompressed (`-z`).
    pub decompress: bool,
    /// Longest line searched; a longer one is reported and skipped.
    pub max_line_bytes: usize,
    /// Keep reading as the file grows, across rotation (`--follow`).
    pub follow: bool,
    /// Map files into memory instead of reading them (`--mmap`). Faster on
    /// files in the page cache, but a file truncated during the search
    /// kills the process with SIGBUS, which is why it is not the default.
    pub mmap: bool,
    /// Bytes read at a time (the buffer grows only for longer lines).
    /// Default: [`crate::lines::DEFAULT_CAPACITY`].
    pub buffer: usize,
}

impl GrepOptions {
    /// A search for `matcher` with grep's defaults: matching lines printed
    /// as they are, no names, no numbers, no colour, binary files detected,
    /// 8 MiB lines, 1 MiB reads.
    pub fn new(matcher: Matcher) -> GrepOptions {
        GrepOptions {
            matcher,
            invert: false,
            count: false,
            line_number: false,
            with_filename: false,
            files_with_matches: false,
            quiet: false,
            max_count: None,
            color: false,
            text: false,
            decompress: false,
            max_line_bytes: 8 << 20,
            follow: false,
            mmap: false,
            buffer: 1 << 20,
        }
    }
}

/// What a grep run found, for the exit status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// A line was selected somewhere.
    pub selected: bool,
    /// A file could not be read, or a line was too long.
    pub errors: bool,
    /// Ctrl-C or SIGTERM ended the run (the signal's number).
    pub stopped: Option<usize>,
}

/// The name grep prints for standard input.
pub const STDIN_NAME: &str = "(standard input)";

/// Searches `files` (stdin for none or `-`), printing to `out`; problems
/// go to `warn` as one line each, without the program's name.
pub fn grep(
    opts: &GrepOptions,
    files: &[String],
    out: &mut dyn Write,
    warn: &mut dyn FnMut(String),
    stop: &Stop,
) -> io::Result<Outcome> {
    search_all(opts, files, out, None, warn, stop)
}

/// Searches as [`grep`] does, but hands each selected line to `each`
/// instead of printing it; line numbers are counted whatever
/// `line_number` says.
pub fn grep_each(
    opts: &GrepOptions,
    files: &[String],
    each: &mut Each<'_>,
    warn: &mut dyn FnMut(String),
    stop: &Stop,
) -> io::Result<Outcome> {
    let opts = GrepOptions { line_number: true, ..opts.clone() };
    search_all(&opts, files, &mut io::sink(), Some(each), warn, stop)
}

fn search_all(
    opts: &GrepOptions,
    files: &[String],
    out: &mut dyn Write,
    mut each: Option<&mut Each<'_>>,
    warn: &mut dyn FnMut(String),
    stop: &Stop,
) -> io::Result<Outcome> {
    let stdin = [input::STDIN.to_owned()];
    let files = if files.is_empty() { &stdin[..] } else { files };
    let mut outcome = Outcome::default();
    for path in files {
        let shown = if path == input::STDIN { STDIN_NAME } else { path.as_str() };
        match search_path(opts, path, shown, out, each.as_deref_mut(), warn, stop) {
            Ok(found) => {
                outcome.selected |= found.selected;
                outcome.errors |= found.errors;
                outcome.stopped = found.stopped;
            }
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Err(e),
            Err(e) if is_output_error(&e) => return Err(e),
            Err(e) => {
                // Flushed first, so that messages and lines interleave as
                // grep's do.
                out.flush()?;
                warn(format!("{shown}: {}", io_message(&e)));
                outcome.errors = true;
            }
        }
        if outcome.stopped.is_some() || (opts.quiet && outcome.selected) {
            break;
        }
    }
    out.flush()?;
    Ok(outcome)
}

/// One file's result.
#[derive(Default)]
struct Found {
    selected: bool,
    errors: bool,
    stopped: Option<usize>,
}

/// An error from writing the output carries this marker, so that it is not
/// reported as the input file's fault.
#[derive(Debug)]
struct OutputError(io::Error);

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "writing output: {}", io_message(&self.0))
    }
}

impl std::error::Error for OutputError {}

fn output_error(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return e;
    }
    io::Error::new(e.kind(), OutputError(e))
}

fn is_output_error(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<OutputError>())
}

pub use sluice_core::error::io_message;

fn open(opts: &GrepOptions, path: &str) -> io::Result<Box<dyn Read + Send>> {
    if opts.decompress {
        return input::open(path).map(|(r, _)| r);
    }
    if path == input::STDIN {
        return Ok(Box::new(io::stdin()));
    }
    if Path::new(path).is_dir() {
        return Err(io::Error::new(io::ErrorKind::IsADirectory, "Is a directory"));
    }
    Ok(Box::new(File::open(path)?))
}

fn search_path(
    opts: &GrepOptions,
    path: &str,
    shown: &str,
    out: &mut dyn Write,
    each: Option<&mut Each<'_>>,
    warn: &mut dyn FnMut(String),
    stop: &Stop,
) -> io::Result<Found> {
    if opts.mmap && !opts.follow && !opts.decompress && path != input::STDIN {
        return search_mapped(opts, path, shown, out, each, warn);
    }
    let reader = open(opts, path)?;
    let mut select = Select::new(opts, shown, out, each);
    let mut found = Found::default();
    if opts.max_count == Some(0) {
        select.finish().map_err(output_error)?;
        return Ok(found);
    }
    let inode = (path != input::STDIN).then(|| std::fs::metadata(path).map(|m| m.ino()).ok()).flatten();
    let mut lb = LineBuffer::with_limits(reader, opts.buffer, opts.max_line_bytes);
    lb.hold_partial(opts.follow);
    let mut number = 1u64;
    let mut current_inode = inode;
    let clock = SystemClock::new(Some(stop.clone()));
    'file: loop {
        match search(opts, &mut lb, &mut number, &mut select, warn, shown, stop)? {
            Searched::Done => break 'file,
            Searched::Stopped(signal) => {
                found.stopped = Some(signal);
                break 'file;
            }
            Searched::Errors => found.errors = true,
            Searched::End => {}
        }
        if !opts.follow || path == input::STDIN {
            check_changed(path, &lb, warn, shown);
            break;
        }
        // --follow: wait for more, and notice rotation.
        if let Some(signal) = stop.requested() {
            // Ctrl-C is how a follow ends: not a failure.
            let _ = signal;
            break;
        }
        clock.sleep(Duration::from_millis(100));
        match std::fs::metadata(path) {
            Ok(meta) if Some(meta.ino()) != current_inode => {
                // Renamed away and recreated: finish the old file, whose last
                // line is now final, then start the new one from the top.
                lb.resume();
                lb.hold_partial(false);
                let _ = search(opts, &mut lb, &mut number, &mut select, warn, shown, stop)?;
                lb = LineBuffer::with_limits(open(opts, path)?, opts.buffer, opts.max_line_bytes);
                lb.hold_partial(true);
                current_inode = Some(meta.ino());
                number = 1;
            }
            Ok(meta) if meta.len() < lb.read_so_far() => {
                // Copied and truncated in place: what is there now is new.
                lb = LineBuffer::with_limits(open(opts, path)?, opts.buffer, opts.max_line_bytes);
                lb.hold_partial(true);
                number = 1;
            }
            // Missing for a moment during a rotation: keep waiting.
            _ => lb.resume(),
        }
    }
    found.selected = select.selected > 0;
    finish(&mut select, warn, shown)?;
    Ok(found)
}

/// The `--mmap` path: the whole file is one region.
#[allow(unsafe_code)]
fn search_mapped(
    opts: &GrepOptions,
    path: &str,
    shown: &str,
    out: &mut dyn Write,
    each: Option<&mut Each<'_>>,
    warn: &mut dyn FnMut(String),
) -> io::Result<Found> {
    if Path::new(path).is_dir() {
        return Err(io::Error::new(io::ErrorKind::IsADirectory, "Is a directory"));
    }
    let file = File::open(path)?;
    // SAFETY: the map is only read, while the file stays open. If another
    // process truncates the file meanwhile, reading the lost pages raises
    // SIGBUS and ends the process: the reason this path is opt-in.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    let data: &[u8] = &map;
    let mut select = Select::new(opts, shown, out, each);
    let mut number = 1;
    if opts.max_count != Some(0) && !data.is_empty() {
        select_region(opts, data, &mut number, &mut select)?;
    }
    let found = Found { selected: select.selected > 0, ..Found::default() };
    finish(&mut select, warn, shown)?;
    Ok(found)
}

/// Prints what ends a file (a count, a name), then says on stderr that a
/// binary file matched, as grep does.
fn finish(select: &mut Select<'_, '_>, warn: &mut dyn FnMut(String), shown: &str) -> io::Result<()> {
    select.finish().map_err(output_error)?;
    if select.binary_matched() {
        select.flush().map_err(output_error)?;
        warn(format!("{shown}: binary file matches"));
    }
    Ok(())
}

/// Selects the lines of one region: a NUL makes the file binary from here
/// on, as in grep. Returns whether the file is done.
fn select_region(opts: &GrepOptions, region: &[u8], number: &mut u64, select: &mut Select<'_, '_>) -> io::Result<bool> {
    if !opts.text && !select.binary && memchr::memchr(0, region).is_some() {
        select.binary = true;
    }
    if select.binary {
        select_binary(opts, region, select)
    } else if opts.invert {
        select_inverted(opts, region, number, select)
    } else {
        select_matches(opts, region, number, opts.line_number, select)
    }
    .map_err(output_error)
}

/// Warns when a file changed under a search that is not following it.
fn check_changed<R: Read>(path: &str, lb: &LineBuffer<R>, warn: &mut dyn FnMut(String), shown: &str) {
    if path == input::STDIN {
        return;
    }
    match std::fs::metadata(path) {
        Err(_) => warn(format!("{shown}: file was deleted while being searched; searched what was read")),
        Ok(m) if m.len() < lb.read_so_far() => {
            warn(format!("{shown}: file was truncated while being searched; searched what was read"))
        }
        Ok(m) if m.len() > lb.read_so_far() && m.is_file() => warn(format!(
            "{shown}: file grew while being searched; lines added after its end was reached were not searched (use --follow)"
        )),
        Ok(_) => {}
    }
}

/// How a pass over the buffered input ended.
enum Searched {
    /// The input ran out.
    End,
    /// The input ran out, and a line was too long.
    Errors,
    /// Nothing more is wanted from this file (-l, -q, -m, binary).
    Done,
    /// A signal asked to stop.
    Stopped(usize),
}

/// Searches everything the line buffer can give until the end of input.
fn search<R: Read>(
    opts: &GrepOptions,
    lb: &mut LineBuffer<R>,
    number: &mut u64,
    select: &mut Select<'_, '_>,
    warn: &mut dyn FnMut(String),
    shown: &str,
    stop: &Stop,
) -> io::Result<Searched> {
    let mut errors = false;
    loop {
        if let Some(signal) = stop.requested() {
            return Ok(Searched::Stopped(signal));
        }
        let range = match lb.region()? {
            Region::End => return Ok(if errors { Searched::Errors } else { Searched::End }),
            Region::TooLong { len, offset } => {
                // Lines are counted only for -n (counting costs a quarter of
                // a search); without it the line is named by its offset.
                let at = if opts.line_number {
                    format!("{shown}:{number}")
                } else {
                    format!("{shown}: the line at byte {offset}")
                };
                warn(format!("{at}: line of {len} bytes is longer than --max-line-bytes; skipped"));
                *number += 1;
                errors = true;
                continue;
            }
            Region::Lines { range, offset } => {
                select.base = offset;
                range
            }
        };
        let done = select_region(opts, &lb.buffer()[range.clone()], number, select)?;
        lb.consume(range.end);
        if done {
            return Ok(Searched::Done);
        }
    }
}

/// Lines that match, found a whole region at a time. Returns whether the
/// file is done.
#[inline]
fn select_matches(
    opts: &GrepOptions,
    region: &[u8],
    number: &mut u64,
    count: bool,
    select: &mut Select<'_, '_>,
) -> io::Result<bool> {
    let end = region.len();
    let printing = !(opts.count || opts.quiet || opts.files_with_matches || select.binary);
    let whole_lines = printing || !matches!(opts.matcher, Matcher::Literal(_));
    let mut pos = 0;
    while pos < end {
        let Some((ms, me)) = opts.matcher.find(&region[pos..]) else { break };
        let (ms, me) = (pos + ms, pos + me);
        // An empty match after the region's last newline is no line.
        if ms == end && region[end - 1] == b'\n' {
            break;
        }
        // The line's start is needed only to print it or to check a regex
        // on it alone; a count of literal matches skips the search back.
        let ls = if whole_lines { memchr::memrchr(b'\n', &region[pos..ms]).map_or(pos, |i| pos + i + 1) } else { ms };
        let le = memchr::memchr(b'\n', &region[ms..]).map_or(end, |i| ms + i);
        if count {
            // No newline lies between the line's start and the match.
            *number += count_newlines(&region[pos..ms]);
        }
        // A regex match may run on past the line's end; then the line must
        // match on its own.
        let line = &region[ls..le];
        if (me <= le || opts.matcher.is_match(line)) && select.line(line, *number, ls)? {
            return Ok(true);
        }
        *number += 1;
        pos = le + 1;
    }
    if count && pos < end {
        *number += count_newlines(&region[pos..]);
        if region[end - 1] != b'\n' {
            *number += 1;
        }
    }
    Ok(false)
}

/// Lines that do not match, one by one.
fn select_inverted(
    opts: &GrepOptions,
    region: &[u8],
    number: &mut u64,
    select: &mut Select<'_, '_>,
) -> io::Result<bool> {
    let mut pos = 0;
    while pos < region.len() {
        let le = memchr::memchr(b'\n', &region[pos..]).map_or(region.len(), |i| pos + i);
        let line = &region[pos..le];
        if !opts.matcher.is_match(line) && select.line(line, *number, pos)? {
            return Ok(true);
        }
        *number += 1;
        pos = le + 1;
    }
    Ok(false)
}

/// A binary file's lines: like GNU grep, a NUL ends a line as a newline
/// does, so counts and `-v` agree with it. No line is printed.
fn select_binary(opts: &GrepOptions, region: &[u8], select: &mut Select<'_, '_>) -> io::Result<bool> {
    let mut pos = 0;
    while pos < region.len() {
        let le = memchr::memchr2(b'\n', 0, &region[pos..]).map_or(region.len(), |i| pos + i);
        if opts.matcher.is_match(&region[pos..le]) != opts.invert && select.line(&region[pos..le], 0, pos)? {
            return Ok(true);
        }
        pos = le + 1;
    }
    Ok(false)
}

/// Newlines in `b`. Summed in u8 lanes per 64 bytes, which the compiler
/// turns into vector compares: ten times the speed of a plain filter-count.
#[inline]
pub(crate) fn count_newlines(b: &[u8]) -> u64 {
    let mut chunks = b.chunks_exact(64);
    let mut n = 0u64;
    for chunk in chunks.by_ref() {
        let lanes: u8 = chunk.iter().fold(0u8, |s, &c| s + u8::from(c == b'\n'));
        n += u64::from(lanes);
    }
    n + chunks.remainder().iter().filter(|&&c| c == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    #[test]
    fn count_newlines_counts_every_one() {
        let data: Vec<u8> = (0..1000u32).map(|i| if i % 7 == 0 || i > 900 { b'\n' } else { b'x' }).collect();
        for start in [0, 1, 63, 64, 65, 500] {
            let want = data[start..].iter().filter(|&&c| c == b'\n').count() as u64;
            assert_eq!(super::count_newlines(&data[start..]), want);
        }
    }
}
