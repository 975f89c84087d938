//! The replay's progress bar on stderr: bytes, rate and time left.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar drawn from another thread, which reads a counter the source adds
/// its bytes to: the replay itself does no more than an atomic add per read.
pub struct Progress {
    counter: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    drawer: JoinHandle<()>,
}

impl Progress {
    /// A bar for reading `files`, when stderr is a terminal and the user did
    /// not ask for quiet; `None` otherwise.
    pub fn start(files: &[String], quiet: bool) -> Option<Progress> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let total: Option<u64> =
            files.iter().map(|f| (f != "-").then(|| std::fs::metadata(f).ok().map(|m| m.len())).flatten()).sum();
        let bar = match total {
            Some(len) => ProgressBar::new(len).with_style(
                ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {bytes} {bytes_per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        let counter = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let (c, d) = (counter.clone(), done.clone());
        let drawer = std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                bar.set_position(c.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        Some(Progress { counter, done, drawer })
    }

    /// The counter to hand to the source.
    pub fn counter(&self) -> Arc<AtomicU64> {
        self.counter.clone()
    }

    /// Removes the bar, before the summary is printed.
    pub fn finish(self) {
        self.done.store(true, Ordering::Relaxed);
        let _ = self.drawer.join();
    }
}
