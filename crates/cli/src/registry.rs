//! Every component kind, one row each: its name, what it emits or takes,
//! the schema of its options, how it is built, which files it writes and
//! which command-line shorthands set its keys. `sluice list`, `sluice
//! schema`, `validate`, the help text and the builders all read these
//! tables, so a new sink is one crate plus one row of [`SINKS`].

use std::io::{self, BufWriter};

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::Value;
use sluice_audit::{AuditConfig, AuditLog};
use sluice_bot::{Bot, BotConfig};
use sluice_core::config::ConfigError;
use sluice_core::{Filter, FilterConfig, Sink, Source, Stop};
use sluice_nats::{NatsSink, NatsSinkConfig, NatsSource, NatsSourceConfig};
use sluice_replay::{CsvConfig, LinesConfig, LinesSource};
use sluice_ticker::{Ticker, TickerConfig};

use crate::component::{Component, UsageError, check_output_path};
use crate::suggest::did_you_mean;

/// What building a component may use besides its options.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Asks a running component to stop (Ctrl-C).
    pub stop: Stop,
    /// Colour what goes to a terminal.
    pub color: bool,
    /// Stdout is taken (`--json`): components print nothing there.
    pub quiet_stdout: bool,
    /// The source is live ([`Source::is_live`]): what is printed per
    /// record goes out line by line.
    pub live: bool,
    /// A sweep is run: its bots keep every core busy, so files are not
    /// read ahead on a thread of their own (it would only take turns with
    /// them).
    pub sweeping: bool,
}

/// A command-line flag that sets one key of a kind of component.
#[derive(Clone, Copy, Debug)]
pub struct Shorthand {
    /// The flag, as `--trades`.
    pub flag: &'static str,
    /// The key it sets.
    pub key: &'static str,
    /// Set on every component of the kind, or on the first only.
    pub every: bool,
}

/// The files a component will write, as (key, path).
pub type Outputs = Vec<(&'static str, String)>;

/// One kind of component: `T` is what it builds.
pub struct Kind<T> {
    /// Its name in specs and files.
    pub name: &'static str,
    /// What it emits (a source) or takes (a sink).
    pub records: &'static str,
    /// One line on what it is.
    pub about: &'static str,
    /// The JSON Schema of its options.
    pub schema: fn(&mut SchemaGenerator) -> Value,
    /// Builds it; nothing is opened or connected before the run starts.
    pub build: fn(&Component, &Context) -> Result<T, UsageError>,
    /// The files it will write, as (key, path), for `validate` to check.
    pub outputs: fn(&Component) -> Result<Outputs, UsageError>,
    /// Its report goes at the top level of `--report`, where scripts look
    /// for `ticks`, `trades`… (the first such sink's).
    pub headline: bool,
    /// Flags of `run` and `replay` that set its keys.
    pub shorthands: &'static [Shorthand],
    /// Keys whose values are file paths: in a pipeline file, a relative
    /// one is taken from the file's directory.
    pub paths: &'static [&'static str],
}

/// Every source kind.
pub const SOURCES: &[Kind<Box<dyn Source>>] = &[
    Kind {
        name: "ticker",
        records: "ticks",
        about: "a seeded random market ticker",
        schema: schema::<TickerConfig>,
        build: |c, ctx| Ok(Box::new(Ticker::new(c.read::<TickerConfig>()?, Some(ctx.stop.clone())).map_err(at(c))?)),
        outputs: none,
        headline: false,
        paths: &[],
        shorthands: &[],
    },
    Kind {
        name: "csv",
        records: "ticks",
        about: "tick files in the layouts vendors ship (the source of `sluice replay`)",
        schema: schema::<CsvConfig>,
        build: |c, ctx| {
            sluice_replay::build_with_progress(&c.read::<CsvConfig>()?, Some(ctx.stop.clone()), None, !ctx.sweeping)
                .map_err(at(c))
        },
        outputs: none,
        headline: false,
        paths: &["path"],
        shorthands: &[],
    },
    Kind {
        name: "lines",
        records: "lines",
        about: "a log file's lines (the search of `sluice grep`)",
        schema: schema::<LinesConfig>,
        build: |c, ctx| {
            Ok(Box::new(LinesSource::new(c.read::<LinesConfig>()?).map_err(at(c))?.interrupted_by(&ctx.stop)))
        },
        outputs: none,
        headline: false,
        paths: &["path"],
        shorthands: &[],
    },
    Kind {
        name: "nats",
        records: "ticks or lines",
        about: "a NATS JetStream stream, or one partition of it, read by a durable consumer",
        schema: schema::<NatsSourceConfig>,
        build: |c, _| Ok(Box::new(NatsSource::new(c.read::<NatsSourceConfig>()?).map_err(at(c))?)),
        outputs: none,
        headline: false,
        paths: &[],
        shorthands: &[],
    },
];

/// Every sink kind.
pub const SINKS: &[Kind<Box<dyn Sink>>] = &[
    Kind {
        name: "bot",
        records: "ticks",
        about: "the trading bot: a strategy's machine per symbol, with stops, sizing and costs",
        schema: schema::<BotConfig>,
        build: |c, ctx| {
            let config = BotConfig { color: ctx.color, live: ctx.live, stop: Some(ctx.stop.clone()), ..c.read()? };
            let out: Box<dyn io::Write + Send> =
                if ctx.quiet_stdout { Box::new(io::sink()) } else { stdout_writer(ctx.live) };
            Ok(Box::new(Bot::new(config, out).map_err(at(c))?))
        },
        outputs: |c| {
            let config: BotConfig = c.read()?;
            Ok([("trades", config.trades), ("plot", config.plot), ("equity", config.equity)]
                .into_iter()
                .filter_map(|(k, p)| Some((k, p?)))
                .collect())
        },
        headline: true,
        paths: &["trades", "plot", "equity"],
        shorthands: &[
            Shorthand { flag: "--transcript", key: "transcript", every: true },
            Shorthand { flag: "--trades", key: "trades", every: false },
            Shorthand { flag: "--plot", key: "plot", every: false },
            Shorthand { flag: "--equity", key: "equity", every: false },
        ],
    },
    Kind {
        name: "audit",
        records: "ticks and lines",
        about: "a hash-chained audit log of every record and error",
        schema: schema::<AuditConfig>,
        build: |c, ctx| Ok(Box::new(AuditLog::new(c.read::<AuditConfig>()?).live(ctx.live).interrupted_by(&ctx.stop))),
        outputs: |c| {
            let config: AuditConfig = c.read()?;
            Ok(if config.path == "-" { Vec::new() } else { vec![("path", config.path)] })
        },
        headline: false,
        paths: &["path"],
        shorthands: &[],
    },
    Kind {
        name: "nats",
        records: "ticks and lines",
        about: "publishes to NATS JetStream, partitioned by symbol if asked",
        schema: schema::<NatsSinkConfig>,
        build: |c, _| Ok(Box::new(NatsSink::new(c.read::<NatsSinkConfig>()?).map_err(at(c))?)),
        outputs: none,
        headline: false,
        paths: &[],
        shorthands: &[],
    },
];

/// The sink of a pipeline that names none.
pub const DEFAULT_SINK: &str = "bot";

/// The row of `kind`, or a message listing the kinds there are.
pub fn find<'t, T>(table: &'t [Kind<T>], what: &str, c: &Component) -> Result<&'t Kind<T>, UsageError> {
    table.iter().find(|k| k.name == c.kind).ok_or_else(|| {
        let names: Vec<&str> = table.iter().map(|k| k.name).collect();
        c.place.error(
            None,
            format!(
                "unknown {what} `{}`; the {what}s are {}{}",
                c.kind,
                names.join(", "),
                did_you_mean(&c.kind, names.iter().copied())
            ),
        )
    })
}

/// Builds a source.
pub fn source(c: &Component, ctx: &Context) -> Result<Box<dyn Source>, UsageError> {
    (find(SOURCES, "source", c)?.build)(c, ctx)
}

/// Builds a sink.
pub fn sink(c: &Component, ctx: &Context) -> Result<Box<dyn Sink>, UsageError> {
    (find(SINKS, "sink", c)?.build)(c, ctx)
}

/// Builds a filter.
pub fn filter(c: &Component) -> Result<Filter, UsageError> {
    c.read::<FilterConfig>()?.build().map_err(at(c))
}

/// The files a sink will write, as (key, path).
pub fn outputs(c: &Component) -> Result<Outputs, UsageError> {
    (find(SINKS, "sink", c)?.outputs)(c)
}

/// Checks, without writing, that the files a sink will write can be
/// created: for `sluice validate`, which must not run anything.
pub fn check_sink_outputs(c: &Component) -> Result<(), UsageError> {
    for (key, path) in (find(SINKS, "sink", c)?.outputs)(c)? {
        check_output_path(std::path::Path::new(&path))
            .map_err(|p| c.place.error(Some(key), format!("`{key}`: {path}: {p}")))?;
    }
    Ok(())
}

/// Applies the shorthand flags that were given (`flag`, value) to the
/// sinks they set. A shorthand whose kind is not among the sinks is an
/// error: `--trades` without a bot would otherwise be dropped silently.
pub fn apply_shorthands(sinks: &mut [Component], given: &[(&'static str, String)]) -> Result<(), UsageError> {
    for (flag, value) in given {
        let (kind, short) = SINKS
            .iter()
            .find_map(|k| k.shorthands.iter().find(|s| s.flag == *flag).map(|s| (k.name, s)))
            .ok_or_else(|| UsageError(format!("{flag}: no sink takes it")))?;
        let mut matching = sinks.iter_mut().filter(|c| c.kind == kind).peekable();
        if matching.peek().is_none() {
            return Err(UsageError(format!(
                "{flag} sets `{}` of a {kind} sink, and there is none: add --sink {kind}",
                short.key
            )));
        }
        for c in matching.take(if short.every { usize::MAX } else { 1 }) {
            c.set(short.key, value);
        }
    }
    Ok(())
}

/// The keys of `kind` (a source's when `source`, else a sink's) that hold
/// file paths.
pub fn path_keys(kind: &str, source: bool) -> &'static [&'static str] {
    let found = if source {
        SOURCES.iter().find(|k| k.name == kind).map(|k| k.paths)
    } else {
        SINKS.iter().find(|k| k.name == kind).map(|k| k.paths)
    };
    found.unwrap_or(&[])
}

/// Whether a sink's report is the run's headline (see [`Kind::headline`]).
pub fn is_headline(sink: &str) -> bool {
    // A sweep stands in for the bot it sweeps.
    sink == "sweep" || SINKS.iter().any(|k| k.name == sink && k.headline)
}

fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> Value {
    T::json_schema(g).to_value()
}

fn none(_: &Component) -> Result<Outputs, UsageError> {
    Ok(Vec::new())
}

/// A component's own check of its values, named at its key.
fn at(c: &Component) -> impl Fn(ConfigError) -> UsageError + '_ {
    move |e| c.place.error(Some(e.key), e)
}

/// Stdout for a sink that writes a line per record (the transcript): a
/// large buffer over its own handle, so that a replay makes a write call
/// per 256 KiB rather than one per line. A terminal, or a live source
/// (`live`), gets each line as it is written: a paced feed's signals must
/// show as they happen, not at the end.
fn stdout_writer(live: bool) -> Box<dyn io::Write + Send> {
    use std::io::IsTerminal;
    use std::os::fd::AsFd;
    let stdout = io::stdout();
    match stdout.as_fd().try_clone_to_owned() {
        Ok(fd) if !stdout.is_terminal() && !live => {
            Box::new(BufWriter::with_capacity(256 << 10, std::fs::File::from(fd)))
        }
        _ => Box::new(io::LineWriter::new(stdout)),
    }
}
