//! Running trade statistics, in constant memory.

use sluice_core::{Decimal, Timestamp};

/// Realized PnL, wins, losses and drawdown of a sequence of trades.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub trades: u64,
    pub wins: u64,
    pub losses: u64,
    pub realized: Decimal,
    /// Sum of winning trades' PnL, and of losing trades' (as a loss, ≤ 0).
    pub gross_win: Decimal,
    pub gross_loss: Decimal,
    pub largest_win: Decimal,
    /// The most negative PnL of a trade (≤ 0).
    pub largest_loss: Decimal,
    /// Highest realized PnL so far (the curve starts at zero), and when the
    /// curve last stood there.
    peak: Decimal,
    peak_time: Option<Timestamp>,
    /// Largest fall of the realized-PnL curve from a previous peak.
    pub max_drawdown: Decimal,
    /// Longest time the curve spent below a previous peak, in nanoseconds
    /// (up to the last trade when it has not recovered).
    pub max_drawdown_ns: i64,
}

impl Stats {
    /// Adds one trade, closed at `time` with `pnl`.
    pub fn record(&mut self, pnl: Decimal, time: Timestamp) {
        self.trades += 1;
        if pnl > Decimal::ZERO {
            self.wins += 1;
            self.gross_win += pnl;
            self.largest_win = self.largest_win.max(pnl);
        } else if pnl < Decimal::ZERO {
            self.losses += 1;
            self.gross_loss += pnl;
            self.largest_loss = self.largest_loss.min(pnl);
        }
        self.realized += pnl;
        let since = *self.peak_time.get_or_insert(time);
        if self.realized >= self.peak {
            self.peak = self.realized;
            self.peak_time = Some(time);
        } else {
            self.max_drawdown_ns = self.max_drawdown_ns.max(time.as_nanos().saturating_sub(since.as_nanos()));
        }
        self.max_drawdown = self.max_drawdown.max(self.peak - self.realized);
    }

    /// Share of trades that made money; `None` before the first trade.
    pub fn win_rate(&self) -> Option<f64> {
        (self.trades > 0).then(|| self.wins as f64 / self.trades as f64)
    }

    /// Mean PnL of the winning trades; `None` without one.
    pub fn average_win(&self) -> Option<Decimal> {
        mean(self.gross_win, self.wins)
    }

    /// Mean PnL of the losing trades (≤ 0); `None` without one.
    pub fn average_loss(&self) -> Option<Decimal> {
        mean(self.gross_loss, self.losses)
    }

    /// Gross wins over gross losses; `None` without a loss.
    pub fn profit_factor(&self) -> Option<f64> {
        (self.gross_loss < Decimal::ZERO).then(|| self.gross_win.to_f64() / -self.gross_loss.to_f64())
    }
}

/// `sum / n`, exact to the eighth place (rounded toward zero).
fn mean(sum: Decimal, n: u64) -> Option<Decimal> {
    (n > 0).then(|| Decimal::from_units(sum.units() / n as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pnls: &[(&str, i64)]) -> Stats {
        let mut s = Stats::default();
        for (p, second) in pnls {
            s.record(p.parse().unwrap(), Timestamp::from_nanos(second * 1_000_000_000));
        }
        s
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn no_trades() {
        let s = run(&[]);
        assert_eq!((s.trades, s.realized, s.max_drawdown, s.win_rate()), (0, Decimal::ZERO, Decimal::ZERO, None));
        assert_eq!((s.average_win(), s.average_loss(), s.profit_factor()), (None, None, None));
        assert_eq!(s.max_drawdown_ns, 0);
    }

    #[test]
    fn a_mixed_list_worked_by_hand() {
        // Curve: 10 (t=1), 4 (t=2), 9 (t=3), -1 (t=5), 20 (t=9). The peak
        // of 10 at t=1 is last stood below at t=5 (4 s), and the fall to -1
        // is the deepest (11); t=9 is a new peak.
        let s = run(&[("10", 1), ("-6", 2), ("5", 3), ("-10", 5), ("21", 9)]);
        assert_eq!(s.realized, d("20"));
        assert_eq!(s.max_drawdown, d("11"));
        assert_eq!(s.max_drawdown_ns, 4_000_000_000);
        assert_eq!(s.win_rate(), Some(0.6));
        assert_eq!((s.gross_win, s.gross_loss), (d("36"), d("-16")));
        assert_eq!((s.largest_win, s.largest_loss), (d("21"), d("-10")));
        assert_eq!(s.average_win(), Some(d("12")));
        assert_eq!(s.average_loss(), Some(d("-8")));
        assert_eq!(s.profit_factor(), Some(2.25));
    }

    #[test]
    fn only_losers_draw_down_from_zero() {
        let s = run(&[("-0.10", 1), ("-0.20", 3)]);
        assert_eq!(s.realized, d("-0.30"));
        assert_eq!(s.max_drawdown, d("0.30"));
        assert_eq!(s.win_rate(), Some(0.0));
        assert_eq!((s.average_win(), s.average_loss()), (None, Some(d("-0.15"))));
        assert_eq!(s.profit_factor(), Some(0.0));
        // The curve starts at its zero peak at the first trade.
        assert_eq!(s.max_drawdown_ns, 2_000_000_000);
    }
}
