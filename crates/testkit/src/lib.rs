//! Test helpers for sluice, a dev-dependency only: what the crates' tests,
//! the end-to-end tests and `cargo xtask bench` would otherwise each write
//! again.
//!
//! - [`tick`], [`bad`]: records with the usual defaults, changed with
//!   struct-update syntax where a test needs more.
//! - [`Script`]: a source that plays a list of [`Ev`]ents.
//! - [`Recorder`]: a sink that writes down what it was given.
//! - [`NatsServer`]: a real `nats-server -js` on free loopback ports with a
//!   store of its own, stopped when dropped; [`NatsCluster`], three of
//!   them joined into one JetStream cluster.
//! - [`skipped`]: says that a test did not run its check, where the test
//!   output shows it.
//!
//! A crate's own unit tests (`src/…`) cannot use these with its own types:
//! they see a second copy of `sluice-core`. Integration tests (`tests/…`)
//! and other crates can.

#![warn(missing_docs)]

mod nats;
mod recorder;
mod records;
mod script;

pub use nats::{NatsCluster, NatsServer, free_port};
pub use recorder::{Log, Recorder};
pub use records::{bad, tick, tick_at};
pub use script::{Ev, Script};

/// Says on stderr that a test skips its check and why, as `SKIPPED: why`.
/// Written to the process's stderr directly rather than through
/// `eprintln!`, whose output the test harness hides for a test that
/// passes: a skipped check must show in `cargo test`'s output.
pub fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {why}");
}
