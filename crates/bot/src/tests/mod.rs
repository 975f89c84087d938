use std::sync::{Arc, Mutex};

use sluice_core::Location;

use super::*;

/// A writer the test can read back after the bot is closed.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn bot(config: BotConfig) -> (Box<Bot>, Shared) {
    let out = Shared::default();
    (Box::new(Bot::new(config, Box::new(out.clone())).unwrap()), out)
}

fn tick(symbol: &str, price: &str, second: i64) -> Record<'static> {
    Record::Tick(sluice_testkit::tick_at(symbol, price, second))
}

fn bad(symbol: Option<&str>, reason: &str) -> BadRecord<'static> {
    BadRecord { reason: reason.to_owned(), raw: b"", ..sluice_testkit::bad(symbol) }
}

thread_local! {
    /// The test's clock: each fed tick a second after the last, across
    /// calls, as the bot wants time to run forward.
    static NOW: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

fn feed(b: &mut Bot, prices: &[(&str, &str)]) {
    for (i, (sym, p)) in prices.iter().enumerate() {
        let at = Location::Seq { source: "test", seq: i as u64 + 1 };
        let second = NOW.with(|n| n.replace(n.get() + 1));
        assert_eq!(b.send(&tick(sym, p, second), &at).unwrap(), Flow::Continue);
    }
}

fn details(b: Box<Bot>) -> serde_json::Value {
    serde_json::Value::Object(b.close().unwrap().full_details().unwrap())
}

#[test]
fn thresholds_are_inclusive_at_both_ends() {
    let (mut b, out) = bot(BotConfig::default());
    // 150.01 is above entry: no entry; 150 is the entry; 199.99 holds; 200 exits.
    feed(&mut b, &[("AAPL", "150.01"), ("AAPL", "150"), ("AAPL", "199.99"), ("AAPL", "200")]);
    let r = details(b);
    assert_eq!(out.text(), "ENTRY AAPL 150 1970-01-01T00:00:01Z\nEXIT AAPL 200 1970-01-01T00:00:03Z pnl=+50.00\n");
    assert_eq!(r["trade_count"], 1);
    assert_eq!(r["realized_pnl"], 50.0);
    assert_eq!(r["trades"][0]["entry_price"], 150.0);
    assert_eq!(r["trades"][0]["exit_time"], "1970-01-01T00:00:03Z");
}

#[test]
fn an_active_position_ignores_lower_prices() {
    let (mut b, _) = bot(BotConfig::default());
    feed(&mut b, &[("AAPL", "140"), ("AAPL", "120"), ("AAPL", "210")]);
    let r = details(b);
    // The entry stays at 140; a lower price while active does not re-enter.
    assert_eq!(r["trades"][0]["entry_price"], 140.0);
    assert_eq!(r["trades"][0]["pnl"], 70.0);
}

#[test]
fn a_bad_record_while_active_abandons_the_position() {
    let (mut b, _) = bot(BotConfig::default());
    feed(&mut b, &[("AAPL", "140")]);
    b.throw(&bad(Some("AAPL"), "Negative price: -140")).unwrap();
    // Back to WATCHING: 210 is no exit, 145 is a new entry.
    feed(&mut b, &[("AAPL", "210"), ("AAPL", "145"), ("AAPL", "205")]);
    let r = details(b);
    assert_eq!(r["abandoned_positions"], 1);
    assert_eq!(r["bad_records"], 1);
    assert_eq!(r["trade_count"], 1);
    assert_eq!(r["trades"][0]["entry_price"], 145.0);
}

#[test]
fn a_bad_record_while_watching_abandons_nothing() {
    let (mut b, _) = bot(BotConfig::default());
    feed(&mut b, &[("AAPL", "180")]);
    b.throw(&bad(Some("AAPL"), "x")).unwrap();
    feed(&mut b, &[("AAPL", "149"), ("AAPL", "200")]);
    let r = details(b);
    assert_eq!((r["abandoned_positions"].as_u64(), r["trade_count"].as_u64()), (Some(0), Some(1)));
}

#[test]
fn symbols_interleave_independently() {
    let (mut b, _) = bot(BotConfig::default());
    feed(
        &mut b,
        &[("AAPL", "140"), ("MSFT", "250"), ("MSFT", "130"), ("AAPL", "201"), ("GOOG", "100"), ("MSFT", "199")],
    );
    b.throw(&bad(Some("MSFT"), "x")).unwrap();
    let r = details(b);
    assert_eq!(r["symbols"]["AAPL"]["realized_pnl"], 61.0);
    assert_eq!(r["symbols"]["MSFT"]["abandoned_positions"], 1);
    assert_eq!(r["symbols"]["MSFT"]["ticks"], 3);
    // GOOG is still open at the end, marked at its last price.
    assert_eq!(r["open_positions"].as_array().unwrap().len(), 1);
    assert_eq!(r["open_positions"][0]["symbol"], "GOOG");
    assert_eq!(r["unrealized_pnl"], 0.0);
    assert_eq!(r["ticks"], 6);
}

#[test]
fn a_bad_record_of_unknown_symbol_resets_every_symbol() {
    let (mut b, _) = bot(BotConfig::default());
    feed(&mut b, &[("AAPL", "140"), ("MSFT", "130"), ("GOOG", "180")]);
    b.throw(&bad(None, "unreadable row")).unwrap();
    let r = details(b);
    assert_eq!(r["abandoned_positions"], 2);
    assert_eq!(r["bad_records"], 1);
    assert_eq!(r["open_positions"].as_array().unwrap().len(), 0);
}

#[test]
fn open_positions_carry_unrealized_pnl_at_the_last_price() {
    let (mut b, _) = bot(BotConfig { quantity: Some("10".parse().unwrap()), ..BotConfig::default() });
    feed(&mut b, &[("AAPL", "140.10"), ("AAPL", "150.35")]);
    let r = details(b);
    assert_eq!(r["open_positions"][0]["unrealized_pnl"], 102.5);
    assert_eq!(r["open_positions"][0]["last_price"], 150.35);
}

#[test]
fn the_mark_to_market_drawdown_sees_a_position_held_through_a_fall() {
    let (mut b, _) = bot(BotConfig::default());
    // Equity 0, −30, −20, −50, then the exit realizes +50.
    feed(&mut b, &[("AAPL", "150"), ("AAPL", "120"), ("AAPL", "130"), ("AAPL", "100"), ("AAPL", "200")]);
    let r = details(b);
    assert_eq!(r["max_drawdown"], 0.0);
    assert_eq!(r["equity_max_drawdown"], 50.0);
    // From the entry's tick (the peak, at zero) to the exit that recovered it.
    assert_eq!(r["equity_max_drawdown_seconds"], 4.0);
    assert_eq!(r["symbols"]["AAPL"]["equity_max_drawdown"], 50.0);
    // 50 of the default capital of 10000 plus the peak of 0, and a gain of 50.
    assert_eq!((r["equity_max_drawdown_pct"].as_f64(), r["return_pct"].as_f64()), (Some(0.5), Some(0.5)));
}

#[test]
fn the_drawdown_in_percent_is_of_the_capital_plus_the_peak() {
    let (mut b, _) = bot(BotConfig { capital: "200".parse().unwrap(), ..BotConfig::default() });
    // A trade realizes +50 (peak 50, base 250); the next position falls 100
    // from there (−40%) and ends 20 under its entry.
    feed(&mut b, &[("AAPL", "150"), ("AAPL", "200"), ("AAPL", "140"), ("AAPL", "40"), ("AAPL", "120")]);
    let r = details(b);
    assert_eq!(r["equity_max_drawdown"], 100.0);
    assert_eq!(r["equity_max_drawdown_pct"], 40.0);
    // 50 − 20 on 200.
    assert_eq!(r["return_pct"], 15.0);
    assert_eq!(r["capital"], 200.0);
}

#[test]
fn the_portfolio_curve_adds_the_symbols_open_positions() {
    let (mut b, _) = bot(BotConfig::default());
    // AAPL −20 and MSFT −20 at the same time: the portfolio falls 40
    // though neither symbol falls more than 20.
    feed(
        &mut b,
        &[("AAPL", "150"), ("MSFT", "140"), ("AAPL", "130"), ("MSFT", "120"), ("AAPL", "160"), ("MSFT", "200")],
    );
    let r = details(b);
    assert_eq!(r["equity_max_drawdown"], 40.0);
    assert_eq!(r["symbols"]["AAPL"]["equity_max_drawdown"], 20.0);
    assert_eq!(r["symbols"]["MSFT"]["equity_max_drawdown"], 20.0);
    // Not recovered: AAPL's +10 open and MSFT's +60 realized stand at 70.
    assert_eq!((r["realized_pnl"].as_f64(), r["unrealized_pnl"].as_f64()), (Some(60.0), Some(10.0)));
}

#[test]
fn trade_durations_expectancy_and_exposure_by_time() {
    let (mut b, _) = bot(BotConfig::default());
    // One tick a second: watch, enter, hold, exit (2 s, +50), enter, hold,
    // hold, exit (3 s, +70).
    let prices = ["160", "150", "170", "200", "140", "130", "135", "210"];
    feed(&mut b, &prices.map(|p| ("AAPL", p)));
    let r = details(b);
    assert_eq!(r["expectancy"], 60.0);
    assert_eq!((r["average_trade_seconds"].as_f64(), r["max_trade_seconds"].as_f64()), (Some(2.5), Some(3.0)));
    // Held for 2 + 3 of the 7 seconds from the first tick to the last; 5
    // of the 8 ticks found a position open.
    assert_eq!(r["exposure_time"], 5.0 / 7.0);
    assert_eq!(r["symbols"]["AAPL"]["exposure_time"], 5.0 / 7.0);
    assert_eq!(r["exposure"], 5.0 / 8.0);
}

#[test]
fn without_trades_the_trade_figures_are_null() {
    let (mut b, _) = bot(BotConfig::default());
    feed(&mut b, &[("AAPL", "160")]);
    let r = details(b);
    for key in ["expectancy", "average_trade_seconds", "max_trade_seconds", "exposure_time"] {
        assert!(r[key].is_null(), "{key}: {}", r[key]);
    }
}

#[test]
fn periodic_returns_close_at_each_periods_last_tick() {
    let config: BotConfig = serde_json::from_value(serde_json::json!({ "period": "2s", "capital": "100" })).unwrap();
    assert_eq!(config.periods_per_year(), 252.0 * 43_200.0);
    let (mut b, _) = bot(config);
    // One tick a second from 0 s, two to a period. Held from 150, the
    // curve closes its three periods at +10, +20 and −20: returns of 10 on
    // 100, 10 on 110 and −40 on 120.
    NOW.with(|n| n.set(0));
    feed(&mut b, &["150", "160", "140", "170", "180", "130"].map(|p| ("AAPL", p)));
    let r = details(b);
    assert_eq!((r["periods"].as_u64(), r["period_seconds"].as_f64()), (Some(3), Some(2.0)));
    let returns = [0.1, 10.0 / 110.0, -40.0 / 120.0];
    let mean = returns.iter().sum::<f64>() / 3.0;
    let sd = (returns.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 2.0).sqrt();
    let down = ((40.0f64 / 120.0).powi(2) / 3.0).sqrt();
    let k = (252.0f64 * 43_200.0).sqrt();
    let near = |key: &str, want: f64| {
        let got = r[key].as_f64().unwrap();
        assert!((got - want).abs() < 1e-9 * want.abs(), "{key}: {got} ≠ {want}");
    };
    near("volatility", sd * k);
    near("sharpe", mean / sd * k);
    near("sortino", mean / down * k);
}

#[test]
fn periods_outside_reason_are_refused() {
    for (value, key) in [("0s", "period"), ("400d", "period")] {
        let config: BotConfig = serde_json::from_value(serde_json::json!({ key: value })).unwrap();
        let err = Bot::new(config, Box::new(std::io::sink()));
        assert_eq!(err.err().unwrap().key, key, "{value}");
    }
    let config = BotConfig { periods_per_year: Some(f64::NAN), ..BotConfig::default() };
    assert_eq!(Bot::new(config, Box::new(std::io::sink())).err().unwrap().key, "periods_per_year");
    let bad: Result<BotConfig, _> = serde_json::from_value(serde_json::json!({ "period": "1mo" }));
    assert!(bad.unwrap_err().to_string().contains("not a duration"));
}

#[test]
fn buy_and_hold_is_each_symbol_first_to_last_price_averaged() {
    let (mut b, _) = bot(BotConfig::default());
    feed(&mut b, &[("AAPL", "100"), ("MSFT", "200"), ("AAPL", "90"), ("MSFT", "190"), ("AAPL", "110")]);
    b.throw(&bad(Some("GOOG"), "x")).unwrap();
    let r = details(b);
    assert_eq!(r["symbols"]["AAPL"]["buy_and_hold_pct"], 10.0);
    assert_eq!(r["symbols"]["MSFT"]["buy_and_hold_pct"], -5.0);
    // GOOG had no good tick: it has no benchmark and does not weigh in.
    assert!(r["symbols"]["GOOG"]["buy_and_hold_pct"].is_null());
    assert_eq!(r["buy_and_hold_pct"], 2.5);
}

#[test]
fn an_abandoned_position_leaves_the_curve_and_its_fall_stays_counted() {
    let (mut b, _) = bot(BotConfig::default());
    feed(&mut b, &[("AAPL", "150"), ("AAPL", "100")]);
    b.throw(&bad(Some("AAPL"), "x")).unwrap();
    assert_eq!(b.equity.open, Money::ZERO);
    // Watching again: 160 opens nothing, and the curve is back at zero.
    feed(&mut b, &[("AAPL", "160")]);
    let r = details(b);
    assert_eq!(r["equity_max_drawdown"], 50.0);
    assert_eq!(r["unrealized_pnl"], 0.0);
}

proptest::proptest! {
    /// The curve's last point is the report's realized plus unrealized
    /// PnL, and for one symbol it falls at least as far as the realized
    /// curve (which it passes through at every exit).
    #[test]
    fn the_equity_curve_ends_at_realized_plus_unrealized(
        steps in proptest::collection::vec((0u8..3, 90u32..260), 1..200)
    ) {
        let (mut b, _) = bot(BotConfig::default());
        for (kind, price) in steps {
            if kind == 0 {
                b.throw(&bad(Some("AAPL"), "x")).unwrap();
            } else {
                feed(&mut b, &[("AAPL", &price.to_string())]);
            }
        }
        let last = b.total.realized.checked_add(b.equity.open).unwrap();
        let r = details(b);
        let reported = r["realized_pnl"].as_f64().unwrap() + r["unrealized_pnl"].as_f64().unwrap();
        proptest::prop_assert_eq!(last.to_f64(), reported);
        proptest::prop_assert!(r["equity_max_drawdown"].as_f64() >= r["max_drawdown"].as_f64());
    }
}

#[test]
fn pnl_sums_exactly() {
    let (mut b, _) = bot(BotConfig {
        entry: Some("1".parse().unwrap()),
        exit: Some("1.1".parse().unwrap()),
        ..BotConfig::default()
    });
    // Three trades of +0.10, +0.20 and +0.30 by the thousand would drift in f64.
    for _ in 0..1000 {
        feed(&mut b, &[("X", "1"), ("X", "1.1"), ("X", "0.9"), ("X", "1.1"), ("X", "0.8"), ("X", "1.1")]);
    }
    let r = details(b);
    assert_eq!(r["trade_count"], 3000);
    assert_eq!(r["realized_pnl"], 600.0);
}

#[test]
fn the_report_lists_at_most_report_trades() {
    let (mut b, _) = bot(BotConfig { report_trades: 2, ..BotConfig::default() });
    for _ in 0..5 {
        feed(&mut b, &[("A", "100"), ("A", "200")]);
    }
    let r = details(b);
    assert_eq!(r["trades"].as_array().unwrap().len(), 2);
    assert_eq!((r["trade_count"].as_u64(), r["trades_omitted"].as_u64()), (Some(5), Some(3)));
    assert_eq!(r["win_rate"], 1.0);
}

#[test]
fn transcript_follows_the_article_line_by_line() {
    let (mut b, out) = bot(BotConfig { transcript: true, ..BotConfig::default() });
    b.start().unwrap();
    feed(&mut b, &[("AAPL", "160"), ("AAPL", "140"), ("AAPL", "150"), ("AAPL", "135.5"), ("AAPL", "200")]);
    b.throw(&bad(Some("AAPL"), "Negative price: -172.3")).unwrap();
    feed(&mut b, &[("AAPL", "120.25"), ("AAPL", "1.23456")]);
    let summary = b.close().unwrap().summary;
    let want = "\
[BOT] Initialized. State: WATCHING
[WATCHING] AAPL @ $160.00
[WATCHING] AAPL @ $140.00
[SIGNAL] Entry at $140.00 → switching to ACTIVE
[ACTIVE]   AAPL @ $150.00 | PnL: $+10.00
[ACTIVE]   AAPL @ $135.50 | PnL: $-4.50
[ACTIVE]   AAPL @ $200.00 | PnL: $+60.00
[SIGNAL] Exit at $200.00 | Profit: $60.00 → switching to WATCHING
[ERROR] Bad data received: Negative price: -172.3. Resetting to WATCHING.
[WATCHING] AAPL @ $120.25
[SIGNAL] Entry at $120.25 → switching to ACTIVE
[ACTIVE]   AAPL @ $1.23456 | PnL: $-119.01544

[BRIDGE] Pipeline complete. Processed 8 AAPL ticks.
";
    assert_eq!(out.text(), want);
    // 7 ticks, 1 bad, 1 trade (a win of 60), no loss, 4 of 7 ticks held,
    // open at 1.23456 from 120.25, which takes the curve from its peak of
    // 60 to −59.01544.
    // The portfolio line: 60 − 119.01544 of 10000, and a fall of
    // 119.01544 from a peak of 60 on 10060 (1.183…%).
    let risk = summary.lines().last().unwrap();
    assert!(risk.starts_with("risk: return -0.59% of 10000 · buy and hold -99.23% · MTM drawdown 1.18% ·"), "{risk}");
    assert!(risk.ends_with("(86400s periods: 1; annualised by √252)"), "{risk}");
    let total: Vec<&str> = summary.lines().find(|l| l.starts_with("total")).unwrap().split_whitespace().collect();
    assert_eq!(
        total,
        ["total", "7", "1", "1", "100.0%", "-", "60.00", "0.00", "119.01544", "57.1%", "-119.01544", "0"],
        "{summary}"
    );
}

#[test]
fn invalid_options_are_refused() {
    let err = Bot::new(BotConfig { quantity: Some(Decimal::ZERO), ..BotConfig::default() }, Box::new(std::io::sink()));
    assert_eq!(err.err().unwrap().key, "quantity");
    let err = Bot::new(BotConfig { capital: Decimal::ZERO, ..BotConfig::default() }, Box::new(std::io::sink()));
    assert_eq!(err.err().unwrap().key, "capital");
}

#[test]
fn an_echoed_bad_record_resets_but_is_not_counted() {
    let (mut b, _) = bot(BotConfig::default());
    feed(&mut b, &[("AAPL", "140")]);
    let echo = BadRecord { echo: true, ..bad(None, "no symbol") };
    b.throw(&echo).unwrap();
    let r = details(b);
    assert_eq!(r["abandoned_positions"], 1);
    assert_eq!(r["bad_records"], 0);
    assert_eq!(r["bad_by_reason"], serde_json::json!({}));
}

#[test]
fn the_trade_list_quotes_a_symbol_holding_the_delimiter() {
    // Issue 20: a symbol `A,B` was written bare, giving a 7-field row under
    // the 6-column header.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trades.csv");
    let config = BotConfig { trades: Some(path.display().to_string()), ..BotConfig::default() };
    let (mut b, _) = bot(config);
    b.start().unwrap();
    feed(&mut b, &[("A,B", "150"), ("A,B", "200")]);
    b.close().unwrap();
    let mut rows = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = rows.headers().unwrap().iter().map(str::to_owned).collect();
    let expected = "symbol side quantity entry_time entry_price exit_time exit_price gross_pnl fees pnl exit";
    assert_eq!(header.join(" "), expected);
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let row: Vec<&str> = rows[0].iter().collect();
    assert_eq!(
        row,
        ["A,B", "long", "1", "1970-01-01T00:00:00Z", "150", "1970-01-01T00:00:01Z", "200", "50", "0", "50", "signal"]
    );
}

#[test]
fn the_table_colours_pnl_by_its_value() {
    // Issue 20: the colour came from re-parsing the formatted money as f64;
    // it comes from the value now: a loss red, a gain green, zero plain.
    let (mut b, _) = bot(BotConfig { color: true, entry: Some("150".parse().unwrap()), ..BotConfig::default() });
    b.start().unwrap();
    // MSFT: entry at 150, exit at 200 (a gain); AAPL: entry at 120, held at 100 (a loss).
    feed(&mut b, &[("MSFT", "150"), ("MSFT", "200"), ("AAPL", "120"), ("AAPL", "100")]);
    let summary = b.close().unwrap().summary;
    let line = |name: &str| summary.lines().find(|l| l.starts_with(name)).unwrap().to_owned();
    let (green, red, reset) = ("\x1b[32m", "\x1b[31m", "\x1b[0m");
    assert!(line("MSFT").contains(green), "{summary}");
    assert!(!line("MSFT").contains(red), "{summary}");
    assert!(line("AAPL").contains(red), "unrealized loss: {summary}");
    assert!(line("bot").find('\x1b').is_none(), "the header is plain: {summary}");
    assert!(summary.contains(reset));
    let (mut plain, _) = bot(BotConfig::default());
    plain.start().unwrap();
    feed(&mut plain, &[("MSFT", "150"), ("MSFT", "200")]);
    assert!(!plain.close().unwrap().summary.contains('\x1b'), "no colour unless asked");
}

#[test]
fn time_running_backwards_stops_the_bot_rather_than_trading_in_reverse() {
    // Issue 16: a newest-first file passed with --backwards pass entered a
    // trade in December and exited it in October.
    let (mut b, _) = bot(BotConfig::default());
    b.start().unwrap();
    let at = Location::Seq { source: "test", seq: 1 };
    assert_eq!(b.send(&tick("ORCL", "210", 100), &at).unwrap(), Flow::Continue);
    assert_eq!(b.send(&tick("MSFT", "140", 50), &at).unwrap(), Flow::Continue, "other symbols keep their own time");
    assert_eq!(b.send(&tick("ORCL", "200", 100), &at).unwrap(), Flow::Continue, "the same time is not backwards");
    let err = b.send(&tick("ORCL", "140", 99), &at).unwrap_err().to_string();
    assert!(err.contains("ORCL") && err.contains("trades forward in time only"), "{err}");
}

mod trading;
