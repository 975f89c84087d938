//! The csv source against fixtures that carry the quirks of real files.

use std::io::Write;

use sluice_core::{Filter, Pull, Record, Source};
use sluice_replay::Columns;
use sluice_replay::{Backwards, Preset};
use sluice_replay::{CsvConfig, build};

fn fixture(name: &str) -> String {
    format!("{}/../../tests/fixtures/ticks/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn config(names: &[&str]) -> CsvConfig {
    CsvConfig::new(names.iter().map(|n| fixture(n)).collect())
}

/// Every pull, as text: `time symbol price volume` or `BAD line kind: reason`.
fn replay(c: &CsvConfig) -> Vec<String> {
    drain(build(c, None).unwrap())
}

fn drain(mut src: Box<dyn Source>) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        match src.pull().unwrap() {
            Pull::End => return out,
            Pull::Record(Record::Tick(t), _) => out.push(format!("{} {} {} {}", t.time, t.symbol, t.price, t.volume)),
            Pull::Record(other, _) => panic!("csv emitted {other:?}"),
            Pull::Idle => panic!("a file source is never idle"),
            Pull::Bad(b) => {
                let line = b.location.to_string();
                let line = line.rsplit('/').next().unwrap().to_owned();
                out.push(format!("BAD {line} {}: {}", b.kind, b.reason));
            }
        }
    }
}

#[test]
fn crlf_bom_quotes_blank_lines_and_no_final_newline_are_normal_input() {
    assert_eq!(
        replay(&config(&["quirks.csv"])),
        [
            "2026-01-05T14:30:00Z AAPL 150.25 100",
            // Quoted fields are unquoted; a thousands separator is no number.
            "BAD quirks.csv:3 volume: unparsable volume `2,000`: not a number",
            "2026-01-05T14:30:02Z AAPL 149.5 300",
            "2026-01-05T14:30:03.123456789Z AAPL 100 0.5",
        ]
    );
}

#[test]
fn every_bad_row_class_is_a_bad_record_with_its_line_and_reason() {
    let got = replay(&config(&["bad-rows.csv"]));
    let want = [
        "2026-01-05T14:30:00Z AAPL 150 100",
        "BAD bad-rows.csv:3 field_count: expected 4 fields, found 3",
        "BAD bad-rows.csv:4 field_count: expected 4 fields, found 5",
        "BAD bad-rows.csv:5 timestamp: unparsable timestamp `yesterday` (auto):",
        "BAD bad-rows.csv:6 timestamp: missing timestamp",
        "BAD bad-rows.csv:7 price: unparsable price `abc`: not a number",
        "BAD bad-rows.csv:8 price: missing price",
        "BAD bad-rows.csv:9 price: price `NaN` is not finite",
        "BAD bad-rows.csv:10 price: price `inf` is not finite",
        "BAD bad-rows.csv:11 negative_price: Negative price: -3.5",
        "BAD bad-rows.csv:12 zero_price: Zero price",
        "BAD bad-rows.csv:13 volume: unparsable volume `lots`: not a number",
        "BAD bad-rows.csv:14 volume: negative volume -5",
        "BAD bad-rows.csv:15 symbol: empty symbol",
        "BAD bad-rows.csv:16 time_backwards: timestamp 2026-01-05T14:29:00Z is before 2026-01-05T14:30:00Z",
        "BAD bad-rows.csv:17 field_count: a quote is not closed",
        "BAD bad-rows.csv:18 negative_price: Negative price: -1",
        "2026-01-05T14:30:14Z AAPL 151 100",
    ];
    assert_eq!(got.len(), want.len(), "{got:#?}");
    for (g, w) in got.iter().zip(want) {
        assert!(g.starts_with(w), "got {g:?}, want {w:?}");
    }
}

#[test]
fn backwards_time_can_pass_or_stop_the_replay() {
    let mut c = config(&["yahoo-newest-first.csv"]);
    c.format = Preset::Yahoo;
    c.symbol = Some("ORCL".parse().unwrap());
    assert_eq!(replay(&c).iter().filter(|l| l.contains("time_backwards")).count(), 2);
    c.backwards = Backwards::Pass;
    assert_eq!(
        replay(&c),
        [
            "2000-01-05T00:00:00Z ORCL 112.25 3000",
            "2000-01-04T00:00:00Z ORCL 110.75 2500",
            "2000-01-03T00:00:00Z ORCL 108.5 2000"
        ]
    );
    c.backwards = Backwards::Error;
    let mut src = build(&c, None).unwrap();
    assert!(matches!(src.pull(), Ok(Pull::Record(..))));
    let err = src.pull().unwrap_err().to_string();
    assert!(
        err.ends_with(
            "yahoo-newest-first.csv:3: timestamp 2000-01-04T00:00:00Z is before 2000-01-05T00:00:00Z (backwards=error)"
        ),
        "{err}"
    );
}

#[test]
fn binance_presets_take_the_symbol_from_the_file_name_and_both_time_units() {
    let mut c = config(&["BTCUSDT-trades-2024-01-01.csv", "BTCUSDT-trades-2025-01-01.csv"]);
    c.format = Preset::BinanceTrades;
    assert_eq!(
        replay(&c),
        [
            "2024-01-01T00:00:00.123Z BTCUSDT 42000.5 0.01",
            "2024-01-01T00:00:00.456Z BTCUSDT 42001 0.5",
            "2024-01-01T00:00:01Z BTCUSDT 41999.99 1",
            "2025-01-01T00:00:00.123456Z BTCUSDT 93000.1 0.002",
            "2025-01-01T00:00:00.223456Z BTCUSDT 93000.2 0.003",
        ]
    );
    let mut c = config(&["ETHUSDT-aggTrades-2024-01-01.csv"]);
    c.format = Preset::BinanceAggTrades;
    assert_eq!(replay(&c), ["2024-01-01T00:00:00Z ETHUSDT 2300.5 1.5", "2024-01-01T00:01:00Z ETHUSDT 2301 0.25"]);
}

#[test]
fn yahoo_histdata_and_tardis_presets() {
    let mut c = config(&["yahoo.csv"]);
    c.format = Preset::Yahoo;
    c.symbol = Some("ORCL".parse().unwrap());
    assert_eq!(replay(&c), ["2000-01-03T00:00:00Z ORCL 108.5 2000", "2000-01-04T00:00:00Z ORCL 110.75 2500"]);

    let mut c = config(&["histdata-EURUSD.csv"]);
    c.format = Preset::Histdata;
    c.symbol = Some("EURUSD".parse().unwrap());
    // EST is UTC-5 all year; the price is the mid.
    assert_eq!(replay(&c), ["2024-01-02T22:00:00.123Z EURUSD 1.10425 0", "2024-01-02T22:00:01Z EURUSD 1.10427 0"]);

    let mut c = config(&["tardis-trades.csv"]);
    c.format = Preset::Tardis;
    assert_eq!(replay(&c), ["2020-03-01T00:00:03.145Z XBTUSD 8601 10", "2020-03-01T00:00:03.145001Z XBTUSD 8600.5 25"]);
}

#[test]
fn quote_files_with_offsets_and_a_chosen_side() {
    let mut c = config(&["truefx-quotes.csv"]);
    c.symbol = Some("USDJPY".parse().unwrap());
    assert_eq!(replay(&c)[0], "2013-01-01T22:00:00.295Z USDJPY 86.7295 0");
    c.quote = sluice_replay::QuotePrice::Ask;
    c.backwards = Backwards::Pass;
    assert_eq!(replay(&c), ["2013-01-01T22:00:00.295Z USDJPY 86.733 0", "2013-01-01T21:00:01Z USDJPY 86.732 0"]);
}

#[test]
fn a_layout_of_ones_own_semicolons_crlf_and_a_pattern() {
    let mut c = config(&["ninjatrader-SPY.csv"]);
    c.header = Some(false);
    c.columns = Some("timestamp=0,price=4,volume=5".parse::<Columns>().unwrap());
    c.time_format = Some("%Y%m%d %H%M%S".parse().unwrap());
    c.symbol = Some("SPY".parse().unwrap());
    assert_eq!(replay(&c), ["2011-01-03T09:01:00Z SPY 126.39 1579", "2011-01-03T09:02:00Z SPY 126.37 1500"]);
}

#[test]
fn headerless_epoch_seconds_with_duplicates() {
    let mut c = config(&["bitstamp-headerless.csv"]);
    c.symbol = Some("BTCUSD".parse().unwrap());
    assert_eq!(
        replay(&c),
        [
            "2011-09-13T13:53:36Z BTCUSD 5.8 1",
            "2011-09-13T13:53:36Z BTCUSD 5.8 1",
            "2011-09-13T13:59:33Z BTCUSD 5.83 2.5",
        ]
    );
}

#[test]
fn merge_interleaves_by_time_ties_to_the_first_file() {
    let mut c = config(&["merge-a.csv", "merge-b.csv"]);
    c.merge = true;
    let got = replay(&c);
    assert_eq!(
        got,
        [
            "2026-01-05T14:30:00Z AAPL 150 1",
            "2026-01-05T14:30:01Z MSFT 400 1",
            "2026-01-05T14:30:02Z AAPL 151 1",
            "2026-01-05T14:30:02Z MSFT 401 1",
            "BAD merge-b.csv:4 price: unparsable price `oops`: not a number",
            "2026-01-05T14:30:04Z AAPL 152 1",
            "2026-01-05T14:30:05Z MSFT 402 1",
        ]
    );
    c.merge = false;
    assert_eq!(replay(&c)[3], "2026-01-05T14:30:01Z MSFT 400 1", "without --merge the files go in turn");
}

#[test]
fn gzip_and_zstd_read_like_the_plain_file() {
    let plain = std::fs::read(fixture("bad-rows.csv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("t.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::default());
    enc.write_all(&plain).unwrap();
    enc.finish().unwrap();
    let zst = dir.path().join("t.csv");
    std::fs::write(&zst, zstd::encode_all(&plain[..], 3).unwrap()).unwrap();

    let lines = |path: &std::path::Path| {
        let got = replay(&CsvConfig::new(vec![path.to_str().unwrap().to_owned()]));
        got.into_iter().map(|l| l.replace("t.csv.gz:", "X:").replace("t.csv:", "X:")).collect::<Vec<_>>()
    };
    let want: Vec<String> =
        replay(&config(&["bad-rows.csv"])).into_iter().map(|l| l.replace("bad-rows.csv:", "X:")).collect();
    assert_eq!(lines(&gz), want);
    // Recognised by its first bytes, without a .zst extension.
    assert_eq!(lines(&zst), want);
}

#[test]
fn a_symbol_filter_taken_over_skips_other_rows_and_keeps_unknown_ones() {
    let mut src = build(&config(&["bad-rows.csv", "merge-b.csv"]), None).unwrap();
    assert!(src.take_over(&Filter::Symbols(vec!["AAPL".parse().unwrap()])));
    let got = drain(src);
    assert!(got.iter().all(|l| !l.contains("MSFT")), "{got:#?}");
    // The row with an empty symbol cannot be judged, so it is delivered.
    assert!(got.iter().any(|l| l.starts_with("BAD bad-rows.csv:15 symbol")));
    assert_eq!(got.len(), 17);
}

#[test]
fn strict_stops_at_the_first_bad_row() {
    let mut c = config(&["bad-rows.csv"]);
    c.strict = true;
    let mut src = build(&c, None).unwrap();
    assert!(matches!(src.pull(), Ok(Pull::Record(..))));
    let err = src.pull().unwrap_err().to_string();
    assert!(err.ends_with("bad-rows.csv:3: expected 4 fields, found 3 (strict)"), "{err}");
}

#[test]
fn layout_mistakes_are_configuration_errors_naming_the_file() {
    let mut c = config(&["bitstamp-headerless.csv"]);
    let err = build(&c, None).unwrap().pull().unwrap_err();
    assert!(err.is_config());
    assert!(
        err.to_string().contains("bitstamp-headerless.csv: no symbol column; give the symbol with --symbol NAME"),
        "{err}"
    );
    c.symbol = Some("X".parse().unwrap());
    c.columns = Some("price=Close".parse().unwrap());
    let err = build(&c, None).unwrap().pull().unwrap_err();
    assert!(err.to_string().contains("named, but the file has no header"), "{err}");
    assert!(
        build(&CsvConfig::new(vec!["/no/such/file.csv".into()]), None).err().unwrap().message.contains("no such file")
    );
}

#[test]
fn an_over_long_row_is_a_bad_record_and_reading_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.csv");
    let long = "9".repeat(5000);
    std::fs::write(&path, format!("2026-01-05T14:30:00Z,AAPL,{long},1\n2026-01-05T14:30:01Z,AAPL,150,1\n")).unwrap();
    let mut c = CsvConfig::new(vec![path.to_str().unwrap().to_owned()]);
    c.max_line_bytes = 1000;
    c.header = Some(false);
    let got = replay(&c);
    assert_eq!(
        got,
        [
            "BAD long.csv:1 line_too_long: row of 5028 bytes is longer than max_line_bytes",
            "2026-01-05T14:30:01Z AAPL 150 1"
        ]
    );
}

#[test]
fn the_fast_symbol_check_and_the_full_split_agree_on_quoted_rows() {
    // Row 3 of quirks.csv quotes its symbol, so the fast path must defer to
    // the full split, which unquotes it and keeps it.
    let mut src = build(&config(&["quirks.csv"]), None).unwrap();
    assert!(src.take_over(&Filter::Symbols(vec!["MSFT".parse().unwrap()])));
    assert_eq!(drain(src), ["BAD quirks.csv:3 volume: unparsable volume `2,000`: not a number"]);
    let mut src = build(&config(&["quirks.csv"]), None).unwrap();
    assert!(src.take_over(&Filter::Symbols(vec!["AAPL".parse().unwrap()])));
    assert_eq!(drain(src).len(), 3);
}
