//! NATS JetStream for sluice: a sink that publishes every record and bad
//! record, partitioned by symbol if asked, and a source that reads them
//! back through a durable consumer, acknowledging a message only after
//! every sink has taken and flushed it (at-least-once).
//!
//! Messages are JSON (see the README for their fields). With `partitions=N`, a tick goes to
//! `SUBJECT.<p>.<SYMBOL>`, where `p` is a stable hash of the symbol modulo
//! N (FNV-1a, fixed so that every process agrees), so one worker per partition sees every tick
//! of its symbols in order; a bad record without a symbol goes to every
//! partition, as an echo on all but the first.
//!
//! [`Board`] and [`Desk`] are a work queue on JetStream: a coordinator's
//! jobs, taken one at a time by workers on any machine.

#![warn(missing_docs)]

mod config;
mod conn;
mod sink;
mod source;
mod subject;
mod wire;
mod work;

pub use config::{NatsSinkConfig, NatsSourceConfig, Records};
pub use sink::NatsSink;
pub use source::NatsSource;
pub use work::{Board, Desk, Job, WorkConfig};
