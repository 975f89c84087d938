//! Mistakes a user can type: one clear line on stderr and exit code 2.

use crate::util::*;

/// Runs `args`, expecting a usage error whose one line holds every `want`.
fn refused(args: &[&str], want: &[&str]) {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
    for w in want {
        assert!(err.contains(w), "{args:?}: {err:?} lacks {w:?}");
    }
    assert!(out.stdout.is_empty(), "nothing runs before a usage error");
}

#[test]
fn an_unknown_kind_names_the_flag_and_the_kinds() {
    refused(
        &["run", "--source", "tickr:seed=1"],
        &["--source tickr:seed=1", "the sources are ticker", "did you mean `ticker`"],
    );
    refused(&["run", "--sink", "bott"], &["--sink bott", "did you mean `bot`"]);
}

#[test]
fn an_unknown_key_lists_the_keys_and_suggests_one() {
    refused(&["run", "--source", "ticker:sed=1"], &["unknown key `sed`", "`seed`", "did you mean `seed`"]);
    refused(&["run", "--sink", "bot:entyr=140"], &["unknown key `entyr`", "did you mean `entry`"]);
}

#[test]
fn a_bad_value_says_what_is_accepted() {
    refused(&["run", "--source", "ticker:seed=x"], &["--source", "`x` is not a whole number"]);
    refused(&["run", "--source", "ticker:bad_rate=2"], &["`bad_rate`", "probability"]);
    refused(&["run", "--source", "ticker:mode=walkk"], &["did you mean `walk`"]);
    refused(&["run", "--sink", "bot:entry=abc"], &["--sink", "`abc` is not a decimal number"]);
    refused(&["run", "--sink", "bot:quantity=0"], &["`quantity`"]);
    refused(&["run", "--source", "ticker:symbols=AAPL,,MSFT"], &["empty symbol"]);
}

#[test]
fn a_bad_filter_is_refused() {
    refused(&["run", "--filter", "symbl=AAPL"], &["--filter symbl=AAPL", "did you mean `symbol`"]);
    refused(&["run", "--filter", "price=300..100"], &["empty"]);
    refused(&["run", "--filter", "AAPL"], &["--filter AAPL"]);
    refused(&["run", "--filter", "contains=ERROR"], &["reads lines", "emits ticks"]);
}

#[test]
fn a_report_into_a_missing_directory_is_refused_before_running() {
    refused(&["run", "--report", "/nonexistent/dir/r.json"], &["--report", "does not exist"]);
}

#[test]
fn clap_mistakes_exit_2() {
    let out = run(&["run", "--limit", "many"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("error: invalid value 'many' for '--limit <N>'"), "{}", stderr(&out));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn a_bot_shorthand_without_a_bot_is_refused_rather_than_dropped() {
    // Issue 20: `--trades` and `--plot` were dropped silently when no bot
    // sink was named; they are shorthands for the bot's keys.
    let dir = tempfile::tempdir().unwrap();
    let trades = dir.path().join("t.csv");
    let audit = format!("audit:path={}", dir.path().join("a.jsonl").display());
    refused(
        &["run", "--source", "ticker:seed=1,count=5", "--sink", &audit, "--trades", trades.to_str().unwrap()],
        &["--trades sets `trades` of a bot sink", "add --sink bot"],
    );
    assert!(!trades.exists());
}

#[test]
fn an_absurd_pace_is_a_configuration_error_not_a_panic() {
    // Issue 19: both overflowed "when adding duration to instant" (exit 101).
    refused(&["run", "--source", "ticker:rate=1e-19"], &["`rate`", "slower than one a year"]);
    let dir = tempfile::tempdir().unwrap();
    let gap = dir.path().join("gap.csv");
    std::fs::write(&gap, "timestamp,symbol,price,volume\n1700-01-01T00:00:00Z,A,1,1\n2262-01-01T00:00:00Z,A,2,1\n")
        .unwrap();
    let out = run(&["replay", gap.to_str().unwrap(), "--speed", "1e-12x", "-q"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("use a faster speed"), "{}", stderr(&out));
}
