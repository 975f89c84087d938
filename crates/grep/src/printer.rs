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
    /// `-T`: the width numbers are padded to, from the file's size.
    width: usize,
}

impl<'a, W: Write> Standard<'a, W> {
    /// A printer of what `opts` asks for, to `out`.
    pub fn new(opts: &'a GrepOptions, out: W) -> Standard<'a, W> {
        Standard { opts, out, highlights: Vec::new(), width: 0 }
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

    /// What comes before a line's text of `len` bytes: name, number and
    /// offset, each when asked for, and `-T`'s tab.
    fn prefix(&mut self, file: &[u8], number: u64, offset: u64, sep: u8, len: usize) -> io::Result<()> {
        let o = self.opts;
        if o.with_filename {
            self.name(file, sep)?;
        }
        if o.line_number {
            self.number(number)?;
            self.sep(sep)?;
        }
        if o.byte_offset {
            self.number(offset)?;
            self.sep(sep)?;
        }
        if o.initial_tab && (o.with_filename || o.line_number || o.byte_offset) && len != 0 {
            self.out.write_all(b"\t")?;
        }
        Ok(())
    }

    /// A line number or offset, in decimal, right-aligned to `-T`'s width;
    /// formatted on the stack: it is written for every line printed.
    fn number(&mut self, n: u64) -> io::Result<()> {
        let mut buf = [b' '; 20];
        let digits = sluice_core::record::u64_digits(n, &mut buf).len();
        // The digits are at the end of `buf`, spaces before them.
        let from = (buf.len() - digits).min(buf.len().saturating_sub(self.width));
        self.paint(NUMBER, &buf[from..])
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

    /// A line's text and its end, its matches highlighted when colour is
    /// asked for and `matching`.
    fn line(&mut self, line: &[u8], matching: bool) -> io::Result<()> {
        if !self.opts.color || !matching {
            self.text(line)?;
            return self.eol();
        }
        self.opts.matcher.highlights(line, &mut self.highlights);
        let mut at = 0;
        let highlights = std::mem::take(&mut self.highlights);
        for &(s, e) in &highlights {
            self.text(&line[at..s])?;
            self.out.write_all(MATCH)?;
            self.text(&line[s..e])?;
            self.out.write_all(END)?;
            at = e;
        }
        self.highlights = highlights;
        self.text(&line[at..])?;
        self.eol()
    }

    /// Bytes of a line as they were in the input: under `-z` the searcher
    /// sees its newlines as NULs (see the null_data module).
    fn text(&mut self, text: &[u8]) -> io::Result<()> {
        if self.opts.null_data {
            crate::null_data::write_restored(&mut self.out, text)
        } else {
            self.out.write_all(text)
        }
    }

    /// The end of a line: a NUL under `-z`.
    fn eol(&mut self) -> io::Result<()> {
        self.out.write_all(if self.opts.null_data { b"\0" } else { b"\n" })
    }

    /// `-o`: each non-empty match of a line on a line of its own, after
    /// `sep` (`:` selected, `-` context).
    fn parts(&mut self, (file, line, number, offset): (&[u8], &[u8], u64, u64), sep: u8) -> io::Result<()> {
        self.opts.matcher.highlights(line, &mut self.highlights);
        let parts = std::mem::take(&mut self.highlights);
        for &(s, e) in &parts {
            self.prefix(file, number, offset + s as u64, sep, e - s)?;
            if self.opts.color {
                self.out.write_all(MATCH)?;
                self.text(&line[s..e])?;
                self.out.write_all(END)?;
            } else {
                self.text(&line[s..e])?;
            }
            self.eol()?;
        }
        self.highlights = parts;
        Ok(())
    }
}

impl<W: Write> Sink for Standard<'_, W> {
    fn start(&mut self, size: Option<u64>) {
        if self.opts.initial_tab {
            // GNU grep's width: the digits of the size (plus one with -n),
            // or of the largest count when the size is not known.
            let most = size.map_or(i64::MAX as u64, |s| s + u64::from(self.opts.line_number));
            self.width = most.checked_ilog10().unwrap_or(0) as usize + 1;
        }
    }

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
        // As GNU grep has it, the matches shown (by -o, or in colour) are
        // those of a line that matches: a selected one, or under -v a
        // context one. Any other holds none, but for a line after -m's
        // last, printed as context.
        if o.only_matching {
            if !o.invert {
                self.parts((m.file, m.line, m.number, m.offset), b':')?;
            }
            return Ok(true);
        }
        self.prefix(m.file, m.number, m.offset, b':', m.line.len())?;
        self.line(m.line, !o.invert)?;
        Ok(true)
    }

    fn context(&mut self, c: &SinkContext<'_>) -> io::Result<()> {
        let o = self.opts;
        if o.only_matching {
            return match o.invert {
                true => self.parts((c.file, c.line, c.number, c.offset), b'-'),
                false => Ok(()),
            };
        }
        self.prefix(c.file, c.number, c.offset, b'-', c.line.len())?;
        self.line(c.line, o.invert)
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
