//! `sluice grep`: selected lines out of files, as GNU grep selects and
//! prints them, searched a whole buffer at a time.
//!
//! Shaped as three parts:
//! - a [`Matcher`] says whether, and where, a pattern matches;
//! - the searcher ([`search`]) walks each file's buffer, decides which
//!   lines are selected (`-v`, `-m`, binary files, `--follow`) and hands
//!   them to a [`Sink`];
//! - sinks consume them: [`Standard`] prints GNU grep's output, and
//!   [`GrepFeed`] turns them into a pipeline source (`sluice grep --sink`).

#![warn(missing_docs)]

mod blocks;
mod caseless;
pub mod checkpoint;
mod context;
mod feed;
mod followed;
mod json;
mod longest;
mod many;
mod matcher;
mod null_data;
mod operands;
mod parallel;
mod printer;
mod records;
mod searcher;
mod sink;
mod stats;
mod syntax;
mod walk;
mod window;

use std::io::{self, Write};

use sluice_core::Stop;

pub use feed::{GrepFeed, Status, Warn};
pub use longest::Longest;
pub use matcher::{MatchOptions, Matcher, PatternError};
pub use parallel::DEFAULT_CHUNK;
pub use printer::Standard;
pub use searcher::search;
pub use sink::{Sink, SinkContext, SinkFinish, SinkMatch};
pub use stats::Stats;
pub use syntax::Syntax;
pub use walk::Recurse;
pub use window::Window;

/// Bytes read at a time by default: large reads keep the search ahead of
/// the copy from the page cache.
pub const DEFAULT_BUFFER: usize = 1 << 20;

/// What `sluice grep` was asked to do.
#[derive(Clone, Debug)]
pub struct GrepOptions {
    /// The pattern.
    pub matcher: Matcher,
    /// Select the lines that do not match (`-v`).
    pub invert: bool,
    /// Print a count of selected lines per file (`-c`).
    pub count: bool,
    /// Count lines, and prefix printed lines with their number (`-n`).
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
    pub buffer: usize,
    /// The name shown for stdin (`--label`). Default: `(standard input)`.
    pub label: Option<Vec<u8>>,
    /// Say nothing of files that cannot be read (`-s`); the status still
    /// tells.
    pub no_messages: bool,
    /// Lines of context before and after each selected line (`-B`, `-A`,
    /// `-C`); `None` when none was asked for, which also means no group
    /// separators.
    pub context: Option<(u64, u64)>,
    /// What is printed between groups of context (`--group-separator`);
    /// `None` prints nothing (`--no-group-separator`). Default: `--`.
    pub group_separator: Option<Vec<u8>>,
    /// Print only the matched parts, one per line (`-o`).
    pub only_matching: bool,
    /// Prefix lines with their byte offset (`-b`).
    pub byte_offset: bool,
    /// Print the names of files with no selected line (`-L`).
    pub files_without_match: bool,
    /// End file names with a NUL instead of `:` or a newline (`-Z`).
    pub null: bool,
    /// Lines end with a NUL instead of a newline, in and out (`-z`); a
    /// NUL then says nothing about binary files.
    pub null_data: bool,
    /// Pad line numbers and byte offsets to the width of the file's size,
    /// and put a tab before a line's text (`-T`).
    pub initial_tab: bool,
    /// Pass over directories named as operands (`-d skip`).
    pub skip_dirs: bool,
    /// Pass over devices, FIFOs and sockets named as operands; stdin is
    /// still read (`-D skip`).
    pub skip_devices: bool,
    /// Treat a binary file as holding no match (`-I`).
    pub skip_binary: bool,
    /// Search directories' files (`-r`, `-R`), and which. Default: none.
    pub recurse: Option<Recurse>,
    /// `--include` (true) and `--exclude` (false) globs, in the order
    /// given, for the files named on the command line, with or without
    /// `-r` (GNU grep applies them to both). Default: none.
    pub operand_globs: Vec<(bool, Vec<u8>)>,
    /// Only the lines of this time window (`--since`, `--until`). Default:
    /// every line.
    pub window: Option<Window>,
    /// Search whole records: a line without a time at its head continues
    /// the record before it (`--records`). Default: lines.
    pub records: bool,
    /// Gather ripgrep's statistics (`--stats`) into [`Outcome::stats`].
    pub stats: bool,
    /// Print ripgrep's JSON Lines instead of grep's lines (`--json`);
    /// lines are then always numbered.
    pub json: bool,
    /// Threads searching one large regular file, or many files (`-j`): 0
    /// for one per core. Default: 1, one thread.
    pub threads: usize,
    /// Bytes each thread searches at a time. Default:
    /// [`DEFAULT_CHUNK`], which keeps a thread's memory under 8 MiB.
    pub chunk: u64,
    /// Where to go on in each followed file (`--checkpoint`): a file that
    /// is still the one named there is read from its offset. Default: none.
    pub resume: checkpoint::Checkpoint,
    /// Follow from each file's end, as `tail -F -n 0` (`--from-end`).
    /// Default: from the start.
    pub from_end: bool,
}

impl GrepOptions {
    /// A search for `matcher` with grep's defaults: matching lines printed
    /// as they are, no names, no numbers, no colour, binary files detected,
    /// lines up to [`sluice_io::DEFAULT_MAX_LINE`], reads of
    /// [`DEFAULT_BUFFER`].
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
            max_line_bytes: sluice_io::DEFAULT_MAX_LINE,
            follow: false,
            mmap: false,
            buffer: DEFAULT_BUFFER,
            label: None,
            no_messages: false,
            context: None,
            group_separator: Some(b"--".to_vec()),
            only_matching: false,
            byte_offset: false,
            files_without_match: false,
            null: false,
            null_data: false,
            initial_tab: false,
            skip_dirs: false,
            skip_devices: false,
            skip_binary: false,
            recurse: None,
            operand_globs: Vec::new(),
            window: None,
            records: false,
            stats: false,
            json: false,
            threads: 1,
            chunk: DEFAULT_CHUNK,
            resume: checkpoint::Checkpoint::default(),
            from_end: false,
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
    /// What the search did, when `--stats` asked.
    pub stats: Option<Stats>,
}

/// The name grep prints for standard input.
pub const STDIN_NAME: &str = "(standard input)";

/// Searches `files` (stdin for none or `-`) and prints what GNU grep would
/// to `out`; problems go to `warn` as one line each.
pub fn grep(
    opts: &GrepOptions,
    files: &[std::ffi::OsString],
    out: &mut dyn Write,
    warn: &mut dyn FnMut(String),
    stop: &Stop,
) -> io::Result<Outcome> {
    if opts.json {
        let mut printer = json::Json::new(opts, out);
        let outcome = search(opts, files, &mut printer, warn, stop)?;
        printer.summary()?;
        return Ok(outcome);
    }
    if !opts.stats {
        if let Some(threads) = many::threads(opts, files) {
            return many::search(opts, files, out, warn, stop, threads);
        }
        return search(opts, files, &mut Standard::new(opts, out), warn, stop);
    }
    let began = std::time::Instant::now();
    let mut counted = stats::Counted { inner: out, bytes: 0 };
    let mut sink = stats::Counting::new(Standard::new(opts, &mut counted), opts);
    let mut outcome = search(opts, files, &mut sink, warn, stop)?;
    let mut stats = sink.stats;
    drop(sink);
    stats.bytes_printed = counted.bytes;
    stats.searching = began.elapsed();
    outcome.stats = Some(stats);
    Ok(outcome)
}
