//! From component specs to components: the one place that knows every kind.

use std::io::{self, BufWriter};

use sluice_audit::{AuditConfig, AuditLog};
use sluice_bot::{Bot, BotConfig};
use sluice_core::{Filter, FilterConfig, Sink, Source, Stop};
use sluice_nats::{NatsSink, NatsSinkConfig, NatsSource, NatsSourceConfig};
use sluice_replay::CsvConfig;
use sluice_replay::config::Backwards;
use sluice_replay::layout::QuotePrice;
use sluice_replay::{LinesConfig, LinesSource};
use sluice_ticker::{Ticker, TickerConfig};

use crate::args::{BackwardsArg, QuoteArg, ReplayArgs};
use crate::options::{OptionError, Options};
use crate::spec::Spec;
use crate::suggest::did_you_mean;

/// Every source kind, what it emits, and what it is.
pub const SOURCES: &[(&str, &str, &str)] = &[
    ("ticker", "ticks", "a seeded random market ticker"),
    ("csv", "ticks", "tick files in the layouts vendors ship (the source of `sluice replay`)"),
    ("lines", "lines", "a log file's lines (the search of `sluice grep`)"),
    ("nats", "ticks or lines", "a NATS JetStream stream, or one partition of it, read by a durable consumer"),
];
/// Every sink kind, what it consumes, and what it is.
pub const SINKS: &[(&str, &str, &str)] = &[
    ("bot", "ticks", "the trading bot: one WATCHING/ACTIVE machine per symbol"),
    ("audit", "ticks and lines", "a hash-chained audit log of every record and error"),
    ("nats", "ticks and lines", "publishes to NATS JetStream, partitioned by symbol if asked"),
];

/// A configuration mistake, worded for the user: which flag or file
/// position, and what is wrong. Exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Where a component was given, for messages.
#[derive(Clone, Debug)]
pub enum Place {
    /// A flag and its text: `--sink bot:entyr=1`.
    Flag { flag: &'static str, text: String },
    /// A table of a pipeline file, and a way to find a key's line.
    File { path: String, table: String, locate: crate::pipeline::Locator },
}

impl Place {
    /// The mistake `message`, at the key `key` if one is known.
    pub fn error(&self, key: Option<&str>, message: impl std::fmt::Display) -> UsageError {
        UsageError(match self {
            Place::Flag { flag, text } => format!("{flag} {text}: {message}"),
            Place::File { path, table, locate } => match key.and_then(|k| locate.find(k)) {
                Some((line, col)) => format!("{path}:{line}:{col}: {table}: {message}"),
                None => format!("{path}: {table}: {message}"),
            },
        })
    }

    fn option_error(&self, e: OptionError) -> UsageError {
        self.error(e.key.as_deref(), e.message)
    }
}

/// The options of a component, owned.
#[derive(Clone, Debug)]
pub enum OwnedOptions {
    Pairs(Vec<(String, String)>),
    Table(toml::Table),
}

/// A source or sink as a pipeline names it.
#[derive(Clone, Debug)]
pub struct Component {
    pub kind: String,
    pub options: OwnedOptions,
    pub place: Place,
}

impl Component {
    /// A component from a `--source` or `--sink` spec.
    pub fn from_flag(flag: &'static str, text: &str) -> Result<Component, UsageError> {
        let place = Place::Flag { flag, text: text.to_owned() };
        let spec = Spec::parse(text).map_err(|e| place.error(None, e))?;
        Ok(Component { kind: spec.kind, options: OwnedOptions::Pairs(spec.pairs), place })
    }

    /// A filter from `--filter FIELD=VALUE`: a spec with one pair and no kind.
    pub fn filter_flag(text: &str) -> Result<Component, UsageError> {
        let place = Place::Flag { flag: "--filter", text: text.to_owned() };
        let spec = Spec::parse(&format!("filter:{text}")).map_err(|e| place.error(None, e))?;
        if spec.pairs.len() != 1 {
            return Err(place.error(None, "write one FIELD=VALUE: symbol=A[,B...], price=MIN..MAX or contains=TEXT"));
        }
        Ok(Component { kind: "filter".into(), options: OwnedOptions::Pairs(spec.pairs), place })
    }

    fn options(&self) -> Options<'_> {
        match &self.options {
            OwnedOptions::Pairs(p) => Options::Pairs(p),
            OwnedOptions::Table(t) => Options::Table(t),
        }
    }

    fn read<T: serde::de::DeserializeOwned>(&self) -> Result<T, UsageError> {
        self.options().deserialize().map_err(|e| self.place.option_error(e))
    }

    fn unknown(&self, what: &str, known: &[(&str, &str, &str)]) -> UsageError {
        let names: Vec<&str> = known.iter().map(|k| k.0).collect();
        self.place.error(
            None,
            format!(
                "unknown {what} `{}`; the {what}s are {}{}",
                self.kind,
                names.join(", "),
                did_you_mean(&self.kind, names.iter().copied())
            ),
        )
    }
}

/// Builds a source.
pub fn source(c: &Component, stop: &Stop) -> Result<Box<dyn Source>, UsageError> {
    let bad = |e: sluice_core::config::ConfigError| c.place.error(Some(e.key), e);
    match c.kind.as_str() {
        "ticker" => Ok(Box::new(Ticker::new(c.read::<TickerConfig>()?, Some(stop.clone())).map_err(bad)?)),
        "csv" => sluice_replay::build(&c.read::<CsvConfig>()?, Some(stop.clone())).map_err(bad),
        "lines" => Ok(Box::new(LinesSource::new(c.read::<LinesConfig>()?).map_err(bad)?)),
        "nats" => Ok(Box::new(NatsSource::new(c.read::<NatsSourceConfig>()?).map_err(bad)?)),
        _ => Err(c.unknown("source", SOURCES)),
    }
}

/// What the flags set on bots: `--transcript` on every one, `--trades` on
/// the first.
#[derive(Clone, Debug, Default)]
pub struct BotFlags {
    pub transcript: bool,
    pub color: bool,
    /// Bots print nothing on stdout (`--json` has it).
    pub silent: bool,
    pub trades: Option<String>,
    pub plot: Option<String>,
}

/// Builds a sink.
pub fn sink(c: &Component, flags: &mut BotFlags) -> Result<Box<dyn Sink>, UsageError> {
    match c.kind.as_str() {
        "bot" => {
            let mut config: BotConfig = c.read()?;
            config.transcript |= flags.transcript;
            config.color = flags.color;
            if let Some(path) = flags.trades.take() {
                config.trades = Some(path);
            }
            if let Some(path) = flags.plot.take() {
                config.plot = Some(path);
            }
            let out: Box<dyn io::Write> = if flags.silent { Box::new(io::sink()) } else { stdout_writer() };
            Ok(Box::new(Bot::new(config, out).map_err(|e| c.place.error(Some(e.key), e))?))
        }
        "audit" => Ok(Box::new(AuditLog::new(c.read::<AuditConfig>()?))),
        "nats" => Ok(Box::new(NatsSink::new(c.read::<NatsSinkConfig>()?).map_err(|e| c.place.error(Some(e.key), e))?)),
        _ => Err(c.unknown("sink", SINKS)),
    }
}

/// Stdout for a sink that writes a line per record (the transcript): a
/// large buffer over its own handle, so that a replay makes a write call
/// per 256 KiB rather than going through stdout's line buffering. A
/// terminal keeps the line-buffered stdout, so lines appear as they come.
fn stdout_writer() -> Box<dyn io::Write> {
    use std::io::IsTerminal;
    use std::os::fd::AsFd;
    let stdout = io::stdout();
    match stdout.as_fd().try_clone_to_owned() {
        Ok(fd) if !stdout.is_terminal() => Box::new(BufWriter::with_capacity(256 << 10, std::fs::File::from(fd))),
        _ => Box::new(BufWriter::new(stdout)),
    }
}

/// Checks, without writing, that a sink's output can be created: for
/// `sluice validate`, which must not run anything.
pub fn check_sink_output(c: &Component) -> Result<(), UsageError> {
    if c.kind != "audit" {
        return Ok(());
    }
    let config: AuditConfig = c.read()?;
    if config.path == "-" {
        return Ok(());
    }
    check_output_path(std::path::Path::new(&config.path))
        .map_err(|p| c.place.error(Some("path"), format!("`path`: {}: {p}", config.path)))
}

/// Why a file cannot be written at `path`, checked before anything runs:
/// it is a directory, or its directory is missing or read-only.
pub fn check_output_path(path: &std::path::Path) -> Result<(), String> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    if path.is_dir() {
        Err("is a directory".to_owned())
    } else if !dir.is_dir() {
        Err(format!("directory {} does not exist", dir.display()))
    } else if std::fs::metadata(dir).is_ok_and(|m| m.permissions().readonly()) {
        Err(format!("directory {} is read-only", dir.display()))
    } else {
        Ok(())
    }
}

/// Builds a filter.
pub fn filter(c: &Component) -> Result<Filter, UsageError> {
    c.read::<FilterConfig>()?.build().map_err(|e| c.place.error(Some(e.key), e))
}

/// Builds the csv source of `sluice replay` from its flags.
pub fn replay_source(
    args: &ReplayArgs,
    stop: &Stop,
    progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
) -> Result<Box<dyn Source>, UsageError> {
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
    sluice_replay::build_with_progress(&c, Some(stop.clone()), progress).map_err(|e| {
        let flag = match e.key {
            "tz" => "--tz",
            "max_line_bytes" => "--max-line-bytes",
            _ => "replay",
        };
        UsageError(format!("{flag}: {}", e.message))
    })
}
