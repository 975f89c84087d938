//! What the tests of searches on several threads share: the flags that
//! change what is selected or how it is printed, as options.

use proptest::prelude::*;
use sluice_grep::{GrepOptions, MatchOptions, Matcher, Syntax};

/// Flags that change what a chunk selects or how a line is printed.
#[derive(Clone, Copy, Debug)]
pub struct Flags {
    /// `-i`.
    pub ignore_case: bool,
    pub invert: bool,
    pub count: bool,
    pub line_number: bool,
    pub byte_offset: bool,
    pub only_matching: bool,
    pub text: bool,
    pub json: bool,
    /// `-B` and `-A`.
    pub context: Option<(u64, u64)>,
    /// `-m`.
    pub max_count: Option<u64>,
    /// None, `-l`, `-L` or `-q`.
    pub listing: u8,
}

/// `-n` and nothing else.
pub const NUMBERED: Flags = Flags {
    ignore_case: false,
    invert: false,
    count: false,
    line_number: true,
    byte_offset: false,
    only_matching: false,
    text: false,
    json: false,
    context: None,
    max_count: None,
    listing: 0,
};

pub fn flags() -> impl Strategy<Value = Flags> {
    let stops =
        (proptest::option::of(1u64..6), prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)]);
    (any::<[bool; 8]>(), proptest::option::of((0u64..4, 0u64..4)), stops).prop_map(
        |(f, context, (max_count, listing))| Flags {
            ignore_case: f[7],
            invert: f[0],
            count: f[1],
            line_number: f[2],
            byte_offset: f[3],
            only_matching: f[4],
            text: f[5],
            json: f[6],
            context,
            max_count,
            listing,
        },
    )
}

/// The options for `pattern` (an extended regex) with flags `f`,
/// searched on `threads` threads in chunks of `chunk` bytes.
pub fn options(pattern: &str, f: Flags, threads: usize, chunk: u64) -> GrepOptions {
    let how = MatchOptions { syntax: Syntax::Extended, ignore_case: f.ignore_case, ..MatchOptions::default() };
    let matcher = Matcher::new(&[pattern], how);
    GrepOptions {
        invert: f.invert,
        count: f.count,
        line_number: f.line_number || f.json,
        byte_offset: f.byte_offset,
        only_matching: f.only_matching,
        text: f.text,
        json: f.json && !f.count && !f.only_matching,
        // As the command line has it: context only where lines print.
        context: f.context.filter(|_| !f.count && f.listing == 0),
        max_count: f.max_count,
        files_with_matches: f.listing == 1,
        files_without_match: f.listing == 2,
        quiet: f.listing == 3,
        threads,
        chunk,
        ..GrepOptions::new(matcher.unwrap())
    }
}

/// Pieces of log lines: hits, misses, newlines, NULs and CRs.
pub fn data() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => Just(&b"ERROR x"[..]),
        4 => Just(&b"INFO ok"[..]),
        2 => Just(&b"timeout"[..]),
        8 => Just(&b"\n"[..]),
        1 => Just(&b"\0"[..]),
        1 => Just(&b"\r\n"[..]),
    ];
    proptest::collection::vec(piece, 0..120).prop_map(|p| p.concat())
}
