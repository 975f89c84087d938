//! `sluice grep`: flags to a search, the search's outcome to grep's exit
//! status.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use sluice_core::Stop;
use sluice_replay::grep::{self, GrepOptions, MatchOptions, Matcher};

use sluice_cli::args::GrepArgs;

pub fn run(args: &GrepArgs, stop: &Stop) -> ExitCode {
    let matcher = match Matcher::new(
        &args.pattern,
        MatchOptions { fixed: args.fixed, ignore_case: args.ignore_case, word: args.word },
    ) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("sluice: {e}");
            return ExitCode::from(2);
        }
    };
    if args.follow && args.decompress {
        eprintln!("sluice: --follow cannot read compressed input (-z)");
        return ExitCode::from(2);
    }
    let stdout = io::stdout();
    let color = crate::use_color(args.color, stdout.is_terminal());
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
    // Lines go out as they are found when following, or to a terminal.
    let mut out: Box<dyn Write> = if args.follow || stdout.is_terminal() {
        Box::new(io::LineWriter::new(stdout.lock()))
    } else {
        Box::new(io::BufWriter::with_capacity(64 * 1024, stdout.lock()))
    };
    let mut warn = |line: String| eprintln!("sluice: {line}");
    let result = grep::grep(&opts, &args.files, &mut out, &mut warn, stop);
    let outcome = match result {
        Ok(o) => o,
        // `sluice grep … | head -1`: the reader has what it wanted.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sluice: {}", grep::io_message(&e));
            return ExitCode::from(2);
        }
    };
    if let Some(signal) = outcome.stopped
        && !args.follow
    {
        return ExitCode::from(128 + signal as u8);
    }
    if outcome.selected && (args.quiet || !outcome.errors) {
        ExitCode::SUCCESS
    } else if outcome.errors {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}
