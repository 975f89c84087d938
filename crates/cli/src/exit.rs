//! The exit codes, named once.

/// A run that failed at runtime; grep: no line selected.
pub const FAILURE: u8 = 1;
/// A usage or configuration error; grep: trouble (an unreadable file…).
pub const USAGE: u8 = 2;
/// grep: no line was selected.
pub const GREP_NONE: u8 = 1;
/// grep: an error, whether or not a line was selected.
pub const GREP_TROUBLE: u8 = 2;

/// The code of a run ended by `signal` (130 for SIGINT, 143 for SIGTERM).
pub fn signalled(signal: usize) -> u8 {
    128u8.saturating_add(u8::try_from(signal).unwrap_or(u8::MAX - 128))
}
