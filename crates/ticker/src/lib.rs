//! A seedable random market ticker: the article's `market_ticker()`.
//!
//! The same seed gives the same stream on every platform and in every
//! release: the generator is ChaCha8 (whose output is fixed by its
//! specification) and the sampling below is written out here rather than
//! borrowed from a library whose algorithms may change between versions.

#![warn(missing_docs)]

mod config;
mod sample;

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use std::fmt::Write as _;
use std::time::Duration;

use sluice_core::config::ConfigError;
use sluice_core::pace::{Pacer, SystemClock};
use sluice_core::{
    BadKind, BadRecord, Decimal, Error, Location, Pull, Record, RecordKind, Source, Symbol, Tick, Timestamp,
};

pub use config::{PriceMode, TickerConfig};
use sample::Sampler;

/// Lowest and highest generated price, in cents (the article's 100–300).
const PRICE_CENTS: (u64, u64) = (10_000, 30_000);
/// Lowest and highest generated volume (the article's 100–10000).
const VOLUME: (u64, u64) = (100, 10_000);
/// Largest step of the random walk, in cents.
const WALK_STEP_CENTS: u64 = 100;

/// The random ticker source.
pub struct Ticker {
    sampler: Sampler,
    seed: u64,
    symbols: Vec<Symbol>,
    count: Option<u64>,
    bad_rate: f64,
    mode: PriceMode,
    start: Timestamp,
    step_ns: i64,
    pacer: Option<(Pacer<SystemClock>, f64)>,
    /// Last price per symbol, for the random walk.
    last: Vec<u64>,
    seq: u64,
    /// The bad record's raw text, reused between bad records.
    raw: String,
}

impl Ticker {
    /// A ticker from its configuration, once its values are checked. `stop`
    /// interrupts the pacing sleep of a rate-limited ticker.
    pub fn new(config: TickerConfig, stop: Option<sluice_core::Stop>) -> Result<Ticker, ConfigError> {
        config.validate()?;
        let seed = config.seed.unwrap_or_else(random_seed);
        let mut sampler = Sampler::new(ChaCha8Rng::seed_from_u64(seed));
        let last = config.symbols.iter().map(|_| sampler.range(PRICE_CENTS.0, PRICE_CENTS.1)).collect();
        let step_ns = config.rate.map_or(1_000_000_000, |r| (1e9 / r).round().max(1.0) as i64);
        Ok(Ticker {
            sampler,
            seed,
            symbols: config.symbols,
            count: config.count,
            bad_rate: config.bad_rate,
            mode: config.mode,
            start: config.start,
            step_ns,
            pacer: config.rate.map(|r| (Pacer::new(SystemClock::new(stop)), r)),
            last,
            seq: 0,
            raw: String::new(),
        })
    }

    fn next_tick(&mut self) -> (Tick, bool) {
        // Every tick draws four numbers in the same order, so the good ticks
        // of a seed do not depend on bad_rate.
        let which = self.sampler.below(self.symbols.len() as u64) as usize;
        let cents = match self.mode {
            PriceMode::Uniform => self.sampler.range(PRICE_CENTS.0, PRICE_CENTS.1),
            PriceMode::Walk => {
                let step = self.sampler.range(0, 2 * WALK_STEP_CENTS);
                let next = (self.last[which] + step).saturating_sub(WALK_STEP_CENTS).max(1);
                self.last[which] = next;
                next
            }
        };
        let volume = self.sampler.range(VOLUME.0, VOLUME.1);
        let bad = self.sampler.chance(self.bad_rate);
        let tick = Tick {
            time: self.start.add_nanos(self.step_ns.saturating_mul(self.seq as i64)),
            symbol: self.symbols[which],
            price: Decimal::from_scaled(cents as i64, 2).unwrap_or(Decimal::ZERO),
            volume: sluice_core::Money::from_units(i128::from(volume) * i128::from(Decimal::ONE.units())),
            quote: None,
        };
        (tick, bad)
    }
}

impl Source for Ticker {
    fn name(&self) -> &str {
        "ticker"
    }

    fn emits(&self) -> RecordKind {
        RecordKind::Tick
    }

    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        if self.count.is_some_and(|c| self.seq >= c) {
            return Ok(Pull::End);
        }
        if let Some((pacer, rate)) = &self.pacer {
            // Past what a duration holds (never, for an accepted rate), the
            // wait lasts until a stop.
            pacer.wait_until(sluice_core::pace::seconds(self.seq as f64 / rate).unwrap_or(Duration::MAX));
        }
        let (tick, bad) = self.next_tick();
        self.seq += 1;
        if !bad {
            return Ok(Pull::Record(Record::Tick(tick), Location::Seq { source: "ticker", seq: self.seq }));
        }
        // The article's corrupt tick: the same tick with its price negated.
        let price = -tick.price;
        self.raw.clear();
        let _ = write!(self.raw, "{},{},{},{}", tick.time, tick.symbol, price, tick.volume);
        Ok(Pull::Bad(BadRecord {
            kind: BadKind::NegativePrice,
            reason: format!("Negative price: {price}"),
            location: Location::Seq { source: "ticker", seq: self.seq },
            raw: self.raw.as_bytes(),
            symbol: Some(tick.symbol),
            echo: false,
        }))
    }

    fn seed(&self) -> Option<u64> {
        Some(self.seed)
    }

    fn is_live(&self) -> bool {
        self.pacer.is_some()
    }
}

/// A seed from the process's own randomness (std seeds its hash keys from
/// the operating system), so no extra dependency is needed for it.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    h.finish()
}

#[cfg(test)]
mod tests;
