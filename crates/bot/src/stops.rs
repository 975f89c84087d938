//! Stop-loss, take-profit and trailing stop: exits the bot takes on any
//! strategy's position, each a percentage of a price, hit at exactly it.

use sluice_core::Decimal;

use crate::machine::{ExitReason, Position};
use crate::strategy::Side;

/// 100 % in units of a percentage's units: 100 × 10⁸.
const HUNDRED: i128 = 100 * Decimal::ONE.units() as i128;

/// The stops, each in % (`5` is 5 %); `None` for none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stops {
    /// Close when the price has moved this far against the entry.
    pub loss: Option<Decimal>,
    /// Close when the price has moved this far in favour of the entry.
    pub profit: Option<Decimal>,
    /// Close when the price has come back this far from the best price
    /// since the entry (the highest for a long, the lowest for a short).
    pub trailing: Option<Decimal>,
}

impl Stops {
    /// Whether any stop is set.
    pub fn any(&self) -> bool {
        self.loss.is_some() || self.profit.is_some() || self.trailing.is_some()
    }

    /// Which stop, if any, `price` hits for `position` (whose best price
    /// already includes this one). Checked exactly, in integers: a move
    /// of exactly the percentage hits. A stop-loss wins over a trailing
    /// stop, which wins over a take-profit, when a price hits several.
    pub fn hit(&self, position: &Position, price: Decimal) -> Option<ExitReason> {
        let (entry, best, price) =
            (i128::from(position.entry_price.units()), i128::from(position.best.units()), i128::from(price.units()));
        // A move in the position's favour is positive.
        let favour = |from: i128, to: i128| match position.side {
            Side::Long => to - from,
            Side::Short => from - to,
        };
        // `moved` of `base` is at least `pct` % ⟺ moved × 100 ≥ pct × base.
        let reaches = |moved: i128, base: i128, pct: Decimal| moved * HUNDRED >= i128::from(pct.units()) * base;
        if let Some(pct) = self.loss
            && reaches(-favour(entry, price), entry, pct)
        {
            return Some(ExitReason::StopLoss);
        }
        if let Some(pct) = self.trailing
            && reaches(-favour(best, price), best, pct)
        {
            return Some(ExitReason::TrailingStop);
        }
        if let Some(pct) = self.profit
            && reaches(favour(entry, price), entry, pct)
        {
            return Some(ExitReason::TakeProfit);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::{Money, Timestamp};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn position(side: Side, entry: &str, best: &str) -> Position {
        Position {
            side,
            entry_time: Timestamp::from_nanos(0),
            entry_price: d(entry),
            entry_tick: d(entry),
            quantity: Decimal::ONE,
            entry_fee: Money::ZERO,
            best: d(best),
        }
    }

    #[test]
    fn each_stop_hits_at_exactly_its_percentage() {
        let stops = Stops { loss: Some(d("5")), profit: Some(d("10")), trailing: None };
        let long = position(Side::Long, "100", "100");
        assert_eq!(stops.hit(&long, d("95.00000001")), None);
        assert_eq!(stops.hit(&long, d("95")), Some(ExitReason::StopLoss));
        assert_eq!(stops.hit(&long, d("109.99999999")), None);
        assert_eq!(stops.hit(&long, d("110")), Some(ExitReason::TakeProfit));
        let short = position(Side::Short, "100", "100");
        assert_eq!(stops.hit(&short, d("105")), Some(ExitReason::StopLoss));
        assert_eq!(stops.hit(&short, d("104.99999999")), None);
        assert_eq!(stops.hit(&short, d("90")), Some(ExitReason::TakeProfit));
    }

    #[test]
    fn a_trailing_stop_follows_the_best_price() {
        let stops = Stops { trailing: Some(d("10")), ..Stops::default() };
        // Long from 100, best 200: 10 % below the best is 180.
        let long = position(Side::Long, "100", "200");
        assert_eq!(stops.hit(&long, d("180.00000001")), None);
        assert_eq!(stops.hit(&long, d("180")), Some(ExitReason::TrailingStop));
        // Short from 100, best 50: 10 % above it is 55.
        let short = position(Side::Short, "100", "50");
        assert_eq!(stops.hit(&short, d("54.99999999")), None);
        assert_eq!(stops.hit(&short, d("55")), Some(ExitReason::TrailingStop));
    }

    #[test]
    fn the_stop_loss_wins_when_several_hit() {
        let stops = Stops { loss: Some(d("5")), trailing: Some(d("1")), profit: None };
        assert_eq!(stops.hit(&position(Side::Long, "100", "100"), d("90")), Some(ExitReason::StopLoss));
    }
}
