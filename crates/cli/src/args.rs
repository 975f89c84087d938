//! The command line, as clap sees it.

// Doc comments here are the help text clap prints; where a field or variant
// has none, the help says what is needed and rustdoc has nothing to add.
#![allow(missing_docs)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::flags::{ConfigFlags, CsvFlags};

/// Constant-memory streaming pipelines: a source is pulled, filters let
/// records through, and sinks consume them.
#[derive(Debug, Parser)]
#[command(name = "sluice", version, propagate_version = true, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const EXIT_CODES: &str = "\
Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM).";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a pipeline. With no arguments, runs the article's demo: a random
    /// ticker, AAPL only, into the trading bot, 30 ticks, with a transcript.
    #[command(after_help = RUN_EXAMPLES)]
    Run(Box<RunArgs>),
    /// Replay tick files (CSV, plain, .gz or .zst) through the pipeline;
    /// the sink defaults to the trading bot.
    #[command(after_help = REPLAY_EXAMPLES)]
    Replay(Box<ReplayArgs>),
    /// Print the lines of files that match a pattern, as GNU grep does.
    #[command(
        after_help = GREP_HELP,
        disable_help_flag = true,
        override_usage = "sluice grep [OPTION]... PATTERNS [FILE]..."
    )]
    Grep(Box<GrepArgs>),
    /// Audit-log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Report tools.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Take the jobs of sweeps spread with --workers, until Ctrl-C: replay
    /// the data (a path this machine can read) for each job's combinations
    /// and send back their reports.
    #[command(after_help = "Examples:\n  sluice worker nats:url=nats://hub:4222,stream=SWEEPS")]
    Worker {
        /// The work queue: nats:url=URL,stream=NAME[,ack_wait=30s]
        #[arg(value_name = "nats:…")]
        spec: String,
        /// Print nothing on stderr but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check pipeline files without running them: parse, type-check and
    /// build every component, check that inputs exist and output
    /// directories are writable. Exit 0, or 2 with the first mistake.
    #[command(after_help = "Examples:\n  sluice validate data/pipelines/*.toml")]
    Validate {
        #[arg(value_name = "PIPELINE", required = true)]
        files: Vec<String>,
    },
    /// Every source, filter and sink: what records each emits or takes,
    /// and its options with their types and defaults.
    List,
    /// Print the JSON Schema of pipeline files, for editors that check
    /// TOML or JSON as it is typed.
    Schema,
    /// Print a shell completion script: `sluice completions bash >
    /// /etc/bash_completion.d/sluice`.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff), generated from these same definitions:
    /// sluice(1), or with a subcommand's path (`audit verify`) its page.
    #[command(hide = true)]
    Man {
        #[arg(value_name = "SUBCOMMAND")]
        path: Vec<String>,
    },
}

/// Shells `sluice completions` writes for.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// `sluice report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Add the bot reports of partitioned workers (each symbol on one
    /// worker, the same settings) into one: counts, money (in decimal),
    /// bad records and exits by reason, symbols, open positions, listed
    /// trades, the largest win and loss. What does not add up exactly (a
    /// drawdown, a ratio) is left out and named under `not_merged`.
    #[command(after_help = "Examples:
  sluice report merge p0.json p1.json p2.json p3.json -o all.json")]
    Merge {
        /// The workers' reports (`--report` of each).
        #[arg(value_name = "REPORT", required = true, num_args = 2..)]
        files: Vec<std::path::PathBuf>,
        /// Write the merged report here instead of stdout.
        #[arg(short, long, value_name = "PATH")]
        output: Option<std::path::PathBuf>,
    },
}

/// `sluice audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check an audit log's hash chain, sequence and ending. Exit 0 and the
    /// count when intact; exit 1 naming the first line that was edited,
    /// deleted, reordered or cut.
    #[command(
        after_help = "Examples:\n  sluice audit verify trades.jsonl        # and trades.jsonl.1, .2 … if it rolled over\n  sluice audit verify a.jsonl a.jsonl.1"
    )]
    Verify {
        /// The log's files, in order; one file brings its rolled-over
        /// successors with it.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<String>,
        /// A head printed by `sluice audit head` and kept elsewhere: the
        /// log must still hold that line. Without it, a log cut back to an
        /// earlier run's close line verifies, as nothing in it says more
        /// was written.
        #[arg(long, value_name = "SEQ:HASH")]
        head: Option<String>,
        /// The key of a keyed log (written with `key_file` or `key_env`).
        #[arg(long, value_name = "PATH")]
        key_file: Option<String>,
    },
    /// Close a log whose last run was killed, so runs can append again: a
    /// torn last line is kept in FILE.torn, the lines before it are
    /// verified, and a close line with the open run's counts is appended.
    Repair {
        #[arg(value_name = "FILE")]
        file: String,
        /// The key of a keyed log.
        #[arg(long, value_name = "PATH")]
        key_file: Option<String>,
    },
    /// Verify a log and print its head, SEQ:HASH of its last line, to keep
    /// somewhere the writer cannot reach (and check later with `verify
    /// --head`).
    Head {
        #[arg(value_name = "FILE", required = true)]
        files: Vec<String>,
        /// The key of a keyed log.
        #[arg(long, value_name = "PATH")]
        key_file: Option<String>,
    },
}

/// The options of `sluice grep`, GNU grep's and sluice's own.
pub const GREP_HELP: &str = "\
Options are GNU grep's, parsed as it parses them (-nm1, --max=1, options
after files, -- to end them); arguments are bytes.

Patterns:
  -G, --basic-regexp        PATTERNS are basic regular expressions (default)
  -E, --extended-regexp     PATTERNS are extended regular expressions
  -F, --fixed-strings       PATTERNS are strings
  -P, --perl-regexp         PATTERN is Perl-style (one; no look-around or back-references)
  -e, --regexp=PATTERNS     use PATTERNS (repeatable; newline-separated)
  -f, --file=FILE           take PATTERNS from FILE, one per line
  -i, -y, --ignore-case     ignore ASCII case; --no-ignore-case undoes it
  -w, --word-regexp         match only whole words
  -x, --line-regexp         match only whole lines
Selection and output:
  -v, --invert-match        select non-matching lines
  -m, --max-count=NUM       stop a file after NUM selected lines (negative: no limit)
  -c, --count               print a count of selected lines per file
  -l, --files-with-matches  print only names of files with selected lines
  -L, --files-without-match print only names of files with no selected line
  -o, --only-matching       print only the matched parts, one per line
  -q, --quiet, --silent     print nothing; exit 0 at the first selected line
  -s, --no-messages         say nothing of unreadable files
  -n, --line-number         prefix lines with their number
  -b, --byte-offset         prefix lines with their byte offset
  -H, --with-filename       prefix lines with the file name (default for several files)
  -h, --no-filename         never prefix lines with the file name
      --label=LABEL         the name shown for standard input
  -Z, --null                end file names with a NUL byte
  -z, --null-data           lines end with a NUL byte, in and out
  -T, --initial-tab         pad numbers to the file size's width, a tab before the text
      --line-buffered       flush each line
      --color[=WHEN]        colour matches: auto (a terminal, unless NO_COLOR), always, never
Context:
  -A, --after-context=NUM   print NUM lines after each selected line
  -B, --before-context=NUM  print NUM lines before
  -C, --context=NUM, -NUM   print NUM lines around
      --group-separator=SEP print SEP between groups (default --)
      --no-group-separator  print nothing between groups
Files:
  -r, --recursive           search the files under each directory (none named: the working directory)
  -R, --dereference-recursive  likewise, following every symbolic link
      --include=GLOB        search only files whose name matches GLOB
      --exclude=GLOB        skip files whose name matches GLOB (the last matching option decides)
      --exclude-dir=GLOB    skip directories whose name matches GLOB
      --exclude-from=FILE   an --exclude for each line of FILE
  -d, --directories=ACTION  read (default: an error), skip, or recurse (-r)
  -D, --devices=ACTION      read (default) or skip devices, FIFOs and sockets
  -a, --text                search binary files as text
  -I                        take binary files to hold no match
      --binary-files=TYPE   binary (default), text or without-match
sluice's own:
      --decompress          read gzip and zstd files decompressed (by their first bytes)
      --follow              at the end of a file wait for more, across rotation (like tail -F)
      --from-end            with --follow, start at each file's end (like tail -F -n 0)
      --checkpoint=PATH     with --follow and --sink, keep where each file stands; go on from there
      --mmap                map files instead of reading them (a truncated file kills sluice)
  -j, --threads=N           threads searching one large file or many files (default: one per core)
      --since=TIME          only lines at or after TIME (2026-01-05, 2026-01-05 14:30, …RFC 3339)
      --records             a line without a time continues the record before it (stack traces)
      --stats               ripgrep's statistics on stderr at the end
      --json                ripgrep's JSON Lines (begin, match, context, end, summary)
      --until=TIME          only lines before TIME; a file in time order is bisected, not read
      --max-line-bytes=N    longest line searched (default 16 MiB); longer ones are skipped, exit 2
      --sink=SPEC           send selected lines to a sink instead of printing; repeat to tee
      --report=PATH         with --sink, write the run's report as JSON

Exit status: 0 if a line was selected, 1 if none, 2 on an error (0 with -q
once a line is selected).

Examples:
  sluice grep ERROR app.log
  sluice grep -c -F 'ERROR [' *.log
  sluice grep -n -i -E 'timeout|refused' app.log
  sluice grep -C2 -m5 ERROR app.log
  zcat old.log.gz | sluice grep -v DEBUG
  sluice grep --decompress ERROR app.log.1.gz app.log.2.zst
  sluice grep --follow ERROR /var/log/app.log       # like tail -F | grep; Ctrl-C ends it
  sluice grep --follow ERROR app.log --sink nats:subject=logs.errors,stream=LOGS
                                                    # ship every ERROR line to NATS JetStream";

/// `sluice grep`'s arguments, as they were typed: parsed as GNU grep
/// parses them by [`crate::grep_args`], not by clap, whose rules differ
/// (bundled values, abbreviations, options after operands, bytes).
#[derive(Debug, Args)]
pub struct GrepArgs {
    #[arg(value_name = "ARGS", hide = true, allow_hyphen_values = true, trailing_var_arg = true, num_args = 0..,
          value_parser = clap::value_parser!(std::ffi::OsString))]
    pub args: Vec<std::ffi::OsString>,
}

/// `--color` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether to colour output going to a terminal (`is_terminal`): `auto`
    /// honours NO_COLOR and a dumb terminal.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                is_terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").is_ok_and(|t| t != "dumb")
            }
        }
    }
}

const REPLAY_EXAMPLES: &str = "\
Examples:
  sluice replay data/sample-ticks.csv
      The bundled sample (timestamp,symbol,price,volume) into the bot.
  sluice replay ticks.csv.zst --filter symbol=AAPL --report r.json
      A compressed file, one symbol, the report as JSON.
  sluice replay BTCUSDT-trades-2024-01.csv --format binance-trades
      A Binance dump; the symbol comes from the file name.
  sluice replay trades.csv --columns timestamp=id,price=price,volume=amount --time-format epoch-us --symbol BTCUSD
      A layout of your own: columns by header name or 0-based index.
  sluice replay day1.csv day2.csv --merge --speed 10x --transcript
      Two files interleaved by time, at ten times their own pace.
  zcat ticks.csv.gz | sluice replay - --strict
      From stdin, stopping at the first bad row.

Formats: sluice, binance-trades, binance-aggtrades, yahoo, histdata, tardis (see the README).";

const RUN_EXAMPLES: &str = "\
Examples:
  sluice run
      The demo: ticker (10% bad ticks) → symbol=AAPL → bot, 30 ticks, transcript.
  sluice run --source ticker:seed=7,count=100000 --filter symbol=AAPL --sink bot --report r.json
      A reproducible run, with the bot's report written as JSON.
  sluice run --source ticker:seed=1,symbols=AAPL,MSFT,bad_rate=0.01 --sink bot:entry=140,exit=210 --limit 500
      Two symbols, 1% bad ticks, other thresholds, stop after 500 records.
  sluice run --source ticker:rate=5 --transcript
      A live-paced feed (5 ticks a second) until Ctrl-C.
  sluice run data/pipelines/replay-bot-audit.toml --set sink.1.path=/tmp/a.jsonl
      A pipeline file, with one value overridden.

Components: `sluice list` prints every source, filter and sink with its options.";

/// Options of `sluice run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A pipeline file (.toml, or .json); the flags below override it.
    #[arg(value_name = "PIPELINE")]
    pub file: Option<String>,
    /// Override one value of the pipeline file: PATH=VALUE, e.g.
    /// sink.0.path=x.jsonl or source.seed=7. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE", requires = "file")]
    pub sets: Vec<String>,
    /// The source, KIND[:key=value,...]. Default: `ticker` (unbounded).
    #[arg(long, value_name = "SPEC")]
    pub source: Option<String>,
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// Options of `sluice replay`: the csv source's, as flags.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Tick files, replayed in the order given; `-` reads stdin.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<String>,
    /// The csv source's options, each a flag named as its key
    /// (`time_format` is `--time-format`).
    #[command(flatten)]
    pub csv: ConfigFlags<CsvFlags>,
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// What every pipeline command takes besides its source.
#[derive(Debug, Default, Args)]
pub struct PipelineArgs {
    /// A filter, FIELD=VALUE; repeat for several (all must pass).
    #[arg(long = "filter", value_name = "FIELD=VALUE")]
    pub filters: Vec<String>,
    /// A sink, KIND[:key=value,...]; repeat to tee. Default: `bot`.
    #[arg(long = "sink", value_name = "SPEC")]
    pub sinks: Vec<String>,
    /// Stop after N records have been delivered, counted after the filters.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Write the report (the bot's, with the run's counts) as JSON here.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Write the first bot's trades, every one, as CSV here.
    #[arg(long, value_name = "PATH")]
    pub trades: Option<PathBuf>,
    /// Draw the first bot's prices, entries, exits and realized PnL, per
    /// symbol, as SVG here.
    #[arg(long, value_name = "PATH.svg")]
    pub plot: Option<PathBuf>,
    /// Write the first bot's mark-to-market equity curve, one row per
    /// period, as CSV here.
    #[arg(long, value_name = "PATH")]
    pub equity: Option<PathBuf>,
    /// Run the first bot once per combination of these values, in one pass
    /// over the data: KEY=FROM..TO:STEP or KEY=A|B, comma-separated (any
    /// bot key; several make a grid). Prints a ranked table; --report holds
    /// every combination's report.
    #[arg(long, value_name = "GRID")]
    pub sweep: Option<String>,
    /// The figure a sweep is ranked by: return_pct (default), sharpe,
    /// sortino, calmar, cagr_pct, realized_pnl, profit_factor, win_rate,
    /// expectancy, trade_count, or (least first) equity_max_drawdown_pct,
    /// equity_max_drawdown, max_drawdown, volatility.
    #[arg(long, value_name = "FIGURE", requires = "sweep")]
    pub rank: Option<String>,
    /// Draw a two-key sweep's ranked figure as an SVG heatmap here.
    #[arg(long, value_name = "PATH.svg", requires = "sweep")]
    pub heatmap: Option<PathBuf>,
    /// Spread the sweep over `sluice worker`s on any machine, through a
    /// NATS JetStream work queue: nats:url=URL,stream=NAME[,block=N]
    /// (N combinations a job, 10 by default). The ranked table and report
    /// are the ones one machine gives.
    #[arg(long, value_name = "nats:…", requires = "sweep")]
    pub workers: Option<String>,
    /// Print the bot's tick-by-tick transcript (sets transcript on every bot).
    #[arg(long)]
    pub transcript: bool,
    /// Print no summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Colour the summary: auto (stderr is a terminal and NO_COLOR is not
    /// set), always or never.
    #[arg(long, value_name = "WHEN", num_args = 0..=1, default_value = "auto", default_missing_value = "auto", value_enum)]
    pub color: ColorWhen,
    /// Print the report as JSON on stdout at the end, and nothing else there
    /// (the bot's signal lines are left out), for scripts.
    #[arg(long, conflicts_with = "transcript")]
    pub json: bool,
}

impl RunArgs {
    /// True when nothing names the pipeline, so the demo runs.
    pub fn is_demo(&self) -> bool {
        let p = &self.pipeline;
        self.file.is_none() && self.source.is_none() && p.filters.is_empty() && p.sinks.is_empty() && p.limit.is_none()
    }
}
