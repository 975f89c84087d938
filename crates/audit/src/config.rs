//! The audit sink's options, as written in `--sink audit:…` and in files.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use sluice_core::config::from_text;

/// Options of the `audit` sink.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The log file, appended to and never truncated; `-` is stdout.
    pub path: String,
    /// `jsonl` (default) or `csv`.
    #[serde(default)]
    pub format: Format,
    /// When to fsync: `never`, `close` (default), `always`, or `every:N`
    /// records.
    #[serde(default, deserialize_with = "from_text")]
    pub fsync: Fsync,
    /// Roll over to `PATH.1`, `PATH.2`, … once a file would grow past this
    /// many bytes. Default: never.
    pub max_bytes: Option<u64>,
    /// Key the chain with HMAC-SHA256, with the key in this file (its
    /// bytes, less a final newline), so that only a holder of the key can
    /// recompute it. Default: none (plain SHA-256).
    pub key_file: Option<String>,
    /// The same, with the key in this environment variable. Default: none.
    pub key_env: Option<String>,
    /// What this run does when another run is writing the log: `refuse`
    /// (default: stop at once, naming the other run's pid) or `wait` until
    /// it is done (Ctrl-C still ends the wait).
    #[serde(default)]
    pub lock: LockMode,
}

/// What a writer does when the log is locked by another run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LockMode {
    /// Stop at once, naming the other run's pid.
    #[default]
    Refuse,
    /// Wait until the other run is done.
    Wait,
}

impl AuditConfig {
    /// How the log's lines are hashed: keyed when a key is given.
    pub fn chain(&self) -> Result<crate::Chain, String> {
        let key = match (&self.key_file, &self.key_env) {
            (Some(_), Some(_)) => return Err("`key_file` and `key_env` both give a key; keep one".into()),
            (Some(path), None) => crate::read_key(path).map_err(|e| format!("`key_file`: {e}"))?,
            (None, Some(name)) => std::env::var(name)
                .map_err(|_| format!("`key_env`: environment variable `{name}` is not set"))?
                .into_bytes(),
            (None, None) => return Ok(crate::Chain::Plain),
        };
        crate::Chain::keyed(&key).map_err(|e| format!("the chain's key: {e}"))
    }
}

/// The line format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// One JSON object per line.
    #[default]
    Jsonl,
    /// One CSV row per line, with a header in each new file.
    Csv,
}

/// When written lines are forced to disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fsync {
    /// Never: the operating system decides.
    Never,
    /// When the sink is closed, on every way a run ends.
    #[default]
    Close,
    /// After every line: slow, and nothing is lost but a line in flight.
    Always,
    /// After every N lines.
    Every(u64),
}

sluice_core::text_schema!(Fsync, "Fsync", "never, close, always, or every:N lines.");

impl FromStr for Fsync {
    type Err = String;
    fn from_str(s: &str) -> Result<Fsync, String> {
        let bad = || format!("`{s}` is not an fsync policy; use never, close, always or every:N");
        Ok(match s {
            "never" => Fsync::Never,
            "close" => Fsync::Close,
            "always" => Fsync::Always,
            _ => match s.strip_prefix("every:").map(str::parse::<u64>) {
                Some(Ok(n)) if n > 0 => Fsync::Every(n),
                _ => return Err(bad()),
            },
        })
    }
}

impl fmt::Display for Fsync {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fsync::Never => f.write_str("never"),
            Fsync::Close => f.write_str("close"),
            Fsync::Always => f.write_str("always"),
            Fsync::Every(n) => write!(f, "every:{n}"),
        }
    }
}
