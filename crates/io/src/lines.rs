//! A roll buffer that hands out whole lines without copying them.
//!
//! It reads large blocks, finds line ends with memchr, and keeps only the
//! unread tail between reads, so memory is one buffer whatever the file
//! size. The buffer grows only for a line longer than itself, up to a
//! maximum; a longer line is reported and skipped, never held.
//!
//! Over 400 lines because a third of it is the tests that hold both the
//! line and the region API to a plain split, through every buffer size.

use std::io::{self, Read};
use std::ops::Range;

/// Default size of a read.
pub const DEFAULT_CAPACITY: usize = 256 * 1024;
/// Default longest line, in bytes, for every reader of lines: a CSV row,
/// a log line, a line grep searches.
pub const DEFAULT_MAX_LINE: usize = 16 * 1024 * 1024;
/// How much of an over-long line is kept to show the user.
const SAMPLE: usize = 200;
/// How many of the last bytes read are kept (see [`LineBuffer::last_read`]).
const LAST: usize = 64;

/// What [`LineBuffer::next_line`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// A line.
    Line {
        /// Its bytes are `buffer()[range]`, without the `\n`.
        range: Range<usize>,
        /// Its number, from 1.
        number: u64,
        /// Where it starts in the input.
        offset: u64,
    },
    /// A line longer than the maximum, skipped; its first bytes are in
    /// [`LineBuffer::sample`].
    TooLong {
        /// Its number, from 1.
        number: u64,
        /// Where it starts in the input.
        offset: u64,
        /// Its length, without the `\n`.
        len: u64,
    },
    /// End of input.
    End,
}

/// What [`LineBuffer::region`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Region {
    /// Whole lines, each ending in `\n` except perhaps a last line at the
    /// end of input.
    Lines {
        /// The lines are `buffer()[range]`.
        range: Range<usize>,
        /// Where the range starts in the input.
        offset: u64,
    },
    /// A line longer than the maximum, skipped; see [`LineBuffer::sample`].
    TooLong {
        /// Where it starts in the input.
        offset: u64,
        /// Its length, without the `\n`.
        len: u64,
    },
    /// End of input (or, when holding partial lines, of the whole lines).
    End,
}

/// A reader of lines over any `Read`.
pub struct LineBuffer<R> {
    reader: R,
    buf: Vec<u8>,
    /// Unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
    max_line: usize,
    /// Input offset of `buf[0]`, modulo 2^64: the unread bytes may be
    /// moved a little past `buf[0]` (see [`LineBuffer::lead`]), and near the
    /// input's start that is before offset 0.
    base: u64,
    number: u64,
    sample: Vec<u8>,
    /// At the end of input, keep a last line without a newline for later
    /// (a followed log may still be writing it).
    hold_partial: bool,
    /// The next [`LineBuffer::region`] reads before it hands out lines.
    read_first: bool,
    /// The last bytes read, kept apart because moving the unread tail to
    /// the buffer's front drops them.
    last: Vec<u8>,
}

impl<R: Read> LineBuffer<R> {
    /// A line buffer with the default capacity and maximum line length.
    pub fn new(reader: R) -> LineBuffer<R> {
        LineBuffer::with_limits(reader, DEFAULT_CAPACITY, DEFAULT_MAX_LINE)
    }

    /// A line buffer reading `capacity` bytes at a time and refusing lines
    /// over `max_line` bytes.
    pub fn with_limits(reader: R, capacity: usize, max_line: usize) -> LineBuffer<R> {
        LineBuffer::with_buffer(reader, Vec::new(), capacity, max_line)
    }

    /// [`LineBuffer::with_limits`], its bytes kept in `spare` (another line
    /// buffer's, given back by [`LineBuffer::into_buffer`]): a search of
    /// many small files then neither allocates nor clears a buffer for
    /// each.
    pub fn with_buffer(reader: R, mut spare: Vec<u8>, capacity: usize, max_line: usize) -> LineBuffer<R> {
        let max_line = max_line.max(1);
        // No bigger than a longest line plus its newline, so that a line
        // over the limit can never sit whole in a region (a floor of 16
        // bytes once let lines of up to 15 bytes through a small limit).
        spare.resize(capacity.min(max_line.saturating_add(1)).max(1), 0);
        LineBuffer {
            reader,
            buf: spare,
            start: 0,
            end: 0,
            eof: false,
            max_line,
            base: 0,
            number: 0,
            sample: Vec::new(),
            hold_partial: false,
            read_first: false,
            last: Vec::with_capacity(LAST),
        }
    }

    /// Its bytes, for another line buffer ([`LineBuffer::with_buffer`]).
    pub fn into_buffer(self) -> Vec<u8> {
        self.buf
    }

    /// The buffer that line ranges index into.
    #[inline]
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }

    /// The first bytes of the last over-long line.
    pub fn sample(&self) -> &[u8] {
        &self.sample
    }

    /// Bytes consumed so far (the offset of the next line).
    pub fn position(&self) -> u64 {
        self.offset_of(self.start)
    }

    /// The input offset of `buffer()[index]`, for a line handed out: valid
    /// until the next read.
    pub fn offset_of(&self, index: usize) -> u64 {
        self.base.wrapping_add(index as u64)
    }

    /// Holds a last line without a newline back instead of handing it out,
    /// until [`LineBuffer::resume`] finds its end. Default: off.
    pub fn hold_partial(&mut self, hold: bool) {
        self.hold_partial = hold;
    }

    /// After the end of input, tries reading again (the file grew).
    pub fn resume(&mut self) {
        self.eof = false;
    }

    /// Starts over on a new reader (a followed file was rotated), keeping
    /// the buffer's memory and the [`LineBuffer::hold_partial`] setting.
    /// What was unread of the old reader is dropped.
    pub fn reset(&mut self, reader: R) {
        self.reader = reader;
        (self.start, self.end, self.base, self.number) = (0, 0, 0, 0);
        self.eof = false;
        self.last.clear();
    }

    /// Numbers the input's bytes from `offset` and its lines after `lines`
    /// (a reader that starts in the middle of a file). Call before reading.
    pub fn start_at(&mut self, offset: u64, lines: u64) {
        (self.base, self.number) = (offset, lines);
    }

    /// Bytes read from the input so far.
    pub fn read_so_far(&self) -> u64 {
        self.offset_of(self.end)
    }

    /// Every whole line in the buffer, reading more when there is none:
    /// for searching many lines at once. Call [`LineBuffer::consume`] with
    /// the end of what was used before the next call.
    #[inline]
    pub fn region(&mut self) -> io::Result<Region> {
        if std::mem::take(&mut self.read_first) && !self.eof {
            self.fill()?;
        }
        let mut searched = self.start;
        loop {
            if let Some(i) = memchr::memrchr(b'\n', &self.buf[searched..self.end]) {
                let end = searched + i + 1;
                return Ok(Region::Lines { range: self.start..end, offset: self.position() });
            }
            if self.eof {
                if self.start == self.end || self.hold_partial {
                    return Ok(Region::End);
                }
                return Ok(Region::Lines { range: self.start..self.end, offset: self.position() });
            }
            if self.end - self.start > self.max_line {
                let offset = self.position();
                let len = self.skip_long_line()?;
                return Ok(Region::TooLong { offset, len });
            }
            // What is unread was searched; the fill may move it.
            let unread = self.end - self.start;
            self.fill()?;
            searched = self.start + unread;
        }
    }

    /// Makes the next [`LineBuffer::region`] read more input before it
    /// hands out lines, so that the lines left unused this time come with
    /// what follows them.
    pub fn read_more(&mut self) {
        self.read_first = true;
    }

    /// Whether the input has run out (until [`LineBuffer::resume`]).
    pub fn at_end(&self) -> bool {
        self.eof
    }

    /// Whether [`LineBuffer::read_more`] can read without dropping what
    /// is unread: the buffer has room, or may still grow.
    pub fn has_room(&self) -> bool {
        self.end - self.start < self.buf.len() || self.buf.len() <= self.max_line
    }

    /// The last 64 bytes read (fewer at the start of the input), and the
    /// input offset of the first: enough to recognise the input later (a
    /// followed file rewritten in place, its rotated copy).
    pub fn last_read(&self) -> (&[u8], u64) {
        (&self.last, self.read_so_far() - self.last.len() as u64)
    }

    /// Marks `buffer()[..upto]` as used.
    #[inline]
    pub fn consume(&mut self, upto: usize) {
        self.start = upto.clamp(self.start, self.end);
    }

    /// What has been read but not handed out yet: whole lines, and maybe
    /// the start of one.
    pub fn unread(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Passes over the first `bytes` of [`LineBuffer::unread`], which hold
    /// `lines` whole lines, as if each had been handed out.
    pub fn skip(&mut self, bytes: usize, lines: u64) {
        debug_assert!(bytes <= self.end - self.start);
        self.start += bytes;
        self.number += lines;
    }

    /// The next line. A last line without a newline is still a line.
    #[inline]
    pub fn next_line(&mut self) -> io::Result<Next> {
        let mut searched = self.start;
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[searched..self.end]) {
                let nl = searched + i;
                return Ok(self.take(nl, nl + 1));
            }
            if self.eof {
                if self.start == self.end {
                    return Ok(Next::End);
                }
                return Ok(self.take(self.end, self.end));
            }
            if self.end - self.start > self.max_line {
                self.number += 1;
                let (number, offset) = (self.number, self.position());
                let len = self.skip_long_line()?;
                return Ok(Next::TooLong { number, offset, len });
            }
            // What is unread was searched; the fill may move it.
            let unread = self.end - self.start;
            self.fill()?;
            searched = self.start + unread;
        }
    }

    fn keep_sample(&mut self, from: usize, len: usize) {
        self.sample.clear();
        self.sample.extend_from_slice(&self.buf[from..from + SAMPLE.min(len)]);
    }

    fn take(&mut self, line_end: usize, next: usize) -> Next {
        self.number += 1;
        let (number, offset) = (self.number, self.position());
        let range = self.start..line_end;
        self.start = next;
        if range.len() > self.max_line {
            self.keep_sample(range.start, range.len());
            return Next::TooLong { number, offset, len: range.len() as u64 };
        }
        Next::Line { range, number, offset }
    }

    /// Keeps a sample of the line at `start`, then reads and drops the rest
    /// of it, so memory stays bounded whatever the line's length. Returns
    /// the line's length.
    fn skip_long_line(&mut self) -> io::Result<u64> {
        self.keep_sample(self.start, self.end - self.start);
        let mut len = 0u64;
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                len += i as u64;
                self.start += i + 1;
                return Ok(len);
            }
            len += (self.end - self.start) as u64;
            self.base = self.base.wrapping_add(self.end as u64);
            self.start = 0;
            self.end = 0;
            if self.eof {
                return Ok(len);
            }
            self.end = self.read_into(0)?;
        }
    }

    /// Moves the unread tail to the front, grows the buffer if the tail
    /// fills it, and reads more.
    fn fill(&mut self) -> io::Result<()> {
        let tail = self.end - self.start;
        let lead = self.lead(tail);
        if self.start != lead {
            self.buf.copy_within(self.start..self.end, lead);
            self.base = self.position().wrapping_sub(lead as u64);
            (self.start, self.end) = (lead, lead + tail);
        }
        if self.end == self.buf.len() {
            let grown = (self.buf.len() * 2).min(self.max_line.saturating_add(1)).max(self.buf.len() + 1);
            self.buf.resize(grown, 0);
        }
        let n = self.read_into(self.end)?;
        self.end += n;
        Ok(())
    }

    /// Where the unread `tail` bytes go before a read: at the front, unless
    /// the read's destination would then share its source's place in a
    /// page (see [`shares_page_place`]).
    fn lead(&self, tail: usize) -> usize {
        if tail + PAGE_PLACE_SHIFT + 4096 > self.buf.len() {
            return 0;
        }
        let destination = (self.buf.as_ptr() as usize).wrapping_add(tail);
        let source = self.position().wrapping_add(tail as u64);
        if shares_page_place(destination, source) { PAGE_PLACE_SHIFT } else { 0 }
    }

    /// Reads once into `buf[at..]`; sets `eof` on a zero read.
    fn read_into(&mut self, at: usize) -> io::Result<usize> {
        loop {
            match self.reader.read(&mut self.buf[at..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(0);
                }
                Ok(n) => {
                    let read = &self.buf[at..at + n];
                    let drop = (self.last.len() + n).saturating_sub(LAST).min(self.last.len());
                    self.last.drain(..drop);
                    self.last.extend_from_slice(&read[n.saturating_sub(LAST)..]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Whether a read from file offset `source` into memory at `destination`
/// would put the destination at nearly the same place in a 4 KiB page as
/// the source. Such a copy from the page cache can run four times slower,
/// for the rest of the process (one search of 1 GiB in ten took 0.65 s of
/// system time, not 0.17 s). A destination moved by [`PAGE_PLACE_SHIFT`]
/// does not.
pub fn shares_page_place(destination: usize, source: u64) -> bool {
    const PAGE: u64 = 4096;
    let apart = (destination as u64).wrapping_sub(source) % PAGE;
    !(64..=PAGE - 64).contains(&apart)
}

/// How far to move a destination that [`shares_page_place`] with its
/// source.
pub const PAGE_PLACE_SHIFT: usize = 128;

/// Newlines in `b`: with AVX2 where the CPU has it, else summed in u8
/// lanes per 64 bytes, which the compiler turns into vector compares (ten
/// times the speed of a plain filter-count). Every byte of a file searched
/// with `-n` passes here.
#[inline]
pub fn count_newlines(b: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if b.len() >= 256 && std::arch::is_x86_feature_detected!("avx2") {
        // Safety: the CPU has AVX2, checked just above.
        #[allow(unsafe_code)]
        return unsafe { count_newlines_avx2(b) };
    }
    count_newlines_lanes(b)
}

fn count_newlines_lanes(b: &[u8]) -> u64 {
    let mut chunks = b.chunks_exact(64);
    let mut n = 0u64;
    for chunk in chunks.by_ref() {
        let lanes: u8 = chunk.iter().fold(0u8, |s, &c| s + u8::from(c == b'\n'));
        n += u64::from(lanes);
    }
    n + chunks.remainder().iter().filter(|&&c| c == b'\n').count() as u64
}

/// [`count_newlines`] 128 bytes at a time: each byte lane counts up to 4
/// newlines a block, so 63 blocks fit in a lane before they are summed
/// (a third faster than the lanes above on data in the cache).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(unsafe_code)]
unsafe fn count_newlines_avx2(b: &[u8]) -> u64 {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi8, _mm256_add_epi64, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_sad_epu8,
        _mm256_set1_epi8, _mm256_setzero_si256, _mm256_storeu_si256, _mm256_sub_epi8,
    };
    let newline = _mm256_set1_epi8(b'\n' as i8);
    let zero = _mm256_setzero_si256();
    let (mut sums, mut lanes, mut blocks_in_lanes) = (zero, zero, 0);
    let mut blocks = b.chunks_exact(128);
    for block in blocks.by_ref() {
        // Safety: a block is 128 bytes; each load reads 32 of them.
        let hits = |at: usize| unsafe {
            _mm256_cmpeq_epi8(_mm256_loadu_si256(block.as_ptr().add(at).cast::<__m256i>()), newline)
        };
        // A hit is -1 in its lane: subtracting counts it.
        let four = _mm256_add_epi8(_mm256_add_epi8(hits(0), hits(32)), _mm256_add_epi8(hits(64), hits(96)));
        lanes = _mm256_sub_epi8(lanes, four);
        blocks_in_lanes += 1;
        if blocks_in_lanes == 63 {
            sums = _mm256_add_epi64(sums, _mm256_sad_epu8(lanes, zero));
            (lanes, blocks_in_lanes) = (zero, 0);
        }
    }
    sums = _mm256_add_epi64(sums, _mm256_sad_epu8(lanes, zero));
    let mut words = [0u64; 4];
    // Safety: `words` is 32 bytes.
    unsafe { _mm256_storeu_si256(words.as_mut_ptr().cast::<__m256i>(), sums) };
    words.iter().sum::<u64>() + count_newlines_lanes(blocks.remainder())
}

/// Lines in `b`: its newlines, plus a last line without one.
#[inline]
pub fn count_lines(b: &[u8]) -> u64 {
    count_newlines(b) + u64::from(b.last().is_some_and(|&c| c != b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_newlines_counts_every_one() {
        let data: Vec<u8> = (0..1000u32).map(|i| if i % 7 == 0 || i > 900 { b'\n' } else { b'x' }).collect();
        for start in [0, 1, 63, 64, 65, 500, 700, 744, 745] {
            let want = data[start..].iter().filter(|&&c| c == b'\n').count() as u64;
            assert_eq!(count_newlines(&data[start..]), want);
        }
        assert_eq!((count_lines(b""), count_lines(b"a"), count_lines(b"a\n"), count_lines(b"a\nb")), (0, 1, 1, 2));
        // Nothing but newlines fills the vector path's byte lanes to the
        // brim before each sum.
        let all = vec![b'\n'; 20_000];
        for len in [255, 256, 8_064, 8_065, 8_192, 16_128, 20_000] {
            assert_eq!(count_newlines(&all[..len]), len as u64, "{len} newlines");
        }
    }

    #[test]
    fn a_reset_buffer_reads_the_new_input_from_its_start() {
        let mut lb = LineBuffer::with_limits(std::io::Cursor::new(b"old\npart".to_vec()), 64, 100);
        lb.hold_partial(true);
        let Region::Lines { range, .. } = lb.region().unwrap() else { panic!() };
        lb.consume(range.end);
        lb.reset(std::io::Cursor::new(b"new\n".to_vec()));
        let Region::Lines { range, offset } = lb.region().unwrap() else { panic!() };
        assert_eq!((&lb.buffer()[range], offset, lb.read_so_far()), (&b"new\n"[..], 0, 4));
    }

    /// A reader that hands out at most `step` bytes per read.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// Every line (or `!len` for an over-long one), with number and offset.
    fn lines(data: &[u8], capacity: usize, max: usize, step: usize) -> Vec<(String, u64, u64)> {
        let mut lb = LineBuffer::with_limits(Trickle { data, step }, capacity, max);
        let mut out = Vec::new();
        loop {
            match lb.next_line().unwrap() {
                Next::Line { range, number, offset } => {
                    out.push((String::from_utf8_lossy(&lb.buffer()[range]).into_owned(), number, offset))
                }
                Next::TooLong { number, offset, len } => out.push((format!("!{len}"), number, offset)),
                Next::End => return out,
            }
        }
    }

    /// A buffer handed on from another line buffer holds that one's bytes:
    /// newlines and a line without its own are not taken for the new
    /// input's.
    #[test]
    fn a_buffer_handed_on_holds_nothing_of_the_input_before() {
        let data = b"a,b\r\n\nccc\nlonger line here\nx\nlast without newline";
        for capacity in [16, 17, 64, 4096] {
            for step in [1, 7, 4096] {
                let stale = vec![b'\n'; 8192];
                let mut lb = LineBuffer::with_buffer(Trickle { data, step }, stale, capacity, 1 << 20);
                let mut out = Vec::new();
                while let Next::Line { range, number, offset } = lb.next_line().unwrap() {
                    out.push((String::from_utf8_lossy(&lb.buffer()[range]).into_owned(), number, offset));
                }
                assert_eq!(out, reference(data, 1 << 20), "cap {capacity} step {step}");
            }
        }
    }

    /// The same split, done the obvious way.
    fn reference(data: &[u8], max: usize) -> Vec<(String, u64, u64)> {
        let mut out = Vec::new();
        let mut offset = 0u64;
        let mut parts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
        if parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        for (i, p) in parts.iter().enumerate() {
            let text = if p.len() > max { format!("!{}", p.len()) } else { String::from_utf8_lossy(p).into_owned() };
            out.push((text, i as u64 + 1, offset));
            offset += p.len() as u64 + 1;
        }
        out
    }

    #[test]
    fn splits_like_the_obvious_way_for_every_buffer_size() {
        let data = b"a,b\r\n\nccc\nlonger line here\nx\nlast without newline";
        for capacity in [16, 17, 31, 64, 4096] {
            for step in [1, 3, 7, 4096] {
                assert_eq!(
                    lines(data, capacity, 1 << 20, step),
                    reference(data, 1 << 20),
                    "cap {capacity} step {step}"
                );
            }
        }
    }

    /// Every line via the region API, split by hand.
    fn region_lines(data: &[u8], capacity: usize, max: usize, step: usize) -> Vec<(String, u64, u64)> {
        let mut lb = LineBuffer::with_limits(Trickle { data, step }, capacity, max);
        let (mut out, mut number) = (Vec::new(), 0);
        loop {
            match lb.region().unwrap() {
                Region::Lines { range, offset } => {
                    let mut at = offset;
                    let text = lb.buffer()[range.clone()].to_vec();
                    let mut parts: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
                    if text.ends_with(b"\n") {
                        parts.pop();
                    }
                    for p in parts {
                        number += 1;
                        out.push((String::from_utf8_lossy(p).into_owned(), number, at));
                        at += p.len() as u64 + 1;
                    }
                    lb.consume(range.end);
                }
                Region::TooLong { offset, len } => {
                    number += 1;
                    out.push((format!("!{len}"), number, offset));
                }
                Region::End => return out,
            }
        }
    }

    /// The last bytes read outlive the buffer's moves and reads of any size.
    #[test]
    fn the_last_bytes_read_are_kept_whatever_the_reads() {
        let data: Vec<u8> = (0..1000u32).flat_map(|n| format!("{n:04}\n").into_bytes()).collect();
        for capacity in [3, 7, 64, 100, 4096] {
            let mut lb = LineBuffer::with_limits(&data[..], capacity, 10_000);
            while let Next::Line { .. } = lb.next_line().unwrap() {
                let (last, at) = lb.last_read();
                let end = lb.read_so_far() as usize;
                assert_eq!((last, at), (&data[end.saturating_sub(64)..end], end.saturating_sub(64) as u64));
            }
        }
    }

    /// Lines left unused wait for more input and come back with it.
    #[test]
    fn read_more_brings_the_unused_lines_back_with_what_follows() {
        let mut lb = LineBuffer::with_limits(&b"a\nb\nc\nd\n"[..], 4, 100);
        let Region::Lines { range, .. } = lb.region().unwrap() else { panic!() };
        assert_eq!(&lb.buffer()[range.clone()], b"a\nb\n");
        lb.consume(range.start + 2);
        lb.read_more();
        let Region::Lines { range, offset } = lb.region().unwrap() else { panic!() };
        assert_eq!((&lb.buffer()[range], offset), (&b"b\nc\n"[..], 2));
        assert!(!lb.at_end());
    }

    #[test]
    fn regions_hold_the_same_lines() {
        let long = "y".repeat(300);
        let data = format!("a,b\r\n\nccc\n{long}\nlonger line here\nx\n{long}\nlast without newline");
        for capacity in [16, 17, 64, 4096] {
            for step in [1, 3, 4096] {
                assert_eq!(
                    region_lines(data.as_bytes(), capacity, 100, step),
                    reference(data.as_bytes(), 100),
                    "cap {capacity} step {step}"
                );
            }
        }
    }

    #[test]
    fn a_destination_near_its_sources_place_in_a_page_is_moved_off_it() {
        assert!(shares_page_place(3 * 4096 + 10, 10), "the same place");
        assert!(shares_page_place(30, 5 * 4096 + 4090), "36 bytes after, across a page's end");
        assert!(shares_page_place(4090, 5 * 4096 + 30), "36 bytes before");
        assert!(!shares_page_place(4096 + 200, 0) && !shares_page_place(100, 4090));
        for apart in 0..4096usize {
            if shares_page_place(8192 + apart, 0) {
                assert!(!shares_page_place(8192 + apart + PAGE_PLACE_SHIFT, 0), "{apart} bytes apart, moved");
            }
        }
    }

    /// Input that starts at every place in a page, with a buffer large
    /// enough to move what is unread past its front: wherever the reads'
    /// destinations and sources fall, the same lines at the same offsets.
    #[test]
    fn the_same_lines_wherever_the_reads_fall_in_a_page() {
        let data: Vec<u8> =
            (0..2_000u32).flat_map(|n| format!("{n}{}\n", "x".repeat(n as usize % 97)).into_bytes()).collect();
        let want = reference(&data, 1 << 20);
        for start in (0..4096u64).step_by(16) {
            let shifted = |got: Vec<(String, u64, u64)>| -> Vec<(String, u64, u64)> {
                got.into_iter().map(|(text, number, offset)| (text, number, offset - start)).collect()
            };
            let mut by_line = LineBuffer::with_limits(Trickle { data: &data, step: 20_000 }, 8_500, 1 << 20);
            by_line.start_at(start, 0);
            let mut got = Vec::new();
            while let Next::Line { range, number, offset } = by_line.next_line().unwrap() {
                got.push((String::from_utf8_lossy(&by_line.buffer()[range]).into_owned(), number, offset));
            }
            assert_eq!(shifted(got), want, "lines, input from offset {start}");
            let mut by_region = LineBuffer::with_limits(Trickle { data: &data, step: 20_000 }, 8_500, 1 << 20);
            by_region.start_at(start, 0);
            let mut got = Vec::new();
            while let Region::Lines { range, offset } = by_region.region().unwrap() {
                let mut at = offset;
                for line in by_region.buffer()[range.clone()].split_inclusive(|&b| b == b'\n') {
                    got.push((String::from_utf8_lossy(&line[..line.len() - 1]).into_owned(), got.len() as u64 + 1, at));
                    at += line.len() as u64;
                }
                by_region.consume(range.end);
            }
            assert_eq!(shifted(got), want, "regions, input from offset {start}");
        }
    }

    #[test]
    fn a_small_limit_holds_for_lines_a_few_bytes_over_it() {
        // The buffer once had a floor of 16 bytes, so with a limit of 8 a
        // 9- to 15-byte line sat whole in a region and was searched.
        let data = b"123456789\nshort\n0123456789abcde\n12345678\nx";
        for capacity in [1, 4096] {
            assert_eq!(region_lines(data, capacity, 8, 4096), reference(data, 8), "cap {capacity}");
            assert_eq!(lines(data, capacity, 8, 3), reference(data, 8), "cap {capacity}");
        }
    }

    #[test]
    fn a_held_partial_line_waits_for_its_end() {
        let mut lb = LineBuffer::with_limits(std::io::Cursor::new(b"one\ntw".to_vec()), 64, 100);
        lb.hold_partial(true);
        let Region::Lines { range, .. } = lb.region().unwrap() else { panic!() };
        assert_eq!(&lb.buffer()[range.clone()], b"one\n");
        lb.consume(range.end);
        assert_eq!(lb.region().unwrap(), Region::End);
        assert_eq!(lb.read_so_far(), 6);
    }

    #[test]
    fn keeps_carriage_returns_and_handles_empty_input() {
        assert_eq!(lines(b"", 16, 100, 5), []);
        assert_eq!(lines(b"\n", 16, 100, 5), [(String::new(), 1, 0)]);
        assert_eq!(lines(b"x\r\n", 16, 100, 5), [("x\r".to_owned(), 1, 0)]);
    }

    #[test]
    fn over_long_lines_are_skipped_with_their_length() {
        let long = "y".repeat(1000);
        let data = format!("ok\n{long}\nafter\n{long}");
        for capacity in [16, 64, 4096] {
            for step in [1, 13, 4096] {
                assert_eq!(lines(data.as_bytes(), capacity, 100, step), reference(data.as_bytes(), 100));
            }
        }
    }

    #[test]
    fn a_line_just_over_the_limit_found_in_one_read_is_skipped() {
        // The whole input arrives in one read, so the line is seen complete.
        let data = format!("{}\nok\n", "q".repeat(150));
        assert_eq!(lines(data.as_bytes(), 4096, 100, 4096), reference(data.as_bytes(), 100));
    }

    #[test]
    fn a_long_line_within_the_limit_grows_the_buffer() {
        let long = "z".repeat(5000);
        let data = format!("{long}\nend\n");
        assert_eq!(lines(data.as_bytes(), 16, 10_000, 100), reference(data.as_bytes(), 10_000));
    }
}
