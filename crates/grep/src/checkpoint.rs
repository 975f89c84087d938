//! `--checkpoint PATH`: where a `grep --follow … --sink` run stands in each
//! file it follows, so that a restarted run goes on from there instead of
//! sending every line again.
//!
//! For each file: its path, its identity (device and inode, so that a file
//! rotated away is not taken for the one the checkpoint names), the offset
//! and number of the line after the last one the sinks acknowledged, and
//! the bytes before that offset (so that a file truncated and written
//! again, which keeps its inode, is not taken for it either).
//! The file is JSON, written beside its path and renamed into place, after
//! the sinks have flushed (the source's commit): a crash leaves the old
//! checkpoint or the new one, never half of one, and never one ahead of
//! what the sinks hold.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde_json::{Value, json};

/// Which file a path named when it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId {
    /// The device the file is on.
    pub dev: u64,
    /// Its inode on that device.
    pub ino: u64,
}

impl FileId {
    /// The identity of an open file.
    pub fn of(file: &std::fs::File) -> io::Result<FileId> {
        let m = file.metadata()?;
        Ok(FileId { dev: m.dev(), ino: m.ino() })
    }
}

/// Where to go on in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    /// The file the path named.
    pub file: FileId,
    /// The offset of the next line to read.
    pub offset: u64,
    /// That line's number.
    pub line: u64,
    /// The last bytes before `offset` (the end of the last line sent, its
    /// newline included): a file truncated and written again past the
    /// offset keeps its identity, but not these.
    pub tail: Vec<u8>,
}

/// Bytes of [`Resume::tail`] kept.
pub const TAIL: usize = 64;

/// Every followed file's place, by the path it was named by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Each file's place, by its path as it was named.
    pub files: BTreeMap<String, Resume>,
}

/// The version this build writes and reads.
const VERSION: u64 = 1;

impl Checkpoint {
    /// Reads the checkpoint at `path`; an absent file is an empty one. A
    /// file that is not a checkpoint is an error naming what is wrong.
    pub fn load(path: &Path) -> Result<Checkpoint, String> {
        let text = match std::fs::read_to_string(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Checkpoint::default()),
            Err(e) => return Err(sluice_core::error::io_message(&e)),
            Ok(text) => text,
        };
        let value: Value = serde_json::from_str(&text).map_err(|e| format!("not a checkpoint: {e}"))?;
        if value["version"].as_u64() != Some(VERSION) {
            return Err(format!("a checkpoint of version {}; this sluice reads version {VERSION}", value["version"]));
        }
        let mut files = BTreeMap::new();
        for (i, f) in value["files"].as_array().ok_or("not a checkpoint: no `files`")?.iter().enumerate() {
            let number = |key: &str| f[key].as_u64().ok_or_else(|| format!("file {i}: `{key}` is not a number"));
            let path = f["path"].as_str().ok_or_else(|| format!("file {i}: `path` is not text"))?;
            let file = FileId { dev: number("dev")?, ino: number("ino")? };
            let mut tail = Vec::new();
            let hex = f["tail"].as_str().ok_or_else(|| format!("file {i}: `tail` is not text"))?;
            sluice_core::hex::decode_into(hex, &mut tail).map_err(|_| format!("file {i}: `tail` is not hex"))?;
            let resume = Resume { file, offset: number("offset")?, line: number("line")?, tail };
            files.insert(path.to_owned(), resume);
        }
        Ok(Checkpoint { files })
    }

    /// Writes the checkpoint to `path`, whole or not at all: to a file
    /// beside it, synced, then renamed over it.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let files: Vec<Value> = self
            .files
            .iter()
            .map(|(p, r)| {
                let tail = sluice_core::hex::encode(&r.tail);
                json!({ "path": p, "dev": r.file.dev, "ino": r.file.ino, "offset": r.offset, "line": r.line, "tail": tail })
            })
            .collect();
        let mut file = sluice_io::AtomicFile::create(path)?;
        file.write_all(json!({ "version": VERSION, "files": files }).to_string().as_bytes())?;
        file.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_reads_back_what_was_written_and_refuses_what_is_not_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.json");
        assert_eq!(Checkpoint::load(&path).unwrap(), Checkpoint::default(), "absent: empty");
        let mut cp = Checkpoint::default();
        let resume = Resume { file: FileId { dev: 2049, ino: 77 }, offset: 4096, line: 120, tail: b"done\n".to_vec() };
        cp.files.insert("logs/app.log".into(), resume);
        cp.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), cp);
        std::fs::write(
            &path,
            "{\"version\":1,\"files\":[{\"path\":\"a\",\"dev\":1,\"ino\":2,\"offset\":\"x\",\"tail\":\"\"}]}",
        )
        .unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap_err(), "file 0: `offset` is not a number");
        std::fs::write(&path, "{\"version\":9,\"files\":[]}").unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap_err(), "a checkpoint of version 9; this sluice reads version 1");
        std::fs::write(&path, "ERROR").unwrap();
        assert!(Checkpoint::load(&path).unwrap_err().starts_with("not a checkpoint: "));
    }
}
