//! Lower-case hex, for bytes that are not text (an audit line, a NATS
//! message) and for hashes: one encoder and one decoder for every crate.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Writes the two hex digits of each byte of `bytes` into `out`, which must
/// be twice as long (a fixed buffer, such as a hash's 64 digits).
pub fn encode_into(bytes: &[u8], out: &mut [u8]) {
    debug_assert_eq!(out.len(), 2 * bytes.len());
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 15)];
    }
}

/// Appends the hex digits of `bytes` to `out`.
pub fn push(bytes: &[u8], out: &mut Vec<u8>) {
    let at = out.len();
    out.resize(at + 2 * bytes.len(), 0);
    encode_into(bytes, &mut out[at..]);
}

/// The hex digits of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(2 * bytes.len());
    push(bytes, &mut out);
    // Hex digits are ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Text that is not an even number of hex digits.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not hex")]
pub struct NotHex(pub String);

/// Appends the bytes `text` spells (either case) to `out`.
pub fn decode_into(text: &str, out: &mut Vec<u8>) -> Result<(), NotHex> {
    let bad = || NotHex(text.to_owned());
    if !text.len().is_multiple_of(2) {
        return Err(bad());
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    for pair in text.as_bytes().chunks_exact(2) {
        out.push(digit(pair[0]).zip(digit(pair[1])).map(|(h, l)| h << 4 | l).ok_or_else(bad)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_formatter_and_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        let want: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(encode(&all), want);
        let mut back = Vec::new();
        decode_into(&want, &mut back).unwrap();
        assert_eq!(back, all);
        back.clear();
        decode_into(&want.to_uppercase(), &mut back).unwrap();
        assert_eq!(back, all);
    }

    #[test]
    fn refuses_what_is_not_hex() {
        for text in ["a", "zz", "0g", "é0"] {
            assert_eq!(decode_into(text, &mut Vec::new()), Err(NotHex(text.to_owned())), "{text}");
        }
    }
}
