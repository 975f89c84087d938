//! Every bad input through every command: each gets its defined answer (a
//! counted bad record, or one clear line and the right exit code), and none
//! makes sluice panic.

use std::io::Write;
use std::process::Stdio;

use crate::util::*;

fn bad(name: &str) -> String {
    root().join("tests/fixtures/bad").join(name).to_string_lossy().into_owned()
}

/// Runs `args`; checks the code and that stderr is at most `lines` lines,
/// none of them a panic. Returns stderr.
fn expect(args: &[&str], code: i32, lines: usize) -> String {
    let out = run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(!err.contains("panicked") && !err.contains("internal error"), "{args:?}: {err}");
    assert!(err.lines().count() <= lines, "{args:?}: {err}");
    err
}

#[test]
fn data_files_through_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let r = arg(&report);
    // (file, replay's exit code, bad records it counts). A file whose every
    // row is bad fails the run (exit 1), its bad records still reported.
    let cases = [
        ("invalid-utf8.csv", 1, 2),
        ("empty.csv", 0, 0),
        ("header-only.csv", 0, 0),
        // \r\n, \n, and a lone \r (not a line end, so two rows run together).
        ("bom-mixed-line-ends.csv", 0, 1),
    ];
    for (name, code, bad_records) in cases {
        let f = bad(name);
        expect(&["replay", &f, "-q", "--report", r], code, usize::from(code != 0));
        assert_eq!(json(&report)["bad_records"], bad_records, "{name}");
        expect(&["grep", "-c", "ERROR", &f], 1, 0);
        expect(&["run", "-q", "--source", &format!("csv:path={f}")], code, usize::from(code != 0));
    }
    assert_eq!(json(&report)["ticks"], 2, "the BOM is not part of the header");
    // Random bytes: the first line reads as a header without a timestamp.
    let err = expect(&["replay", &bad("random.bin"), "-q"], 2, 1);
    assert!(err.contains("no timestamp column"), "{err}");
    expect(&["grep", "-c", "ERROR", &bad("random.bin")], 1, 1);
}

#[test]
fn things_that_are_not_readable_files() {
    for path in ["/tmp", "/no/such/file.csv"] {
        expect(&["replay", path, "-q"], 2, 1);
        expect(&["grep", "x", path], 2, 1);
        expect(&["audit", "verify", path], 1, 1);
        expect(&["run", "-q", "--source", &format!("csv:path={path}")], 2, 1);
        expect(&["run", "-q", "--source", &format!("lines:path={path}")], 2, 1);
    }
    let err = expect(&["audit", "verify", &bad("header-only.csv")], 1, 1);
    assert!(err.contains("header-only.csv:1: not an audit line"), "{err}");
}

#[test]
fn broken_pipeline_files_are_usage_errors_with_a_position() {
    for (name, want) in [
        ("garbage.toml", "garbage.toml:1:"),
        ("truncated.toml", "truncated.toml:4:"),
        ("truncated.json", "truncated.json:1:"),
        ("wrong-shape.toml", "[source]: must be a table"),
        ("random.bin", "is not UTF-8 text"),
    ] {
        for cmd in ["run", "validate"] {
            let err = expect(&[cmd, &bad(name)], 2, 1);
            assert!(err.contains(want), "{cmd} {name}: {err}");
        }
    }
}

#[test]
fn a_fifo_is_read_like_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("ticks.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        f.write_all(
            b"timestamp,symbol,price,volume\n2026-01-05T00:00:00Z,AAPL,140,1\n2026-01-05T00:00:01Z,AAPL,210,1\n",
        )
        .unwrap();
    });
    let out = run(&["replay", arg(&fifo), "-q"]);
    writer.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2, "an entry and an exit");
}

#[test]
fn the_lines_source_reads_a_fifo_too() {
    // Issue 20: the lines source checked its path with is_file, so a FIFO
    // was refused as "no such file"; the one input check takes it.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("app.fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        f.write_all(b"INFO up\nERROR down\nINFO up again\n").unwrap();
    });
    let source = format!("lines:path={}", fifo.display());
    let out = run(&["run", "--source", &source, "--filter", "contains=ERROR", "--sink", "audit:path=-", "-q"]);
    writer.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("\"text\":\"ERROR down\""), "{text}");
    assert!(!text.contains("INFO"), "{text}");
}

#[test]
fn a_100_mb_line_without_a_newline_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(b"timestamp,symbol,price,volume\n").unwrap();
    let chunk = vec![b'7'; 1 << 20];
    for _ in 0..100 {
        f.write_all(&chunk).unwrap();
    }
    drop(f);
    let p = arg(&path);
    let report = dir.path().join("r.json");
    // Its one row is bad: the run fails, and says why in one line.
    let err = expect(&["replay", p, "-q", "--report", arg(&report)], 1, 1);
    assert!(err.contains("every one of the 1 rows read was bad"), "{err}");
    assert_eq!(json(&report)["run"]["bad"]["line_too_long"], 1);
    let err = expect(&["grep", "-n", "-c", "ERROR", p], 2, 1);
    assert!(err.contains(":2: line of 104857600 bytes is longer than --max-line-bytes"), "{err}");
}

#[test]
fn a_slow_reader_holds_memory_flat() {
    // The transcript of a long ticker run into a pipe nobody reads for a
    // while: the pipeline blocks on the pipe rather than buffering.
    let mut child = sluice(&["run", "-q", "--source", "ticker:seed=1,count=3000000", "--transcript"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let rss_kb = || -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    // Flat, not small: a debug build's own code is most of its 16 MB.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let early = rss_kb();
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let later = rss_kb();
    assert!(later < early + 1024, "{early} kB, then {later} kB while the reader waits");
    assert!(later < 64 * 1024, "{later} kB while the reader waits");
    drop(child.stdout.take());
    let _ = child.wait();
}

#[test]
fn a_panic_is_one_line_asking_for_a_report_and_exit_101() {
    let out = sluice(&["run"]).env("SLUICE_TEST_PANIC", "1").output().unwrap();
    assert_eq!(out.status.code(), Some(101));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("sluice: internal error at crates/cli/src/main.rs:"), "{err}");
    assert!(err.contains("a panic asked for by SLUICE_TEST_PANIC across two lines"), "{err}");
    assert!(err.contains("please report it"), "{err}");
}

/// A 16 KiB tmpfs, unmounted when dropped; `None` (said on stderr) where
/// mounting is not allowed.
struct SmallDisk(tempfile::TempDir);

impl SmallDisk {
    fn mount() -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            skipped("cannot mount a small tmpfs here (not root?): no full-disk check");
            return None;
        }
        Some(SmallDisk(dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn a_full_disk_keeps_the_old_report_and_says_so() {
    // Issue 19: a full disk left a truncated --report, the old one gone.
    let Some(disk) = SmallDisk::mount() else { return };
    let report = disk.0.path().join("r.json");
    std::fs::write(&report, "{\"old\": true}\n").unwrap();
    // Leave about a kilobyte: less than a report takes.
    let filler = disk.0.path().join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let _ = f.write_all(&vec![b'x'; 15 * 1024 - 200]);
    drop(f);
    let sample = root().join("data/sample-ticks.csv");
    let out = run(&["replay", sample.to_str().unwrap(), "-q", "--report", report.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("--report"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "{\"old\": true}\n", "the old report is whole");
    let left: Vec<_> = std::fs::read_dir(disk.0.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
}

#[test]
fn every_subcommand_fails_cleanly_on_a_full_or_closed_stdout_and_stderr() {
    // Issue 19: --json into /dev/full exited 0 with the report lost; a
    // closed stderr made a run abort (134) without its report.
    let sample = root().join("data/sample-ticks.csv");
    let sample = sample.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let commands: &[&[&str]] = &[
        &["replay", sample, "-q", "--json"],
        &["run", "--source", "ticker:seed=1,count=50", "--json", "-q"],
        &["grep", "AAPL", sample],
        &["list"],
        &["schema"],
        &["validate", "data/pipelines/replay-bot-audit.toml"],
    ];
    for args in commands {
        let out = sluice(args).current_dir(root()).stdout(full()).output().unwrap();
        let code = out.status.code();
        assert!(code == Some(1) || code == Some(2), "{args:?} into a full stdout: {code:?}");
        assert!(stderr(&out).contains("No space left on device"), "{args:?}: {}", stderr(&out));
    }
    // A full or closed stderr: the run ends as it would, report written.
    for stderr_to in ["full", "closed"] {
        let mut cmd = sluice(&["replay", sample, "--report", report.to_str().unwrap()]);
        cmd.stdout(std::process::Stdio::null());
        match stderr_to {
            "full" => cmd.stderr(full()),
            _ => cmd.stderr(std::process::Stdio::piped()),
        };
        let mut child = cmd.spawn().unwrap();
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "stderr {stderr_to}");
        assert!(report.exists(), "stderr {stderr_to}: the report is written");
        std::fs::remove_file(&report).unwrap();
    }
}
