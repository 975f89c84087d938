//! `sluice audit verify`: the chain, the sequence and the ending of a log.

use std::fs::File;
use std::io::{BufRead, BufReader};

use sluice_core::error::io_message;

use crate::chain::{self, Hex};
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

/// Checks `paths`, in order, as one log.
pub fn verify(paths: &[String]) -> Result<Verified, Broken> {
    let files = expand(paths);
    let mut prev = Hex::genesis();
    let (mut seq, mut lines, mut closed) = (0u64, 0u64, false);
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
            let Some((found, hash)) = file::parse_seq_and_hash(&line, format) else {
                return Err(Broken { at, what: "not an audit line (no sequence number or hash)".into() });
            };
            if found != seq + 1 {
                let what = format!("expected seq {}, found {found}: lines were deleted or reordered", seq + 1);
                return Err(Broken { at, what });
            }
            let body = match format {
                Format::Jsonl => chain::jsonl::split(&line),
                Format::Csv => chain::csv::split(&line),
            }
            .map(|(b, _)| b)
            .unwrap_or_default();
            let linked = chain::link(&prev, body);
            if linked.as_str() != hash {
                return Err(Broken { at, what: "the line was edited: its hash does not match".into() });
            }
            closed = match format {
                Format::Jsonl => {
                    const CLOSE: &[u8] = b"\"kind\":\"close\"";
                    body.windows(CLOSE.len()).any(|w| w == CLOSE)
                }
                Format::Csv => body.split(|&b| b == b',').nth(1) == Some(b"close".as_slice()),
            };
            prev = linked;
            seq = found;
            lines += 1;
            last_at = at;
        }
    }
    if lines > 0 && !closed {
        return Err(Broken {
            at: last_at,
            what: format!("the log ends at seq {seq} without a close line: its tail was cut, or its writer was killed"),
        });
    }
    Ok(Verified { files, lines, last_seq: seq })
}
