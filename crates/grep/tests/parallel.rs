//! A file searched on several threads, chunk by chunk, against the same
//! search on one thread: byte for byte, on random inputs cut into chunks
//! as small as a byte, with NULs, long lines and a last line without its
//! newline.

use proptest::prelude::*;
use sluice_core::Stop;
use sluice_grep::{GrepOptions, MatchOptions, Matcher, Syntax, grep};

/// Flags that change what a chunk selects or how a line is printed.
#[derive(Clone, Copy, Debug)]
struct Flags {
    /// `-i`.
    ignore_case: bool,
    invert: bool,
    count: bool,
    line_number: bool,
    byte_offset: bool,
    only_matching: bool,
    text: bool,
    json: bool,
    /// `-B` and `-A`.
    context: Option<(u64, u64)>,
    /// `-m`.
    max_count: Option<u64>,
    /// None, `-l`, `-L` or `-q`.
    listing: u8,
}

/// `-n` and nothing else.
const NUMBERED: Flags = Flags {
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

fn flags() -> impl Strategy<Value = Flags> {
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

/// The output, stderr and whether a line was selected, with `threads`
/// threads searching chunks of `chunk` bytes of the file at `path`.
fn run(path: &std::path::Path, pattern: &str, f: Flags, threads: usize, chunk: u64) -> (String, Vec<String>, bool) {
    let how = MatchOptions { syntax: Syntax::Extended, ignore_case: f.ignore_case, ..MatchOptions::default() };
    let matcher = Matcher::new(&[pattern], how);
    let opts = GrepOptions {
        invert: f.invert,
        count: f.count,
        line_number: f.line_number || f.json,
        byte_offset: f.byte_offset,
        only_matching: f.only_matching,
        text: f.text,
        json: f.json && !f.count && !f.only_matching,
        // As the command line has it: context only where lines print.
        context: f.context.filter(|_| !f.count && !f.only_matching && f.listing == 0),
        max_count: f.max_count,
        files_with_matches: f.listing == 1,
        files_without_match: f.listing == 2,
        quiet: f.listing == 3,
        threads,
        chunk,
        ..GrepOptions::new(matcher.unwrap())
    };
    let (mut out, mut warned) = (Vec::new(), Vec::new());
    let files = [path.as_os_str().to_owned()];
    let found = grep(&opts, &files, &mut out, &mut |w| warned.push(w), &Stop::new()).unwrap();
    let mut out = String::from_utf8_lossy(&out).into_owned();
    if opts.json {
        // Each file's and the summary's elapsed time differ from run to run.
        out = out.lines().filter(|l| !l.contains("\"elapsed")).flat_map(|l| [l, "\n"]).collect();
    }
    (out, warned, found.selected)
}

/// `data` in a file of its own.
fn file(data: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.log");
    std::fs::write(&path, data).unwrap();
    (dir, path)
}

fn data() -> impl Strategy<Value = Vec<u8>> {
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn chunks_on_threads_print_what_one_thread_prints(
        data in data(),
        pattern in prop_oneof![
            Just("ERROR"), Just("ERROR.*timeout"), Just("o"), Just("^INFO"), Just("x$"), Just(""), Just("^$"),
            Just("error x")
        ],
        f in flags(),
        threads in 2usize..5,
        chunk in 1u64..48,
    ) {
        let (_dir, path) = file(&data);
        let one = run(&path, pattern, f, 1, chunk);
        prop_assert_eq!(run(&path, pattern, f, threads, chunk), one);
    }
}

/// A NUL far into a file that is longer than the chunks the printing waits
/// for: the lines before it are printed by the threads, then one thread
/// searches the file again, passing over them, and says the file matches.
#[test]
fn a_late_nul_hands_the_rest_to_one_thread_without_printing_twice() {
    let mut data = Vec::new();
    for i in 0..60_000 {
        data.extend_from_slice(format!("{i:06} {}\n", if i % 7 == 0 { "ERROR disk" } else { "INFO fine" }).as_bytes());
    }
    let nul = data.len() - 5_000;
    data[nul] = 0;
    let f = NUMBERED;
    let (_dir, path) = file(&data);
    // With context, the one thread passes over the separators too.
    for f in [f, Flags { context: Some((2, 1)), ..f }] {
        let one = run(&path, "ERROR", f, 1, 1 << 20);
        let threaded = run(&path, "ERROR", f, 2, 16 << 10);
        assert_eq!(threaded.0, one.0, "{f:?}");
        assert_eq!(threaded.1, one.1);
        assert!(one.1.iter().any(|w| w.ends_with("binary file matches")), "{:?}", one.1);
        // Most of the 8,572 ERROR lines were printed before the NUL's
        // block; with chunks of 16 KiB, the threads printed the first
        // 300 KiB or so.
        assert!(one.0.len() > 150_000, "{}", one.0.len());
    }
}

/// Lines longer than the first look past a chunk's end, and longer than
/// the margin (which send the file to one thread), across the chunks'
/// edges: the same lines, numbered alike.
#[test]
fn long_lines_across_chunk_edges_print_as_one_thread_does() {
    let mut data = Vec::new();
    for (i, len) in [40, 9_000, 30, 20_000, 100, 70_000, 50, 12_000].iter().cycle().take(60).enumerate() {
        let word = if i % 3 == 0 { "ERROR" } else { "INFO" };
        data.extend_from_slice(format!("{i} {word} ").as_bytes());
        data.extend(std::iter::repeat_n(b'.', *len));
        data.push(b'\n');
    }
    let (_dir, path) = file(&data);
    let counted = Flags { count: true, line_number: false, ..NUMBERED };
    for f in [NUMBERED, counted, Flags { byte_offset: true, ..NUMBERED }] {
        let one = run(&path, "ERROR", f, 1, 1 << 20);
        for chunk in [4 << 10, 16 << 10, 64 << 10] {
            assert_eq!(run(&path, "ERROR", f, 2, chunk), one, "chunks of {chunk} bytes, {f:?}");
        }
    }
    let mut past_margin = data.clone();
    past_margin.extend(std::iter::repeat_n(b'x', 300_000));
    past_margin.extend_from_slice(b" ERROR\nlast ERROR\n");
    let (_dir, path) = file(&past_margin);
    let one = run(&path, "ERROR", NUMBERED, 1, 1 << 20);
    assert_eq!(run(&path, "ERROR", NUMBERED, 2, 16 << 10), one);
}

/// Where nearly every line is selected, printing is the work: the threads
/// give the file to one thread, and a count is still counted on threads.
#[test]
fn a_dense_file_prints_and_counts_as_one_thread_does() {
    let mut data = Vec::new();
    for i in 0..150_000 {
        data.extend_from_slice(format!("{i:06} ERROR {}\n", if i % 1000 == 0 { "INFO" } else { "disk" }).as_bytes());
    }
    let (_dir, path) = file(&data);
    let plain = NUMBERED;
    for f in [plain, Flags { count: true, line_number: false, ..plain }, Flags { invert: true, ..plain }] {
        for pattern in ["ERROR", "INFO"] {
            let one = run(&path, pattern, f, 1, 1 << 20);
            // Chunks of 1 MiB: 58,000 lines of which ERROR selects all.
            assert_eq!(run(&path, pattern, f, 2, 1 << 20), one, "{pattern} {f:?}");
        }
    }
}
