//! End-to-end tests: each runs the real `sluice` binary.

mod errors;
mod replay;
mod run;
mod signals;
mod util;
