//! File replay sources for sluice.
//!
//! The `csv` source reads tick files in the layouts vendors ship (see
//! [`config::Preset`]), plain, gzip or zstd, from files or stdin, in
//! constant memory. Every row that is not a good tick becomes a bad record
//! naming its file and line, the reason and the raw text.

pub mod config;
pub mod fields;
pub mod layout;
pub mod lines;
pub mod reader;
mod skim;
pub mod source;
pub mod time;

pub use config::CsvConfig;
pub use lines::{LinesConfig, LinesSource};
pub use source::{build, build_with_progress};
