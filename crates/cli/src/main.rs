//! The `sluice` binary: flags to components, components to a run, and the
//! run's outcome to an exit code. No pipeline logic lives here.

/// A line on stderr. A closed or full stderr is ignored: there is nowhere
/// left to say anything, and `eprintln!` would panic (then abort) instead.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod distribute;
mod exit;
mod grep;
mod merge;
mod progress;
mod report;
mod run;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Parser;
use sluice_core::{Bridge, Source, Stop};

use sluice_cli::args::{self, AuditCommand, Cli, Command, ReplayArgs, ReportCommand, RunArgs};
use sluice_cli::component::{Component, UsageError};
use sluice_cli::pipeline::Plan;
use sluice_cli::registry::{self, Context as BuildContext};
use sluice_cli::{pipeline, replay, schema};

use exit::{FAILURE, USAGE};
use run::{check_outputs, print_error, run_built, sinks_or_default};

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
        say!("sluice: cannot install signal handlers: {e}");
        return ExitCode::from(FAILURE);
    }
    let result = match cli.command {
        Command::Run(args) => run(*args, stop),
        Command::Replay(args) => replay(args, stop),
        Command::Grep(args) => return grep::run(&args, &stop),
        Command::Worker { spec, quiet } => distribute::worker(&spec, quiet, stop),
        Command::Report(ReportCommand::Merge { files, output }) => return merge_reports(&files, output.as_deref()),
        Command::Audit(AuditCommand::Verify { files, head, key_file }) => {
            return verify(&files, head.as_deref(), key_file.as_deref(), false);
        }
        Command::Audit(AuditCommand::Head { files, key_file }) => {
            return verify(&files, None, key_file.as_deref(), true);
        }
        Command::Audit(AuditCommand::Repair { file, key_file }) => {
            let chain = match audit_chain(key_file.as_deref()) {
                Ok(c) => c,
                Err(code) => return code,
            };
            return match sluice_audit::repair(&file, &chain) {
                Ok(r) => {
                    let mut text = String::new();
                    if let Some((n, aside)) = &r.torn {
                        text.push_str(&format!("{file}: {n} torn bytes moved to {aside}\n"));
                    }
                    match r.closed {
                        Some((seq, records, errors)) => text.push_str(&format!(
                            "{file}: the open run closed at seq {seq} ({records} records, {errors} errors)\n"
                        )),
                        None => text.push_str(&format!("{file}: its last run was closed already\n")),
                    }
                    print_bytes(text.as_bytes())
                }
                Err(e) => {
                    say!("sluice: audit repair: {e}");
                    ExitCode::from(FAILURE)
                }
            };
        }
        Command::Validate { files } => validate(&files, &stop),
        Command::List => {
            return print_bytes(schema::list().as_bytes());
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
        Command::Man { path } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // A subcommand's page is named as the pages that list it refer
            // to it: sluice-audit-verify(1).
            let mut name = String::from("sluice");
            for part in &path {
                let Some(sub) = cmd.find_subcommand(part).cloned() else {
                    say!("sluice: man: no subcommand `{part}` in `{name}`");
                    return ExitCode::from(USAGE);
                };
                name = format!("{name}-{part}");
                // clap names are static; this runs once, just before exit.
                cmd = sub.name(&*Box::leak(name.clone().into_boxed_str()));
            }
            let mut text = Vec::new();
            return match clap_mangen::Man::new(cmd).render(&mut text) {
                Ok(()) => print_bytes(&text),
                Err(e) => {
                    say!("sluice: rendering the man page: {}", sluice_core::error::io_message(&e));
                    ExitCode::from(FAILURE)
                }
            };
        }
        Command::Schema => {
            let text = serde_json::to_string_pretty(&schema::pipeline()).unwrap_or_default() + "\n";
            return print_bytes(text.as_bytes());
        }
    };
    result.map(ExitCode::from).unwrap_or_else(|e| ExitCode::from(print_error(&e)))
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
        say!(
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
    if args.pipeline.workers.is_some() {
        let source = distribute::Part::of(plan.source.as_ref().unwrap_or(&default_source()?), true)?;
        let mut pipeline = args.pipeline;
        pipeline.limit = pipeline.limit.or(plan.limit);
        return distribute::coordinate(source, &plan, &pipeline, stop);
    }
    let sweeping = args.pipeline.sweep.is_some();
    let ctx = BuildContext { stop: stop.clone(), sweeping, ..BuildContext::default() };
    let source = registry::source(plan.source.as_ref().unwrap_or(&default_source()?), &ctx)?;
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
    if args.pipeline.workers.is_some() {
        let p = &args.pipeline;
        let plan = Plan {
            filters: p.filters.iter().map(|f| Component::filter_flag(f)).collect::<Result<_, _>>()?,
            sinks: p.sinks.iter().map(|s| Component::from_flag("--sink", s)).collect::<Result<_, _>>()?,
            ..Plan::default()
        };
        let source = distribute::Part::replay(&args.csv.pairs, &args.files)?;
        return distribute::coordinate(source, &plan, &args.pipeline, stop);
    }
    let bar = progress::Progress::start(&args.files, args.pipeline.quiet);
    let source = replay::replay_source(&args, &stop, bar.as_ref().map(|b| b.counter()))?;
    let p = &args.pipeline;
    let plan = Plan {
        source: None,
        filters: p.filters.iter().map(|f| Component::filter_flag(f)).collect::<Result<_, _>>()?,
        sinks: p.sinks.iter().map(|s| Component::from_flag("--sink", s)).collect::<Result<_, _>>()?,
        limit: None,
    };
    run_built(source, &plan, &args.pipeline, stop, bar)
}

/// `sluice validate`: everything `run` does before running.
fn validate(files: &[String], stop: &Stop) -> anyhow::Result<u8> {
    for file in files {
        let plan = pipeline::load(file, &[])?;
        let ctx = BuildContext { stop: stop.clone(), ..BuildContext::default() };
        let source = registry::source(plan.source.as_ref().unwrap_or(&default_source()?), &ctx)?;
        let filters = plan.filters.iter().map(registry::filter).collect::<Result<Vec<_>, _>>()?;
        let specs = sinks_or_default(&plan.sinks)?;
        specs.iter().try_for_each(registry::check_sink_outputs)?;
        let sinks = specs.iter().map(|s| registry::sink(s, &ctx)).collect::<Result<Vec<_>, _>>()?;
        let names: Vec<&str> = specs.iter().map(|s| s.kind.as_str()).collect();
        let shown = match filters.len() {
            0 => format!("{} → {}", source.name(), names.join(", ")),
            1 => format!("{} → 1 filter → {}", source.name(), names.join(", ")),
            n => format!("{} → {n} filters → {}", source.name(), names.join(", ")),
        };
        Bridge::new(source, filters, sinks).map_err(|e| UsageError(format!("{file}: {e}")))?;
        write_stdout(format!("{file}: ok ({shown})\n").as_bytes())?;
    }
    Ok(0)
}

/// Writes generated text to stdout; a closed stdout ends quietly.
pub(crate) fn print_bytes(text: &[u8]) -> ExitCode {
    match write_stdout(text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => ExitCode::from(print_error(&e)),
    }
}

/// Writes to stdout and flushes. A closed stdout (`| head`) is the reader
/// having had enough, not a failure; any other failure (a full disk) is.
pub(crate) fn write_stdout(text: &[u8]) -> anyhow::Result<()> {
    write_stdout_with(|out| out.write_all(text))
}

/// [`write_stdout`] for output written piece by piece by `write`.
pub(crate) fn write_stdout_with(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("writing output: {}", sluice_core::error::io_message(&e)))
        }
        _ => Ok(()),
    }
}

/// `sluice audit verify`: 0 and the count when intact, 1 and the first
/// broken line otherwise.
/// The chain a log was written with: keyed when `--key-file` is given.
fn audit_chain(key_file: Option<&str>) -> Result<sluice_audit::Chain, ExitCode> {
    let Some(path) = key_file else { return Ok(sluice_audit::Chain::Plain) };
    sluice_audit::read_key(path).and_then(|k| sluice_audit::Chain::keyed(&k)).map_err(|e| {
        say!("sluice: --key-file: {e}");
        ExitCode::from(USAGE)
    })
}

/// `sluice report merge`: the merged report on stdout or at `output`; a
/// report that is not a part of the same run is a usage error.
fn merge_reports(files: &[std::path::PathBuf], output: Option<&std::path::Path>) -> ExitCode {
    let merged = match merge::merge(files) {
        Ok(m) => m,
        Err(e) => {
            say!("sluice: report merge: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let text = serde_json::to_string_pretty(&merged).unwrap_or_default() + "\n";
    let written = match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("{}: {}", path.display(), sluice_core::error::io_message(&e))),
        None => std::io::stdout().write_all(text.as_bytes()).map_err(|e| sluice_core::error::io_message(&e)),
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say!("sluice: report merge: {e}");
            ExitCode::from(FAILURE)
        }
    }
}

fn verify(files: &[String], head: Option<&str>, key_file: Option<&str>, print_head: bool) -> ExitCode {
    let chain = match audit_chain(key_file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let head = match head.map(str::parse::<sluice_audit::Head>).transpose() {
        Ok(h) => h,
        Err(e) => {
            say!("sluice: --head: {e}");
            return ExitCode::from(USAGE);
        }
    };
    match sluice_audit::verify(files, head.as_ref(), &chain) {
        Ok(v) if print_head => print_bytes(format!("{}:{}\n", v.last_seq, v.last_hash).as_bytes()),
        Ok(v) => print_bytes(
            format!("{}: {} lines intact (seq 1..{})\n", v.files.join(", "), v.lines, v.last_seq).as_bytes(),
        ),
        Err(broken) => {
            say!("sluice: {broken}");
            ExitCode::from(FAILURE)
        }
    }
}
