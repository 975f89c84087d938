//! Reading ahead: a source of ticks pulled on a thread of its own, so that
//! reading and parsing files overlaps with what the sinks do.
//!
//! On one thread, a replay into a bot spends most of its time parsing and
//! the rest trading and printing; on two, the parsing of the next rows
//! goes on while the bot trades, and a bot that trades often costs little
//! more than one that trades rarely. The records cross in batches of owned
//! copies through a channel of a few batches, so memory stays flat, and
//! the bridge pulls them one at a time, in the order the source gave them,
//! with the same locations: nothing downstream can tell the difference.
//!
//! Only for sources that read to their end as fast as they can (files): a
//! live source's idle pauses, and a source that acknowledges upstream,
//! stay on the bridge's thread.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::{BadKind, BadRecord, Error, Filter, Location, Pull, Record, RecordKind, Source, Symbol, Tick};

/// Records per batch: about 190 KiB of ticks. Measured on 10M rows: with
/// 1,024 or 1,200 a replay took a third longer (the handovers, it seems),
/// and 2,048 or 4,096 gained nothing more for their memory.
const BATCH: usize = 1536;
/// Batches that exist: one being filled, one waiting in the channel, one
/// being taken. Two made each handover a wait (a tenth slower); more would
/// let the reader run further ahead, for memory a replay cannot spare (its
/// peak is held near 8 MiB) and no measured gain.
const BATCHES: usize = 3;

/// A source read on a thread of its own.
pub struct ReadAhead<S: Source + Send + 'static> {
    name: String,
    emits: RecordKind,
    state: State<S>,
    batch: Batch,
    next: usize,
    /// Every file or stream name the records were located in, in order of
    /// first use; an item names one by its index.
    names: Vec<String>,
    /// What the source had examined when it gave the last record pulled
    /// here: the reader is ahead, and a run cut short by a limit counts
    /// only what it took.
    scanned: Option<u64>,
    /// The source gave its end: all it examined was taken.
    finished: bool,
}

enum State<S> {
    /// Not pulled yet: filters may still be taken over.
    Ready(S),
    Reading {
        batches: Receiver<Message>,
        /// Emptied batches go back to be filled again, so that the two
        /// threads pass the same few buffers around instead of allocating.
        spent: SyncSender<Batch>,
        stop: Arc<AtomicBool>,
        thread: JoinHandle<S>,
    },
    /// The source back from its thread (`None` if the thread panicked).
    Ended(Option<S>),
}

enum Message {
    Batch(Batch),
    /// The source's last word: its end, or the error that ended it.
    End(Result<(), Error>),
}

#[derive(Default)]
struct Batch {
    items: Vec<Item>,
    /// The raw text of the batch's bad records, back to back.
    raw: Vec<u8>,
    /// Names first used in this batch, to append to [`ReadAhead::names`].
    new_names: Vec<String>,
}

struct Item {
    what: What,
    /// Index into the names, and the line or sequence number.
    name: u32,
    number: u64,
    seq: bool,
    scanned: Option<u64>,
}

enum What {
    Tick(Tick),
    /// Boxed: bad records are rare, and a tick is all most items hold.
    Bad(Box<Bad>),
}

struct Bad {
    kind: BadKind,
    reason: String,
    raw: Range<usize>,
    symbol: Option<Symbol>,
    echo: bool,
}

impl<S: Source + Send + 'static> ReadAhead<S> {
    /// Reads `source` ahead once it is first pulled. Its records must be
    /// ticks.
    pub fn new(source: S) -> ReadAhead<S> {
        ReadAhead {
            name: source.name().to_owned(),
            emits: source.emits(),
            state: State::Ready(source),
            batch: Batch::default(),
            next: 0,
            names: Vec::new(),
            scanned: None,
            finished: false,
        }
    }

    /// The source back on this thread, the reader stopped wherever it is.
    fn source(&mut self) -> Option<&mut S> {
        if let State::Reading { .. } = self.state {
            let State::Reading { batches, stop, thread, .. } = std::mem::replace(&mut self.state, State::Ended(None))
            else {
                unreachable!()
            };
            stop.store(true, Ordering::Relaxed);
            self.batch.items.clear();
            // A reader waiting to hand over a batch finds no one there.
            drop(batches);
            self.state = State::Ended(thread.join().ok());
        }
        match &mut self.state {
            State::Ready(s) | State::Ended(Some(s)) => Some(s),
            _ => None,
        }
    }

    fn view(&self, i: usize) -> Pull<'_> {
        let item = &self.batch.items[i];
        let name = self.names[item.name as usize].as_str();
        let location = match item.seq {
            false => Location::FileLine { file: name, line: item.number },
            true => Location::Seq { source: name, seq: item.number },
        };
        match &item.what {
            What::Tick(t) => Pull::Record(Record::Tick(*t), location),
            What::Bad(bad) => Pull::Bad(BadRecord {
                kind: bad.kind,
                reason: bad.reason.clone(),
                location,
                raw: &self.batch.raw[bad.raw.clone()],
                symbol: bad.symbol,
                echo: bad.echo,
            }),
        }
    }
}

impl<S: Source + Send + 'static> Source for ReadAhead<S> {
    fn name(&self) -> &str {
        &self.name
    }

    fn emits(&self) -> RecordKind {
        self.emits
    }

    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        while self.next >= self.batch.items.len() {
            match &mut self.state {
                State::Ready(_) => {
                    let State::Ready(source) = std::mem::replace(&mut self.state, State::Ended(None)) else {
                        unreachable!()
                    };
                    let (tx, batches) = sync_channel(BATCHES - 2);
                    let (spent, refill) = sync_channel(BATCHES);
                    let stop = Arc::new(AtomicBool::new(false));
                    let reader_stop = Arc::clone(&stop);
                    let thread = std::thread::Builder::new()
                        .name(format!("{}-reader", self.name))
                        .spawn(move || read(source, tx, refill, &reader_stop))
                        .map_err(|e| Error::io(self.name.clone(), "starting the reading thread", e))?;
                    self.state = State::Reading { batches, spent, stop, thread };
                }
                State::Reading { batches, spent, .. } => match batches.recv() {
                    Ok(Message::Batch(mut batch)) => {
                        self.names.append(&mut batch.new_names);
                        let used = std::mem::replace(&mut self.batch, batch);
                        self.next = 0;
                        // The channel has room for every batch there is;
                        // the first, empty one is not the reader's.
                        if used.items.capacity() > 0 {
                            let _ = spent.try_send(used);
                        }
                    }
                    Ok(Message::End(result)) => {
                        self.finished = true;
                        self.source();
                        result?;
                    }
                    Err(_) => {
                        self.source();
                        return Err(Error::new(self.name.clone(), "the reading thread stopped unexpectedly"));
                    }
                },
                State::Ended(_) => return Ok(Pull::End),
            }
        }
        let i = self.next;
        self.next += 1;
        self.scanned = self.batch.items[i].scanned;
        Ok(self.view(i))
    }

    fn take_over(&mut self, filter: &Filter) -> bool {
        match &mut self.state {
            State::Ready(s) => s.take_over(filter),
            _ => false,
        }
    }

    fn scanned(&self) -> Option<u64> {
        match &self.state {
            State::Ready(s) => s.scanned(),
            State::Ended(Some(s)) if self.finished => s.scanned(),
            _ => self.scanned,
        }
    }

    fn seed(&self) -> Option<u64> {
        match &self.state {
            State::Ready(s) | State::Ended(Some(s)) => s.seed(),
            _ => None,
        }
    }

    fn warnings(&mut self) -> Vec<String> {
        self.source().map(Source::warnings).unwrap_or_default()
    }
}

impl<S: Source + Send + 'static> Drop for ReadAhead<S> {
    fn drop(&mut self) {
        // The reader ends at its next batch; nobody waits for it.
        if let State::Reading { stop, .. } = &self.state {
            stop.store(true, Ordering::Relaxed);
        }
    }
}

/// The reading thread: pulls `source` into batches until its end, an
/// error, or `stop`; gives the source back.
fn read<S: Source>(mut source: S, tx: SyncSender<Message>, refill: Receiver<Batch>, stop: &AtomicBool) -> S {
    let mut names: Vec<String> = Vec::new();
    let mut made = 0;
    loop {
        let mut batch = if made < BATCHES {
            made += 1;
            Batch { items: Vec::with_capacity(BATCH), ..Batch::default() }
        } else {
            // Given back once the bridge has taken the batch after it.
            let Ok(mut used) = refill.recv() else { return source };
            used.items.clear();
            used.raw.clear();
            used
        };
        let mut end = None;
        while batch.items.len() < BATCH && end.is_none() {
            let pulled = match source.pull() {
                Ok(Pull::Record(Record::Tick(t), at)) => {
                    let (name, number, seq) = locate(&at, &mut names, &mut batch.new_names);
                    Some(Item { what: What::Tick(t), name, number, seq, scanned: None })
                }
                Ok(Pull::Bad(bad)) => {
                    let (name, number, seq) = locate(&bad.location, &mut names, &mut batch.new_names);
                    let raw = batch.raw.len()..batch.raw.len() + bad.raw.len();
                    batch.raw.extend_from_slice(bad.raw);
                    let what = What::Bad(Box::new(Bad {
                        kind: bad.kind,
                        reason: bad.reason,
                        raw,
                        symbol: bad.symbol,
                        echo: bad.echo,
                    }));
                    Some(Item { what, name, number, seq, scanned: None })
                }
                Ok(Pull::Record(Record::Line(_), _)) => {
                    end = Some(Err(Error::new(source.name().to_owned(), "read ahead, a source gave a line")));
                    None
                }
                // A file is never idle; were it, what there is goes now.
                Ok(Pull::Idle) => break,
                Ok(Pull::End) => {
                    end = Some(Ok(()));
                    None
                }
                Err(e) => {
                    end = Some(Err(e));
                    None
                }
            };
            if let Some(mut item) = pulled {
                item.scanned = source.scanned();
                batch.items.push(item);
            }
        }
        if stop.load(Ordering::Relaxed) {
            return source;
        }
        if !batch.items.is_empty() && tx.send(Message::Batch(batch)).is_err() {
            return source;
        }
        if let Some(end) = end {
            let _ = tx.send(Message::End(end));
            return source;
        }
    }
}

/// The name index and number of a location, registering a name not seen
/// before (in `new` as well, for the other side).
fn locate(at: &Location<'_>, names: &mut Vec<String>, new: &mut Vec<String>) -> (u32, u64, bool) {
    let (name, number, seq) = match *at {
        Location::FileLine { file, line } => (file, line, false),
        Location::Seq { source, seq } => (source, seq, true),
    };
    // Records come file by file: the last name is nearly always the one.
    let index = match names.iter().rposition(|n| n == name) {
        Some(i) => i,
        None => {
            names.push(name.to_owned());
            new.push(name.to_owned());
            names.len() - 1
        }
    };
    (index as u32, number, seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source of `n` ticks over two files, with a bad row every tenth
    /// and an error at the end if asked.
    struct Counting {
        given: u64,
        n: u64,
        fail: bool,
        raw: Vec<u8>,
    }

    impl Source for Counting {
        fn name(&self) -> &str {
            "counting"
        }
        fn emits(&self) -> RecordKind {
            RecordKind::Tick
        }
        fn pull(&mut self) -> Result<Pull<'_>, Error> {
            if self.given == self.n {
                return if self.fail { Err(Error::new("counting", "disk on fire")) } else { Ok(Pull::End) };
            }
            self.given += 1;
            let file = if self.given <= self.n / 2 { "a.csv" } else { "b.csv" };
            let location = Location::FileLine { file, line: self.given };
            if self.given.is_multiple_of(10) {
                self.raw = format!("row {}", self.given).into_bytes();
                return Ok(Pull::Bad(BadRecord {
                    kind: BadKind::Price,
                    reason: format!("bad {}", self.given),
                    location,
                    raw: &self.raw,
                    symbol: Some(Symbol::from_bytes(b"AAPL").unwrap()),
                    echo: false,
                }));
            }
            let tick = Tick {
                time: crate::Timestamp::from_nanos(self.given as i64),
                symbol: Symbol::from_bytes(b"AAPL").unwrap(),
                price: crate::Decimal::from_units(self.given as i64),
                volume: crate::Money::ZERO,
                quote: None,
            };
            Ok(Pull::Record(Record::Tick(tick), location))
        }
        fn scanned(&self) -> Option<u64> {
            Some(self.given)
        }
        fn warnings(&mut self) -> Vec<String> {
            vec![format!("gave {}", self.given)]
        }
    }

    fn all(source: &mut dyn Source) -> (Vec<String>, Result<(), String>) {
        let mut seen = Vec::new();
        loop {
            match source.pull() {
                Ok(Pull::Record(Record::Tick(t), at)) => seen.push(format!("{at} {}", t.price)),
                Ok(Pull::Bad(b)) => seen.push(format!("{b} {}", String::from_utf8_lossy(b.raw))),
                Ok(Pull::End) => return (seen, Ok(())),
                Ok(other) => panic!("{other:?}"),
                Err(e) => return (seen, Err(e.to_string())),
            }
        }
    }

    #[test]
    fn gives_what_the_source_gives_in_order_then_its_end_or_error() {
        for (n, fail) in [(0, false), (1, false), (2500, false), (3000, true)] {
            let counting = || Counting { given: 0, n, fail, raw: Vec::new() };
            let direct = all(&mut counting());
            let mut ahead = ReadAhead::new(counting());
            assert_eq!(all(&mut ahead), direct, "{n} records");
            assert!(matches!(ahead.pull(), Ok(Pull::End)), "and the end again");
            assert_eq!(ahead.scanned(), Some(n));
            assert_eq!(ahead.warnings(), vec![format!("gave {n}")]);
        }
    }

    #[test]
    fn a_run_cut_short_counts_what_it_took_and_gets_the_warnings() {
        let mut ahead = ReadAhead::new(Counting { given: 0, n: 100_000, fail: false, raw: Vec::new() });
        for _ in 0..1500 {
            ahead.pull().unwrap();
        }
        assert_eq!(ahead.scanned(), Some(1500), "not what the reader read ahead");
        let warnings = ahead.warnings();
        let read: u64 = warnings[0].strip_prefix("gave ").unwrap().parse().unwrap();
        assert!((1500..=1500 + (BATCHES * BATCH) as u64).contains(&read), "{warnings:?}");
        assert!(matches!(ahead.pull(), Ok(Pull::End)), "a stopped reader gives nothing more");
    }
}
