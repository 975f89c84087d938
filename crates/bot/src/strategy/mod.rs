//! Strategies: what each symbol's machine wants to hold after a tick.
//!
//! A strategy only decides; the bot fills, sizes, charges costs and keeps
//! the books. Each strategy is one module here and one row in
//! [`STRATEGIES`]: its name, the configuration keys it reads, and how it is
//! built from them.

mod crossover;
pub use crossover::Average;
mod threshold;

use sluice_core::config::ConfigError;
use sluice_core::{Decimal, Tick};

use crate::BotConfig;

/// Which way a position faces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Bought; gains when the price rises.
    Long,
    /// Sold short; gains when the price falls.
    Short,
}

impl Side {
    /// The name in trade lists, as in the report.
    pub fn name(self) -> &'static str {
        match self {
            Side::Long => "long",
            Side::Short => "short",
        }
    }
}

/// The sides a strategy may take: the `side` key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sides {
    /// Long positions only (the article's bot).
    #[default]
    Long,
    /// Short positions only: each machine's mirror.
    Short,
    /// Either: a signal that closes one side opens the other.
    Both,
}

impl Sides {
    /// Whether `side` may be opened.
    pub fn allows(self, side: Side) -> bool {
        matches!((self, side), (Sides::Both, _) | (Sides::Long, Side::Long) | (Sides::Short, Side::Short))
    }

    /// What a signal for `side` asks for: that side where allowed, else
    /// to be flat.
    pub fn toward(self, side: Side) -> Want {
        match side {
            _ if !self.allows(side) => Want::Flat,
            Side::Long => Want::Long,
            Side::Short => Want::Short,
        }
    }
}

/// What a strategy wants held after a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// Whatever is held now (nothing or a position).
    Keep,
    /// No position.
    Flat,
    /// A long position (closing a short one first).
    Long,
    /// A short position (closing a long one first).
    Short,
}

/// One symbol's decision maker. The bot makes one per symbol, so a
/// strategy keeps only its own symbol's state.
pub trait Strategy: Send {
    /// Called with each good tick of the symbol, in time order, and the
    /// side held before it (`None`: flat). Returns what to hold after it;
    /// the bot trades at this tick's price.
    fn on_tick(&mut self, tick: &Tick, held: Option<Side>) -> Want;

    /// The open range of prices `(low, high)` over which, while what is
    /// held stays `held`, [`Strategy::on_tick`] is sure to answer
    /// [`Want::Keep`] and to change nothing: the machine skips the call for
    /// such ticks, most ticks of a threshold strategy, and in a sweep of a
    /// hundred of them the calls were a third of the time. Asked after
    /// each call of `on_tick` and each change of position. Default: `None`,
    /// every tick is asked (a strategy whose state moves with every tick,
    /// as an average's does).
    fn quiet(&self, _held: Option<Side>) -> Option<(Decimal, Decimal)> {
        None
    }

    /// Called when a stop (stop-loss, take-profit or trailing) closed the
    /// position at this tick without the strategy asking. Default: nothing.
    fn stopped(&mut self, _side: Side, _tick: &Tick) {}

    /// Called when a bad record dropped the symbol's position (the
    /// article's reset to WATCHING). Default: nothing.
    fn reset(&mut self) {}
}

/// Builds one symbol's strategy from the bot's configuration.
pub type Build = fn(&BotConfig) -> Result<Box<dyn Strategy>, ConfigError>;

/// One strategy: its name (the `strategy` key), the keys it reads besides
/// the bot's own, and its builder.
pub struct Row {
    /// The value of the `strategy` key.
    pub name: &'static str,
    /// Configuration keys only this strategy reads; set for another one,
    /// they are refused.
    pub keys: &'static [&'static str],
    /// One line for `sluice list` and the docs.
    pub about: &'static str,
    /// Makes a fresh instance (one per symbol).
    pub build: Build,
    /// Writes the defaults of the strategy's keys into those left unset.
    pub defaults: fn(&mut BotConfig),
}

/// Every strategy, the default first.
pub const STRATEGIES: &[Row] = &[threshold::ROW, crossover::ROW];

/// The row named `name`.
pub fn find(name: &str) -> Option<&'static Row> {
    STRATEGIES.iter().find(|r| r.name == name)
}

/// Every strategy's name, for messages.
pub fn names() -> String {
    STRATEGIES.iter().map(|r| format!("`{}`", r.name)).collect::<Vec<_>>().join(", ")
}
