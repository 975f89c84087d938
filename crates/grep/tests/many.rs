//! Many files searched on several threads against the same search on one
//! thread: the output and the messages on stderr, interleaved as a
//! terminal shows them, byte for byte. The files are generated: hits,
//! NULs, CRs, files large enough to split (the chunks are tiny here) and
//! a directory named as an operand.

mod common;

use std::cell::RefCell;
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;

use common::{Flags, NUMBERED, data, flags, options};
use proptest::prelude::*;
use sluice_core::Stop;
use sluice_grep::{Recurse, grep};

/// Output and messages in one stream, as they came.
#[derive(Clone, Default)]
struct Both(Rc<RefCell<Vec<u8>>>);

impl Write for Both {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a search of `files` (walked when `recurse`) printed, messages
/// marked among the lines, and whether a line was selected.
fn run(files: &[OsString], recurse: bool, pattern: &str, f: Flags, threads: usize, chunk: u64) -> (String, bool) {
    let mut opts = options(pattern, Flags { json: false, ..f }, threads, chunk);
    opts.with_filename = true;
    opts.recurse = recurse.then(Recurse::default);
    let both = Both::default();
    let mut out = both.clone();
    let mut warn = |w: String| both.0.borrow_mut().extend_from_slice(format!("[stderr] {w}\n").as_bytes());
    let found = grep(&opts, files, &mut out, &mut warn, &Stop::new()).unwrap();
    let text = String::from_utf8_lossy(&both.0.borrow()).into_owned();
    (text, found.selected)
}

/// Writes each of `contents` to a file of its own in `dir`, in
/// subdirectories of 7, and returns their paths in the order given.
fn tree(dir: &Path, contents: &[Vec<u8>]) -> Vec<OsString> {
    contents
        .iter()
        .enumerate()
        .map(|(i, data)| {
            let sub = dir.join(format!("d{}", i / 7));
            std::fs::create_dir_all(&sub).unwrap();
            let path = sub.join(format!("f{i:03}.log"));
            std::fs::write(&path, data).unwrap();
            path.into_os_string()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn many_files_on_threads_print_what_one_thread_prints(
        contents in proptest::collection::vec(data(), 1..80),
        pattern in prop_oneof![Just("ERROR"), Just("o"), Just("^INFO"), Just("x$"), Just("^$")],
        f in flags(),
        threads in 2usize..5,
        chunk in 16u64..512,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut files = tree(dir.path(), &contents);
        // Named as an operand without -r: a message ("Is a directory") in
        // its place among the files.
        files.insert(files.len() / 2, dir.path().join("d0").into_os_string());
        let one = run(&files, false, pattern, f, 1, chunk);
        prop_assert_eq!(run(&files, false, pattern, f, threads, chunk), one);
        let walked = [dir.path().as_os_str().to_owned()];
        let one = run(&walked, true, pattern, f, 1, chunk);
        prop_assert_eq!(run(&walked, true, pattern, f, threads, chunk), one);
    }
}

/// A file that prints more than a thread holds for it, among small ones:
/// the printing thread searches it again, straight to the output.
#[test]
fn a_file_printing_more_than_a_tape_holds_is_printed_once_in_its_place() {
    let mut contents: Vec<Vec<u8>> = (0..100).map(|i| format!("ERROR small {i}\nINFO fine\n").into_bytes()).collect();
    let big: String = (0..40_000).map(|i| format!("ERROR line {i} of the big file\n")).collect();
    contents[40] = big.into_bytes();
    // A NUL late in another: its lines before it print, then the notice.
    let mut late = "ERROR before the NUL\n".repeat(50).into_bytes();
    late.extend_from_slice(b"\0ERROR after\n");
    contents[60] = late;
    let dir = tempfile::tempdir().unwrap();
    let files = tree(dir.path(), &contents);
    let one = run(&files, false, "ERROR", NUMBERED, 1, 1 << 20);
    assert!(one.0.len() > 1_000_000, "{}", one.0.len());
    assert!(one.0.contains("f060.log: binary file matches"), "{}", &one.0[..200]);
    for threads in [2, 3] {
        assert_eq!(run(&files, false, "ERROR", NUMBERED, threads, 1 << 20), one, "{threads} threads");
    }
    // With context, separators between files: a group at a file's start
    // gets one only after a line was printed before, in any file.
    let around = Flags { context: Some((1, 1)), ..NUMBERED };
    let one = run(&files, false, "small 1[0-9]|big", around, 1, 1 << 20);
    assert!(one.0.contains("\n--\n"), "{}", one.0);
    assert_eq!(run(&files, false, "small 1[0-9]|big", around, 2, 1 << 20), one);
}
