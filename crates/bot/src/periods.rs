//! Periodic returns of the equity curve, and the ratios drawn from them,
//! in constant memory.
//!
//! The curve is closed at the last tick of each period (a day by default);
//! a period without ticks is skipped rather than counted as a zero return,
//! as a market closed over a weekend earned nothing to measure.

use sluice_core::{Money, Timestamp};

/// Returns per period, accumulated as they close.
#[derive(Clone, Copy, Debug)]
pub struct Periods {
    period_ns: i64,
    capital: f64,
    /// The period the last tick fell in (time ÷ period), and the curve's
    /// value then.
    current: Option<i64>,
    /// Where the current period ends, in nanoseconds: a tick before it
    /// needs no division to place.
    ends: i64,
    last: Money,
    /// The value the current period's return is measured from: the close
    /// of the period before (zero, where the curve starts, for the first).
    open: Money,
    /// Returns closed so far: their count, mean and sum of squared
    /// deviations (Welford), and sum of squared negative returns.
    count: u64,
    mean: f64,
    m2: f64,
    downside: f64,
}

/// A closed period: when it closed and the curve's value then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Close {
    pub period: i64,
    pub value: Money,
}

impl Periods {
    /// Periods of `period_ns` nanoseconds (at least one), returns on
    /// `capital` plus the curve's value at the period's start.
    pub fn new(period_ns: i64, capital: Money) -> Periods {
        Periods {
            period_ns: period_ns.max(1),
            capital: capital.to_f64(),
            current: None,
            ends: i64::MIN,
            last: Money::ZERO,
            open: Money::ZERO,
            count: 0,
            mean: 0.0,
            m2: 0.0,
            downside: 0.0,
        }
    }

    /// The curve stands at `value` at `time`; returns the period this
    /// closed, if it is the first tick of a later one. A tick earlier than
    /// the current period (another symbol's, lagging) counts in it.
    #[inline]
    pub fn observe(&mut self, value: Money, time: Timestamp) -> Option<Close> {
        if time.as_nanos() < self.ends {
            self.last = value;
            return None;
        }
        // The period closed is closed at the value before this one.
        let closed = self.enter(time);
        self.last = value;
        closed
    }

    /// The first tick past the current period's end: the period it falls
    /// in, and the one it closes, if any.
    #[inline(never)]
    fn enter(&mut self, time: Timestamp) -> Option<Close> {
        let period = time.as_nanos().div_euclid(self.period_ns);
        let closed = match self.current {
            Some(current) if period > current => Some(self.close(current)),
            Some(_) => None,
            None => {
                self.current = Some(period);
                None
            }
        };
        if closed.is_some() {
            self.current = Some(period);
        }
        self.ends = period.saturating_add(1).saturating_mul(self.period_ns);
        closed
    }

    /// Closes the current period at the end of the data, if one is open.
    pub fn finish(&mut self) -> Option<Close> {
        let current = self.current.take()?;
        self.ends = i64::MIN;
        Some(self.close(current))
    }

    fn close(&mut self, period: i64) -> Close {
        let base = self.capital + self.open.to_f64();
        // A curve that lost the whole capital has no return to measure.
        if base > 0.0 {
            let r = (self.last.to_f64() - self.open.to_f64()) / base;
            self.count += 1;
            let delta = r - self.mean;
            self.mean += delta / self.count as f64;
            self.m2 += delta * (r - self.mean);
            self.downside += r.min(0.0).powi(2);
        }
        self.open = self.last;
        Close { period, value: self.last }
    }

    /// When `period` begins.
    pub fn start_of(&self, period: i64) -> Timestamp {
        Timestamp::from_nanos(period.saturating_mul(self.period_ns))
    }

    /// Closed periods with a return.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sample standard deviation of the returns, annualised by
    /// √`per_year`; `None` below two returns.
    pub fn volatility(&self, per_year: f64) -> Option<f64> {
        (self.count >= 2).then(|| (self.m2 / (self.count - 1) as f64).sqrt() * per_year.sqrt())
    }

    /// Mean return over its standard deviation, annualised (no risk-free
    /// rate); `None` below two returns or when they do not vary.
    pub fn sharpe(&self, per_year: f64) -> Option<f64> {
        let sd = (self.m2 / (self.count.max(2) - 1) as f64).sqrt();
        (self.count >= 2 && sd > 0.0).then(|| self.mean / sd * per_year.sqrt())
    }

    /// Mean return over the root mean square of the negative returns,
    /// annualised; `None` below two returns or without a negative one.
    pub fn sortino(&self, per_year: f64) -> Option<f64> {
        let down = (self.downside / self.count.max(1) as f64).sqrt();
        (self.count >= 2 && down > 0.0).then(|| self.mean / down * per_year.sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000_000_000;

    fn m(s: &str) -> Money {
        Money::from_decimal(s.parse().unwrap())
    }

    fn at(day: i64, hour: i64) -> Timestamp {
        Timestamp::from_nanos(day * DAY + hour * 3_600_000_000_000)
    }

    #[test]
    fn each_period_closes_at_its_last_tick_and_empty_ones_are_skipped() {
        let mut p = Periods::new(DAY, m("100"));
        assert_eq!(p.observe(m("0"), at(0, 9)), None);
        assert_eq!(p.observe(m("10"), at(0, 15)), None);
        // Day 1 has no tick: day 0 closes at 10 when day 2 begins.
        assert_eq!(p.observe(m("-1"), at(2, 9)), Some(Close { period: 0, value: m("10") }));
        assert_eq!(p.observe(m("21"), at(2, 10)), None);
        assert_eq!(p.finish(), Some(Close { period: 2, value: m("21") }));
        assert_eq!(p.finish(), None);
        // Returns: 10 on 100 = 0.1, then 11 on 110 = 0.1.
        assert_eq!(p.count(), 2);
        assert!((p.mean - 0.1).abs() < 1e-15);
        // No spread, no negative return: neither ratio is defined.
        assert_eq!(p.sharpe(252.0), None);
        assert_eq!(p.sortino(252.0), None);
    }

    #[test]
    fn ratios_match_hand_computed_values() {
        // Capital 100; the curve closes three days at 10, −1 and 18.8.
        let mut p = Periods::new(DAY, m("100"));
        for (day, value) in [(0, "10"), (1, "-1"), (2, "18.8")] {
            p.observe(m(value), at(day, 12));
        }
        p.finish();
        // Returns: 10/100 = 0.1, −11/110 = −0.1, 19.8/99 = 0.2.
        assert_eq!(p.count(), 3);
        let (mean, sd) = (
            0.2 / 3.0,
            (((0.1f64 - 0.2 / 3.0).powi(2) + (0.1f64 + 0.2 / 3.0).powi(2) + (0.2f64 - 0.2 / 3.0).powi(2)) / 2.0).sqrt(),
        );
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(p.volatility(252.0).unwrap(), sd * 252f64.sqrt()));
        assert!(close(p.sharpe(252.0).unwrap(), mean / sd * 252f64.sqrt()));
        // Downside: √(0.01 / 3).
        assert!(close(p.sortino(252.0).unwrap(), mean / (0.01f64 / 3.0).sqrt() * 252f64.sqrt()));
    }
}
