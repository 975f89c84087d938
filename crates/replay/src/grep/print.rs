//! Printing selected lines exactly as GNU grep does (in the C locale).

use std::io::{self, Write};

use super::GrepOptions;

// GNU grep's default colours (GREP_COLORS): match, file name, line number,
// separator; each followed by "erase to end of line".
const MATCH: &[u8] = b"\x1b[01;31m\x1b[K";
const NAME: &[u8] = b"\x1b[35m\x1b[K";
const NUMBER: &[u8] = b"\x1b[32m\x1b[K";
const SEP: &[u8] = b"\x1b[36m\x1b[K";
const END: &[u8] = b"\x1b[m\x1b[K";

/// A consumer of selected lines, instead of printing them: it is given the
/// file's name, the line (without its `\n`), its number and its byte
/// offset.
pub type Each<'e> = dyn FnMut(&str, &[u8], u64, u64) -> io::Result<()> + 'e;

/// What a file has selected so far, and where it goes.
pub(super) struct Select<'a, 'e> {
    opts: &'a GrepOptions,
    name: &'a str,
    out: &'a mut dyn Write,
    each: Option<&'a mut Each<'e>>,
    /// Input offset of the region being searched.
    pub base: u64,
    /// Lines selected in this file.
    pub selected: u64,
    /// A NUL has been seen: lines are no longer printed.
    pub binary: bool,
    highlights: Vec<(usize, usize)>,
}

impl<'a, 'e> Select<'a, 'e> {
    pub fn new(
        opts: &'a GrepOptions,
        name: &'a str,
        out: &'a mut dyn Write,
        each: Option<&'a mut Each<'e>>,
    ) -> Select<'a, 'e> {
        Select { opts, name, out, each, base: 0, selected: 0, binary: false, highlights: Vec::new() }
    }

    /// Takes one selected line (without its `\n`), found at `at` in the
    /// region; `true` when the file wants no more.
    #[inline]
    pub fn line(&mut self, line: &[u8], number: u64, at: usize) -> io::Result<bool> {
        self.selected += 1;
        let o = self.opts;
        let full = o.max_count.is_some_and(|m| self.selected >= m);
        if let Some(each) = &mut self.each {
            if !self.binary {
                each(self.name, line, number, self.base + at as u64)?;
            }
            return Ok(full);
        }
        if o.quiet || o.files_with_matches {
            return Ok(true);
        }
        if o.count {
            return Ok(full);
        }
        if self.binary {
            // grep prints no line of a binary file; `finish` says it matched.
            return Ok(true);
        }
        if o.with_filename {
            self.name()?;
            self.sep()?;
        }
        if o.line_number {
            self.paint(NUMBER, number.to_string().as_bytes())?;
            self.sep()?;
        }
        if o.color {
            o.matcher.highlights(line, &mut self.highlights);
            let mut at = 0;
            for &(s, e) in &self.highlights {
                self.out.write_all(&line[at..s])?;
                self.out.write_all(MATCH)?;
                self.out.write_all(&line[s..e])?;
                self.out.write_all(END)?;
                at = e;
            }
            self.out.write_all(&line[at..])?;
        } else {
            self.out.write_all(line)?;
        }
        self.out.write_all(b"\n")?;
        Ok(full)
    }

    /// What is printed once the file is done: a count, a name, or nothing.
    /// A binary file's match is reported on stderr by the caller.
    pub fn finish(&mut self) -> io::Result<()> {
        let o = self.opts;
        if o.quiet {
            return Ok(());
        }
        if o.files_with_matches {
            if self.selected > 0 {
                self.name()?;
                self.out.write_all(b"\n")?;
            }
            return Ok(());
        }
        if o.count {
            if o.with_filename {
                self.name()?;
                self.sep()?;
            }
            writeln!(self.out, "{}", self.selected)?;
        }
        Ok(())
    }

    /// Whether grep would say "binary file matches" for this file.
    pub fn binary_matched(&self) -> bool {
        let o = self.opts;
        self.binary && self.selected > 0 && !(o.quiet || o.files_with_matches || o.count)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn name(&mut self) -> io::Result<()> {
        let name = self.name.as_bytes();
        if self.opts.color { self.paint(NAME, name) } else { self.out.write_all(name) }
    }

    fn sep(&mut self) -> io::Result<()> {
        if self.opts.color { self.paint(SEP, b":") } else { self.out.write_all(b":") }
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
}
