//! What the searcher reports to: a printer, a counter or a pipeline feed is
//! each one implementation of [`Sink`].

use std::io;

/// A selected line, as the searcher hands it over.
#[derive(Clone, Copy, Debug)]
pub struct SinkMatch<'a> {
    /// The file as it is shown (`(standard input)`, or `--label`, for
    /// stdin): bytes, as a file name may not be UTF-8.
    pub file: &'a [u8],
    /// The line, without its `\n`. When the sink does not want whole lines
    /// ([`Sink::wants_lines`]) it may start at the match instead.
    pub line: &'a [u8],
    /// The line's number from 1, when the search counts lines
    /// ([`crate::GrepOptions::line_number`]); otherwise 1 or 0.
    pub number: u64,
    /// Where the line starts in the input, in bytes.
    pub offset: u64,
    /// The file holds a NUL: it is binary, and grep prints none of its
    /// lines (a NUL ends a line here, as a newline does).
    pub binary: bool,
}

/// A line printed for context around selected ones (`-A`, `-B`, `-C`).
#[derive(Clone, Copy, Debug)]
pub struct SinkContext<'a> {
    /// The file as it is shown.
    pub file: &'a [u8],
    /// The line, without its `\n`.
    pub line: &'a [u8],
    /// The line's number from 1 (context is always numbered).
    pub number: u64,
    /// Where the line starts in the input, in bytes.
    pub offset: u64,
}

/// The end of one file's search.
#[derive(Clone, Copy, Debug)]
pub struct SinkFinish<'a> {
    /// The file as it is shown.
    pub file: &'a [u8],
    /// Lines selected in it.
    pub selected: u64,
    /// It turned out binary.
    pub binary: bool,
    /// Where the NUL that made it binary lies, when it did.
    pub binary_offset: Option<u64>,
    /// Bytes read of it (of its window, with `--since`/`--until`).
    pub bytes: u64,
}

/// A consumer of a search's results.
pub trait Sink {
    /// Whether [`SinkMatch::line`] must be the whole line. A sink that only
    /// counts says no, and a literal search skips finding line starts.
    /// Default: yes.
    fn wants_lines(&self) -> bool {
        true
    }

    /// Called once per file before anything else about it, with its size
    /// when it is a regular file (GNU grep's `-T` pads numbers to the
    /// width of that size). Default: nothing.
    fn start(&mut self, size: Option<u64>) {
        let _ = size;
    }

    /// Called for each selected line, in file order. `Ok(true)` goes on
    /// with the file, `Ok(false)` ends it (`-l`, `-q`); an error ends the
    /// whole search as an output error.
    fn matched(&mut self, m: &SinkMatch<'_>) -> io::Result<bool>;

    /// Called for a line of context, in file order between the selected
    /// lines, when context was asked for. Default: nothing.
    fn context(&mut self, c: &SinkContext<'_>) -> io::Result<()> {
        let _ = c;
        Ok(())
    }

    /// Called between two groups of lines that are not adjacent, when
    /// context was asked for (GNU grep prints `--`). Default: nothing.
    fn context_break(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Called when `--follow` opens a file, and again when it opens the
    /// file now under the name after a rotation, with its identity.
    /// Default: nothing.
    fn opened(&mut self, file: &[u8], id: crate::checkpoint::FileId) {
        let _ = (file, id);
    }

    /// Called once per file searched, after its last line, however the
    /// file ended (its end, `-m`, the sink's own `false`). Default: nothing.
    fn finish(&mut self, end: &SinkFinish<'_>) -> io::Result<()> {
        let _ = end;
        Ok(())
    }

    /// Whether a binary file with a selected line gets grep's notice
    /// ("binary file matches") on stderr. Default: yes.
    fn notes_binary_matches(&self) -> bool {
        true
    }

    /// Pushes out what the sink holds, so that a message on stderr comes
    /// after the lines printed before it. Default: nothing to push.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn wants_lines(&self) -> bool {
        (**self).wants_lines()
    }
    fn start(&mut self, size: Option<u64>) {
        (**self).start(size)
    }

    fn matched(&mut self, m: &SinkMatch<'_>) -> io::Result<bool> {
        (**self).matched(m)
    }
    fn context(&mut self, c: &SinkContext<'_>) -> io::Result<()> {
        (**self).context(c)
    }
    fn context_break(&mut self) -> io::Result<()> {
        (**self).context_break()
    }
    fn finish(&mut self, end: &SinkFinish<'_>) -> io::Result<()> {
        (**self).finish(end)
    }
    fn opened(&mut self, file: &[u8], id: crate::checkpoint::FileId) {
        (**self).opened(file, id)
    }
    fn notes_binary_matches(&self) -> bool {
        (**self).notes_binary_matches()
    }
    fn flush(&mut self) -> io::Result<()> {
        (**self).flush()
    }
}
