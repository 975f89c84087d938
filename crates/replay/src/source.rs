//! The `csv` tick source: files in turn, or merged by time.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use sluice_core::config::ConfigError;
use sluice_core::pace::{Paced, SystemClock};
use sluice_core::read_ahead::ReadAhead;
use sluice_core::{BadKind, BadRecord, Error, Filter, Location, Pull, Record, RecordKind, Source, Stop, Symbol, Tick};

use crate::config::{CsvConfig, Layout, Speed};
use crate::reader::{FileReader, Step};
use sluice_io::STDIN;

/// Builds the source a configuration describes: checked, not yet reading.
/// `stop` cuts short the waits of a paced replay.
pub fn build(config: &CsvConfig, stop: Option<Stop>) -> Result<Box<dyn Source>, ConfigError> {
    build_with_progress(config, stop, None, true)
}

/// Most files a merge holds open at once.
const MAX_MERGED: usize = 512;

/// Like [`build`], adding the bytes read from the files to `progress`.
/// `ahead`: read regular files ahead on a thread of their own (see
/// [`ReadAhead`]), worth it unless the sinks already keep every core busy.
pub fn build_with_progress(
    config: &CsvConfig,
    stop: Option<Stop>,
    progress: Option<Arc<AtomicU64>>,
    ahead: bool,
) -> Result<Box<dyn Source>, ConfigError> {
    let layout = config.layout()?;
    if config.path.iter().filter(|p| *p == STDIN).count() > 1 {
        return Err(ConfigError::new("path", "stdin (-) can be read only once"));
    }
    for path in &config.path {
        sluice_io::check_input(path).map_err(|e| ConfigError::new("path", e.to_string()))?;
    }
    // A merge keeps every file open with its buffer (about 80 KB and a
    // descriptor each): past this, the run would exhaust descriptors (the
    // usual limit is 1024) long before it finished.
    if config.merge && config.path.len() > MAX_MERGED {
        return Err(ConfigError::new(
            "merge",
            format!(
                "{} files to merge; at most {MAX_MERGED} are held open at once: merge them in groups, or replay \
                 them in turn without --merge",
                config.path.len()
            ),
        ));
    }
    let interrupt = stop.as_ref().map(Stop::as_atomic);
    let files = Files { paths: config.path.clone(), layout, keep: None, strict: config.strict, progress, interrupt };
    // Read ahead on a thread of its own at full speed from files (whose
    // reads a signal need not cut short), when there is a core for it.
    let ahead = ahead
        && config.speed == Speed::Max
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
        && config.path.iter().all(|p| p != STDIN && std::fs::metadata(p).is_ok_and(|m| m.is_file()));
    let source: Box<dyn Source> = if config.merge {
        let merged =
            Merged { files, readers: Vec::new(), pending: Vec::new(), bad: None, opened: false, warnings: Vec::new() };
        maybe_ahead(merged, ahead)
    } else {
        maybe_ahead(InTurn { files, next: 0, reader: None, scanned: 0, warnings: Vec::new() }, ahead)
    };
    Ok(match config.speed {
        Speed::Max => source,
        Speed::Times(f) => Box::new(Paced::new(source, SystemClock::new(stop), f)),
    })
}

fn maybe_ahead<S: Source + Send + 'static>(source: S, ahead: bool) -> Box<dyn Source> {
    if ahead { Box::new(ReadAhead::new(source)) } else { Box::new(source) }
}

/// What both ways of reading share.
struct Files {
    paths: Vec<String>,
    layout: Layout,
    keep: Option<Vec<Symbol>>,
    strict: bool,
    progress: Option<Arc<AtomicU64>>,
    /// Raised by a signal: ends a read blocked on stdin or a FIFO.
    interrupt: Option<Arc<std::sync::atomic::AtomicUsize>>,
}

impl Files {
    /// Stdin or a FIFO may deliver rows as they are written.
    fn live(&self) -> bool {
        self.paths.iter().any(|p| p == STDIN || std::fs::metadata(p).is_ok_and(|m| !m.is_file()))
    }

    fn open(&self, i: usize) -> Result<FileReader, Error> {
        FileReader::open(&self.paths[i], &self.layout, self.keep.clone(), self.progress.clone(), self.interrupt.clone())
    }

    /// Takes over a symbol filter: rows of other symbols are skipped before
    /// anything but their symbol is read.
    fn take_over(&mut self, filter: &Filter) -> bool {
        let Filter::Symbols(set) = filter else { return false };
        self.keep = Some(match self.keep.take() {
            None => set.clone(),
            Some(kept) => kept.into_iter().filter(|s| set.contains(s)).collect(),
        });
        true
    }

    /// `--strict`: a bad row ends the replay, naming where and why.
    fn refuse<'a>(strict: bool, bad: BadRecord<'a>) -> Result<Pull<'a>, Error> {
        if strict {
            return Err(Error::new("csv", format!("{} (strict)", bad)));
        }
        Ok(Pull::Bad(bad))
    }
}

/// Files read one after the other.
struct InTurn {
    files: Files,
    next: usize,
    reader: Option<FileReader>,
    /// Rows scanned in files already finished.
    scanned: u64,
    warnings: Vec<String>,
}

impl Source for InTurn {
    fn name(&self) -> &str {
        "csv"
    }

    fn emits(&self) -> RecordKind {
        RecordKind::Tick
    }

    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        let tick = loop {
            let reader = match &mut self.reader {
                Some(r) => r,
                None if self.next == self.files.paths.len() => return Ok(Pull::End),
                None => {
                    self.reader = Some(self.files.open(self.next)?);
                    self.next += 1;
                    continue;
                }
            };
            match reader.advance()? {
                Step::Tick(t, line) => break Some((t, line)),
                Step::Bad => break None,
                Step::End => {
                    self.scanned += reader.scanned();
                    self.warnings.extend(reader.take_warnings());
                    self.reader = None;
                }
            }
        };
        // Built after the loop: a value borrowed from the reader cannot
        // leave a loop that borrows it again.
        match (&self.reader, tick) {
            (Some(r), Some((t, line))) => {
                Ok(Pull::Record(Record::Tick(t), Location::FileLine { file: r.name(), line }))
            }
            (Some(r), None) => Files::refuse(self.files.strict, r.bad()),
            (None, _) => Ok(Pull::End),
        }
    }

    fn take_over(&mut self, filter: &Filter) -> bool {
        self.files.take_over(filter)
    }

    fn scanned(&self) -> Option<u64> {
        let open = self.reader.as_ref().map_or(0, FileReader::scanned);
        self.files.keep.as_ref().map(|_| self.scanned + open)
    }

    fn is_live(&self) -> bool {
        self.files.live()
    }

    fn warnings(&mut self) -> Vec<String> {
        let mut all = std::mem::take(&mut self.warnings);
        if let Some(r) = &mut self.reader {
            all.extend(r.take_warnings());
        }
        all
    }
}

/// A bad row copied out of its reader, to wait its turn in a merge.
struct OwnedBad {
    kind: BadKind,
    reason: String,
    file: usize,
    line: u64,
    raw: Vec<u8>,
    symbol: Option<Symbol>,
}

enum Pending {
    /// A tick, with its file's index and its line.
    Tick(Tick, usize, u64),
    Bad(OwnedBad),
}

/// Files interleaved by timestamp: a k-way merge holding one pending row
/// per file. Ties go to the file given first; bad rows, which may have no
/// time, go out as soon as they are read.
struct Merged {
    files: Files,
    readers: Vec<Option<FileReader>>,
    pending: Vec<Option<Pending>>,
    bad: Option<OwnedBad>,
    opened: bool,
    warnings: Vec<String>,
}

impl Merged {
    fn refill(&mut self) -> Result<(), Error> {
        for i in 0..self.readers.len() {
            if self.pending[i].is_some() {
                continue;
            }
            let Some(reader) = &mut self.readers[i] else { continue };
            self.pending[i] = match reader.advance()? {
                Step::Tick(t, line) => Some(Pending::Tick(t, i, line)),
                Step::Bad => {
                    let b = reader.bad();
                    let line = match b.location {
                        Location::FileLine { line, .. } => line,
                        Location::Seq { seq, .. } => seq,
                    };
                    Some(Pending::Bad(OwnedBad {
                        kind: b.kind,
                        reason: b.reason,
                        file: i,
                        line,
                        raw: b.raw.to_vec(),
                        symbol: b.symbol,
                    }))
                }
                Step::End => {
                    self.warnings.extend(reader.take_warnings());
                    self.readers[i] = None;
                    None
                }
            };
        }
        Ok(())
    }
}

impl Source for Merged {
    fn name(&self) -> &str {
        "csv"
    }

    fn emits(&self) -> RecordKind {
        RecordKind::Tick
    }

    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        if !self.opened {
            self.opened = true;
            for i in 0..self.files.paths.len() {
                self.readers.push(Some(self.files.open(i)?));
                self.pending.push(None);
            }
        }
        self.refill()?;
        let bad_first = self.pending.iter().position(|p| matches!(p, Some(Pending::Bad(_))));
        let earliest = || {
            let ticks = self.pending.iter().enumerate().filter_map(|(i, p)| match p {
                Some(Pending::Tick(t, ..)) => Some((t.time, i)),
                _ => None,
            });
            ticks.min().map(|(_, i)| i)
        };
        let Some(i) = bad_first.or_else(earliest) else { return Ok(Pull::End) };
        match self.pending[i].take() {
            Some(Pending::Tick(t, file, line)) => {
                Ok(Pull::Record(Record::Tick(t), Location::FileLine { file: &self.files.paths[file], line }))
            }
            Some(Pending::Bad(b)) => {
                let b = self.bad.insert(b);
                let bad = BadRecord {
                    kind: b.kind,
                    reason: b.reason.clone(),
                    location: Location::FileLine { file: &self.files.paths[b.file], line: b.line },
                    raw: &b.raw,
                    symbol: b.symbol,
                    echo: false,
                };
                Files::refuse(self.files.strict, bad)
            }
            None => Ok(Pull::End),
        }
    }

    fn take_over(&mut self, filter: &Filter) -> bool {
        self.files.take_over(filter)
    }

    fn scanned(&self) -> Option<u64> {
        // Finished readers are dropped, so a merge cannot count them; it
        // reports nothing and the bridge counts what it was given.
        None
    }

    fn warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    fn is_live(&self) -> bool {
        self.files.live()
    }
}
