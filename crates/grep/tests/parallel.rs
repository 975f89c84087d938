//! A file searched on several threads, chunk by chunk, against the same
//! search on one thread: byte for byte, on random inputs cut into chunks
//! as small as a byte, with NULs, long lines and a last line without its
//! newline.

mod common;

use common::{Flags, NUMBERED, data, flags, options};
use proptest::prelude::*;
use sluice_core::Stop;
use sluice_grep::grep;

/// The output, stderr and whether a line was selected, with `threads`
/// threads searching chunks of `chunk` bytes of the file at `path`.
fn run(path: &std::path::Path, pattern: &str, f: Flags, threads: usize, chunk: u64) -> (String, Vec<String>, bool) {
    let opts = options(pattern, f, threads, chunk);
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
