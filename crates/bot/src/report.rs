//! The bot's report: what it traded and how that went.

use std::collections::BTreeMap;

use serde::Serialize;
use sluice_core::{Decimal, SinkReport, Symbol, Timestamp};

use crate::machine::{State, Trade, pnl};
use crate::{Bot, Stats};

/// The report, as written to `--report` (see the README for the schema).
#[derive(Serialize)]
pub(crate) struct BotReport {
    /// Good ticks the bot received.
    ticks: u64,
    /// Bad records the bot received.
    bad_records: u64,
    trade_count: u64,
    /// The first `report_trades` trades, in the order they closed.
    trades: Vec<Trade>,
    /// Trades closed but not listed (beyond `report_trades`).
    trades_omitted: u64,
    realized_pnl: Decimal,
    win_rate: Option<f64>,
    max_drawdown: Decimal,
    open_positions: Vec<OpenPosition>,
    unrealized_pnl: Decimal,
    abandoned_positions: u64,
    symbols: BTreeMap<Symbol, SymbolReport>,
    entry: Decimal,
    exit: Decimal,
    quantity: Decimal,
}

#[derive(Serialize)]
struct OpenPosition {
    symbol: Symbol,
    entry_time: Timestamp,
    entry_price: Decimal,
    last_price: Decimal,
    unrealized_pnl: Decimal,
}

#[derive(Serialize)]
struct SymbolReport {
    ticks: u64,
    bad_records: u64,
    trades: u64,
    realized_pnl: Decimal,
    win_rate: Option<f64>,
    max_drawdown: Decimal,
    abandoned_positions: u64,
    unrealized_pnl: Decimal,
}

impl BotReport {
    pub(crate) fn new(bot: &Bot) -> BotReport {
        let mut open_positions = Vec::new();
        let mut symbols = BTreeMap::new();
        for (&symbol, book) in &bot.books {
            let mut unrealized = Decimal::ZERO;
            if let (State::Active { price, time }, Some(last)) = (book.state, book.last_price) {
                unrealized = pnl(price, last, bot.rules.quantity);
                open_positions.push(OpenPosition {
                    symbol,
                    entry_time: time,
                    entry_price: price,
                    last_price: last,
                    unrealized_pnl: unrealized,
                });
            }
            symbols.insert(symbol, SymbolReport::new(book.ticks, book.bad, book.abandoned, &book.stats, unrealized));
        }
        let books = || bot.books.values();
        BotReport {
            ticks: books().map(|b| b.ticks).sum(),
            bad_records: books().map(|b| b.bad).sum::<u64>() + bot.bad_unknown,
            trade_count: bot.total.trades,
            trades_omitted: bot.total.trades - bot.trades.len() as u64,
            trades: bot.trades.clone(),
            realized_pnl: bot.total.realized,
            win_rate: bot.total.win_rate(),
            max_drawdown: bot.total.max_drawdown,
            unrealized_pnl: open_positions.iter().map(|p| p.unrealized_pnl).sum(),
            open_positions,
            abandoned_positions: books().map(|b| b.abandoned).sum(),
            symbols,
            entry: bot.rules.entry,
            exit: bot.rules.exit,
            quantity: bot.rules.quantity,
        }
    }

    /// Good and bad ticks that reached the bot.
    pub(crate) fn processed(&self) -> u64 {
        self.ticks + self.bad_records
    }

    /// `AAPL` for a one-symbol run, `AAPL/MSFT` for several.
    pub(crate) fn symbol_label(&self) -> String {
        let names: Vec<&str> = self.symbols.keys().map(Symbol::as_str).collect();
        names.join("/")
    }

    pub(crate) fn into_sink_report(self) -> SinkReport {
        let win = self.win_rate.map_or("n/a".to_owned(), |w| format!("{:.1}%", w * 100.0));
        let summary = format!(
            "bot: {} ticks ({} bad), {} trades, realized PnL {}, win rate {win}, max drawdown {}, \
             open positions {} (unrealized {}), abandoned positions {}",
            self.ticks,
            self.bad_records,
            self.trade_count,
            self.realized_pnl.display_min_places(2),
            self.max_drawdown.display_min_places(2),
            self.open_positions.len(),
            self.unrealized_pnl.display_min_places(2),
            self.abandoned_positions,
        );
        let details = match serde_json::to_value(&self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        SinkReport { sink: "bot".into(), summary, details }
    }
}

impl SymbolReport {
    fn new(ticks: u64, bad: u64, abandoned: u64, stats: &Stats, unrealized: Decimal) -> SymbolReport {
        SymbolReport {
            ticks,
            bad_records: bad,
            trades: stats.trades,
            realized_pnl: stats.realized,
            win_rate: stats.win_rate(),
            max_drawdown: stats.max_drawdown,
            abandoned_positions: abandoned,
            unrealized_pnl: unrealized,
        }
    }
}
