//! Printing selected lines exactly as GNU grep does (in the C locale).

use std::io::{self, Write};

use crate::GrepOptions;
use crate::sink::{Sink, SinkFinish, SinkMatch};

// GNU grep's default colours (GREP_COLORS): match, file name, line number,
// separator; each followed by "erase to end of line".
const MATCH: &[u8] = b"\x1b[01;31m\x1b[K";
const NAME: &[u8] = b"\x1b[35m\x1b[K";
const NUMBER: &[u8] = b"\x1b[32m\x1b[K";
const SEP: &[u8] = b"\x1b[36m\x1b[K";
const END: &[u8] = b"\x1b[m\x1b[K";

/// GNU grep's output: lines with their name and number, or per-file counts
/// (`-c`), or the names of files with a selected line (`-l`), or nothing
/// (`-q`); coloured when asked.
pub struct Standard<'a, W> {
    opts: &'a GrepOptions,
    out: W,
    highlights: Vec<(usize, usize)>,
}

impl<'a, W: Write> Standard<'a, W> {
    /// A printer of what `opts` asks for, to `out`.
    pub fn new(opts: &'a GrepOptions, out: W) -> Standard<'a, W> {
        Standard { opts, out, highlights: Vec::new() }
    }

    fn name(&mut self, name: &[u8]) -> io::Result<()> {
        self.paint(NAME, name)
    }

    fn sep(&mut self) -> io::Result<()> {
        self.paint(SEP, b":")
    }

    fn paint(&mut self, colour: &[u8], text: &[u8]) -> io::Result<()> {
        if self.opts.color {
            self.out.write_all(colour)?;
            self.out.write_all(text)?;
            self.out.write_all(END)
        } else {
            self.out.write_all(text)
        }
    }

    fn line(&mut self, line: &[u8]) -> io::Result<()> {
        if !self.opts.color {
            return self.out.write_all(line);
        }
        self.opts.matcher.highlights(line, &mut self.highlights);
        let mut at = 0;
        for &(s, e) in &self.highlights {
            self.out.write_all(&line[at..s])?;
            self.out.write_all(MATCH)?;
            self.out.write_all(&line[s..e])?;
            self.out.write_all(END)?;
            at = e;
        }
        self.out.write_all(&line[at..])
    }
}

impl<W: Write> Sink for Standard<'_, W> {
    fn wants_lines(&self) -> bool {
        let o = self.opts;
        !(o.count || o.quiet || o.files_with_matches)
    }

    #[inline]
    fn matched(&mut self, m: &SinkMatch<'_>) -> io::Result<bool> {
        let o = self.opts;
        if o.quiet || o.files_with_matches {
            return Ok(false);
        }
        if o.count {
            return Ok(true);
        }
        if m.binary {
            // grep prints no line of a binary file; the searcher says it
            // matched once the file is done.
            return Ok(false);
        }
        if o.with_filename {
            self.name(m.file)?;
            self.sep()?;
        }
        if o.line_number {
            self.paint(NUMBER, m.number.to_string().as_bytes())?;
            self.sep()?;
        }
        self.line(m.line)?;
        self.out.write_all(b"\n")?;
        Ok(true)
    }

    /// A count, a name, or nothing.
    fn finish(&mut self, end: &SinkFinish<'_>) -> io::Result<()> {
        let o = self.opts;
        if o.quiet {
            return Ok(());
        }
        if o.files_with_matches {
            if end.selected > 0 {
                self.name(end.file)?;
                self.out.write_all(b"\n")?;
            }
            return Ok(());
        }
        if o.count {
            if o.with_filename {
                self.name(end.file)?;
                self.sep()?;
            }
            writeln!(self.out, "{}", end.selected)?;
        }
        Ok(())
    }

    fn notes_binary_matches(&self) -> bool {
        let o = self.opts;
        !(o.quiet || o.files_with_matches || o.count)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
