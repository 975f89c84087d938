//! The hash chain: each line's hash covers the line and the hash before it.

use sha2::{Digest, Sha256};

/// Hex of 32 zero bytes: what the first line of a log chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SHA-256 of `prev` (hex) then `body`, as lowercase hex.
pub fn link(prev: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(body);
    let digest = h.finalize();
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    hex
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

    #[test]
    fn sha256_of_the_empty_chain_start() {
        // SHA-256 of 64 ASCII zeros, as Python's hashlib computes it.
        assert_eq!(link("", GENESIS.as_bytes()), "60e05bd1b195af2f94112fa7197a5c88289058840ce7c6df9693756bc6250f55");
    }

    #[test]
    fn splits_what_it_writes() {
        let h = link(GENESIS, b"{\"seq\":1");
        let line = format!("{{\"seq\":1,\"hash\":\"{h}\"}}");
        assert_eq!(jsonl::split(line.as_bytes()), Some((&b"{\"seq\":1"[..], h.as_str())));
        assert_eq!(jsonl::split(b"{\"seq\":1}"), None);
        let row = format!("1,record,{h}");
        assert_eq!(csv::split(row.as_bytes()), Some((&b"1,record"[..], h.as_str())));
    }
}
