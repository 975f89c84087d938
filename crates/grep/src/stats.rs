//! `--stats`: ripgrep's figures for a search, gathered by a sink that
//! stands in front of the printer.

use std::io::{self, Write};
use std::time::Duration;

use crate::GrepOptions;
use crate::sink::{Sink, SinkContext, SinkFinish, SinkMatch};

/// What a search did, as ripgrep's `--stats` counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Matches in the selected lines (none with `-v`: its lines hold none).
    pub matches: u64,
    /// Lines selected.
    pub matched_lines: u64,
    /// Files with a selected line.
    pub files_with_matches: u64,
    /// Files searched.
    pub files_searched: u64,
    /// Bytes written to the output.
    pub bytes_printed: u64,
    /// Bytes read from the files.
    pub bytes_searched: u64,
    /// Time spent searching.
    pub searching: Duration,
}

impl Stats {
    /// ripgrep's lines, after a blank one; `total` is the whole run's time.
    pub fn report(&self, total: Duration) -> String {
        format!(
            "\n{} matches\n{} matched lines\n{} files contained matches\n{} files searched\n{} bytes printed\n\
             {} bytes searched\n{:.6} seconds spent searching\n{:.6} seconds\n",
            self.matches,
            self.matched_lines,
            self.files_with_matches,
            self.files_searched,
            self.bytes_printed,
            self.bytes_searched,
            self.searching.as_secs_f64(),
            total.as_secs_f64()
        )
    }
}

/// A sink that counts what passes to `inner`.
pub(crate) struct Counting<'o, S> {
    pub(crate) inner: S,
    opts: &'o GrepOptions,
    pub(crate) stats: Stats,
    spans: Vec<(usize, usize)>,
}

impl<'o, S> Counting<'o, S> {
    pub(crate) fn new(inner: S, opts: &'o GrepOptions) -> Counting<'o, S> {
        Counting { inner, opts, stats: Stats::default(), spans: Vec::new() }
    }
}

impl<S: Sink> Sink for Counting<'_, S> {
    /// Whole lines, so that every match in them is counted.
    fn wants_lines(&self) -> bool {
        true
    }

    fn start(&mut self, size: Option<u64>) {
        self.stats.files_searched += 1;
        self.inner.start(size);
    }

    fn matched(&mut self, m: &SinkMatch<'_>) -> io::Result<bool> {
        self.stats.matched_lines += 1;
        self.stats.matches += matches_in(self.opts, m.line, &mut self.spans);
        self.inner.matched(m)
    }

    fn context(&mut self, c: &SinkContext<'_>) -> io::Result<()> {
        self.inner.context(c)
    }

    fn context_break(&mut self) -> io::Result<()> {
        self.inner.context_break()
    }

    fn finish(&mut self, end: &SinkFinish<'_>) -> io::Result<()> {
        self.stats.files_with_matches += u64::from(end.selected > 0);
        self.stats.bytes_searched += end.bytes;
        self.inner.finish(end)
    }

    fn notes_binary_matches(&self) -> bool {
        self.inner.notes_binary_matches()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The matches ripgrep counts in a selected line, their spans left in
/// `spans`: none with `-v` (its lines hold none), and at least one
/// otherwise (a pattern that matches empty still selected the line).
pub(crate) fn matches_in(opts: &GrepOptions, line: &[u8], spans: &mut Vec<(usize, usize)>) -> u64 {
    spans.clear();
    if opts.invert {
        return 0;
    }
    opts.matcher.highlights(line, spans);
    spans.len().max(1) as u64
}

/// A writer that counts the bytes through it.
pub(crate) struct Counted<W> {
    pub(crate) inner: W,
    pub(crate) bytes: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
