//! The command line's model: flags and pipeline files into components. The
//! `sluice` binary drives it; it is a library so that it can be fuzzed and
//! tested on its own.

pub mod args;
pub mod components;
pub mod options;
pub mod pipeline;
pub mod spec;
pub mod suggest;
