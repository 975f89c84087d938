//! What a symbol's ticks are, whatever was traded on them: how many, the
//! first and the last. Every run of a sweep sees the same records, so the
//! sweep keeps one tape per symbol for all its runs instead of a hundred.

use sluice_core::{Decimal, Error, Tick, Timestamp};

/// One symbol's ticks so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tape {
    pub ticks: u64,
    /// The first tick's time and price: with the last, the symbol's span
    /// and its buy-and-hold benchmark.
    pub first_time: Option<Timestamp>,
    pub first_price: Option<Decimal>,
    pub last_time: Option<Timestamp>,
    pub last_price: Option<Decimal>,
}

impl Tape {
    /// Takes the next tick, refusing one earlier than the last: trading a
    /// newest-first file would enter after it exits. Returns the time of
    /// the tick before it.
    #[inline]
    pub fn take(&mut self, tick: &Tick) -> Result<Option<Timestamp>, Error> {
        let before = self.last_time;
        if let Some(last) = before
            && tick.time < last
        {
            return Err(Error::new(
                "bot",
                format!(
                    "{}: a tick at {} comes after one at {}; the bot trades forward in time only: replay the file \
                     oldest first, or leave such ticks out (--backwards bad, the default)",
                    tick.symbol, tick.time, last
                ),
            ));
        }
        self.first_time.get_or_insert(tick.time);
        self.first_price.get_or_insert(tick.price);
        self.last_time = Some(tick.time);
        self.last_price = Some(tick.price);
        self.ticks += 1;
        Ok(before)
    }

    /// From the first tick to the last, in nanoseconds.
    pub fn span_ns(&self) -> i64 {
        match (self.first_time, self.last_time) {
            (Some(first), Some(last)) => last.as_nanos().saturating_sub(first.as_nanos()),
            _ => 0,
        }
    }
}
