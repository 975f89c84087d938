//! `sluice run`: the demo, reproducible reports, limits and sinks.

use crate::util::*;

#[test]
fn no_arguments_runs_the_article_demo() {
    let out = run(&["run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "[BOT] Initialized. State: WATCHING");
    assert_eq!(lines[lines.len() - 2], "");
    assert_eq!(lines[lines.len() - 1], "[BRIDGE] Pipeline complete. Processed 30 AAPL ticks.");
    let body = &lines[1..lines.len() - 2];
    let per_tick = body.iter().filter(|l| !l.starts_with("[SIGNAL]")).count();
    assert_eq!(per_tick, 30, "one WATCHING, ACTIVE or ERROR line per tick");
    for line in body {
        let known = ["[WATCHING] AAPL @ $", "[ACTIVE]   AAPL @ $", "[SIGNAL] Entry at $", "[SIGNAL] Exit at $"];
        let ok = known.iter().any(|p| line.starts_with(p))
            || (line.starts_with("[ERROR] Bad data received: Negative price: -")
                && line.ends_with(". Resetting to WATCHING."));
        assert!(ok, "unexpected transcript line {line:?}");
    }
    // The random seed is printed so the run can be repeated.
    assert!(stderr(&out).contains("pass seed="), "{}", stderr(&out));
}

#[test]
fn a_seeded_run_writes_a_byte_identical_report() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for path in [&a, &b] {
        let out = run(&[
            "run",
            "--source",
            "ticker:seed=7,count=100000",
            "--filter",
            "symbol=AAPL",
            "--sink",
            "bot",
            "--report",
            arg(path),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let r = json(&a);
    for key in ["ticks", "bad_records", "trades", "realized_pnl", "open_positions", "abandoned_positions", "seed"] {
        assert!(r.get(key).is_some(), "report lacks `{key}`");
    }
    assert_eq!(r["seed"], 7);
    assert_eq!(r["run"]["read"], 100_000);
    assert_eq!(r["run"]["passed"], r["ticks"]);
    assert_eq!(r["symbols"].as_object().unwrap().keys().collect::<Vec<_>>(), ["AAPL"]);
}

#[test]
fn another_seed_gives_another_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = |seed: &str| {
        let path = dir.path().join(format!("{seed}.json"));
        let src = format!("ticker:seed={seed},count=2000");
        assert!(run(&["run", "-q", "--source", &src, "--report", arg(&path)]).status.success());
        json(&path)
    };
    assert_ne!(report("1")["realized_pnl"], report("2")["realized_pnl"]);
}

#[test]
fn signal_lines_are_all_that_reaches_stdout_without_a_transcript() {
    let out = run(&["run", "-q", "--source", "ticker:seed=3,count=400,bad_rate=0.05", "--sink", "bot"]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "--quiet prints nothing: {}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.is_empty());
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "ENTRY" => assert_eq!(f.len(), 4, "{line}"),
            "EXIT" => assert!(f.len() == 5 && f[4].starts_with("pnl="), "{line}"),
            _ => panic!("unexpected line {line:?}"),
        }
    }
}

#[test]
fn limit_counts_good_and_bad_ticks_after_the_filter() {
    let out = run(&[
        "run",
        "--source",
        "ticker:seed=4,bad_rate=0.3",
        "--filter",
        "symbol=MSFT",
        "--limit",
        "50",
        "--transcript",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("Processed 50 MSFT ticks.\n"), "{}", stdout(&out));
}

#[test]
fn bad_records_are_counted_by_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let out = run(&["run", "-q", "--source", "ticker:seed=5,count=100,bad_rate=1", "--report", arg(&path)]);
    assert!(out.status.success());
    let r = json(&path);
    assert_eq!(r["bad_records"], 100);
    assert_eq!(r["ticks"], 0);
    assert_eq!(r["run"]["bad"]["negative_price"], 100);
}

#[test]
fn two_bots_tee_the_same_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let out = run(&[
        "run",
        "-q",
        "--source",
        "ticker:seed=6,count=300",
        "--sink",
        "bot",
        "--sink",
        "bot:entry=120,exit=280",
        "--report",
        arg(&path),
    ]);
    assert!(out.status.success());
    let r = json(&path);
    assert_eq!(r["settings"]["entry"], 150.0, "the first bot is the report's top level");
    assert_eq!(r["sinks"][0]["settings"]["entry"], 120.0);
    assert_eq!(r["sinks"][0]["ticks"], r["ticks"]);
}

#[test]
fn help_shows_examples() {
    let out = run(&["run", "--help"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("Examples:\n  sluice run\n"));
}

#[test]
fn completions_for_each_shell_and_a_man_page() {
    for (shell, marker) in [("bash", "_sluice()"), ("zsh", "#compdef sluice"), ("fish", "complete -c sluice")] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = stdout(&out);
        assert!(text.contains(marker), "{shell}: {}", &text[..text.len().min(200)]);
        for sub in ["replay", "grep", "validate"] {
            assert!(text.contains(sub), "{shell} lacks {sub}");
        }
    }
    let man = run(&["man"]);
    assert!(man.status.success());
    assert!(stdout(&man).contains(".TH sluice 1"));
    assert!(!stdout(&man).contains("sluice \\- sluice:"), "the NAME line repeats the name");
    // The pages the main page refers to exist.
    let verify = run(&["man", "audit", "verify"]);
    assert!(stdout(&verify).contains(".TH sluice-audit-verify 1"), "{}", stdout(&verify));
}

#[test]
fn trades_go_to_a_csv_file_and_the_report_has_the_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (trades, report) = (dir.path().join("t.csv"), dir.path().join("r.json"));
    let out = run(&[
        "run",
        "-q",
        "--source",
        "ticker:seed=12,count=3000,symbols=AAPL,MSFT",
        "--sink",
        "bot:report_trades=3",
        "--trades",
        arg(&trades),
        "--report",
        arg(&report),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = json(&report);
    let mut rows = csv::Reader::from_path(&trades).unwrap();
    let headers: Vec<String> = rows.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(headers[9], "pnl");
    let pnls: Vec<f64> = rows.records().map(|r| r.unwrap()[9].parse().unwrap()).collect();
    // The CSV holds every trade even where the report lists only three.
    assert_eq!(pnls.len() as u64, r["trade_count"].as_u64().unwrap());
    assert_eq!(r["trades"].as_array().unwrap().len(), 3);
    let sum: f64 = pnls.iter().sum();
    assert!((sum - r["realized_pnl"].as_f64().unwrap()).abs() < 1e-6);
    let wins: Vec<f64> = pnls.iter().copied().filter(|p| *p > 0.0).collect();
    let largest = wins.iter().cloned().fold(0.0, f64::max);
    assert_eq!(r["largest_win"].as_f64().unwrap(), largest);
    assert!((r["average_win"].as_f64().unwrap() - wins.iter().sum::<f64>() / wins.len() as f64).abs() < 1e-6);
    for key in ["profit_factor", "max_drawdown_seconds", "exposure", "bad_by_reason", "average_loss", "largest_loss"] {
        assert!(r.get(key).is_some(), "report lacks {key}");
    }
    let exposure = r["exposure"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&exposure));
}

#[test]
fn the_report_lists_its_trades_from_disk_the_same_in_a_file_and_on_stdout() {
    // The trade list is kept in a temporary file and copied into the
    // report; the CSV of every trade is the reference for its first rows.
    let dir = tempfile::tempdir().unwrap();
    let (trades, report) = (dir.path().join("t.csv"), dir.path().join("r.json"));
    let args = ["run", "-q", "--source", "ticker:seed=3,count=4000", "--sink", "bot:report_trades=25,side=both"];
    let out = run(&[&args[..], &["--trades", arg(&trades), "--report", arg(&report), "--json"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let r = json(&report);
    let printed: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(printed, r, "--json and --report differ");
    let listed = r["trades"].as_array().unwrap();
    assert_eq!(listed.len(), 25);
    assert!(r["trades_omitted"].as_u64().unwrap() > 0);
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(&trades).unwrap().records().map(Result::unwrap).collect();
    for (t, row) in listed.iter().zip(&rows) {
        assert_eq!((t["side"].as_str(), t["entry_time"].as_str()), (Some(&row[1]), Some(&row[3])));
        assert_eq!(t["pnl"].as_f64(), row[9].parse().ok());
    }
}

#[test]
fn the_plot_holds_a_marker_for_every_entry_and_exit() {
    let dir = tempfile::tempdir().unwrap();
    let (svg, report) = (dir.path().join("p.svg"), dir.path().join("r.json"));
    let sample = root().join("data/sample-ticks.csv");
    let out = run(&["replay", arg(&sample), "-q", "--plot", arg(&svg), "--report", arg(&report)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = json(&report);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "an SVG document");
    let trades = r["trade_count"].as_u64().unwrap() as usize;
    let open = r["open_positions"].as_array().unwrap().len();
    // A triangle at every entry (closed and still open), a circle at every exit.
    assert_eq!(text.matches("<polygon").count(), trades + open);
    assert_eq!(text.matches("<circle").count(), trades);
    for symbol in ["AAPL", "MSFT", "NVDA"] {
        assert!(text.contains(&format!("{symbol}: realized PnL")), "{symbol}");
    }
    // The portfolio's curve and its drawdown lead the picture.
    let equity = text.find("portfolio: equity").expect("an equity panel");
    let drawdown = text.find("portfolio: drawdown below the peak").expect("a drawdown panel");
    assert!(equity < drawdown && drawdown < text.find("AAPL: price").unwrap());
}

#[test]
fn json_puts_only_the_report_on_stdout() {
    let out = run(&["run", "-q", "--source", "ticker:seed=4,count=500", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(r["seed"], 4);
    assert_eq!(r["run"]["read"], 500);
}

#[test]
fn colours_only_when_asked_or_on_a_terminal_without_no_color() {
    let args = ["run", "--source", "ticker:seed=3,count=2000", "--sink", "bot"];
    let escapes = |out: &std::process::Output| stderr(out).contains("\x1b[32m");
    // Not a terminal: no colour unless --color=always.
    assert!(!escapes(&run(&args)));
    assert!(escapes(&run(&[&args[..], &["--color=always"]].concat())));
    assert!(!escapes(&run(&[&args[..], &["--color=never"]].concat())));
    // On a terminal (script(1) gives one), NO_COLOR turns colour off.
    let on_tty = |no_color: bool| {
        let line = format!("{} {} 2>&1", env!("CARGO_BIN_EXE_sluice"), args.join(" "));
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"]).env("TERM", "xterm");
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        cmd.output().ok().map(|o| String::from_utf8_lossy(&o.stdout).contains("\x1b[32m"))
    };
    if let (Some(with), Some(without)) = (on_tty(false), on_tty(true)) {
        assert!(with, "a terminal gets colour");
        assert!(!without, "NO_COLOR turns it off");
    }
}

#[test]
fn money_past_92_billion_is_reported_exactly() {
    // Issue 16: each trade was reported as 99,900 (the quantity dropped)
    // and totals saturated at 92,233,720,368.55, with exit 0.
    let dir = tempfile::tempdir().unwrap();
    let ticks = dir.path().join("t.csv");
    std::fs::write(
        &ticks,
        "timestamp,symbol,price,volume\n2026-01-05T00:00:00Z,X,100,1\n2026-01-05T00:00:01Z,X,100000,1\n\
         2026-01-05T00:00:02Z,X,100,1\n2026-01-05T00:00:03Z,X,100000,1\n",
    )
    .unwrap();
    let (report, trades) = (dir.path().join("r.json"), dir.path().join("t.csv.trades"));
    let out = run(&[
        "replay",
        arg(&ticks),
        "--sink",
        "bot:entry=100,exit=100000,quantity=1000000",
        "--report",
        arg(&report),
        "--trades",
        arg(&trades),
        "-q",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("pnl=+99900000000"), "{}", stdout(&out));
    let r = json(&report);
    assert_eq!(r["realized_pnl"], 199_800_000_000.0);
    assert_eq!(r["largest_win"], 99_900_000_000.0);
    assert_eq!(r["largest_loss"], serde_json::Value::Null, "null, as average_loss is");
    let csv = std::fs::read_to_string(&trades).unwrap();
    assert_eq!(csv.lines().nth(1).unwrap().rsplit(',').nth(1), Some("99900000000"));
}

#[test]
fn a_paced_feed_prints_each_signal_as_it_happens() {
    // Issue 17: a paced ticker's signals were block-buffered and showed
    // only at the end (or at Ctrl-C); the same for --speed replays.
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // 20 ticks a second for 10 s: the first signal comes long before the end.
    let started = std::time::Instant::now();
    let mut child = sluice(&["run", "--source", "ticker:rate=20,count=200,seed=3", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with("ENTRY ") || first.starts_with("EXIT "), "{first:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(6), "the first signal waited for the end");
    assert!(child.try_wait().unwrap().is_none(), "the first signal came before the run ended");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_sweep_combination_reports_what_it_reports_alone() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("sweep.json");
    // More records than a batch: the runs are fed several, on every core.
    let source = "ticker:seed=21,count=9000,symbols=AAPL,MSFT,bad_rate=0.01";
    let base = "bot:report_trades=5,stop_loss_pct=5";
    let grid = "entry=140|150,side=long|both,commission_bps=0|10";
    let out = run(&[
        "run",
        "-q",
        "--source",
        source,
        "--sink",
        base,
        "--sweep",
        grid,
        "--rank",
        "realized_pnl",
        "--report",
        arg(&report),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sweep = json(&report)["sweep"].clone();
    let combinations = sweep["combinations"].as_array().unwrap();
    assert_eq!(combinations.len(), 8);
    let pnls: Vec<f64> = combinations.iter().map(|c| c["report"]["realized_pnl"].as_f64().unwrap()).collect();
    assert!(pnls.windows(2).all(|w| w[0] >= w[1]), "ranked best first: {pnls:?}");
    for c in combinations {
        let v = &c["values"];
        let alone = dir.path().join("alone.json");
        let sink = format!(
            "{base},entry={},side={},commission_bps={}",
            v["entry"],
            v["side"].as_str().unwrap(),
            v["commission_bps"]
        );
        let out = run(&["run", "-q", "--source", source, "--sink", &sink, "--report", arg(&alone)]);
        assert!(out.status.success(), "{}", stderr(&out));
        let mut alone = json(&alone);
        for key in ["run", "seed"] {
            alone.as_object_mut().unwrap().remove(key);
        }
        assert_eq!(c["report"], alone, "{sink}");
    }
}

#[test]
fn a_sweep_refuses_what_it_cannot_do() {
    let refused = |args: &[&str], want: &str| {
        let out = run(&[&["run", "-q", "--source", "ticker:seed=1,count=10"][..], args].concat());
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(want), "{} lacks {want}", stderr(&out));
    };
    refused(&["--sweep", "entry=140..160"], "--sweep: `entry`: a range needs a step: FROM..TO:STEP");
    refused(&["--sweep", "entyr=1|2"], "--sweep entyr=1: ");
    refused(&["--sweep", "entry=1|2", "--rank", "luck"], "--rank: `luck` is not a figure to rank by");
    refused(
        &["--sweep", "entry=1|2", "--heatmap", "/tmp/h.svg"],
        "--heatmap: draws a sweep of two keys, and this one has 1",
    );
    refused(
        &["--sweep", "entry=1|2", "--trades", "/tmp/t.csv"],
        "--sweep: `trades` would be written by every combination",
    );
    refused(&["--sweep", "fast=1|2"], "`fast` is a key of strategy=crossover");
}

#[test]
fn a_sweep_stops_at_a_tick_back_in_time_as_one_bot_does() {
    // The sweep checks time order once for all its runs, on its own tape
    // of each symbol; a symbol first seen in a bad record has one too.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.csv");
    let rows = "timestamp,symbol,price,volume\n2026-01-05T00:00:00Z,AAA,-1,5\n2026-01-05T00:00:01Z,BBB,150,5\n\
                2026-01-05T00:00:02Z,AAA,140,5\n2026-01-05T00:00:00.5Z,BBB,150,5\n";
    std::fs::write(&file, rows).unwrap();
    let said = "BBB: a tick at 2026-01-05T00:00:00.5Z comes after one at 2026-01-05T00:00:01Z; the bot trades forward";
    for sweep in [&["--sweep", "entry=140|150"][..], &[]] {
        let out = run(&[&["replay", arg(&file), "-q", "--backwards", "pass"][..], sweep].concat());
        assert_eq!(out.status.code(), Some(1), "{sweep:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{sweep:?}: {}", stderr(&out));
    }
}

#[test]
fn fill_at_the_quote_buys_at_the_ask_and_sells_at_the_bid() {
    let dir = tempfile::tempdir().unwrap();
    let (quotes, report) = (dir.path().join("q.csv"), dir.path().join("r.json"));
    // Mids 1.10 (the entry) and 1.22 (past the exit).
    let rows =
        "timestamp,symbol,bid,ask\n2024-01-02T00:00:00Z,EURUSD,1.09,1.11\n2024-01-02T00:00:01Z,EURUSD,1.21,1.23\n";
    std::fs::write(&quotes, rows).unwrap();
    let sink = "bot:entry=1.1,exit=1.2,fill=quote";
    let out = run(&["replay", arg(&quotes), "-q", "--sink", sink, "--report", arg(&report)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "ENTRY EURUSD 1.11 2024-01-02T00:00:00Z\nEXIT EURUSD 1.21 2024-01-02T00:00:01Z pnl=+0.10\n"
    );
    let r = json(&report);
    assert_eq!((r["realized_pnl"].as_f64(), r["realized_pnl_gross"].as_f64()), (Some(0.1), Some(0.12)));
    assert_eq!(r["slippage_cost"], 0.02, "the spread paid on both fills");

    // A trade file has no quote to fill at: refused, by name, not filled at the price.
    let sample = root().join("data/sample-ticks.csv");
    let out = run(&["replay", arg(&sample), "-q", "--sink", "bot:fill=quote"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("fill=quote needs a bid and an ask on every tick"), "{}", stderr(&out));
}

#[test]
fn the_seed_is_offered_for_a_repeat_only_when_it_was_drawn() {
    let given = run(&["run", "--source", "ticker:seed=7,count=20", "--sink", "bot"]);
    assert!(!stderr(&given).contains("pass seed="), "{}", stderr(&given));
    let drawn = run(&["run", "--source", "ticker:count=20", "--sink", "bot"]);
    assert!(stderr(&drawn).contains("(pass seed="), "{}", stderr(&drawn));
    // Few records: the time in a unit that suits it, and no rate made up.
    assert!(!stderr(&drawn).contains("0.000s") && !stderr(&drawn).contains("records/s"), "{}", stderr(&drawn));
}

#[test]
fn the_plot_draws_the_busiest_symbols_and_says_how_many_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("p.svg");
    let symbols: Vec<String> = (0..20).map(|i| format!("S{i:02}")).collect();
    let source = format!("ticker:seed=3,count=4000,symbols={}", symbols.join(","));
    let out = run(&["run", "-q", "--source", &source, "--sink", "bot:plot_symbols=5", "--plot", arg(&svg)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(text.matches(": price, entries").count(), 5, "five symbols drawn");
    assert!(text.contains("the 5 busiest symbols (15 more not drawn)"), "the picture says what it left out");
    let refused = run(&["run", "-q", "--source", &source, "--sink", "bot:plot_symbols=0", "--plot", arg(&svg)]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
}
