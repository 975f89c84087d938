//! The whole-buffer search against the obvious line-by-line one, on random
//! inputs, through every buffer size.

use proptest::prelude::*;
use regex::bytes::Regex;
use sluice_core::Stop;
use sluice_grep::{GrepOptions, MatchOptions, Matcher, Syntax, grep};

/// Lines as grep sees them: split on `\n`, a last line without one kept.
fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.is_empty() || data.ends_with(b"\n") {
        lines.pop();
    }
    lines
}

/// The reference: each line on its own, numbered and printed.
fn reference(data: &[u8], is_match: &dyn Fn(&[u8]) -> bool, invert: bool, count: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut n = 0;
    for (i, line) in split_lines(data).iter().enumerate() {
        if is_match(line) != invert {
            n += 1;
            if !count {
                out.extend_from_slice(format!("{}:", i + 1).as_bytes());
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
    }
    if count {
        out.extend_from_slice(format!("{n}\n").as_bytes());
    }
    out
}

fn ours(data: &[u8], pattern: &str, syntax: Syntax, invert: bool, count: bool, buffer: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in");
    std::fs::write(&path, data).unwrap();
    let matcher = Matcher::new(&[pattern], MatchOptions { syntax, ..MatchOptions::default() }).unwrap();
    let opts = GrepOptions { invert, count, line_number: !count, text: true, buffer, ..GrepOptions::new(matcher) };
    let mut out = Vec::new();
    grep(&opts, &[path.into_os_string()], &mut out, &mut |w| panic!("{w}"), &Stop::new()).unwrap();
    out
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![Just(b'a'), Just(b'b'), Just(b'\n'), Just(b'\r'), Just(0u8), Just(0xffu8), Just(b'.')],
        0..300,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn literal_search_equals_line_by_line(data in bytes(), needle in "[ab.]{1,3}", invert: bool, count: bool, buffer in 16usize..80) {
        let want = reference(&data, &|l: &[u8]| l.windows(needle.len()).any(|w| w == needle.as_bytes()), invert, count);
        prop_assert_eq!(ours(&data, &needle, Syntax::Fixed, invert, count, buffer), want);
    }

    /// Extended patterns beside the regex crate's spelling of the same;
    /// `[[:space:]]` also matches a newline in a buffer, so a match can run
    /// across a line end and the line must be checked alone.
    #[test]
    fn regex_search_equals_line_by_line(data in bytes(), (pattern, same) in prop_oneof![
        Just(("a[^b]b", "a[^b]b")), Just(("^a", "^a")), Just(("b$", "b$")), Just(("a.*b", "a.*b")),
        Just(("a[[:space:]]b", "a[\\t\\x0B\\x0C\\r ]b")), Just(("a(.|[[:space:]])b", "a(?s:.)b")),
        Just(("[\u{0}-\r]", "[\\x00-\\x0d]")), Just(("^$", "^$")), Just(("", ""))
    ], invert: bool, buffer in 16usize..80) {
        let re = Regex::new(&format!("(?-u){same}")).unwrap();
        let want = reference(&data, &|l: &[u8]| re.is_match(l), invert, false);
        prop_assert_eq!(ours(&data, pattern, Syntax::Extended, invert, false, buffer), want);
    }
}
