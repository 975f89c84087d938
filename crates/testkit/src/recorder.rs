//! A sink that writes down what it was given.

use std::cell::RefCell;
use std::rc::Rc;

use sluice_core::{BadRecord, Error, Flow, Location, Record, RecordKind, Sink, SinkReport};

/// What a [`Recorder`] saw, shared with the test.
#[derive(Debug, Default)]
pub struct Log {
    /// `send SYMBOL PRICE`, `send line TEXT`, `throw Some("SYMBOL")` or
    /// `throw None`, and `flush`, in order.
    pub events: Vec<String>,
    /// How many times it was closed (the bridge promises once).
    pub closes: u32,
}

/// A sink that records every call in a shared [`Log`].
pub struct Recorder {
    log: Rc<RefCell<Log>>,
    /// Say [`Flow::Done`] after this many sends and throws.
    pub done_after: Option<usize>,
    /// Fail on this send or throw (1-based).
    pub fail_on: Option<usize>,
    /// The kind it takes. Default: ticks.
    pub accepts: RecordKind,
}

impl Recorder {
    /// A recorder taking ticks, and its log.
    pub fn new() -> (Box<Recorder>, Rc<RefCell<Log>>) {
        let log = Rc::new(RefCell::new(Log::default()));
        (Box::new(Recorder { log: log.clone(), done_after: None, fail_on: None, accepts: RecordKind::Tick }), log)
    }

    fn take(&mut self, what: String) -> Result<Flow, Error> {
        let mut log = self.log.borrow_mut();
        log.events.push(what);
        let n = log.events.len();
        if self.fail_on == Some(n) {
            return Err(Error::new("recorder", "refused"));
        }
        Ok(if self.done_after == Some(n) { Flow::Done } else { Flow::Continue })
    }
}

impl Sink for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }
    fn accepts(&self, kind: RecordKind) -> bool {
        kind == self.accepts
    }
    fn send(&mut self, record: &Record<'_>, _: &Location<'_>) -> Result<Flow, Error> {
        let what = match record {
            Record::Tick(t) => format!("send {} {}", t.symbol, t.price),
            Record::Line(l) => format!("send line {}", String::from_utf8_lossy(l.bytes)),
        };
        self.take(what)
    }
    fn throw(&mut self, bad: &BadRecord<'_>) -> Result<Flow, Error> {
        self.take(format!("throw {:?}", bad.symbol.map(|s| s.to_string())))
    }
    fn flush(&mut self) -> Result<(), Error> {
        self.log.borrow_mut().events.push("flush".into());
        Ok(())
    }
    fn close(self: Box<Self>) -> Result<SinkReport, Error> {
        self.log.borrow_mut().closes += 1;
        Ok(SinkReport { sink: "recorder".into(), ..SinkReport::default() })
    }
}
