//! The crossover strategy against an independent backtest in pandas
//! (tests/py/crossover_oracle.py), over ticks and over bars: the same
//! trades, at the same times and prices, with the same PnL, and the same
//! positions left open. Skipped, saying so, without pandas, unless CI
//! (SLUICE_REQUIRE_PANDAS) asks for it.

use std::process::Command;

use crate::util::*;

fn pandas() -> bool {
    let ok = Command::new("python3").args(["-c", "import pandas"]).status().is_ok_and(|s| s.success());
    if !ok {
        assert!(std::env::var_os("SLUICE_REQUIRE_PANDAS").is_none(), "pandas is required and missing");
        skipped("pandas is not installed (pip install pandas)");
    }
    ok
}

/// Two symbols, a tick a second each in turn, on random walks in cents.
fn ticks(path: &std::path::Path, rows: u64) {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut cents = [15_000i64, 30_000];
    let mut text = String::from("timestamp,symbol,price,volume\n");
    for i in 0..rows {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let s = (i % 2) as usize;
        cents[s] = (cents[s] + (state >> 33) as i64 % 41 - 20).max(100);
        let (h, m, sec) = (i / 3600, i / 60 % 60, i % 60);
        let name = ["AAPL", "MSFT"][s];
        text.push_str(&format!(
            "2026-01-05T{h:02}:{m:02}:{sec:02}Z,{name},{}.{:02},100\n",
            cents[s] / 100,
            cents[s] % 100
        ));
    }
    std::fs::write(path, text).unwrap();
}

/// sluice's trades and open positions as the oracle prints them, numbers
/// read back as floats (exact for these two-place decimals).
fn sluice_lines(data: &std::path::Path, sink: &str, dir: &std::path::Path) -> Vec<String> {
    let (trades, report) = (dir.join("trades.csv"), dir.join("r.json"));
    let out = run(&["replay", arg(data), "-q", "--sink", sink, "--trades", arg(&trades), "--report", arg(&report)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let number = |s: &str| s.parse::<f64>().unwrap().to_string();
    let mut lines: Vec<String> = csv::Reader::from_path(&trades)
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            format!("{} {} {} {} {} {}", &r[0], &r[3], number(&r[4]), &r[5], number(&r[6]), number(&r[9]))
        })
        .collect();
    lines.sort();
    for p in json(&report)["open_positions"].as_array().unwrap() {
        lines.push(format!(
            "open {} {} {}",
            p["symbol"].as_str().unwrap(),
            p["entry_time"].as_str().unwrap(),
            p["entry_price"].as_f64().unwrap()
        ));
    }
    lines
}

fn oracle_lines(data: &std::path::Path, args: &[&str]) -> Vec<String> {
    let script = root().join("tests/py/crossover_oracle.py");
    let out = Command::new("python3").arg(script).arg(data).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let number = |s: &str| s.parse::<f64>().unwrap().to_string();
    let mut trades = Vec::new();
    let mut open = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let f: Vec<&str> = line.split(' ').collect();
        match f[..] {
            ["open", s, t, p] => open.push(format!("open {s} {t} {}", number(p))),
            [s, t0, p0, t1, p1, pnl] => {
                trades.push(format!("{s} {t0} {} {t1} {} {}", number(p0), number(p1), number(pnl)))
            }
            _ => panic!("oracle line {line:?}"),
        }
    }
    trades.sort();
    trades.extend(open);
    trades
}

#[test]
fn crossover_trades_as_pandas_computes_them() {
    if !pandas() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ticks.csv");
    ticks(&data, 6000);
    for (sink, args) in [
        ("bot:strategy=crossover,fast=5,slow=20", &["5", "20"][..]),
        ("bot:strategy=crossover,fast=3,slow=8,bar=10s", &["3", "8", "10s"][..]),
    ] {
        let ours = sluice_lines(&data, sink, dir.path());
        let theirs = oracle_lines(&data, args);
        assert!(ours.len() > 20, "{sink}: too few trades to tell: {}", ours.len());
        assert_eq!(ours, theirs, "{sink}");
    }
}
