//! The error type shared by sources and sinks.

use std::{fmt, io};

/// A failure of a source or sink that ends the run (unlike a bad record,
/// which is data and flows on). It names the component and what it was
/// doing, so one line tells the user where to look.
#[derive(Debug)]
pub struct Error {
    component: String,
    message: String,
    io: Option<io::Error>,
}

impl Error {
    /// A failure described by `message`, in `component` (`bot`, `csv`, ...).
    pub fn new(component: impl Into<String>, message: impl Into<String>) -> Error {
        Error { component: component.into(), message: message.into(), io: None }
    }

    /// An I/O failure in `component` while doing `doing` (`writing stdout`).
    pub fn io(component: impl Into<String>, doing: impl Into<String>, err: io::Error) -> Error {
        Error { component: component.into(), message: doing.into(), io: Some(err) }
    }

    /// The component that failed.
    pub fn component(&self) -> &str {
        &self.component
    }

    /// The underlying I/O error, if there is one.
    pub fn io_error(&self) -> Option<&io::Error> {
        self.io.as_ref()
    }

    /// Whether this is a write to a closed pipe (`sluice … | head -1`),
    /// which ends a run quietly rather than as a failure.
    pub fn is_broken_pipe(&self) -> bool {
        self.io.as_ref().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.component, self.message)?;
        if let Some(e) = &self.io {
            write!(f, ": {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io.as_ref().map(|e| e as _)
    }
}
