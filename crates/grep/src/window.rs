//! `--since` and `--until`: the lines of a time window, found by bisection
//! on a file written in time order, so that a one-minute window of a huge
//! log reads a few pages around its edges and the window itself.
//!
//! A line's time is the first date and time in its first 100 bytes, in the
//! ISO 8601 family logs use: `2026-01-05 12:00:00`, `2026-01-05T12:00:00.5Z`,
//! `2015-10-18 18:01:47,978`, `2026/01/05 12:00:00+01:00`. A time with an
//! offset is taken to UTC; one without is compared as written (a log and
//! a `--since` without offsets are read alike). A line with no time belongs
//! to the line before it (a stack trace to its message), and lines before
//! the first time belong to no window that has a start.
//!
//! The window is `[since, until)`: a line at exactly `until` is left out.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;

/// How far into a line its time may start.
const HEAD: usize = 100;
/// How much is read at a time while bisecting: a page, which holds a
/// line start and a timed line after it in any log of ordinary lines
/// (reads of 64 KiB made a one-minute window's search copy 2.3 MB).
const PROBE: usize = 4096;

/// A time window; either end may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    /// The first time in it (nanoseconds since 1970, as written).
    pub since: Option<i64>,
    /// The first time after it.
    pub until: Option<i64>,
}

impl Window {
    /// Reads `--since`/`--until`'s text: a date, or a date and a time, in
    /// the forms a line's time takes.
    pub fn parse_time(text: &str) -> Result<i64, String> {
        let t = text.trim();
        if let Some(n) = time_in(t.as_bytes()).filter(|(at, _)| *at == 0).map(|(_, n)| n) {
            return Ok(n);
        }
        // A date alone is its midnight.
        if t.len() == 10
            && let Some((0, n)) = time_in(format!("{t} 00:00:00").as_bytes())
        {
            return Ok(n);
        }
        Err(format!("`{text}` is not a date and time (e.g. 2026-01-05, 2026-01-05 14:30, 2026-01-05T14:30:00Z)"))
    }

    /// Whether time `t` lies in the window.
    pub fn holds(&self, t: i64) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }
}

/// The time of a line: the first date and time in its first 100 bytes.
pub fn line_time(line: &[u8]) -> Option<i64> {
    time_in(&line[..line.len().min(HEAD)]).map(|(_, t)| t)
}

/// The first date and time in `text`, with where it starts.
fn time_in(text: &[u8]) -> Option<(usize, i64)> {
    let mut from = 0;
    while let Some(i) = text[from..].iter().position(u8::is_ascii_digit) {
        let at = from + i;
        if let Some(t) = time_at(&text[at..]) {
            return Some((at, t));
        }
        // Past this run of digits: a time starts at a run's first digit.
        from = at + text[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    }
    None
}

/// `YYYY-MM-DD[T ]HH:MM[:SS[.,fraction]][Z|±HH[:]MM]` at the start of `b`.
fn time_at(b: &[u8]) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(r)?;
        digits.iter().all(u8::is_ascii_digit).then(|| digits.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let date_sep = *b.get(4)?;
    if !matches!(date_sep, b'-' | b'/') || b.get(7) != Some(&date_sep) || !matches!(b.get(10)?, b'T' | b' ') {
        return None;
    }
    if b.get(13) != Some(&b':') {
        return None;
    }
    let (year, month, day, hour, minute) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut at = 16;
    let mut second = 0;
    let mut nanos = 0;
    if b.get(16) == Some(&b':') {
        second = num(17..19)?;
        if second > 60 {
            return None;
        }
        at = 19;
        // A fraction, unless the `.` or `,` only ends the time (`04:30:30, Info`).
        let digits = b.get(20..).map_or(0, |rest| rest.iter().take_while(|d| d.is_ascii_digit()).count());
        if matches!(b.get(19), Some(b'.' | b',')) && digits > 0 {
            let kept = digits.min(9);
            nanos = num(20..20 + kept)? * 10i64.pow((9 - kept) as u32);
            at = 20 + digits;
        }
    }
    let offset = match b.get(at) {
        Some(b'Z') => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let hours = num(at + 1..at + 3)?;
            let minutes = if b.get(at + 3) == Some(&b':') { num(at + 4..at + 6)? } else { num(at + 3..at + 5)? };
            let seconds = (hours * 60 + minutes) * 60;
            if sign == b'+' { seconds } else { -seconds }
        }
        _ => 0,
    };
    let seconds =
        sluice_core::time::days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(seconds * 1_000_000_000 + nanos)
}

/// Whether any line of the file has a time (a line within the first 64 KiB
/// of a line start, as bisection reads them).
pub fn has_times(file: &File, size: u64) -> io::Result<bool> {
    Ok(next_timed_line(file, size, 0, &mut vec![0; PROBE])?.is_some())
}

/// Where, in a file written in time order, the lines of times at or after
/// `t` begin: the start of the first line whose time is `t` or later
/// (its untimed lines after it go with it), or the file's size. `None`
/// when the lines bisection looked at were out of order.
pub fn first_at_or_after(file: &File, size: u64, t: i64) -> std::io::Result<Option<u64>> {
    // Invariant: every timed line starting before `lo` is earlier than `t`;
    // the first timed line starting at or after `hi` (if any) is not.
    let (mut lo, mut hi) = (0u64, size);
    let mut buf = vec![0; PROBE];
    let mut seen = Vec::new();
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let found = next_timed_line(file, size, mid, &mut buf)?;
        seen.extend(found);
        match found {
            Some((start, time)) if time < t => lo = start.max(mid) + 1,
            Some(_) | None => hi = mid,
        }
    }
    // `lo` may sit inside a line: the answer is the next timed line's start.
    let found = next_timed_line(file, size, lo, &mut buf)?;
    seen.extend(found);
    seen.sort_unstable();
    let in_order = seen.windows(2).all(|w| w[0].1 <= w[1].1);
    Ok(in_order.then(|| found.map_or(size, |(start, _)| start)))
}

/// The first line that starts at or after `from` (the file's first line
/// when `from` is 0) and has a time: its start and time.
fn next_timed_line(file: &File, size: u64, from: u64, buf: &mut [u8]) -> std::io::Result<Option<(u64, i64)>> {
    let mut at = match from {
        0 => 0,
        _ => match newline_at_or_after(file, size, from - 1, buf)? {
            Some(nl) => nl + 1,
            None => return Ok(None),
        },
    };
    while at < size {
        let n = file.read_at(buf, at)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        let at_end = at + n as u64 >= size;
        let mut pos = 0;
        while pos < n {
            let rest = &chunk[pos..];
            let newline = memchr::memchr(b'\n', rest);
            if newline.is_none() && rest.len() < HEAD && !at_end && pos > 0 {
                // A line cut before its head is in: read again from it.
                break;
            }
            if let Some(t) = line_time(newline.map_or(rest, |i| &rest[..i])) {
                return Ok(Some((at + pos as u64, t)));
            }
            match newline {
                Some(i) => pos += i + 1,
                None => {
                    // A line with no time that runs past the chunk: on to
                    // its end.
                    match newline_at_or_after(file, size, at + n as u64, buf)? {
                        Some(nl) => pos = (nl + 1 - at) as usize,
                        None => return Ok(None),
                    }
                    break;
                }
            }
        }
        at += pos as u64;
    }
    Ok(None)
}

/// The offset of the first newline at or after `from`.
fn newline_at_or_after(file: &File, size: u64, from: u64, buf: &mut [u8]) -> std::io::Result<Option<u64>> {
    let mut at = from;
    while at < size {
        let n = file.read_at(buf, at)?;
        if n == 0 {
            break;
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(Some(at + i as u64));
        }
        at += n as u64;
    }
    Ok(None)
}

/// Said of input in which no line has a time.
pub const NO_TIMES: &str = "no line has a date and time (such as 2026-01-05 14:30:00) in its first 100 bytes, \
                            so --since and --until cannot place its lines";

/// A window checked line by line, each line's time read (an untimed line
/// has the time of the line before it): for input that cannot be bisected
/// (a pipe, a compressed file) or is out of order.
#[derive(Clone, Debug)]
pub struct Scan {
    window: Window,
    /// The time of the last timed line, if there was one.
    last: Option<i64>,
}

impl Scan {
    /// A scan for `window`.
    pub fn new(window: Window) -> Scan {
        Scan { window, last: None }
    }

    /// Whether a line has had a time so far.
    pub fn timed(&self) -> bool {
        self.last.is_some()
    }

    /// The runs of lines of `region` (whole lines) that lie in the window.
    pub fn runs(&mut self, region: &[u8]) -> Vec<std::ops::Range<usize>> {
        let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
        let mut pos = 0;
        while pos < region.len() {
            let end = memchr::memchr(b'\n', &region[pos..]).map_or(region.len(), |i| pos + i + 1);
            if let Some(t) = line_time(&region[pos..end]) {
                self.last = Some(t);
            }
            // Lines before the first time belong to no window with a start.
            let keep = match self.last {
                Some(t) => self.window.holds(t),
                None => self.window.since.is_none(),
            };
            if keep {
                match runs.last_mut() {
                    Some(run) if run.end == pos => run.end = end,
                    _ => runs.push(pos..end),
                }
            }
            pos = end;
        }
        runs
    }
}

/// Whether the timed lines of `file[from..to)` are in order and in
/// `window`: what bisection assumed. Reads the window once.
pub fn window_in_order(file: &File, from: u64, to: u64, window: Window) -> io::Result<bool> {
    let mut lines = io::BufReader::with_capacity(256 * 1024, file.try_clone()?);
    io::Seek::seek(&mut lines, io::SeekFrom::Start(from))?;
    let mut lines = lines.take(to - from);
    let (mut line, mut last) = (Vec::new(), None);
    loop {
        line.clear();
        if io::BufRead::read_until(&mut lines, b'\n', &mut line)? == 0 {
            return Ok(true);
        }
        if let Some(t) = line_time(&line) {
            if last.is_some_and(|l| t < l) || !window.holds(t) {
                return Ok(false);
            }
            last = Some(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn times_are_read_in_the_forms_logs_write() {
        let base = Window::parse_time("2026-01-05").unwrap();
        assert_eq!(base, sluice_core::time::days_from_civil(2026, 1, 5) * 86_400 * S);
        assert_eq!(line_time(b"2026-01-05 00:00:01 INFO x"), Some(base + S));
        assert_eq!(line_time(b"2026-01-05T00:00:01.5Z x"), Some(base + S + S / 2));
        assert_eq!(line_time(b"2026/01/05 01:00:00+01:00 x"), Some(base));
        assert_eq!(line_time(b"[main] 2026-01-05 00:00:00,978 x"), Some(base + 978_000_000));
        assert_eq!(line_time(b"2026-01-05 00:00:01, Info CBS"), Some(base + S));
        assert_eq!(line_time(b"  at com.example.Foo.bar(Foo.java:42)"), None);
        assert_eq!(line_time(b"2026-13-05 00:00:00 not a month"), None);
        assert_eq!(Window::parse_time("2026-01-05 00:30").unwrap(), base + 1800 * S);
        assert!(Window::parse_time("yesterday").unwrap_err().contains("not a date"));
    }
}
