//! A built source through filters and sinks: the run, its report and the
//! exit code it ends with.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use sluice_core::{Bridge, Ending, Source, Stop};

use sluice_cli::args::PipelineArgs;
use sluice_cli::component::{Component, UsageError, check_output_path};
use sluice_cli::pipeline::Plan;
use sluice_cli::registry::{self, Context as BuildContext};

use crate::exit::{FAILURE, USAGE};
use crate::{progress, report};

/// Prints a run's error in one line; returns its exit code.
pub fn print_error(e: &anyhow::Error) -> u8 {
    if e.is::<UsageError>() {
        say!("sluice: {e}");
        USAGE
    } else {
        say!("sluice: {e:#}");
        FAILURE
    }
}

/// Runs a source built elsewhere (`sluice grep --sink`) into the sinks the
/// flags name; an error is printed here and its exit code returned.
pub fn pipeline(source: Box<dyn Source>, args: &PipelineArgs, stop: Stop) -> Result<u8, u8> {
    let build = || -> anyhow::Result<u8> {
        let sinks = args.sinks.iter().map(|s| Component::from_flag("--sink", s)).collect::<Result<_, _>>()?;
        check_outputs(args)?;
        run_built(source, &Plan { sinks, ..Plan::default() }, args, stop, None)
    };
    build().map_err(|e| print_error(&e))
}

pub fn check_outputs(args: &PipelineArgs) -> Result<(), UsageError> {
    if let Some(path) = &args.report {
        check_writable_dir("--report", path)?;
    }
    if let Some(path) = &args.trades {
        check_writable_dir("--trades", path)?;
    }
    if let Some(path) = &args.plot {
        check_writable_dir("--plot", path)?;
    }
    if let Some(path) = &args.equity {
        check_writable_dir("--equity", path)?;
    }
    if let Some(path) = &args.heatmap {
        check_writable_dir("--heatmap", path)?;
    }
    Ok(())
}

/// Builds the filters and sinks (the bot when none is named), checks the
/// whole, runs the bridge, reports, and maps the way the run ended to an
/// exit code.
pub fn run_built(
    source: Box<dyn Source>,
    plan: &Plan,
    args: &PipelineArgs,
    stop: Stop,
    bar: Option<progress::Progress>,
) -> anyhow::Result<u8> {
    let filters = plan.filters.iter().map(registry::filter).collect::<Result<Vec<_>, _>>()?;
    let mut sink_specs = sinks_or_default(&plan.sinks)?;
    registry::apply_shorthands(&mut sink_specs, &shorthands(args))?;
    check_distinct_outputs(&sink_specs, args)?;
    let ctx = BuildContext {
        stop: stop.clone(),
        color: args.color.enabled(std::io::stderr().is_terminal()),
        quiet_stdout: args.json,
        live: source.is_live(),
        sweeping: args.sweep.is_some(),
    };
    let mut sinks = Vec::with_capacity(sink_specs.len());
    let mut swept = false;
    for spec in &sink_specs {
        match &args.sweep {
            Some(grid) if !swept && spec.kind == "bot" => {
                sinks.push(sweep(spec, grid, args)?);
                swept = true;
            }
            _ => sinks.push(registry::sink(spec, &ctx)?),
        }
    }
    if args.sweep.is_some() && !swept {
        return Err(UsageError("--sweep: there is no bot to sweep; add --sink bot".into()).into());
    }
    let replaying_files = source.name() == "csv";
    let bridge = Bridge::new(source, filters, sinks).map_err(|e| UsageError(format!("pipeline: {e}")))?;

    let asked = stop.clone();
    let outcome = bridge.limit(args.limit).stop_on(stop).run();
    if let Some(bar) = bar {
        bar.finish();
    }
    let seed_given = plan.source.as_ref().is_some_and(|s| s.has("seed"));
    conclude(&outcome, args, &asked, Ran { replaying_files, seed_given })
}

/// What [`conclude`] needs to know of the run besides its outcome.
pub struct Ran {
    /// The source read tick files: a run where every row was bad is a
    /// layout gone wrong.
    pub replaying_files: bool,
    /// The source's seed was given, so the summary need not print it.
    pub seed_given: bool,
}

/// Says how the run went (warnings, the summary, `--report`, `--json`),
/// and maps the way it ended to an exit code.
pub fn conclude(outcome: &sluice_core::Outcome, args: &PipelineArgs, asked: &Stop, ran: Ran) -> anyhow::Result<u8> {
    let Ran { replaying_files, seed_given } = ran;
    for warning in &outcome.summary.warnings {
        say!("sluice: warning: {warning}");
    }
    if !args.quiet {
        say!("{}", report::human(outcome, seed_given));
    }
    let mut code = match &outcome.ending {
        Ending::Exhausted | Ending::Limit | Ending::SinksDone => 0,
        Ending::Stopped(signal) => crate::exit::signalled(*signal),
        // A closed stdout (`| head`) is the reader saying it has enough.
        Ending::SinkFailed(e) if e.is_broken_pipe() => 0,
        // A failure that a signal caused (a wait it cut short) ends as the
        // signal asked: 130 or 143, never 1.
        Ending::SourceFailed(e) | Ending::SinkFailed(e) if asked.requested().is_some() => {
            say!("sluice: {e}");
            asked.requested().map_or(FAILURE, crate::exit::signalled)
        }
        Ending::SourceFailed(e) if e.is_config() => {
            say!("sluice: {e}");
            USAGE
        }
        Ending::SourceFailed(e) | Ending::SinkFailed(e) => {
            say!("sluice: {e}");
            FAILURE
        }
    };
    // A file replay in which every row was bad is a layout gone wrong, not
    // a result (issue 17: integer prices all "out of range", exit 0).
    let summary = &outcome.summary;
    if code == 0 && replaying_files && summary.read > 0 && summary.bad_total() == summary.read {
        let reason = summary.bad.iter().max_by_key(|(_, n)| **n).map_or("", |(k, _)| k.name());
        say!(
            "sluice: every one of the {} rows read was bad (mostly {reason}); check the layout: --format, --columns",
            summary.read
        );
        code = FAILURE;
    }
    for failed in outcome.reports.iter().filter_map(|r| r.as_ref().err()) {
        if !failed.is_broken_pipe() {
            say!("sluice: closing {failed}");
            code = code.max(FAILURE);
        }
    }
    if let Some(path) = &args.report {
        write_report(path, outcome)?;
    }
    if args.json {
        // A reader that went away (`| head`) had what it wanted; a full
        // disk loses the report, which is a failure.
        if let Err(e) = crate::write_stdout_with(|out| report::write(outcome, out)) {
            say!("sluice: the report: {e}");
            code = code.max(FAILURE);
        }
    }
    Ok(code)
}

/// The first bot, once per combination of `grid`, as one sink: each
/// combination is the bot's options with the grid's values set, read by the
/// same deserializer as any bot's, so a bad key or value is named the same.
fn sweep(bot: &Component, grid: &str, args: &PipelineArgs) -> Result<Box<dyn sluice_core::Sink>, UsageError> {
    let (keys, combinations) = grid_of(grid, args)?;
    let heatmap = args.heatmap.as_ref().map(|p| p.display().to_string());
    Ok(Box::new(sweep_over(bot, keys, &combinations, rank_of(args)?, heatmap)?))
}

/// The keys and the combinations of `--sweep GRID`, each combination's
/// values one per key, in the grid's order.
pub fn grid_of(grid: &str, args: &PipelineArgs) -> Result<(Vec<String>, Vec<Vec<String>>), UsageError> {
    let grid: sluice_bot::Grid = grid.parse().map_err(|e| UsageError(format!("--sweep: {e}")))?;
    let keys: Vec<String> = grid.keys().iter().map(|k| k.to_string()).collect();
    if args.heatmap.is_some() && keys.len() != 2 {
        return Err(UsageError(format!("--heatmap: draws a sweep of two keys, and this one has {}", keys.len())));
    }
    let combinations = grid.combinations().iter().map(|c| c.iter().map(|v| v.to_string()).collect()).collect();
    Ok((keys, combinations))
}

/// The figure of `--rank`, or the default.
pub fn rank_of(args: &PipelineArgs) -> Result<sluice_bot::Rank, UsageError> {
    match &args.rank {
        Some(r) => r.parse().map_err(|e| UsageError(format!("--rank: {e}"))),
        None => Ok(sluice_bot::Rank::default()),
    }
}

/// The sweep of `bot` over `combinations` of `keys`.
pub fn sweep_over(
    bot: &Component,
    keys: Vec<String>,
    combinations: &[Vec<String>],
    rank: sluice_bot::Rank,
    heatmap: Option<String>,
) -> Result<sluice_bot::Sweep, UsageError> {
    let mut base = bot.clone();
    // A sweep's report is about the figures: the trade lists of a hundred
    // combinations would be a hundred files' worth of JSON.
    if bot.read::<sluice_bot::BotConfig>()?.report_trades == sluice_bot::BotConfig::default().report_trades {
        base.set("report_trades", "0");
    }
    let mut runs = Vec::new();
    for values in combinations {
        let mut c = base.clone();
        for (k, v) in keys.iter().zip(values) {
            c.set(k, v);
        }
        let config: sluice_bot::BotConfig =
            c.read().map_err(|e| UsageError(format!("--sweep {}: {e}", describe(&keys, values))))?;
        for (key, set) in [("trades", &config.trades), ("plot", &config.plot), ("equity", &config.equity)] {
            if set.is_some() {
                return Err(UsageError(format!(
                    "--sweep: `{key}` would be written by every combination; run the one you want alone"
                )));
            }
        }
        let bot = sluice_bot::Bot::silent(config)
            .map_err(|e| UsageError(format!("--sweep {}: {e}", describe(&keys, values))))?;
        runs.push((values.clone(), bot));
    }
    Ok(sluice_bot::Sweep::new(keys, runs, rank, heatmap))
}

/// `entry=140,exit=190`: a combination, for messages.
fn describe(keys: &[String], values: &[String]) -> String {
    keys.iter().zip(values).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// The sinks a plan names, or the default one.
pub fn sinks_or_default(sinks: &[Component]) -> Result<Vec<Component>, UsageError> {
    if sinks.is_empty() {
        Ok(vec![Component::from_flag("--sink", registry::DEFAULT_SINK)?])
    } else {
        Ok(sinks.to_vec())
    }
}

/// The shorthand flags that were given, with their values; the registry
/// says which sink key each sets.
fn shorthands(args: &PipelineArgs) -> Vec<(&'static str, String)> {
    let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    [
        ("--transcript", args.transcript.then(|| "true".to_owned())),
        ("--trades", path(&args.trades)),
        ("--plot", path(&args.plot)),
        ("--equity", path(&args.equity)),
    ]
    .into_iter()
    .filter_map(|(flag, value)| Some((flag, value?)))
    .collect()
}

fn write_report(path: &Path, outcome: &sluice_core::Outcome) -> anyhow::Result<()> {
    let write = || -> std::io::Result<()> {
        // Written whole or not at all: a full disk keeps the old report.
        let mut file = std::io::BufWriter::new(sluice_io::AtomicFile::create(path)?);
        report::write(outcome, &mut file)?;
        file.into_inner().map_err(|e| e.into_error())?.commit()
    };
    write().with_context(|| format!("--report {}: cannot write", path.display()))
}

/// Refuses, before anything runs, two outputs that are one file (a
/// `--report` over the audit log, two audit sinks on one path or on a link
/// to it): the second would overwrite or interleave with the first.
/// Devices and pipes (`/dev/null`) may be shared.
fn check_distinct_outputs(sinks: &[Component], args: &PipelineArgs) -> Result<(), UsageError> {
    let mut seen: Vec<(std::path::PathBuf, String)> = Vec::new();
    let mut outputs: Vec<(String, String)> = Vec::new();
    for (i, c) in sinks.iter().enumerate() {
        for (key, path) in registry::outputs(c)? {
            outputs.push((format!("sink #{} ({}) `{key}`", i + 1, c.kind), path));
        }
    }
    for (flag, path) in [("--report", &args.report), ("--heatmap", &args.heatmap)] {
        if let Some(p) = path {
            outputs.push((flag.to_owned(), p.display().to_string()));
        }
    }
    for (what, path) in outputs {
        let p = Path::new(&path);
        if path == "-" || p.exists() && !p.is_file() {
            continue;
        }
        // The file as the system resolves it: links followed, `.` and `..`
        // gone; for a file not yet there, its directory resolved.
        let resolved = std::fs::canonicalize(p).ok().or_else(|| {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            Some(std::fs::canonicalize(dir).ok()?.join(p.file_name()?))
        });
        let Some(resolved) = resolved else { continue };
        if let Some((_, first)) = seen.iter().find(|(r, _)| *r == resolved) {
            return Err(UsageError(format!("{what} and {first} both write {path}; give each its own file")));
        }
        seen.push((resolved, what));
    }
    Ok(())
}

/// Refuses, before anything runs, an output path that cannot be written.
fn check_writable_dir(flag: &'static str, path: &Path) -> Result<(), UsageError> {
    check_output_path(path).map_err(|p| UsageError(format!("{flag} {}: {p}", path.display())))
}
