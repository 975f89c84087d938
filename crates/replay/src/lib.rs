//! File replay sources for sluice.
//!
//! The `csv` source reads tick files in the layouts vendors ship (see
//! [`config::Preset`]), plain, gzip or zstd, from files or stdin, and
//! Parquet files (read as the CSV text they would be), in constant memory. Every row that is not a good tick becomes a bad record
//! naming its file and line, the reason and the raw text.

#![warn(missing_docs)]

mod config;
mod fields;
mod layout;
mod lines;
mod parquet;
mod reader;
mod scale;
mod skim;
mod source;
mod time;

pub use config::{Backwards, CsvConfig, Delimiter, Preset, Speed};
pub use layout::{Columns, QuotePrice};
pub use lines::{LinesConfig, LinesSource};
pub use source::{build, build_with_progress};
pub use time::TimeFormat;
