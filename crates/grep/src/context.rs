//! Context around selected lines (`-A`, `-B`, `-C`), line by line (with
//! `--records`, record by record): the lines before a selected one are kept
//! in a ring of at most `-B` copies, the lines after it are counted down,
//! and a separator goes between groups that do not touch, as GNU grep
//! prints them.

use std::collections::VecDeque;
use std::io;

use crate::searcher::{FileState, Searcher};
use crate::sink::{Sink, SinkContext, SinkMatch};

/// Where the context of one file stands.
#[derive(Default)]
pub(crate) struct Around {
    /// The last lines (or records) not printed, oldest first.
    before: VecDeque<(Vec<u8>, Held)>,
    /// Lines still to print after the last selected one.
    after_left: u64,
    /// The number of the last line printed in this file.
    last_out: Option<u64>,
    /// The input offset just after the last line printed.
    pub(crate) printed_to: Option<u64>,
    /// `-m` was reached: only the trailing context is left to print.
    stopping: bool,
}

/// Where a line or a record stands: its first line's number, its offset,
/// and how many lines it spans.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Held {
    number: u64,
    offset: u64,
    lines: u64,
}

impl<S: Sink + ?Sized> Searcher<'_, S> {
    /// Selects the lines of a region (with `--records`, its records), one
    /// by one, with their context. Returns whether the file is done.
    pub(crate) fn with_context(&mut self, region: &[u8], file: &mut FileState<'_>) -> io::Result<bool> {
        if self.opts.records {
            return crate::records::each(region, |text, at, lines| self.unit(file, text, at, lines));
        }
        let mut pos = 0;
        while pos < region.len() {
            let le = memchr::memchr(b'\n', &region[pos..]).map_or(region.len(), |i| pos + i);
            if self.unit(file, &region[pos..le], pos, 1)? {
                return Ok(true);
            }
            pos = le + 1;
        }
        Ok(false)
    }

    /// One unit, a line or a record of `lines` lines, at `at` in the
    /// region (`text` without its last newline): selected, context, or held
    /// for the context of one selected later. Returns whether the file is
    /// done.
    fn unit(&mut self, file: &mut FileState<'_>, text: &[u8], at: usize, lines: u64) -> io::Result<bool> {
        let (before, after) = self.opts.context.unwrap_or((0, 0));
        let (number, offset) = (file.number, file.base + at as u64);
        let unit = Held { number, offset, lines };
        if file.context.stopping {
            if file.context.after_left == 0 {
                return Ok(true);
            }
            // After -m, the trailing lines are context whatever they hold.
            self.context_line(file, text, unit)?;
            file.context.after_left -= 1;
        } else if self.opts.matcher.is_match(text) != self.opts.invert {
            while let Some((held, was)) = file.context.before.pop_front() {
                self.context_line(file, &held, was)?;
            }
            self.group_break(file, number)?;
            file.selected += 1;
            let found = SinkMatch { file: file.name, line: text, number, offset, binary: false };
            let go_on = self.sink.matched(&found).map_err(crate::searcher::output_error)?;
            (file.context.last_out, self.printed_any) = (Some(number + lines - 1), true);
            file.context.printed_to = Some(offset + text.len() as u64 + 1);
            file.context.after_left = after;
            if !go_on {
                return Ok(true);
            }
            if self.opts.max_count.is_some_and(|m| file.selected >= m) {
                file.context.stopping = true;
                if after == 0 {
                    return Ok(true);
                }
            }
        } else if file.context.after_left > 0 {
            self.context_line(file, text, unit)?;
            file.context.after_left -= 1;
        } else if before > 0 {
            // The oldest copy's memory is reused for the newest unit.
            let mut copy = if file.context.before.len() as u64 >= before {
                file.context.before.pop_front().map(|(v, _)| v).unwrap_or_default()
            } else {
                Vec::new()
            };
            copy.clear();
            copy.extend_from_slice(text);
            file.context.before.push_back((copy, unit));
        }
        file.number += lines;
        Ok(false)
    }

    fn context_line(&mut self, file: &mut FileState<'_>, text: &[u8], unit: Held) -> io::Result<()> {
        self.group_break(file, unit.number)?;
        let c = SinkContext { file: file.name, line: text, number: unit.number, offset: unit.offset };
        self.sink.context(&c).map_err(crate::searcher::output_error)?;
        (file.context.last_out, self.printed_any) = (Some(unit.number + unit.lines - 1), true);
        file.context.printed_to = Some(unit.offset + text.len() as u64 + 1);
        Ok(())
    }

    /// A separator before line `number` when it does not follow the last
    /// line printed: in this file, or, for its first line, in any file.
    fn group_break(&mut self, file: &FileState<'_>, number: u64) -> io::Result<()> {
        let apart = match file.context.last_out {
            None => self.printed_any,
            Some(last) => number > last + 1,
        };
        if apart { self.sink.context_break().map_err(crate::searcher::output_error) } else { Ok(()) }
    }
}
