//! The per-symbol state machine: WATCHING → ACTIVE → WATCHING.

use sluice_core::{Decimal, Money, Tick, Timestamp};

/// Where one symbol's machine stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// No position; waiting for a price at or below the entry threshold.
    Watching,
    /// Holding one position opened at `price`, at `time`.
    Active { price: Decimal, time: Timestamp },
}

/// The thresholds the machine trades on.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    pub entry: Decimal,
    pub exit: Decimal,
    pub quantity: Decimal,
}

/// A closed position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Trade {
    pub symbol: sluice_core::Symbol,
    pub entry_time: Timestamp,
    pub entry_price: Decimal,
    pub exit_time: Timestamp,
    pub exit_price: Decimal,
    pub pnl: Money,
}

/// What one tick did to the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Watching, and still watching.
    Watched,
    /// Watching, and this price opened a position.
    Entered,
    /// Holding, and still holding; the open PnL at this price.
    Held { pnl: Money },
    /// Holding, and this price closed the position.
    Exited(Trade),
}

impl State {
    /// Feeds one good tick: the article's two loops, as one transition.
    pub fn step(&mut self, tick: &Tick, rules: &Rules) -> Step {
        match *self {
            State::Watching if tick.price <= rules.entry => {
                *self = State::Active { price: tick.price, time: tick.time };
                Step::Entered
            }
            State::Watching => Step::Watched,
            State::Active { price, time } => {
                let pnl = pnl(price, tick.price, rules.quantity);
                if tick.price < rules.exit {
                    return Step::Held { pnl };
                }
                *self = State::Watching;
                Step::Exited(Trade {
                    symbol: tick.symbol,
                    entry_time: time,
                    entry_price: price,
                    exit_time: tick.time,
                    exit_price: tick.price,
                    pnl,
                })
            }
        }
    }

    /// A bad record: back to watching, dropping any entry. Returns whether
    /// a position was abandoned.
    pub fn reset(&mut self) -> bool {
        let was_active = matches!(self, State::Active { .. });
        *self = State::Watching;
        was_active
    }
}

/// (to − from) × quantity, exact to the 8th place (rounded half away from
/// zero beyond it), whatever its size.
pub fn pnl(from: Decimal, to: Decimal, quantity: Decimal) -> Money {
    Money::pnl(from, to, quantity)
}
