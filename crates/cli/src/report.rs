//! The run's report: one JSON document, and a few lines for stderr.

use serde_json::{Map, Value, json};
use sluice_core::{Ending, Outcome, SinkReport};

/// The report as written to `--report`: the first headline sink's report
/// (the bot's; see `registry::Kind::headline`) at the top level (so `ticks`, `trades`, `realized_pnl`… are where scripts look),
/// `seed`, the bridge's counts under `run`, and every other sink's report
/// under `sinks`. Nothing time-dependent, so a seeded run writes the same
/// bytes every time.
pub fn compose(outcome: &Outcome) -> Value {
    let mut top = Map::new();
    let reports: Vec<&SinkReport> = outcome.reports.iter().filter_map(|r| r.as_ref().ok()).collect();
    let bot = reports.iter().position(|r| sluice_cli::registry::is_headline(&r.sink));
    if let Some(i) = bot {
        top.extend(reports[i].details.clone());
    }
    let others: Vec<Value> = reports
        .iter()
        .enumerate()
        .filter(|&(i, _)| Some(i) != bot)
        .map(|(_, r)| {
            let mut m = r.details.clone();
            m.insert("sink".into(), json!(r.sink));
            Value::Object(m)
        })
        .collect();
    if !others.is_empty() {
        top.insert("sinks".into(), Value::Array(others));
    }
    top.insert("seed".into(), json!(outcome.seed));
    let mut run = match serde_json::to_value(&outcome.summary) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    run.insert("ending".into(), json!(ending_name(&outcome.ending)));
    top.insert("run".into(), Value::Object(run));
    Value::Object(top)
}

/// Writes the report as pretty JSON and a newline, each sink's parts kept
/// on disk copied in where their placeholders stand: the trade list is
/// never held in memory.
pub fn write(outcome: &Outcome, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(&compose(outcome))? + "\n";
    let appendices: Vec<&sluice_core::Appendix> =
        outcome.reports.iter().filter_map(|r| r.as_ref().ok()).flat_map(|r| &r.appendices).collect();
    sluice_core::appendix::splice(&text, &appendices, out)
}

/// A stable name for how the run ended.
pub fn ending_name(ending: &Ending) -> &'static str {
    match ending {
        Ending::Exhausted => "end_of_input",
        Ending::Limit => "limit",
        Ending::SinksDone => "sinks_done",
        Ending::Stopped(_) => "interrupted",
        Ending::SourceFailed(_) => "source_failed",
        Ending::SinkFailed(_) => "sink_failed",
    }
}

/// The human summary for stderr. `seed_given`: the user chose the seed, so
/// there is no need to say how to repeat the run.
pub fn human(outcome: &Outcome, seed_given: bool) -> String {
    let mut text = format!("sluice: {}", outcome.summary);
    if let Ending::Stopped(signal) = &outcome.ending {
        let name = match signal {
            2 => "SIGINT".to_owned(),
            15 => "SIGTERM".to_owned(),
            1 => "SIGHUP".to_owned(),
            n => format!("signal {n}"),
        };
        text.push_str(&format!(
            "\nsluice: interrupted by {name}: the counts and the reports cover what was read before it"
        ));
    }
    match outcome.seed {
        Some(seed) if !seed_given => {
            text.push_str(&format!("\nsluice: seed {seed} (pass seed={seed} to the source to repeat this run)"))
        }
        _ => {}
    }
    for report in outcome.reports.iter().flatten() {
        // A table goes under the run's lines as it is; a line gets the prefix.
        match report.summary.contains('\n') {
            true => text.push_str(&format!("\n{}", report.summary)),
            false if !report.summary.is_empty() => text.push_str(&format!("\nsluice: {}", report.summary)),
            false => {}
        }
    }
    text
}
