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
    // close() ran: the transcript's last line was written and flushed.
    assert!(rest.ends_with(" ticks.\n"), "{rest}");
    assert!(err.lines().any(|l| l.starts_with("total ")), "the bot's table is printed: {err}");
}

#[test]
fn sigterm_exits_143_after_a_clean_close() {
    let (code, rest, err) = interrupted("TERM");
    assert_eq!(code, Some(143), "{err}");
    assert!(rest.contains("[BRIDGE] Pipeline complete."), "{rest}");
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
