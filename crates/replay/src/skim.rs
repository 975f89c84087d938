//! Skimming the rows that a taken-over symbol filter drops.
//!
//! A filtered replay drops most rows after looking at one field. Through
//! the reader, each row costs a newline search of its own, then a second
//! walk from its start to the symbol, then the reader's checks per line.
//! Here each row is read once, eight bytes at a time: to the symbol, then
//! on to the newline. Only rows that are certainly dropped are skipped; the
//! first row that is not (kept, quoted, odd, too long, or cut off by the
//! buffer's end) is left to the reader, so every row is judged one way.
//! The eight-bytes-at-a-time search here is also the reader's, for the one
//! field it looks at in the rows the skim leaves to it.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The high bit of each zero byte of `x`. A borrow may also mark bytes
/// above a real zero, never below one, so the lowest mark is exact.
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

/// The first byte of `hay` that is in `set`, eight bytes at a time: tick
/// fields are a few dozen bytes, too short for a vectorised search's
/// set-up per call to pay, long enough for a byte loop to show.
#[inline(always)]
pub fn find_any<const N: usize>(hay: &[u8], set: [u8; N]) -> Option<usize> {
    let fills = set.map(|b| LO * u64::from(b));
    let mut chunks = hay.chunks_exact(8);
    for (i, chunk) in chunks.by_ref().enumerate() {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let hits = fills.iter().fold(0, |h, &f| h | zero_bytes(x ^ f));
        if hits != 0 {
            return Some(i * 8 + (hits.trailing_zeros() / 8) as usize);
        }
    }
    let done = hay.len() - chunks.remainder().len();
    chunks.remainder().iter().position(|c| set.contains(c)).map(|p| done + p)
}

/// Skips, from the start of `hay`, whole rows (each ended by a newline, at
/// most `max_row` bytes without it) whose field `column` is unquoted and
/// passes `dropped`, and which hold no quote at all. Returns the bytes and
/// the rows skipped; the bytes end just after a newline.
pub fn skim(
    hay: &[u8],
    delimiter: u8,
    column: usize,
    max_row: usize,
    mut dropped: impl FnMut(&[u8]) -> bool,
) -> (usize, u64) {
    let (mut row, mut rows) = (0usize, 0u64);
    'rows: loop {
        let mut start = row;
        for _ in 0..column {
            match find_any(&hay[start..], [delimiter, b'"', b'\n']) {
                Some(i) if hay[start + i] == delimiter => start += i + 1,
                _ => break 'rows,
            }
        }
        let Some(len) = find_any(&hay[start..], [delimiter, b'"', b'\n']) else { break };
        let end = start + len;
        if hay[end] == b'"' || !dropped(&hay[start..end]) {
            break;
        }
        // A quote further on could open a field holding a newline: such a
        // row is left to the reader.
        let newline = match find_any(&hay[end..], [b'\n', b'"']) {
            Some(i) if hay[end + i] == b'\n' => end + i,
            _ => break,
        };
        if newline - row > max_row {
            break;
        }
        row = newline + 1;
        rows += 1;
    }
    (row, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_any_agrees_with_a_byte_loop() {
        let hay: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
        for start in 0..hay.len() {
            let h = &hay[start..];
            for set in [[hay[150], b'"', 0], [1, 2, 3], [b'\n', b',', hay[199]]] {
                assert_eq!(find_any(h, set), h.iter().position(|c| set.contains(c)));
            }
        }
    }

    #[test]
    fn find_any_of_two_agrees_with_a_byte_loop() {
        let hay: Vec<u8> = (0..200u32).map(|i| (i * 37 % 251) as u8).collect();
        for start in 0..hay.len() {
            for (a, b) in [(b',', b'"'), (0, 255), (0x80, 0x7f), (hay[start], 1)] {
                let want = hay[start..].iter().position(|&c| c == a || c == b);
                assert_eq!(find_any(&hay[start..], [a, b]), want, "start {start} a {a} b {b}");
            }
        }
    }

    /// The same judgement, row by row.
    fn reference(hay: &[u8], delimiter: u8, column: usize, dropped: impl Fn(&[u8]) -> bool) -> (usize, u64) {
        let (mut at, mut rows) = (0, 0);
        while let Some(nl) = hay[at..].iter().position(|&b| b == b'\n') {
            let line = &hay[at..at + nl];
            if line.contains(&b'"') {
                break;
            }
            let Some(field) = line.split(|&b| b == delimiter).nth(column) else { break };
            if !dropped(field) {
                break;
            }
            at += nl + 1;
            rows += 1;
        }
        (at, rows)
    }

    #[test]
    fn agrees_with_a_row_by_row_walk() {
        let not_aapl = |f: &[u8]| f != b"AAPL" && !f.is_empty();
        let mut cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"t,MSFT,1,2\n".to_vec(),
            b"t,MSFT,1,2".to_vec(),
            b"t,MSFT,1,2\nt,AAPL,1,2\nt,GOOG,1,2\n".to_vec(),
            b"t,MSFT,1,2\ngarbage\nt,GOOG,1,2\n".to_vec(),
            b"t,MSFT,1,2\nt,,1,2\n".to_vec(),
            b"t,MSFT,\"1\",2\nt,GOOG,1,2\n".to_vec(),
            b"t,MSFT,1,\"2\n3\"\nt,GOOG,1,2\n".to_vec(),
            b"\"t\",MSFT,1,2\n".to_vec(),
            b"t,MSFT\nt,GOOG\r\n".to_vec(),
        ];
        for pad in 0..20 {
            let mut v = Vec::new();
            for i in 0..40 {
                let sym = if i == 37 { "AAPL" } else { ["MSFT", "GOOG", "NVDA"][i % 3] };
                v.extend_from_slice(format!("{}{},{sym},{}.5,{}\n", "2".repeat(pad), i, i * 7, i % 9).as_bytes());
            }
            cases.push(v);
        }
        for hay in &cases {
            for column in 0..4 {
                assert_eq!(
                    skim(hay, b',', column, usize::MAX, not_aapl),
                    reference(hay, b',', column, not_aapl),
                    "column {column} of {:?}",
                    String::from_utf8_lossy(hay)
                );
            }
        }
    }

    #[test]
    fn a_row_longer_than_the_limit_is_left_for_the_reader() {
        let hay = b"t,MSFT,1,2\nt,GOOG,1,2222222\nt,NVDA,1,2\n";
        assert_eq!(skim(hay, b',', 1, 12, |_| true), (11, 1));
    }
}
