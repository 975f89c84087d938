//! The command line, as clap sees it.

// Doc comments here are the help text clap prints; where a field or variant
// has none, the help says what is needed and rustdoc has nothing to add.
#![allow(missing_docs)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::flags::{ConfigFlags, CsvFlags};

/// sluice: constant-memory streaming pipelines. A source is pulled, filters
/// let records through, and sinks consume them.
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
    Run(RunArgs),
    /// Replay tick files (CSV, plain, .gz or .zst) through the pipeline;
    /// the sink defaults to the trading bot.
    #[command(after_help = REPLAY_EXAMPLES)]
    Replay(Box<ReplayArgs>),
    /// Print the lines of files that match a pattern, as GNU grep does.
    #[command(after_help = GREP_EXAMPLES, disable_help_flag = true)]
    Grep(Box<GrepArgs>),
    /// Audit-log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
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
    /// Print the man page (roff), generated from these same definitions.
    #[command(hide = true)]
    Man,
}

/// Shells `sluice completions` writes for.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
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
    },
}

const GREP_EXAMPLES: &str = "\
Exit status: 0 if a line was selected, 1 if none, 2 on an error (0 with -q
once a line is selected).

Examples:
  sluice grep ERROR app.log
  sluice grep -c -F 'ERROR [' *.log
  sluice grep -n -i 'timeout|refused' app.log
  zcat old.log.gz | sluice grep -v DEBUG
  sluice grep -z ERROR app.log.1.gz app.log.2.zst
  sluice grep --follow ERROR /var/log/app.log       # like tail -F | grep; Ctrl-C ends it
  sluice grep --follow ERROR app.log --sink nats:subject=logs.errors,stream=LOGS
                                                    # ship every ERROR line to NATS JetStream";

/// Options of `sluice grep`, named as GNU grep names them.
#[derive(Debug, Args)]
pub struct GrepArgs {
    /// A regular expression (the regex crate's syntax); a plain literal is
    /// searched as one.
    #[arg(value_name = "PATTERN", allow_hyphen_values = true)]
    pub pattern: String,
    /// Files to search; none, or `-`, reads stdin.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// PATTERN is a fixed string.
    #[arg(short = 'F', long = "fixed-strings")]
    pub fixed: bool,
    /// Ignore ASCII case.
    #[arg(short, long = "ignore-case")]
    pub ignore_case: bool,
    /// Select lines that do not match.
    #[arg(short = 'v', long = "invert-match")]
    pub invert: bool,
    /// Match whole words only.
    #[arg(short = 'w', long = "word-regexp")]
    pub word: bool,
    /// Print a count of selected lines per file.
    #[arg(short, long)]
    pub count: bool,
    /// Prefix lines with their line number.
    #[arg(short = 'n', long = "line-number")]
    pub line_number: bool,
    /// Prefix lines with the file name (the default for several files).
    #[arg(short = 'H', long = "with-filename", overrides_with = "no_filename")]
    pub with_filename: bool,
    /// Never prefix lines with the file name.
    #[arg(short = 'h', long = "no-filename", overrides_with = "with_filename")]
    pub no_filename: bool,
    /// Print only the names of files with a selected line.
    #[arg(short = 'l', long = "files-with-matches")]
    pub files_with_matches: bool,
    /// Print nothing; exit 0 at the first selected line.
    #[arg(short, long, visible_alias = "silent")]
    pub quiet: bool,
    /// Stop reading a file after NUM selected lines.
    #[arg(short = 'm', long = "max-count", value_name = "NUM")]
    pub max_count: Option<u64>,
    /// Colour matches, names and numbers: auto (a terminal, unless NO_COLOR
    /// is set), always or never.
    #[arg(long, value_name = "WHEN", num_args = 0..=1, default_value = "auto", default_missing_value = "auto", value_enum)]
    pub color: ColorWhen,
    /// Search binary files (holding a NUL byte) as text.
    #[arg(short = 'a', long)]
    pub text: bool,
    /// Read .gz and .zst files decompressed (recognised by their first bytes).
    #[arg(short = 'z', long)]
    pub decompress: bool,
    /// Longest line searched; a longer one is reported and skipped (exit 2).
    #[arg(long, value_name = "N", default_value_t = sluice_io::DEFAULT_MAX_LINE)]
    pub max_line_bytes: usize,
    /// At the end of a file, wait for more, across rotation by rename or by
    /// copy-and-truncate, like `tail -F`. Ctrl-C ends it (exit 0).
    #[arg(long)]
    pub follow: bool,
    /// Map files into memory instead of reading them: faster on cached
    /// files, but a file truncated during the search kills sluice (SIGBUS).
    #[arg(long, conflicts_with_all = ["follow", "decompress"])]
    pub mmap: bool,
    /// Send the selected lines to a sink, KIND[:key=value,...], instead of
    /// printing them; repeat to tee. Exit status as without it.
    #[arg(long = "sink", value_name = "SPEC", conflicts_with_all = ["count", "files_with_matches", "quiet", "mmap"])]
    pub sinks: Vec<String>,
    /// With --sink: write the run's report as JSON here.
    #[arg(long, value_name = "PATH", requires = "sinks")]
    pub report: Option<PathBuf>,
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
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
