//! The bot's options, as written in `--sink bot:…` and in files.

use serde::Deserialize;
use sluice_core::Decimal;
use sluice_core::config::{ConfigError, Interval, from_text};

/// Options of the `bot` sink.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BotConfig {
    /// While watching, a price at or below this opens a position. Default: 150.
    #[serde(default = "default_entry")]
    pub entry: Decimal,
    /// While holding, a price at or above this closes it. Default: 200.
    #[serde(default = "default_exit")]
    pub exit: Decimal,
    /// Units bought at each entry; PnL is (exit − entry) × quantity. Default: 1.
    #[serde(default = "default_quantity")]
    pub quantity: Decimal,
    /// The money the percentages are of: the return and the mark-to-market
    /// drawdown in % divide by it (plus the curve's peak, for the
    /// drawdown). Default: 10000.
    #[serde(default = "default_capital")]
    pub capital: Decimal,
    /// The period of the returns that volatility, Sharpe and Sortino are
    /// computed on: the equity curve is closed at each period's last tick.
    /// Default: 1d.
    #[serde(default = "default_period", deserialize_with = "from_text")]
    pub period: Interval,
    /// How many periods make a year, to annualise those ratios. Default:
    /// 252 trading days a year, scaled to `period` (6048 for 1h).
    pub periods_per_year: Option<f64>,
    /// Print the article's tick-by-tick transcript instead of one line per
    /// signal. Default: false.
    #[serde(default)]
    pub transcript: bool,
    /// Most trades listed in the report; the counts and PnL always cover
    /// every trade. Keeps memory flat on long replays. Default: 10000.
    #[serde(default = "default_report_trades")]
    pub report_trades: usize,
    /// Write every trade, as it closes, to this CSV file (all of them,
    /// however many). Default: none.
    pub trades: Option<String>,
    /// Draw each symbol's prices, entries, exits and realized PnL as SVG to
    /// this file at the end. Default: none.
    pub plot: Option<String>,
    /// Write the portfolio's mark-to-market curve as CSV to this file: one
    /// row per `period` with a tick (its start, capital plus PnL, PnL, and
    /// the fall below the peak so far). Default: none.
    pub equity: Option<String>,
    /// Colour the summary table (set by the command line for a terminal;
    /// not an option of the spec).
    #[serde(skip)]
    pub color: bool,
}

impl Default for BotConfig {
    fn default() -> BotConfig {
        BotConfig {
            entry: default_entry(),
            exit: default_exit(),
            quantity: default_quantity(),
            capital: default_capital(),
            period: default_period(),
            periods_per_year: None,
            transcript: false,
            report_trades: default_report_trades(),
            trades: None,
            plot: None,
            equity: None,
            color: false,
        }
    }
}

impl BotConfig {
    /// Checks the values serde cannot: ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.quantity <= Decimal::ZERO {
            return Err(ConfigError::new(
                "quantity",
                format!("{} is not a quantity; use a number above 0", self.quantity),
            ));
        }
        if self.entry <= Decimal::ZERO {
            return Err(ConfigError::new("entry", format!("{} is not a price; use a number above 0", self.entry)));
        }
        if self.exit <= Decimal::ZERO {
            return Err(ConfigError::new("exit", format!("{} is not a price; use a number above 0", self.exit)));
        }
        if self.capital <= Decimal::ZERO {
            return Err(ConfigError::new(
                "capital",
                format!("{} is not a capital; use an amount above 0", self.capital),
            ));
        }
        if self.period.0 < std::time::Duration::from_millis(1) {
            return Err(ConfigError::new("period", format!("{} is too short a period; use 1ms or more", self.period)));
        }
        if self.period.0 > std::time::Duration::from_secs(366 * 86_400) {
            return Err(ConfigError::new("period", "a period longer than a year leaves nothing to annualise; use 1d"));
        }
        if let Some(n) = self.periods_per_year
            && !(n.is_finite() && n > 0.0)
        {
            return Err(ConfigError::new("periods_per_year", format!("{n} is not a count; use a number above 0")));
        }
        Ok(())
    }

    /// `periods_per_year`, or its default for `period`.
    pub fn periods_per_year(&self) -> f64 {
        self.periods_per_year.unwrap_or(252.0 * 86_400.0 / self.period.0.as_secs_f64())
    }
}

fn default_entry() -> Decimal {
    Decimal::from_units(150 * Decimal::ONE.units())
}

fn default_exit() -> Decimal {
    Decimal::from_units(200 * Decimal::ONE.units())
}

fn default_quantity() -> Decimal {
    Decimal::ONE
}

fn default_capital() -> Decimal {
    Decimal::from_units(10_000 * Decimal::ONE.units())
}

fn default_period() -> Interval {
    Interval(std::time::Duration::from_secs(86_400))
}

fn default_report_trades() -> usize {
    10_000
}
