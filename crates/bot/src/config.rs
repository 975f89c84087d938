//! The bot's options, as written in `--sink bot:…` and in files.

use serde::Deserialize;
use sluice_core::config::{ConfigError, Interval, from_text, opt_text};
use sluice_core::{Decimal, Money};

use crate::costs::{Costs, Fill, Sizing};
use crate::stops::Stops;
use crate::strategy::{self, Average, Sides};

/// Options of the `bot` sink.
#[derive(Clone, Debug, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BotConfig {
    /// What decides the trades: `threshold` (the article's bot) or
    /// `crossover`; `sluice list` describes each. Default: threshold.
    #[serde(default = "default_strategy")]
    pub strategy: String,
    /// threshold: while flat, a price at or below this opens a long (and
    /// closes a short). Default: 150.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<Decimal>,
    /// threshold: a price at or above this closes a long (and opens a
    /// short). Default: 200.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<Decimal>,
    /// crossover: values in the fast average. Default: 10.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fast: Option<usize>,
    /// crossover: values in the slow average, more than `fast`. Default: 30.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slow: Option<usize>,
    /// crossover: `sma` or `ema`. Default: sma.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average: Option<Average>,
    /// crossover: average the closes of bars this long (`1m`, `1h`)
    /// instead of every tick. Default: every tick.
    #[serde(default, deserialize_with = "opt_text", skip_serializing_if = "Option::is_none")]
    pub bar: Option<Interval>,
    /// Which positions to take: `long`, `short` (each strategy's mirror)
    /// or `both`. Default: long.
    #[serde(default)]
    pub side: Sides,
    /// Units bought (or sold short) at each entry. Default: 1, unless
    /// `notional` or `equity_fraction` sizes the entries instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
    /// Size each entry to this much money at the entry price. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional: Option<Decimal>,
    /// Size each entry to this share of the equity (capital plus realized
    /// and open PnL) at the last mark: 0.5 is half. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equity_fraction: Option<Decimal>,
    /// Close a position that moved this many % against its entry price.
    /// Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_loss_pct: Option<Decimal>,
    /// Close a position that moved this many % in favour of its entry
    /// price. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub take_profit_pct: Option<Decimal>,
    /// Close a position that came back this many % from its best price
    /// since the entry. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailing_stop_pct: Option<Decimal>,
    /// Commission, in money, on every fill (entries and exits). Default: 0.
    #[serde(default)]
    pub commission: Decimal,
    /// Commission in basis points of each fill's notional. Default: 0.
    #[serde(default)]
    pub commission_bps: Decimal,
    /// Which price fills start from: `price` (the tick's; for a quote file
    /// the mid by default) or `quote` (buy at the ask, sell at the bid;
    /// quote files only). Default: price.
    #[serde(default)]
    pub fill: Fill,
    /// Each fill is this many basis points worse than the tick's price:
    /// higher when buying, lower when selling. Default: 0.
    #[serde(default)]
    pub slippage_bps: Decimal,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods_per_year: Option<f64>,
    /// Print the article's tick-by-tick transcript instead of one line per
    /// signal. Default: false.
    #[serde(default)]
    pub transcript: bool,
    /// Most trades listed in the report; the counts and PnL always cover
    /// every trade. Keeps memory flat on long replays. Default: 10000.
    #[serde(default = "default_report_trades")]
    pub report_trades: usize,
    /// Most symbols listed in the report and the table, the busiest by
    /// ticks; every total covers them all. Keeps a report of a million
    /// symbols to a readable size. Default: 1000.
    #[serde(default = "default_report_symbols")]
    pub report_symbols: usize,
    /// Write every trade, as it closes, to this CSV file (all of them,
    /// however many). Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trades: Option<String>,
    /// Draw each symbol's prices, entries, exits and realized PnL as SVG to
    /// this file at the end. Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plot: Option<String>,
    /// How many symbols the picture draws: the busiest, by ticks (of the
    /// first 1000 symbols, which are the ones charted). Default: 12.
    #[serde(default = "default_plot_symbols")]
    pub plot_symbols: usize,
    /// Write the portfolio's mark-to-market curve as CSV to this file: one
    /// row per `period` with a tick (its start, capital plus PnL, PnL, and
    /// the fall below the peak so far). Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equity: Option<String>,
    /// Colour the summary table (set by the command line for a terminal;
    /// not an option of the spec).
    #[serde(skip)]
    pub color: bool,
    /// The source is live (a paced feed, a pipe): signal lines go out one
    /// by one as they happen (set by the command line; not an option).
    #[serde(skip)]
    pub live: bool,
    /// The run's stop request, so that an interrupted run's transcript
    /// says so (set by the command line; not an option of the spec).
    #[serde(skip)]
    pub stop: Option<sluice_core::Stop>,
}

impl Default for BotConfig {
    fn default() -> BotConfig {
        BotConfig {
            strategy: default_strategy(),
            entry: None,
            exit: None,
            fast: None,
            slow: None,
            average: None,
            bar: None,
            side: Sides::Long,
            quantity: None,
            notional: None,
            equity_fraction: None,
            stop_loss_pct: None,
            take_profit_pct: None,
            trailing_stop_pct: None,
            commission: Decimal::ZERO,
            commission_bps: Decimal::ZERO,
            slippage_bps: Decimal::ZERO,
            fill: Fill::Price,
            capital: default_capital(),
            period: default_period(),
            periods_per_year: None,
            transcript: false,
            report_trades: default_report_trades(),
            report_symbols: default_report_symbols(),
            trades: None,
            plot: None,
            plot_symbols: default_plot_symbols(),
            equity: None,
            color: false,
            live: false,
            stop: None,
        }
    }
}

impl BotConfig {
    /// Checks the values serde cannot: ranges, the strategy's name, keys
    /// of another strategy, and sizing keys that exclude each other.
    /// Returns the strategy's row.
    pub fn validate(&self) -> Result<&'static strategy::Row, ConfigError> {
        let Some(row) = strategy::find(&self.strategy) else {
            return Err(ConfigError::new(
                "strategy",
                format!("`{}` is not a strategy; the strategies are {}", self.strategy, strategy::names()),
            ));
        };
        if let Some(key) = self.strategy_keys().into_iter().find(|k| !row.keys.contains(k)) {
            let owner = strategy::STRATEGIES.iter().find(|r| r.keys.contains(&key)).map_or("", |r| r.name);
            return Err(ConfigError::new(
                key,
                format!("`{key}` is a key of strategy={owner}, not of strategy={}; leave it out", row.name),
            ));
        }
        (row.build)(self)?;
        let sizing: Vec<&str> =
            [("quantity", self.quantity), ("notional", self.notional), ("equity_fraction", self.equity_fraction)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|_| k))
                .collect();
        if let [first, second, ..] = sizing[..] {
            return Err(ConfigError::new(
                "quantity",
                format!("`{first}` and `{second}` both size the entries; keep one"),
            ));
        }
        let positive = [
            ("quantity", self.quantity, "a quantity"),
            ("notional", self.notional, "an amount"),
            ("equity_fraction", self.equity_fraction, "a fraction"),
            ("stop_loss_pct", self.stop_loss_pct, "a percentage"),
            ("take_profit_pct", self.take_profit_pct, "a percentage"),
            ("trailing_stop_pct", self.trailing_stop_pct, "a percentage"),
        ];
        for (key, value, what) in positive {
            if let Some(v) = value
                && v <= Decimal::ZERO
            {
                return Err(ConfigError::new(key, format!("{v} is not {what}; use a number above 0")));
            }
        }
        for (key, value) in [
            ("commission", self.commission),
            ("commission_bps", self.commission_bps),
            ("slippage_bps", self.slippage_bps),
        ] {
            if value < Decimal::ZERO {
                return Err(ConfigError::new(key, format!("{value} is not a cost; use 0 or more")));
            }
        }
        if !(1..=100).contains(&self.plot_symbols) {
            return Err(ConfigError::new("plot_symbols", format!("{} symbols; draw 1 to 100", self.plot_symbols)));
        }
        if self.slippage_bps >= Decimal::from_units(10_000 * Decimal::ONE.units()) {
            return Err(ConfigError::new("slippage_bps", "10000 bps or more would sell at nothing; use less"));
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
        Ok(row)
    }

    /// The strategy-only keys that are set. A strategy's new key is added
    /// here too, so that it is refused for the others.
    fn strategy_keys(&self) -> Vec<&'static str> {
        let set = [
            ("entry", self.entry.is_some()),
            ("exit", self.exit.is_some()),
            ("fast", self.fast.is_some()),
            ("slow", self.slow.is_some()),
            ("average", self.average.is_some()),
            ("bar", self.bar.is_some()),
        ];
        set.into_iter().filter_map(|(k, on)| on.then_some(k)).collect()
    }

    /// The configuration with the chosen strategy's and sizing's defaults
    /// written in, as the report states what was run.
    pub fn effective(&self) -> BotConfig {
        let mut c = self.clone();
        if let Some(row) = strategy::find(&c.strategy) {
            (row.defaults)(&mut c);
        }
        if c.notional.is_none() && c.equity_fraction.is_none() {
            c.quantity.get_or_insert(Decimal::ONE);
        }
        c.periods_per_year = Some(self.periods_per_year());
        c
    }

    /// How each entry is sized.
    pub fn sizing(&self) -> Sizing {
        match (self.notional, self.equity_fraction) {
            (Some(n), _) => Sizing::Notional(Money::from_decimal(n)),
            (None, Some(f)) => Sizing::Fraction(f),
            (None, None) => Sizing::Quantity(self.quantity.unwrap_or(Decimal::ONE)),
        }
    }

    /// The costs of each fill.
    pub fn costs(&self) -> Costs {
        Costs {
            commission: Money::from_decimal(self.commission),
            commission_bps: self.commission_bps,
            slippage_bps: self.slippage_bps,
        }
    }

    /// The stops on every position.
    pub fn stops(&self) -> Stops {
        Stops { loss: self.stop_loss_pct, profit: self.take_profit_pct, trailing: self.trailing_stop_pct }
    }

    /// `periods_per_year`, or its default for `period`.
    pub fn periods_per_year(&self) -> f64 {
        self.periods_per_year.unwrap_or(252.0 * 86_400.0 / self.period.0.as_secs_f64())
    }
}

fn default_report_symbols() -> usize {
    1000
}

fn default_plot_symbols() -> usize {
    12
}

fn default_strategy() -> String {
    "threshold".to_owned()
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
