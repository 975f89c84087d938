//! `sluice audit repair`: closes a log whose last run was killed, so that
//! runs can append to it again, keeping every byte it held.
//!
//! A torn last line (no newline) is moved to `FILE.torn`; the whole lines
//! before it are checked as `verify` checks them (an edited log is not
//! repaired); then a close line is appended for the open run, with its
//! real counts and a reason saying it was written by a repair, chained like
//! any other line.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};

use sluice_core::error::io_message;
use sluice_core::time::TimeWriter;

use crate::chain::{self, Chain, Hex};
use crate::entry::{self, Entry};
use crate::{Format, file, verify};

/// What a repair did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repaired {
    /// Bytes of a torn last line moved aside, and where to.
    pub torn: Option<(u64, String)>,
    /// The close line written, and the counts of the run it closes; `None`
    /// when the log was closed already.
    pub closed: Option<(u64, u64, u64)>,
}

/// Repairs the set at `base` (its last file).
pub fn repair(base: &str, chain: &Chain) -> Result<Repaired, String> {
    let files = file::existing(base);
    let Some(last) = files.last() else { return Err(format!("{base}: no such file")) };
    let io = |what: &str, e: std::io::Error| format!("{last}: {what}: {}", io_message(&e));
    let torn = move_torn_tail(last).map_err(|e| io("moving the torn line aside", e))?;
    let scan = verify::scan(&files, None, chain)
        .map_err(|broken| format!("{broken}; repair closes a run that was cut off, it does not mend an edited log"))?;
    let Some(open) = scan.open else { return Ok(Repaired { torn, closed: None }) };
    let seq = scan.verified.last_seq + 1;
    let reason = match &torn {
        Some((n, path)) => format!("repair: closed by `sluice audit repair`; {n} torn bytes kept in {path}"),
        None => "repair: closed by `sluice audit repair`".to_owned(),
    };
    let entry = Entry { reason: Some(&reason), ..Entry::close(seq, open.records, open.errors) };
    let mut body = Vec::new();
    entry::encode(&entry, scan.format, &mut body, &mut TimeWriter::default()).map_err(|e| io("encoding", e))?;
    let prev = Hex::parse(&scan.verified.last_hash).ok_or_else(|| format!("{last}: an unreadable hash"))?;
    let hash = chain.link(&prev, &body);
    match scan.format {
        Format::Jsonl => {
            body.extend_from_slice(chain::jsonl::FIELD);
            body.extend_from_slice(hash.as_bytes());
            body.extend_from_slice(b"\"}\n");
        }
        Format::Csv => {
            body.push(b',');
            body.extend_from_slice(hash.as_bytes());
            body.push(b'\n');
        }
    }
    let mut f = OpenOptions::new().append(true).open(last).map_err(|e| io("opening", e))?;
    f.write_all(&body).and_then(|()| f.sync_all()).map_err(|e| io("writing the close line", e))?;
    Ok(Repaired { torn, closed: Some((seq, open.records, open.errors)) })
}

/// Moves the bytes after the last newline of `path` to `path.torn` and cuts
/// them off; `None` when the file ends with a newline.
fn move_torn_tail(path: &str) -> std::io::Result<Option<(u64, String)>> {
    let mut f = OpenOptions::new().read(true).write(true).open(path)?;
    let len = f.seek(SeekFrom::End(0))?;
    // Back from the end in windows until a newline (or the start).
    let mut keep = 0;
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(64 * 1024);
        let mut buf = vec![0; (end - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf)?;
        if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
            keep = start + i as u64 + 1;
            break;
        }
        end = start;
    }
    if keep == len {
        return Ok(None);
    }
    let aside = format!("{path}.torn");
    let mut torn = Vec::with_capacity((len - keep) as usize);
    f.seek(SeekFrom::Start(keep))?;
    f.read_to_end(&mut torn)?;
    // Never over an earlier repair's bytes.
    let mut out = OpenOptions::new().write(true).create_new(true).open(&aside)?;
    out.write_all(&torn)?;
    out.sync_all()?;
    f.set_len(keep)?;
    f.sync_all()?;
    Ok(Some((len - keep, aside)))
}
