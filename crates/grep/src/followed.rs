//! `--follow`: every named file searched to its end, then kept up with as
//! it grows, across rotation, until Ctrl-C, losing no line.
//!
//! The files' directories are watched for changes (inotify), with a look
//! every quarter second as well in case a notice is missed (a network
//! file system sends none). At each wake every file is looked at:
//! - renamed away and recreated: the old file is read to its end (its
//!   last line is final now), then the new one from its start;
//! - truncated, or rewritten under the same name (the bytes last read are
//!   no longer where they were, which also catches a truncation refilled
//!   past the old size before the look): what was not read yet of the old
//!   contents is taken from the rotated copy beside it when there is one
//!   (copy-truncate rotation), then the file is read from its start. The
//!   same check follows every block read, so that a block read just after
//!   a truncation (the new contents, past the old end) is not searched
//!   twice, once as old and once from the new start;
//! - missing: waited for, said once.
//!
//! A run of NUL bytes is a hole (a writer without `O_APPEND` keeps writing
//! at its old offset after a truncation), not a sign of a binary file:
//! the NULs are dropped and the lines around them searched.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use sluice_io::{Follow, LineBuffer, Rotation};

use crate::Outcome;
use crate::checkpoint::FileId;
use crate::searcher::{FileState, Searched, Searcher, lossy};
use crate::sink::Sink;

/// How long a wake may wait for a notice before looking anyway.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// One followed file.
struct Followed<'n> {
    path: &'n Path,
    file: FileState<'n>,
    /// `None` while the file is missing.
    open: Option<Open>,
    /// The file was said to be missing.
    said_missing: bool,
    /// Not opened yet: where the first open starts (a checkpoint, the end)
    /// does not apply to the files that replace it later.
    first: bool,
}

/// A followed file that is open.
struct Open {
    lb: LineBuffer<Box<dyn Read + Send>>,
    /// Set by [`Checked`] when the file was found rewritten under it.
    rewritten: Arc<AtomicBool>,
    follow: Follow,
    /// The last bytes read, and the input offset they start at.
    tail: Vec<u8>,
    tail_at: u64,
}

impl<S: Sink + ?Sized> Searcher<'_, S> {
    /// Follows `files` (none of them stdin) until a signal asks to stop.
    pub(crate) fn follow_files(&mut self, files: &[OsString], outcome: &mut Outcome) -> io::Result<()> {
        let (tx, wakes) = mpsc::channel();
        // Without notices (no inotify left, say), the regular looks remain.
        let mut watcher = notify::recommended_watcher(move |_: notify::Result<notify::Event>| {
            let _ = tx.send(());
        })
        .ok();
        let mut followed: Vec<Followed<'_>> = Vec::with_capacity(files.len());
        for path in files {
            let path = Path::new(path);
            if let Some(w) = watcher.as_mut() {
                let dir = dir_of(path);
                let _ = notify::Watcher::watch(w, dir, notify::RecursiveMode::NonRecursive);
            }
            let shown = path.as_os_str().as_bytes();
            let mut f =
                Followed { path, file: FileState::new(shown, None), open: None, said_missing: false, first: true };
            self.visit(&mut f)?;
            followed.push(f);
        }
        while self.stop.requested().is_none() && !followed.iter().all(|f| f.file.done) {
            let _ = wakes.recv_timeout(LOOK_EVERY);
            while wakes.try_recv().is_ok() {}
            for f in &mut followed {
                self.visit(f)?;
            }
        }
        for f in &mut followed {
            if let Some(open) = f.open.as_mut() {
                self.release_held(&mut open.lb, &mut f.file)?;
            }
            f.file.stopped = self.stop.requested();
            self.finish(&f.file)?;
            outcome.selected |= f.file.selected > 0;
            outcome.errors |= f.file.errors;
            outcome.stopped = f.file.stopped;
        }
        Ok(())
    }

    /// Catches up with one file.
    fn visit(&mut self, f: &mut Followed<'_>) -> io::Result<()> {
        let Some(open) = f.open.as_mut() else {
            match sluice_io::open_file(f.path) {
                Ok(mut file) => {
                    let id = FileId::of(&file)?;
                    let (offset, lines) = match std::mem::replace(&mut f.first, false) {
                        true => self.first_place(f, &mut file, id)?,
                        false => (0, 0),
                    };
                    let rewritten = Arc::new(AtomicBool::new(false));
                    let mut checked = Checked::new(file, Arc::clone(&rewritten));
                    checked.at = offset;
                    let mut lb =
                        LineBuffer::with_limits(Box::new(checked) as _, self.opts.buffer, self.opts.max_line_bytes);
                    lb.hold_partial(true);
                    lb.start_at(offset, lines);
                    let follow = Follow::new(f.path);
                    f.open = Some(Open { lb, rewritten, follow, tail: Vec::new(), tail_at: 0 });
                    f.file.number = lines + 1;
                    self.sink.start(None);
                    self.sink.opened(f.file.name, id);
                    return self.read_on(f);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    if !std::mem::replace(&mut f.said_missing, true) && !self.opts.no_messages {
                        self.sink.flush().map_err(crate::searcher::output_error)?;
                        let name = lossy(f.file.name);
                        (self.warn)(format!(
                            "{name}: {}; waiting for it to appear",
                            sluice_core::error::io_message(&e)
                        ));
                    }
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        };
        let mut rotation = open.follow.poll(open.lb.read_so_far());
        if rotation == Rotation::Same && rewritten(f.path, open.tail_at, &open.tail) {
            rotation = Rotation::Truncated;
        }
        match rotation {
            Rotation::Same => {
                open.lb.resume();
                self.read_on(f)
            }
            Rotation::Renamed => {
                // The old file's last line is final now, and so is its
                // last record.
                open.lb.resume();
                open.lb.hold_partial(false);
                if self.catch_up(f)? == Searched::Done {
                    return Ok(());
                }
                self.reopen(f)
            }
            Rotation::Truncated => self.truncated(f),
        }
    }

    /// Where the first open of a followed file starts reading, and the
    /// lines before it: where the checkpoint left it, if the file is still
    /// the one it names; its end with `--from-end` (the start of an
    /// unfinished last line); else its start. `file` is left there.
    fn first_place(&mut self, f: &Followed<'_>, file: &mut File, id: FileId) -> io::Result<(u64, u64)> {
        let size = file.metadata()?.len();
        let name = String::from_utf8_lossy(f.file.name);
        let holds_tail = |r: &crate::checkpoint::Resume| {
            let mut now = vec![0; r.tail.len()];
            let from = r.offset.checked_sub(r.tail.len() as u64);
            from.is_some_and(|from| file.read_exact_at(&mut now, from).is_ok() && now == r.tail)
        };
        let place = match self.opts.resume.files.get(name.as_ref()) {
            Some(r) if r.file == id && r.offset <= size && holds_tail(r) => Some((r.offset, r.line.saturating_sub(1))),
            Some(_) => {
                (self.warn)(format!(
                    "{name}: not the file the checkpoint names (rotated or truncated since); read from its start"
                ));
                None
            }
            None if self.opts.from_end => {
                let end = crate::searcher::after_last_newline(file, size)?;
                Some((end, crate::searcher::lines_before(file, end)?))
            }
            None => None,
        };
        let (offset, lines) = place.unwrap_or((0, 0));
        file.seek(SeekFrom::Start(offset))?;
        Ok((offset, lines))
    }

    /// Reads what the file holds beyond what was read; if a block read
    /// shows that the file was rewritten meanwhile, turns to its copy and
    /// its new start.
    fn read_on(&mut self, f: &mut Followed<'_>) -> io::Result<()> {
        self.catch_up(f)?;
        match &f.open {
            Some(open) if !f.file.done && open.rewritten.load(Ordering::Relaxed) => self.truncated(f),
            _ => Ok(()),
        }
    }

    /// The file was truncated or rewritten: what was not read yet of its
    /// old contents comes from the rotated copy, if there is one; then the
    /// new contents from their start.
    fn truncated(&mut self, f: &mut Followed<'_>) -> io::Result<()> {
        let Some(open) = f.open.as_mut() else { return Ok(()) };
        // The unfinished line is read again from the copy, whole.
        if let Some(copy) = rotated_copy(f.path, open.tail_at, &open.tail, open.lb.position()) {
            open.lb.reset(Box::new(copy));
            open.lb.hold_partial(false);
            if self.catch_up(f)? == Searched::Done {
                return Ok(());
            }
        }
        self.reopen(f)
    }

    /// Starts over on the file now under the followed name; the last
    /// record held back of the one before is whole.
    fn reopen(&mut self, f: &mut Followed<'_>) -> io::Result<()> {
        if let Some(open) = f.open.as_mut() {
            self.release_held(&mut open.lb, &mut f.file)?;
        }
        f.open = None;
        f.said_missing = false;
        self.visit(f)
    }

    /// Searches what the file holds beyond what was read, and remembers
    /// its last bytes.
    fn catch_up(&mut self, f: &mut Followed<'_>) -> io::Result<Searched> {
        let Some(open) = f.open.as_mut() else { return Ok(Searched::End) };
        let searched = self.drain(&mut open.lb, &mut f.file)?;
        let (tail, at) = open.lb.last_read();
        if !tail.is_empty() {
            open.tail.clear();
            open.tail.extend_from_slice(tail);
            open.tail_at = at;
        }
        if searched == Searched::Done {
            f.file.done = true;
        }
        Ok(searched)
    }
}

/// A followed file's reader that checks, after each block it reads, that
/// the bytes it read before the block are still where they were. If they
/// are not, the file was truncated, and the block may be the new contents
/// (a writer without `O_APPEND` writes past the old end): it is dropped,
/// the reader says the input ended, and `rewritten` is set, so that the
/// follower reads the file again from its start.
struct Checked {
    file: File,
    /// Checks apply to regular files only: a FIFO cannot be read back.
    regular: bool,
    /// The last bytes read (up to [`Checked::KEEP`]), ending at `at`.
    last: Vec<u8>,
    at: u64,
    rewritten: Arc<AtomicBool>,
}

impl Checked {
    const KEEP: usize = 64;

    fn new(file: File, rewritten: Arc<AtomicBool>) -> Checked {
        let regular = file.metadata().is_ok_and(|m| m.is_file());
        Checked { file, regular, last: Vec::with_capacity(2 * Checked::KEEP), at: 0, rewritten }
    }
}

impl Read for Checked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.rewritten.load(Ordering::Relaxed) {
            return Ok(0);
        }
        let n = self.file.read(buf)?;
        if n == 0 || !self.regular {
            return Ok(n);
        }
        // Read after the block: if the old bytes are still there now, they
        // were when the block was read, so the block is the old file's.
        let mut now = [0; Checked::KEEP];
        let now = &mut now[..self.last.len()];
        let from = self.at - self.last.len() as u64;
        if !self.last.is_empty() && (self.file.read_exact_at(now, from).is_err() || now != &self.last[..]) {
            self.rewritten.store(true, Ordering::Relaxed);
            return Ok(0);
        }
        self.last.extend_from_slice(&buf[n.saturating_sub(Checked::KEEP)..n]);
        let excess = self.last.len().saturating_sub(Checked::KEEP);
        self.last.drain(..excess);
        self.at += n as u64;
        Ok(n)
    }
}

/// Whether the file at `path` no longer holds `tail` at `at`: it was
/// truncated, or truncated and written again.
fn rewritten(path: &Path, at: u64, tail: &[u8]) -> bool {
    if tail.is_empty() {
        return false;
    }
    let mut now = vec![0; tail.len()];
    match File::open(path) {
        Ok(file) => file.read_exact_at(&mut now, at).is_err() || now != tail,
        // Missing for a moment in the middle of a rotation.
        Err(_) => false,
    }
}

/// The copy a copy-truncate rotation made of the followed file: beside it,
/// named after it (`app.log.1`, `app.log-20261130`), holding `tail` where
/// the followed file held it at `at`; of several, the newest. Returned
/// positioned at `from`.
fn rotated_copy(path: &Path, at: u64, tail: &[u8], from: u64) -> Option<File> {
    if tail.is_empty() {
        return None;
    }
    let name = path.file_name()?.as_bytes();
    let mut newest: Option<(std::time::SystemTime, File)> = None;
    for entry in std::fs::read_dir(dir_of(path)).ok()?.flatten() {
        let candidate = entry.file_name();
        let candidate = candidate.as_bytes();
        if candidate.len() <= name.len() || !candidate.starts_with(name) {
            continue;
        }
        let Ok(file) = File::open(entry.path()) else { continue };
        let Ok(modified) = file.metadata().and_then(|m| m.modified()) else { continue };
        let mut there = vec![0; tail.len()];
        let holds = file.read_exact_at(&mut there, at).is_ok() && there == tail;
        if holds && newest.as_ref().is_none_or(|(m, _)| modified > *m) {
            newest = Some((modified, file));
        }
    }
    let (_, mut file) = newest?;
    file.seek(SeekFrom::Start(from)).ok()?;
    Some(file)
}

/// The directory `path` lies in (`.` for a bare name).
fn dir_of(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The race a follower meets with a writer that keeps its offset: the
    /// file is truncated and written past its old end between two reads.
    /// The block read then is the new contents and must not be taken as
    /// the old file's continuation.
    #[test]
    fn a_block_read_after_a_truncation_is_dropped_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let mut writer = std::fs::OpenOptions::new().create(true).truncate(true).write(true).open(&path).unwrap();
        writer.write_all(b"ERROR one\nERROR two\n").unwrap();
        let flag = Arc::new(AtomicBool::new(false));
        let mut checked = Checked::new(File::open(&path).unwrap(), Arc::clone(&flag));
        let mut buf = [0; 64];
        assert_eq!(checked.read(&mut buf).unwrap(), 20);
        writer.write_all(b"ERROR three\n").unwrap();
        assert_eq!(checked.read(&mut buf).unwrap(), 12, "growth is read");
        assert!(!flag.load(Ordering::Relaxed));
        writer.set_len(0).unwrap();
        writer.write_all(b"ERROR four\n").unwrap();
        assert_eq!(checked.read(&mut buf).unwrap(), 0, "the new contents are left for a read from the start");
        assert!(flag.load(Ordering::Relaxed));
        assert_eq!(checked.read(&mut buf).unwrap(), 0, "and stay left");
    }
}
