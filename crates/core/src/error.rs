//! The error type shared by sources and sinks.

use std::{fmt, io};

/// A failure of a source or sink that ends the run (unlike a bad record,
/// which is data and flows on). It names the component and what it was
/// doing, so one line tells the user where to look.
#[derive(Debug)]
pub struct Error {
    component: String,
    kind: ErrorKind,
}

/// What kind of failure an [`Error`] is: the command line's exit code
/// depends on it (a configuration mistake is a usage error).
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading or writing failed.
    Io {
        /// What was being done (`writing stdout`).
        doing: String,
        /// The failure.
        source: io::Error,
    },
    /// A mistake in the configuration found only once input was seen (a
    /// column named that the file's header lacks): the user's to fix.
    Config(String),
    /// Any other failure, as the component words it.
    Other(String),
}

impl Error {
    /// A failure described by `message`, in `component` (`bot`, `csv`, ...).
    pub fn new(component: impl Into<String>, message: impl Into<String>) -> Error {
        Error { component: component.into(), kind: ErrorKind::Other(message.into()) }
    }

    /// A mistake in the configuration found only once input was seen: the
    /// command line reports it as a usage error.
    pub fn config(component: impl Into<String>, message: impl Into<String>) -> Error {
        Error { component: component.into(), kind: ErrorKind::Config(message.into()) }
    }

    /// An I/O failure in `component` while doing `doing` (`writing stdout`).
    pub fn io(component: impl Into<String>, doing: impl Into<String>, err: io::Error) -> Error {
        Error { component: component.into(), kind: ErrorKind::Io { doing: doing.into(), source: err } }
    }

    /// The component that failed.
    pub fn component(&self) -> &str {
        &self.component
    }

    /// What kind of failure it is.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Whether this is a configuration mistake rather than a runtime fault.
    pub fn is_config(&self) -> bool {
        matches!(self.kind, ErrorKind::Config(_))
    }

    /// The underlying I/O error, if there is one.
    pub fn io_error(&self) -> Option<&io::Error> {
        match &self.kind {
            ErrorKind::Io { source, .. } => Some(source),
            _ => None,
        }
    }

    /// Whether this is a write to a closed pipe (`sluice … | head -1`),
    /// which ends a run quietly rather than as a failure.
    pub fn is_broken_pipe(&self) -> bool {
        self.io_error().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Io { doing, source } => write!(f, "{}: {doing}: {}", self.component, io_message(source)),
            ErrorKind::Config(message) | ErrorKind::Other(message) => write!(f, "{}: {message}", self.component),
        }
    }
}

/// An I/O error worded as the classic tools word it: `No such file or
/// directory`, without Rust's ` (os error 2)`.
pub fn io_message(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => {
            let mut c = text.chars();
            c.next().map_or(String::new(), |first| first.to_uppercase().collect::<String>() + c.as_str())
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io_error().map(|e| e as _)
    }
}

/// Says one line on stderr while a run goes on (`sluice: nats: waiting for
/// stream ticks …`): a retry or a wait the user would otherwise take for a
/// hang. What a run noticed is said at its end through
/// [`crate::Source::warnings`] instead. A stderr that cannot be written is
/// ignored: there is nowhere left to say it.
pub fn notice(component: &str, message: impl fmt::Display) {
    use io::Write as _;
    let _ = writeln!(io::stderr(), "sluice: {component}: {message}");
}
