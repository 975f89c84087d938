//! Pacing a stream to a wall-clock rate, with the clock injectable so
//! tests need not wait.

use std::time::{Duration, Instant};

use crate::{Error, Filter, Pull, Record, RecordKind, Source, Stop, Timestamp};

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
        // Past what the clock can count, the sleep lasts until a stop.
        let until = Instant::now().checked_add(d);
        loop {
            if self.stop.as_ref().is_some_and(|s| s.requested().is_some()) {
                return;
            }
            let left = until.map_or(SLICE, |u| u.saturating_duration_since(Instant::now()));
            if left.is_zero() {
                return;
            }
            std::thread::sleep(left.min(SLICE));
        }
    }
}

/// A float number of seconds as a duration; `None` past what a duration
/// holds (an absurdly slow `--speed`), which the caller reports rather
/// than waiting forever or panicking.
pub fn seconds(secs: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(secs).ok()
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

/// A tick source replayed at its own pace, scaled: each tick is held back
/// until its distance from the first tick, divided by `speed`, has passed.
pub struct Paced<C> {
    inner: Box<dyn Source>,
    pacer: Pacer<C>,
    speed: f64,
    first: Option<Timestamp>,
}

impl<C: Clock> Paced<C> {
    /// Paces `inner` at `speed` times the data's own rate (`speed > 0`).
    pub fn new(inner: Box<dyn Source>, clock: C, speed: f64) -> Paced<C> {
        Paced { inner, pacer: Pacer::new(clock), speed, first: None }
    }
}

impl<C: Clock> Source for Paced<C> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn emits(&self) -> RecordKind {
        self.inner.emits()
    }

    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        let pulled = self.inner.pull()?;
        if let Pull::Record(Record::Tick(t), _) = &pulled {
            let first = *self.first.get_or_insert(t.time);
            let ns = (t.time.as_nanos().saturating_sub(first.as_nanos())) as f64 / self.speed;
            // Ticks out of order are not waited for: the pace never goes back.
            if ns > 0.0 {
                let Some(wait) = seconds(ns / 1e9) else {
                    return Err(Error::config(
                        "pace",
                        format!(
                            "at {}x, the tick at {} would be due in more seconds than a clock counts; use a faster speed",
                            self.speed, t.time
                        ),
                    ));
                };
                self.pacer.wait_until(wait);
            }
        }
        Ok(pulled)
    }

    fn take_over(&mut self, filter: &Filter) -> bool {
        self.inner.take_over(filter)
    }

    fn scanned(&self) -> Option<u64> {
        self.inner.scanned()
    }

    fn seed(&self) -> Option<u64> {
        self.inner.seed()
    }

    // A paced source that acknowledges upstream (NATS) must still do so:
    // without these two, pacing it would acknowledge nothing.
    fn commit_every(&self) -> Option<u64> {
        self.inner.commit_every()
    }

    fn commit(&mut self) -> Result<(), Error> {
        self.inner.commit()
    }

    fn warnings(&mut self) -> Vec<String> {
        self.inner.warnings()
    }

    fn is_live(&self) -> bool {
        true
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

    /// Ticks at the given second offsets.
    struct At(Vec<i64>);

    impl Source for At {
        fn name(&self) -> &str {
            "at"
        }
        fn emits(&self) -> RecordKind {
            RecordKind::Tick
        }
        fn pull(&mut self) -> Result<Pull<'_>, Error> {
            if self.0.is_empty() {
                return Ok(Pull::End);
            }
            let s = self.0.remove(0);
            Ok(Pull::Record(
                Record::Tick(crate::Tick {
                    time: Timestamp::from_nanos(1_000_000_000_000 + s * 1_000_000_000),
                    symbol: "X".parse().unwrap(),
                    price: crate::Decimal::ONE,
                    volume: crate::Money::from_decimal(crate::Decimal::ONE),
                    quote: None,
                }),
                crate::Location::Seq { source: "at", seq: 1 },
            ))
        }
    }

    #[test]
    fn paced_replay_follows_the_data_scaled_by_speed() {
        let mut p = Paced::new(Box::new(At(vec![0, 10, 10, 30, 20, 40])), FakeClock::default(), 10.0);
        let mut seen = Vec::new();
        while let Pull::Record(..) = p.pull().unwrap() {
            seen.push(p.pacer.clock().now());
        }
        let ms = |m| Duration::from_millis(m);
        // 10x: 10 s of data take 1 s; the tick at 20 s (out of order) is not waited for.
        assert_eq!(seen, [ms(0), ms(1000), ms(1000), ms(3000), ms(3000), ms(4000)]);
    }

    /// A source that counts its commits, as an acknowledging one would.
    struct Acks(std::rc::Rc<Cell<u32>>);

    impl Source for Acks {
        fn name(&self) -> &str {
            "acks"
        }
        fn emits(&self) -> RecordKind {
            RecordKind::Tick
        }
        fn pull(&mut self) -> Result<Pull<'_>, Error> {
            Ok(Pull::End)
        }
        fn commit_every(&self) -> Option<u64> {
            Some(7)
        }
        fn commit(&mut self) -> Result<(), Error> {
            self.0.set(self.0.get() + 1);
            Ok(())
        }
    }

    #[test]
    fn pacing_keeps_the_inner_sources_acknowledgements() {
        // Issue 20: Paced dropped commit_every and commit, so a paced NATS
        // source acknowledged nothing.
        let commits = std::rc::Rc::new(Cell::new(0));
        let mut p = Paced::new(Box::new(Acks(commits.clone())), FakeClock::default(), 1.0);
        assert_eq!(p.commit_every(), Some(7));
        p.commit().unwrap();
        p.commit().unwrap();
        assert_eq!(commits.get(), 2);
    }

    #[test]
    fn absurd_offsets_saturate_instead_of_panicking() {
        assert_eq!(seconds(1e300), None);
        assert_eq!(seconds(f64::INFINITY), None);
        assert_eq!(seconds(1.5), Some(Duration::from_millis(1500)));
        // The longest sleep there is does not overflow the clock (issue 19).
        let stop = Stop::new();
        stop.request(2);
        SystemClock::new(Some(stop)).sleep(Duration::MAX);
    }

    #[test]
    fn an_unreachable_pace_is_a_configuration_error() {
        // Issue 19: --speed 1e-12x over a 292-year gap panicked.
        let mut p = Paced::new(Box::new(At(vec![0, 9_000_000_000])), FakeClock::default(), 1e-12);
        assert!(matches!(p.pull(), Ok(Pull::Record(..))));
        let err = p.pull().expect_err("an error, not a wait");
        assert!(err.is_config() && err.to_string().contains("use a faster speed"), "{err}");
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
