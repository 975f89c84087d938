//! The ticker's options, as written in `--source ticker:…` and in files.

use serde::Deserialize;
use sluice_core::config::{ConfigError, comma_list, from_text};
use sluice_core::{Symbol, Timestamp};

/// Options of the `ticker` source.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TickerConfig {
    /// Seed of the generator. Default: random, and printed in the summary.
    pub seed: Option<u64>,
    /// Symbols to draw from, uniformly. Default: AAPL, GOOG, MSFT, AMZN.
    #[serde(default = "default_symbols", deserialize_with = "comma_list")]
    pub symbols: Vec<Symbol>,
    /// Number of ticks before the end. Default: none (infinite).
    pub count: Option<u64>,
    /// Ticks per second of wall time, like a live feed. Default: as fast as
    /// possible. Timestamps step by 1/rate (by one second without a rate).
    pub rate: Option<f64>,
    /// Probability that a tick arrives corrupt (a negative price), as a bad
    /// record. Default: 0.
    #[serde(default)]
    pub bad_rate: f64,
    /// How prices move. Default: `uniform`.
    #[serde(default)]
    pub mode: PriceMode,
    /// Timestamp of the first tick, RFC 3339. Default: 2026-01-01T00:00:00Z.
    #[serde(default = "default_start", deserialize_with = "from_text")]
    pub start: Timestamp,
}

/// How the ticker draws prices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriceMode {
    /// Each price uniform in 100.00–300.00, as in the article.
    #[default]
    Uniform,
    /// Each symbol's price moves from its last by at most ±1.00.
    Walk,
}

impl Default for TickerConfig {
    fn default() -> TickerConfig {
        TickerConfig {
            seed: None,
            symbols: default_symbols(),
            count: None,
            rate: None,
            bad_rate: 0.0,
            mode: PriceMode::default(),
            start: default_start(),
        }
    }
}

/// The slowest rate, about one tick a year.
const MIN_RATE: f64 = 1.0 / (365.0 * 86_400.0);

impl TickerConfig {
    /// Checks the values serde cannot: ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(0.0..=1.0).contains(&self.bad_rate) {
            return Err(ConfigError::new("bad_rate", format!("{} is not a probability; use 0 to 1", self.bad_rate)));
        }
        if let Some(r) = self.rate
            && !(r.is_finite() && r > 0.0 && r <= 1e9)
        {
            return Err(ConfigError::new("rate", format!("{r} is not a rate; use ticks per second above 0")));
        }
        // One tick per step of 1/rate seconds, in i64 nanoseconds: slower
        // than one tick a year cannot be timestamped for long, nor paced.
        if let Some(r) = self.rate
            && r < MIN_RATE
        {
            return Err(ConfigError::new(
                "rate",
                format!("{r} ticks per second is slower than one a year; use a rate of at least {MIN_RATE:e}"),
            ));
        }
        Ok(())
    }
}

fn default_symbols() -> Vec<Symbol> {
    ["AAPL", "GOOG", "MSFT", "AMZN"].iter().filter_map(|s| s.parse().ok()).collect()
}

fn default_start() -> Timestamp {
    // 2026-01-01T00:00:00Z
    Timestamp::from_nanos(1_767_225_600_000_000_000)
}
