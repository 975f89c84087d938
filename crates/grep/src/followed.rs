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
//!   (copy-truncate rotation), then the file is read from its start;
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
use std::sync::mpsc;
use std::time::Duration;

use sluice_io::{Follow, LineBuffer, Opener, Rotation, Watch};

use crate::Outcome;
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
}

/// A followed file that is open.
struct Open {
    lb: LineBuffer<Box<dyn Read + Send>>,
    watch: Watch,
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
            let mut f = Followed { path, file: FileState::new(shown, None), open: None, said_missing: false };
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
            match Opener::new().decompress(false).open(f.path) {
                Ok(input) => {
                    let mut lb = LineBuffer::with_limits(input.reader, self.opts.buffer, self.opts.max_line_bytes);
                    lb.hold_partial(true);
                    let follow = Follow::new(f.path);
                    f.open = Some(Open { lb, watch: input.watch, follow, tail: Vec::new(), tail_at: 0 });
                    f.file.number = 1;
                    self.sink.start(None);
                    return self.catch_up(f).map(|_| ());
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
        let mut rotation = open.follow.poll(open.watch.read_so_far());
        if rotation == Rotation::Same && rewritten(f.path, open.tail_at, &open.tail) {
            rotation = Rotation::Truncated;
        }
        match rotation {
            Rotation::Same => open.lb.resume(),
            Rotation::Renamed => {
                // The old file's last line is final now.
                open.lb.resume();
                open.lb.hold_partial(false);
                if self.catch_up(f)? == Searched::Done {
                    return Ok(());
                }
                return self.reopen(f);
            }
            Rotation::Truncated => {
                // The unfinished line is read again from the copy, whole.
                if let Some(copy) = rotated_copy(f.path, open.tail_at, &open.tail, open.lb.position()) {
                    open.lb.reset(Box::new(copy));
                    open.lb.hold_partial(false);
                    if self.catch_up(f)? == Searched::Done {
                        return Ok(());
                    }
                }
                return self.reopen(f);
            }
        }
        self.catch_up(f).map(|_| ())
    }

    /// Starts over on the file now under the followed name.
    fn reopen(&mut self, f: &mut Followed<'_>) -> io::Result<()> {
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
