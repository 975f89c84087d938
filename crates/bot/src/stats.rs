//! Running trade statistics, in constant memory.

use sluice_core::Decimal;

/// Realized PnL, wins and drawdown of a sequence of trades.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub trades: u64,
    pub wins: u64,
    pub realized: Decimal,
    /// Highest realized PnL so far (the curve starts at zero).
    peak: Decimal,
    /// Largest fall of the realized-PnL curve from a previous peak.
    pub max_drawdown: Decimal,
}

impl Stats {
    /// Adds one closed trade's PnL.
    pub fn record(&mut self, pnl: Decimal) {
        self.trades += 1;
        if pnl > Decimal::ZERO {
            self.wins += 1;
        }
        self.realized += pnl;
        self.peak = self.peak.max(self.realized);
        self.max_drawdown = self.max_drawdown.max(self.peak - self.realized);
    }

    /// Share of trades that made money; `None` before the first trade.
    pub fn win_rate(&self) -> Option<f64> {
        (self.trades > 0).then(|| self.wins as f64 / self.trades as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pnls: &[&str]) -> Stats {
        let mut s = Stats::default();
        for p in pnls {
            s.record(p.parse().unwrap());
        }
        s
    }

    #[test]
    fn no_trades() {
        let s = run(&[]);
        assert_eq!((s.trades, s.realized, s.max_drawdown, s.win_rate()), (0, Decimal::ZERO, Decimal::ZERO, None));
    }

    #[test]
    fn drawdown_is_measured_from_the_running_peak() {
        // Curve: 10, 4, 9, -1, 20 → peak 10 then falls to -1: drawdown 11.
        let s = run(&["10", "-6", "5", "-10", "21"]);
        assert_eq!(s.realized, "20".parse().unwrap());
        assert_eq!(s.max_drawdown, "11".parse().unwrap());
        assert_eq!(s.win_rate(), Some(0.6));
    }

    #[test]
    fn only_losers_draw_down_from_zero() {
        let s = run(&["-0.10", "-0.20"]);
        assert_eq!(s.realized, "-0.30".parse().unwrap());
        assert_eq!(s.max_drawdown, "0.30".parse().unwrap());
        assert_eq!(s.win_rate(), Some(0.0));
    }
}
