//! `sluice grep --since/--until` against an oracle that reads every line's
//! time: generated logs with gaps, bursts of one time, stack traces (lines
//! without a time), lines before the first time and long lines, many
//! windows each, by bisection on the file and by a scan of a pipe; and the
//! real Loghub logs written with ISO times when ../shared is present.

use std::io::Write;
use std::process::Stdio;

use crate::util::*;

/// A small generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// `2026-01-05 HH:MM:SS.mmm` for `ms` milliseconds into the day.
fn stamp(ms: u64) -> String {
    let s = ms / 1000;
    format!("2026-01-05 {:02}:{:02}:{:02}.{:03}", s / 3600, s / 60 % 60, s % 60, ms % 1000)
}

/// A log in time order, with its lines and each line's time in ms (an
/// untimed line has the time before it; `None` before the first time).
fn log(rng: &mut Rng) -> (String, Vec<Option<u64>>) {
    let (mut text, mut times) = (String::new(), Vec::new());
    for _ in 0..rng.below(3) {
        text.push_str("a banner line with no time\n");
        times.push(None);
    }
    let mut ms = 1000 * rng.below(3600);
    for i in 0..rng.below(3000) + 1 {
        // Gaps from nothing (several lines at one time) to minutes.
        ms += [0, 1, 7, 250, 1000, 61_000][rng.below(6) as usize];
        let level = ["INFO", "WARN", "ERROR"][rng.below(3) as usize];
        let long = if rng.below(200) == 0 { "x".repeat(70_000) } else { String::new() };
        text.push_str(&format!("{} {level} line {i} {long}\n", stamp(ms)));
        times.push(Some(ms));
        for _ in 0..if rng.below(10) == 0 { rng.below(4) } else { 0 } {
            text.push_str("    at com.example.Service.call(Service.java:42)\n");
            times.push(Some(ms));
        }
    }
    (text, times)
}

/// What `grep -n PATTERN` prints of the lines whose time is in `[since, until)`.
fn expected(text: &str, times: &[Option<u64>], since: Option<u64>, until: Option<u64>, pattern: &str) -> String {
    let mut out = String::new();
    for (i, (line, t)) in text.lines().zip(times).enumerate() {
        let inside = match t {
            Some(t) => since.is_none_or(|s| *t >= s) && until.is_none_or(|u| *t < u),
            None => since.is_none() && until.is_some(),
        };
        if inside && line.contains(pattern) {
            out.push_str(&format!("{}:{line}\n", i + 1));
        }
    }
    out
}

fn window_args(since: Option<u64>, until: Option<u64>) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(s) = since {
        args.extend(["--since".to_owned(), stamp(s)]);
    }
    if let Some(u) = until {
        args.extend(["--until".to_owned(), stamp(u)]);
    }
    args
}

#[test]
fn bisection_and_a_scan_select_what_every_lines_time_selects() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut cases = 0;
    for round in 0..12 {
        let (text, times) = log(&mut rng);
        let path = dir.path().join(format!("app{round}.log"));
        std::fs::write(&path, &text).unwrap();
        let known: Vec<u64> = times.iter().flatten().copied().collect();
        let (first, last) = (known[0], *known.last().unwrap());
        for _ in 0..8 {
            // Edges on a line's time, between times, and outside the log.
            let pick = |rng: &mut Rng| match rng.below(3) {
                0 => known[rng.below(known.len() as u64) as usize],
                1 => first.saturating_sub(5000) + rng.below(last - first + 10_000),
                _ => [first.saturating_sub(1), last + 1][rng.below(2) as usize],
            };
            let (a, b) = (pick(&mut rng), pick(&mut rng));
            let (since, until) = match rng.below(3) {
                0 => (Some(a.min(b)), Some(a.max(b))),
                1 => (Some(a), None),
                _ => (None, Some(a)),
            };
            let pattern = ["ERROR", "line 1", ""][rng.below(3) as usize];
            let want = expected(&text, &times, since, until, pattern);
            let mut args: Vec<String> = vec!["grep".into(), "-n".into(), pattern.into()];
            args.extend(window_args(since, until));
            args.push(arg(&path).into());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = run(&args);
            let code = if want.is_empty() { 1 } else { 0 };
            assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
            assert!(stdout(&out) == want, "{args:?}: bisection differs from the oracle");
            // A pipe is scanned, line by line: the same lines (unnumbered).
            let plain: String = want.lines().map(|l| l.split_once(':').unwrap().1.to_owned() + "\n").collect();
            let mut scan: Vec<String> = vec!["grep".into(), pattern.into()];
            scan.extend(window_args(since, until));
            scan.push("-".into());
            let scan: Vec<&str> = scan.iter().map(String::as_str).collect();
            let mut child = sluice(&scan).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let feed = text.clone();
            let writer = std::thread::spawn(move || {
                let _ = stdin.write_all(feed.as_bytes());
            });
            let piped = child.wait_with_output().unwrap();
            writer.join().unwrap();
            assert!(String::from_utf8_lossy(&piped.stdout) == plain, "{scan:?} on a pipe differs from the oracle");
            cases += 1;
        }
    }
    assert_eq!(cases, 96);
}

#[test]
fn a_log_out_of_order_is_said_and_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shuffled.log");
    // Out of order where bisection looks: inside the window, and at its
    // probes (it cannot see an order broken elsewhere without reading all).
    let text = "2026-01-05 10:00:00 ERROR a\n2026-01-05 11:30:00 ERROR e\n2026-01-05 11:00:00 ERROR c\n\
                2026-01-05 12:00:00 ERROR b\n2026-01-05 09:00:00 ERROR d\n";
    std::fs::write(&path, text).unwrap();
    let out = run(&["grep", "--since", "2026-01-05 10:30", "--until", "2026-01-05 12:00", "ERROR", arg(&path)]);
    assert_eq!(stdout(&out), "2026-01-05 11:30:00 ERROR e\n2026-01-05 11:00:00 ERROR c\n");
    assert!(stderr(&out).contains("not in time order"), "{}", stderr(&out));
    // Scanned, lines keep their numbers in the file.
    let numbered =
        run(&["grep", "-n", "--since", "2026-01-05 10:30", "--until", "2026-01-05 12:00", "ERROR", arg(&path)]);
    assert_eq!(stdout(&numbered), "2:2026-01-05 11:30:00 ERROR e\n3:2026-01-05 11:00:00 ERROR c\n");
    // A log without times cannot be placed in a window: said, exit 2.
    let timeless = dir.path().join("timeless.log");
    std::fs::write(&timeless, "ERROR no time here\n").unwrap();
    let out = run(&["grep", "--since", "2026-01-05", "ERROR", arg(&timeless)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("date and time"), "{}", stderr(&out));
}

/// The real logs with ISO times: a window of each, against every line's
/// time read by the oracle's own reading of the first date and time.
#[test]
fn real_logs_with_iso_times_give_the_oracles_window() {
    let Some(real) = real_data() else { return };
    for name in ["Hadoop_2k.log", "Zookeeper_2k.log", "Windows_2k.log", "OpenStack_2k.log"] {
        let path = real.join("logs").join(name);
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        // Times as text: ISO dates sort as text, the fraction left out.
        let time = |line: &str| -> Option<String> {
            let at = line.find(|c: char| c.is_ascii_digit())?;
            line.match_indices("20").map(|(i, _)| i).filter(|&i| i >= at).find_map(|i| {
                let t = line.get(i..i + 19)?;
                let b = t.as_bytes();
                (b[4] == b'-' && b[7] == b'-' && (b[10] == b' ' || b[10] == b'T') && b[13] == b':' && b[16] == b':')
                    .then(|| t.replace('T', " "))
            })
        };
        let mut last = None;
        let times: Vec<Option<String>> = text
            .lines()
            .map(|l| {
                if let Some(t) = time(l) {
                    last = Some(t);
                }
                last.clone()
            })
            .collect();
        let known: Vec<&String> = times.iter().flatten().collect();
        let since = known[known.len() / 4].clone();
        let later = known.iter().skip(known.len() / 2).find(|t| ***t > since);
        let until = later.map_or_else(|| known[known.len() - 1].clone(), |t| (*t).clone());
        let want: String = text
            .lines()
            .zip(&times)
            .enumerate()
            .filter(|(_, (_, t))| t.as_ref().is_some_and(|t| *t >= since && *t < until))
            .map(|(i, (l, _))| format!("{}:{l}\n", i + 1))
            .collect();
        let out = run(&["grep", "-n", "--since", &since, "--until", &until, "", arg(&path)]);
        assert!(stdout(&out).replace('\r', "") == want.replace('\r', ""), "{name}: {}", stderr(&out));
        assert!(!want.is_empty(), "{name}: an empty window tests nothing");
    }
}
