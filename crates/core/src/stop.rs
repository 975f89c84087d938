//! A request to stop, raised by a signal handler and read by the bridge.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A shared flag holding the number of the signal that asked the run to
/// stop, or zero. Cloning shares the flag.
#[derive(Clone, Debug, Default)]
pub struct Stop(Arc<AtomicUsize>);

impl Stop {
    /// A flag that nothing has raised.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Raises the flag for `signal` (2 for SIGINT, 15 for SIGTERM).
    pub fn request(&self, signal: usize) {
        self.0.store(signal, Ordering::Relaxed);
    }

    /// The signal that asked to stop, if any.
    #[inline]
    pub fn requested(&self) -> Option<usize> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            s => Some(s),
        }
    }

    /// The atomic itself, for registering with a signal handler.
    pub fn as_atomic(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.0)
    }
}
