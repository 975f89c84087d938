//! The hash chain: each line's hash covers the line and the hash before it.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// A SHA-256 digest as 64 lowercase hex digits, held inline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex([u8; 64]);

impl Hex {
    /// The hash the first line of a log chains to.
    pub fn genesis() -> Hex {
        Hex([b'0'; 64])
    }

    /// 64 hex digits read back from a line.
    pub fn parse(text: &str) -> Option<Hex> {
        let bytes: [u8; 64] = text.as_bytes().try_into().ok()?;
        bytes.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)).then_some(Hex(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        // Only hex digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl std::fmt::Debug for Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// SHA-256 of `prev` (as hex text) then `body`.
#[cfg(test)]
pub fn link(prev: &Hex, body: &[u8]) -> Hex {
    Chain::Plain.link(prev, body)
}

/// How each line's hash is made: plain SHA-256, which anyone can
/// recompute, or HMAC-SHA256 with a key the log's readers may not hold.
#[derive(Clone)]
pub enum Chain {
    /// SHA-256 of the previous hash and the line.
    Plain,
    /// HMAC-SHA256 of the same, keyed (the state is keyed once and cloned
    /// for each line).
    Keyed(Box<Hmac<Sha256>>),
}

impl Chain {
    /// A keyed chain; an empty key is refused, as it would key nothing.
    pub fn keyed(key: &[u8]) -> Result<Chain, String> {
        if key.is_empty() {
            return Err("the key is empty".into());
        }
        let mac = Hmac::<Sha256>::new_from_slice(key).map_err(|e| format!("the key cannot be used: {e}"))?;
        Ok(Chain::Keyed(Box::new(mac)))
    }

    /// The hash of `body` chained to `prev`.
    pub fn link(&self, prev: &Hex, body: &[u8]) -> Hex {
        let mut hex = [0u8; 64];
        match self {
            Chain::Plain => {
                let mut h = Sha256::new();
                h.update(prev.as_bytes());
                h.update(body);
                sluice_core::hex::encode_into(&h.finalize(), &mut hex);
            }
            Chain::Keyed(mac) => {
                let mut m = (**mac).clone();
                m.update(prev.as_bytes());
                m.update(body);
                sluice_core::hex::encode_into(&m.finalize().into_bytes(), &mut hex);
            }
        }
        Hex(hex)
    }
}

/// The key in `path`: its bytes, less one final newline (as an editor
/// leaves it).
pub fn read_key(path: &str) -> Result<Vec<u8>, String> {
    let mut key = std::fs::read(path).map_err(|e| format!("{path}: {}", sluice_core::error::io_message(&e)))?;
    if key.last() == Some(&b'\n') {
        key.pop();
    }
    Ok(key)
}

/// The JSON-lines form: the body is the line up to the hash field, which
/// is always last: `{…,"hash":"<64 hex>"}`.
pub mod jsonl {
    pub const FIELD: &[u8] = b",\"hash\":\"";

    /// `(body, hash)` of a written line, or `None` if it has no hash field.
    pub fn split(line: &[u8]) -> Option<(&[u8], &str)> {
        let tail = FIELD.len() + 64 + 2;
        if line.len() < tail || !line.ends_with(b"\"}") {
            return None;
        }
        let at = line.len() - tail;
        if &line[at..at + FIELD.len()] != FIELD {
            return None;
        }
        let hash = std::str::from_utf8(&line[at + FIELD.len()..line.len() - 2]).ok()?;
        Some((&line[..at], hash))
    }
}

/// The CSV form: the hash is the last column, after a comma.
pub mod csv {
    /// `(body, hash)` of a written row.
    pub fn split(line: &[u8]) -> Option<(&[u8], &str)> {
        if line.len() < 65 || line[line.len() - 65] != b',' {
            return None;
        }
        let hash = std::str::from_utf8(&line[line.len() - 64..]).ok()?;
        Some((&line[..line.len() - 65], hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PYTHON: &str = "b64374d04ef9c4f39fddb1e0d6be38a0130f6c057fc0f4ee467ea0e18bc758f1";

    #[test]
    fn sha256_of_the_chain_start_and_a_body() {
        // SHA-256 of 64 ASCII zeros then "abc", as Python's hashlib computes it:
        // hashlib.sha256(b"0" * 64 + b"abc").hexdigest()
        assert_eq!(link(&Hex::genesis(), b"abc").as_str(), PYTHON);
    }

    #[test]
    fn splits_what_it_writes() {
        let h = link(&Hex::genesis(), b"{\"seq\":1");
        let line = format!("{{\"seq\":1,\"hash\":\"{}\"}}", h.as_str());
        assert_eq!(jsonl::split(line.as_bytes()), Some((&b"{\"seq\":1"[..], h.as_str())));
        assert_eq!(Hex::parse(h.as_str()), Some(h));
        assert_eq!(Hex::parse("xyz"), None);
        assert_eq!(jsonl::split(b"{\"seq\":1}"), None);
        let row = format!("1,record,{}", h.as_str());
        assert_eq!(csv::split(row.as_bytes()), Some((&b"1,record"[..], h.as_str())));
    }
}
