//! `sluice report merge`: the bot reports of partitioned workers (each
//! symbol on one worker) added into one.
//!
//! What adds up exactly is added: counts, money (in decimal, not floats),
//! bad records and exits by reason, the symbols (each on one worker), open
//! positions and listed trades, the largest win and loss. What does not (a
//! drawdown, a Sharpe ratio: each worker's curve is its own symbols') is
//! left out and named under `not_merged`, rather than guessed.

use std::path::Path;

use serde_json::{Map, Value};
use sluice_core::Money;

/// Counts summed.
const COUNTS: &[&str] = &[
    "ticks",
    "bad_records",
    "trade_count",
    "abandoned_positions",
    "skipped_entries",
    "trades_omitted",
    "symbols_omitted",
];
/// Money summed.
const MONEY: &[&str] = &["realized_pnl", "realized_pnl_gross", "unrealized_pnl", "fees_paid", "slippage_cost"];
/// Counts by reason, summed reason by reason.
const BY_REASON: &[&str] = &["bad_by_reason", "exits"];
/// What every part must share: they are parts of one run.
const SHARED: &[&str] = &["settings", "capital", "period_seconds", "periods_per_year"];
/// A run's own, not a figure.
const DROPPED: &[&str] = &["run", "seed", "sinks"];

/// The reports at `paths` merged into one.
pub fn merge(paths: &[impl AsRef<Path>]) -> Result<Value, String> {
    let mut parts = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let shown = path.display();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{shown}: {}", sluice_core::error::io_message(&e)))?;
        let report: Value = serde_json::from_str(&text).map_err(|e| format!("{shown}: not JSON: {e}"))?;
        let Value::Object(report) = report else { return Err(format!("{shown}: not a report")) };
        if !report.contains_key("symbols") || !report.contains_key("ticks") {
            return Err(format!(
                "{shown}: not a bot's report (no `symbols` or `ticks`); merge the reports of bot workers"
            ));
        }
        parts.push((shown.to_string(), report));
    }
    let Some((first_name, first)) = parts.first() else { return Err("no report to merge".into()) };
    let mut merged = Map::new();
    for key in SHARED {
        for (name, part) in &parts[1..] {
            if part.get(*key) != first.get(*key) {
                return Err(format!("{name}: `{key}` is not {first_name}'s: these are not parts of one run"));
            }
        }
        if let Some(v) = first.get(*key) {
            merged.insert((*key).into(), v.clone());
        }
    }
    for key in COUNTS {
        let sum: u64 = parts.iter().filter_map(|(_, p)| p.get(*key)?.as_u64()).sum();
        merged.insert((*key).into(), sum.into());
    }
    for key in MONEY {
        let mut sum = Money::ZERO;
        for (name, part) in &parts {
            let Some(v) = part.get(*key).filter(|v| !v.is_null()) else { continue };
            let amount = money(v).ok_or_else(|| format!("{name}: `{key}` is not an amount: {v}"))?;
            sum = sum.checked_add(amount).ok_or_else(|| format!("`{key}`: the sum is past what 128 bits hold"))?;
        }
        merged.insert((*key).into(), number(sum));
    }
    for key in BY_REASON {
        let mut sums: Map<String, Value> = Map::new();
        for (_, part) in &parts {
            for (reason, n) in part.get(*key).and_then(Value::as_object).into_iter().flatten() {
                let was = sums.get(reason).and_then(Value::as_u64).unwrap_or(0);
                sums.insert(reason.clone(), (was + n.as_u64().unwrap_or(0)).into());
            }
        }
        merged.insert((*key).into(), Value::Object(sums));
    }
    let mut symbols: Map<String, Value> = Map::new();
    let mut owner: Map<String, Value> = Map::new();
    for (name, part) in &parts {
        for (symbol, figures) in part["symbols"].as_object().into_iter().flatten() {
            if let Some(other) = owner.insert(symbol.clone(), name.clone().into()) {
                return Err(format!("{symbol} is in {other} and in {name}: each symbol must be on one worker"));
            }
            symbols.insert(symbol.clone(), figures.clone());
        }
    }
    merged.insert("symbols".into(), Value::Object(symbols));
    for (key, order) in [("open_positions", "symbol"), ("trades", "exit_time")] {
        let mut all: Vec<Value> =
            parts.iter().flat_map(|(_, p)| p.get(key).and_then(Value::as_array).cloned().unwrap_or_default()).collect();
        all.sort_by(|a, b| a[order].to_string().cmp(&b[order].to_string()));
        merged.insert(key.into(), Value::Array(all));
    }
    for (key, pick) in [("largest_win", true), ("largest_loss", false)] {
        let amounts = parts.iter().filter_map(|(_, p)| p.get(key).and_then(money));
        let best = if pick { amounts.max() } else { amounts.min() };
        merged.insert(key.into(), best.map_or(Value::Null, number));
    }
    let mut not_merged: Vec<String> =
        first.keys().filter(|k| !merged.contains_key(*k) && !DROPPED.contains(&k.as_str())).cloned().collect();
    not_merged.sort();
    merged.insert("not_merged".into(), not_merged.into());
    merged.insert("merged".into(), parts.iter().map(|(n, _)| Value::from(n.clone())).collect());
    Ok(Value::Object(merged))
}

/// A report's amount, exactly as written.
fn money(v: &Value) -> Option<Money> {
    v.as_number()?.to_string().parse().ok()
}

/// An amount as a report writes it: the nearest float to the exact sum.
fn number(m: Money) -> Value {
    Value::from(m.to_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(dir: &Path, name: &str, report: Value) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, report.to_string()).unwrap();
        path
    }

    #[test]
    fn parts_add_up_exactly_and_what_does_not_add_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let settings = serde_json::json!({ "entry": 150 });
        let a = part(
            dir.path(),
            "a.json",
            serde_json::json!({ "settings": settings, "ticks": 3, "realized_pnl": 0.1, "symbols": { "AAPL": { "ticks": 3 } },
                "bad_by_reason": { "negative_price": 1 }, "largest_loss": -5.5, "sharpe": 1.2, "run": {} }),
        );
        let b = part(
            dir.path(),
            "b.json",
            serde_json::json!({ "settings": settings, "ticks": 4, "realized_pnl": 0.2, "symbols": { "MSFT": { "ticks": 4 } },
                "bad_by_reason": { "negative_price": 2, "field_count": 1 }, "largest_loss": -7.25, "sharpe": 0.3 }),
        );
        let m = merge(&[&a, &b]).unwrap();
        assert_eq!(m["ticks"], 7);
        // 0.1 + 0.2 in floats is 0.30000000000000004; in decimal, 0.3.
        assert_eq!(m["realized_pnl"].to_string(), "0.3");
        assert_eq!(m["bad_by_reason"], serde_json::json!({ "negative_price": 3, "field_count": 1 }));
        assert_eq!(m["largest_loss"].to_string(), "-7.25");
        assert_eq!(m["symbols"].as_object().unwrap().len(), 2);
        assert_eq!(m["not_merged"], serde_json::json!(["sharpe"]));

        let c = part(
            dir.path(),
            "c.json",
            serde_json::json!({ "settings": settings, "ticks": 1, "symbols": { "AAPL": {} } }),
        );
        let err = merge(&[&a, &c]).unwrap_err();
        assert!(err.starts_with("AAPL is in ") && err.ends_with("each symbol must be on one worker"), "{err}");
        let d =
            part(dir.path(), "d.json", serde_json::json!({ "settings": { "entry": 140 }, "ticks": 1, "symbols": {} }));
        let err = merge(&[&a, &d]).unwrap_err();
        assert!(
            err.contains("d.json: `settings` is not ") && err.ends_with("a.json's: these are not parts of one run"),
            "{err}"
        );
        let e = part(dir.path(), "e.json", serde_json::json!({ "records": 3 }));
        assert!(merge(&[&e]).unwrap_err().contains("not a bot's report"));
    }
}
