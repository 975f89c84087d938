//! Where GNU grep's reads end, so that a file turns binary at the line
//! where it does in GNU grep.
//!
//! GNU grep looks for a NUL in each block it reads before it searches the
//! block's lines: the lines of earlier blocks have been printed as text,
//! those of the block with the first NUL and after are searched as binary
//! (not printed; "binary file matches"). Which lines print therefore
//! depends on where its reads end, and this module computes those ends as
//! its `fillbuf` does: a first read of 96 KiB, then reads that keep the
//! unfinished last line (and `-B` context) and fill the rest of a buffer
//! of 96 KiB plus a page, the buffer growing by half when a line does not
//! fit.
//!
//! One input is out of any reimplementation's reach: where the C library
//! placed GNU grep's first buffer within its page. That moves a read's
//! end by a page, but only when the kept bytes come within a page of it,
//! and it varies with the pattern (the compiled pattern is allocated
//! first). Lines of up to about 250 bytes never come that close, so for
//! them the cut is exact; for longer lines at a block's edge it is GNU
//! grep's with a plain literal pattern.

/// GNU grep's page and initial buffer (`INITIAL_BUFSIZE`).
const PAGE: u64 = 4096;
const INITIAL: u64 = 96 * 1024;
/// The word GNU grep keeps free after its data.
const WORD: u64 = 8;
/// Where the first buffer starts within its page, measured with a plain
/// literal pattern (see the module's documentation).
const HEAP_PAGE_OFFSET: u64 = 2816;
/// A grown buffer is large enough to be its own mapping, whose data starts
/// after the allocator's 16-byte header.
const MAPPED_PAGE_OFFSET: u64 = 16;

/// GNU grep's buffer as one file is read through it.
#[derive(Clone, Debug)]
pub(crate) struct Blocks {
    /// The buffer's size and where it starts within a page.
    alloc: u64,
    page_offset: u64,
    /// Where, from the buffer's start, the last read put its first byte,
    /// and the input offset it read at.
    read_at: u64,
    /// The input's size, which caps how far the buffer grows.
    size: Option<u64>,
    /// The block being read: input offsets `start..end`.
    pub(crate) start: u64,
    pub(crate) end: u64,
}

impl Blocks {
    /// The first block of a regular file of `size` bytes; `None` for a
    /// pipe, a FIFO or stdin, whose lines the data in hand decides.
    pub(crate) fn new(size: Option<u64>) -> Blocks {
        let mut blocks =
            Blocks { alloc: INITIAL + PAGE + WORD, page_offset: HEAP_PAGE_OFFSET, read_at: 0, size, start: 0, end: 0 };
        blocks.read_at = align(blocks.page_offset + 1) - blocks.page_offset;
        blocks.end = blocks.read_size();
        blocks
    }

    /// Passes to the next block, keeping `save` bytes of this one (the
    /// unfinished line, and `-B` context lines) at the front of the buffer.
    pub(crate) fn next(&mut self, save: u64) {
        let filled = self.read_at + (self.end - self.start);
        if self.alloc - filled < PAGE + WORD {
            let min = save + PAGE;
            let grow_by = (min + PAGE + WORD).saturating_sub(self.alloc);
            if grow_by > 0 {
                let mut alloc = (self.alloc + self.alloc / 2).max(self.alloc + grow_by);
                if let Some(size) = self.size {
                    let most = (size.saturating_sub(self.end) + save + PAGE + WORD).max(self.alloc + grow_by);
                    alloc = alloc.min(most);
                }
                self.alloc = alloc;
                self.page_offset = MAPPED_PAGE_OFFSET;
            }
            self.read_at = align(self.page_offset + 1 + save) - self.page_offset;
        } else {
            self.read_at = filled;
        }
        self.start = self.end;
        self.end = self.start + self.read_size();
    }

    /// What the next read asks for: the rest of the buffer, in whole pages.
    fn read_size(&self) -> u64 {
        let room = self.alloc - WORD - self.read_at;
        room - room % PAGE
    }
}

/// How much of the unread input can be searched now, before the first NUL
/// and GNU grep's block around it decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Split {
    /// Every whole line is text.
    Text,
    /// The first `n` bytes are text lines, the last of this block: search
    /// them, then pass the block with [`Blocks::searched`] and split again.
    TextThenPass(usize),
    /// The first `n` bytes are text lines; the lines after them lie in a
    /// block not wholly read yet, and wait for more input.
    TextThenWait(usize),
    /// The first `n` bytes are text lines; from there on the file is
    /// binary (the first NUL lies in the block that follows them).
    TextThenBinary(usize),
}

/// What GNU grep keeps of a block for `-B`: up to `lines` lines before the
/// unfinished one, none that was printed already.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Keep {
    /// `-B`'s count.
    pub(crate) lines: u64,
    /// The input offset just after the last line printed.
    pub(crate) printed_to: Option<u64>,
}

impl Blocks {
    /// Splits `data`, the unread input from offset `offset`, whose whole
    /// lines end at `lines`; `at_end` when no more input follows it.
    pub(crate) fn split(&mut self, data: &[u8], offset: u64, lines: usize, at_end: bool, keep: Keep) -> Split {
        let nul = memchr::memchr(0, data);
        if self.size.is_none() {
            // A pipe or a FIFO: GNU grep's blocks are whatever its reads
            // return, which no one can predict, and waiting for more input
            // would hold back lines already written. What is in hand decides.
            return if nul.is_some() { Split::TextThenBinary(0) } else { Split::Text };
        }
        let limit = match nul {
            Some(at) => offset + at as u64,
            None if at_end => return Split::Text,
            None => offset + data.len() as u64,
        };
        // Pass every block read wholly up to the limit (the NUL, or the end
        // of the data): the lines that end before the block still open are
        // decided.
        while self.end <= limit {
            if keep.lines > 0 {
                // What GNU grep keeps for context depends on what it printed
                // of the block: its lines are searched before it is passed.
                let block = self.lines_before(self.end, data, offset, lines);
                if block > 0 {
                    return Split::TextThenPass(block);
                }
            }
            self.searched(data, offset, keep);
        }
        let text = self.lines_before(self.start, data, offset, lines);
        match nul {
            Some(_) => Split::TextThenBinary(text),
            None if text == lines => Split::Text,
            None => Split::TextThenWait(text),
        }
    }

    /// Passes the block ending in `data` (from input offset `offset`) once
    /// its lines are searched.
    pub(crate) fn searched(&mut self, data: &[u8], offset: u64, keep: Keep) {
        let save = self.kept(data, offset, keep);
        self.next(save);
    }

    /// The bytes of `data` in whole lines that end before input offset `at`.
    fn lines_before(&self, at: u64, data: &[u8], offset: u64, lines: usize) -> usize {
        let cut = (at.saturating_sub(offset) as usize).min(lines);
        memchr::memrchr(b'\n', &data[..cut]).map_or(0, |i| i + 1)
    }

    /// The bytes GNU grep keeps when the block ending at `self.end` is
    /// done: the unfinished line, and the context lines before it.
    fn kept(&self, data: &[u8], offset: u64, keep: Keep) -> u64 {
        let Some(end) = self.end.checked_sub(offset).map(|e| e as usize) else { return 0 };
        let mut from = memchr::memrchr(b'\n', &data[..end]).map_or(0, |i| i + 1);
        let printed = keep.printed_to.and_then(|p| p.checked_sub(offset)).map_or(0, |p| p as usize);
        for _ in 0..keep.lines {
            if from == 0 || from <= printed {
                break;
            }
            from = memchr::memrchr(b'\n', &data[..from - 1]).map_or(0, |i| i + 1);
        }
        (end - from) as u64
    }
}

fn align(at: u64) -> u64 {
    at.div_ceil(PAGE) * PAGE
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The read sizes GNU grep 3.8 asked for, seen with strace, on a file
    /// of 1,200,000 bytes that is one line of 150,000 bytes after another.
    #[test]
    fn reads_grow_with_a_long_line_as_gnu_greps_did() {
        let line = 150_000u64;
        let mut blocks = Blocks::new(Some(1_200_000));
        let mut sizes = vec![blocks.end - blocks.start];
        for _ in 0..8 {
            let save = blocks.end - blocks.end / line * line;
            blocks.next(save);
            sizes.push(blocks.end - blocks.start);
        }
        let seen = [98304, 49152, 77824, 151552, 151552, 147456, 151552, 151552, 147456];
        assert_eq!(sizes, seen);
    }

    /// With short lines every read is 96 KiB.
    #[test]
    fn short_lines_read_in_96_kib_blocks() {
        let mut blocks = Blocks::new(None);
        for k in 1..50u64 {
            assert_eq!(blocks.end, k * INITIAL);
            blocks.next(100);
        }
    }

    /// Kept bytes within a page of the read's start cost that read a page.
    #[test]
    fn a_long_unfinished_line_shortens_the_next_read() {
        let mut blocks = Blocks::new(None);
        blocks.next(3000);
        assert_eq!(blocks.end - blocks.start, INITIAL - PAGE);
    }
}
