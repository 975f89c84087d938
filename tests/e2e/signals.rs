//! Ends that come from outside: Ctrl-C, SIGTERM and a closed stdout.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::time::Duration;

use crate::util::*;

/// A live-paced run, interrupted after its first signal line.
fn interrupted(name: &str) -> (Option<i32>, String, String) {
    let mut child = sluice(&["run", "--source", "ticker:seed=9,rate=200", "--transcript"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert_eq!(first, "[BOT] Initialized. State: WATCHING\n");
    std::thread::sleep(Duration::from_millis(300));
    signal(child.id(), name);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (child.wait().unwrap().code(), rest, err)
}

#[test]
fn ctrl_c_closes_the_sinks_and_exits_130() {
    let (code, rest, err) = interrupted("INT");
    assert_eq!(code, Some(130), "{err}");
    // close() ran: the transcript's last line was written and flushed,
    // and says the run was cut short, as the summary does.
    assert!(rest.ends_with(" ticks.\n"), "{rest}");
    assert!(rest.contains("[BRIDGE] Pipeline interrupted."), "{rest}");
    assert!(err.contains("sluice: interrupted by SIGINT"), "{err}");
    assert!(err.lines().any(|l| l.starts_with("total ")), "the bot's table is printed: {err}");
}

#[test]
fn sigterm_exits_143_after_a_clean_close() {
    let (code, rest, err) = interrupted("TERM");
    assert_eq!(code, Some(143), "{err}");
    assert!(rest.contains("[BRIDGE] Pipeline interrupted."), "{rest}");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let mut child = sluice(&["run", "-q", "--source", "ticker:seed=2", "--transcript"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    // The reader (and so the pipe) is dropped here, like `| head -1`.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_first_signal_ends_a_read_blocked_on_a_fifo_cleanly() {
    // Issue 19: with a FIFO held open, SIGINT waited for data and the run
    // ended with exit 0 and ending=end_of_input (or needed a second Ctrl-C
    // that skipped the clean close).
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("in.fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let report = dir.path().join("r.json");
    let fifo_arg = fifo.to_str().unwrap().to_owned();
    let report_arg = report.to_str().unwrap().to_owned();
    let cases: [(&[&str], &str); 2] = [
        (&["grep", "--line-buffered", "ERROR", &fifo_arg], "ERROR one\n"),
        (
            &["replay", &fifo_arg, "--report", &report_arg, "-q"],
            "timestamp,symbol,price,volume\n2026-01-05T00:00:00Z,X,140,1\n",
        ),
    ];
    for (args, text) in cases {
        let mut child =
            sluice(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
        // The writer stays open: the reader blocks after the first line.
        let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        writer.write_all(text.as_bytes()).unwrap();
        writer.flush().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(first.contains("ERROR one") || first.starts_with("ENTRY X 140"), "{args:?}: {first:?}");
        signal(child.id(), "INT");
        let (code, err) = ended(child);
        drop(writer);
        assert_eq!(code, Some(130), "{args:?}: {err}");
    }
    assert_eq!(json(&report)["run"]["ending"], "interrupted");
}
