//! A source that plays a script.

use std::cell::RefCell;
use std::rc::Rc;

use sluice_core::{Error, Location, Pull, Record, RecordKind, Source, Stop};

use crate::records::{bad, tick};

/// One scripted event.
#[derive(Clone, Debug)]
pub enum Ev {
    /// A tick of this symbol at this price.
    Good(&'static str, &'static str),
    /// A bad record, with its symbol if readable.
    Bad(Option<&'static str>),
    /// Caught up, for now ([`Pull::Idle`]).
    Idle,
    /// The source fails ("disk on fire").
    Fail,
}

/// A tick source that plays its events in order, then ends.
pub struct Script {
    events: Vec<Ev>,
    at: usize,
    /// Request a stop (as Ctrl-C would) once this many events were pulled.
    pub stop_after: Option<(usize, Stop)>,
    /// What [`Source::commit_every`] answers. Default: none.
    pub commit_every: Option<u64>,
    /// How many events had been pulled at each commit, shared with the test.
    pub commits: Rc<RefCell<Vec<usize>>>,
}

impl Script {
    /// A script of `events`, with no stop and no commits asked for.
    pub fn new(events: Vec<Ev>) -> Box<Script> {
        Box::new(Script { events, at: 0, stop_after: None, commit_every: None, commits: Rc::default() })
    }
}

impl Source for Script {
    fn name(&self) -> &str {
        "script"
    }
    fn emits(&self) -> RecordKind {
        RecordKind::Tick
    }
    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        if let Some((n, stop)) = &self.stop_after
            && self.at == *n
        {
            stop.request(2);
        }
        let Some(ev) = self.events.get(self.at).cloned() else { return Ok(Pull::End) };
        self.at += 1;
        let location = Location::Seq { source: "script", seq: self.at as u64 };
        Ok(match ev {
            Ev::Good(symbol, price) => Pull::Record(Record::Tick(tick(symbol, price)), location),
            Ev::Bad(symbol) => Pull::Bad(sluice_core::BadRecord { location, ..bad(symbol) }),
            Ev::Idle => Pull::Idle,
            Ev::Fail => return Err(Error::new("script", "disk on fire")),
        })
    }
    fn commit_every(&self) -> Option<u64> {
        self.commit_every
    }
    fn commit(&mut self) -> Result<(), Error> {
        self.commits.borrow_mut().push(self.at);
        Ok(())
    }
}
