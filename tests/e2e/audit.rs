//! The audit sink from the command line: tee order, failures, signals.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use crate::util::*;

#[test]
fn bot_and_audit_see_the_same_events_in_the_same_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.jsonl");
    let sink = format!("audit:path={}", arg(&log));
    let out = run(&[
        "run",
        "-q",
        "--source",
        "ticker:seed=3,count=200,bad_rate=0.2",
        "--sink",
        "bot:transcript=true",
        "--sink",
        &sink,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The transcript's per-event lines, and the audit's, side by side.
    let transcript: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| l.starts_with("[WATCHING]") || l.starts_with("[ACTIVE]") || l.starts_with("[ERROR]"))
        .map(|l| {
            if l.starts_with("[ERROR]") {
                "error".to_owned()
            } else {
                l.split(" @ $").nth(1).unwrap().split(' ').next().unwrap().to_owned()
            }
        })
        .collect();
    let audit: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["kind"] != "close")
        .map(|v| {
            if v["kind"] == "error" {
                "error".to_owned()
            } else {
                format!("{:.2}", v["price"].as_str().unwrap().parse::<f64>().unwrap())
            }
        })
        .collect();
    assert_eq!(transcript.len(), 200);
    assert_eq!(transcript, audit);
    let v = run(&["audit", "verify", arg(&log)]);
    assert_eq!(v.status.code(), Some(0));
    assert_eq!(stdout(&v), format!("{}: 201 lines intact (seq 1..201)\n", arg(&log)));
}

#[test]
fn a_full_disk_and_a_forbidden_path_exit_1_with_one_clear_line() {
    for (path, want) in
        [("/dev/full", "No space left on device"), ("/sys/sluice-audit.jsonl", "opening /sys/sluice-audit.jsonl")]
    {
        let sink = format!("audit:path={path}");
        let out = run(&["run", "--source", "ticker:seed=1,count=50000", "--sink", &sink]);
        assert_eq!(out.status.code(), Some(1), "{path}: {}", stderr(&out));
        let errors: Vec<String> =
            stderr(&out).lines().filter(|l| l.contains("audit: ") && l.contains(want)).map(str::to_owned).collect();
        assert_eq!(errors.len(), 1, "{path}: {}", stderr(&out));
        // One failure, one line: closing the sink does not report it again.
        let failures = stderr(&out)
            .lines()
            .filter(|l| l.contains(" failed after ") || l.contains("audit: opening") || l.contains("closing"))
            .count();
        assert_eq!(failures, 1, "{path}: {}", stderr(&out));
    }
}

#[test]
fn verify_exits_1_naming_the_broken_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.jsonl");
    let sink = format!("audit:path={}", arg(&log));
    assert!(run(&["run", "-q", "--source", "ticker:seed=3,count=20", "--sink", &sink]).status.success());
    let text = std::fs::read_to_string(&log).unwrap().replacen("\"seq\":3,", "\"seq\":3, ", 1);
    std::fs::write(&log, text).unwrap();
    let out = run(&["audit", "verify", arg(&log)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), format!("sluice: {}:3: the line was edited: its hash does not match\n", arg(&log)));
}

#[test]
fn ctrl_c_during_a_fast_run_leaves_a_whole_log_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.jsonl");
    let sink = format!("audit:path={}", arg(&log));
    let mut child = sluice(&["run", "--source", "ticker:seed=8,bad_rate=0.01", "--sink", &sink, "--sink", "bot"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the log has something in it, then interrupt.
    for _ in 0..200 {
        if std::fs::metadata(&log).is_ok_and(|m| m.len() > 200_000) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(child.id(), "INT");
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{err}");
    assert!(err.contains("sluice: audit: "), "the summary is printed: {err}");
    let bytes = std::fs::read(&log).unwrap();
    assert_eq!(bytes.last(), Some(&b'\n'), "the last line is whole");
    let out = run(&["audit", "verify", arg(&log)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_grep_of_errors_into_an_audit_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("errors.jsonl");
    let src = format!("lines:path={}", log_fixture("crlf-no-final-newline.log"));
    let sink = format!("audit:path={}", arg(&log));
    let out = run(&[
        "run",
        "-q",
        "--source",
        &src,
        "--filter",
        "contains=ERROR",
        "--sink",
        &sink,
        "--report",
        arg(&dir.path().join("r.json")),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let origins: Vec<&str> =
        lines.iter().filter_map(|v| v["origin"].as_str()).map(|o| o.rsplit('/').next().unwrap()).collect();
    assert_eq!(origins, ["crlf-no-final-newline.log:2", "crlf-no-final-newline.log:4", "crlf-no-final-newline.log:7"]);
    assert_eq!(lines[0]["text"], "2026-01-05 10:00:01 ERROR disk full on /var\r");
    assert_eq!(lines[2]["text"], "2026-01-05 10:00:09 ERROR last line has no newline");
    let r = json(&dir.path().join("r.json"));
    assert_eq!((r["run"]["read"].as_u64(), r["run"]["passed"].as_u64()), (Some(7), Some(3)));
}

#[test]
fn a_missing_directory_is_one_line_and_exit_1() {
    let out =
        run(&["run", "-q", "--source", "ticker:seed=1,count=10", "--sink", "audit:path=/nonexistent/dir/a.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "sluice: audit: opening /nonexistent/dir/a.jsonl: No such file or directory\n");
}

#[test]
fn an_audit_log_on_stdout_shows_a_live_sources_lines_as_they_come() {
    // The lines of a followed or piped source went out in 64 KiB batches:
    // nothing showed until the run ended.
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("app.fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let source = format!("lines:path={}", fifo.display());
    let mut child = sluice(&["run", "--source", &source, "--sink", "audit:path=-", "-q"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    writer.write_all(b"ERROR first\n").unwrap();
    writer.flush().unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.contains("\"text\":\"ERROR first\""), "{first}");
    drop(writer);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_head_printed_after_a_run_is_checked_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.jsonl");
    let sink = format!("audit:path={}", log.display());
    let out = run(&["run", "-q", "--source", "ticker:seed=2,count=50", "--sink", &sink]);
    assert!(out.status.success(), "{}", stderr(&out));
    let head = run(&["audit", "head", arg(&log)]);
    assert!(head.status.success(), "{}", stderr(&head));
    let head = stdout(&head).trim().to_owned();
    assert!(head.starts_with("51:"), "the close line is seq 51: {head}");
    let ok = run(&["audit", "verify", arg(&log), "--head", &head]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let wrong = run(&["audit", "verify", arg(&log), "--head", "51:nothex"]);
    assert_eq!(wrong.status.code(), Some(2), "{}", stderr(&wrong));
    let later = format!("60:{}", &head[3..]);
    let short = run(&["audit", "verify", arg(&log), "--head", &later]);
    assert_eq!(short.status.code(), Some(1));
    assert!(stderr(&short).contains("before the head kept elsewhere (seq 60)"), "{}", stderr(&short));
}

#[test]
fn a_keyed_log_is_verified_with_the_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let (log, key) = (dir.path().join("a.jsonl"), dir.path().join("key"));
    std::fs::write(&key, "s3cret\n").unwrap();
    let sink = format!("audit:path={},key_file={}", log.display(), key.display());
    let out = run(&["run", "-q", "--source", "ticker:seed=2,count=20", "--sink", &sink]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plain = run(&["audit", "verify", arg(&log)]);
    assert_eq!(plain.status.code(), Some(1));
    assert!(stderr(&plain).contains("give the key with --key-file"), "{}", stderr(&plain));
    let keyed = run(&["audit", "verify", arg(&log), "--key-file", arg(&key)]);
    assert!(keyed.status.success(), "{}", stderr(&keyed));
    assert!(stdout(&keyed).contains("21 lines intact"), "{}", stdout(&keyed));
    let missing = run(&["audit", "verify", arg(&log), "--key-file", "/nonexistent/key"]);
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
}

#[test]
fn one_writer_at_a_time_and_never_two_outputs_on_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.jsonl");
    let sink = format!("audit:path={}", log.display());
    // A live writer, stopped once a second one has been refused.
    let second = std::cell::RefCell::new(None);
    let first = stalled(&["run", "--source", "ticker:rate=50", "--sink", &sink, "--sink", "bot"], |pid| {
        *second.borrow_mut() = Some(run(&["run", "-q", "--source", "ticker:count=5", "--sink", &sink]));
        signal(pid, "INT");
    });
    assert_eq!(first.code, Some(130), "{}", first.stderr);
    let second = second.into_inner().unwrap();
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert!(stderr(&second).contains("is being written by another run (pid "), "{}", stderr(&second));
    // The first run's log is whole, and the lock went with it.
    assert!(run(&["audit", "verify", arg(&log)]).status.success());
    assert!(run(&["run", "-q", "--source", "ticker:count=5", "--sink", &sink]).status.success());
    // Two outputs on one file are refused before anything runs.
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&log, &link).unwrap();
    let before = std::fs::read(&log).unwrap();
    let twice = run(&[
        "run",
        "-q",
        "--source",
        "ticker:count=5",
        "--sink",
        &sink,
        "--sink",
        &format!("audit:path={}", link.display()),
    ]);
    assert_eq!(twice.status.code(), Some(2), "{}", stderr(&twice));
    let over =
        run(&["run", "-q", "--source", "ticker:count=5", "--sink", &sink, "--sink", "bot", "--report", arg(&log)]);
    assert_eq!(over.status.code(), Some(2), "{}", stderr(&over));
    assert!(stderr(&over).contains("both write"), "{}", stderr(&over));
    assert_eq!(std::fs::read(&log).unwrap(), before, "nothing written by refused runs");
}

/// `lock=wait`: a second writer waits for the first to finish, then appends
/// after it on one chain; Ctrl-C ends a wait at once, with 130, leaving the
/// log as the first writer leaves it.
#[test]
fn a_writer_with_lock_wait_waits_its_turn_and_ctrl_c_ends_the_wait() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.jsonl");
    let sink = format!("audit:path={}", log.display());
    let waiting = format!("{sink},lock=wait");
    let holder = || {
        let child = sluice(&["run", "-q", "--source", "ticker:rate=200", "--sink", &sink])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // It holds the lock once its pid is in the lock file.
        let lock = dir.path().join("a.jsonl.lock");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::read_to_string(&lock).ok() != Some(child.id().to_string()) {
            assert!(Instant::now() < deadline, "the first writer did not take the lock");
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    };
    let closes = || std::fs::read_to_string(&log).unwrap().lines().filter(|l| l.contains("\"kind\":\"close\"")).count();

    // A waiter that gets its turn.
    let first = holder();
    let mut waiter = sluice(&["run", "-q", "--source", "ticker:count=5", "--sink", &waiting])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(waiter.try_wait().unwrap().is_none(), "the second writer did not wait");
    signal(first.id(), "INT");
    assert_eq!(ended(first).0, Some(130));
    let (code, err) = ended(waiter);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(closes(), 2, "both runs closed, one after the other");
    let verify = run(&["audit", "verify", arg(&log)]);
    assert!(verify.status.success(), "{}", stderr(&verify));

    // A waiter stopped while it waits.
    let second = holder();
    let waiter = sluice(&["run", "-q", "--source", "ticker:count=5", "--sink", &waiting])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let (code, err) = interrupted_within(waiter, Duration::from_secs(3));
    assert_eq!(code, Some(130), "{err}");
    signal(second.id(), "INT");
    assert_eq!(ended(second).0, Some(130));
    assert_eq!(closes(), 3, "the stopped waiter wrote nothing");
    assert!(run(&["audit", "verify", arg(&log)]).status.success());
}
