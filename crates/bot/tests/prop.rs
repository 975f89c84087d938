//! The bot's invariants on random streams of ticks and bad records.

use proptest::prelude::*;
use sluice_bot::{Bot, BotConfig};
use sluice_core::{BadKind, BadRecord, Decimal, Location, Record, Sink, Tick, Timestamp};

#[derive(Clone, Debug)]
enum Event {
    Tick(usize, i64),
    Bad(Option<usize>),
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let event = prop_oneof![
        8 => (0usize..3, 10_000i64..30_000).prop_map(|(s, p)| Event::Tick(s, p)),
        1 => proptest::option::of(0usize..3).prop_map(Event::Bad),
    ];
    proptest::collection::vec(event, 0..400)
}

proptest! {
    #[test]
    fn one_position_per_symbol_and_pnl_is_the_sum_of_trades(events in events()) {
        let symbols = ["AAPL", "MSFT", "GOOG"];
        let config = BotConfig { report_trades: usize::MAX, ..BotConfig::default() };
        let mut bot = Box::new(Bot::new(config, Box::new(std::io::sink())).unwrap());
        let at = Location::Seq { source: "prop", seq: 1 };
        for (i, e) in events.iter().enumerate() {
            match e {
                Event::Tick(s, cents) => {
                    let t = Tick {
                        time: Timestamp::from_nanos(i as i64),
                        symbol: symbols[*s].parse().unwrap(),
                        price: Decimal::from_scaled(*cents, 2).unwrap(),
                        volume: sluice_core::Money::from_decimal(Decimal::ONE),
                        quote: None,
                    };
                    bot.send(&Record::Tick(t), &at).unwrap();
                }
                Event::Bad(s) => {
                    let bad = BadRecord {
                        kind: BadKind::NegativePrice,
                        reason: "x".into(),
                        location: at,
                        raw: b"",
                        symbol: s.map(|s| symbols[s].parse().unwrap()),
                        echo: false,
                    };
                    bot.throw(&bad).unwrap();
                }
            }
        }
        let r = serde_json::Value::Object(bot.close().unwrap().full_details().unwrap());
        let trades = r["trades"].as_array().unwrap();
        let sum: f64 = trades.iter().map(|t| t["pnl"].as_f64().unwrap()).sum();
        prop_assert!((sum - r["realized_pnl"].as_f64().unwrap()).abs() < 1e-6);
        prop_assert_eq!(trades.len() as u64, r["trade_count"].as_u64().unwrap());
        // At most one open position per symbol, and trades of one symbol
        // never overlap in time.
        let open = r["open_positions"].as_array().unwrap();
        let mut open_symbols: Vec<&str> = open.iter().map(|p| p["symbol"].as_str().unwrap()).collect();
        open_symbols.dedup();
        prop_assert_eq!(open_symbols.len(), open.len());
        for s in symbols {
            let time = |v: &serde_json::Value| v.as_str().unwrap().parse::<Timestamp>().unwrap();
            let mut last_exit = Timestamp::EPOCH;
            for t in trades.iter().filter(|t| t["symbol"] == s) {
                let (entry, exit) = (time(&t["entry_time"]), time(&t["exit_time"]));
                prop_assert!(entry < exit && last_exit <= entry, "{}: {} then {}..{}", s, last_exit, entry, exit);
                last_exit = exit;
            }
        }
        let ticks = events.iter().filter(|e| matches!(e, Event::Tick(..))).count() as u64;
        prop_assert_eq!(r["ticks"].as_u64().unwrap(), ticks);
    }
}
