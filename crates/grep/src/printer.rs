//! Printing selected lines exactly as GNU grep does (in the C locale).

use std::io::{self, Write};

use crate::GrepOptions;
use crate::sink::{Sink, SinkContext, SinkFinish, SinkMatch};

// GNU grep's default colours (GREP_COLORS): match, file name, line number,
// separator; each followed by "erase to end of line".
const MATCH: &[u8] = b"\x1b[01;31m\x1b[K";
const NAME: &[u8] = b"\x1b[35m\x1b[K";
const NUMBER: &[u8] = b"\x1b[32m\x1b[K";
const SEP: &[u8] = b"\x1b[36m\x1b[K";
const END: &[u8] = b"\x1b[m\x1b[K";

/// GNU grep's output: lines with their name, number and offset, or only
/// the matched parts (`-o`), or per-file counts (`-c`), or the names of
/// files with (`-l`) or without (`-L`) a selected line, or nothing (`-q`);
/// context lines and group separators; coloured when asked.
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

    /// The file name and its separator: `:` for a selected line, `-` for
    /// context, or a NUL with `-Z`.
    fn name(&mut self, name: &[u8], sep: u8) -> io::Result<()> {
        self.paint(NAME, name)?;
        if self.opts.null { self.out.write_all(b"\0") } else { self.sep(sep) }
    }

    fn sep(&mut self, sep: u8) -> io::Result<()> {
        self.paint(SEP, &[sep])
    }

    /// What comes before a line's text: name, number and offset, each when
    /// asked for.
    fn prefix(&mut self, file: &[u8], number: u64, offset: u64, sep: u8) -> io::Result<()> {
        let o = self.opts;
        if o.with_filename {
            self.name(file, sep)?;
        }
        if o.line_number {
            self.paint(NUMBER, number.to_string().as_bytes())?;
            self.sep(sep)?;
        }
        if o.byte_offset {
            self.paint(NUMBER, offset.to_string().as_bytes())?;
            self.sep(sep)?;
        }
        Ok(())
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

    /// `-o`: each non-empty match of a selected line on a line of its own.
    fn parts(&mut self, m: &SinkMatch<'_>) -> io::Result<()> {
        if self.opts.invert {
            // The selected lines hold no match to print.
            return Ok(());
        }
        self.opts.matcher.highlights(m.line, &mut self.highlights);
        let parts = std::mem::take(&mut self.highlights);
        for &(s, e) in &parts {
            self.prefix(m.file, m.number, m.offset + s as u64, b':')?;
            self.paint(MATCH, &m.line[s..e])?;
            self.out.write_all(b"\n")?;
        }
        self.highlights = parts;
        Ok(())
    }
}

impl<W: Write> Sink for Standard<'_, W> {
    fn wants_lines(&self) -> bool {
        let o = self.opts;
        !(o.count || o.quiet || o.files_with_matches || o.files_without_match)
    }

    #[inline]
    fn matched(&mut self, m: &SinkMatch<'_>) -> io::Result<bool> {
        let o = self.opts;
        if o.quiet || o.files_with_matches || o.files_without_match {
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
        if o.only_matching {
            self.parts(m)?;
            return Ok(true);
        }
        self.prefix(m.file, m.number, m.offset, b':')?;
        self.line(m.line)?;
        self.out.write_all(b"\n")?;
        Ok(true)
    }

    fn context(&mut self, c: &SinkContext<'_>) -> io::Result<()> {
        self.prefix(c.file, c.number, c.offset, b'-')?;
        self.out.write_all(c.line)?;
        self.out.write_all(b"\n")
    }

    fn context_break(&mut self) -> io::Result<()> {
        if let Some(sep) = &self.opts.group_separator {
            self.paint(SEP, sep)?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// A count, a name, or nothing.
    fn finish(&mut self, end: &SinkFinish<'_>) -> io::Result<()> {
        let o = self.opts;
        if o.quiet {
            return Ok(());
        }
        let listed = (o.files_with_matches && end.selected > 0) || (o.files_without_match && end.selected == 0);
        if o.files_with_matches || o.files_without_match {
            if listed {
                self.paint(NAME, end.file)?;
                self.out.write_all(if o.null { b"\0" } else { b"\n" })?;
            }
            return Ok(());
        }
        if o.count {
            if o.with_filename {
                self.name(end.file, b':')?;
            }
            writeln!(self.out, "{}", end.selected)?;
        }
        Ok(())
    }

    fn notes_binary_matches(&self) -> bool {
        let o = self.opts;
        !(o.quiet || o.files_with_matches || o.files_without_match || o.count)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
