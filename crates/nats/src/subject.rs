//! Where a record is published: its partition and subject.

/// The partition of `key` among `n`: FNV-1a (64 bits) of its bytes, modulo
/// `n`. Fixed here, not left to a library, because producers and workers
/// of different builds must agree on it.
pub fn partition(key: &[u8], n: u32) -> u32 {
    (fnv1a(key) % u64::from(n.max(1))) as u32
}

fn fnv1a(key: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `base.<p>.<token>`, with `key` made into one subject token: bytes other
/// than letters, digits, `-` and `_` are written `%XX`, so `BRK.B` stays
/// one token. A record without a key (a bad record whose symbol could not
/// be read) has the token `%`, which no escaped key can be.
pub fn partitioned(base: &str, p: u32, key: Option<&[u8]>) -> String {
    use std::fmt::Write;
    let mut out = format!("{base}.{p}.");
    match key {
        None => out.push('%'),
        Some(key) => {
            for &b in key {
                if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                    out.push(b as char);
                } else {
                    let _ = write!(out, "%{b:02X}");
                }
            }
        }
    }
    out
}

/// The subjects a worker of partition `p` reads.
pub fn partition_filter(base: &str, p: u32) -> String {
    format!("{base}.{p}.>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_stable_and_in_range() {
        // FNV-1a's published test vectors: a change here would send a
        // symbol to another worker than older producers do.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        for n in 1..9 {
            for key in [&b"AAPL"[..], b"MSFT", b"", b"BRK.B"] {
                assert!(partition(key, n) < n);
            }
            // A hundred symbols reach every partition.
            let used: std::collections::BTreeSet<u32> =
                (0..100).map(|i| partition(format!("SYM{i}").as_bytes(), n)).collect();
            assert_eq!(used.len() as u32, n);
        }
    }

    #[test]
    fn keys_become_one_token() {
        assert_eq!(partitioned("ticks", 3, Some(b"BRK.B")), "ticks.3.BRK%2EB");
        assert_eq!(partitioned("ticks", 0, Some(b"a b*>")), "ticks.0.a%20b%2A%3E");
        assert_eq!(partitioned("ticks", 1, None), "ticks.1.%");
    }
}
