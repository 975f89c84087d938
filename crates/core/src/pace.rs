//! Pacing a stream to a wall-clock rate, with the clock injectable so
//! tests need not wait.

use std::time::{Duration, Instant};

use crate::Stop;

/// A monotonic clock that can sleep.
pub trait Clock {
    /// Time since the clock's own start.
    fn now(&self) -> Duration;
    /// Sleeps for about `d`; may return early.
    fn sleep(&self, d: Duration);
}

/// The real clock. Sleeps in short slices and gives up once `stop` is
/// raised, so Ctrl-C is not held up by a slow feed.
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
    stop: Option<Stop>,
}

impl SystemClock {
    /// A clock starting now, interrupted by `stop` if given.
    pub fn new(stop: Option<Stop>) -> SystemClock {
        SystemClock { start: Instant::now(), stop }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn sleep(&self, d: Duration) {
        const SLICE: Duration = Duration::from_millis(50);
        let until = Instant::now() + d;
        loop {
            if self.stop.as_ref().is_some_and(|s| s.requested().is_some()) {
                return;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            std::thread::sleep(left.min(SLICE));
        }
    }
}

/// Holds each item back until its offset from the first one has passed.
#[derive(Debug)]
pub struct Pacer<C> {
    clock: C,
}

impl<C: Clock> Pacer<C> {
    /// A pacer whose time zero is the clock's start.
    pub fn new(clock: C) -> Pacer<C> {
        Pacer { clock }
    }

    /// Waits until `offset` after time zero. Returns at once if it is past:
    /// a consumer that falls behind catches up rather than drifting.
    pub fn wait_until(&self, offset: Duration) {
        let now = self.clock.now();
        if offset > now {
            self.clock.sleep(offset - now);
        }
    }

    /// The clock, for tests.
    pub fn clock(&self) -> &C {
        &self.clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A clock that advances only when slept on.
    #[derive(Default)]
    struct FakeClock {
        now: Cell<Duration>,
        slept: Cell<u32>,
    }

    impl Clock for FakeClock {
        fn now(&self) -> Duration {
            self.now.get()
        }
        fn sleep(&self, d: Duration) {
            self.now.set(self.now.get() + d);
            self.slept.set(self.slept.get() + 1);
        }
    }

    #[test]
    fn waits_only_for_the_future() {
        let p = Pacer::new(FakeClock::default());
        p.wait_until(Duration::from_millis(100));
        assert_eq!(p.clock().now(), Duration::from_millis(100));
        p.wait_until(Duration::from_millis(50));
        assert_eq!(p.clock().slept.get(), 1, "an offset in the past must not sleep");
        p.clock().now.set(Duration::from_millis(400));
        p.wait_until(Duration::from_millis(300));
        assert_eq!(p.clock().now(), Duration::from_millis(400));
    }

    #[test]
    fn real_clock_gives_up_on_stop() {
        let stop = Stop::new();
        stop.request(2);
        let clock = SystemClock::new(Some(stop));
        let t = Instant::now();
        clock.sleep(Duration::from_secs(30));
        assert!(t.elapsed() < Duration::from_secs(5));
    }
}
