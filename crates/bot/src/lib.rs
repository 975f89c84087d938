//! The trading-bot sink: the article's `trading_bot()` coroutine, grown
//! into a backtester.
//!
//! Each symbol has a machine whose [`strategy`] decides what to hold after
//! a tick (the article's thresholds by default); the machine fills at the
//! tick's price, sized and charged as the configuration says, and stops
//! positions that move too far. A bad record resets its symbol (every
//! symbol, when its symbol could not be read) to flat, and a position
//! dropped that way is counted as abandoned, so nothing vanishes from the
//! report.

#![warn(missing_docs)]

mod chart;
mod config;
mod costs;
mod csv_file;
mod grid;
mod heatmap;
mod index;
mod machine;
mod periods;
mod pool;
mod report;
mod stats;
mod stops;
pub mod strategy;
mod sweep;
mod tape;
mod trade_list;

use std::collections::BTreeMap;
use std::io::Write;

use sluice_core::config::ConfigError;
use sluice_core::{
    BadRecord, Decimal, Error, Flow, Location, Money, Record, RecordKind, Sink, SinkReport, Symbol, Tick, Timestamp,
};

pub use config::BotConfig;
use csv_file::CsvFile;
pub use grid::Grid;
use machine::{Machine, Rules, Step, Trade};
use stats::{Equity, Stats};
use strategy::Side;
pub use sweep::{RANKABLE, Rank, Ranking, Sweep, values_json};

/// One symbol's machine and its counts.
struct Book {
    machine: Machine,
    /// The symbol's ticks. A sweep's runs keep none as they go: the sweep
    /// keeps one for all and gives it to each at the end.
    tape: tape::Tape,
    /// Ticks that arrived while a position was held.
    held_ticks: u64,
    /// Time with a position open, in nanoseconds: from each tick that
    /// found one open to the next tick.
    held_ns: i64,
    bad: u64,
    abandoned: u64,
    stats: Stats,
    /// This symbol's mark-to-market curve, observed at its ticks.
    equity: Equity,
}

impl Book {
    /// A tick at `time` found the position, if one is open, held since the
    /// symbol's tick before, at `before`.
    #[inline]
    fn count_held(&mut self, before: Option<Timestamp>, time: Timestamp) {
        if let (Some(_), Some(last)) = (self.machine.position, before) {
            self.held_ticks += 1;
            self.held_ns = self.held_ns.saturating_add(time.as_nanos().saturating_sub(last.as_nanos()));
        }
    }

    fn new(machine: Machine) -> Book {
        Book {
            machine,
            tape: tape::Tape::default(),
            held_ticks: 0,
            held_ns: 0,
            bad: 0,
            abandoned: 0,
            stats: Stats::default(),
            equity: Equity::default(),
        }
    }
}

/// The trading-bot sink.
pub struct Bot {
    rules: Rules,
    /// What each symbol's strategy is, and is built from.
    strategy: &'static strategy::Row,
    config: BotConfig,
    transcript: bool,
    color: bool,
    out: Box<dyn Write + Send>,
    // A BTreeMap keeps the report in symbol order, so it is byte-identical
    // from run to run.
    books: Vec<(Symbol, Book)>,
    /// Each symbol's place in `books`.
    index: index::SymbolIndex,
    total: Stats,
    /// The portfolio's mark-to-market curve, over every symbol, observed
    /// at every tick.
    equity: Equity,
    /// `capital`: what the report's percentages are of.
    capital: Decimal,
    /// The portfolio curve's returns per `period`.
    periods: periods::Periods,
    /// `periods_per_year`, as the config gives or defaults it.
    per_year: f64,
    /// `period`, for the report.
    period: sluice_core::config::Interval,
    /// Bad records whose symbol was unknown (they reset every symbol).
    bad_unknown: u64,
    /// The first `report_trades` trades, for the report, on disk.
    trades: trade_list::TradeList,
    /// Closed trades, by why they closed (indexed by the reason).
    exits: [u64; machine::ExitReason::ALL.len()],
    /// Bad records received, by reason.
    bad_by_reason: BTreeMap<sluice_core::BadKind, u64>,
    /// `trades=PATH`: every trade as a CSV row, written as it closes.
    trades_path: Option<String>,
    /// Written beside its path and put there at the end, whole.
    trade_log: Option<CsvFile>,
    /// `equity=PATH`: the portfolio curve at each period's close.
    equity_path: Option<String>,
    equity_log: Option<CsvFile>,
    /// `plot=PATH`, and what the picture needs, gathered as ticks arrive.
    plot: Option<(String, chart::Picture)>,
    /// Writes no lines at all (a sweep's bots): no transcript, no signals.
    silent: bool,
    /// A tick that leaves its machine as it is changes only the marks: no
    /// transcript line, no plot.
    marks_only: bool,
    /// `report_symbols`.
    report_symbols: usize,
    /// The source is live: each signal line goes out as it happens.
    live: bool,
    /// The transcript or signal line being written, reused.
    line: Vec<u8>,
    /// Writes the signal lines' times.
    times: sluice_core::time::TimeWriter,
}

impl Bot {
    /// A bot writing its signals (or transcript) to `out`.
    pub fn new(config: BotConfig, out: Box<dyn Write + Send>) -> Result<Bot, ConfigError> {
        let strategy = config.validate()?;
        Ok(Bot {
            strategy,
            rules: Rules { sizing: config.sizing(), costs: config.costs(), stops: config.stops(), fill: config.fill },
            transcript: config.transcript,
            color: config.color,
            out,
            books: Vec::new(),
            index: index::SymbolIndex::default(),
            total: Stats::default(),
            equity: Equity::new(Money::from_decimal(config.capital)),
            capital: config.capital,
            periods: periods::Periods::new(
                i64::try_from(config.period.0.as_nanos()).unwrap_or(i64::MAX),
                Money::from_decimal(config.capital),
            ),
            per_year: config.periods_per_year(),
            period: config.period,
            bad_unknown: 0,
            trades: trade_list::TradeList::new(config.report_trades),
            exits: [0; machine::ExitReason::ALL.len()],
            bad_by_reason: BTreeMap::new(),
            trades_path: config.trades.clone(),
            trade_log: None,
            equity_path: config.equity.clone(),
            equity_log: None,
            plot: config.plot.clone().map(|p| (p, chart::Picture::new(config.plot_symbols))),
            silent: false,
            marks_only: !config.transcript && config.plot.is_none(),
            report_symbols: config.report_symbols,
            live: config.live,
            line: Vec::new(),
            times: sluice_core::time::TimeWriter::default(),
            config,
        })
    }

    /// A bot that writes no lines: a sweep's, where a hundred bots' signals
    /// would be noise and their formatting most of the cost.
    pub fn silent(config: BotConfig) -> Result<Bot, ConfigError> {
        let bot = Bot::new(BotConfig { transcript: false, ..config }, Box::new(std::io::sink()))?;
        Ok(Bot { silent: true, ..bot })
    }

    /// A good tick of the symbol numbered `number` (in the order symbols
    /// first arrived): takes it on the symbol's tape and trades it.
    fn tick(&mut self, number: usize, tick: &Tick) -> Result<(), Error> {
        let book = Bot::book(&mut self.books, (self.strategy, &self.config), number, tick.symbol)?;
        let before = book.tape.take(tick)?;
        self.trade(number, tick, before)
    }

    /// A good tick of the symbol numbered `number` (a sweep numbers them
    /// once for every run), already on a tape, whose tick before was at
    /// `before`: steps its machine, keeps the books and writes its lines
    /// and trade row.
    // Always: the release build's one codegen unit left it a call, and a
    // sweep a seventh slower.
    #[inline(always)]
    pub(crate) fn trade(&mut self, number: usize, tick: &Tick, before: Option<Timestamp>) -> Result<(), Error> {
        // Most ticks only move the marks: they take a path of their own,
        // inlined where the ticks are fed, with a fraction of the
        // instructions of the whole one. A sweep's runs spend most of
        // their time here.
        if self.marks_only
            && let Some((_, book)) = self.books.get_mut(number)
            && book.machine.keeps(tick.price, &self.rules)
            && (self.rules.fill != costs::Fill::Quote || tick.quote.is_some())
        {
            book.count_held(before, tick.time);
            let open = match book.machine.position {
                Some(p) => p.open_pnl(tick.price).map_err(Bot::overflow)?,
                None => Money::ZERO,
            };
            self.mark(number, open, tick.time)?;
            return Ok(());
        }
        self.step(number, tick, before)
    }

    /// A tick that may change the machine: every step, line and trade.
    #[inline(never)]
    fn step(&mut self, number: usize, tick: &Tick, before: Option<Timestamp>) -> Result<(), Error> {
        let book = Bot::book(&mut self.books, (self.strategy, &self.config), number, tick.symbol)?;
        if self.rules.fill == costs::Fill::Quote && tick.quote.is_none() {
            return Err(Error::new(
                "bot",
                format!(
                    "{} at {}: fill=quote needs a bid and an ask on every tick, and this one has a price only; \
                     replay a quote file (with both columns), or leave fill out",
                    tick.symbol, tick.time
                ),
            ));
        }
        book.count_held(before, tick.time);
        // The equity that a fraction of sizes an entry, at the last mark:
        // asked for only then, and an overflow stops the run rather than
        // sizing at nothing.
        let (capital, realized, open) = (Money::from_decimal(self.capital), self.total.realized, self.equity.open);
        let equity = || capital.checked_add(realized).and_then(|e| e.checked_add(open)).ok_or(stats::Overflow);
        let step = book.machine.step(tick, &self.rules, &equity).map_err(Bot::overflow)?;
        if let Some((_, picture)) = &mut self.plot
            && let Some(c) = picture.chart(tick.symbol)
        {
            c.ticks += 1;
            let t = tick.time.as_nanos();
            if c.price.is_empty() {
                // The PnL curve starts at zero with the symbol's first tick.
                c.equity.push(t, 0.0);
            }
            c.price.push(t, approx(tick.price));
            match step {
                Step::Entered => c.mark(tick.time, approx(tick.price), true),
                Step::Exited | Step::Reversed => c.mark(tick.time, approx(tick.price), false),
                _ => {}
            }
        }
        let trade = match step {
            Step::Exited | Step::Reversed => book.machine.closed.take(),
            _ => None,
        };
        if let Some(trade) = &trade {
            book.stats.add(trade).map_err(Bot::overflow)?;
            if let Some((_, picture)) = &mut self.plot
                && let Some(c) = picture.chart(tick.symbol)
            {
                c.equity.push(trade.exit_time.as_nanos(), book.stats.realized.to_f64());
            }
            self.total.add(trade).map_err(Bot::overflow)?;
            self.exits[trade.exit as usize] += 1;
            self.trades.push(trade).map_err(|e| Error::io("bot", "keeping the report's trade list", e))?;
        }
        // The symbol's open PnL after the step: a closed trade's is now
        // realized; a reversal's new position starts at its entry fee.
        // Every other symbol's stays at its own last price.
        let open = match (step, book.machine.position) {
            (Step::Held { pnl }, _) => pnl,
            (_, Some(p)) => p.open_pnl(tick.price).map_err(Bot::overflow)?,
            (_, None) => Money::ZERO,
        };
        let (position, time) = (book.machine.position, tick.time);
        let value = self.mark(number, open, time)?;
        if let Some((_, picture)) = &mut self.plot {
            let (t, below) = (time.as_nanos(), self.equity.drawdown.peak().units() - value.units());
            let capital = i128::from(self.capital.units());
            picture.equity.push(t, approx_units(capital + value.units()));
            picture.drawdown.push(t, approx_units(below.max(0)));
        }
        if !self.silent {
            self.write_signals(tick, step, trade.as_ref(), position.as_ref()).map_err(Bot::io)?;
        }
        if let (Some(t), Some(w)) = (&trade, &mut self.trade_log) {
            let entry =
                [t.symbol.to_string(), t.side.name().to_owned(), t.quantity.to_string(), t.entry_time.to_string()];
            let exit = [t.entry_price.to_string(), t.exit_time.to_string(), t.exit_price.to_string()];
            let money = [t.gross_pnl.to_string(), t.fees.to_string(), t.pnl.to_string(), t.exit.name().to_owned()];
            w.row(entry.iter().chain(&exit).chain(&money))?;
        }
        Ok(())
    }

    /// Marks the symbol numbered `number` at `open`, its position's open
    /// PnL (zero when flat), at `time`: its curve, the portfolio's, and
    /// the period this ends. Returns the portfolio's value.
    #[inline(always)]
    fn mark(&mut self, number: usize, open: Money, time: Timestamp) -> Result<Money, Error> {
        let book = &mut self.books[number].1;
        let before = book.equity.open;
        book.equity.mark(book.stats.realized, before, open, time).map_err(Bot::overflow)?;
        // The period that this tick ends closed at the peak before it.
        let peak = self.equity.drawdown.peak();
        let value = self.equity.mark(self.total.realized, before, open, time).map_err(Bot::overflow)?;
        if let Some(close) = self.periods.observe(value, time) {
            self.write_close(close, peak)?;
        }
        Ok(value)
    }

    /// The book of `symbol`, numbered `number`: opened with a fresh
    /// strategy at the symbol's first record, which takes the next number.
    #[inline]
    fn book<'b>(
        books: &'b mut Vec<(Symbol, Book)>,
        strategy: (&strategy::Row, &BotConfig),
        number: usize,
        symbol: Symbol,
    ) -> Result<&'b mut Book, Error> {
        if number >= books.len() {
            Bot::open_book(books, strategy, number, symbol)?;
        }
        // Numbers are given in the order of arrival, by this bot's index or
        // a sweep's, which sees the same records in the same order.
        debug_assert!(books[number].0 == symbol, "{symbol} numbered {number} out of order");
        Ok(&mut books[number].1)
    }

    #[cold]
    fn open_book(
        books: &mut Vec<(Symbol, Book)>,
        (row, config): (&strategy::Row, &BotConfig),
        number: usize,
        symbol: Symbol,
    ) -> Result<(), Error> {
        if number != books.len() {
            return Err(Error::new("bot", format!("{symbol}: numbered {number} out of the order of arrival")));
        }
        // The configuration was validated by building it once: this fails
        // only if a strategy's builder is not deterministic.
        let strategy = (row.build)(config).map_err(|e| Error::new("bot", e.to_string()))?;
        books.push((symbol, Book::new(Machine::new(strategy))));
        Ok(())
    }

    /// The lines a tick's step prints: the transcript's, or one per signal.
    fn write_signals(
        &mut self,
        tick: &Tick,
        step: Step,
        trade: Option<&Trade>,
        position: Option<&machine::Position>,
    ) -> std::io::Result<()> {
        let (out, sym) = (&mut self.out, tick.symbol);
        let price = |d: Decimal| d.display_min_places(2);
        if self.transcript {
            // One line per tick: assembled as bytes, which costs a fraction
            // of going through the formatting machinery.
            let line = &mut self.line;
            line.clear();
            // The PnL an active line shows: the open position's, or the
            // trade's this tick closed.
            let shown = match (step, trade) {
                (Step::Held { pnl }, _) => Some(pnl),
                (Step::Exited | Step::Reversed, Some(t)) => Some(t.pnl),
                _ => None,
            };
            match shown {
                None => {
                    line.extend_from_slice(b"[WATCHING] ");
                    line.extend_from_slice(sym.as_bytes());
                    line.extend_from_slice(b" @ $");
                    tick.price.push_min_places(2, false, line);
                }
                Some(pnl) => {
                    line.extend_from_slice(b"[ACTIVE]   ");
                    line.extend_from_slice(sym.as_bytes());
                    line.extend_from_slice(b" @ $");
                    tick.price.push_min_places(2, false, line);
                    line.extend_from_slice(b" | PnL: $");
                    pnl.push_min_places(2, true, line);
                }
            }
            line.push(b'\n');
            out.write_all(line)?;
            if let Some(t) = trade {
                let how = match t.exit {
                    machine::ExitReason::Signal => String::new(),
                    reason => format!(" ({})", reason.name()),
                };
                writeln!(
                    out,
                    "[SIGNAL] Exit at ${}{how} | Profit: ${} → switching to WATCHING",
                    price(t.exit_price),
                    t.pnl.display_min_places(2)
                )?;
            }
            if let (Step::Entered | Step::Reversed, Some(p)) = (step, position) {
                let short = if p.side == Side::Short { " short" } else { "" };
                writeln!(out, "[SIGNAL] Entry{short} at ${} → switching to ACTIVE", price(p.entry_price))?;
            }
        } else {
            // One line per signal, assembled as bytes: on busy data the
            // formatting machinery cost more than the trading. Lines gather
            // here and go out 64 KiB at a time (each at once from a live
            // source, whose signals are watched as they happen): copying
            // each line into the writer's buffer cost as much again.
            let (line, times) = (&mut self.line, &mut self.times);
            if let Some(t) = trade {
                let verb = if t.side == Side::Short { "COVER" } else { "EXIT" };
                push_signal(line, times, verb, sym, t.exit_price, t.exit_time);
                line.extend_from_slice(b" pnl=");
                t.pnl.push_min_places(2, true, line);
                if t.exit != machine::ExitReason::Signal {
                    line.push(b' ');
                    line.extend_from_slice(t.exit.name().as_bytes());
                }
                line.push(b'\n');
            }
            if let (Step::Entered | Step::Reversed, Some(p)) = (step, position) {
                let verb = if p.side == Side::Short { "SHORT" } else { "ENTRY" };
                push_signal(line, times, verb, sym, p.entry_price, p.entry_time);
                line.push(b'\n');
            }
            if self.live || line.len() >= 64 << 10 {
                out.write_all(line)?;
                line.clear();
            }
        }
        Ok(())
    }

    /// A bad record; `number` is its symbol's number, when it has one.
    pub(crate) fn bad(&mut self, number: Option<usize>, bad: &BadRecord<'_>) -> Result<(), Error> {
        // An echo resets like the original but is counted where that is.
        let count = u64::from(!bad.echo);
        if count > 0 {
            *self.bad_by_reason.entry(bad.kind).or_default() += 1;
        }
        match bad.symbol.zip(number) {
            Some((symbol, number)) => {
                let book = Bot::book(&mut self.books, (self.strategy, &self.config), number, symbol)?;
                book.bad += count;
                if book.machine.reset() {
                    book.abandoned += 1;
                }
                Bot::drop_open(&mut self.equity, book)?;
            }
            None => {
                self.bad_unknown += count;
                for (_, book) in &mut self.books {
                    if book.machine.reset() {
                        book.abandoned += 1;
                    }
                    Bot::drop_open(&mut self.equity, book)?;
                }
            }
        }
        if self.transcript {
            writeln!(self.out, "[ERROR] Bad data received: {}. Resetting to WATCHING.", bad.reason).map_err(Bot::io)?;
        }
        Ok(())
    }

    /// One row of the equity curve: a period's close, and how far it stood
    /// below the curve's peak then.
    fn write_close(&mut self, close: periods::Close, peak: Money) -> Result<(), Error> {
        let Some(w) = &mut self.equity_log else { return Ok(()) };
        let capital = Money::from_decimal(self.capital);
        let equity = capital.checked_add(close.value).ok_or(stats::Overflow).map_err(Bot::overflow)?;
        let below = peak.checked_sub(close.value).ok_or(stats::Overflow).map_err(Bot::overflow)?;
        let start = self.periods.start_of(close.period);
        w.row([start.to_string(), equity.to_string(), close.value.to_string(), below.max(Money::ZERO).to_string()])
    }

    /// An abandoned position leaves the curves at the next tick: it was
    /// dropped, not sold, so no price realizes its PnL.
    fn drop_open(portfolio: &mut Equity, book: &mut Book) -> Result<(), Error> {
        portfolio.drop(book.equity.open).map_err(Bot::overflow)?;
        book.equity.open = Money::ZERO;
        Ok(())
    }

    /// Takes the tapes a sweep kept for all its runs, by symbol number.
    pub(crate) fn adopt(&mut self, tapes: &[tape::Tape]) {
        for ((_, book), tape) in self.books.iter_mut().zip(tapes) {
            book.tape = *tape;
        }
    }

    fn io(e: std::io::Error) -> Error {
        Error::io("bot", "writing signals", e)
    }

    fn overflow(e: stats::Overflow) -> Error {
        Error::new("bot", format!("{e}; the run is stopped rather than report a wrong total"))
    }
}

/// `VERB SYMBOL PRICE TIME`, the start of a signal line.
fn push_signal(
    line: &mut Vec<u8>,
    times: &mut sluice_core::time::TimeWriter,
    verb: &str,
    symbol: Symbol,
    price: Decimal,
    time: sluice_core::Timestamp,
) {
    line.extend_from_slice(verb.as_bytes());
    line.push(b' ');
    line.extend_from_slice(symbol.as_bytes());
    line.push(b' ');
    price.push_min_places(0, false, line);
    line.push(b' ');
    times.write(time, line);
}

/// An amount in units as a float for drawing.
fn approx_units(units: i128) -> f64 {
    units as f64 / Decimal::ONE.units() as f64
}

/// A price as a float for drawing.
fn approx(d: Decimal) -> f64 {
    d.units() as f64 / Decimal::ONE.units() as f64
}

impl Sink for Bot {
    fn name(&self) -> &str {
        "bot"
    }

    fn accepts(&self, kind: RecordKind) -> bool {
        kind == RecordKind::Tick
    }

    fn start(&mut self) -> Result<(), Error> {
        if let Some(path) = &self.trades_path {
            let header = [
                "symbol",
                "side",
                "quantity",
                "entry_time",
                "entry_price",
                "exit_time",
                "exit_price",
                "gross_pnl",
                "fees",
                "pnl",
                "exit",
            ];
            self.trade_log = Some(CsvFile::create("trade list", path, &header)?);
        }
        if let Some(path) = &self.equity_path {
            let header = ["period_start", "equity", "pnl", "drawdown"];
            self.equity_log = Some(CsvFile::create("equity curve", path, &header)?);
        }
        if self.transcript {
            writeln!(self.out, "[BOT] Initialized. State: WATCHING").map_err(Bot::io)?;
        }
        Ok(())
    }

    fn send(&mut self, record: &Record<'_>, _: &Location<'_>) -> Result<Flow, Error> {
        if let Record::Tick(tick) = record {
            let number = self.index.number(tick.symbol);
            self.tick(number, tick)?;
        }
        Ok(Flow::Continue)
    }

    fn throw(&mut self, bad: &BadRecord<'_>) -> Result<Flow, Error> {
        let number = bad.symbol.map(|s| self.index.number(s));
        self.bad(number, bad)?;
        Ok(Flow::Continue)
    }

    fn close(mut self: Box<Self>) -> Result<SinkReport, Error> {
        let peak = self.equity.drawdown.peak();
        if let Some(close) = self.periods.finish() {
            self.write_close(close, peak)?;
        }
        let report = report::BotReport::new(&self).map_err(Bot::overflow)?;
        let trades = std::mem::replace(&mut self.trades, trade_list::TradeList::new(0));
        let trades = trades.finish().map_err(|e| Error::io("bot", "keeping the report's trade list", e))?;
        if self.transcript {
            let interrupted = self.config.stop.as_ref().and_then(sluice_core::Stop::requested).is_some();
            writeln!(
                self.out,
                "\n[BRIDGE] Pipeline {}. Processed {} {} ticks.",
                if interrupted { "interrupted" } else { "complete" },
                report.processed(),
                report.symbol_label()
            )
            .map_err(Bot::io)?;
        }
        if !self.transcript {
            self.out.write_all(&self.line).map_err(Bot::io)?;
        }
        self.out.flush().map_err(Bot::io)?;
        let seen = self.books.len();
        if let Some((path, picture)) = &mut self.plot {
            picture.seen = seen;
            chart::draw(path, picture).map_err(|e| Error::new("bot", format!("drawing {path}: {e}")))?;
        }
        if let Some(w) = self.trade_log.take() {
            w.commit()?;
        }
        if let Some(w) = self.equity_log.take() {
            w.commit()?;
        }
        Ok(report.into_sink_report(self.color, trades))
    }
}

#[cfg(test)]
mod tests;
