//! The bot's report: what it traded and how that went.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use anstyle::AnsiColor;
use serde::Serialize;
use sluice_core::{Decimal, Money, SinkReport, Symbol, Timestamp};

use crate::Bot;
use crate::machine::ExitReason;
use crate::stats::Overflow;
use crate::strategy::Side;

/// The report, as written to `--report` (see the README for the schema).
#[derive(Serialize)]
pub(crate) struct BotReport {
    /// Good ticks the bot received.
    ticks: u64,
    /// Bad records the bot received.
    bad_records: u64,
    trade_count: u64,
    /// Trades closed but not listed (beyond `report_trades`).
    trades_omitted: u64,
    realized_pnl: Money,
    win_rate: Option<f64>,
    average_win: Option<Money>,
    average_loss: Option<Money>,
    /// Gross wins ÷ gross losses; `null` without a losing trade.
    profit_factor: Option<f64>,
    /// `null` without a winning trade, as the average is.
    largest_win: Option<Money>,
    /// `null` without a losing trade.
    largest_loss: Option<Money>,
    max_drawdown: Money,
    /// Longest time the realized-PnL curve stayed below a previous peak:
    /// peak to recovery, or to the last trade while not recovered.
    max_drawdown_seconds: f64,
    /// Largest fall of the mark-to-market curve (realized PnL plus open
    /// positions at their last prices, at every tick) from a previous peak.
    equity_max_drawdown: Money,
    /// Longest time that curve stayed below a previous peak: peak to
    /// recovery, or to the last tick while not recovered.
    equity_max_drawdown_seconds: f64,
    /// The largest fall of that curve as a share of `capital` plus the peak
    /// it fell from (not always the largest in money), in %.
    equity_max_drawdown_pct: f64,
    /// Realized plus unrealized PnL as a share of `capital`, in %.
    return_pct: f64,
    capital: Decimal,
    /// Compound annual growth of `capital` over the data's span (first tick
    /// to last), in %; `null` over no time or where it is past a float.
    cagr_pct: Option<f64>,
    /// The returns' period, in seconds, the periods that closed with a
    /// return, and the factor that annualises the ratios below.
    period_seconds: f64,
    periods: u64,
    periods_per_year: f64,
    /// Annualised standard deviation of the periodic returns; `null`
    /// below two periods.
    volatility: Option<f64>,
    /// Annualised mean over standard deviation of the periodic returns (no
    /// risk-free rate); `null` below two periods or without variation.
    sharpe: Option<f64>,
    /// Annualised mean over downside deviation; `null` below two periods
    /// or without a losing one.
    sortino: Option<f64>,
    /// CAGR over the mark-to-market max drawdown in %; `null` without a
    /// drawdown.
    calmar: Option<f64>,
    /// The benchmark: buying each symbol at its first tick and holding it
    /// to its last, in %, averaged over the symbols (equal weights).
    buy_and_hold_pct: Option<f64>,
    /// Share of ticks that arrived while a position was held.
    exposure: Option<f64>,
    /// Share of time a position was held: each symbol's time held over its
    /// span from first to last tick, summed over the symbols.
    exposure_time: Option<f64>,
    /// Mean PnL per trade.
    expectancy: Option<Money>,
    /// Mean and longest time from entry to exit.
    average_trade_seconds: Option<f64>,
    max_trade_seconds: Option<f64>,
    /// Bad records received, by reason.
    bad_by_reason: BTreeMap<sluice_core::BadKind, u64>,
    open_positions: Vec<OpenPosition>,
    unrealized_pnl: Money,
    abandoned_positions: u64,
    /// The busiest `report_symbols` symbols, each with its own figures.
    symbols: BTreeMap<Symbol, SymbolReport>,
    /// Symbols traded but not listed in `symbols`.
    symbols_omitted: u64,
    /// Realized PnL before costs (at the ticks' prices, no commission).
    realized_pnl_gross: Money,
    /// Commission paid on the closed trades' fills and the open
    /// positions' entries.
    fees_paid: Money,
    /// What the slippage cost the closed trades.
    slippage_cost: Money,
    /// Closed trades by why they closed: signal, stop_loss, take_profit,
    /// trailing_stop.
    exits: BTreeMap<&'static str, u64>,
    /// Entries the strategy asked for that sizing made nothing.
    skipped_entries: u64,
    /// What was run: the bot's configuration, defaults written in.
    settings: crate::BotConfig,
}

#[derive(Serialize)]
struct OpenPosition {
    symbol: Symbol,
    side: Side,
    quantity: Decimal,
    entry_time: Timestamp,
    entry_price: Decimal,
    last_price: Decimal,
    unrealized_pnl: Money,
}

#[derive(Serialize)]
struct SymbolReport {
    ticks: u64,
    bad_records: u64,
    trades: u64,
    realized_pnl: Money,
    win_rate: Option<f64>,
    profit_factor: Option<f64>,
    max_drawdown: Money,
    equity_max_drawdown: Money,
    exposure: Option<f64>,
    exposure_time: Option<f64>,
    buy_and_hold_pct: Option<f64>,
    abandoned_positions: u64,
    unrealized_pnl: Money,
}

impl BotReport {
    pub(crate) fn new(bot: &Bot) -> Result<BotReport, Overflow> {
        let mut open_positions = Vec::new();
        let mut symbols = BTreeMap::new();
        // Listed per symbol: the busiest `report_symbols`, so that a file of
        // a million symbols does not make a report of gigabytes. Every
        // total covers them all.
        let mut busiest: Vec<&(Symbol, crate::Book)> = bot.books.iter().collect();
        if busiest.len() > bot.report_symbols {
            busiest.select_nth_unstable_by(bot.report_symbols, |a, b| {
                b.1.tape.ticks.cmp(&a.1.tape.ticks).then(a.0.cmp(&b.0))
            });
            busiest.truncate(bot.report_symbols);
        }
        let listed: std::collections::HashSet<Symbol> = busiest.iter().map(|(s, _)| *s).collect();
        // In symbol order, so that the report is the same whatever order
        // the symbols arrived in.
        let mut sorted: Vec<&(Symbol, crate::Book)> = bot.books.iter().collect();
        sorted.sort_by_key(|(s, _)| *s);
        let mut held_pct = (0.0, 0usize);
        for &(symbol, ref book) in sorted {
            let mut unrealized = Money::ZERO;
            if let (Some(p), Some(last)) = (book.machine.position, book.tape.last_price) {
                unrealized = p.open_pnl(last)?;
                open_positions.push(OpenPosition {
                    symbol,
                    side: p.side,
                    quantity: p.quantity,
                    entry_time: p.entry_time,
                    entry_price: p.entry_price,
                    last_price: last,
                    unrealized_pnl: unrealized,
                });
            }
            let buy_and_hold_pct = book
                .tape
                .first_price
                .zip(book.tape.last_price)
                .map(|(first, last)| percent_of(Money::pnl(first, last, Decimal::ONE), Money::from_decimal(first)));
            if let Some(p) = buy_and_hold_pct {
                held_pct = (held_pct.0 + p, held_pct.1 + 1);
            }
            if !listed.contains(&symbol) {
                continue;
            }
            symbols.insert(
                symbol,
                SymbolReport {
                    ticks: book.tape.ticks,
                    bad_records: book.bad,
                    trades: book.stats.trades,
                    realized_pnl: book.stats.realized,
                    win_rate: book.stats.win_rate(),
                    profit_factor: book.stats.profit_factor(),
                    max_drawdown: book.stats.drawdown.max,
                    equity_max_drawdown: book.equity.drawdown.max,
                    exposure: share(book.held_ticks, book.tape.ticks),
                    exposure_time: share(book.held_ns.unsigned_abs(), book.tape.span_ns().unsigned_abs()),
                    buy_and_hold_pct,
                    abandoned_positions: book.abandoned,
                    unrealized_pnl: unrealized,
                },
            );
        }
        let books = || bot.books.iter().map(|(_, b)| b);
        let capital = Money::from_decimal(bot.capital);
        let last = bot.total.realized.checked_add(bot.equity.open).ok_or(Overflow)?;
        // The data's span: the earliest symbol's first tick to the latest's last.
        let first = books().filter_map(|b| b.tape.first_time).min();
        let latest = books().filter_map(|b| b.tape.last_time).max();
        let cagr_pct = first.zip(latest).and_then(|(first, latest)| cagr_pct(capital, last, first, latest));
        let (fall, base) = bot.equity.drawdown.max_relative;
        let drawdown_pct = (fall > Money::ZERO).then(|| fall.to_f64() / base.to_f64() * 100.0);
        Ok(BotReport {
            ticks: books().map(|b| b.tape.ticks).sum(),
            bad_records: books().map(|b| b.bad).sum::<u64>() + bot.bad_unknown,
            trade_count: bot.total.trades,
            trades_omitted: bot.total.trades - bot.trades.listed(),
            realized_pnl: bot.total.realized,
            win_rate: bot.total.win_rate(),
            average_win: bot.total.average_win(),
            average_loss: bot.total.average_loss(),
            profit_factor: bot.total.profit_factor(),
            largest_win: bot.total.largest_win,
            largest_loss: bot.total.largest_loss,
            max_drawdown: bot.total.drawdown.max,
            max_drawdown_seconds: bot.total.drawdown.max_ns() as f64 / 1e9,
            equity_max_drawdown: bot.equity.drawdown.max,
            equity_max_drawdown_seconds: bot.equity.drawdown.max_ns() as f64 / 1e9,
            equity_max_drawdown_pct: percent_of(fall, base),
            return_pct: percent_of(last, capital),
            capital: bot.capital,
            cagr_pct,
            period_seconds: bot.period.0.as_secs_f64(),
            periods: bot.periods.count(),
            periods_per_year: bot.per_year,
            volatility: bot.periods.volatility(bot.per_year),
            sharpe: bot.periods.sharpe(bot.per_year),
            sortino: bot.periods.sortino(bot.per_year),
            calmar: cagr_pct.zip(drawdown_pct).map(|(c, d)| c / d),
            exposure: share(books().map(|b| b.held_ticks).sum::<u64>(), books().map(|b| b.tape.ticks).sum::<u64>()),
            exposure_time: share(
                // Summed as u128: a hundred symbols over centuries pass a u64.
                books().map(|b| u128::from(b.held_ns.unsigned_abs())).sum::<u128>(),
                books().map(|b| u128::from(b.tape.span_ns().unsigned_abs())).sum::<u128>(),
            ),
            buy_and_hold_pct: (held_pct.1 > 0).then(|| (held_pct.0 / held_pct.1 as f64 * 100.0).round() / 100.0),
            symbols_omitted: (bot.books.len() - listed.len()) as u64,
            expectancy: bot.total.expectancy(),
            average_trade_seconds: bot.total.average_held_seconds(),
            max_trade_seconds: (bot.total.trades > 0).then(|| bot.total.longest_ns as f64 / 1e9),
            bad_by_reason: bot.bad_by_reason.clone(),
            unrealized_pnl: open_positions
                .iter()
                .try_fold(Money::ZERO, |sum, p| sum.checked_add(p.unrealized_pnl))
                .ok_or(Overflow)?,
            open_positions,
            abandoned_positions: books().map(|b| b.abandoned).sum(),
            symbols,
            realized_pnl_gross: bot.total.gross,
            fees_paid: books()
                .filter_map(|b| b.machine.position)
                .try_fold(bot.total.fees, |sum, p| sum.checked_add(p.entry_fee))
                .ok_or(Overflow)?,
            slippage_cost: bot
                .total
                .gross
                .checked_sub(bot.total.realized)
                .and_then(|s| s.checked_sub(bot.total.fees))
                .ok_or(Overflow)?,
            exits: ExitReason::ALL.iter().zip(bot.exits).filter(|&(_, n)| n > 0).map(|(r, n)| (r.name(), n)).collect(),
            skipped_entries: books().map(|b| b.machine.skipped).sum(),
            settings: bot.config.effective(),
        })
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

    /// The report for the run, with `trades` (the first `report_trades`
    /// trades, in the order they closed) as the trade list left it.
    pub(crate) fn into_sink_report(
        self,
        color: bool,
        (trades, appendix): (serde_json::Value, Option<sluice_core::Appendix>),
    ) -> SinkReport {
        let summary = self.table(color);
        let mut details = match serde_json::to_value(&self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        details.insert("trades".into(), trades);
        SinkReport { sink: "bot".into(), summary, details, appendices: appendix.into_iter().collect() }
    }

    /// The summary for stderr: one aligned row per symbol and a total.
    fn table(&self, color: bool) -> String {
        let pct = |v: Option<f64>| v.map_or("-".to_owned(), |w| format!("{:.1}%", w * 100.0));
        let money = |m: Money| m.display_min_places(2).to_string();
        let pf = |v: Option<f64>| v.map_or("-".to_owned(), |f| format!("{f:.2}"));
        let header = [
            "bot",
            "ticks",
            "bad",
            "trades",
            "win rate",
            "profit f.",
            "realized PnL",
            "max drawdown",
            "MTM drawdown",
            "exposure",
            "unrealized",
            "abandoned",
        ];
        // Realized and unrealized PnL are coloured by their value: green
        // above zero, red below.
        let signed = |m: Money| Some(m.cmp(&Money::ZERO));
        let row = |name: String, s: &SymbolReport| {
            [
                (name, None),
                (s.ticks.to_string(), None),
                (s.bad_records.to_string(), None),
                (s.trades.to_string(), None),
                (pct(s.win_rate), None),
                (pf(s.profit_factor), None),
                (money(s.realized_pnl), signed(s.realized_pnl)),
                (money(s.max_drawdown), None),
                (money(s.equity_max_drawdown), None),
                (pct(s.exposure), None),
                (money(s.unrealized_pnl), signed(s.unrealized_pnl)),
                (s.abandoned_positions.to_string(), None),
            ]
        };
        let mut rows: Vec<[(String, Option<Ordering>); 12]> = vec![header.map(|h| (h.to_owned(), None))];
        rows.extend(self.symbols.iter().map(|(symbol, s)| row(symbol.to_string(), s)));
        let total = SymbolReport {
            ticks: self.ticks,
            bad_records: self.bad_records,
            trades: self.trade_count,
            realized_pnl: self.realized_pnl,
            win_rate: self.win_rate,
            profit_factor: self.profit_factor,
            max_drawdown: self.max_drawdown,
            equity_max_drawdown: self.equity_max_drawdown,
            exposure: self.exposure,
            exposure_time: self.exposure_time,
            buy_and_hold_pct: self.buy_and_hold_pct,
            abandoned_positions: self.abandoned_positions,
            unrealized_pnl: self.unrealized_pnl,
        };
        rows.push(row("total".into(), &total));
        let widths: Vec<usize> =
            (0..12).map(|c| rows.iter().map(|r| r[c].0.chars().count()).max().unwrap_or(0)).collect();
        let mut lines: Vec<String> = rows
            .iter()
            .map(|r| {
                let cells: Vec<String> = r
                    .iter()
                    .enumerate()
                    .map(|(c, (v, sign))| {
                        let padded =
                            if c == 0 { format!("{v:<w$}", w = widths[c]) } else { format!("{v:>w$}", w = widths[c]) };
                        let style = match sign {
                            Some(Ordering::Greater) if color => AnsiColor::Green.on_default(),
                            Some(Ordering::Less) if color => AnsiColor::Red.on_default(),
                            _ => return padded,
                        };
                        format!("{style}{padded}{style:#}")
                    })
                    .collect();
                cells.join("  ").trim_end().to_owned()
            })
            .collect();
        lines.push(self.risk_line());
        lines.join("\n")
    }

    /// The portfolio's figures from the mark-to-market curve, one line,
    /// with the period and the factor the ratios are annualised by.
    fn risk_line(&self) -> String {
        let pct = |v: Option<f64>| v.map_or("-".to_owned(), |p| format!("{p:.2}%"));
        let ratio = |v: Option<f64>| v.map_or("-".to_owned(), |r| format!("{r:.2}"));
        format!(
            "risk: return {} of {} · buy and hold {} · MTM drawdown {} · CAGR {} · Sharpe {} · Sortino {} · Calmar {} \
             ({}s periods: {}; annualised by √{})",
            pct(Some(self.return_pct)),
            self.capital,
            pct(self.buy_and_hold_pct),
            pct(Some(self.equity_max_drawdown_pct)),
            pct(self.cagr_pct),
            ratio(self.sharpe),
            ratio(self.sortino),
            ratio(self.calmar),
            self.period_seconds,
            self.periods,
            self.periods_per_year,
        )
    }
}

/// Compound annual growth, in %, of `capital` that ended `gain` up over
/// `first..last`: `null` over no time, or past what a float holds (a gain
/// over minutes, compounded to a year).
fn cagr_pct(capital: Money, gain: Money, first: Timestamp, last: Timestamp) -> Option<f64> {
    const YEAR_NS: f64 = 365.25 * 86_400e9;
    let years = last.as_nanos().saturating_sub(first.as_nanos()) as f64 / YEAR_NS;
    let growth = (capital.to_f64() + gain.to_f64()) / capital.to_f64();
    if years <= 0.0 {
        return None;
    }
    if growth <= 0.0 {
        return Some(-100.0);
    }
    let pct = (growth.powf(1.0 / years) - 1.0) * 100.0;
    pct.is_finite().then_some(pct)
}

/// `part` as a percentage of `whole` (0 when `whole` is), to the
/// hundredth of a percent, rounded half away from zero: exactly, where
/// `part` is short of 1e29, as a float divides it beyond.
fn percent_of(part: Money, whole: Money) -> f64 {
    let (n, d) = (part.units(), whole.units());
    if d == 0 {
        return 0.0;
    }
    let Some(scaled) = n.checked_mul(10_000) else {
        return (part.to_f64() / whole.to_f64() * 10_000.0).round() / 100.0;
    };
    let (q, r) = (scaled / d, scaled % d);
    // Twice an i128's magnitude fits a u128.
    let away = if r.unsigned_abs() * 2 >= d.unsigned_abs() { scaled.signum() * d.signum() } else { 0 };
    (q + away) as f64 / 100.0
}

/// `part / whole`, or `None` when there is no whole.
fn share(part: impl Into<u128>, whole: impl Into<u128>) -> Option<f64> {
    let (part, whole) = (part.into(), whole.into());
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::from_decimal(s.parse().unwrap())
    }

    #[test]
    fn percentages_round_half_away_from_zero_exactly() {
        // 799.5 of 10000 is 7.995%: in floats, 0.07995 × 10000 is
        // 799.4999…, which rounded down to 7.99 (the sample's return).
        assert_eq!(percent_of(m("799.5"), m("10000")), 8.0);
        assert_eq!(percent_of(m("-799.5"), m("10000")), -8.0);
        assert_eq!(percent_of(m("1"), m("800")), 0.13);
        assert_eq!(percent_of(m("1"), m("3")), 33.33);
        assert_eq!(percent_of(m("5"), Money::ZERO), 0.0);
    }
}
