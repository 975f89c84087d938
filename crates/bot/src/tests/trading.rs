//! Strategies, stops, sides, sizing and costs through the whole bot, with
//! every expected figure worked by hand in the comments.

use super::*;

fn d(s: &str) -> Option<Decimal> {
    Some(s.parse().unwrap())
}

fn whole(n: u32) -> Decimal {
    Decimal::from_units(i64::from(n) * Decimal::ONE.units())
}

/// The first word of each signal line.
fn verbs(out: &Shared) -> Vec<String> {
    out.text().lines().map(|l| l.split(' ').next().unwrap().to_owned()).collect()
}

#[test]
fn a_short_bot_sells_at_exit_and_covers_at_entry() {
    let (mut b, out) = bot(BotConfig { side: strategy::Sides::Short, ..BotConfig::default() });
    feed(&mut b, &[("AAPL", "150"), ("AAPL", "200"), ("AAPL", "180"), ("AAPL", "150")]);
    let t = NOW.with(|n| n.get()) - 4;
    let r = details(b);
    let at = |s: i64| sluice_core::Timestamp::from_nanos((t + s) * 1_000_000_000).to_string();
    assert_eq!(out.text(), format!("SHORT AAPL 200 {}\nCOVER AAPL 150 {} pnl=+50.00\n", at(1), at(3)));
    assert_eq!(r["trades"][0]["side"], "short");
    assert_eq!(r["realized_pnl"], 50.0);
    // Short at 200, marked at 180: +20 open, the curve's peak before 150.
    assert_eq!(r["equity_max_drawdown"], 0.0);
}

#[test]
fn both_sides_reverse_at_each_threshold() {
    let (mut b, out) = bot(BotConfig { side: strategy::Sides::Both, ..BotConfig::default() });
    feed(&mut b, &[("AAPL", "150"), ("AAPL", "200"), ("AAPL", "150"), ("AAPL", "160")]);
    let r = details(b);
    let verbs = verbs(&out);
    assert_eq!(verbs, ["ENTRY", "EXIT", "SHORT", "COVER", "ENTRY"]);
    // Long 150→200 (+50), short 200→150 (+50), long from 150, now 160.
    assert_eq!((r["trade_count"].as_u64(), r["realized_pnl"].as_f64()), (Some(2), Some(100.0)));
    assert_eq!(r["open_positions"][0]["side"], "long");
    assert_eq!(r["unrealized_pnl"], 10.0);
    assert_eq!(r["return_pct"], 1.1, "110 of 10000");
}

#[test]
fn a_stop_loss_closes_at_exactly_its_percentage_and_waits_to_rearm() {
    let (mut b, out) = bot(BotConfig { stop_loss_pct: d("5"), ..BotConfig::default() });
    // 5 % below 150 is 142.5: 142.51 holds, 142.5 stops. 140 is still
    // cheap but the bot waits for the price to come back above 150 first.
    let prices = [("X", "150"), ("X", "142.51"), ("X", "142.5"), ("X", "140"), ("X", "151"), ("X", "150")];
    feed(&mut b, &prices);
    let r = details(b);
    assert_eq!(verbs(&out), ["ENTRY", "EXIT", "ENTRY"]);
    assert!(out.text().lines().nth(1).unwrap().ends_with(" pnl=-7.50 stop_loss"), "{}", out.text());
    assert_eq!(r["trades"][0]["exit"], "stop_loss");
    assert_eq!(r["exits"], serde_json::json!({"stop_loss": 1}));
    assert_eq!(r["realized_pnl"], -7.5);
}

#[test]
fn take_profit_and_trailing_stop_close_in_favour() {
    let (mut b, _) = bot(BotConfig { take_profit_pct: d("10"), ..BotConfig::default() });
    // 10 % above 150 is 165: 164.99 holds (below the exit too).
    feed(&mut b, &[("X", "150"), ("X", "164.99"), ("X", "165")]);
    let r = details(b);
    assert_eq!((r["realized_pnl"].as_f64(), r["trades"][0]["exit"].as_str()), (Some(15.0), Some("take_profit")));

    let (mut b, _) = bot(BotConfig { trailing_stop_pct: d("10"), entry: d("100"), ..BotConfig::default() });
    // Long at 100; best 120; 10 % below it is 108.
    feed(&mut b, &[("X", "100"), ("X", "120"), ("X", "108.01"), ("X", "108")]);
    let r = details(b);
    assert_eq!((r["realized_pnl"].as_f64(), r["trades"][0]["exit"].as_str()), (Some(8.0), Some("trailing_stop")));
}

#[test]
fn costs_are_charged_per_fill_and_reported_beside_the_gross() {
    let config = BotConfig {
        quantity: d("10"),
        commission: "1".parse().unwrap(),
        commission_bps: "10".parse().unwrap(),
        slippage_bps: "10".parse().unwrap(),
        ..BotConfig::default()
    };
    let (mut b, out) = bot(config);
    feed(&mut b, &[("X", "150"), ("X", "200"), ("X", "150")]);
    let r = details(b);
    // Buy at 150 + 10 bps = 150.15; fee 1 + 10 bps of 1501.5 = 2.5015.
    // Sell at 200 − 10 bps = 199.8; fee 1 + 10 bps of 1998 = 2.998.
    // PnL: 49.65 × 10 − 5.4995 = 491.0005; before costs 500.
    assert!(out.text().starts_with("ENTRY X 150.15 "), "{}", out.text());
    assert_eq!(r["trades"][0]["pnl"], 491.0005);
    assert_eq!(r["trades"][0]["gross_pnl"], 500.0);
    assert_eq!(r["trades"][0]["fees"], 5.4995);
    // The second entry, open: bought at 150.15 with a fee of 2.5015,
    // marked at 150: −1.5 − 2.5015.
    assert_eq!(r["unrealized_pnl"], -4.0015);
    assert_eq!(r["realized_pnl"], 491.0005);
    assert_eq!(r["realized_pnl_gross"], 500.0);
    assert_eq!(r["fees_paid"], 8.001, "both fills of the trade and the open entry");
    assert_eq!(r["slippage_cost"], 3.5, "0.15 × 10 in and 0.2 × 10 out");
}

#[test]
fn entries_sized_by_notional_and_by_equity_fraction() {
    let (mut b, _) = bot(BotConfig { notional: d("1000"), entry: d("300"), ..BotConfig::default() });
    // 1000 at 300 buys 3.33333333 (truncated); sold at 330: +99.9999999.
    feed(&mut b, &[("X", "300"), ("X", "330")]);
    let r = details(b);
    assert_eq!(r["trades"][0]["quantity"], 3.33333333);
    assert_eq!(r["realized_pnl"], 99.9999999);

    let (mut b, _) = bot(BotConfig { equity_fraction: d("0.5"), ..BotConfig::default() });
    // Half of 10000 at 125 is 40 units: +3000 at 200. Then half of 13000
    // at 130 is 50 units.
    feed(&mut b, &[("X", "125"), ("X", "200"), ("X", "130")]);
    let r = details(b);
    assert_eq!(r["trades"][0]["quantity"], 40.0);
    assert_eq!(r["open_positions"][0]["quantity"], 50.0);
}

#[test]
fn a_crossover_trades_its_crossings_and_states_its_settings() {
    let config = BotConfig { strategy: "crossover".into(), fast: Some(1), slow: Some(2), ..BotConfig::default() };
    let (mut b, out) = bot(config);
    // fast = the price, slow = the mean of two. 10,11: up (set, no trade).
    // 9: 9 < 10 down (long only: nothing to close). 12: 12 > 10.5 up: buy.
    // 10: 10 < 11 down: sell at 10, −2.
    feed(&mut b, &[("X", "10"), ("X", "11"), ("X", "9"), ("X", "12"), ("X", "10")]);
    let r = details(b);
    let verbs = verbs(&out);
    assert_eq!(verbs, ["ENTRY", "EXIT"]);
    assert_eq!(r["realized_pnl"], -2.0);
    assert_eq!(r["settings"]["strategy"], "crossover");
    assert_eq!(r["settings"]["average"], "sma");
    assert_eq!(r["settings"].get("entry"), None, "threshold's keys are not crossover's");
}

#[test]
fn a_key_of_another_strategy_or_two_sizings_are_refused() {
    let refuse = |config: BotConfig| Bot::new(config, Box::new(std::io::sink())).err().unwrap().to_string();
    let cross = BotConfig { strategy: "crossover".into(), entry: d("100"), ..BotConfig::default() };
    assert_eq!(
        refuse(cross),
        "`entry`: `entry` is a key of strategy=threshold, not of strategy=crossover; leave it out"
    );
    let typo = BotConfig { strategy: "crosover".into(), ..BotConfig::default() };
    assert_eq!(refuse(typo), "`strategy`: `crosover` is not a strategy; the strategies are `threshold`, `crossover`");
    let two = BotConfig { quantity: d("1"), notional: d("100"), ..BotConfig::default() };
    assert_eq!(refuse(two), "`quantity`: `quantity` and `notional` both size the entries; keep one");
    let stop = BotConfig { stop_loss_pct: d("0"), ..BotConfig::default() };
    assert_eq!(refuse(stop), "`stop_loss_pct`: 0 is not a percentage; use a number above 0");
}

#[test]
fn a_stop_in_the_transcript_says_which() {
    let (mut b, out) = bot(BotConfig { transcript: true, stop_loss_pct: d("5"), ..BotConfig::default() });
    b.start().unwrap();
    feed(&mut b, &[("X", "150"), ("X", "140")]);
    b.close().unwrap();
    assert!(
        out.text().contains("[SIGNAL] Exit at $140.00 (stop_loss) | Profit: $-10.00 → switching to WATCHING"),
        "{}",
        out.text()
    );
}

proptest::proptest! {
    /// With any sides, stops and costs, the curve's last point (kept by
    /// marks, tick by tick) is every trade's PnL recomputed from its fills
    /// less its fees, plus every open position marked at its last price
    /// less its entry fee.
    #[test]
    fn the_curve_ends_at_realized_plus_unrealized_after_costs(
        steps in proptest::collection::vec((0u8..9, 120u32..230), 1..120),
        side in 0u8..3,
        stop in proptest::option::of(1u32..20),
        trail in proptest::option::of(1u32..20),
        commission_cents in 0u32..300,
        bps in 0u32..50,
    ) {
        let side = [strategy::Sides::Long, strategy::Sides::Short, strategy::Sides::Both][side as usize];
        let dir = tempfile::tempdir().unwrap();
        let trades = dir.path().join("trades.csv");
        let config = BotConfig {
            side,
            stop_loss_pct: stop.map(whole),
            trailing_stop_pct: trail.map(whole),
            commission: Decimal::from_units(i64::from(commission_cents) * 1_000_000),
            commission_bps: whole(bps),
            slippage_bps: whole(bps / 2),
            quantity: d("3"),
            trades: Some(trades.display().to_string()),
            ..BotConfig::default()
        };
        let (mut b, _) = bot(config);
        b.start().unwrap();
        for (kind, price) in steps {
            let symbol = if kind % 2 == 0 { "A" } else { "B" };
            if kind == 0 {
                b.throw(&bad(Some("A"), "x")).unwrap();
            } else {
                feed(&mut b, &[(symbol, &format!("{price}.{}", kind * 7))]);
            }
        }
        let curve = b.total.realized.checked_add(b.equity.open).unwrap();
        let mut expected = Money::ZERO;
        for (_, book) in &b.books {
            if let (Some(p), Some(last)) = (book.machine.position, book.tape.last_price) {
                let gain = match p.side { Side::Long => Money::pnl(p.entry_price, last, p.quantity), Side::Short => Money::pnl(last, p.entry_price, p.quantity) };
                expected = expected.checked_add(gain).unwrap().checked_sub(p.entry_fee).unwrap();
            }
        }
        b.close().unwrap();
        for row in csv::Reader::from_path(&trades).unwrap().records() {
            let row = row.unwrap();
            let n = |i: usize| -> Decimal { row[i].parse().unwrap() };
            let (q, entry, exit, fees) = (n(2), n(4), n(6), Money::from_decimal(n(8)));
            let gain = if &row[1] == "long" { Money::pnl(entry, exit, q) } else { Money::pnl(exit, entry, q) };
            proptest::prop_assert_eq!(gain.checked_sub(fees).unwrap().to_string(), &row[9]);
            expected = expected.checked_add(gain).unwrap().checked_sub(fees).unwrap();
        }
        proptest::prop_assert_eq!(curve, expected);
    }
}

#[test]
fn the_report_lists_the_busiest_symbols_and_totals_them_all() {
    let (mut b, _) = bot(BotConfig { report_symbols: 2, ..BotConfig::default() });
    // A: 3 ticks, B: 2, C: 1, D: 3. Each rises 10% from its first tick.
    let ticks = [
        ("A", "100"),
        ("B", "100"),
        ("C", "100"),
        ("D", "100"),
        ("A", "105"),
        ("A", "110"),
        ("B", "110"),
        ("D", "105"),
        ("D", "110"),
    ];
    feed(&mut b, &ticks);
    let r = details(b);
    let listed: Vec<&String> = r["symbols"].as_object().unwrap().keys().collect();
    assert_eq!(listed, ["A", "D"], "the two busiest, in symbol order");
    assert_eq!(r["symbols_omitted"], 2);
    assert_eq!(r["ticks"], 9, "totals cover every symbol");
    // C never moved: (10 + 10 + 0 + 10) / 4.
    assert_eq!(r["buy_and_hold_pct"], 7.5);
}
