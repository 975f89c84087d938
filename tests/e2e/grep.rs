//! `sluice grep` against hand-written expectations, against GNU grep, and
//! against files that change while they are searched.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::*;

#[test]
fn crlf_and_a_missing_final_newline_print_as_grep_prints_them() {
    let f = log_fixture("crlf-no-final-newline.log");
    let (code, out, err) = grep(&["ERROR", &f]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out,
        "2026-01-05 10:00:01 ERROR disk full on /var\r\n\
         2026-01-05 10:00:03 INFO retry ERRORS=0 ERROR [worker-1] refused\r\n\
         2026-01-05 10:00:09 ERROR last line has no newline\n"
    );
    assert_eq!(grep(&["-c", "ERROR", &f]).1, "3\n");
    assert_eq!(grep(&["-n", "-w", "ERROR", &f]).1.lines().map(|l| &l[..2]).collect::<Vec<_>>(), ["2:", "4:", "7:"]);
    assert_eq!(grep(&["-c", "-i", "error", &f]).1, "5\n");
    assert_eq!(grep(&["-c", "-v", "ERROR", &f]).1, "4\n");
    assert_eq!(grep(&["-m", "1", "-n", "ERROR", &f]).1, "2:2026-01-05 10:00:01 ERROR disk full on /var\r\n");
    assert_eq!(grep(&["-n", "ERROR$", &f]).1, "", "the CR is part of the line");
}

#[test]
fn flags_on_plain_lines_and_invalid_utf8() {
    let f = log_fixture("lf.log");
    assert_eq!(
        grep(&["-n", "ERROR", &f]).1.as_bytes(),
        b"1:plain ERROR line\n3:\xef\xbf\xbd\xef\xbf\xbd invalid utf8 ERROR \xef\xbf\xbd\n4:ERRORS plural\n"
    );
    let out = run(&["grep", "ERROR", &f]);
    assert_eq!(
        &out.stdout[..],
        b"plain ERROR line\n\xff\xfe invalid utf8 ERROR \xc3\nERRORS plural\n",
        "bytes as they are"
    );
    assert_eq!(grep(&["-w", "-c", "ERROR", &f]).1, "2\n");
    assert_eq!(grep(&["-F", "-c", "E.ROR", &f]).1, "0\n");
    assert_eq!(grep(&["-c", "E.ROR", &f]).1, "3\n");
    assert_eq!(grep(&["-c", "^$", &f]).1, "1\n");
    let two = log_fixture("crlf-no-final-newline.log");
    assert_eq!(grep(&["-l", "plural", &f, &two]).1, format!("{f}\n"));
    assert_eq!(grep(&["-c", "-h", "plain", &f, &two]).1, "1\n0\n");
    assert_eq!(grep(&["-H", "-c", "plain", &f]).1, format!("{f}:1\n"));
}

#[test]
fn exit_status_is_grep_s() {
    let f = log_fixture("lf.log");
    let empty = log_fixture("empty.log");
    assert_eq!(grep(&["ERROR", &f]).0, Some(0));
    assert_eq!(grep(&["nothing-like-this", &f]).0, Some(1));
    assert_eq!(grep(&["ERROR", &empty]), (Some(1), String::new(), String::new()));
    // An unreadable file is reported, the others are still searched, and the
    // status is 2 — unless -q found a match.
    let (code, out, err) = grep(&["plain", "/no/such/file.log", &f]);
    assert_eq!(code, Some(2));
    assert_eq!(out, format!("{f}:plain ERROR line\n"));
    assert_eq!(err, "sluice: /no/such/file.log: No such file or directory\n");
    assert_eq!(grep(&["-q", "plain", "/no/such/file.log", &f]).0, Some(0));
    let (code, _, err) = grep(&["x", "/tmp"]);
    assert_eq!((code, err.as_str()), (Some(2), "sluice: /tmp: Is a directory\n"));
    let (code, _, err) = grep(&["-E", "a(", &f]);
    assert_eq!(code, Some(2));
    assert!(err.starts_with("sluice: invalid pattern `a(`"), "{err}");
    // In a basic expression, grep's default, `(` is a literal.
    assert_eq!(grep(&["a(", &f]).0, Some(1));
}

#[test]
fn a_binary_file_is_reported_not_printed_unless_a() {
    let f = log_fixture("binary.log");
    let (code, out, err) = grep(&["ERROR", &f]);
    assert_eq!((code, out.as_str()), (Some(0), ""));
    assert_eq!(err, format!("sluice: {f}: binary file matches\n"));
    // A NUL ends a line in a binary file, as in grep: "head", "binary ",
    // " junk ERROR", "ERROR after the nul".
    assert_eq!(grep(&["-c", "ERROR", &f]).1, "2\n");
    let out = run(&["grep", "-a", "ERROR", &f]);
    assert_eq!(&out.stdout[..], b"binary \x00 junk ERROR\nERROR after the nul\n");
}

#[test]
fn stdin_is_searched_and_named_as_grep_names_it() {
    let mut child =
        sluice(&["grep", "-H", "-n", "b", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"a\nb\r\nc").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "(standard input):2:b\r\n");
}

#[test]
fn a_line_over_the_limit_is_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.log");
    std::fs::write(&path, format!("ERROR short\n{}ERROR\nERROR after\n", "x".repeat(5000))).unwrap();
    let (code, out, err) = grep(&["--max-line-bytes", "1000", "ERROR", arg(&path)]);
    assert_eq!(code, Some(2));
    assert_eq!(out, "ERROR short\nERROR after\n");
    let p = arg(&path);
    assert_eq!(
        err,
        format!("sluice: {p}: the line at byte 12: line of 5005 bytes is longer than --max-line-bytes; skipped\n")
    );
    // With -n, lines are counted, and the warning names the line.
    let (code, out, err) = grep(&["-n", "--max-line-bytes", "1000", "ERROR", p]);
    assert_eq!((code, out.as_str()), (Some(2), "1:ERROR short\n3:ERROR after\n"));
    assert_eq!(err, format!("sluice: {p}:2: line of 5005 bytes is longer than --max-line-bytes; skipped\n"));
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    std::fs::write(&path, "ERROR a line of the log\n".repeat(200_000)).unwrap();
    let mut child =
        sluice(&["grep", "ERROR", arg(&path)]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(first, "ERROR a line of the log\n");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
}

/// Starts a grep whose output nobody reads yet, so it stalls early in a
/// big file; `change` then alters the file; the rest of the output is read.
fn change_during_search(change: impl FnOnce(&std::path::Path)) -> (Option<i32>, usize, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.log");
    std::fs::write(&path, "ERROR a line that every search selects\n".repeat(400_000)).unwrap();
    let run = stalled(&["grep", "ERROR", arg(&path)], |_| change(&path));
    let lines = run.rest.iter().filter(|&&b| b == b'\n').count();
    (run.code, lines, run.stderr)
}

#[test]
fn a_file_truncated_during_the_search_gives_a_warning_not_a_crash() {
    let (code, lines, err) =
        change_during_search(|p| std::fs::File::options().write(true).open(p).unwrap().set_len(0).unwrap());
    assert_eq!(code, Some(0));
    assert!(lines < 400_000, "the truncated part was not searched");
    assert!(err.contains("live.log: file was truncated while being searched"), "{err}");
}

#[test]
fn a_file_deleted_during_the_search_is_searched_to_its_end() {
    let (code, lines, err) = change_during_search(|p| std::fs::remove_file(p).unwrap());
    assert_eq!(code, Some(0));
    assert_eq!(lines, 400_000, "the open file stays readable to its end");
    assert!(err.contains("live.log: file was deleted while being searched"), "{err}");
}

#[test]
fn a_file_rotated_during_the_search_is_searched_to_its_end_without_a_warning() {
    // Every line selected (one thread: the chunks are dense), and one in
    // sixteen (every core).
    for every in [1, 16] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.log");
        let text: String =
            (0..400_000).map(|i| if i % every == 0 { "ERROR selected\n" } else { "INFO passed\n" }).collect();
        std::fs::write(&path, text).unwrap();
        let run = stalled(&["grep", "ERROR", arg(&path)], |_| {
            std::fs::rename(&path, path.with_extension("log.1")).unwrap();
            std::fs::write(&path, "ERROR the first line of the new file\n").unwrap();
        });
        assert_eq!(run.code, Some(0));
        // The file searched is the one opened, read whole and unchanged:
        // what the name leads to now is another file.
        assert_eq!(run.rest.iter().filter(|&&b| b == b'\n').count(), 400_000 / every, "one in {every}");
        assert_eq!(run.stderr, "", "one in {every}");
    }
}

#[test]
fn a_file_appended_to_during_the_search_is_searched_or_reported() {
    let (code, lines, err) = change_during_search(|p| {
        let mut f = std::fs::File::options().append(true).open(p).unwrap();
        f.write_all(&b"ERROR appended\n".repeat(100_000)).unwrap();
    });
    assert_eq!(code, Some(0));
    // Rows added before the end was reached are searched; any added later
    // would be named in a warning.
    let all_searched = lines == 500_000 && err.is_empty();
    assert!(all_searched || err.contains("live.log: file grew while being searched"), "{lines} lines, {err}");
}

/// A `--follow` grep and a channel of the lines it prints.
fn follow(path: &std::path::Path) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = sluice(&["grep", "--follow", "-n", "ERROR", arg(path)]).stdout(Stdio::piped()).spawn().unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in out.lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn next(rx: &mpsc::Receiver<String>) -> String {
    rx.recv_timeout(Duration::from_secs(10)).expect("a line within 10 s")
}

fn append(path: &std::path::Path, text: &str) {
    std::fs::File::options().create(true).append(true).open(path).unwrap().write_all(text.as_bytes()).unwrap();
}

fn interrupt(mut child: std::process::Child) -> Option<i32> {
    signal(child.id(), "INT");
    child.wait().unwrap().code()
}

#[test]
fn sigterm_ends_a_follow_with_143_where_ctrl_c_ends_it_with_0() {
    // Issue 19: a followed grep exited 0 on SIGTERM.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    append(&path, "ERROR 1\n");
    let (child, rx) = follow(&path);
    assert_eq!(next(&rx), "1:ERROR 1");
    signal(child.id(), "TERM");
    let mut child = child;
    assert_eq!(child.wait().unwrap().code(), Some(143));
}

#[test]
fn follow_survives_rename_and_recreate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    append(&path, "INFO a\nERROR 1\n");
    let (child, rx) = follow(&path);
    assert_eq!(next(&rx), "2:ERROR 1");
    append(&path, "ERROR 2 partial");
    std::thread::sleep(Duration::from_millis(300));
    append(&path, " line\n");
    assert_eq!(next(&rx), "3:ERROR 2 partial line", "a partial line waits for its newline");
    // Rotation: the old file gets one more line after the rename.
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    append(&dir.path().join("app.log.1"), "ERROR 3 late in the old file\n");
    append(&path, "ERROR 4 in the new file\n");
    assert_eq!(next(&rx), "4:ERROR 3 late in the old file");
    assert_eq!(next(&rx), "1:ERROR 4 in the new file");
    assert_eq!(interrupt(child), Some(0));
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "no line repeated");
}

#[test]
fn follow_survives_copy_and_truncate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    append(&path, "ERROR 1\nINFO x\n");
    let (child, rx) = follow(&path);
    assert_eq!(next(&rx), "1:ERROR 1");
    std::fs::copy(&path, dir.path().join("app.log.1")).unwrap();
    std::fs::File::options().write(true).open(&path).unwrap().set_len(0).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    append(&path, "ERROR 2 after truncation\n");
    assert_eq!(next(&rx), "1:ERROR 2 after truncation");
    assert_eq!(interrupt(child), Some(0));
}

/// Every flag set on every log, the real ones where ../shared is present,
/// byte for byte against GNU grep (run with LC_ALL=C).
#[test]
fn output_and_status_equal_gnu_grep() {
    if Command::new("grep").arg("--version").output().is_err() {
        skipped("GNU grep is not installed: no comparison");
        return;
    }
    let mut files: Vec<String> =
        ["crlf-no-final-newline.log", "lf.log", "binary.log", "empty.log"].iter().map(|f| log_fixture(f)).collect();
    if let Some(real) = real_data() {
        let mut logs: Vec<String> = std::fs::read_dir(real.join("logs"))
            .unwrap()
            .map(|e| e.unwrap().path().to_string_lossy().into_owned())
            .filter(|p| p.ends_with(".log"))
            .collect();
        logs.sort();
        files.extend(logs);
    }
    let flag_sets: &[&[&str]] = &[
        &["ERROR"],
        &["-F", "ERROR"],
        &["-c", "ERROR"],
        &["-n", "ERROR"],
        &["-i", "error"],
        &["-v", "INFO"],
        &["-w", "ERROR"],
        &["-c", "-v", "INFO"],
        &["-n", "-i", "-w", "error"],
        &["-l", "ERROR"],
        &["-m", "3", "-n", "error"],
        &["-H", "ERROR"],
        &["-q", "ERROR"],
        &["--color=always", "-n", "-i", "error"],
        &["-a", "ERROR"],
        &["-c", "^"],
    ];
    for file in &files {
        for flags in flag_sets {
            let theirs = Command::new("grep").env("LC_ALL", "C").args(*flags).arg(file).output().unwrap();
            let ours = sluice(&[&["grep"], *flags, &[file.as_str()]].concat()).output().unwrap();
            assert_eq!(ours.stdout, theirs.stdout, "{flags:?} {file}");
            assert_eq!(ours.status.code(), theirs.status.code(), "{flags:?} {file}");
            assert_eq!(
                String::from_utf8_lossy(&ours.stderr).replace("sluice: ", ""),
                String::from_utf8_lossy(&theirs.stderr).replace("grep: ", ""),
                "{flags:?} {file}"
            );
        }
    }
    // Several files at once: names, and an error between them.
    let theirs =
        Command::new("grep").env("LC_ALL", "C").args(["-n", "ERROR"]).args(&files).arg("/no/such").output().unwrap();
    let mut args = vec!["grep", "-n", "ERROR"];
    args.extend(files.iter().map(String::as_str));
    args.push("/no/such");
    let ours = run(&args);
    assert_eq!(ours.stdout, theirs.stdout);
    assert_eq!(ours.status.code(), theirs.status.code());
}

#[test]
fn with_a_sink_the_selected_lines_become_records_and_the_status_stays_greps() {
    let dir = tempfile::tempdir().unwrap();
    let log = log_fixture("crlf-no-final-newline.log");
    let text = std::fs::read(&log).unwrap();
    let audit = dir.path().join("a.jsonl");
    let o = run(&["grep", "-i", "error", &log, "--sink", &format!("audit:path={}", arg(&audit))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["kind"] == "record")
        .collect();
    let wanted: Vec<(usize, &[u8])> = text
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| l.to_ascii_lowercase().windows(5).any(|w| w == b"error"))
        .collect();
    assert_eq!(records.len(), wanted.len());
    for (r, (i, line)) in records.iter().zip(&wanted) {
        assert_eq!(r["origin"], format!("{log}:{}", i + 1));
        // The offset points at the line in the file.
        let at = r["offset"].as_u64().unwrap() as usize;
        assert_eq!(&text[at..at + line.len()], *line);
        assert_eq!(r["text"].as_str().unwrap().as_bytes(), *line);
    }
    let none = run(&["grep", "no such words", &log, "--sink", &format!("audit:path={}", arg(&audit))]);
    assert_eq!(none.status.code(), Some(1));
    let missing = run(&["grep", "x", "/no/such/file", "--sink", &format!("audit:path={}", arg(&audit))]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("/no/such/file"), "{}", stderr(&missing));
}

#[test]
fn compressed_files_and_fifos_get_no_false_change_warning() {
    // Issue 14: every .gz, .zst and FIFO input was "truncated while being
    // searched", the bytes read being compared with the wrong size.
    let dir = tempfile::tempdir().unwrap();
    let plain = "INFO up\nERROR down\n".repeat(2000);
    let gz = dir.path().join("app.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(plain.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let (code, out, err) = grep(&["-c", "--decompress", "ERROR", arg(&gz)]);
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "2000\n", ""));
    let fifo = dir.path().join("app.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let path = fifo.clone();
    let text = plain.clone();
    let writer = std::thread::spawn(move || std::fs::write(path, text).unwrap());
    let (code, out, err) = grep(&["-c", "ERROR", arg(&fifo)]);
    writer.join().unwrap();
    assert_eq!((code, out.as_str(), err.as_str()), (Some(0), "2000\n", ""));
}

/// Combinations that cannot mean anything are refused before anything is
/// read, each by one line naming the flags, exit 2.
#[test]
fn combinations_without_a_meaning_are_refused_by_name() {
    for (args, says) in [
        (&["--follow", "-r", "ERROR", "."][..], "--follow"),
        (&["--follow", "--decompress", "ERROR", "a.log"], "--decompress"),
        (&["--since", "2026-01-05", "--follow", "ERROR", "a.log"], "--since"),
        (&["-z", "--follow", "ERROR", "a.log"], "-z"),
        (&["-P", "-e", "a", "-e", "b", "a.log"], "-P"),
        (&["--records", "-z", "ERROR", "a.log"], "--records"),
    ] {
        let (code, out, err) = grep(args);
        assert_eq!((code, out.as_str()), (Some(2), ""), "{args:?}: {err}");
        assert!(err.contains(says) && err.lines().count() == 1, "{args:?}: {err}");
    }
}

/// `--stats` gives ripgrep's figures on stderr, after the lines: here the
/// ones ripgrep 13 gives for the same search (two files, one matching
/// twice on one line), the times aside.
#[test]
fn stats_give_ripgreps_figures() {
    let dir = tempfile::tempdir().unwrap();
    let (j, k) = (dir.path().join("j.log"), dir.path().join("k.log"));
    std::fs::write(&j, "INFO a\nERROR b ERROR\nINFO c\n").unwrap();
    std::fs::write(&k, "nothing\n").unwrap();
    let (code, out, err) = grep(&["--stats", "-h", "ERROR", arg(&j), arg(&k)]);
    assert_eq!((code, out.as_str()), (Some(0), "ERROR b ERROR\n"));
    let figures: Vec<&str> = err.lines().skip(1).take(6).collect();
    let want = [
        "2 matches",
        "1 matched lines",
        "1 files contained matches",
        "2 files searched",
        "14 bytes printed",
        "36 bytes searched",
    ];
    assert_eq!(figures, want, "{err}");
    assert!(err.lines().nth(7).is_some_and(|l| l.ends_with(" seconds spent searching")), "{err}");
    // The lines -v selects hold no match: ripgrep counts none.
    let (_, _, err) = grep(&["--stats", "-v", "ERROR", arg(&j)]);
    assert_eq!(err.lines().skip(1).take(2).collect::<Vec<_>>(), ["0 matches", "2 matched lines"], "{err}");
}

/// `grep --follow ERROR PATH --sink audit:path=AUDIT --checkpoint CP`,
/// and more flags, interrupted once the checkpoint says line `until` is
/// next; the audited lines' texts.
fn follow_to_checkpoint(
    path: &std::path::Path,
    dir: &std::path::Path,
    run: &str,
    until: u64,
    more: &[&str],
) -> Vec<String> {
    follow_and_tell(path, dir, run, until, more).0
}

/// [`follow_to_checkpoint`], and what the run said on stderr.
fn follow_and_tell(
    path: &std::path::Path,
    dir: &std::path::Path,
    run: &str,
    until: u64,
    more: &[&str],
) -> (Vec<String>, String) {
    let (audit, cp) = (dir.join(format!("{run}.jsonl")), dir.join("cp.json"));
    let sink = format!("audit:path={}", arg(&audit));
    let mut args = vec!["grep", "--follow", "ERROR", arg(path), "--sink", &sink, "--checkpoint", arg(&cp)];
    args.extend_from_slice(more);
    let child = sluice(&args).stderr(Stdio::piped()).spawn().unwrap();
    let next_line = || std::fs::read_to_string(&cp).ok().and_then(|t| json_text(&t)["files"][0]["line"].as_u64());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while next_line() != Some(until) {
        assert!(std::time::Instant::now() < deadline, "{run}: the checkpoint says {:?}, not {until}", next_line());
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, err) = ended_after_int(child);
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(&audit).unwrap();
    let records = text.lines().map(json_text).filter(|r| r["kind"] == "record");
    (records.map(|r| r["text"].as_str().unwrap().to_owned()).collect(), err)
}

fn json_text(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

fn ended_after_int(child: std::process::Child) -> (Option<i32>, String) {
    signal(child.id(), "INT");
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_restarted_follow_goes_on_from_its_checkpoint() {
    // Issue 18 §5: a restarted `grep --follow … --sink` sent the whole file
    // again.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    append(&path, "ERROR 1\nINFO 2\nERROR 3\n");
    let first = follow_to_checkpoint(&path, dir.path(), "first", 4, &[]);
    assert_eq!(first, ["ERROR 1", "ERROR 3"]);
    // Written while nothing ran: the restart takes these, and only these.
    append(&path, "INFO 4\nERROR 5\nERROR 6\n");
    let second = follow_to_checkpoint(&path, dir.path(), "second", 7, &[]);
    assert_eq!(second, ["ERROR 5", "ERROR 6"]);
    // Numbered as in the file, across the restart.
    let audit = std::fs::read_to_string(dir.path().join("second.jsonl")).unwrap();
    assert!(audit.contains("\"origin\":\"") && audit.contains("app.log:6\""), "{audit}");

    // A file rotated away since: its replacement is read from its start,
    // and that is said.
    std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
    append(&path, "ERROR 7\n");
    let said = "app.log: not the file the checkpoint names (rotated or truncated since); read from its start";
    let (third, err) = follow_and_tell(&path, dir.path(), "third", 2, &[]);
    assert_eq!((third, err.contains(said)), (vec!["ERROR 7".to_owned()], true), "{err}");

    // Truncated in place and written again past the checkpoint's offset:
    // the same inode, but not the bytes before the offset.
    std::fs::write(&path, "INFO a\nERROR 8 after the truncation\n").unwrap();
    let (fourth, err) = follow_and_tell(&path, dir.path(), "fourth", 3, &[]);
    assert_eq!((fourth, err.contains(said)), (vec!["ERROR 8 after the truncation".to_owned()], true), "{err}");
}

#[test]
fn from_the_end_a_follow_takes_only_what_is_written_after() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    // An unfinished last line: its end arrives later, and the line is whole.
    append(&path, "ERROR old 1\nERROR old 2\nERROR half");
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(700));
            append(&path, " done\nINFO 4\nERROR new 5\n");
        })
    };
    let taken = follow_to_checkpoint(&path, dir.path(), "tail", 6, &["--from-end"]);
    writer.join().unwrap();
    assert_eq!(taken, ["ERROR half done", "ERROR new 5"]);
}

#[test]
fn checkpoints_and_the_end_are_for_following() {
    let refused = |args: &[&str], want: &str| {
        let (code, _, err) = grep(args);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(want), "{err}");
    };
    refused(&["--checkpoint", "cp.json", "ERROR", "a.log"], "--checkpoint keeps where a --follow run to --sink stands");
    refused(&["--from-end", "ERROR", "a.log"], "--from-end is where --follow starts; add --follow");
    let dir = tempfile::tempdir().unwrap();
    let cp = dir.path().join("cp.json");
    std::fs::write(&cp, "not json").unwrap();
    refused(
        &["--follow", "--checkpoint", arg(&cp), "ERROR", "a.log", "--sink", "audit:path=/dev/null"],
        &format!("--checkpoint {}: not a checkpoint: ", cp.display()),
    );
}
