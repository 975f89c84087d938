//! A moving-average crossover: long when the fast average crosses above
//! the slow one, out (or short) when it crosses below.
//!
//! The averages are over ticks, or with `bar` over the closes of time bars
//! (the last price of each bar; a bar without ticks is skipped, as a
//! resample that drops empty bars would). A bar's close is only known at
//! the first tick after it, so a crossing on bar closes trades at that
//! tick's price: nothing is traded at a price seen in hindsight.
//!
//! Only a crossing trades: the first time both averages are ready sets
//! which side is up without trading, and after a stop or a reset the
//! machine waits for the next crossing.

use std::cmp::Ordering;
use std::collections::VecDeque;

use sluice_core::config::ConfigError;
use sluice_core::{Decimal, Tick};

use super::{Row, Side, Sides, Strategy, Want};
use crate::BotConfig;

pub const ROW: Row = Row {
    name: "crossover",
    keys: &["fast", "slow", "average", "bar"],
    about: "long when the `fast`-value average crosses above the `slow` one (`average` sma or ema, over ticks or `bar`s)",
    build,
    defaults: |c| {
        c.fast.get_or_insert(FAST);
        c.slow.get_or_insert(SLOW);
        c.average.get_or_insert_default();
    },
};

/// The `average` key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Average {
    /// Simple: the mean of the last N values, compared exactly.
    #[default]
    Sma,
    /// Exponential with α = 2 / (N + 1), seeded with the first value (as
    /// pandas' `ewm(span=N, adjust=False)`).
    Ema,
}

/// `fast`'s default.
const FAST: usize = 10;
/// `slow`'s default.
const SLOW: usize = 30;

fn build(config: &BotConfig) -> Result<Box<dyn Strategy>, ConfigError> {
    let fast = config.fast.unwrap_or(FAST);
    let slow = config.slow.unwrap_or(SLOW);
    if fast == 0 {
        return Err(ConfigError::new("fast", "0 values make no average; use 1 or more"));
    }
    if slow <= fast {
        return Err(ConfigError::new(
            "slow",
            format!("{slow} is not longer than fast ({fast}); the slow average needs more values than the fast"),
        ));
    }
    if slow > 1_000_000 {
        return Err(ConfigError::new("slow", format!("{slow} values per symbol is past the limit of 1000000")));
    }
    let bar = match config.bar {
        None => None,
        Some(b) if b.0 < std::time::Duration::from_millis(1) => {
            return Err(ConfigError::new("bar", format!("{b} is too short a bar; use 1ms or more")));
        }
        Some(b) => Some(i64::try_from(b.0.as_nanos()).unwrap_or(i64::MAX)),
    };
    let means = match config.average.unwrap_or_default() {
        Average::Sma => Means::Simple { values: VecDeque::with_capacity(slow.min(4096)), fast_sum: 0, slow_sum: 0 },
        Average::Ema => Means::Exponential { fast: 0.0, slow: 0.0 },
    };
    Ok(Box::new(Crossover { fast, slow, means, seen: 0, bar, open_bar: None, up: None, sides: config.side }))
}

/// The two averages.
enum Means {
    /// The last `slow` values (in units), and the sums of the last `fast`
    /// and `slow` of them.
    Simple {
        values: VecDeque<i64>,
        fast_sum: i128,
        slow_sum: i128,
    },
    Exponential {
        fast: f64,
        slow: f64,
    },
}

struct Crossover {
    fast: usize,
    slow: usize,
    means: Means,
    /// Values averaged so far (capped at `slow`: then both are ready).
    seen: usize,
    /// `bar` in nanoseconds, when the averages are over bar closes.
    bar: Option<i64>,
    /// The bar being filled and its last price so far.
    open_bar: Option<(i64, Decimal)>,
    /// Whether the fast average was last above the slow one; `None` until
    /// both are ready and differ.
    up: Option<bool>,
    sides: Sides,
}

impl Crossover {
    /// Adds a value to both averages; once ready, how fast compares with
    /// slow.
    fn push(&mut self, price: Decimal) -> Option<Ordering> {
        let p = price.units();
        self.seen = (self.seen + 1).min(self.slow);
        let order = match &mut self.means {
            Means::Simple { values, fast_sum, slow_sum } => {
                values.push_back(p);
                *fast_sum += i128::from(p);
                *slow_sum += i128::from(p);
                if values.len() > self.fast {
                    *fast_sum -= i128::from(values[values.len() - 1 - self.fast]);
                }
                if values.len() > self.slow
                    && let Some(old) = values.pop_front()
                {
                    *slow_sum -= i128::from(old);
                }
                // fast_sum / fast against slow_sum / slow, without dividing.
                (*fast_sum * self.slow as i128).cmp(&(*slow_sum * self.fast as i128))
            }
            Means::Exponential { fast, slow } => {
                let x = p as f64;
                if self.seen == 1 {
                    (*fast, *slow) = (x, x);
                } else {
                    *fast += 2.0 / (self.fast as f64 + 1.0) * (x - *fast);
                    *slow += 2.0 / (self.slow as f64 + 1.0) * (x - *slow);
                }
                (*fast).partial_cmp(slow).unwrap_or(Ordering::Equal)
            }
        };
        (self.seen == self.slow).then_some(order)
    }

    /// A crossing, if this value made one.
    fn cross(&mut self, price: Decimal) -> Want {
        let up = match self.push(price) {
            None | Some(Ordering::Equal) => return Want::Keep,
            Some(order) => order == Ordering::Greater,
        };
        let before = self.up.replace(up);
        match before {
            Some(was) if was != up => self.sides.toward(if up { Side::Long } else { Side::Short }),
            _ => Want::Keep,
        }
    }
}

impl Strategy for Crossover {
    fn on_tick(&mut self, tick: &Tick, _: Option<Side>) -> Want {
        let Some(bar) = self.bar else { return self.cross(tick.price) };
        let index = tick.time.as_nanos().div_euclid(bar);
        match self.open_bar.replace((index, tick.price)) {
            Some((open, close)) if open != index => self.cross(close),
            _ => Want::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(average: Average, fast: usize, slow: usize, bar: Option<&str>) -> Box<dyn Strategy> {
        let config = BotConfig {
            fast: Some(fast),
            slow: Some(slow),
            average: Some(average),
            bar: bar.map(|b| b.parse().unwrap()),
            side: Sides::Both,
            ..BotConfig::default()
        };
        build(&config).unwrap()
    }

    fn run(m: &mut Box<dyn Strategy>, prices: &[(&str, i64)]) -> Vec<Want> {
        prices.iter().map(|&(p, s)| m.on_tick(&sluice_testkit::tick_at("X", p, s), None)).collect()
    }

    #[test]
    fn sma_crosses_exactly_when_the_means_change_order() {
        let mut m = machine(Average::Sma, 2, 3, None);
        use Want::*;
        // Means (fast of 2, slow of 3): ready at the 3rd value.
        // 10,10,10: equal, no side yet. 9: fast 9.5 < slow 9.667: down is
        // set without a trade. 11: fast 10 = slow 10: a tie changes
        // nothing. 10: 10.5 > 10: up, a crossing. 8: 9 < 9.667: down.
        let got = run(&mut m, &[("10", 1), ("10", 2), ("10", 3), ("9", 4), ("11", 5), ("10", 6), ("8", 7)]);
        assert_eq!(got, [Keep, Keep, Keep, Keep, Keep, Long, Short]);
    }

    #[test]
    fn a_tie_keeps_the_last_order() {
        let mut m = machine(Average::Sma, 1, 2, None);
        use Want::*;
        // fast = last value, slow = mean of two. 1,2: up (set). 2: tie.
        // 1: 1 < 1.5 down: a crossing.
        assert_eq!(run(&mut m, &[("1", 1), ("2", 2), ("2", 3), ("1", 4)]), [Keep, Keep, Keep, Short]);
    }

    #[test]
    fn ema_follows_the_recursive_definition() {
        let mut m = machine(Average::Ema, 1, 3, None);
        use Want::*;
        // fast (span 1) is the price itself; slow has α = 0.5.
        // 10 → slow 10; 10 → 10; 10 → 10 (tie); 12 → slow 11, up (set);
        // 10 → slow 10.5, down: a crossing.
        assert_eq!(
            run(&mut m, &[("10", 1), ("10", 2), ("10", 3), ("12", 4), ("10", 5)]),
            [Keep, Keep, Keep, Keep, Short]
        );
    }

    #[test]
    fn bars_average_closes_and_trade_at_the_next_tick() {
        let mut m = machine(Average::Sma, 1, 2, Some("1m"));
        use Want::*;
        // Bar 0 closes at 5 (not 9), bar 1 at 6: up, set when bar 2's first
        // tick arrives. Bar 2 closes at 4, seen at bar 5's first tick (the
        // empty bars between are skipped): 4 < 5, a crossing, traded there.
        let got = run(&mut m, &[("9", 0), ("5", 30), ("6", 60), ("7", 120), ("4", 150), ("8", 300)]);
        assert_eq!(got, [Keep, Keep, Keep, Keep, Keep, Short]);
    }

    #[test]
    fn slow_must_be_longer_than_fast() {
        let config = BotConfig { fast: Some(5), slow: Some(5), ..BotConfig::default() };
        let e = build(&config).err().unwrap();
        assert_eq!(
            e.to_string(),
            "`slow`: 5 is not longer than fast (5); the slow average needs more values than the fast"
        );
    }
}
