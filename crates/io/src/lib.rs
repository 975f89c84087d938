//! Inputs for sluice: where bytes come from, and how they become lines.
//!
//! - [`Opener`] opens a file, a FIFO or stdin, reads gzip and zstd
//!   decompressed (recognised by their first bytes), counts what it reads
//!   for a progress bar, and tells at the end whether the file
//!   [`Changed`] under the reader.
//! - [`LineBuffer`] hands out whole lines, or whole regions of lines, from
//!   one buffer whatever the input's size; a line longer than the limit is
//!   reported and skipped, never held.
//! - [`AtomicFile`] writes an output whole or not at all.
//! - [`Follow`] notices a followed file's rotation, by rename or by
//!   truncation, as `tail -F` does.

#![warn(missing_docs)]

mod atomic;
mod follow;
mod input;
mod interrupt;
mod lines;

pub use atomic::AtomicFile;
pub use follow::{Follow, Rotation};
pub use input::{Changed, Compression, Input, InputError, Opener, STDIN, Watch, check_input, is_stdin, open_file};
pub use lines::{
    DEFAULT_CAPACITY, DEFAULT_MAX_LINE, LineBuffer, Next, PAGE_PLACE_SHIFT, Region, count_lines, count_newlines,
    shares_page_place,
};
