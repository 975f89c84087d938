//! `--records`: a line without a time (see the window module) continues
//! the record before it, so an ERROR line comes with its stack trace. A
//! record is selected when it matches (a pattern may match any of its
//! lines), counted once by `-c`, numbered by its first line with `-n`, and
//! printed whole.

use std::io;

use crate::searcher::{FileState, Searcher};
use crate::sink::Sink;
use crate::window::line_time;

/// The whole records of `lines` (whole lines, with more input to come):
/// the bytes up to the start of the last record, which may go on past
/// them, and whether that record was held back (all of `lines` when they
/// are one record).
pub(crate) fn complete(lines: &[u8]) -> (usize, bool) {
    // From the end back, so that a line's time is read once here: only the
    // lines of the last record, and the line that starts it.
    let mut end = lines.len();
    while end > 0 {
        let start = memchr::memrchr(b'\n', &lines[..end - 1]).map_or(0, |i| i + 1);
        if start > 0 && line_time(&lines[start..end]).is_some() {
            return (start, true);
        }
        if start == 0 {
            break;
        }
        end = start;
    }
    (0, true)
}

/// Calls `f` with each record of `region` (whole lines, whole records):
/// its text without the last newline, its place in the region, and its
/// number of lines; stops when `f` says the file is done.
pub(crate) fn each(region: &[u8], mut f: impl FnMut(&[u8], usize, u64) -> io::Result<bool>) -> io::Result<bool> {
    let (mut start, mut pos, mut lines) = (0, 0, 0u64);
    let text = |record: &[u8]| record.strip_suffix(b"\n").unwrap_or(record).len();
    while pos < region.len() {
        let end = memchr::memchr(b'\n', &region[pos..]).map_or(region.len(), |i| pos + i + 1);
        if pos > start && line_time(&region[pos..end]).is_some() {
            let record = &region[start..pos];
            if f(&record[..text(record)], start, lines)? {
                return Ok(true);
            }
            (start, lines) = (pos, 0);
        }
        lines += 1;
        pos = end;
    }
    let record = &region[start..];
    Ok(start < region.len() && f(&record[..text(record)], start, lines)?)
}

impl<S: Sink + ?Sized> Searcher<'_, S> {
    /// Selects the records of a region; returns whether the file is done.
    pub(crate) fn records(&mut self, region: &[u8], file: &mut FileState<'_>) -> io::Result<bool> {
        each(region, |text, at, lines| {
            let done = self.opts.matcher.is_match(text) != self.opts.invert && self.select(file, text, at)?;
            file.number += lines;
            Ok(done)
        })
    }
}
