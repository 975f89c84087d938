//! Symbols numbered in the order they first arrive: the books are a vector
//! indexed by that number, found by a hash of the symbol's words rather
//! than an ordered map's byte comparisons, which cost more than the
//! trading on every tick (and a hundred times over in a sweep).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use sluice_core::Symbol;

/// Up to this many symbols are found by a scan of their words, which beats
/// hashing for a handful; past it, by a hash map.
const SCANNED: usize = 16;

/// Each symbol's number.
#[derive(Debug, Default)]
pub struct SymbolIndex {
    /// The first symbols' words, in the order of their numbers.
    first: Vec<[u64; 4]>,
    /// Every symbol's number, once there are more than `SCANNED`.
    numbers: HashMap<[u64; 4], usize, BuildHasherDefault<WordHasher>>,
}

impl SymbolIndex {
    /// `symbol`'s number, given the next one at its first arrival.
    pub fn number(&mut self, symbol: Symbol) -> usize {
        let key = symbol.words();
        if self.numbers.is_empty() {
            if let Some(n) = self.first.iter().position(|w| *w == key) {
                return n;
            }
            if self.first.len() < SCANNED {
                self.first.push(key);
                return self.first.len() - 1;
            }
            self.numbers.extend(self.first.iter().enumerate().map(|(n, w)| (*w, n)));
        }
        let next = self.numbers.len();
        *self.numbers.entry(key).or_insert(next)
    }
}

/// A multiply-and-rotate hash of whole words: symbols are not chosen by an
/// adversary, and SipHash would cost as much as the lookup saves.
#[derive(Default)]
pub struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_ne_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_hold_past_the_scanned_few() {
        let mut index = SymbolIndex::default();
        let s = |n: usize| format!("S{n}").parse::<Symbol>().unwrap();
        let firsts: Vec<usize> = (0..40).map(|n| index.number(s(n))).collect();
        assert_eq!(firsts, (0..40).collect::<Vec<_>>());
        let again: Vec<usize> = (0..40).rev().map(|n| index.number(s(n))).collect();
        assert_eq!(again, (0..40).rev().collect::<Vec<_>>());
    }

    #[test]
    fn numbers_follow_first_arrival() {
        let mut index = SymbolIndex::default();
        let s = |t: &str| t.parse::<Symbol>().unwrap();
        assert_eq!(["MSFT", "AAPL", "MSFT", "AAPLX", "AAPL"].map(|t| index.number(s(t))), [0, 1, 0, 2, 1]);
    }
}
