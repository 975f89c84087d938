//! The options of the `nats` sink and source, as written in `--sink nats:…`,
//! `--source nats:…` and in pipeline files.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use sluice_core::RecordKind;
use sluice_core::config::{ConfigError, Interval, from_text};

/// Options of the `nats` sink.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NatsSinkConfig {
    /// The server, `nats://host:port` or `host:port`. Default:
    /// `nats://127.0.0.1:4222`.
    #[serde(default = "default_url")]
    pub url: String,
    /// The subject records are published on; with `partitions`, the prefix
    /// of `SUBJECT.<p>.<KEY>`.
    pub subject: String,
    /// A JetStream stream taking `SUBJECT` and `SUBJECT.>`, created when
    /// missing. Default: none (the subject must already be in a stream).
    pub stream: Option<String>,
    /// Spread records over this many partitions (1 to 1024) by a stable
    /// hash of the symbol (of the file, for lines). Default: none, one
    /// subject.
    pub partitions: Option<u32>,
    /// Copies of the stream its cluster keeps, when the stream is created
    /// (1 to 5): with 3, a stream survives the loss of a server, and a
    /// publish is acknowledged once a majority has stored it. An existing
    /// stream with another number is refused. Default: none (1 for a new
    /// stream, whatever an existing one has).
    pub replicas: Option<usize>,
    /// Records published before waiting for the server's acknowledgements.
    /// Default: 256.
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// How long to keep retrying an unreachable server before failing.
    /// Default: 30s.
    #[serde(default = "default_retry", deserialize_with = "from_text")]
    pub retry: Interval,
    /// Give each message an id (`Nats-Msg-Id`), so that a batch sent again
    /// after a failure is stored once (within the stream's duplicate window,
    /// two minutes by default). It costs about a third of the throughput.
    /// Default: false (at least once: a retried batch may be stored twice).
    #[serde(default)]
    pub dedupe: bool,
    /// Records packed into one message, a frame (see the README): the
    /// server's cost is per message, so frames of a few hundred records
    /// carry many times more. A frame closes when it holds this many, at
    /// `frame_bytes`, and whenever the sink flushes (the source was idle, a
    /// commit, the end). 1 sends each record as a message of its own, which
    /// a reader older than frames reads. Default: 500.
    #[serde(default = "default_frame_records")]
    pub frame_records: usize,
    /// Bytes at which a frame closes however few records it holds (from
    /// 32 KiB to 512 KiB: a server refuses messages over 1 MiB unless told,
    /// and a record may take a frame past this). Default: 256 KiB.
    #[serde(default = "default_frame_bytes")]
    pub frame_bytes: usize,
}

fn default_frame_records() -> usize {
    500
}

fn default_frame_bytes() -> usize {
    256 * 1024
}

/// Largest `frame_bytes`: NATS servers refuse messages over 1 MiB unless
/// told, and a frame may pass its size by its head and one record.
pub const MAX_FRAME_BYTES: usize = 512 * 1024;

/// Options of the `nats` source.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NatsSourceConfig {
    /// The server. Default: `nats://127.0.0.1:4222`.
    #[serde(default = "default_url")]
    pub url: String,
    /// The stream to read.
    pub stream: String,
    /// The durable consumer's name: the server remembers what it has
    /// acknowledged, so a restarted worker goes on where it stopped.
    pub durable: String,
    /// Read only partition `p` (0-based) of a partitioned stream.
    pub partition: Option<u32>,
    /// The subject the producer published on (the prefix of partitions).
    /// Default: the stream's first subject.
    pub subject: Option<String>,
    /// `ticks` (default) or `lines`: what the stream holds.
    #[serde(default, deserialize_with = "from_text")]
    pub records: Records,
    /// Keep waiting for new messages once caught up (`true`), or end the
    /// run (`false`, the default).
    #[serde(default)]
    pub follow: bool,
    /// Records taken before they are acknowledged, after the sinks have
    /// flushed them. Default: 256.
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// How long the server waits for an acknowledgement before it delivers
    /// a message again (to this or another worker). Default: 30s.
    #[serde(default = "default_ack_wait", deserialize_with = "from_text")]
    pub ack_wait: Interval,
    /// How long to keep retrying an unreachable server before failing.
    /// Default: 30s.
    #[serde(default = "default_retry", deserialize_with = "from_text")]
    pub retry: Interval,
}

/// Most partitions a sink spreads over.
pub const MAX_PARTITIONS: u32 = 1024;

pub(crate) fn default_url() -> String {
    "nats://127.0.0.1:4222".to_owned()
}

fn default_batch() -> usize {
    256
}

pub(crate) fn default_retry() -> Interval {
    Interval(Duration::from_secs(30))
}

pub(crate) fn default_ack_wait() -> Interval {
    Interval(Duration::from_secs(30))
}

impl NatsSinkConfig {
    /// Checks what can be checked without a server.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_subject("subject", &self.subject)?;
        // A bad record without a symbol is sent to every partition.
        if self.partitions.is_some_and(|n| !(1..=MAX_PARTITIONS).contains(&n)) {
            return Err(ConfigError::new("partitions", format!("`partitions` must be from 1 to {MAX_PARTITIONS}")));
        }
        if self.batch == 0 {
            return Err(ConfigError::new("batch", "`batch` must be at least 1"));
        }
        if self.replicas.is_some_and(|r| !(1..=5).contains(&r)) {
            return Err(ConfigError::new("replicas", "`replicas` must be from 1 to 5"));
        }
        if self.replicas.is_some() && self.stream.is_none() {
            return Err(ConfigError::new("replicas", "applies only to a stream the sink creates: add stream=NAME"));
        }
        if !(1..=100_000).contains(&self.frame_records) {
            return Err(ConfigError::new("frame_records", "`frame_records` must be from 1 to 100000"));
        }
        if !(32 * 1024..=MAX_FRAME_BYTES).contains(&self.frame_bytes) {
            return Err(ConfigError::new(
                "frame_bytes",
                format!(
                    "`frame_bytes` must be from 32768 to {MAX_FRAME_BYTES} (within the server's limit on a message)"
                ),
            ));
        }
        if let Some(s) = &self.stream {
            check_stream(s)?;
        }
        Ok(())
    }
}

impl NatsSourceConfig {
    /// Checks what can be checked without a server.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_stream(&self.stream)?;
        if self.durable.is_empty() || self.durable.contains(['.', '*', '>', ' ', '\t']) {
            return Err(ConfigError::new("durable", "`durable` must be a name without `.`, `*`, `>` or spaces"));
        }
        if let Some(s) = &self.subject {
            check_subject("subject", s)?;
        }
        if self.batch == 0 {
            return Err(ConfigError::new("batch", "`batch` must be at least 1"));
        }
        if self.ack_wait.0 < Duration::from_secs(1) {
            return Err(ConfigError::new("ack_wait", "`ack_wait` must be at least 1s"));
        }
        Ok(())
    }
}

fn check_subject(key: &'static str, s: &str) -> Result<(), ConfigError> {
    let bad = s.is_empty()
        || s.split('.').any(|t| t.is_empty() || t == "*" || t == ">")
        || s.bytes().any(|b| b.is_ascii_whitespace());
    if bad {
        return Err(ConfigError::new(
            key,
            format!("`{key}`: `{s}` is not a subject to publish on (dot-separated tokens, no wildcards or spaces)"),
        ));
    }
    Ok(())
}

pub(crate) fn check_stream(s: &str) -> Result<(), ConfigError> {
    if s.is_empty() || s.contains(['.', '*', '>', ' ', '\t', '/', '\\']) {
        return Err(ConfigError::new("stream", format!("`stream`: `{s}` is not a stream name")));
    }
    Ok(())
}

/// What a `nats` source's stream holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Records {
    /// Ticks and bad records, as a replay publishes them.
    #[default]
    Ticks,
    /// Lines, as `sluice grep --sink` publishes them.
    Lines,
}

impl Records {
    /// The kind of record the stream holds.
    pub fn kind(self) -> RecordKind {
        match self {
            Records::Ticks => RecordKind::Tick,
            Records::Lines => RecordKind::Line,
        }
    }
}

sluice_core::text_schema!(Records, "Records", "ticks or lines.");

impl FromStr for Records {
    type Err = String;
    fn from_str(s: &str) -> Result<Records, String> {
        match s {
            "ticks" => Ok(Records::Ticks),
            "lines" => Ok(Records::Lines),
            _ => Err(format!("`{s}` is not a kind of record; use ticks or lines")),
        }
    }
}

impl fmt::Display for Records {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Records::Ticks => "ticks",
            Records::Lines => "lines",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_with_wildcards_or_empty_tokens_are_refused() {
        for good in ["ticks", "logs.errors", "a-b_c"] {
            assert!(check_subject("subject", good).is_ok(), "{good}");
        }
        for bad in ["", "a..b", "a.*", "a.>", ".a", "a b"] {
            assert!(check_subject("subject", bad).is_err(), "{bad}");
        }
    }
}
