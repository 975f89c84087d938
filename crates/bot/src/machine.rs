//! One symbol's machine: what its strategy wants, filled into positions
//! and trades, with the stops, sizing and costs of the bot's rules.
//!
//! For the article's bot this is WATCHING → ACTIVE → WATCHING: flat, then
//! holding one position, then flat again.

use sluice_core::{Decimal, Money, Tick, Timestamp};

use crate::costs::{Costs, Fill, Sizing};
use crate::stats::Overflow;
use crate::stops::Stops;
use crate::strategy::{Side, Strategy, Want};

/// How every symbol's positions are filled, sized and stopped.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    pub sizing: Sizing,
    pub costs: Costs,
    pub stops: Stops,
    pub fill: Fill,
}

impl Rules {
    /// The price of a fill at `tick`: its base (the tick's price, or the
    /// quote's far side), worse by the slippage.
    fn fill(&self, tick: &Tick, buying: bool) -> Result<Decimal, Overflow> {
        // A tick without a quote is refused before it reaches the machine.
        self.costs.fill(self.fill.base(tick, buying).unwrap_or(tick.price), buying)
    }
}

/// An open position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub side: Side,
    pub entry_time: Timestamp,
    /// The fill: the tick's price, worse by the slippage.
    pub entry_price: Decimal,
    /// The tick's price at the entry, for the PnL before costs.
    pub entry_tick: Decimal,
    pub quantity: Decimal,
    /// Commission paid on the entry.
    pub entry_fee: Money,
    /// The best price since the entry, for a trailing stop.
    pub best: Decimal,
}

impl Position {
    /// PnL of moving from `from` to `to` on this position's side.
    fn gain(&self, from: Decimal, to: Decimal) -> Money {
        match self.side {
            Side::Long => Money::pnl(from, to, self.quantity),
            Side::Short => Money::pnl(to, from, self.quantity),
        }
    }

    /// The open PnL at `price`: the position marked there, less the fee
    /// already paid to open it. Slippage is charged when a fill happens,
    /// not on a mark.
    pub fn open_pnl(&self, price: Decimal) -> Result<Money, Overflow> {
        self.gain(self.entry_price, price).checked_sub(self.entry_fee).ok_or(Overflow)
    }
}

/// Why a position was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// The strategy asked.
    Signal,
    StopLoss,
    TakeProfit,
    TrailingStop,
}

impl ExitReason {
    /// Every reason, in the order of their discriminants.
    pub const ALL: [ExitReason; 4] =
        [ExitReason::Signal, ExitReason::StopLoss, ExitReason::TakeProfit, ExitReason::TrailingStop];

    /// The name in reports and signal lines.
    pub fn name(self) -> &'static str {
        match self {
            ExitReason::Signal => "signal",
            ExitReason::StopLoss => "stop_loss",
            ExitReason::TakeProfit => "take_profit",
            ExitReason::TrailingStop => "trailing_stop",
        }
    }
}

/// A closed position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Trade {
    pub symbol: sluice_core::Symbol,
    pub side: Side,
    pub quantity: Decimal,
    pub entry_time: Timestamp,
    /// The fill prices.
    pub entry_price: Decimal,
    pub exit_time: Timestamp,
    pub exit_price: Decimal,
    /// After costs: the fills' difference less both fees.
    pub pnl: Money,
    /// Before costs: the ticks' prices' difference.
    pub gross_pnl: Money,
    /// Commission on both fills.
    pub fees: Money,
    pub exit: ExitReason,
}

/// What one tick did to the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Flat, and still flat.
    Watched,
    /// Flat, and this tick opened a position.
    Entered,
    /// Holding, and still holding; the open PnL at this price.
    Held { pnl: Money },
    /// Holding, and this tick closed the position (the trade is in
    /// [`Machine::closed`]).
    Exited,
    /// Holding, and this tick closed the position and opened the other
    /// side.
    Reversed,
}

/// One symbol's strategy and position.
pub struct Machine {
    strategy: Box<dyn Strategy>,
    pub position: Option<Position>,
    /// Entries the strategy asked for that sizing made nothing (no equity
    /// left, or a notional below one unit of quantity).
    pub skipped: u64,
    /// The trade the last step closed, for the caller to take. Kept here
    /// rather than in [`Step`]: a step is returned at every tick, and a
    /// trade in it made every tick move a trade's bytes.
    pub closed: Option<Trade>,
    /// Prices strictly between these leave the strategy's answer `Keep`
    /// and its state as it is, while the position stays: the strategy's
    /// [`Strategy::quiet`], asked again at each change.
    quiet: (Decimal, Decimal),
}

/// A quiet range with no price in it.
const NOT_QUIET: (Decimal, Decimal) = (Decimal::ZERO, Decimal::ZERO);

impl Machine {
    pub fn new(strategy: Box<dyn Strategy>) -> Machine {
        let quiet = strategy.quiet(None).unwrap_or(NOT_QUIET);
        Machine { strategy, position: None, skipped: 0, closed: None, quiet }
    }

    /// Asks the strategy again which prices will change nothing.
    fn requiet(&mut self) {
        self.quiet = self.strategy.quiet(self.position.map(|p| p.side)).unwrap_or(NOT_QUIET);
    }

    /// Whether a tick at `price` leaves the machine as it is: its step
    /// would be `Watched`, or `Held` at the open PnL there, and change
    /// nothing else (the price in the strategy's quiet range, and no stop
    /// to check on a position).
    #[inline]
    pub fn keeps(&self, price: Decimal, rules: &Rules) -> bool {
        self.quiet.0 < price && price < self.quiet.1 && (self.position.is_none() || !rules.stops.any())
    }

    /// Feeds one good tick: a stop, else the strategy, decides; the fill
    /// is at this tick's price. `equity` gives the portfolio's at the last
    /// mark, for sizing by a fraction of it (asked only then).
    #[inline]
    pub fn step(
        &mut self,
        tick: &Tick,
        rules: &Rules,
        equity: &dyn Fn() -> Result<Money, Overflow>,
    ) -> Result<Step, Overflow> {
        let held = self.position.map(|p| p.side);
        if let Some(p) = &mut self.position
            && rules.stops.any()
        {
            p.best = match p.side {
                Side::Long => p.best.max(tick.price),
                Side::Short => p.best.min(tick.price),
            };
            if let Some(reason) = rules.stops.hit(p, tick.price) {
                let trade = close(*p, tick, rules, reason)?;
                self.position = None;
                self.strategy.stopped(trade.side, tick);
                self.closed = Some(trade);
                self.requiet();
                return Ok(Step::Exited);
            }
        }
        let (low, high) = self.quiet;
        let want = if low < tick.price && tick.price < high {
            Want::Keep
        } else {
            let want = self.strategy.on_tick(tick, held);
            // Asked for the position held now; a change below asks again.
            self.requiet();
            want
        };
        let target = match want {
            Want::Keep => held,
            Want::Flat => None,
            Want::Long => Some(Side::Long),
            Want::Short => Some(Side::Short),
        };
        if target == held {
            return Ok(match &self.position {
                Some(p) => Step::Held { pnl: p.open_pnl(tick.price)? },
                None => Step::Watched,
            });
        }
        let closed = match self.position.take() {
            Some(p) => {
                self.closed = Some(close(p, tick, rules, ExitReason::Signal)?);
                true
            }
            None => false,
        };
        let opened = match target {
            Some(side) => self.open(side, tick, rules, equity)?,
            None => false,
        };
        self.requiet();
        Ok(match (closed, opened) {
            (true, true) => Step::Reversed,
            (true, false) => Step::Exited,
            (false, true) => Step::Entered,
            (false, false) => Step::Watched,
        })
    }

    /// Opens `side` at the tick; false when sizing made nothing.
    fn open(
        &mut self,
        side: Side,
        tick: &Tick,
        rules: &Rules,
        equity: &dyn Fn() -> Result<Money, Overflow>,
    ) -> Result<bool, Overflow> {
        let price = rules.fill(tick, side == Side::Long)?;
        let equity = match rules.sizing {
            Sizing::Fraction(_) => equity()?,
            Sizing::Quantity(_) | Sizing::Notional(_) => Money::ZERO,
        };
        let Some(quantity) = rules.sizing.quantity(price, equity)? else {
            self.skipped += 1;
            return Ok(false);
        };
        self.position = Some(Position {
            side,
            entry_time: tick.time,
            entry_price: price,
            entry_tick: tick.price,
            quantity,
            entry_fee: rules.costs.fee(price, quantity)?,
            best: tick.price,
        });
        Ok(true)
    }

    /// A bad record: back to flat, dropping any position. Returns whether
    /// one was abandoned.
    pub fn reset(&mut self) -> bool {
        self.strategy.reset();
        let dropped = self.position.take().is_some();
        self.requiet();
        dropped
    }
}

/// Closes position `p` at the tick.
fn close(p: Position, tick: &Tick, rules: &Rules, exit: ExitReason) -> Result<Trade, Overflow> {
    let price = rules.fill(tick, p.side == Side::Short)?;
    let exit_fee = rules.costs.fee(price, p.quantity)?;
    let fees = p.entry_fee.checked_add(exit_fee).ok_or(Overflow)?;
    Ok(Trade {
        symbol: tick.symbol,
        side: p.side,
        quantity: p.quantity,
        entry_time: p.entry_time,
        entry_price: p.entry_price,
        exit_time: tick.time,
        exit_price: price,
        pnl: p.gain(p.entry_price, price).checked_sub(fees).ok_or(Overflow)?,
        gross_pnl: p.gain(p.entry_tick, tick.price),
        fees,
        exit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BotConfig;
    use crate::strategy::Sides;

    /// A strategy asked at every tick: its quiet range hidden.
    struct Asked(Box<dyn Strategy>);

    impl Strategy for Asked {
        fn on_tick(&mut self, tick: &Tick, held: Option<Side>) -> Want {
            self.0.on_tick(tick, held)
        }
        fn stopped(&mut self, side: Side, tick: &Tick) {
            self.0.stopped(side, tick)
        }
        fn reset(&mut self) {
            self.0.reset()
        }
    }

    proptest::proptest! {
        /// Skipping the calls in the threshold strategy's quiet range changes
        /// no step:
        /// the same positions, trades and steps as asking at every tick,
        /// with stops disarming sides and resets in between.
        #[test]
        fn the_quiet_range_skips_only_what_changes_nothing(
            prices in proptest::collection::vec(135u32..215, 1..200),
            side in 0u8..3,
            stop in proptest::option::of(1u32..8),
            trail in proptest::option::of(1u32..8),
        ) {
            let pct = |n: u32| Decimal::from_units(i64::from(n) * Decimal::ONE.units());
            let config = BotConfig {
                side: [Sides::Long, Sides::Short, Sides::Both][usize::from(side)],
                stop_loss_pct: stop.map(pct),
                trailing_stop_pct: trail.map(pct),
                ..BotConfig::default()
            };
            let row = config.validate().unwrap();
            let rules = Rules { sizing: config.sizing(), costs: config.costs(), stops: config.stops(), fill: config.fill };
            let mut quiet = Machine::new((row.build)(&config).unwrap());
            let mut asked = Machine::new(Box::new(Asked((row.build)(&config).unwrap())));
            let equity = || Ok(Money::ZERO);
            for (i, price) in prices.into_iter().enumerate() {
                if price % 37 == 0 {
                    proptest::prop_assert_eq!(quiet.reset(), asked.reset());
                    continue;
                }
                let tick = sluice_testkit::tick_at("X", &price.to_string(), i as i64);
                let steps = (quiet.step(&tick, &rules, &equity).unwrap(), asked.step(&tick, &rules, &equity).unwrap());
                proptest::prop_assert_eq!(steps.0, steps.1, "at tick {}", i);
                proptest::prop_assert_eq!(quiet.position, asked.position);
                proptest::prop_assert_eq!(quiet.closed.take(), asked.closed.take());
            }
        }
    }
}
