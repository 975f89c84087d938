//! What a fill costs, and how much each entry buys.

use sluice_core::{Decimal, Money};

use crate::stats::Overflow;

/// 10⁸ units make one.
const ONE: i128 = Decimal::ONE.units() as i128;
/// A basis point is 10⁻⁴; in units of a bps value, 10⁻¹².
const PER_BPS: i128 = 10_000 * ONE;

/// Commission and slippage, charged on every fill.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Costs {
    /// Money per fill.
    pub commission: Money,
    /// Basis points of the fill's notional, per fill.
    pub commission_bps: Decimal,
    /// Basis points the fill price is worse than the tick's.
    pub slippage_bps: Decimal,
}

impl Costs {
    /// Whether any cost is charged.
    pub fn any(&self) -> bool {
        *self != Costs::default()
    }

    /// The price a fill at `price` gets: higher when buying, lower when
    /// selling, by the slippage, rounded half away from zero to the 8th
    /// place.
    pub fn fill(&self, price: Decimal, buying: bool) -> Result<Decimal, Overflow> {
        if self.slippage_bps.is_zero() {
            return Ok(price);
        }
        let p = i128::from(price.units());
        let slip = round_div(p * i128::from(self.slippage_bps.units()), PER_BPS);
        let filled = if buying { p + slip } else { p - slip };
        i64::try_from(filled).map(Decimal::from_units).map_err(|_| Overflow)
    }

    /// The commission on a fill of `quantity` at `price`.
    pub fn fee(&self, price: Decimal, quantity: Decimal) -> Result<Money, Overflow> {
        if self.commission_bps.is_zero() {
            return Ok(self.commission);
        }
        let notional = Money::pnl(Decimal::ZERO, price, quantity).units();
        let bps = notional.checked_mul(i128::from(self.commission_bps.units())).ok_or(Overflow)?;
        self.commission.checked_add(Money::from_units(round_div(bps, PER_BPS))).ok_or(Overflow)
    }
}

/// Which price a fill starts from: the `fill` key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fill {
    /// The tick's price (for a quote file, the one `quote` chose: the mid
    /// by default).
    #[default]
    Price,
    /// The quote's far side: buy at the ask, sell at the bid. Only for
    /// ticks that carry a bid and an ask.
    Quote,
}

impl Fill {
    /// The price a fill buying (or selling) at `tick` starts from, before
    /// slippage; `None` when the tick has no quote to fill at.
    pub fn base(self, tick: &sluice_core::Tick, buying: bool) -> Option<Decimal> {
        match (self, tick.quote) {
            (Fill::Price, _) => Some(tick.price),
            (Fill::Quote, Some(q)) => Some(if buying { q.ask } else { q.bid }),
            (Fill::Quote, None) => None,
        }
    }
}

/// How much each entry buys (or sells short): the sizing keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sizing {
    /// A fixed quantity (`quantity`, default 1).
    Quantity(Decimal),
    /// As much as this money buys at the entry price (`notional`).
    Notional(Money),
    /// This share of the portfolio's equity at the entry (capital plus
    /// realized and open PnL) (`equity_fraction`).
    Fraction(Decimal),
}

impl Sizing {
    /// The quantity for an entry at `price` when the portfolio's equity is
    /// `equity`, truncated to the 8th place; `None` when that is nothing
    /// (equity gone, or a notional below one unit of quantity).
    pub fn quantity(&self, price: Decimal, equity: Money) -> Result<Option<Decimal>, Overflow> {
        let money = match *self {
            Sizing::Quantity(q) => return Ok(Some(q)),
            Sizing::Notional(m) => m.units(),
            Sizing::Fraction(f) => equity.units().checked_mul(i128::from(f.units())).ok_or(Overflow)? / ONE,
        };
        if money <= 0 {
            return Ok(None);
        }
        // money ÷ price, in units of quantity: truncated, never more than
        // the money pays for.
        let units = money.checked_mul(ONE).ok_or(Overflow)? / i128::from(price.units());
        let q = i64::try_from(units).map_err(|_| Overflow)?;
        Ok((q > 0).then(|| Decimal::from_units(q)))
    }
}

/// `n / d` for `d > 0`, rounded half away from zero.
fn round_div(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    if r.unsigned_abs() * 2 >= d.unsigned_abs() { q + n.signum() } else { q }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn m(s: &str) -> Money {
        Money::from_decimal(d(s))
    }

    #[test]
    fn slippage_moves_the_fill_against_the_trader() {
        let c = Costs { slippage_bps: d("10"), ..Costs::default() };
        // 10 bps of 150 is 0.15.
        assert_eq!(c.fill(d("150"), true).unwrap(), d("150.15"));
        assert_eq!(c.fill(d("150"), false).unwrap(), d("149.85"));
        // 10 bps of 0.00000005 is 5e-11: rounds to nothing.
        assert_eq!(c.fill(d("0.00000005"), true).unwrap(), d("0.00000005"));
        // 1 bps of 0.00005 is 5e-9: half a unit, rounded away from zero.
        let one = Costs { slippage_bps: d("1"), ..Costs::default() };
        assert_eq!(one.fill(d("0.00005"), true).unwrap(), d("0.00005001"));
        assert_eq!(one.fill(d("0.00005"), false).unwrap(), d("0.00004999"));
    }

    #[test]
    fn commission_is_per_fill_plus_bps_of_the_notional() {
        let c = Costs { commission: m("1"), commission_bps: d("5"), ..Costs::default() };
        // 5 bps of 150 × 10 = 1500 is 0.75.
        assert_eq!(c.fee(d("150"), d("10")).unwrap(), m("1.75"));
        let flat = Costs { commission: m("2.5"), ..Costs::default() };
        assert_eq!(flat.fee(d("150"), d("10")).unwrap(), m("2.5"));
    }

    #[test]
    fn sizing_truncates_to_what_the_money_pays_for() {
        assert_eq!(Sizing::Quantity(d("3")).quantity(d("150"), m("0")).unwrap(), Some(d("3")));
        // 1000 / 3 = 333.33333333 (truncated, not rounded up).
        assert_eq!(Sizing::Notional(m("1000")).quantity(d("3"), m("0")).unwrap(), Some(d("333.33333333")));
        // Half of 10000 equity at 150.
        assert_eq!(Sizing::Fraction(d("0.5")).quantity(d("150"), m("10000")).unwrap(), Some(d("33.33333333")));
        assert_eq!(Sizing::Fraction(d("0.5")).quantity(d("150"), m("-5")).unwrap(), None);
        assert_eq!(Sizing::Notional(m("0.00000001")).quantity(d("150"), m("0")).unwrap(), None);
    }
}
