//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
}

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

Components:
  source ticker: seed, symbols, count, rate, bad_rate, mode (uniform|walk), start
  sink   bot:    entry (150), exit (200), quantity (1), transcript (false), report_trades (10000)
  filter symbol=A[,B...] | price=MIN..MAX | contains=TEXT";

/// Options of `sluice run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The source, KIND[:key=value,...]. Default: `ticker` (unbounded).
    #[arg(long, value_name = "SPEC")]
    pub source: Option<String>,
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
    /// Print the bot's tick-by-tick transcript (sets transcript on every bot).
    #[arg(long)]
    pub transcript: bool,
    /// Print no summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

impl RunArgs {
    /// True when nothing names the pipeline, so the demo runs.
    pub fn is_demo(&self) -> bool {
        self.source.is_none() && self.filters.is_empty() && self.sinks.is_empty() && self.limit.is_none()
    }
}
