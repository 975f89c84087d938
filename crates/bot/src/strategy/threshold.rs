//! The article's bot: buy at or below `entry`, sell at or above `exit`.
//!
//! Short, it is the mirror: sell short at or above `exit`, buy back at or
//! below `entry`. With both sides, each exit opens the other side.

use sluice_core::config::ConfigError;
use sluice_core::{Decimal, Tick};

use super::{Row, Side, Sides, Strategy, Want};
use crate::BotConfig;

pub const ROW: Row = Row {
    name: "threshold",
    keys: &["entry", "exit"],
    about: "buy at or below `entry`, sell at or above `exit` (the article's bot; shorts mirror it)",
    build,
    defaults: |c| {
        c.entry.get_or_insert(ENTRY);
        c.exit.get_or_insert(EXIT);
    },
};

/// `entry`'s default.
const ENTRY: Decimal = Decimal::from_units(150 * Decimal::ONE.units());
/// `exit`'s default.
const EXIT: Decimal = Decimal::from_units(200 * Decimal::ONE.units());

struct Threshold {
    entry: Decimal,
    exit: Decimal,
    sides: Sides,
    /// After a stop closed a side, that side waits for the price to leave
    /// its zone before it is taken again, rather than re-entering at the
    /// next tick at a worse price than the stop's.
    disarmed: Option<Side>,
}

fn build(config: &BotConfig) -> Result<Box<dyn Strategy>, ConfigError> {
    let entry = config.entry.unwrap_or(ENTRY);
    let exit = config.exit.unwrap_or(EXIT);
    for (key, value) in [("entry", entry), ("exit", exit)] {
        if value <= Decimal::ZERO {
            return Err(ConfigError::new(key, format!("{value} is not a price; use a number above 0")));
        }
    }
    Ok(Box::new(Threshold { entry, exit, sides: config.side, disarmed: None }))
}

impl Threshold {
    /// The side this price is a signal to hold, if any: at or below
    /// `entry` is cheap (long), at or above `exit` is dear (short).
    fn zone(&self, tick: &Tick) -> Option<Side> {
        if tick.price <= self.entry {
            Some(Side::Long)
        } else if tick.price >= self.exit {
            Some(Side::Short)
        } else {
            None
        }
    }
}

impl Strategy for Threshold {
    fn on_tick(&mut self, tick: &Tick, held: Option<Side>) -> Want {
        let zone = self.zone(tick);
        if self.disarmed.is_some() && zone != self.disarmed {
            self.disarmed = None;
        }
        match (held, zone) {
            // Holding the side this price signals, or no signal: hold on.
            (_, None) => Want::Keep,
            (Some(h), Some(z)) if h == z => Want::Keep,
            // The other zone closes the position (and opens its mirror
            // when both sides are traded).
            (Some(_), Some(z)) => self.sides.toward(z),
            (None, Some(z)) if self.disarmed == Some(z) || !self.sides.allows(z) => Want::Keep,
            (None, Some(z)) => self.sides.toward(z),
        }
    }

    fn quiet(&self, held: Option<Side>) -> Option<(Decimal, Decimal)> {
        // A disarmed side is re-armed by the first price out of its zone:
        // a change, so every tick is asked until then.
        if self.disarmed.is_some() {
            return None;
        }
        let (low, high) = (Decimal::from_units(i64::MIN), Decimal::from_units(i64::MAX));
        // Inside, the price is in no zone, or in the zone of the side held
        // or of a side not traded.
        Some(match (held, self.sides) {
            (Some(Side::Long), _) => (low, self.exit),
            (Some(Side::Short), _) => (self.entry, high),
            (None, Sides::Long) => (self.entry, high),
            (None, Sides::Short) => (low, self.exit),
            (None, Sides::Both) => (self.entry, self.exit),
        })
    }

    fn stopped(&mut self, side: Side, _: &Tick) {
        self.disarmed = Some(side);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(sides: Sides) -> Threshold {
        Threshold { entry: "150".parse().unwrap(), exit: "200".parse().unwrap(), sides, disarmed: None }
    }

    fn at(price: &str) -> Tick {
        sluice_testkit::tick_at("AAPL", price, 0)
    }

    #[test]
    fn long_enters_at_entry_and_leaves_at_exit_inclusive() {
        let mut m = machine(Sides::Long);
        assert_eq!(m.on_tick(&at("150.01"), None), Want::Keep);
        assert_eq!(m.on_tick(&at("150"), None), Want::Long);
        assert_eq!(m.on_tick(&at("199.99"), Some(Side::Long)), Want::Keep);
        assert_eq!(m.on_tick(&at("120"), Some(Side::Long)), Want::Keep);
        assert_eq!(m.on_tick(&at("200"), Some(Side::Long)), Want::Flat);
        // A long-only bot ignores the dear zone while flat.
        assert_eq!(m.on_tick(&at("250"), None), Want::Keep);
    }

    #[test]
    fn short_is_the_mirror() {
        let mut m = machine(Sides::Short);
        assert_eq!(m.on_tick(&at("199.99"), None), Want::Keep);
        assert_eq!(m.on_tick(&at("140"), None), Want::Keep);
        assert_eq!(m.on_tick(&at("200"), None), Want::Short);
        assert_eq!(m.on_tick(&at("150.01"), Some(Side::Short)), Want::Keep);
        assert_eq!(m.on_tick(&at("150"), Some(Side::Short)), Want::Flat);
    }

    #[test]
    fn both_sides_reverse_at_each_threshold() {
        let mut m = machine(Sides::Both);
        assert_eq!(m.on_tick(&at("200"), None), Want::Short);
        assert_eq!(m.on_tick(&at("150"), Some(Side::Short)), Want::Long);
        assert_eq!(m.on_tick(&at("200"), Some(Side::Long)), Want::Short);
    }

    #[test]
    fn a_stopped_side_rearms_once_the_price_leaves_its_zone() {
        let mut m = machine(Sides::Long);
        m.stopped(Side::Long, &at("140"));
        assert_eq!(m.on_tick(&at("139"), None), Want::Keep, "still cheap: no re-entry below the stop");
        assert_eq!(m.on_tick(&at("150.01"), None), Want::Keep);
        assert_eq!(m.on_tick(&at("150"), None), Want::Long, "back at entry from above: armed again");
    }
}
