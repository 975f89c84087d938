//! `--json`: the search as JSON Lines in the shape of ripgrep's `--json`,
//! so that tools written for ripgrep's output read sluice's.
//!
//! Per file with a selected line: `begin`, then `match` and `context`
//! messages in file order, then `end` with the file's statistics; after
//! the last file, one `summary`. A text that is not UTF-8 (a line, a file
//! name) is given as `{"bytes": base64}` instead of `{"text": …}`. Lines
//! carry their terminator, except a last line that has none.
//!
//! Where sluice differs from ripgrep, it is grep's choice that holds: the
//! lines selected are GNU grep's (its regex dialect, its binary files,
//! whose lines are not printed: their `end` gives the NUL's offset in
//! `binary_offset`), and stdin is named as grep names it.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use crate::GrepOptions;
use crate::sink::{Sink, SinkContext, SinkFinish, SinkMatch};

/// The JSON printer.
pub(crate) struct Json<'o, W> {
    out: W,
    opts: &'o GrepOptions,
    /// The message being written, and the spans of a line's matches.
    buf: Vec<u8>,
    spans: Vec<(usize, usize)>,
    /// The last line, held until what follows shows whether it ended
    /// with a terminator.
    held: Option<Held>,
    file: FileFigures,
    total: Figures,
    began: Instant,
}

struct Held {
    kind: &'static str,
    line: Vec<u8>,
    number: u64,
    offset: u64,
    /// Its matches' spans (none for context, or with `-v`).
    spans: Vec<(usize, usize)>,
}

/// ripgrep's statistics, for one file or all.
#[derive(Default)]
struct Figures {
    elapsed: Duration,
    searches: u64,
    searches_with_match: u64,
    bytes_searched: u64,
    bytes_printed: u64,
    matched_lines: u64,
    matches: u64,
}

#[derive(Default)]
struct FileFigures {
    figures: Figures,
    started: Option<Instant>,
    /// `begin` was written.
    begun: bool,
}

impl<'o, W: Write> Json<'o, W> {
    pub(crate) fn new(opts: &'o GrepOptions, out: W) -> Json<'o, W> {
        Json {
            out,
            opts,
            buf: Vec::with_capacity(1024),
            spans: Vec::new(),
            held: None,
            file: FileFigures::default(),
            total: Figures::default(),
            began: Instant::now(),
        }
    }

    /// Writes the closing `summary`.
    pub(crate) fn summary(mut self) -> io::Result<()> {
        let mut b = std::mem::take(&mut self.buf);
        b.clear();
        // ripgrep writes this one with its keys in order.
        b.extend_from_slice(b"{\"data\":{\"elapsed_total\":");
        elapsed(&mut b, self.began.elapsed(), true);
        b.extend_from_slice(b",\"stats\":");
        let t = &self.total;
        b.extend_from_slice(
            format!("{{\"bytes_printed\":{},\"bytes_searched\":{},\"elapsed\":", t.bytes_printed, t.bytes_searched)
                .as_bytes(),
        );
        elapsed(&mut b, t.elapsed, true);
        b.extend_from_slice(
            format!(
                ",\"matched_lines\":{},\"matches\":{},\"searches\":{},\"searches_with_match\":{}}}}},\"type\":\"summary\"}}\n",
                t.matched_lines, t.matches, t.searches, t.searches_with_match
            )
            .as_bytes(),
        );
        self.out.write_all(&b)?;
        self.out.flush()
    }

    /// Writes `buf` as one message of the file's.
    fn emit(&mut self) -> io::Result<()> {
        self.file.figures.bytes_printed += self.buf.len() as u64;
        self.out.write_all(&self.buf)
    }

    fn begin(&mut self, file: &[u8]) -> io::Result<()> {
        if std::mem::replace(&mut self.file.begun, true) {
            return Ok(());
        }
        self.buf.clear();
        self.buf.extend_from_slice(b"{\"type\":\"begin\",\"data\":{\"path\":");
        data(&mut self.buf, file);
        self.buf.extend_from_slice(b"}}\n");
        self.emit()
    }

    /// Writes the held line, which ends with a terminator if `ended`.
    fn release(&mut self, file: &[u8], ended: bool) -> io::Result<()> {
        let Some(mut held) = self.held.take() else { return Ok(()) };
        if ended {
            held.line.push(if self.opts.null_data { 0 } else { b'\n' });
        }
        let b = &mut self.buf;
        b.clear();
        b.extend_from_slice(b"{\"type\":\"");
        b.extend_from_slice(held.kind.as_bytes());
        b.extend_from_slice(b"\",\"data\":{\"path\":");
        data(b, file);
        b.extend_from_slice(b",\"lines\":");
        data(b, &held.line);
        b.extend_from_slice(format!(",\"line_number\":{},\"absolute_offset\":{}", held.number, held.offset).as_bytes());
        b.extend_from_slice(b",\"submatches\":[");
        for (i, &(start, end)) in held.spans.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            b.extend_from_slice(b"{\"match\":");
            data(b, &held.line[start..end]);
            b.extend_from_slice(format!(",\"start\":{start},\"end\":{end}}}").as_bytes());
        }
        b.extend_from_slice(b"]}}\n");
        self.emit()
    }

    /// Holds a line, whose matches are at `spans`, to write once the next
    /// one (or the file's end) comes.
    fn hold(
        &mut self,
        kind: &'static str,
        at: (&[u8], u64, u64),
        line: &[u8],
        spans: &[(usize, usize)],
    ) -> io::Result<()> {
        let (file, number, offset) = at;
        self.begin(file)?;
        self.release(file, true)?;
        let mut copy = Vec::with_capacity(line.len() + 1);
        copy.extend_from_slice(line);
        self.held = Some(Held { kind, line: copy, number, offset, spans: spans.to_vec() });
        Ok(())
    }
}

impl<W: Write> Sink for Json<'_, W> {
    fn start(&mut self, _size: Option<u64>) {
        self.file = FileFigures { started: Some(Instant::now()), ..FileFigures::default() };
    }

    fn matched(&mut self, m: &SinkMatch<'_>) -> io::Result<bool> {
        self.file.figures.matched_lines += 1;
        self.file.figures.matches += crate::stats::matches_in(self.opts, m.line, &mut self.spans);
        if m.binary {
            // grep prints no line of a binary file; its `end` says where
            // the NUL lies.
            self.begin(m.file)?;
            return Ok(true);
        }
        // Found once: the spans counted are the spans listed.
        let spans = std::mem::take(&mut self.spans);
        let held = self.hold("match", (m.file, m.number, m.offset), m.line, &spans);
        self.spans = spans;
        held.map(|()| true)
    }

    fn context(&mut self, c: &SinkContext<'_>) -> io::Result<()> {
        self.hold("context", (c.file, c.number, c.offset), c.line, &[])
    }

    fn finish(&mut self, end: &SinkFinish<'_>) -> io::Result<()> {
        if !self.file.begun {
            return Ok(());
        }
        // Only the input's last line can lack its terminator.
        let last = self.held.as_ref().is_some_and(|h| h.offset + h.line.len() as u64 == end.bytes);
        self.release(end.file, !last)?;
        let f = &mut self.file.figures;
        f.elapsed = self.file.started.map_or(Duration::ZERO, |s| s.elapsed());
        (f.searches, f.searches_with_match, f.bytes_searched) = (1, u64::from(end.selected > 0), end.bytes);
        let b = &mut self.buf;
        b.clear();
        b.extend_from_slice(b"{\"type\":\"end\",\"data\":{\"path\":");
        data(b, end.file);
        match end.binary_offset.filter(|_| end.binary) {
            Some(at) => b.extend_from_slice(format!(",\"binary_offset\":{at}").as_bytes()),
            None => b.extend_from_slice(b",\"binary_offset\":null"),
        }
        b.extend_from_slice(b",\"stats\":{\"elapsed\":");
        elapsed(b, f.elapsed, false);
        b.extend_from_slice(
            format!(
                ",\"searches\":1,\"searches_with_match\":{},\"bytes_searched\":{},\"bytes_printed\":{},\
                 \"matched_lines\":{},\"matches\":{}}}}}}}\n",
                f.searches_with_match, f.bytes_searched, f.bytes_printed, f.matched_lines, f.matches
            )
            .as_bytes(),
        );
        self.out.write_all(&self.buf)?;
        let (f, t) = (&self.file.figures, &mut self.total);
        t.elapsed += f.elapsed;
        t.searches += f.searches;
        t.searches_with_match += f.searches_with_match;
        t.bytes_searched += f.bytes_searched;
        t.bytes_printed += f.bytes_printed;
        t.matched_lines += f.matched_lines;
        t.matches += f.matches;
        self.file.begun = false;
        Ok(())
    }

    fn notes_binary_matches(&self) -> bool {
        false
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// `{"text":"…"}` for UTF-8, else `{"bytes":"<base64>"}`.
fn data(b: &mut Vec<u8>, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            b.extend_from_slice(b"{\"text\":");
            // Escaping a string cannot fail into a Vec.
            let _ = serde_json::to_writer(&mut *b, text);
            b.push(b'}');
        }
        Err(_) => {
            b.extend_from_slice(b"{\"bytes\":\"");
            base64(b, bytes);
            b.extend_from_slice(b"\"}");
        }
    }
}

/// A duration as ripgrep writes it: whole seconds, the nanoseconds past
/// them, and a human reading; `sorted` puts the keys in order, as its
/// summary has them.
fn elapsed(b: &mut Vec<u8>, d: Duration, sorted: bool) {
    let (secs, nanos, human) = (d.as_secs(), d.subsec_nanos(), format!("{:.6}s", d.as_secs_f64()));
    let text = if sorted {
        format!("{{\"human\":\"{human}\",\"nanos\":{nanos},\"secs\":{secs}}}")
    } else {
        format!("{{\"secs\":{secs},\"nanos\":{nanos},\"human\":\"{human}\"}}")
    };
    b.extend_from_slice(text.as_bytes());
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(b: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &c)| n | u32::from(c) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                b.push(DIGITS[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                b.push(b'=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_the_rfc_gives_it() {
        // RFC 4648 §10's test vectors.
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut b = Vec::new();
            base64(&mut b, plain.as_bytes());
            assert_eq!(String::from_utf8(b).unwrap(), coded, "{plain}");
        }
    }
}
