//! The `sluice` binary: flags to components, components to a run, and the
//! run's outcome to an exit code. No pipeline logic lives here.

mod args;
mod components;
mod grep;
mod report;
mod spec;
mod suggest;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::Parser;
use sluice_core::{Bridge, Ending, Source, Stop};

use args::{AuditCommand, Cli, Command, PipelineArgs, ReplayArgs, RunArgs};
use components::UsageError;

/// Exit code of a run that failed at runtime.
const FAILURE: u8 = 1;
/// Exit code of a usage or configuration error.
const USAGE: u8 = 2;

fn main() -> ExitCode {
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
    };
    match result {
        Ok(code) => code,
        Err(e) if e.is::<UsageError>() => {
            eprintln!("sluice: {e}");
            ExitCode::from(USAGE)
        }
        Err(e) => {
            eprintln!("sluice: {e:#}");
            ExitCode::from(FAILURE)
        }
    }
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

fn run(mut args: RunArgs, stop: Stop) -> anyhow::Result<ExitCode> {
    if args.is_demo() {
        args.source = Some("ticker:bad_rate=0.1".into());
        let p = &mut args.pipeline;
        p.filters = vec!["symbol=AAPL".into()];
        p.sinks = vec!["bot".into()];
        p.limit = Some(30);
        p.transcript = true;
    }
    check_outputs(&args.pipeline)?;
    let source = components::source(args.source.as_deref().unwrap_or("ticker"), &stop)?;
    run_pipeline(source, &args.pipeline, stop)
}

fn replay(args: Box<ReplayArgs>, stop: Stop) -> anyhow::Result<ExitCode> {
    check_outputs(&args.pipeline)?;
    let source = components::replay_source(&args, &stop)?;
    run_pipeline(source, &args.pipeline, stop)
}

fn check_outputs(args: &PipelineArgs) -> Result<(), UsageError> {
    match &args.report {
        Some(path) => check_writable_dir("--report", path),
        None => Ok(()),
    }
}

/// Builds the filters and sinks, runs the bridge, reports, and maps the
/// way the run ended to an exit code.
fn run_pipeline(source: Box<dyn Source>, args: &PipelineArgs, stop: Stop) -> anyhow::Result<ExitCode> {
    let filters = args.filters.iter().map(|f| components::filter(f)).collect::<Result<Vec<_>, _>>()?;
    let sink_specs = if args.sinks.is_empty() { vec!["bot".to_owned()] } else { args.sinks.clone() };
    let sinks = sink_specs.iter().map(|s| components::sink(s, args.transcript)).collect::<Result<Vec<_>, _>>()?;
    let bridge = Bridge::new(source, filters, sinks).map_err(|e| UsageError {
        flag: "pipeline",
        given: String::new(),
        message: e.to_string(),
    })?;

    let outcome = bridge.limit(args.limit).stop_on(stop).run();

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
    Ok(ExitCode::from(code))
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

/// Refuses, before anything runs, an output path whose directory is missing.
fn check_writable_dir(flag: &'static str, path: &Path) -> Result<(), UsageError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if path.is_dir() {
        return Err(UsageError { flag, given: path.display().to_string(), message: "is a directory".into() });
    }
    if !dir.is_dir() {
        return Err(UsageError {
            flag,
            given: path.display().to_string(),
            message: format!("directory {} does not exist", dir.display()),
        });
    }
    Ok(())
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
