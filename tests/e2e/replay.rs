//! `sluice replay`: files, stdin, layouts and the ways a replay can fail.

use std::io::Write;
use std::process::Stdio;

use crate::util::*;

#[test]
fn the_bundled_sample_replays_into_the_bot() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let sample = root().join("data/sample-ticks.csv");
    let out = run(&["replay", arg(&sample), "--report", arg(&report)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json(&report);
    assert_eq!(r["run"]["read"], 3000);
    assert_eq!(r["run"]["bad"]["negative_price"], 1);
    assert_eq!(r["run"]["bad"]["field_count"], 1);
    assert_eq!(r["ticks"], 2998);
    assert!(r["trade_count"].as_u64().unwrap() > 0);
    // Every trade won, so the realized curve never falls; the positions
    // held through falls do. 95.24 is an independent exact-decimal
    // reimplementation's mark-to-market figure for this file.
    assert_eq!(r["max_drawdown"], 0.0);
    assert_eq!(r["equity_max_drawdown"], 95.24);
    assert_eq!(
        stdout(&out).lines().filter(|l| l.starts_with("EXIT")).count() as u64,
        r["trade_count"].as_u64().unwrap()
    );
}

#[test]
fn the_equity_curve_file_agrees_with_the_reports_risk_figures() {
    let dir = tempfile::tempdir().unwrap();
    let (report, equity) = (dir.path().join("r.json"), dir.path().join("equity.csv"));
    let sample = root().join("data/sample-ticks.csv");
    let args = ["replay", arg(&sample), "-q", "--sink", "bot:period=10s,capital=5000", "--equity", arg(&equity)];
    let out = run(&[&args[..], &["--report", arg(&report)]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json(&report);
    let mut rows = csv::Reader::from_path(&equity).unwrap();
    assert_eq!(rows.headers().unwrap(), vec!["period_start", "equity", "pnl", "drawdown"]);
    let rows: Vec<[f64; 3]> =
        rows.records().map(|row| [1, 2, 3].map(|i| row.as_ref().unwrap()[i].parse::<f64>().unwrap())).collect();
    assert_eq!(rows.len() as u64, r["periods"].as_u64().unwrap());
    // The curve ends at realized plus unrealized PnL, on the capital.
    let [equity_last, pnl_last, _] = *rows.last().unwrap();
    let total = r["realized_pnl"].as_f64().unwrap() + r["unrealized_pnl"].as_f64().unwrap();
    assert!((pnl_last - total).abs() < 1e-6 && (equity_last - 5000.0 - total).abs() < 1e-6);
    // No period's close falls further than the tick-by-tick drawdown.
    let deepest = rows.iter().map(|r| r[2]).fold(0.0, f64::max);
    assert!(deepest > 0.0 && deepest <= r["equity_max_drawdown"].as_f64().unwrap());
    // Sharpe recomputed from the file's closes: each period's change on
    // the capital plus the close before it, the first from zero.
    let mut before = 0.0;
    let returns: Vec<f64> = rows
        .iter()
        .map(|&[_, pnl, _]| {
            let ret = (pnl - before) / (5000.0 + before);
            before = pnl;
            ret
        })
        .collect();
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let sd = (returns.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let per_year = r["periods_per_year"].as_f64().unwrap();
    assert_eq!(per_year, 252.0 * 8640.0);
    let sharpe = r["sharpe"].as_f64().unwrap();
    assert!((sharpe - mean / sd * per_year.sqrt()).abs() < 1e-6 * sharpe.abs(), "{sharpe}");
}

#[test]
fn replay_and_a_csv_source_are_the_same_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let sample = root().join("data/sample-ticks.csv");
    let s = arg(&sample);
    assert!(run(&["replay", s, "-q", "--filter", "symbol=AAPL", "--report", arg(&a)]).status.success());
    let spec = format!("csv:path={s}");
    assert!(run(&["run", "-q", "--source", &spec, "--filter", "symbol=AAPL", "--report", arg(&b)]).status.success());
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // The symbol filter was taken over by the source: it read every row,
    // and handed on only AAPL's.
    let r = json(&a);
    assert_eq!(r["run"]["read"], 3000);
    assert_eq!(r["symbols"].as_object().unwrap().keys().collect::<Vec<_>>(), ["AAPL"]);
}

#[test]
fn stdin_is_read_with_a_dash() {
    let sample = std::fs::read(root().join("data/sample-ticks.csv")).unwrap();
    let mut child = sluice(&["replay", "-", "-q", "--limit", "10", "--transcript"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Written from a thread: the replay may stop reading at its limit.
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&sample);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).ends_with("Processed 10 AAPL/MSFT/NVDA ticks.\n"), "{}", stdout(&out));
}

#[test]
fn strict_stops_with_exit_1_naming_the_row() {
    let out = run(&["replay", &tick_fixture("bad-rows.csv"), "--strict", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("bad-rows.csv:3: expected 4 fields, found 3 (strict)"), "{err}");
}

#[test]
fn mistakes_in_files_and_flags_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["replay", "/no/such/ticks.csv"], "no such file"),
        (&["replay", "/tmp"], "is a directory"),
        (&["replay", "x.csv", "--format", "yahooo"], "the formats are sluice"),
        (&["replay", "x.csv", "--speed", "fast"], "not a speed"),
        (&["replay", "x.csv", "--columns", "colour=1"], "not a column role"),
        (&["replay", "x.csv", "--time-format", "weekly"], "not a time format"),
    ];
    for (args, want) in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
    // A layout that does not fit the file is found at its first line.
    let out = run(&["replay", &tick_fixture("bitstamp-headerless.csv"), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bitstamp-headerless.csv: no symbol column; give the symbol with --symbol NAME"));
}

#[test]
fn replay_flags_are_the_csv_sources_keys_and_their_mistakes_name_the_flag() {
    // Issue 20: the flags are generated from the csv source's options, so
    // each mistake names the flag, in one line, as `--source csv:` names
    // the key.
    let sample = tick_fixture("bad-rows.csv");
    let cases: &[(&[&str], &str)] = &[
        (&["--tz", "Mars/Base"], "sluice: --tz: `Mars/Base` is not a time zone"),
        (&["--max-line-bytes", "0"], "sluice: --max-line-bytes: use a size above 0"),
        (&["--max-line-bytes", "lots"], "sluice: --max-line-bytes: `lots` is not a whole number"),
        (
            &["--columns", "price=2", "--price-column", "3"],
            "sluice: --columns: `price` is given in `columns` and as `price_column`",
        ),
    ];
    for (flags, want) in cases {
        let mut args = vec!["replay", sample.as_str(), "-q"];
        args.extend_from_slice(flags);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with(want), "{args:?}: {err}");
    }
    // A key that was only in pipeline files before is a flag now, and does
    // what the key does: the price taken from the volume column.
    let (dir, report) = (tempfile::tempdir().unwrap(), "r.json");
    let path = dir.path().join(report);
    let by_flag = run(&["replay", &sample, "-q", "--price-column", "3", "--report", arg(&path)]);
    let by_key = run(&["run", "--source", &format!("csv:path={sample},price_column=3"), "-q", "--json"]);
    assert_eq!(by_flag.status.code(), by_key.status.code());
    let flag_report: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let key_report: serde_json::Value = serde_json::from_slice(&by_key.stdout).unwrap();
    assert_eq!(flag_report, key_report);
    assert_ne!(flag_report, run_report(&sample), "the price column changed what was read");
}

/// The report of a plain replay of `path`.
fn run_report(path: &str) -> serde_json::Value {
    let out = run(&["replay", path, "-q", "--json"]);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_transcript_of_a_replay_counts_every_tick() {
    let out = run(&["replay", &tick_fixture("bad-rows.csv"), "--transcript", "-q"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("[ERROR] Bad data received: Negative price: -3.5. Resetting to WATCHING.\n"));
    assert!(text.ends_with("Processed 18 AAPL/MSFT ticks.\n"), "{text}");
}

/// Each real layout replays with its preset or documented flags, with the
/// counts SOURCES.md gives for it.
#[test]
fn real_files_replay_with_presets_and_flags() {
    let Some(real) = real_data() else { return };
    let t = |p: &str| real.join("ticks").join(p).to_string_lossy().into_owned();
    let cases: Vec<(Vec<String>, u64, u64)> = vec![
        (
            vec![
                t("pyalgotrade/trades-mgtox-usd-2013-01-01.csv"),
                "--columns".into(),
                "timestamp=id".into(),
                "--time-format".into(),
                "epoch-us".into(),
                "--symbol".into(),
                "BTCUSD".into(),
            ],
            2331,
            0,
        ),
        (vec![t("pyalgotrade/bitstampUSD.csv"), "--symbol".into(), "BTCUSD".into()], 9999, 0),
        (vec![t("nautilus_trader/bitmex_trades_XBTUSD.csv"), "--format".into(), "tardis".into()], 10, 0),
        (vec![t("nautilus_trader/truefx_usdjpy-ticks.csv"), "--symbol".into(), "USDJPY".into()], 1000, 0),
        (vec![t("backtrader/ticksample.csv"), "--symbol".into(), "STOXX50".into()], 135, 0),
        (
            vec![
                t("backtrader/orcl-1995-2014.txt"),
                "--format".into(),
                "yahoo".into(),
                "--symbol".into(),
                "ORCL".into(),
            ],
            5036,
            0,
        ),
        // Newest first: every row after the first goes back in time.
        (
            vec![
                t("pyalgotrade/orcl-2000-yahoofinance.csv"),
                "--format".into(),
                "yahoo".into(),
                "--symbol".into(),
                "ORCL".into(),
            ],
            252,
            251,
        ),
        (
            vec![
                t("pyalgotrade/nt-spy-minute-2011.csv"),
                "--no-header".into(),
                "--columns".into(),
                "timestamp=0,price=4,volume=5".into(),
                "--time-format".into(),
                "%Y%m%d %H%M%S".into(),
                "--symbol".into(),
                "SPY".into(),
            ],
            14180,
            0,
        ),
        (vec![t("nautilus_trader/btc-perp-20211231-20220201_1m.csv"), "--symbol".into(), "BTCPERP".into()], 45031, 0),
        (
            vec![
                t("nautilus_trader/ADABTC-1m-2021-11-27.csv"),
                "--no-header".into(),
                "--columns".into(),
                "timestamp=0,price=4,volume=5".into(),
                "--symbol".into(),
                "ADABTC".into(),
            ],
            10,
            0,
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    for (args, rows, bad) in cases {
        let mut all = vec!["replay", "-q", "--report", arg(&report)];
        all.extend(args.iter().map(String::as_str));
        let out = run(&all);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let r = json(&report);
        assert_eq!((r["run"]["read"].as_u64(), r["bad_records"].as_u64()), (Some(rows), Some(bad)), "{args:?}");
    }
    // A newest-first file let through with --backwards pass reaches an audit
    // log whole, but the bot refuses to trade it in reverse (issue 16).
    let wiki = t("pyalgotrade/WIKI-ORCL-2000-quandl.csv");
    let passed = ["replay", "-q", wiki.as_str(), "--symbol", "ORCL", "--backwards", "pass"];
    let audit = run(&[&passed[..], &["--sink", "audit:path=/dev/null", "--report", arg(&report)]].concat());
    assert_eq!(audit.status.code(), Some(0), "{}", stderr(&audit));
    assert_eq!(json(&report)["run"]["read"].as_u64(), Some(252));
    let bot = run(&passed);
    assert_eq!(bot.status.code(), Some(1));
    assert!(
        stderr(&bot).contains("ORCL: a tick at 2000-12-28T00:00:00Z comes after one at 2000-12-29T00:00:00Z"),
        "{}",
        stderr(&bot)
    );
}

/// A tick file big enough that a transcript to an unread pipe stalls early.
fn big_tick_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("big.csv");
    let mut text = String::from("timestamp,symbol,price,volume\n");
    for i in 0..300_000u32 {
        text.push_str(&format!(
            "2026-01-05T10:{:02}:{:02}.{:06}Z,AAPL,{}.{:02},1\n",
            i / 60_000 % 60,
            i / 1000 % 60,
            i % 1_000_000,
            100 + i % 150,
            i % 100
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_file_truncated_during_a_replay_gives_a_warning_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let path = big_tick_file(dir.path());
    let run = stalled(&["replay", arg(&path), "--transcript", "-q"], |_| {
        std::fs::File::options().write(true).open(&path).unwrap().set_len(0).unwrap();
    });
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("big.csv: file was truncated while being replayed"), "{}", run.stderr);
}

#[test]
fn sigterm_during_a_replay_into_bot_and_audit_leaves_a_log_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = big_tick_file(dir.path());
    let log = dir.path().join("a.jsonl");
    let sink = format!("audit:path={}", arg(&log));
    let ended = stalled(&["replay", arg(&path), "--transcript", "--sink", "bot", "--sink", &sink], |pid| {
        signal(pid, "TERM");
    });
    assert_eq!(ended.code, Some(143), "{}", ended.stderr);
    assert!(ended.stderr.contains("sluice: audit: "), "the summary is printed: {}", ended.stderr);
    let verify = run(&["audit", "verify", arg(&log)]);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
}

#[test]
fn a_file_deleted_or_appended_to_during_a_replay_is_replayed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = big_tick_file(dir.path());
    let deleted = stalled(&["replay", arg(&path), "--transcript", "-q"], |_| std::fs::remove_file(&path).unwrap());
    assert_eq!(deleted.code, Some(0), "{}", deleted.stderr);
    assert!(deleted.stderr.contains("big.csv: file was deleted while being replayed"), "{}", deleted.stderr);
    assert!(
        String::from_utf8_lossy(&deleted.rest).ends_with("Processed 300000 AAPL ticks.\n"),
        "the open file is read to its end"
    );

    let path = big_tick_file(dir.path());
    let grown = stalled(&["replay", arg(&path), "--transcript", "-q"], |_| {
        let mut f = std::fs::File::options().append(true).open(&path).unwrap();
        std::io::Write::write_all(&mut f, b"2026-01-05T11:00:00Z,AAPL,150,1\n").unwrap();
    });
    assert_eq!(grown.code, Some(0), "{}", grown.stderr);
    // Either the row arrived before the end was reached (and was replayed), or
    // after (and the warning says so).
    let replayed = String::from_utf8_lossy(&grown.rest).ends_with("Processed 300001 AAPL ticks.\n");
    assert!(replayed || grown.stderr.contains("big.csv: file grew while being replayed"), "{}", grown.stderr);
}

#[test]
fn ctrl_c_during_a_replay_into_bot_and_audit_leaves_a_log_that_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = big_tick_file(dir.path());
    let log = dir.path().join("a.jsonl");
    let sink = format!("audit:path={}", arg(&log));
    let ended = stalled(&["replay", arg(&path), "--transcript", "--sink", "bot", "--sink", &sink], |pid| {
        signal(pid, "INT");
    });
    assert_eq!(ended.code, Some(130), "{}", ended.stderr);
    assert!(ended.stderr.lines().any(|l| l.starts_with("total ")), "the summary is printed: {}", ended.stderr);
    let verify = run(&["audit", "verify", arg(&log)]);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
}

#[test]
fn a_guessed_layout_is_checked_and_a_file_of_bad_rows_fails() {
    // Issue 17: a Binance trades file without --format gave 400 "good" ticks
    // with numeric symbols and dates in 2074; integer prices made every row
    // bad with exit 0.
    let out = run(&["replay", &tick_fixture("BTCUSDT-trades-2024-01-01.csv"), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("holds a number (`42000.50`)") && err.contains("add --format binance-trades"), "{err}");
    let out = run(&["replay", &tick_fixture("ETHUSDT-aggTrades-2024-01-01.csv"), "-q"]);
    assert!(stderr(&out).contains("add --format binance-aggtrades"), "{}", stderr(&out));
    // The same file with its preset replays.
    let ok = run(&["replay", &tick_fixture("BTCUSDT-trades-2024-01-01.csv"), "--format", "binance-trades", "-q"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    // A year past 2100 from a guessed epoch column (milliseconds).
    let dir = tempfile::tempdir().unwrap();
    let future = dir.path().join("f.csv");
    std::fs::write(&future, "4133980800123,AAPL,150,1\n").unwrap();
    let out = run(&["replay", arg(&future), "-q"]);
    assert!(stderr(&out).contains("timestamp column gives 2101-01-01"), "{}", stderr(&out));
    // Prices past what a price holds in every row: an error, not exit 0.
    let ints = dir.path().join("i.csv");
    std::fs::write(&ints, "timestamp,symbol,price,volume\n2024-01-02T00:00:00Z,ES,4770250000000000000000,1\n").unwrap();
    let out = run(&["replay", arg(&ints), "-q"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("every one of the 1 rows read was bad (mostly price)"), "{}", stderr(&out));
}

#[test]
fn a_zip_of_one_file_replays_and_names_its_symbol_from_the_archive() {
    // Issue 17: a deflated zip was "1 fields"; a stored one was parsed as
    // raw bytes into ticks. Fixtures made with Python's zipfile.
    let zip = |name: &str| root().join("tests/fixtures/zip").join(name).to_string_lossy().into_owned();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    for name in ["BTCUSDT-trades-2024-01-01.zip", "stored.zip"] {
        let out = run(&[
            "replay",
            &zip(name),
            "--format",
            "binance-trades",
            "--symbol",
            "BTCUSDT",
            "-q",
            "--report",
            arg(&report),
        ]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let r = json(&report);
        assert_eq!((r["ticks"].as_u64(), r["bad_records"].as_u64()), (Some(3), Some(0)), "{name}");
    }
    // The symbol comes from the archive's name, as from a CSV's.
    let out = run(&["replay", &zip("BTCUSDT-trades-2024-01-01.zip"), "--format", "binance-trades", "-q", "--json"]);
    assert!(stdout(&out).contains("\"BTCUSDT\""), "{}", stdout(&out));
    let out = run(&["replay", &zip("two-files.zip"), "-q"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("holds 2 files (a.csv, b.csv)"), "{}", stderr(&out));
}

/// The ticks a replay of `rows` written to `name` yields, as
/// `time symbol price volume`, through the audit log on stdout.
fn vendor_ticks(name: &str, rows: &str, flags: &[&str]) -> Result<Vec<String>, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, rows).unwrap();
    let out = run(&[&["replay", arg(&path), "-q", "--sink", "audit:path=-"][..], flags].concat());
    if !out.status.success() {
        return Err(stderr(&out));
    }
    Ok(stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["kind"] == "record")
        .map(|v| {
            format!(
                "{} {} {} {}",
                v["time"].as_str().unwrap(),
                v["symbol"].as_str().unwrap(),
                v["price"].as_str().unwrap(),
                v["volume"].as_str().unwrap()
            )
        })
        .collect())
}

#[test]
fn vendor_presets_read_what_vendors_ship() {
    let klines =
        "1704067200000,42283.58,42298.62,42283.57,42298.61,35.92724,1704067259999,1519474.02,1327,20.21,854.61,0\n";
    assert_eq!(
        vendor_ticks("BTCUSDT-1m-2024-01-01.csv", klines, &["--format", "binance-klines"]),
        Ok(vec!["2024-01-01T00:00:59.999Z BTCUSDT 42298.61 35.92724".to_owned()]),
        "the close, at the bar's close time, the symbol from the file's name"
    );
    let tardis_quotes = "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n\
                         binance,BTCUSDT,1704067200000000,1704067200100000,1.5,42001.5,42000.5,2.0\n";
    assert_eq!(
        vendor_ticks("q.csv", tardis_quotes, &["--format", "tardis-quotes"]),
        Ok(vec!["2024-01-01T00:00:00Z BTCUSDT 42001 0".to_owned()])
    );
    let err = vendor_ticks("q.csv", tardis_quotes, &["--format", "tardis"]).unwrap_err();
    assert!(err.contains("this file holds quotes (bid and ask): use a quotes preset such as tardis-quotes"), "{err}");
    let dukascopy = "Gmt time,Ask,Bid,AskVolume,BidVolume\n01.01.2024 22:00:00.123,1.10452,1.10440,1.5,2.25\n";
    assert_eq!(
        vendor_ticks("EURUSD_Ticks.csv", dukascopy, &["--format", "dukascopy", "--symbol", "EURUSD"]),
        Ok(vec!["2024-01-01T22:00:00.123Z EURUSD 1.10446 0".to_owned()])
    );
    let polygon = "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp\n\
                   AAPL,\"12,37\",0,11,1,1704205800000123456,185.64,1001,1704205800000456789,100,3,0,0\n";
    assert_eq!(
        vendor_ticks("2024-01-02.csv", polygon, &["--format", "polygon-trades"]),
        Ok(vec!["2024-01-02T14:30:00.000456789Z AAPL 185.64 100".to_owned()])
    );
    // Raw integer prices (×1e-9) and a pretty-printed one, in one file.
    let databento = "ts_recv,ts_event,rtype,publisher_id,instrument_id,action,side,depth,price,size,flags,ts_in_delta,sequence,symbol\n\
                     1704205800001000000,1704205800000000000,0,2,15144,T,B,0,185640000000,100,0,12345,1001,AAPL\n\
                     1704205800002000000,1704205800001000000,0,2,15144,T,A,0,185.65,50,0,12345,1002,AAPL\n";
    assert_eq!(
        vendor_ticks("trades.csv", databento, &["--format", "databento-trades"]),
        Ok(vec![
            "2024-01-02T14:30:00Z AAPL 185.64 100".to_owned(),
            "2024-01-02T14:30:00.001Z AAPL 185.65 50".to_owned()
        ])
    );
    // Any file with integer prices: --price-scale.
    let cents = "timestamp,symbol,price,volume\n2024-01-02T00:00:00Z,X,15025,3\n";
    assert_eq!(
        vendor_ticks("c.csv", cents, &["--price-scale", "0.01"]),
        Ok(vec!["2024-01-02T00:00:00Z X 150.25 3".to_owned()])
    );
    let err = vendor_ticks("c.csv", cents, &["--price-scale", "0.5"]).unwrap_err();
    assert!(err.contains("--price-scale: `0.5`: not a power of ten"), "{err}");
}

#[test]
fn volumes_past_92_billion_are_read_exactly() {
    // Issue 17: a meme coin's volume was a bad row ("number out of range").
    let rows = "timestamp,symbol,price,volume\n2024-01-02T00:00:00Z,PEPEUSDT,0.00001234,1234567890123456.5\n";
    assert_eq!(
        vendor_ticks("p.csv", rows, &[]),
        Ok(vec!["2024-01-02T00:00:00Z PEPEUSDT 0.00001234 1234567890123456.5".to_owned()])
    );
    // Past what even 128 bits are asked to hold: a bad row, named.
    let rows = "timestamp,symbol,price,volume\n2024-01-02T00:00:00Z,X,1,1e40\n2024-01-02T00:00:01Z,X,1,5\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.csv");
    std::fs::write(&path, rows).unwrap();
    let out = run(&["replay", arg(&path), "-q", "--sink", "audit:path=-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"error\":\"volume\""), "{}", stdout(&out));
}

#[test]
fn a_merge_of_more_files_than_it_can_hold_open_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "timestamp,symbol,price,volume\n2024-01-02T00:00:00Z,X,1,1\n").unwrap();
    let many: Vec<&str> = std::iter::repeat_n(arg(&path), 513).collect();
    let out = run(&[&["replay", "-q", "--merge"][..], &many].concat());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("513 files to merge; at most 512"), "{}", stderr(&out));
    // In turn, the same files replay.
    let out = run(&[&["replay", "-q"][..], &many[..3]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
}
