//! `-z`: lines ended by NUL. The input is read with its newlines and NULs
//! swapped, so that the line buffer, the searcher and the matcher work on
//! newline-ended lines unchanged, and a line's text is swapped back when
//! printed. The matcher then sees a newline inside a line as a NUL, which
//! is what GNU grep's `-z` makes of it too: `.` and `[^x]` match it, `^`
//! and `$` do not match beside it.

use std::io::{self, Read, Write};

/// A reader with `\n` and NUL swapped.
pub(crate) struct Swapped<R>(pub(crate) R);

impl<R: Read> Read for Swapped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        for b in &mut buf[..n] {
            *b = match *b {
                b'\n' => 0,
                0 => b'\n',
                other => other,
            };
        }
        Ok(n)
    }
}

/// Writes `text`, a line as the searcher saw it, with its NULs turned back
/// into the newlines they were.
pub(crate) fn write_restored(out: &mut impl Write, text: &[u8]) -> io::Result<()> {
    let mut pieces = text.split(|&b| b == 0);
    if let Some(first) = pieces.next() {
        out.write_all(first)?;
    }
    for piece in pieces {
        out.write_all(b"\n")?;
        out.write_all(piece)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_and_nuls_swap_both_ways() {
        let mut swapped = Vec::new();
        Swapped(&b"a\nb\0c"[..]).read_to_end(&mut swapped).unwrap();
        assert_eq!(swapped, b"a\0b\nc");
        let mut out = Vec::new();
        write_restored(&mut out, b"a\0b").unwrap();
        assert_eq!(out, b"a\nb");
    }
}
