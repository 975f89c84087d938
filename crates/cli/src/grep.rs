//! `sluice grep`: flags to a search, the search's outcome to grep's exit
//! status.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use sluice_core::Stop;
use sluice_core::error::io_message;
use sluice_grep::{GrepFeed, GrepOptions, MatchOptions, Matcher};

use sluice_cli::args::{GrepArgs, PipelineArgs};

use crate::exit::{GREP_NONE, GREP_TROUBLE, signalled};

pub fn run(args: &GrepArgs, stop: &Stop) -> ExitCode {
    let matcher = match Matcher::new(
        &args.pattern,
        MatchOptions { fixed: args.fixed, ignore_case: args.ignore_case, word: args.word },
    ) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("sluice: {e}");
            return ExitCode::from(GREP_TROUBLE);
        }
    };
    if args.follow && args.decompress {
        eprintln!("sluice: --follow cannot read compressed input (-z)");
        return ExitCode::from(GREP_TROUBLE);
    }
    let stdout = io::stdout();
    let color = args.color.enabled(stdout.is_terminal());
    let opts = GrepOptions {
        invert: args.invert,
        count: args.count,
        line_number: args.line_number,
        with_filename: args.with_filename || (!args.no_filename && args.files.len() > 1),
        files_with_matches: args.files_with_matches,
        quiet: args.quiet,
        max_count: args.max_count,
        color,
        text: args.text,
        decompress: args.decompress,
        max_line_bytes: args.max_line_bytes.max(1),
        follow: args.follow,
        mmap: args.mmap,
        ..GrepOptions::new(matcher)
    };
    if !args.sinks.is_empty() {
        return to_sinks(args, opts, stop);
    }
    // Lines go out as they are found when following, or to a terminal.
    let mut out: Box<dyn Write> = if args.follow || stdout.is_terminal() {
        Box::new(io::LineWriter::new(stdout.lock()))
    } else {
        Box::new(io::BufWriter::with_capacity(64 * 1024, stdout.lock()))
    };
    let mut warn = |line: String| eprintln!("sluice: {line}");
    let result = sluice_grep::grep(&opts, &args.files, &mut out, &mut warn, stop);
    let outcome = match result {
        Ok(o) => o,
        // `sluice grep … | head -1`: the reader has what it wanted.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sluice: {}", io_message(&e));
            return ExitCode::from(GREP_TROUBLE);
        }
    };
    if let Some(signal) = outcome.stopped
        && !args.follow
    {
        return ExitCode::from(signalled(signal));
    }
    if outcome.selected && (args.quiet || !outcome.errors) {
        ExitCode::SUCCESS
    } else if outcome.errors {
        ExitCode::from(GREP_TROUBLE)
    } else {
        ExitCode::from(GREP_NONE)
    }
}

/// `--sink`: the selected lines go through the sinks instead of stdout; the
/// exit status is grep's all the same, and Ctrl-C ends a follow with 0.
fn to_sinks(args: &GrepArgs, opts: GrepOptions, stop: &Stop) -> ExitCode {
    let warn = Box::new(|line: String| eprintln!("sluice: {line}"));
    let (feed, status) = GrepFeed::spawn(opts, args.files.clone(), stop.clone(), warn);
    let pipeline = PipelineArgs { sinks: args.sinks.clone(), report: args.report.clone(), ..PipelineArgs::default() };
    let code = match crate::run::pipeline(Box::new(feed), &pipeline, stop.clone()) {
        Ok(code) => code,
        // grep has one status for every kind of trouble.
        Err(_) => return ExitCode::from(GREP_TROUBLE),
    };
    let stopped =
        [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM].into_iter().any(|s| code == signalled(s as usize));
    if code != 0 && !(stopped && args.follow) {
        return ExitCode::from(if stopped { code } else { GREP_TROUBLE });
    }
    match status.lock().ok().and_then(|mut s| s.take()) {
        Some(Ok(o)) if o.selected && !o.errors => ExitCode::SUCCESS,
        Some(Ok(o)) if o.errors => ExitCode::from(GREP_TROUBLE),
        Some(Ok(_)) => ExitCode::from(GREP_NONE),
        Some(Err(e)) => {
            eprintln!("sluice: {}", io_message(&e));
            ExitCode::from(GREP_TROUBLE)
        }
        // Stopped while the search was still going: it selected what the
        // sinks were sent.
        None => ExitCode::SUCCESS,
    }
}
