//! The sluice pipeline contract.
//!
//! A [`Source`] is a generator: pulled, lazy, constant in memory. A [`Sink`]
//! is a coroutine: it is sent records, thrown bad records and closed once.
//! [`Filter`]s sit between them, and the [`Bridge`] runs the whole: it pulls,
//! filters, fans out to every sink, honours a limit and a stop request, and
//! returns a [`Summary`] of what it did.

#![warn(missing_docs)]

pub mod appendix;
pub mod bridge;
pub mod config;
pub mod decimal;
pub mod error;
pub mod filter;
pub mod hex;
mod money;
pub mod pace;
pub mod read_ahead;
pub mod record;
pub mod sink;
pub mod source;
pub mod stop;
pub mod symbol;
pub mod time;

pub use schemars;

pub use appendix::Appendix;
pub use bridge::{Bridge, Ending, Outcome, PlanError, Summary};
pub use decimal::Decimal;
pub use error::{Error, ErrorKind, notice};
pub use filter::{Contains, Filter, FilterConfig, PriceRange};
pub use money::{Money, MoneyPlaces};
pub use record::{BadKind, BadRecord, Line, Location, Quote, Record, RecordKind, Tick};
pub use sink::{Flow, Sink, SinkReport};
pub use source::{Pull, Source};
pub use stop::Stop;
pub use symbol::Symbol;
pub use time::Timestamp;
