//! The bridge: pulls from the source, filters, and pushes to the sinks.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use crate::{BadKind, Error, Filter, Flow, Pull, Record, RecordKind, Sink, SinkReport, Source, Stop};

/// A pipeline that has been checked and is ready to run.
///
/// ```
/// use sluice_core::{Bridge, Ending};
/// # use sluice_core::*;
/// # struct Empty;
/// # impl Source for Empty {
/// #     fn name(&self) -> &str { "empty" }
/// #     fn emits(&self) -> RecordKind { RecordKind::Tick }
/// #     fn pull(&mut self) -> Result<Pull<'_>, Error> { Ok(Pull::End) }
/// # }
/// # struct Null;
/// # impl Sink for Null {
/// #     fn name(&self) -> &str { "null" }
/// #     fn accepts(&self, _: RecordKind) -> bool { true }
/// #     fn send(&mut self, _: &Record<'_>, _: &Location<'_>) -> Result<Flow, Error> { Ok(Flow::Continue) }
/// #     fn throw(&mut self, _: &BadRecord<'_>) -> Result<Flow, Error> { Ok(Flow::Continue) }
/// #     fn close(self: Box<Self>) -> Result<SinkReport, Error> { Ok(SinkReport::default()) }
/// # }
/// let outcome = Bridge::new(Box::new(Empty), vec![], vec![Box::new(Null)])?
///     .limit(Some(30))
///     .run();
/// assert!(matches!(outcome.ending, Ending::Exhausted));
/// # Ok::<(), sluice_core::PlanError>(())
/// ```
pub struct Bridge {
    source: Box<dyn Source>,
    filters: Vec<Filter>,
    sinks: Vec<Box<dyn Sink>>,
    limit: Option<u64>,
    stop: Stop,
}

/// Why a pipeline cannot run as assembled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// No sink was given.
    #[error("a pipeline needs at least one sink")]
    NoSink,
    /// A filter reads a kind of record the source does not emit.
    #[error("filter `{filter}` reads {wants}, but source `{source_name}` emits {emits}")]
    FilterKind {
        /// The filter, as written.
        filter: String,
        /// What it reads.
        wants: RecordKind,
        /// The source's name.
        source_name: String,
        /// What the source emits.
        emits: RecordKind,
    },
    /// A sink does not take what the source emits.
    #[error("sink `{sink}` does not take {emits}, which source `{source_name}` emits{hint}")]
    SinkKind {
        /// The sink's name.
        sink: String,
        /// The source's name.
        source_name: String,
        /// What the source emits.
        emits: RecordKind,
        /// A suggestion, starting with `; ` when there is one.
        hint: &'static str,
    },
}

/// How a run ended.
#[derive(Debug)]
pub enum Ending {
    /// The source ran out.
    Exhausted,
    /// `limit` records were delivered.
    Limit,
    /// Every sink said it was done.
    SinksDone,
    /// A signal asked the run to stop (its number).
    Stopped(usize),
    /// The source failed.
    SourceFailed(Error),
    /// A sink failed while taking a record.
    SinkFailed(Error),
}

/// What a run did, counted at the bridge.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Records the source read, good and bad, including any dropped by a
    /// filter the source took over.
    pub read: u64,
    /// Records that passed the filters.
    pub passed: u64,
    /// Records delivered to the sinks (sent or thrown); what `limit` counts.
    pub delivered: u64,
    /// Bad records read, by reason.
    pub bad: BTreeMap<BadKind, u64>,
    /// Wall time of the run (not in the JSON, so reports are repeatable).
    #[serde(skip)]
    pub elapsed: Duration,
    /// The source's warnings (a file changed while it was read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Summary {
    /// All bad records read.
    pub fn bad_total(&self) -> u64 {
        self.bad.values().sum()
    }

    /// Records read per second of wall time.
    pub fn rate(&self) -> f64 {
        self.read as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {} records ({} bad), {} passed the filters, {} delivered in {}",
            self.read,
            self.bad_total(),
            self.passed,
            self.delivered,
            Took(self.elapsed),
        )?;
        // A rate over a few milliseconds measures the clock, not the run.
        if self.elapsed >= std::time::Duration::from_millis(10) {
            write!(f, " ({:.0} records/s)", self.rate())?;
        }
        for (kind, n) in &self.bad {
            write!(f, "\n  bad {kind}: {n}")?;
        }
        Ok(())
    }
}

/// A duration to three significant figures in a unit that suits it.
struct Took(std::time::Duration);

impl fmt::Display for Took {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.as_secs_f64();
        let (value, unit) = match s {
            s if s >= 1.0 => (s, "s"),
            s if s >= 1e-3 => (s * 1e3, "ms"),
            s => (s * 1e6, "µs"),
        };
        let places = if value >= 100.0 {
            0
        } else if value >= 10.0 {
            1
        } else {
            2
        };
        write!(f, "{value:.places$} {unit}")
    }
}

/// Everything a run returns: its counts, each sink's report (or the error
/// its `close` gave), and why it ended.
#[derive(Debug)]
pub struct Outcome {
    /// What the run counted.
    pub summary: Summary,
    /// Each sink's report, in the order the sinks were given.
    pub reports: Vec<Result<SinkReport, Error>>,
    /// Why the run ended.
    pub ending: Ending,
    /// The source's seed, when it is a generated stream.
    pub seed: Option<u64>,
}

impl Bridge {
    /// Checks that every filter reads what the source emits and that every
    /// sink takes it, then offers each filter to the source to take over.
    pub fn new(
        mut source: Box<dyn Source>,
        filters: Vec<Filter>,
        sinks: Vec<Box<dyn Sink>>,
    ) -> Result<Bridge, PlanError> {
        if sinks.is_empty() {
            return Err(PlanError::NoSink);
        }
        let emits = source.emits();
        if let Some(f) = filters.iter().find(|f| f.reads() != emits) {
            return Err(PlanError::FilterKind {
                filter: f.to_string(),
                wants: f.reads(),
                source_name: source.name().to_owned(),
                emits,
            });
        }
        if let Some(s) = sinks.iter().find(|s| !s.accepts(emits)) {
            return Err(PlanError::SinkKind {
                sink: s.name().to_owned(),
                source_name: source.name().to_owned(),
                emits,
                hint: match emits {
                    RecordKind::Line => "; read ticks with a csv source instead, or write lines to an audit sink",
                    RecordKind::Tick => "",
                },
            });
        }
        let filters = filters.into_iter().filter(|f| !source.take_over(f)).collect();
        Ok(Bridge { source, filters, sinks, limit: None, stop: Stop::new() })
    }

    /// Stops after `n` records have been delivered, counted after the
    /// filters. Default: no limit.
    pub fn limit(mut self, n: Option<u64>) -> Bridge {
        self.limit = n;
        self
    }

    /// Stops cleanly when `stop` is raised. Default: a flag nobody raises.
    pub fn stop_on(mut self, stop: Stop) -> Bridge {
        self.stop = stop;
        self
    }

    /// Runs to the end and closes every sink exactly once, however the run
    /// ends.
    pub fn run(self) -> Outcome {
        let Bridge { mut source, filters, sinks, limit, stop } = self;
        let started = Instant::now();
        let mut fanout = Fanout::new(sinks);
        let mut summary = Summary::default();
        let mut ending = match fanout.start() {
            Err(e) => Ending::SinkFailed(e),
            Ok(()) => pump(source.as_mut(), &filters, &mut fanout, limit, &stop, &mut summary),
        };
        if let Some(scanned) = source.scanned() {
            summary.read = scanned;
        }
        summary.warnings = source.warnings();
        let reports = fanout.close();
        // What the sinks took is acknowledged only once every sink has
        // closed cleanly; after a failure the upstream delivers it again.
        let clean = !matches!(ending, Ending::SourceFailed(_) | Ending::SinkFailed(_));
        if clean
            && reports.iter().all(Result::is_ok)
            && let Err(e) = source.commit()
        {
            ending = Ending::SourceFailed(e);
        }
        summary.elapsed = started.elapsed();
        Outcome { summary, reports, ending, seed: source.seed() }
    }
}

/// Flushes the sinks, then lets the source acknowledge what they took.
fn commit(source: &mut dyn Source, fanout: &mut Fanout) -> Option<Ending> {
    if let Err(e) = fanout.flush() {
        return Some(Ending::SinkFailed(e));
    }
    source.commit().err().map(Ending::SourceFailed)
}

fn pump(
    source: &mut dyn Source,
    filters: &[Filter],
    fanout: &mut Fanout,
    limit: Option<u64>,
    stop: &Stop,
    summary: &mut Summary,
) -> Ending {
    let every = source.commit_every();
    let mut uncommitted = 0u64;
    loop {
        if every.is_some_and(|n| uncommitted >= n) {
            uncommitted = 0;
            if let Some(ending) = commit(source, fanout) {
                return ending;
            }
        }
        if let Some(signal) = stop.requested() {
            return Ending::Stopped(signal);
        }
        // Checked before pulling, so a limit never reads one record too many
        // from a stream that cannot give it back.
        if limit.is_some_and(|n| summary.delivered >= n) {
            return Ending::Limit;
        }
        let flow = match source.pull() {
            Err(e) => return Ending::SourceFailed(e),
            // An input ended by a signal (a blocked read of stdin or a FIFO
            // gives up) is a stop, not the end of the data.
            Ok(Pull::End) => return stop.requested().map_or(Ending::Exhausted, Ending::Stopped),
            Ok(Pull::Idle) => {
                // A source that acknowledges commits at every pause, even
                // with no record pulled since the last commit: it may hold
                // messages it took and handed out no record for (copies
                // of what it had handled, delivered again), which its
                // upstream delivers again and again until acknowledged.
                if uncommitted > 0 || every.is_some() {
                    uncommitted = 0;
                    if let Some(ending) = commit(source, fanout) {
                        return ending;
                    }
                }
                continue;
            }
            Ok(Pull::Record(record, at)) => {
                uncommitted += 1;
                summary.read += 1;
                if !filters.iter().all(|f| f.keeps(&record)) {
                    continue;
                }
                summary.passed += 1;
                fanout.send(&record, &at)
            }
            Ok(Pull::Bad(bad)) => {
                uncommitted += 1;
                summary.read += 1;
                if !bad.echo {
                    *summary.bad.entry(bad.kind).or_default() += 1;
                }
                if !filters.iter().all(|f| f.keeps_bad(&bad)) {
                    continue;
                }
                summary.passed += 1;
                fanout.throw(&bad)
            }
        };
        summary.delivered += 1;
        match flow {
            Err(e) => return Ending::SinkFailed(e),
            Ok(Flow::Done) => return Ending::SinksDone,
            Ok(Flow::Continue) => {}
        }
    }
}

/// The sinks of a run, with which of them are done.
struct Fanout {
    sinks: Vec<(Box<dyn Sink>, bool)>,
}

impl Fanout {
    fn new(sinks: Vec<Box<dyn Sink>>) -> Fanout {
        Fanout { sinks: sinks.into_iter().map(|s| (s, false)).collect() }
    }

    fn start(&mut self) -> Result<(), Error> {
        self.sinks.iter_mut().try_for_each(|(s, _)| s.start())
    }

    /// Gives the same event to every sink still taking records, in order;
    /// `Done` once none is.
    #[inline]
    fn each(&mut self, mut give: impl FnMut(&mut dyn Sink) -> Result<Flow, Error>) -> Result<Flow, Error> {
        let mut live = false;
        for (sink, done) in &mut self.sinks {
            if *done {
                continue;
            }
            match give(sink.as_mut())? {
                Flow::Done => *done = true,
                Flow::Continue => live = true,
            }
        }
        Ok(if live { Flow::Continue } else { Flow::Done })
    }

    fn send(&mut self, record: &Record<'_>, at: &crate::Location<'_>) -> Result<Flow, Error> {
        self.each(|s| s.send(record, at))
    }

    fn throw(&mut self, bad: &crate::BadRecord<'_>) -> Result<Flow, Error> {
        self.each(|s| s.throw(bad))
    }

    /// Flushes every sink, done or not: a done sink took records too.
    fn flush(&mut self) -> Result<(), Error> {
        self.sinks.iter_mut().try_for_each(|(s, _)| s.flush())
    }

    fn close(self) -> Vec<Result<SinkReport, Error>> {
        self.sinks.into_iter().map(|(s, _)| s.close()).collect()
    }
}

#[cfg(test)]
mod took_tests {
    use std::time::Duration;

    #[test]
    fn durations_read_in_a_unit_that_suits_them() {
        let took = |d: Duration| super::Took(d).to_string();
        assert_eq!(took(Duration::from_micros(843)), "843 µs");
        assert_eq!(took(Duration::from_nanos(5_250)), "5.25 µs");
        assert_eq!(took(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(took(Duration::from_millis(1_500)), "1.50 s");
        assert_eq!(took(Duration::from_secs(125)), "125 s");
    }
}
