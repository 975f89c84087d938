//! The generator side: sources are pulled, lazily.

use crate::{BadRecord, Error, Filter, Location, Record, RecordKind};

/// What one pull gives.
#[derive(Debug)]
pub enum Pull<'a> {
    /// A good record, borrowed from the source until the next pull, and
    /// where it came from.
    Record(Record<'a>, Location<'a>),
    /// A record that could not be read; the bridge throws it at the sinks.
    Bad(BadRecord<'a>),
    /// Nothing for now: a live stream has caught up. The bridge takes the
    /// pause to commit what was delivered and to look for a stop request,
    /// then pulls again.
    Idle,
    /// End of input. Pulling again keeps giving `End`.
    End,
}

/// A lazy producer of records: the generator of the pipeline.
///
/// Nothing is read or generated until [`Source::pull`] is called, and a
/// source holds at most a buffer's worth of input, so memory does not grow
/// with the length of the stream. A pulled record borrows from the source
/// (a line points into its read buffer), which is how a source reuses one
/// buffer for every record instead of allocating per row.
pub trait Source {
    /// Short name for messages and reports (`ticker`, `csv`).
    fn name(&self) -> &str;

    /// The kind of record this source emits.
    fn emits(&self) -> RecordKind;

    /// The next record, bad record or end of input. An `Err` is a failure
    /// that ends the run (an unreadable file), not a bad row.
    fn pull(&mut self) -> Result<Pull<'_>, Error>;

    /// Offers a filter that the source may apply itself, faster than the
    /// bridge could (a line source searching its whole buffer for a
    /// literal). Returns `true` if the source took it over; the bridge then
    /// does not apply it. The default takes nothing.
    fn take_over(&mut self, filter: &Filter) -> bool {
        let _ = filter;
        false
    }

    /// How many records the source examined, including those dropped by
    /// filters it took over; `None` when it took none over.
    fn scanned(&self) -> Option<u64> {
        None
    }

    /// The seed of a generated stream, so any run can be reproduced.
    fn seed(&self) -> Option<u64> {
        None
    }

    /// How many delivered records a source lets pile up before it wants
    /// [`Source::commit`]; `None` (the default) for a source that needs no
    /// acknowledgement, such as a file.
    fn commit_every(&self) -> Option<u64> {
        None
    }

    /// Every record pulled so far has been handled: filtered out, or taken
    /// by every sink and flushed by it ([`crate::Sink::flush`]). A source
    /// with an upstream that redelivers (a message queue) acknowledges here,
    /// and only here, so a crash loses nothing. The bridge calls it every
    /// [`Source::commit_every`] records, on [`Pull::Idle`], and once at the
    /// end of a run whose sinks all closed cleanly; never after a failure.
    fn commit(&mut self) -> Result<(), Error> {
        Ok(())
    }

    /// Things the user should know that are neither records nor errors (a
    /// file that changed while it was read), taken once at the end.
    fn warnings(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// Whether records arrive at their own pace (a paced feed, a followed
    /// log, a stream, a pipe) rather than as fast as they can be read:
    /// then a sink that prints writes each line as it comes, not a block at
    /// a time. Default: no.
    fn is_live(&self) -> bool {
        false
    }
}

impl<S: Source + ?Sized> Source for Box<S> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn emits(&self) -> RecordKind {
        (**self).emits()
    }
    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        (**self).pull()
    }
    fn take_over(&mut self, filter: &Filter) -> bool {
        (**self).take_over(filter)
    }
    fn scanned(&self) -> Option<u64> {
        (**self).scanned()
    }
    fn seed(&self) -> Option<u64> {
        (**self).seed()
    }
    fn commit_every(&self) -> Option<u64> {
        (**self).commit_every()
    }
    fn commit(&mut self) -> Result<(), Error> {
        (**self).commit()
    }
    fn warnings(&mut self) -> Vec<String> {
        (**self).warnings()
    }
    fn is_live(&self) -> bool {
        (**self).is_live()
    }
}
