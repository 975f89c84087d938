//! Any tick written in any supported layout reads back as itself, and no
//! input makes the reader panic.

use proptest::prelude::*;
use sluice_core::{Decimal, Pull, Quote, Record, Source, Tick, Timestamp};
use sluice_replay::Preset;
use sluice_replay::{CsvConfig, build};

fn replay(text: &[u8], configure: impl Fn(&mut CsvConfig)) -> Vec<Result<Tick, String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("BTCUSDT-trades-2024-01-01.csv");
    std::fs::write(&path, text).unwrap();
    let mut c = CsvConfig::new(vec![path.to_str().unwrap().to_owned()]);
    configure(&mut c);
    let Ok(mut src) = build(&c, None) else { return Vec::new() };
    let mut out = Vec::new();
    loop {
        match src.pull() {
            Ok(Pull::End) => return out,
            Ok(Pull::Record(Record::Tick(t), _)) => out.push(Ok(t)),
            Ok(Pull::Record(..)) => panic!("not a tick"),
            Ok(Pull::Idle) => panic!("a file source is never idle"),
            Ok(Pull::Bad(b)) => out.push(Err(b.reason)),
            Err(e) => {
                out.push(Err(e.to_string()));
                return out;
            }
        }
    }
}

prop_compose! {
    fn ticks()(rows in proptest::collection::vec((0i64..4_000_000_000, 0usize..3, 1i64..10_000_000_000, 0i64..1_000_000_000_000), 1..40)) -> Vec<Tick> {
        let symbols = ["AAPL", "BRK.B", "EUR/USD"];
        let mut ms = 1_700_000_000_000i64;
        rows.into_iter().map(|(step, s, price, volume)| {
            ms += step % 10_000;
            Tick {
                time: Timestamp::from_nanos(ms * 1_000_000),
                symbol: symbols[s].parse().unwrap(),
                price: Decimal::from_units(price),
                volume: sluice_core::Money::from_units(i128::from(volume)),
                quote: None,
            }
        }).collect()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn sluice_layout_round_trips(ticks in ticks(), header: bool, crlf: bool, quote: bool) {
        let end = if crlf { "\r\n" } else { "\n" };
        let q = |s: String| if quote { format!("\"{s}\"") } else { s };
        let mut text = if header { format!("timestamp,symbol,price,volume{end}") } else { String::new() };
        for t in &ticks {
            text.push_str(&format!("{},{},{},{}{end}", q(t.time.to_string()), q(t.symbol.to_string()), t.price, t.volume));
        }
        let got = replay(text.as_bytes(), |_| {});
        prop_assert_eq!(got, ticks.into_iter().map(Ok).collect::<Vec<_>>());
    }

    #[test]
    fn binance_layouts_round_trip(ticks in ticks(), aggregate: bool) {
        // Trades: id,price,qty,quote_qty,time,…; aggregate trades:
        // agg_id,price,qty,first_id,last_id,time,…; times in milliseconds.
        let mut text = String::new();
        for (i, t) in ticks.iter().enumerate() {
            let ms = t.time.as_nanos() / 1_000_000;
            let row = if aggregate {
                format!("{i},{},{},{i},{i},{ms},false,true\n", t.price, t.volume)
            } else {
                format!("{i},{},{},0,{ms},true,true\n", t.price, t.volume)
            };
            text.push_str(&row);
        }
        let preset = if aggregate { Preset::BinanceAggTrades } else { Preset::BinanceTrades };
        let got = replay(text.as_bytes(), |c| c.format = preset);
        // The symbol comes from the file name, BTCUSDT-trades-….
        let want: Vec<_> = ticks.into_iter().map(|t| Ok(Tick { symbol: "BTCUSDT".parse().unwrap(), ..t })).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn semicolon_epoch_seconds_layout_round_trips(ticks in ticks()) {
        let mut text = String::new();
        for t in &ticks {
            text.push_str(&format!("{};{};{}\r\n", t.time.as_nanos() / 1_000_000_000, t.price, t.volume));
        }
        let got = replay(text.as_bytes(), |c| c.symbol = Some("X".parse().unwrap()));
        let want: Vec<_> = ticks.into_iter().map(|t| Ok(Tick {
            symbol: "X".parse().unwrap(),
            time: Timestamp::from_nanos(t.time.as_nanos() / 1_000_000_000 * 1_000_000_000),
            ..t
        })).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn any_bytes_give_records_or_clear_errors(bytes in proptest::collection::vec(any::<u8>(), 0..600), header: bool) {
        // Whatever it gets, the reader answers without panicking.
        let _ = replay(&bytes, |c| c.header = Some(header));
        let _ = replay(&bytes, |c| { c.header = Some(false); c.symbol = Some("X".parse().unwrap()); });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    #[test]
    fn tardis_layout_round_trips(ticks in ticks()) {
        let mut text = String::from("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n");
        for t in &ticks {
            let us = t.time.as_nanos() / 1_000;
            text.push_str(&format!("bitmex,{},{us},{},x,buy,{},{}\n", t.symbol, us + 5, t.price, t.volume));
        }
        let got = replay(text.as_bytes(), |c| c.format = Preset::Tardis);
        prop_assert_eq!(got, ticks.into_iter().map(Ok).collect::<Vec<_>>());
    }

    #[test]
    fn yahoo_layout_round_trips(ticks in ticks()) {
        // Daily bars: one a day, price = Close.
        let mut text = String::from("Date,Open,High,Low,Close,Adj Close,Volume\n");
        let day0 = jiff::civil::date(2000, 1, 3);
        let mut want = Vec::new();
        for (i, t) in ticks.iter().enumerate() {
            let day = day0.checked_add(jiff::Span::new().days(i as i64)).unwrap();
            text.push_str(&format!("{day},1,1,1,{},0.5,{}\n", t.price, t.volume));
            let midnight = day.to_datetime(jiff::civil::Time::midnight());
            let time = Timestamp::from_jiff(jiff::tz::TimeZone::UTC.to_ambiguous_timestamp(midnight).compatible().unwrap()).unwrap();
            want.push(Ok(Tick { time, symbol: "ORCL".parse().unwrap(), ..*t }));
        }
        let got = replay(text.as_bytes(), |c| { c.format = Preset::Yahoo; c.symbol = Some("ORCL".parse().unwrap()); });
        prop_assert_eq!(got, want);
    }

    #[test]
    fn histdata_layout_round_trips(ticks in ticks()) {
        // Times in EST (UTC-5, no DST) to the millisecond; bid = ask, so the
        // mid is the price.
        let est = jiff::tz::TimeZone::fixed(jiff::tz::offset(-5));
        let mut text = String::new();
        for t in &ticks {
            let local = est.to_datetime(t.time.to_jiff());
            text.push_str(&format!("{},{},{},{}\n", local.strftime("%Y%m%d %H%M%S%3f"), t.price, t.price, t.volume));
        }
        let got = replay(text.as_bytes(), |c| { c.format = Preset::Histdata; c.symbol = Some("EURUSD".parse().unwrap()); });
        // The tick carries the quote it was read from.
        let quoted = |t: Tick| Tick { symbol: "EURUSD".parse().unwrap(), quote: Some(Quote { bid: t.price, ask: t.price }), ..t };
        let want: Vec<_> = ticks.into_iter().map(|t| Ok(quoted(t))).collect();
        prop_assert_eq!(got, want);
    }
}

/// Every pull of `src`, as text, keeping what `filter` keeps.
fn pulls(src: &mut dyn Source, filter: Option<&sluice_core::Filter>) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        match src.pull() {
            Ok(Pull::End) => return out,
            Ok(Pull::Record(r, at)) if filter.is_none_or(|f| f.keeps(&r)) => out.push(format!("{at} {r:?}")),
            Ok(Pull::Bad(b)) if filter.is_none_or(|f| f.keeps_bad(&b)) => {
                out.push(format!("{} {} {:?}", b.location, b.reason, String::from_utf8_lossy(b.raw)))
            }
            Ok(_) => {}
            Err(e) => {
                out.push(e.to_string());
                return out;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The source's own symbol filter (which skims dropped rows a buffer at
    /// a time) keeps exactly what the bridge's filter would keep, bad rows
    /// and line numbers included.
    #[test]
    fn a_taken_over_symbol_filter_keeps_what_the_filter_keeps(
        rows in proptest::collection::vec(0usize..14, 0..300),
        crlf: bool,
    ) {
        // Times only move forward: a taken-over filter never parses the
        // times of the rows it drops, so it judges order among kept rows.
        let kinds = [
            "{t},AAPL,150.5,10",
            "{t},MSFT,151,1",
            "{t},GOOG,-1,1",
            "{t},AAPL,-2,1",
            "garbage",
            "{t},,150,1",
            "{t},\"AAPL\",150,1",
            "{t},MSFT,\"15\n0\",1",
            "{t},MSFT,150",
            "",
            "{t},AA PL,150,1",
            "{t},MSFT,150,1,extra",
            "{t},NVDA,\"150,1",
            "{t},AAPLX,150,1",
        ];
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("timestamp,symbol,price,volume{end}");
        for (i, &k) in rows.iter().enumerate() {
            text.push_str(&kinds[k].replace("{t}", &format!("2024-01-01T{:02}:{:02}:{:02}Z", i / 3600, i / 60 % 60, i % 60)));
            text.push_str(end);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).unwrap();
        let c = CsvConfig::new(vec![path.to_str().unwrap().to_owned()]);
        let filter = sluice_core::Filter::Symbols(vec!["AAPL".parse().unwrap()]);
        let mut own = build(&c, None).unwrap();
        prop_assert!(own.take_over(&filter));
        let mut plain = build(&c, None).unwrap();
        let kept = pulls(own.as_mut(), None);
        prop_assert_eq!(&kept, &pulls(plain.as_mut(), Some(&filter)));
        let mut again = build(&c, None).unwrap();
        prop_assert_eq!(own.scanned(), Some(pulls(again.as_mut(), None).len() as u64));
    }
}
