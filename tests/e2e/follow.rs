//! `sluice grep --follow` against writers at 1,000 lines a second or more,
//! through every kind of rotation, on two files at once: every line
//! written is printed once, none lost, none twice.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::*;

/// Lines each writer writes, and the pause between them (1,000 a second
/// and a little more, with the writing itself).
const LINES: usize = 1500;
const PAUSE: Duration = Duration::from_micros(900);

/// How a writer rotates its log, at a third and at two thirds of the way.
#[derive(Clone, Copy, Debug)]
enum Rotate {
    /// `mv app.log app.log.1`, then a new `app.log`.
    Rename,
    /// `cp app.log app.log.1; truncate app.log`, the writer appending.
    CopyTruncateAppend,
    /// The same with a writer that keeps its offset, leaving a hole of NULs.
    CopyTruncateInPlace,
    /// Truncated and written again at once past its old size, with no
    /// copy kept.
    TruncateRefill,
}

/// Writes `LINES` lines to `path`, rotating it twice the `how` way.
fn write_log(path: PathBuf, how: Rotate) {
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    let append = !matches!(how, Rotate::CopyTruncateInPlace);
    let open = |p: &Path| OpenOptions::new().create(true).append(append).write(true).open(p).unwrap();
    let mut file = open(&path);
    for n in 0..LINES {
        if n > 0 && n % (LINES / 3) == 0 {
            let copy = path.with_file_name(format!("{name}.{}", n / (LINES / 3)));
            match how {
                Rotate::Rename => {
                    std::fs::rename(&path, &copy).unwrap();
                    file = open(&path);
                }
                Rotate::CopyTruncateAppend | Rotate::CopyTruncateInPlace => {
                    std::fs::copy(&path, &copy).unwrap();
                    file.set_len(0).unwrap();
                }
                Rotate::TruncateRefill => {
                    // Wait for the follower to read the last lines: nothing
                    // keeps them once the file is truncated.
                    thread::sleep(Duration::from_millis(1000));
                    file.set_len(0).unwrap();
                    file = open(&path);
                }
            }
        }
        writeln!(file, "ERROR {name} {n:06}").unwrap();
        // After a refill the file is written back past its old size in a
        // burst, so that its size alone does not show it was truncated.
        if !matches!(how, Rotate::TruncateRefill) || n < LINES / 3 || n % (LINES / 3) > LINES / 3 - 20 {
            thread::sleep(PAUSE);
        }
    }
}

/// Follows two logs rotated the `how` way; returns what was printed.
fn follow_two(how: Rotate) -> String {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = ["a.log", "b.log"].iter().map(|n| dir.path().join(n)).collect();
    // b.log does not exist yet when the follow starts: it is waited for.
    File::create(&paths[0]).unwrap();
    let mut child: Child = sluice(&["grep", "--follow", "-h", "ERROR", arg(&paths[0]), arg(&paths[1])])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The writers start once the follower has said it waits for b.log.
    let (tx, said) = std::sync::mpsc::channel();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let errors = thread::spawn(move || {
        let mut all = String::new();
        for line in stderr.lines() {
            let line = line.unwrap();
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let first = said.recv_timeout(Duration::from_secs(10)).expect("a word about the missing b.log");
    assert!(first.ends_with("b.log: No such file or directory; waiting for it to appear"), "{first}");
    let writers: Vec<_> =
        paths.iter().map(|p| (p.clone(), how)).map(|(p, h)| thread::spawn(move || write_log(p, h))).collect();
    for w in writers {
        w.join().unwrap();
    }
    thread::sleep(Duration::from_millis(1500));
    signal(child.id(), "INT");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the follow did not end on Ctrl-C");
        thread::sleep(Duration::from_millis(20));
    }
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let err = errors.join().unwrap();
    assert_eq!(err.lines().count(), 1, "one word, about b.log: {err}");
    out
}

/// Follows two logs rotated the `how` way: every line of both, once.
fn loses_nothing(how: Rotate) {
    let out = follow_two(how);
    let out = out.as_str();
    for name in ["a.log", "b.log"] {
        let seen: Vec<usize> =
            out.lines().filter_map(|l| l.strip_prefix(&format!("ERROR {name} "))).map(|n| n.parse().unwrap()).collect();
        let lost: Vec<usize> = (0..LINES).filter(|n| !seen.contains(n)).collect();
        let mut doubled: Vec<usize> =
            seen.iter().copied().filter(|n| seen.iter().filter(|m| *m == n).count() > 1).collect();
        doubled.dedup();
        assert!(lost.is_empty() && doubled.is_empty(), "{how:?}, {name}: lost {lost:?}, doubled {doubled:?}");
    }
}

#[test]
fn rename_rotation_loses_nothing() {
    loses_nothing(Rotate::Rename);
}

#[test]
fn copy_truncate_with_an_appending_writer_loses_nothing() {
    loses_nothing(Rotate::CopyTruncateAppend);
}

#[test]
fn copy_truncate_with_a_writer_in_place_loses_nothing_to_the_hole() {
    loses_nothing(Rotate::CopyTruncateInPlace);
}

#[test]
fn truncate_then_refill_at_once_loses_nothing() {
    loses_nothing(Rotate::TruncateRefill);
}
