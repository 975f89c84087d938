//! Instrument symbols, stored inline.

use std::fmt;

/// Longest symbol, in bytes. Real tickers, FX pairs, perpetuals and most
/// option codes (`BTC-27DEC24-100000-C`) fit.
pub const MAX_SYMBOL_LEN: usize = 31;

/// An instrument symbol such as `AAPL` or `BTCUSDT`.
///
/// Held inline (no heap), so building a tick per row allocates nothing and
/// [`crate::Tick`] stays `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol {
    len: u8,
    bytes: [u8; MAX_SYMBOL_LEN],
}

/// Why a text is not a [`Symbol`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SymbolError {
    /// Nothing to read.
    #[error("empty symbol")]
    Empty,
    /// Longer than a symbol holds.
    #[error("symbol longer than {MAX_SYMBOL_LEN} bytes")]
    TooLong,
    /// Not printable UTF-8.
    #[error("symbol is not valid UTF-8 or holds a control character")]
    NotText,
}

impl Symbol {
    /// A symbol from raw bytes: non-empty UTF-8 text without control
    /// characters, at most [`MAX_SYMBOL_LEN`] bytes.
    pub fn from_bytes(raw: &[u8]) -> Result<Symbol, SymbolError> {
        if raw.is_empty() {
            return Err(SymbolError::Empty);
        }
        if raw.len() > MAX_SYMBOL_LEN {
            return Err(SymbolError::TooLong);
        }
        match std::str::from_utf8(raw) {
            Ok(s) if !s.chars().any(char::is_control) => {}
            _ => return Err(SymbolError::NotText),
        }
        let mut bytes = [0; MAX_SYMBOL_LEN];
        bytes[..raw.len()].copy_from_slice(raw);
        Ok(Symbol { len: raw.len() as u8, bytes })
    }

    /// The symbol's text.
    pub fn as_str(&self) -> &str {
        // Checked to be UTF-8 in `from_bytes`, the only constructor.
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }

    /// The symbol as four machine words, equal exactly when the symbols
    /// are: a key that hashes and compares without a byte loop.
    pub fn words(&self) -> [u64; 4] {
        let mut raw = [0u8; 32];
        raw[0] = self.len;
        raw[1..].copy_from_slice(&self.bytes);
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&raw[8 * i..8 * i + 8]);
            u64::from_ne_bytes(w)
        };
        [word(0), word(1), word(2), word(3)]
    }

    /// The symbol's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::str::FromStr for Symbol {
    type Err = SymbolError;
    fn from_str(s: &str) -> Result<Symbol, SymbolError> {
        Symbol::from_bytes(s.as_bytes())
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for Symbol {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Symbol {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Symbol, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.trim().parse().map_err(|e| serde::de::Error::custom(format_args!("`{s}`: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_real_symbols() {
        for s in ["AAPL", "EUR/USD", "BTC-27DEC24-100000-C", "ÖBB"] {
            assert_eq!(s.parse::<Symbol>().unwrap().as_str(), s);
        }
    }

    #[test]
    fn refuses_what_cannot_be_a_symbol() {
        assert_eq!(Symbol::from_bytes(b""), Err(SymbolError::Empty));
        assert_eq!(Symbol::from_bytes(&[b'A'; 32]), Err(SymbolError::TooLong));
        assert_eq!(Symbol::from_bytes(b"\xff"), Err(SymbolError::NotText));
        assert_eq!(Symbol::from_bytes(b"A\tB"), Err(SymbolError::NotText));
    }
}
