//! The command line's model: flags and pipeline files into components. The
//! `sluice` binary drives it; it is a library so that it can be fuzzed and
//! tested on its own.
//!
//! A component is read from a flag ([`spec`]) or a file table
//! ([`pipeline`]) into a [`component::Component`], whose options one
//! deserializer ([`options`]) reads into the component's configuration;
//! [`registry`] has a row per kind and builds it.

#![warn(missing_docs)]

pub mod args;
pub mod component;
pub mod flags;
pub mod grep_args;
pub mod locate;
pub mod options;
pub mod pipeline;
pub mod registry;
pub mod replay;
pub mod schema;
pub mod spec;
pub mod suggest;
