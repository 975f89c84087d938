//! Symbols numbered in the order they first arrive: the books are a vector
//! indexed by that number, found by a hash of the symbol's words rather
//! than an ordered map's byte comparisons, which cost more than the
//! trading on every tick (and a hundred times over in a sweep).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use sluice_core::Symbol;

/// Each symbol's number.
#[derive(Debug, Default)]
pub struct SymbolIndex {
    numbers: HashMap<[u64; 4], usize, BuildHasherDefault<WordHasher>>,
}

impl SymbolIndex {
    /// `symbol`'s number, given the next one at its first arrival.
    pub fn number(&mut self, symbol: Symbol) -> usize {
        let next = self.numbers.len();
        *self.numbers.entry(symbol.words()).or_insert(next)
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
    fn numbers_follow_first_arrival() {
        let mut index = SymbolIndex::default();
        let s = |t: &str| t.parse::<Symbol>().unwrap();
        assert_eq!(["MSFT", "AAPL", "MSFT", "AAPLX", "AAPL"].map(|t| index.number(s(t))), [0, 1, 0, 2, 1]);
    }
}
