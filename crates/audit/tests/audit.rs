//! The audit log through its Sink interface, and the verifier against
//! every way a log can be damaged.

use std::path::{Path, PathBuf};

use sluice_audit::verify;
use sluice_audit::{AuditConfig, AuditLog, Chain, Format, Fsync};
use sluice_core::{BadRecord, Decimal, Line, Location, Record, Sink, Tick, Timestamp};

fn config(path: &Path, format: Format) -> AuditConfig {
    AuditConfig {
        path: path.to_str().unwrap().to_owned(),
        format,
        fsync: Fsync::Close,
        max_bytes: None,
        key_file: None,
        key_env: None,
        lock: sluice_audit::LockMode::Refuse,
    }
}

fn tick(symbol: &str, price: &str, volume: &str) -> Record<'static> {
    let time = Timestamp::from_nanos(1_700_000_000_123_456_789);
    Record::Tick(Tick { time, volume: volume.parse().unwrap(), ..sluice_testkit::tick(symbol, price) })
}

fn bad(n: u64) -> BadRecord<'static> {
    let location = Location::FileLine { file: "t.csv", line: n };
    BadRecord { location, raw: b"2026,AAPL,-1,\"5\"", ..sluice_testkit::bad(Some("AAPL")) }
}

/// Writes `n` events (every third one bad) in one run.
fn run(c: AuditConfig, n: u64) {
    let mut log = Box::new(AuditLog::new(c));
    log.start().unwrap();
    for i in 1..=n {
        if i % 3 == 0 {
            log.throw(&bad(i)).unwrap();
        } else {
            let price = format!("{}.{:02}", 100 + i, i % 100);
            log.send(&tick("AAPL", &price, "0.00012345"), &Location::FileLine { file: "t.csv", line: i }).unwrap();
        }
    }
    log.close().unwrap();
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap().lines().map(str::to_owned).collect()
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap()
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

#[test]
fn one_line_per_event_with_a_gap_free_sequence_and_a_close_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    run(config(&path, Format::Jsonl), 30);
    let all = lines(&path);
    assert_eq!(all.len(), 31);
    for (i, line) in all.iter().enumerate() {
        let v = json(line);
        assert_eq!(v["seq"], i as u64 + 1);
        let want = if i == 30 {
            "close"
        } else if (i + 1) % 3 == 0 {
            "error"
        } else {
            "record"
        };
        assert_eq!(v["kind"], want, "{line}");
    }
    let close = json(&all[30]);
    assert_eq!((close["records"].as_u64(), close["errors"].as_u64()), (Some(20), Some(10)));
    let e = json(&all[2]);
    assert_eq!(e["origin"], "t.csv:3");
    assert_eq!(e["error"], "negative_price");
    assert_eq!(e["text"], "2026,AAPL,-1,\"5\"");
}

#[test]
fn prices_and_volumes_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    run(config(&path, Format::Jsonl), 9);
    let v = json(&lines(&path)[0]);
    assert_eq!(v["price"], "101.01");
    assert_eq!(v["volume"], "0.00012345");
    assert_eq!(v["time"], "2023-11-14T22:13:20.123456789Z");
    let back: Decimal = v["price"].as_str().unwrap().parse().unwrap();
    assert_eq!(back, "101.01".parse().unwrap());
}

#[test]
fn appending_continues_the_sequence_and_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    run(config(&path, Format::Jsonl), 5);
    run(config(&path, Format::Jsonl), 5);
    let all = lines(&path);
    assert_eq!(json(&all[6])["seq"], 7, "the second run starts after the first's close line");
    let v = verify(&[s(&path)], None, &Chain::Plain).unwrap();
    assert_eq!((v.lines, v.last_seq), (12, 12));
}

#[test]
fn csv_logs_chain_and_read_back_with_a_csv_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.csv");
    run(config(&path, Format::Csv), 6);
    run(config(&path, Format::Csv), 3);
    assert_eq!(verify(&[s(&path)], None, &Chain::Plain).unwrap().last_seq, 11);
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][5], "101.01");
    assert_eq!(&rows[2][8], "2026,AAPL,-1,\"5\"", "quotes and commas survive");
    assert_eq!(&rows[6][1], "close");
}

/// A log of 10 events plus its close line, and a damaging edit to it.
fn damaged(edit: impl FnOnce(&mut Vec<String>)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    run(config(&path, Format::Jsonl), 10);
    let mut all = lines(&path);
    edit(&mut all);
    std::fs::write(&path, all.join("\n") + "\n").unwrap();
    let broken = verify(&[s(&path)], None, &Chain::Plain).unwrap_err();
    let name = s(&path);
    broken.to_string().replacen(&name, "a.jsonl", 1)
}

#[test]
fn verify_finds_an_edited_byte_at_its_line() {
    let got = damaged(|l| l[3] = l[3].replace("104.04", "104.05"));
    assert_eq!(got, "a.jsonl:4: the line was edited: its hash does not match");
}

#[test]
fn verify_finds_a_deleted_line() {
    let got = damaged(|l| {
        l.remove(4);
    });
    assert_eq!(got, "a.jsonl:5: expected seq 5, found 6: lines were deleted or reordered");
}

#[test]
fn verify_finds_a_swapped_pair() {
    let got = damaged(|l| l.swap(6, 7));
    assert_eq!(got, "a.jsonl:7: expected seq 7, found 8: lines were deleted or reordered");
}

#[test]
fn verify_finds_a_tail_cut_at_a_line_end() {
    let got = damaged(|l| l.truncate(8));
    assert_eq!(
        got,
        "a.jsonl:8: the log ends at seq 8 without a close line: its tail was cut, or its writer was killed \
         (`sluice audit repair` closes it)"
    );
}

#[test]
fn a_torn_last_line_stops_verify_and_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    run(config(&path, Format::Jsonl), 4);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.truncate(bytes.len() - 30);
    std::fs::write(&path, &bytes).unwrap();
    let broken = verify(&[s(&path)], None, &Chain::Plain).unwrap_err();
    assert!(broken.to_string().ends_with(":5: torn line (no newline): the writer was cut off mid-line"), "{broken}");
    let mut log = Box::new(AuditLog::new(config(&path, Format::Jsonl)));
    let err = log.start().unwrap_err().to_string();
    assert!(err.contains("ends with a torn line"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "a refused append writes nothing");
}

#[test]
fn a_killed_run_is_refused_an_append_until_repair_closes_it() {
    for format in [Format::Jsonl, Format::Csv] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        run(config(&path, format), 4);
        // The close line and half of the record before it are gone: the
        // run was killed mid-write.
        let whole = std::fs::read(&path).unwrap();
        let mut lines: Vec<&[u8]> = whole.split_inclusive(|&b| b == b'\n').collect();
        lines.pop();
        let mut cut = lines.concat();
        cut.truncate(cut.len() - 10);
        std::fs::write(&path, &cut).unwrap();
        let err = AuditLog::new(config(&path, format)).start().unwrap_err().to_string();
        assert!(err.contains("ends with a torn line") && err.contains("sluice audit repair"), "{err}");

        let r = sluice_audit::repair(&s(&path), &Chain::Plain).unwrap();
        let torn = r.torn.clone().expect("the torn line moved aside");
        assert_eq!(std::fs::read(&torn.1).unwrap(), cut[cut.len() - torn.0 as usize..], "every torn byte kept");
        // Events 1 to 3 remain (2 records and, 3rd, an error; the 4th was
        // torn): the close line counts them.
        let (seq, records, errors) = r.closed.expect("the open run closed");
        assert_eq!((seq, records, errors), (4, 2, 1), "{format:?}");
        let v = verify(&[s(&path)], None, &Chain::Plain).unwrap();
        assert_eq!(v.last_seq, seq);
        // Appending works again, and the whole still verifies.
        run(config(&path, format), 2);
        assert_eq!(verify(&[s(&path)], None, &Chain::Plain).unwrap().last_seq, seq + 3);
        assert_eq!(
            sluice_audit::repair(&s(&path), &Chain::Plain).unwrap(),
            sluice_audit::Repaired { torn: None, closed: None }
        );
    }
}

#[test]
fn an_unclosed_run_at_a_line_end_is_refused_an_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    run(config(&path, Format::Jsonl), 3);
    let whole = std::fs::read_to_string(&path).unwrap();
    let without_close: String = whole.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, &without_close).unwrap();
    let err = AuditLog::new(config(&path, Format::Jsonl)).start().unwrap_err().to_string();
    assert!(err.contains("its last run has no close line") && err.contains("at seq 3"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), without_close, "a refused append writes nothing");
}

#[test]
fn a_keyed_log_verifies_with_its_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let (path, key) = (dir.path().join("a.jsonl"), dir.path().join("key"));
    std::fs::write(&key, "a secret\n").unwrap();
    let keyed = AuditConfig { key_file: Some(s(&key)), ..config(&path, Format::Jsonl) };
    run(keyed.clone(), 5);
    let chain = Chain::keyed(b"a secret").unwrap();
    assert_eq!(verify(&[s(&path)], None, &chain).unwrap().last_seq, 6);
    // Without the key, or with another, the first line says why.
    let plain = verify(&[s(&path)], None, &Chain::Plain).unwrap_err();
    assert!(
        plain.to_string().ends_with(
            ":1: its hash does not match: the line was edited, or the log is keyed \
                                          (give the key with --key-file)"
        ),
        "{plain}"
    );
    let other = verify(&[s(&path)], None, &Chain::keyed(b"a guess").unwrap()).unwrap_err();
    assert!(other.what.contains("the key is not the log's"), "{other}");
    // A second run appends to the same keyed chain.
    run(keyed, 2);
    assert_eq!(verify(&[s(&path)], None, &chain).unwrap().last_seq, 9);
    // An empty key, or two ways to give one, are refused before anything is written.
    std::fs::write(&key, "").unwrap();
    let empty = AuditConfig { key_file: Some(s(&key)), ..config(&path, Format::Jsonl) };
    assert!(AuditLog::new(empty).start().unwrap_err().to_string().contains("the key is empty"));
    let both = AuditConfig { key_file: Some(s(&key)), key_env: Some("K".into()), ..config(&path, Format::Jsonl) };
    assert!(AuditLog::new(both).start().unwrap_err().to_string().contains("keep one"));
}

#[test]
fn rotation_rolls_over_and_verify_takes_the_set() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    let mut c = config(&path, Format::Jsonl);
    c.max_bytes = Some(1000);
    run(c.clone(), 20);
    run(c, 5);
    let files: Vec<PathBuf> = (0..)
        .map(|i| if i == 0 { path.clone() } else { PathBuf::from(format!("{}.{i}", s(&path))) })
        .take_while(|p| p.exists())
        .collect();
    assert!(files.len() >= 3, "{files:?}");
    for f in &files {
        let size = std::fs::metadata(f).unwrap().len();
        assert!(size <= 1000 || lines(f).len() == 1, "{f:?} has {size} bytes");
    }
    let v = verify(&[s(&path)], None, &Chain::Plain).unwrap();
    assert_eq!((v.files.len(), v.last_seq), (files.len(), 27));
    // A file of the set left out breaks the sequence.
    let without_second: Vec<String> = files.iter().enumerate().filter(|(i, _)| *i != 1).map(|(_, p)| s(p)).collect();
    assert!(verify(&without_second, None, &Chain::Plain).unwrap_err().what.contains("deleted or reordered"));
}

#[test]
fn lines_that_are_not_utf8_are_kept_as_hex() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    let mut log = Box::new(AuditLog::new(config(&path, Format::Jsonl)));
    log.start().unwrap();
    let rec = Record::Line(Line { bytes: b"ok \xff\r", file: "x.log", number: 3, offset: 40 });
    log.send(&rec, &Location::FileLine { file: "x.log", line: 3 }).unwrap();
    log.close().unwrap();
    let v = json(&lines(&path)[0]);
    assert_eq!(
        (v["text_hex"].as_str(), v["offset"].as_u64(), v["origin"].as_str()),
        (Some("6f6b20ff0d"), Some(40), Some("x.log:3"))
    );
}

#[test]
fn a_missing_directory_fails_at_start_with_the_path() {
    let mut log = Box::new(AuditLog::new(AuditConfig {
        path: "/nonexistent/dir/a.jsonl".into(),
        ..config(Path::new("x"), Format::Jsonl)
    }));
    let err = log.start().unwrap_err().to_string();
    assert!(err.starts_with("audit: opening /nonexistent/dir/a.jsonl: No such file or directory"), "{err}");
}

#[test]
fn flush_puts_every_line_taken_so_far_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    let mut log = Box::new(AuditLog::new(config(&path, Format::Jsonl)));
    log.start().unwrap();
    for i in 1..=3 {
        log.send(&tick("AAPL", "1.5", "1"), &Location::FileLine { file: "t.csv", line: i }).unwrap();
    }
    // Three lines are far below a batch: without the flush they would still
    // be in the sink's buffer.
    log.flush().unwrap();
    assert_eq!(lines(&path).len(), 3);
    log.throw(&bad(4)).unwrap();
    log.flush().unwrap();
    assert_eq!(json(&lines(&path)[3])["error"], "negative_price");
    log.close().unwrap();
    assert_eq!(lines(&path).len(), 5);
}

#[test]
fn a_device_takes_the_log_and_its_fsync() {
    // /dev/null answers fsync with EINVAL: nothing to make durable, not a
    // failed run ("writing /dev/null failed after 253 lines").
    for fsync in [Fsync::Close, Fsync::Always] {
        run(AuditConfig { path: "/dev/null".into(), fsync, ..config(Path::new("x"), Format::Jsonl) }, 7);
    }
}
