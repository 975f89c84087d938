//! `sluice grep`: arguments to a search, the search's outcome to grep's
//! exit status.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use sluice_core::Stop;
use sluice_core::error::io_message;
use sluice_grep::{GrepFeed, GrepOptions, MatchOptions, Matcher};

use sluice_cli::args::{GrepArgs, PipelineArgs};
use sluice_cli::grep_args::{self, GrepCommand};

use crate::exit::{GREP_NONE, GREP_TROUBLE, signalled};

pub fn run(args: &GrepArgs, stop: &Stop) -> ExitCode {
    let began = std::time::Instant::now();
    let cmd = match grep_args::parse(&args.args) {
        Ok(cmd) => cmd,
        Err(e) => {
            say!("sluice: grep: {e} (see sluice grep --help)");
            return ExitCode::from(GREP_TROUBLE);
        }
    };
    if cmd.help {
        let mut cli = <sluice_cli::args::Cli as clap::CommandFactory>::command();
        let help = cli.find_subcommand_mut("grep").map(|g| g.render_long_help().to_string()).unwrap_or_default();
        return crate::print_bytes(help.as_bytes());
    }
    if cmd.version {
        return crate::print_bytes(format!("sluice grep {}\n", env!("CARGO_PKG_VERSION")).as_bytes());
    }
    if selects_nothing(&cmd) {
        // As GNU grep: when it is plain that no line can be selected, nothing
        // is read and nothing printed, not even -c's counts.
        return ExitCode::from(GREP_NONE);
    }
    if cmd.syntax == sluice_grep::Syntax::Perl && cmd.patterns.len() > 1 {
        say!("sluice: grep: -P takes a single pattern, as in GNU grep (join them with `|`)");
        return ExitCode::from(GREP_TROUBLE);
    }
    let options = MatchOptions {
        syntax: cmd.syntax,
        ignore_case: cmd.ignore_case,
        word: cmd.word,
        line: cmd.line,
        null_data: cmd.null_data,
    };
    let matcher = match Matcher::new(&cmd.patterns, options) {
        Ok(m) => m,
        Err(e) => {
            say!("sluice: {e}");
            return ExitCode::from(GREP_TROUBLE);
        }
    };
    if let Some(conflict) = conflict(&cmd) {
        say!("sluice: grep: {conflict}");
        return ExitCode::from(GREP_TROUBLE);
    }
    let stdout = io::stdout();
    let mut opts = options_for(&cmd, matcher, cmd.color.enabled(stdout.is_terminal()));
    if let Some(path) = &cmd.checkpoint {
        match sluice_grep::checkpoint::Checkpoint::load(path) {
            Ok(places) => opts.resume = places,
            Err(e) => {
                say!("sluice: grep: --checkpoint {}: {e}", path.display());
                return ExitCode::from(GREP_TROUBLE);
            }
        }
    }
    if !cmd.sinks.is_empty() {
        return to_sinks(&cmd, opts, stop);
    }
    // Lines go out as they are found when following, asked, or to a terminal.
    let mut out: Box<dyn Write> = if cmd.follow || cmd.line_buffered || stdout.is_terminal() {
        Box::new(io::LineWriter::new(stdout.lock()))
    } else {
        Box::new(io::BufWriter::with_capacity(64 * 1024, stdout.lock()))
    };
    let mut warn = |line: String| say!("sluice: {line}");
    let outcome = match sluice_grep::grep(&opts, &cmd.files, &mut out, &mut warn, stop) {
        Ok(o) => o,
        // `sluice grep … | head -1`: the reader has what it wanted.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        Err(e) => {
            say!("sluice: {}", io_message(&e));
            return ExitCode::from(GREP_TROUBLE);
        }
    };
    if let Some(stats) = outcome.stats {
        drop(out);
        say!("{}", stats.report(began.elapsed()).trim_end_matches('\n'));
    }
    // Ctrl-C is how a follow ends (0); SIGTERM is a stop from outside, and
    // says so (143), as it does for every other run.
    if let Some(signal) = outcome.stopped
        && !(cmd.follow && signal == signal_hook::consts::SIGINT as usize)
    {
        return ExitCode::from(signalled(signal));
    }
    if outcome.selected && (cmd.quiet || !outcome.errors) {
        ExitCode::SUCCESS
    } else if outcome.errors {
        ExitCode::from(GREP_TROUBLE)
    } else {
        ExitCode::from(GREP_NONE)
    }
}

/// `-m 0`, no pattern at all (`-f /dev/null`), or `-v` with the one empty
/// pattern, which matches every line. `-L` still lists the files.
fn selects_nothing(cmd: &GrepCommand) -> bool {
    let every_line = cmd.patterns.len() == 1 && cmd.patterns[0].is_empty() && !cmd.line && !cmd.word;
    let nothing = cmd.max_count == Some(0) || (cmd.patterns.is_empty() && !cmd.invert) || (every_line && cmd.invert);
    nothing && !cmd.files_without_match && cmd.sinks.is_empty()
}

/// Combinations that cannot mean anything, said before anything is read.
fn conflict(cmd: &GrepCommand) -> Option<&'static str> {
    if cmd.json
        && (cmd.count
            || cmd.files_with_matches
            || cmd.files_without_match
            || cmd.quiet
            || cmd.only_matching
            || cmd.stats
            || !cmd.sinks.is_empty())
    {
        return Some(
            "--json prints every selected line and the statistics as JSON; it cannot be combined with -c, -l, -L, \
             -q, -o, --stats or --sink",
        );
    }
    if cmd.stats && !cmd.sinks.is_empty() {
        return Some("--stats counts a printed search; with --sink the run's report (--report) has the counts");
    }
    if cmd.records && cmd.null_data {
        return Some("--records cannot be combined with -z yet");
    }
    if cmd.follow && cmd.recursive.is_some() {
        return Some("--follow follows the files it is given; it cannot be combined with -r (name the files)");
    }
    if cmd.follow && cmd.decompress {
        return Some("--follow cannot read compressed input (--decompress)");
    }
    if cmd.window.is_some() && (cmd.follow || cmd.null_data) {
        return Some(
            "--since and --until read a file's lines by their times; they cannot be combined with --follow or -z",
        );
    }
    if cmd.null_data && (cmd.follow || !cmd.sinks.is_empty()) {
        return Some("-z (lines ended by NUL) cannot be combined with --follow or --sink");
    }
    if cmd.mmap && (cmd.follow || cmd.decompress) {
        return Some("--mmap cannot be combined with --follow or --decompress");
    }
    let printing_changed = cmd.count || cmd.files_with_matches || cmd.files_without_match || cmd.quiet;
    if !cmd.sinks.is_empty() && (printing_changed || cmd.mmap) {
        return Some("--sink takes the selected lines; it cannot be combined with -c, -l, -L, -q or --mmap");
    }
    if cmd.report.is_some() && cmd.sinks.is_empty() {
        return Some("--report is the report of a --sink run; add --sink");
    }
    if cmd.checkpoint.is_some() && (!cmd.follow || cmd.sinks.is_empty()) {
        return Some("--checkpoint keeps where a --follow run to --sink stands; add --follow and --sink");
    }
    if cmd.from_end && !cmd.follow {
        return Some("--from-end is where --follow starts; add --follow");
    }
    None
}

/// The search the command asks for.
fn options_for(cmd: &GrepCommand, matcher: Matcher, color: bool) -> GrepOptions {
    let defaults = GrepOptions::new(matcher);
    // Context matters only where lines are printed one by one (with -o,
    // its separators, and under -v the matches of context lines).
    let lines_printed = !(cmd.count || cmd.files_with_matches || cmd.files_without_match || cmd.quiet);
    let context = (cmd.before.is_some() || cmd.after.is_some()) && lines_printed;
    GrepOptions {
        invert: cmd.invert,
        count: cmd.count,
        line_number: cmd.line_number || cmd.json,
        with_filename: cmd.with_filename.unwrap_or(
            // With -r, names are shown unless the one operand is a file.
            cmd.files.len() > 1
                || (cmd.recursive.is_some() && cmd.files.first().is_none_or(|f| std::path::Path::new(f).is_dir())),
        ),
        files_with_matches: cmd.files_with_matches,
        files_without_match: cmd.files_without_match,
        quiet: cmd.quiet,
        max_count: cmd.max_count,
        color,
        text: cmd.text,
        skip_binary: cmd.skip_binary,
        decompress: cmd.decompress,
        max_line_bytes: cmd.max_line_bytes.unwrap_or(defaults.max_line_bytes),
        follow: cmd.follow,
        mmap: cmd.mmap,
        label: cmd.label.clone(),
        no_messages: cmd.no_messages,
        context: context.then(|| (cmd.before.unwrap_or(0), cmd.after.unwrap_or(0))),
        group_separator: cmd.group_separator.clone().unwrap_or(defaults.group_separator.clone()),
        only_matching: cmd.only_matching,
        byte_offset: cmd.byte_offset,
        null: cmd.null,
        null_data: cmd.null_data,
        initial_tab: cmd.initial_tab,
        skip_dirs: cmd.skip_dirs,
        skip_devices: cmd.skip_devices,
        window: cmd.window,
        records: cmd.records,
        stats: cmd.stats,
        json: cmd.json,
        threads: cmd.threads.unwrap_or(0),
        from_end: cmd.from_end,
        operand_globs: cmd.file_globs.clone(),
        recurse: cmd.recursive.map(|follow_links| sluice_grep::Recurse {
            follow_links,
            files: cmd.file_globs.clone(),
            dirs: cmd.dir_globs.clone(),
        }),
        ..defaults
    }
}

/// `--sink`: the selected lines go through the sinks instead of stdout; the
/// exit status is grep's all the same, and Ctrl-C ends a follow with 0.
fn to_sinks(cmd: &GrepCommand, opts: GrepOptions, stop: &Stop) -> ExitCode {
    let warn = Box::new(|line: String| say!("sluice: {line}"));
    let (feed, status) = GrepFeed::spawn(opts, cmd.files.clone(), stop.clone(), warn, cmd.checkpoint.clone());
    let pipeline = PipelineArgs { sinks: cmd.sinks.clone(), report: cmd.report.clone(), ..PipelineArgs::default() };
    let code = match crate::run::pipeline(Box::new(feed), &pipeline, stop.clone()) {
        Ok(code) => code,
        // grep has one status for every kind of trouble.
        Err(_) => return ExitCode::from(GREP_TROUBLE),
    };
    let stopped =
        [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM].into_iter().any(|s| code == signalled(s as usize));
    let interrupted_follow = cmd.follow && code == signalled(signal_hook::consts::SIGINT as usize);
    if code != 0 && !interrupted_follow {
        return ExitCode::from(if stopped { code } else { GREP_TROUBLE });
    }
    match status.lock().ok().and_then(|mut s| s.take()) {
        Some(Ok(o)) if o.selected && !o.errors => ExitCode::SUCCESS,
        Some(Ok(o)) if o.errors => ExitCode::from(GREP_TROUBLE),
        Some(Ok(_)) => ExitCode::from(GREP_NONE),
        Some(Err(e)) => {
            say!("sluice: {}", io_message(&e));
            ExitCode::from(GREP_TROUBLE)
        }
        // Stopped while the search was still going: it selected what the
        // sinks were sent.
        None => ExitCode::SUCCESS,
    }
}
