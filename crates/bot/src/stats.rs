//! Running trade statistics, in constant memory.

use sluice_core::{Money, Timestamp};

use crate::machine::Trade;

/// Realized PnL, wins, losses and drawdown of a sequence of trades.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    pub trades: u64,
    pub wins: u64,
    pub losses: u64,
    pub realized: Money,
    /// Sum of winning trades' PnL, and of losing trades' (as a loss, ≤ 0).
    pub gross_win: Money,
    pub gross_loss: Money,
    /// The best trade's PnL; `None` without a winning trade.
    pub largest_win: Option<Money>,
    /// The worst trade's PnL (< 0); `None` without a losing trade.
    pub largest_loss: Option<Money>,
    /// Time from entry to exit, summed over the trades, in nanoseconds.
    pub held_ns: i128,
    /// The longest trade's time from entry to exit, in nanoseconds.
    pub longest_ns: i64,
    /// The realized-PnL curve's drawdown, observed at each trade's exit.
    pub drawdown: Drawdown,
    /// Realized PnL before costs, and the commissions paid.
    pub gross: Money,
    pub fees: Money,
}

/// A mark-to-market curve: realized PnL plus the open positions' PnL at
/// their last prices, and its drawdown.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Equity {
    /// The open positions' PnL, summed.
    pub open: Money,
    pub drawdown: Drawdown,
}

impl Equity {
    /// A curve whose drawdown in % is of `capital` (none when zero).
    pub fn new(capital: Money) -> Equity {
        Equity { open: Money::ZERO, drawdown: Drawdown { capital, ..Drawdown::default() } }
    }

    /// One position's open PnL went from `from` to `to` at `time`, when the
    /// realized PnL stands at `realized`: observes the curve there and
    /// returns its value.
    #[inline]
    pub fn mark(&mut self, realized: Money, from: Money, to: Money, time: Timestamp) -> Result<Money, Overflow> {
        self.drop(from)?;
        self.open = self.open.checked_add(to).ok_or(Overflow)?;
        let value = realized.checked_add(self.open).ok_or(Overflow)?;
        self.drawdown.observe(value, time)?;
        Ok(value)
    }

    /// One position, whose open PnL was `from`, was dropped without a
    /// price: it leaves the curve at the next mark.
    #[inline]
    pub fn drop(&mut self, from: Money) -> Result<(), Overflow> {
        self.open = self.open.checked_sub(from).ok_or(Overflow)?;
        Ok(())
    }
}

/// The falls of a curve that starts at zero, observed point by point.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Drawdown {
    /// Highest value so far, and when the curve last stood there.
    peak: Money,
    peak_time: Option<Timestamp>,
    /// The lowest value since the peak was set (the peak itself while the
    /// curve stands there): a point between it and the peak changes
    /// nothing but the time, which is most points of a curve under water.
    floor: Money,
    /// The latest time observed since the curve went below its peak; `None`
    /// at the peak. Folded into `max_ns` when the curve recovers, and by
    /// [`Drawdown::max_ns`], rather than at every point.
    below_until: Option<Timestamp>,
    /// What the curve's values are gains on, for `max_relative`; zero for
    /// none.
    capital: Money,
    /// Largest fall from a previous peak as a share of the capital plus
    /// that peak: that fall and that sum, exact (a float only ranks them).
    /// Zero without a capital.
    pub max_relative: (Money, Money),
    /// Largest fall from a previous peak.
    pub max: Money,
    /// Longest time below a previous peak that has ended, in nanoseconds.
    ended_ns: i64,
}

impl Drawdown {
    /// The highest value so far (zero before any).
    pub fn peak(&self) -> Money {
        self.peak
    }

    /// Longest time the curve spent below a previous peak, in nanoseconds:
    /// from the peak to the point that recovered it, or to the last point
    /// while it has not recovered (the convention of backtesting.py and
    /// Nautilus).
    pub fn max_ns(&self) -> i64 {
        self.ended_ns.max(self.under_water_ns())
    }

    /// How long the curve has stood below its peak, to the latest point.
    fn under_water_ns(&self) -> i64 {
        match (self.below_until, self.peak_time) {
            (Some(until), Some(since)) => until.as_nanos().saturating_sub(since.as_nanos()),
            _ => 0,
        }
    }

    /// Adds the curve's value at `time`; the first point's time is where
    /// the curve's zero stands.
    #[inline]
    pub fn observe(&mut self, value: Money, time: Timestamp) -> Result<(), Overflow> {
        match &mut self.below_until {
            // Under water, and no deeper than before: only time passes.
            Some(until) if value < self.peak && value >= self.floor => *until = (*until).max(time),
            // Still at the peak (a flat book): it stands there later.
            None if value == self.peak && self.peak_time.is_some() => self.peak_time = Some(time),
            _ => return self.observe_change(value, time),
        }
        Ok(())
    }

    /// A new peak, a new low since it, a recovery, or the first point.
    #[inline(never)]
    fn observe_change(&mut self, value: Money, time: Timestamp) -> Result<(), Overflow> {
        self.peak_time.get_or_insert(time);
        if value >= self.peak {
            // A recovery ends the time below the old peak here.
            if self.below_until.is_some() {
                self.below_until = Some(self.below_until.map_or(time, |u| u.max(time)));
                self.ended_ns = self.max_ns();
            }
            self.peak = value;
            self.peak_time = Some(time);
            self.floor = value;
            self.below_until = None;
            return Ok(());
        }
        self.below_until = Some(self.below_until.map_or(time, |u| u.max(time)));
        if value >= self.floor {
            return Ok(());
        }
        self.floor = value;
        let fall = self.peak.checked_sub(value).ok_or(Overflow)?;
        self.max = self.max.max(fall);
        if self.capital > Money::ZERO {
            // The peak is never below zero, where the curve starts, so the
            // base is above zero.
            let base = self.capital.checked_add(self.peak).ok_or(Overflow)?;
            // Only to rank the falls: a ratio of units, as `to_f64` goes
            // through text, too slow for a hot path. With the peak fixed,
            // the share grows with the fall, so only a new low can rank
            // higher.
            let share = |(fall, base): (Money, Money)| {
                if base == Money::ZERO { 0.0 } else { fall.units() as f64 / base.units() as f64 }
            };
            if share((fall, base)) > share(self.max_relative) {
                self.max_relative = (fall, base);
            }
        }
        Ok(())
    }
}

/// A sum of money past what 128 bits hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("PnL past ±1.7e30 cannot be represented")]
pub struct Overflow;

impl Stats {
    /// Adds one closed trade.
    pub fn add(&mut self, trade: &Trade) -> Result<(), Overflow> {
        self.gross = self.gross.checked_add(trade.gross_pnl).ok_or(Overflow)?;
        self.fees = self.fees.checked_add(trade.fees).ok_or(Overflow)?;
        self.record(trade.pnl, trade.entry_time, trade.exit_time)
    }

    /// Adds one trade, opened at `entry` and closed at `time` with `pnl`.
    pub fn record(&mut self, pnl: Money, entry: Timestamp, time: Timestamp) -> Result<(), Overflow> {
        self.trades += 1;
        let held = time.as_nanos().saturating_sub(entry.as_nanos());
        self.held_ns += i128::from(held);
        self.longest_ns = self.longest_ns.max(held);
        if pnl > Money::ZERO {
            self.wins += 1;
            self.gross_win = self.gross_win.checked_add(pnl).ok_or(Overflow)?;
            self.largest_win = Some(self.largest_win.map_or(pnl, |w| w.max(pnl)));
        } else if pnl < Money::ZERO {
            self.losses += 1;
            self.gross_loss = self.gross_loss.checked_add(pnl).ok_or(Overflow)?;
            self.largest_loss = Some(self.largest_loss.map_or(pnl, |l| l.min(pnl)));
        }
        self.realized = self.realized.checked_add(pnl).ok_or(Overflow)?;
        self.drawdown.observe(self.realized, time)
    }

    /// Mean PnL per trade, rounded half away from zero at the eighth
    /// place; `None` before the first trade.
    pub fn expectancy(&self) -> Option<Money> {
        (self.trades > 0).then(|| self.realized.div_round(self.trades))
    }

    /// Mean time from entry to exit, in seconds; `None` before the first
    /// trade.
    pub fn average_held_seconds(&self) -> Option<f64> {
        (self.trades > 0).then(|| self.held_ns as f64 / self.trades as f64 / 1e9)
    }

    /// Share of trades that made money; `None` before the first trade.
    pub fn win_rate(&self) -> Option<f64> {
        (self.trades > 0).then(|| self.wins as f64 / self.trades as f64)
    }

    /// Mean PnL of the winning trades, rounded half away from zero at the
    /// eighth place; `None` without one.
    pub fn average_win(&self) -> Option<Money> {
        (self.wins > 0).then(|| self.gross_win.div_round(self.wins))
    }

    /// Mean PnL of the losing trades (≤ 0); `None` without one.
    pub fn average_loss(&self) -> Option<Money> {
        (self.losses > 0).then(|| self.gross_loss.div_round(self.losses))
    }

    /// Gross wins over gross losses; `None` without a loss.
    pub fn profit_factor(&self) -> Option<f64> {
        self.gross_loss.is_negative().then(|| self.gross_win.to_f64() / -self.gross_loss.to_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pnls: &[(&str, i64)]) -> Stats {
        let mut s = Stats::default();
        for (p, second) in pnls {
            let at = Timestamp::from_nanos(second * 1_000_000_000);
            s.record(d(p), at, at).unwrap();
        }
        s
    }

    fn d(s: &str) -> Money {
        Money::from_decimal(s.parse().unwrap())
    }

    #[test]
    fn no_trades() {
        let s = run(&[]);
        assert_eq!((s.trades, s.realized, s.drawdown.max, s.win_rate()), (0, Money::ZERO, Money::ZERO, None));
        assert_eq!((s.largest_win, s.largest_loss), (None, None), "null alike when there is none");
        assert_eq!((s.average_win(), s.average_loss(), s.profit_factor()), (None, None, None));
        assert_eq!(s.drawdown.max_ns(), 0);
    }

    #[test]
    fn a_mixed_list_worked_by_hand() {
        // Curve: 10 (t=1), 4 (t=2), 9 (t=3), -1 (t=5), 20 (t=9). The peak
        // of 10 at t=1 is recovered at t=9 (8 s below it, peak to
        // recovery), and the fall to -1 is the deepest (11).
        let s = run(&[("10", 1), ("-6", 2), ("5", 3), ("-10", 5), ("21", 9)]);
        assert_eq!(s.realized, d("20"));
        assert_eq!(s.drawdown.max, d("11"));
        assert_eq!(s.drawdown.max_ns(), 8_000_000_000);
        assert_eq!(s.win_rate(), Some(0.6));
        assert_eq!((s.gross_win, s.gross_loss), (d("36"), d("-16")));
        assert_eq!((s.largest_win, s.largest_loss), (Some(d("21")), Some(d("-10"))));
        assert_eq!(s.average_win(), Some(d("12")));
        assert_eq!(s.average_loss(), Some(d("-8")));
        assert_eq!(s.profit_factor(), Some(2.25));
    }

    #[test]
    fn only_losers_draw_down_from_zero() {
        let s = run(&[("-0.10", 1), ("-0.20", 3)]);
        assert_eq!(s.realized, d("-0.30"));
        assert_eq!(s.drawdown.max, d("0.30"));
        assert_eq!(s.win_rate(), Some(0.0));
        assert_eq!((s.average_win(), s.average_loss()), (None, Some(d("-0.15"))));
        assert_eq!(s.profit_factor(), Some(0.0));
        // The curve starts at its zero peak at the first trade.
        assert_eq!(s.drawdown.max_ns(), 2_000_000_000);
        assert_eq!(s.largest_win, None);
    }

    #[test]
    fn money_past_a_decimal_adds_up_and_an_overflow_is_refused() {
        // Issue 16: totals saturated at 92,233,720,368.55.
        let mut s = Stats::default();
        let big = Money::pnl("100".parse().unwrap(), "100000".parse().unwrap(), "1000000".parse().unwrap());
        for t in 0..3 {
            s.record(big, Timestamp::from_nanos(t), Timestamp::from_nanos(t)).unwrap();
        }
        assert_eq!(s.realized.to_string(), "299700000000");
        let mut near = Stats { gross_win: Money::from_units(i128::MAX - 5), ..Stats::default() };
        assert_eq!(
            near.record(Money::from_units(10), Timestamp::EPOCH, Timestamp::EPOCH),
            Err(Overflow),
            "an error, not a wrap"
        );
    }

    /// The figures of a whole curve, computed from all its points at once:
    /// the reference the point-by-point [`Drawdown`] is checked against.
    fn reference(points: &[(i64, i64)], capital: i128) -> (Money, i64, (Money, Money)) {
        let (mut max, mut max_ns, mut relative) = (0i128, 0i64, (0i128, 0i128));
        for (j, &(value, time)) in points.iter().enumerate() {
            // The peak before this point: the curve starts at zero, at the
            // first point's time; the last point at the highest value.
            let (mut peak, mut since) = (0i128, points[0].1);
            for &(v, t) in &points[..j] {
                if i128::from(v) >= peak {
                    (peak, since) = (i128::from(v), t);
                }
            }
            let fall = peak - i128::from(value);
            max = max.max(fall);
            // Time counts while below, and at the point that recovers.
            let below_before = j > 0 && i128::from(points[j - 1].0) < peak;
            if fall > 0 || below_before {
                max_ns = max_ns.max(time - since);
            }
            let share = |(f, b): (i128, i128)| if b == 0 { 0.0 } else { f as f64 / b as f64 };
            if capital > 0 && fall > 0 && share((fall, capital + peak)) > share(relative) {
                relative = (fall, capital + peak);
            }
        }
        (Money::from_units(max), max_ns, (Money::from_units(relative.0), Money::from_units(relative.1)))
    }

    proptest::proptest! {
        #[test]
        fn point_by_point_equals_the_whole_curve(
            points in proptest::collection::vec((-20i64..20, 0i64..6), 1..60),
            capital in proptest::sample::select(vec![0i128, 50, 1000]),
        ) {
            // Times mostly forward, sometimes back (another symbol lagging).
            let mut t = 0;
            let points: Vec<(i64, i64)> = points.iter().map(|&(v, step)| { t += step - 1; (v, t) }).collect();
            let mut d = Drawdown { capital: Money::from_units(capital), ..Drawdown::default() };
            for &(v, t) in &points {
                d.observe(Money::from_units(i128::from(v)), Timestamp::from_nanos(t)).unwrap();
            }
            let (max, max_ns, relative) = reference(&points, capital);
            proptest::prop_assert_eq!(d.max, max);
            proptest::prop_assert_eq!(d.max_ns(), max_ns);
            proptest::prop_assert_eq!(d.max_relative, relative);
        }
    }

    #[test]
    fn the_deepest_share_need_not_be_the_deepest_fall() {
        let mut e = Equity::new(d("100"));
        let mut t = 0;
        // −40 on 100 is 40%; later 300 → 200 falls further in money, 100,
        // but only 25% of 400; falls in between at the same peak rank by
        // depth.
        for value in ["-10", "-40", "-20", "300", "250", "200", "290"] {
            t += 1;
            e.drawdown.observe(d(value), Timestamp::from_nanos(t)).unwrap();
        }
        assert_eq!(e.drawdown.max, d("100"));
        assert_eq!(e.drawdown.max_relative, (d("40"), d("100")));
    }
}
