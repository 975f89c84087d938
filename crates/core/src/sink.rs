//! The coroutine side: sinks are pushed to.

use crate::{BadRecord, Error, Location, Record, RecordKind};

/// What a sink wants after taking a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep sending.
    Continue,
    /// This sink wants nothing more; the bridge stops sending to it, and
    /// stops pulling once every sink is done.
    Done,
}

/// What a sink hands back when it is closed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SinkReport {
    /// The sink's name (`bot`, `audit`).
    pub sink: String,
    /// A few human lines for stderr.
    pub summary: String,
    /// The machine-readable report, written to `--report`.
    pub details: serde_json::Map<String, serde_json::Value>,
    /// Parts of `details` kept on disk, each marked there by its
    /// placeholder (see [`crate::appendix`]).
    pub appendices: Vec<crate::Appendix>,
}

impl SinkReport {
    /// `details` with the appendices read back in: the whole report in
    /// memory, for a reader that wants it so.
    pub fn full_details(&self) -> std::io::Result<serde_json::Map<String, serde_json::Value>> {
        crate::appendix::resolve(&self.details, &self.appendices)
    }
}

/// A consumer of records: the coroutine of the pipeline.
///
/// The three calls mirror a generator-based coroutine's: [`Sink::send`] is
/// the data channel, [`Sink::throw`] the error channel, and [`Sink::close`]
/// the clean shutdown. After `throw` returns, the sink is ready for the next
/// record; nothing has to "re-prime" it. `close` takes the sink by value, so
/// it runs exactly once: the bridge calls it on every way a run ends.
pub trait Sink {
    /// Short name for messages and reports.
    fn name(&self) -> &str;

    /// Whether this sink can take records of `kind`.
    fn accepts(&self, kind: RecordKind) -> bool;

    /// Called once before the first record (the article's priming `next()`).
    fn start(&mut self) -> Result<(), Error> {
        Ok(())
    }

    /// Takes one good record, read at `at`.
    fn send(&mut self, record: &Record<'_>, at: &Location<'_>) -> Result<Flow, Error>;

    /// Takes one bad record; each sink decides what an error means to it.
    fn throw(&mut self, bad: &BadRecord<'_>) -> Result<Flow, Error>;

    /// Makes everything taken so far durable (written, and synced if the
    /// sink syncs), so that a source may acknowledge it upstream. The
    /// default does nothing: a sink that only keeps state in memory has
    /// nothing to make durable.
    fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }

    /// Flushes, finalizes and reports.
    fn close(self: Box<Self>) -> Result<SinkReport, Error>;
}
