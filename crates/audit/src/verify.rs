//! `sluice audit verify`: the chain, the sequence and the ending of a log.

use std::fs::File;
use std::io::{BufRead, BufReader};

use sluice_core::error::io_message;

use crate::chain::{Chain, Hex};
use crate::config::Format;
use crate::file;

/// An intact log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The files read, in order.
    pub files: Vec<String>,
    /// Lines checked, over every file.
    pub lines: u64,
    /// The sequence number of the last line.
    pub last_seq: u64,
    /// The last line's hash: with `last_seq`, the head to keep elsewhere.
    pub last_hash: String,
}

/// A head kept elsewhere, `SEQ:HASH`: the log must still hold that line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The line's sequence number.
    pub seq: u64,
    /// Its hash, in lower-case hex.
    pub hash: String,
}

impl std::str::FromStr for Head {
    type Err = String;
    fn from_str(s: &str) -> Result<Head, String> {
        let bad = || format!("`{s}` is not a head; write SEQ:HASH as `sluice audit head` prints it");
        let (seq, hash) = s.split_once(':').ok_or_else(bad)?;
        let seq = seq.parse().map_err(|_| bad())?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Head { seq, hash: hash.to_ascii_lowercase() })
    }
}

/// The first place a log is not what its writer wrote.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {what}")]
pub struct Broken {
    /// `file:line`.
    pub at: String,
    /// What is wrong there.
    pub what: String,
}

/// The files to check: the ones given, or, for a single file, it and the
/// files it rolled over to (`PATH.1`, `PATH.2`, …).
pub fn expand(paths: &[String]) -> Vec<String> {
    match paths {
        [one] if std::path::Path::new(&format!("{one}.1")).is_file() => file::existing(one),
        _ => paths.to_vec(),
    }
}

/// Checks `paths`, in order, as one log: every line chained to the one
/// before, numbered in turn, each run's lines counted by its close line,
/// the whole ending with a close line; and, given a `head` kept elsewhere,
/// that line still there with its hash (a log cut back to an earlier run
/// is otherwise whole).
pub fn verify(paths: &[String], head: Option<&Head>, chain: &Chain) -> Result<Verified, Broken> {
    let scan = scan(paths, head, chain)?;
    if let Some(open) = scan.open {
        return Err(Broken {
            at: open.at,
            what: format!(
                "the log ends at seq {} without a close line: its tail was cut, or its writer was killed \
                 (`sluice audit repair` closes it)",
                scan.verified.last_seq
            ),
        });
    }
    Ok(scan.verified)
}

/// What a scan found: the log as far as it is whole, and the run left
/// open at its end, if any.
pub(crate) struct Scan {
    pub verified: Verified,
    pub open: Option<OpenRun>,
    /// The last line's format.
    pub format: Format,
}

/// A run with no close line: where it ends and what it holds.
pub(crate) struct OpenRun {
    pub at: String,
    pub records: u64,
    pub errors: u64,
}

/// Checks everything [`verify`] does but the close line at the end.
pub(crate) fn scan(paths: &[String], head: Option<&Head>, chain: &Chain) -> Result<Scan, Broken> {
    let files = expand(paths);
    let mut last_format = Format::Jsonl;
    let mut prev = Hex::genesis();
    let (mut seq, mut lines, mut closed) = (0u64, 0u64, false);
    // Records and errors since the last close line.
    let (mut records, mut errors) = (0u64, 0u64);
    let mut head_seen = false;
    let mut last_at = String::new();
    for path in &files {
        let f = File::open(path)
            .map_err(|e| Broken { at: path.clone(), what: format!("cannot read: {}", io_message(&e)) })?;
        let mut reader = BufReader::new(f);
        let mut line = Vec::new();
        let mut number = 0u64;
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| Broken { at: path.clone(), what: format!("cannot read: {}", io_message(&e)) })?;
            if n == 0 {
                break;
            }
            number += 1;
            let at = format!("{path}:{number}");
            if line.pop() != Some(b'\n') {
                return Err(Broken { at, what: "torn line (no newline): the writer was cut off mid-line".into() });
            }
            if number == 1 && line.starts_with(b"seq,kind,") {
                continue;
            }
            let format = if line.first() == Some(&b'{') { Format::Jsonl } else { Format::Csv };
            last_format = format;
            let Some((found, hash)) = file::parse_seq_and_hash(&line, format) else {
                return Err(Broken { at, what: "not an audit line (no sequence number or hash)".into() });
            };
            if found != seq + 1 {
                let what = format!("expected seq {}, found {found}: lines were deleted or reordered", seq + 1);
                return Err(Broken { at, what });
            }
            let body = match format {
                Format::Jsonl => crate::chain::jsonl::split(&line),
                Format::Csv => crate::chain::csv::split(&line),
            }
            .map(|(b, _)| b)
            .unwrap_or_default();
            let linked = chain.link(&prev, body);
            if linked.as_str() != hash {
                // The first line tells a wrong key (or none) from an edit.
                let what = match (lines, chain) {
                    (0, Chain::Plain) => {
                        "its hash does not match: the line was edited, or the log is keyed \
                                          (give the key with --key-file)"
                    }
                    (0, Chain::Keyed(_)) => {
                        "its hash does not match: the line was edited, or the key is not \
                                             the log's (or the log is not keyed)"
                    }
                    _ => "the line was edited: its hash does not match",
                };
                return Err(Broken { at, what: what.into() });
            }
            let kind = kind_of(body, format);
            closed = kind == "close";
            match kind {
                "record" => records += 1,
                "error" => errors += 1,
                "close" => {
                    let said = counts(body, format);
                    if said != Some((records, errors)) {
                        let what = format!(
                            "the close line counts {} records and errors, and its run holds {records} and {errors}: \
                             lines of the run were deleted and the rest renumbered",
                            said.map_or("no".to_owned(), |(r, e)| format!("{r} and {e}"))
                        );
                        return Err(Broken { at, what });
                    }
                    (records, errors) = (0, 0);
                }
                _ => {}
            }
            if let Some(h) = head
                && h.seq == found
            {
                if linked.as_str() != h.hash {
                    let what =
                        format!("seq {found} is not the head kept elsewhere: the log was rewritten from here on");
                    return Err(Broken { at, what });
                }
                head_seen = true;
            }
            prev = linked;
            seq = found;
            lines += 1;
            last_at = at;
        }
    }
    if lines == 0 {
        let what = "no audit lines: an empty log verifies nothing (was it truncated?)".to_owned();
        return Err(Broken { at: files.join(", "), what });
    }
    if let Some(h) = head
        && !head_seen
    {
        let what = format!("the log ends at seq {seq}, before the head kept elsewhere (seq {}): lines were cut", h.seq);
        return Err(Broken { at: last_at, what });
    }
    let open = (!closed).then_some(OpenRun { at: last_at, records, errors });
    Ok(Scan {
        verified: Verified { files, lines, last_seq: seq, last_hash: prev.as_str().to_owned() },
        open,
        format: last_format,
    })
}

/// A line's `kind`: `record`, `error`, `close`, or `` when unreadable.
pub(crate) fn kind_of(body: &[u8], format: Format) -> &'static str {
    let found = |k: &[u8]| match format {
        Format::Jsonl => {
            let needle = [b"\"kind\":\"".as_slice(), k, b"\""].concat();
            body.windows(needle.len()).any(|w| w == needle.as_slice())
        }
        Format::Csv => body.split(|&b| b == b',').nth(1) == Some(k),
    };
    ["record", "error", "close"].into_iter().find(|k| found(k.as_bytes())).unwrap_or("")
}

/// A close line's `records` and `errors`.
fn counts(body: &[u8], format: Format) -> Option<(u64, u64)> {
    match format {
        Format::Jsonl => {
            // The body is the line without its hash: close it to parse it.
            let text = std::str::from_utf8(body).ok()?;
            let value: serde_json::Value = serde_json::from_str(&format!("{}}}", text.trim_end_matches(','))).ok()?;
            Some((value["records"].as_u64()?, value["errors"].as_u64()?))
        }
        Format::Csv => {
            let fields: Vec<&[u8]> = body.split(|&b| b == b',').collect();
            // seq,kind,…,records,errors, then the hash (cut off).
            let n = fields.len();
            let number = |f: &[u8]| std::str::from_utf8(f).ok()?.parse().ok();
            Some((number(fields.get(n.checked_sub(2)?)?)?, number(fields.get(n - 1)?)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JSONL log of `bodies` (each without its hash), chained as a
    /// writer chains them: what a forger with the algorithm can produce.
    fn forged(dir: &std::path::Path, bodies: &[&str]) -> String {
        let mut prev = Hex::genesis();
        let mut text = String::new();
        for body in bodies {
            prev = crate::chain::link(&prev, body.as_bytes());
            text.push_str(&format!("{body},\"hash\":\"{}\"}}\n", prev.as_str()));
        }
        let path = dir.join("log.jsonl");
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    #[test]
    fn a_run_whose_lines_do_not_add_up_to_its_close_line_is_broken() {
        let dir = tempfile::tempdir().unwrap();
        let whole = [
            r#"{"seq":1,"kind":"record","symbol":"A""#,
            r#"{"seq":2,"kind":"record","symbol":"B""#,
            r#"{"seq":3,"kind":"close","records":2,"errors":0"#,
        ];
        let v = verify(&[forged(dir.path(), &whole)], None, &Chain::Plain).unwrap();
        assert_eq!((v.lines, v.last_seq), (3, 3));
        // Record 2 deleted, the rest renumbered and chained again.
        let cut = [r#"{"seq":1,"kind":"record","symbol":"A""#, r#"{"seq":2,"kind":"close","records":2,"errors":0"#];
        let broken = verify(&[forged(dir.path(), &cut)], None, &Chain::Plain).unwrap_err();
        assert!(broken.what.contains("counts 2 and 0 records and errors, and its run holds 1 and 0"), "{broken}");
    }

    #[test]
    fn a_head_kept_elsewhere_catches_a_log_cut_back_or_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let two_runs = [
            r#"{"seq":1,"kind":"record","symbol":"A""#,
            r#"{"seq":2,"kind":"close","records":1,"errors":0"#,
            r#"{"seq":3,"kind":"record","symbol":"B""#,
            r#"{"seq":4,"kind":"close","records":1,"errors":0"#,
        ];
        let v = verify(&[forged(dir.path(), &two_runs)], None, &Chain::Plain).unwrap();
        let head = Head { seq: v.last_seq, hash: v.last_hash.clone() };
        assert!(verify(&[forged(dir.path(), &two_runs)], Some(&head), &Chain::Plain).is_ok());
        // The second run removed: whole by itself, short of the head.
        let cut_back = verify(&[forged(dir.path(), &two_runs[..2])], None, &Chain::Plain);
        assert!(cut_back.is_ok(), "nothing in the log itself says more was written");
        let broken = verify(&[forged(dir.path(), &two_runs[..2])], Some(&head), &Chain::Plain).unwrap_err();
        assert!(broken.what.contains("before the head kept elsewhere (seq 4)"), "{broken}");
        // Run 2 rewritten and chained again: seq 4 is not the head.
        let mut rewritten = two_runs;
        rewritten[2] = r#"{"seq":3,"kind":"record","symbol":"C""#;
        let broken = verify(&[forged(dir.path(), &rewritten)], Some(&head), &Chain::Plain).unwrap_err();
        assert!(broken.what.contains("not the head kept elsewhere"), "{broken}");
        // And an empty log verifies nothing.
        std::fs::write(dir.path().join("empty.jsonl"), "").unwrap();
        let empty = verify(&[dir.path().join("empty.jsonl").display().to_string()], None, &Chain::Plain).unwrap_err();
        assert!(empty.what.starts_with("no audit lines"), "{empty}");
    }

    #[test]
    fn heads_are_read_as_printed() {
        let hash = "ab".repeat(32);
        assert_eq!(format!("7:{hash}").parse::<Head>(), Ok(Head { seq: 7, hash: hash.clone() }));
        assert!("7".parse::<Head>().is_err() && format!("x:{hash}").parse::<Head>().is_err());
        assert!("7:abc".parse::<Head>().is_err());
    }
}
