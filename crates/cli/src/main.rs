//! The `sluice` binary: flags to components, components to a run, and the
//! run's outcome to an exit code. No pipeline logic lives here.

mod grep;
mod progress;
mod report;
mod schema;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::Parser;
use sluice_core::{Bridge, Ending, Source, Stop};

use sluice_cli::args::{self, AuditCommand, Cli, Command, PipelineArgs, ReplayArgs, RunArgs};
use sluice_cli::components::{Component, UsageError};
use sluice_cli::pipeline::Plan;
use sluice_cli::{components, pipeline};

/// Exit code of a run that failed at runtime.
const FAILURE: u8 = 1;
/// Exit code of a usage or configuration error.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    report_panics_in_one_line();
    // Lets the test suite check what a panic looks like; nothing else sets it.
    if std::env::var_os("SLUICE_TEST_PANIC").is_some() {
        panic!("a panic asked for by SLUICE_TEST_PANIC\nacross two lines");
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // clap prints help and version on stdout with code 0, and mistakes
        // on stderr with code 2.
        Err(e) => e.exit(),
    };
    let stop = Stop::new();
    if let Err(e) = watch_signals(&stop) {
        eprintln!("sluice: cannot install signal handlers: {e}");
        return ExitCode::from(FAILURE);
    }
    let result = match cli.command {
        Command::Run(args) => run(args, stop),
        Command::Replay(args) => replay(args, stop),
        Command::Grep(args) => return grep::run(&args, &stop),
        Command::Audit(AuditCommand::Verify { files }) => return verify(&files),
        Command::Validate { files } => validate(&files, &stop),
        Command::List => {
            print!("{}", list());
            return ExitCode::SUCCESS;
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let shell = match shell {
                args::Shell::Bash => clap_complete::Shell::Bash,
                args::Shell::Zsh => clap_complete::Shell::Zsh,
                args::Shell::Fish => clap_complete::Shell::Fish,
            };
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut cmd, "sluice", &mut text);
            return print_bytes(&text);
        }
        Command::Man => {
            let mut text = Vec::new();
            let page = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
            return match page.render(&mut text) {
                Ok(()) => print_bytes(&text),
                Err(e) => {
                    eprintln!("sluice: rendering the man page: {}", sluice_core::error::io_message(&e));
                    ExitCode::from(FAILURE)
                }
            };
        }
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&schema::pipeline()).unwrap_or_default());
            return ExitCode::SUCCESS;
        }
    };
    result.map(ExitCode::from).unwrap_or_else(|e| ExitCode::from(print_error(&e)))
}

/// Prints a run's error in one line; returns its exit code.
fn print_error(e: &anyhow::Error) -> u8 {
    if e.is::<UsageError>() {
        eprintln!("sluice: {e}");
        USAGE
    } else {
        eprintln!("sluice: {e:#}");
        FAILURE
    }
}

/// Runs a source built elsewhere (`sluice grep --sink`) into the sinks the
/// flags name; an error is printed here and its exit code returned.
fn run_pipeline(source: Box<dyn Source>, args: &PipelineArgs, stop: Stop) -> Result<u8, u8> {
    let build = || -> anyhow::Result<u8> {
        let sinks = args.sinks.iter().map(|s| Component::from_flag("--sink", s)).collect::<Result<_, _>>()?;
        check_outputs(args)?;
        run_built(source, &Plan { sinks, ..Plan::default() }, args, stop, None)
    };
    build().map_err(|e| print_error(&e))
}

/// A panic is a bug: say so in one line, with where, and ask for a report
/// instead of printing a backtrace. The process then exits with 101.
fn report_panics_in_one_line() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info.location().map_or(String::new(), |l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!(
            "sluice: internal error{at}: {}; this is a bug, please report it with the command that caused it",
            what.replace('\n', " ")
        );
    }));
}

/// The first SIGINT or SIGTERM asks the run to stop cleanly (sinks are
/// closed, reports written); a second one ends the process at once.
fn watch_signals(stop: &Stop) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let seen = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so it sees `seen` as the previous signal left it.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&seen))?;
        signal_hook::flag::register(signal, Arc::clone(&seen))?;
        signal_hook::flag::register_usize(signal, stop.as_atomic(), signal as usize)?;
    }
    Ok(())
}

fn run(args: RunArgs, stop: Stop) -> anyhow::Result<u8> {
    check_outputs(&args.pipeline)?;
    let plan = plan(&args)?;
    let source = components::source(plan.source.as_ref().unwrap_or(&default_source()?), &stop)?;
    let mut pipeline = args.pipeline;
    pipeline.limit = pipeline.limit.or(plan.limit);
    run_built(source, &plan, &pipeline, stop, None)
}

fn default_source() -> Result<Component, UsageError> {
    Component::from_flag("--source", "ticker")
}

/// The pipeline `sluice run` was given: the demo when nothing names one,
/// else the file (if any) with each flag replacing its part.
fn plan(args: &RunArgs) -> Result<Plan, UsageError> {
    if args.is_demo() {
        return Ok(Plan {
            source: Some(Component::from_flag("--source", "ticker:bad_rate=0.1")?),
            filters: vec![Component::filter_flag("symbol=AAPL")?],
            sinks: vec![Component::from_flag("--sink", "bot:transcript=true")?],
            limit: Some(30),
        });
    }
    let mut plan = match &args.file {
        Some(path) => pipeline::load(path, &args.sets)?,
        None => Plan::default(),
    };
    if let Some(s) = &args.source {
        plan.source = Some(Component::from_flag("--source", s)?);
    }
    let p = &args.pipeline;
    if !p.filters.is_empty() {
        plan.filters = p.filters.iter().map(|f| Component::filter_flag(f)).collect::<Result<_, _>>()?;
    }
    if !p.sinks.is_empty() {
        plan.sinks = p.sinks.iter().map(|s| Component::from_flag("--sink", s)).collect::<Result<_, _>>()?;
    }
    Ok(plan)
}

fn replay(args: Box<ReplayArgs>, stop: Stop) -> anyhow::Result<u8> {
    check_outputs(&args.pipeline)?;
    let bar = progress::Progress::start(&args.files, args.pipeline.quiet);
    let source = components::replay_source(&args, &stop, bar.as_ref().map(|b| b.counter()))?;
    let p = &args.pipeline;
    let plan = Plan {
        source: None,
        filters: p.filters.iter().map(|f| Component::filter_flag(f)).collect::<Result<_, _>>()?,
        sinks: p.sinks.iter().map(|s| Component::from_flag("--sink", s)).collect::<Result<_, _>>()?,
        limit: None,
    };
    run_built(source, &plan, &args.pipeline, stop, bar)
}

fn check_outputs(args: &PipelineArgs) -> Result<(), UsageError> {
    if let Some(path) = &args.report {
        check_writable_dir("--report", path)?;
    }
    if let Some(path) = &args.trades {
        check_writable_dir("--trades", path)?;
    }
    if let Some(path) = &args.plot {
        check_writable_dir("--plot", path)?;
    }
    Ok(())
}

/// Builds the filters and sinks (the bot when none is named), checks the
/// whole, runs the bridge, reports, and maps the way the run ended to an
/// exit code.
fn run_built(
    source: Box<dyn Source>,
    plan: &Plan,
    args: &PipelineArgs,
    stop: Stop,
    bar: Option<progress::Progress>,
) -> anyhow::Result<u8> {
    let filters = plan.filters.iter().map(components::filter).collect::<Result<Vec<_>, _>>()?;
    let default_sink = [Component::from_flag("--sink", "bot")?];
    let sink_specs = if plan.sinks.is_empty() { &default_sink[..] } else { &plan.sinks[..] };
    let mut flags = components::BotFlags {
        transcript: args.transcript,
        color: use_color(args.color, std::io::stderr().is_terminal()),
        silent: args.json,
        trades: args.trades.as_ref().map(|p| p.display().to_string()),
        plot: args.plot.as_ref().map(|p| p.display().to_string()),
    };
    let sinks = sink_specs.iter().map(|s| components::sink(s, &mut flags)).collect::<Result<Vec<_>, _>>()?;
    let bridge = Bridge::new(source, filters, sinks).map_err(|e| UsageError(format!("pipeline: {e}")))?;

    let outcome = bridge.limit(args.limit).stop_on(stop).run();
    if let Some(bar) = bar {
        bar.finish();
    }

    for warning in &outcome.summary.warnings {
        eprintln!("sluice: warning: {warning}");
    }
    if !args.quiet {
        eprintln!("{}", report::human(&outcome));
    }
    let mut code = match &outcome.ending {
        Ending::Exhausted | Ending::Limit | Ending::SinksDone => 0,
        Ending::Stopped(signal) => 128 + *signal as u8,
        // A closed stdout (`| head`) is the reader saying it has enough.
        Ending::SinkFailed(e) if e.is_broken_pipe() => 0,
        Ending::SourceFailed(e) if e.is_config() => {
            eprintln!("sluice: {e}");
            USAGE
        }
        Ending::SourceFailed(e) | Ending::SinkFailed(e) => {
            eprintln!("sluice: {e}");
            FAILURE
        }
    };
    for failed in outcome.reports.iter().filter_map(|r| r.as_ref().err()) {
        if !failed.is_broken_pipe() {
            eprintln!("sluice: closing {failed}");
            code = code.max(FAILURE);
        }
    }
    if let Some(path) = &args.report {
        write_report(path, &report::compose(&outcome))?;
    }
    if args.json {
        let text = serde_json::to_string_pretty(&report::compose(&outcome)).unwrap_or_default();
        // A reader that went away (`| head`) had what it wanted.
        let _ = writeln!(std::io::stdout(), "{text}");
    }
    Ok(code)
}

fn write_report(path: &Path, report: &serde_json::Value) -> anyhow::Result<()> {
    let write = || -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        serde_json::to_writer_pretty(&mut file, report)?;
        file.write_all(b"\n")?;
        file.flush()
    };
    write().with_context(|| format!("--report {}: cannot write", path.display()))
}

/// Refuses, before anything runs, an output path that cannot be written.
fn check_writable_dir(flag: &'static str, path: &Path) -> Result<(), UsageError> {
    components::check_output_path(path).map_err(|p| UsageError(format!("{flag} {}: {p}", path.display())))
}

/// `sluice validate`: everything `run` does before running.
fn validate(files: &[String], stop: &Stop) -> anyhow::Result<u8> {
    for file in files {
        let plan = pipeline::load(file, &[])?;
        let source = components::source(plan.source.as_ref().unwrap_or(&default_source()?), stop)?;
        let filters = plan.filters.iter().map(components::filter).collect::<Result<Vec<_>, _>>()?;
        plan.sinks.iter().try_for_each(components::check_sink_output)?;
        let default_sink = [Component::from_flag("--sink", "bot")?];
        let specs = if plan.sinks.is_empty() { &default_sink[..] } else { &plan.sinks[..] };
        let mut flags = components::BotFlags::default();
        let sinks = specs.iter().map(|s| components::sink(s, &mut flags)).collect::<Result<Vec<_>, _>>()?;
        let names: Vec<&str> = specs.iter().map(|s| s.kind.as_str()).collect();
        let shown = format!("{} → {} filter(s) → {}", source.name(), filters.len(), names.join(", "));
        Bridge::new(source, filters, sinks).map_err(|e| UsageError(format!("{file}: {e}")))?;
        println!("{file}: ok ({shown})");
    }
    Ok(0)
}

/// `sluice list`: every component, what it emits or takes, and its
/// options, from the same schemas as `sluice schema`.
fn list() -> String {
    let s = schema::schemas();
    let mut out = String::from("Sources (kind, emits):\n");
    let section = |out: &mut String, table: &[(&str, &str, &str)], described: &[schema::Described]| {
        for (kind, records, what) in table {
            out.push_str(&format!("  {kind:<8} {records:<16} {what}\n"));
            if let Some(d) = described.iter().find(|d| d.kind == *kind) {
                for line in schema::option_lines(&d.schema, &s.definitions) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
    };
    section(&mut out, components::SOURCES, &s.sources);
    out.push_str("Sinks (kind, takes):\n");
    section(&mut out, components::SINKS, &s.sinks);
    out.push_str("Filters (one key each: --filter KEY=VALUE, or a [[filter]] table):\n");
    for line in schema::option_lines(&s.filter, &s.definitions) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Whether to colour output going to a terminal (`is_terminal`): `auto`
/// honours NO_COLOR and a dumb terminal.
pub fn use_color(when: args::ColorWhen, is_terminal: bool) -> bool {
    match when {
        args::ColorWhen::Always => true,
        args::ColorWhen::Never => false,
        args::ColorWhen::Auto => {
            is_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").is_ok_and(|t| t != "dumb")
        }
    }
}

/// Writes generated text to stdout; a closed stdout ends quietly.
fn print_bytes(text: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sluice: writing output: {}", sluice_core::error::io_message(&e));
            ExitCode::from(FAILURE)
        }
    }
}

/// `sluice audit verify`: 0 and the count when intact, 1 and the first
/// broken line otherwise.
fn verify(files: &[String]) -> ExitCode {
    match sluice_audit::verify::verify(files) {
        Ok(v) => {
            println!("{}: {} lines intact (seq 1..{})", v.files.join(", "), v.lines, v.last_seq);
            ExitCode::SUCCESS
        }
        Err(broken) => {
            eprintln!("sluice: {broken}");
            ExitCode::from(FAILURE)
        }
    }
}
