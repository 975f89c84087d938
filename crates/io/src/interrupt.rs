//! Reads that a signal can end. A read of a terminal, a pipe or a FIFO
//! blocks until data comes, and Ctrl-C used to wait for it (or for a
//! second Ctrl-C that skips the clean close). Such an input is read on a
//! thread of its own; the reader waits for its blocks a moment at a time
//! and, once the stop flag is raised, ends as if the input had.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::Duration;

/// Bytes read at a time by the thread.
const BLOCK: usize = 64 * 1024;

/// An input read on its own thread, ended early by a raised flag.
pub(crate) struct Interruptible {
    rx: Receiver<io::Result<Vec<u8>>>,
    /// What is left of the last block.
    block: Vec<u8>,
    at: usize,
    stop: Arc<AtomicUsize>,
    done: bool,
}

impl Interruptible {
    /// Starts reading `inner`; `stop` is raised (non-zero) by a signal.
    pub(crate) fn new(mut inner: Box<dyn Read + Send>, stop: Arc<AtomicUsize>) -> Interruptible {
        // Two blocks ahead at most: memory stays bounded.
        let (tx, rx) = sync_channel(2);
        std::thread::spawn(move || {
            loop {
                let mut block = vec![0; BLOCK];
                let sent = match inner.read(&mut block) {
                    Ok(0) => tx.send(Ok(Vec::new())),
                    Ok(n) => {
                        block.truncate(n);
                        tx.send(Ok(block))
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => tx.send(Err(e)),
                };
                // The reader went away, or the input ended or failed.
                if sent.is_err() {
                    return;
                }
            }
        });
        Interruptible { rx, block: Vec::new(), at: 0, stop, done: false }
    }
}

impl Read for Interruptible {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.block.len() {
            if self.done || self.stop.load(Ordering::Relaxed) != 0 {
                return Ok(0);
            }
            match self.rx.recv_timeout(Duration::from_millis(50)) {
                Ok(Ok(block)) if block.is_empty() => self.done = true,
                Ok(Ok(block)) => (self.block, self.at) = (block, 0),
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.done = true,
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that gives one block, then blocks forever (a silent pipe).
    struct Silent(bool);

    impl Read for Silent {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if std::mem::replace(&mut self.0, true) {
                std::thread::sleep(Duration::from_secs(3600));
            }
            buf[..3].copy_from_slice(b"ab\n");
            Ok(3)
        }
    }

    #[test]
    fn a_raised_flag_ends_a_blocked_read_and_what_came_before_is_kept() {
        let stop = Arc::new(AtomicUsize::new(0));
        let mut r = Interruptible::new(Box::new(Silent(false)), Arc::clone(&stop));
        let mut buf = [0u8; 16];
        assert_eq!(r.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"ab\n");
        let flag = Arc::clone(&stop);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            flag.store(2, Ordering::Relaxed);
        });
        assert_eq!(r.read(&mut buf).unwrap(), 0, "ends once the flag is raised");
    }

    #[test]
    fn a_whole_input_reads_through() {
        let data = b"0123456789".repeat(20_000);
        let mut r = Interruptible::new(Box::new(io::Cursor::new(data.clone())), Arc::new(AtomicUsize::new(0)));
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
    }
}
