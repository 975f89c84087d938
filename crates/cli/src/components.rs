//! From specs to components: the one place that knows every kind.

use std::io::{self, BufWriter};

use sluice_audit::{AuditConfig, AuditLog};
use sluice_bot::{Bot, BotConfig};
use sluice_core::{Filter, FilterConfig, Sink, Source, Stop};
use sluice_replay::CsvConfig;
use sluice_replay::config::Backwards;
use sluice_replay::grep::source::{LinesConfig, LinesSource};
use sluice_replay::layout::QuotePrice;
use sluice_ticker::{Ticker, TickerConfig};

use crate::args::{BackwardsArg, QuoteArg, ReplayArgs};

use crate::spec::Spec;
use crate::suggest::did_you_mean;

const SOURCES: &[&str] = &["ticker", "csv", "lines"];
const SINKS: &[&str] = &["bot", "audit"];

/// A configuration mistake: which flag, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{flag}{}{given}: {message}", if given.is_empty() { "" } else { " " })]
pub struct UsageError {
    pub flag: &'static str,
    pub given: String,
    pub message: String,
}

fn usage(flag: &'static str, given: &str, message: impl ToString) -> UsageError {
    UsageError { flag, given: given.to_owned(), message: message.to_string() }
}

fn unknown_kind(what: &str, kind: &str, known: &[&str]) -> String {
    format!(
        "unknown {what} `{kind}`; the {what}s are {}{}",
        known.join(", "),
        did_you_mean(kind, known.iter().copied())
    )
}

/// Builds the source a `--source` spec names.
pub fn source(text: &str, stop: &Stop) -> Result<Box<dyn Source>, UsageError> {
    let spec = Spec::parse(text).map_err(|e| usage("--source", text, e))?;
    match spec.kind.as_str() {
        "ticker" => {
            let config: TickerConfig = spec.deserialize().map_err(|e| usage("--source", text, e))?;
            Ok(Box::new(Ticker::new(config, Some(stop.clone())).map_err(|e| usage("--source", text, e))?))
        }
        "csv" => {
            let config: CsvConfig = spec.deserialize().map_err(|e| usage("--source", text, e))?;
            sluice_replay::build(&config, Some(stop.clone())).map_err(|e| usage("--source", text, e))
        }
        "lines" => {
            let config: LinesConfig = spec.deserialize().map_err(|e| usage("--source", text, e))?;
            Ok(Box::new(LinesSource::new(config).map_err(|e| usage("--source", text, e))?))
        }
        other => Err(usage("--source", text, unknown_kind("source", other, SOURCES))),
    }
}

/// Builds the sink a `--sink` spec names. `transcript` turns on every
/// bot's transcript (the `--transcript` flag).
pub fn sink(text: &str, transcript: bool) -> Result<Box<dyn Sink>, UsageError> {
    let spec = Spec::parse(text).map_err(|e| usage("--sink", text, e))?;
    match spec.kind.as_str() {
        "bot" => {
            let mut config: BotConfig = spec.deserialize().map_err(|e| usage("--sink", text, e))?;
            config.transcript |= transcript;
            let out = Box::new(BufWriter::new(io::stdout()));
            Ok(Box::new(Bot::new(config, out).map_err(|e| usage("--sink", text, e))?))
        }
        "audit" => {
            let config: AuditConfig = spec.deserialize().map_err(|e| usage("--sink", text, e))?;
            Ok(Box::new(AuditLog::new(config)))
        }
        other => Err(usage("--sink", text, unknown_kind("sink", other, SINKS))),
    }
}

/// Builds the filter a `--filter FIELD=VALUE` names.
pub fn filter(text: &str) -> Result<Filter, UsageError> {
    // A filter is a spec whose kind is implied: its one pair is the field.
    let spec = Spec::parse(&format!("filter:{text}")).map_err(|e| usage("--filter", text, e))?;
    if spec.pairs.len() != 1 {
        return Err(usage("--filter", text, "write one FIELD=VALUE: symbol=A[,B...], price=MIN..MAX or contains=TEXT"));
    }
    let config: FilterConfig = spec.deserialize().map_err(|e| usage("--filter", text, e))?;
    config.build().map_err(|e| usage("--filter", text, e))
}

/// Builds the csv source of `sluice replay` from its flags.
pub fn replay_source(args: &ReplayArgs, stop: &Stop) -> Result<Box<dyn Source>, UsageError> {
    let mut c = CsvConfig::new(args.files.clone());
    if let Some(f) = args.format {
        c.format = f;
    }
    c.header = match (args.header, args.no_header) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    if let Some(d) = args.delimiter {
        c.delimiter = d;
    }
    if let Some(cols) = &args.columns {
        c.set_columns(cols.clone());
    }
    c.symbol = args.symbol;
    c.time_format = args.time_format.clone();
    c.tz = args.tz.clone();
    if let Some(q) = args.quote {
        c.quote = match q {
            QuoteArg::Mid => QuotePrice::Mid,
            QuoteArg::Bid => QuotePrice::Bid,
            QuoteArg::Ask => QuotePrice::Ask,
        };
    }
    c.merge = args.merge;
    if let Some(s) = args.speed {
        c.speed = s;
    }
    c.strict = args.strict;
    if let Some(b) = args.backwards {
        c.backwards = match b {
            BackwardsArg::Pass => Backwards::Pass,
            BackwardsArg::Bad => Backwards::Bad,
            BackwardsArg::Error => Backwards::Error,
        };
    }
    if let Some(n) = args.max_line_bytes {
        c.max_line_bytes = n;
    }
    let shown = args.files.join(" ");
    sluice_replay::build(&c, Some(stop.clone())).map_err(|e| {
        let flag = match e.key {
            "path" => "replay",
            "tz" => "--tz",
            "max_line_bytes" => "--max-line-bytes",
            _ => "replay",
        };
        usage(flag, &shown, e)
    })
}
