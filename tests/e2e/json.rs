//! `sluice grep --json` against ripgrep's `--json`, message by message,
//! on files where grep and ripgrep select the same lines; and its own
//! answers where they part (binary files, flags that print otherwise).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

/// Whether ripgrep is installed. Without it the comparison is skipped,
/// saying so, unless CI (SLUICE_REQUIRE_RG) asks for it.
fn ripgrep() -> bool {
    let ok = Command::new("rg").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var_os("SLUICE_REQUIRE_RG").is_none(), "ripgrep is required and missing");
        skipped("ripgrep is not installed: no comparison with rg --json");
    }
    ok
}

/// The messages, with the times (which no two runs share) blanked.
fn messages(out: &[u8]) -> Vec<serde_json::Value> {
    fn blank(v: &mut serde_json::Value) {
        if let Some(map) = v.as_object_mut() {
            for (key, value) in map.iter_mut() {
                if key == "elapsed" || key == "elapsed_total" {
                    *value = serde_json::Value::Null;
                } else {
                    blank(value);
                }
            }
        }
    }
    let text = String::from_utf8(out.to_vec()).expect("JSON is UTF-8");
    text.lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            blank(&mut v);
            v
        })
        .collect()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let write = |name: &str, body: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    };
    vec![
        write("app.log", b"INFO start\nERROR disk full ERROR\nINFO a\nINFO b\nWARN c\nERROR again\nINFO d\n"),
        // CRLF lines, a line that is not UTF-8, no final newline.
        write("crlf.log", b"INFO x\r\nERROR y\r\nbad \xff byte ERROR\r\nINFO z\r\nERROR last"),
        write("none.log", b"nothing here\n"),
        write("quote.log", b"ERROR \"quoted\" \\ tab\there\nINFO\n"),
    ]
}

#[test]
fn json_is_ripgreps_message_for_message() {
    if !ripgrep() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let paths = files(dir.path());
    let names: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    let mut cases: Vec<Vec<&str>> = vec![
        vec!["ERROR"],
        vec!["-v", "ERROR"],
        vec!["-C1", "ERROR"],
        vec!["-A2", "-F", "ERROR"],
        vec!["-B3", "ERROR"],
        vec!["-w", "ERROR"],
        vec!["-i", "error"],
        vec!["-e", "disk", "-e", "last"],
        vec!["-x", "INFO"],
    ];
    // Real logs when the shared data is there: CRLF, long lines, no final
    // newline.
    let real: Vec<String> = real_data()
        .and_then(|d| std::fs::read_dir(d.join("logs")).ok())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .take(4)
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut real_case = vec!["-F", "-C1", "error"];
    real_case.extend(real.iter().map(String::as_str));
    for case in &mut cases {
        case.extend(&names);
    }
    if !real.is_empty() {
        cases.push(real_case);
    }
    for args in &cases {
        // One thread: ripgrep then prints the files in the order given.
        let rg = Command::new("rg").args(["--json", "-j1"]).args(args).output().unwrap();
        let mut sluice_args = vec!["grep", "--json"];
        sluice_args.extend(args);
        let ours = sluice(&sluice_args).output().unwrap();
        assert_eq!(ours.status.code(), rg.status.code(), "{args:?}");
        let (ours, theirs) = (messages(&ours.stdout), messages(&rg.stdout));
        assert_eq!(ours.len(), theirs.len(), "{args:?}");
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a, b, "{args:?}");
        }
    }
}

/// Without ripgrep at hand: the exact lines, as ripgrep 13 printed them for
/// the same search (its times replaced by the test).
#[test]
fn json_lines_are_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.log");
    std::fs::write(&path, "a ERROR x ERROR\nb\nc\ng ERROR").unwrap();
    let (code, out, err) = grep(&["--json", "-B1", "ERROR", arg(&path)]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    let p = path.to_str().unwrap();
    let want = [
        format!(r#"{{"type":"begin","data":{{"path":{{"text":"{p}"}}}}}}"#),
        format!(
            r#"{{"type":"match","data":{{"path":{{"text":"{p}"}},"lines":{{"text":"a ERROR x ERROR\n"}},"line_number":1,"absolute_offset":0,"submatches":[{{"match":{{"text":"ERROR"}},"start":2,"end":7}},{{"match":{{"text":"ERROR"}},"start":10,"end":15}}]}}}}"#
        ),
        format!(
            r#"{{"type":"context","data":{{"path":{{"text":"{p}"}},"lines":{{"text":"c\n"}},"line_number":3,"absolute_offset":18,"submatches":[]}}}}"#
        ),
        format!(
            r#"{{"type":"match","data":{{"path":{{"text":"{p}"}},"lines":{{"text":"g ERROR"}},"line_number":4,"absolute_offset":20,"submatches":[{{"match":{{"text":"ERROR"}},"start":2,"end":7}}]}}}}"#
        ),
    ];
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    for (got, want) in lines.iter().zip(&want) {
        assert_eq!(got, want);
    }
    let printed: usize = want.iter().map(|l| l.len() + 1).sum();
    let end = messages(lines[4].as_bytes()).remove(0);
    assert_eq!(end["type"], "end");
    assert_eq!(end["data"]["binary_offset"], serde_json::Value::Null);
    let stats = &end["data"]["stats"];
    for (key, value) in [
        ("searches", 1),
        ("searches_with_match", 1),
        ("bytes_searched", 27),
        ("bytes_printed", printed as u64),
        ("matched_lines", 2),
        ("matches", 3),
    ] {
        assert_eq!(stats[key], value, "{key}: {end}");
    }
    let summary = messages(lines[5].as_bytes()).remove(0);
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["data"]["stats"]["matches"], 3);
    assert!(lines[5].starts_with(r#"{"data":{"elapsed_total":{"human":""#), "keys in order: {}", lines[5]);
}

/// A binary file's lines are not printed, as grep prints none: its `end`
/// says where the NUL lies, and no notice goes to stderr.
#[test]
fn a_binary_files_end_gives_the_nul() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bin.log");
    std::fs::write(&path, b"ERROR one\nx\0y ERROR\n").unwrap();
    let (code, out, err) = grep(&["--json", "ERROR", arg(&path)]);
    assert_eq!((code, err.as_str()), (Some(0), ""));
    let kinds: Vec<String> = messages(out.as_bytes()).iter().map(|m| m["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["begin", "end", "summary"], "{out}");
    let end = &messages(out.as_bytes())[1];
    assert_eq!(end["data"]["binary_offset"], 11, "{out}");
    assert_eq!(end["data"]["stats"]["matched_lines"], 2, "{out}");
}

#[test]
fn json_refuses_what_prints_otherwise() {
    for (args, says) in [
        (&["--json", "-c", "ERROR", "a.log"][..], "-c"),
        (&["--json", "-l", "ERROR", "a.log"], "-l"),
        (&["--json", "-q", "ERROR", "a.log"], "-q"),
        (&["--json", "-o", "ERROR", "a.log"], "-o"),
        (&["--json", "--stats", "ERROR", "a.log"], "--stats"),
        (&["--json", "--sink", "audit:path=/dev/null", "ERROR", "a.log"], "--sink"),
    ] {
        let (code, out, err) = grep(args);
        assert_eq!((code, out.as_str()), (Some(2), ""), "{args:?}: {err}");
        assert!(err.contains("--json") && err.contains(says) && err.lines().count() == 1, "{args:?}: {err}");
    }
}
