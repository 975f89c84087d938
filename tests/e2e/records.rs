//! `sluice grep --records` against an oracle: a generated log whose
//! messages carry stack traces of 0 to 12 lines (some long), selected,
//! counted, numbered and inverted as whole records, from a file and from a
//! pipe, across the reader's buffer edges.

use std::io::Write;
use std::process::Stdio;

use crate::util::*;

/// A log of `n` records, and each record's lines.
fn log(n: usize) -> (String, Vec<Vec<String>>) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let mut records = Vec::new();
    for i in 0..n {
        let level = ["INFO", "WARN", "ERROR"][next(3) as usize];
        let ms = i as u64 * 7;
        let mut record = vec![format!(
            "2026-01-05 {:02}:{:02}:{:02}.{:03} {level} event {i}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )];
        for k in 0..[0, 0, 0, 1, 3, 12][next(6) as usize] {
            let pad = "x".repeat([0, 0, 300][next(3) as usize]);
            record.push(format!("\tat com.example.Frame{k}.call(Frame.java:{k}){pad}"));
        }
        records.push(record);
    }
    let text = records.iter().map(|r| r.join("\n") + "\n").collect();
    (text, records)
}

#[test]
fn records_are_selected_counted_and_numbered_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (text, records) = log(40_000);
    let path = dir.path().join("app.log");
    std::fs::write(&path, &text).unwrap();
    for (flags, pattern) in [(&[][..], "ERROR"), (&["-v"], "INFO"), (&["-n"], "Frame11"), (&["-c"], "Frame2")] {
        let invert = flags.contains(&"-v");
        let (mut want, mut count, mut line) = (String::new(), 0, 1);
        for r in &records {
            if r.iter().any(|l| l.contains(pattern)) != invert {
                count += 1;
                let prefix = if flags.contains(&"-n") { format!("{line}:") } else { String::new() };
                want.push_str(&format!("{prefix}{}\n", r.join("\n")));
            }
            line += r.len();
        }
        if flags.contains(&"-c") {
            want = format!("{count}\n");
        }
        let mut args = vec!["grep", "--records"];
        args.extend_from_slice(flags);
        args.push(pattern);
        let out = run(&[&args[..], &[arg(&path)]].concat());
        assert!(stdout(&out) == want, "{args:?} on the file: {}", stderr(&out));
        let mut child =
            sluice(&[&args[..], &["-"]].concat()).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let feed = text.clone();
        let writer = std::thread::spawn(move || stdin.write_all(feed.as_bytes()));
        let piped = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(String::from_utf8_lossy(&piped.stdout) == want, "{args:?} on a pipe");
    }
}

/// Records go through `--sink` whole: each selected record is one record
/// of the pipeline, located at its first line, its lines joined by `\n`.
#[test]
fn records_reach_a_sink_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (text, records) = log(2_000);
    let path = dir.path().join("app.log");
    std::fs::write(&path, &text).unwrap();
    let audit = dir.path().join("audit.jsonl");
    let sink = format!("audit:path={}", arg(&audit));
    let out = run(&["grep", "--records", "Frame7", arg(&path), "--sink", &sink]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (mut want, mut line) = (Vec::new(), 1);
    for r in &records {
        if r.iter().any(|l| l.contains("Frame7")) {
            want.push((format!("{}:{line}", arg(&path)), r.join("\n")));
        }
        line += r.len();
    }
    assert!(want.len() > 10, "the log has records to select");
    let got: Vec<(String, String)> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["kind"] == "record")
        .map(|v| (v["origin"].as_str().unwrap().to_owned(), v["text"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(got, want);
}

/// Context counts whole records: `-B`/`-A` records before and after each
/// selected one, a separator between groups that do not touch, numbered
/// by each record's first line (`N:` selected, `N-` context).
#[test]
fn context_is_counted_in_records() {
    let dir = tempfile::tempdir().unwrap();
    let (text, records) = log(20_000);
    let path = dir.path().join("app.log");
    std::fs::write(&path, &text).unwrap();
    for (before, after, invert, pattern) in
        [(1, 1, false, "Frame11"), (2, 0, false, "ERROR event 1"), (0, 1, true, "INFO")]
    {
        let selected: Vec<bool> = records.iter().map(|r| r.iter().any(|l| l.contains(pattern)) != invert).collect();
        let mut shown = vec![false; records.len()];
        for (i, _) in selected.iter().enumerate().filter(|(_, s)| **s) {
            let around = i.saturating_sub(before)..=(i + after).min(records.len() - 1);
            shown[around].iter_mut().for_each(|s| *s = true);
        }
        let (mut want, mut line, mut last) = (String::new(), 1, None);
        for (i, r) in records.iter().enumerate() {
            if shown[i] {
                if last.is_some_and(|l: usize| l + 1 != i) {
                    want.push_str("--\n");
                }
                let mark = if selected[i] { ':' } else { '-' };
                want.push_str(&format!("{line}{mark}{}\n", r.join("\n")));
                last = Some(i);
            }
            line += r.len();
        }
        let (b, a) = (format!("-B{before}"), format!("-A{after}"));
        let mut args = vec!["grep", "--records", "-n", &b, &a];
        if invert {
            args.push("-v");
        }
        args.extend([pattern, arg(&path)]);
        let out = run(&args);
        assert!(want.lines().count() > 20, "{args:?}: the log has records to show");
        assert!(stdout(&out) == want, "{args:?}: {}", stderr(&out));
    }
}

/// `--records --follow`: a record whose trace is written a moment after
/// its first line is printed whole; the last record of a quiet log is
/// printed after a short wait, not held for ever; one held when the run
/// stops is printed then.
#[test]
fn a_followed_log_gives_whole_records_and_its_last_one_after_a_pause() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(&path, "2026-01-05 10:00:00 INFO start\n").unwrap();
    let mut child = sluice(&["grep", "--records", "--follow", "ERROR", arg(&path)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, printed) = std::sync::mpsc::channel();
    let out = BufReader::new(child.stdout.take().unwrap());
    let reader = std::thread::spawn(move || {
        for line in out.lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let append = |text: &str| {
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(text.as_bytes()).unwrap();
    };
    let next = |within: u64| printed.recv_timeout(std::time::Duration::from_millis(within)).ok();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // The first line, then its trace 300 ms later, then nothing.
    append("2026-01-05 10:00:01 ERROR boom\n");
    std::thread::sleep(std::time::Duration::from_millis(300));
    append("\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\n");
    assert_eq!(next(5000).as_deref(), Some("2026-01-05 10:00:01 ERROR boom"));
    assert_eq!(next(1000).as_deref(), Some("\tat a.B.c(B.java:1)"));
    assert_eq!(next(1000).as_deref(), Some("\tat a.B.d(B.java:2)"));
    // A next record, held when Ctrl-C comes: printed at the end.
    append("2026-01-05 10:00:02 INFO fine\n2026-01-05 10:00:03 ERROR again\n\tat x.Y.z(Y.java:3)\n");
    std::thread::sleep(std::time::Duration::from_millis(300));
    signal(child.id(), "INT");
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let rest: Vec<String> = printed.try_iter().collect();
    assert_eq!(rest, ["2026-01-05 10:00:03 ERROR again", "\tat x.Y.z(Y.java:3)"]);
    assert_eq!(status.code(), Some(0));
}
