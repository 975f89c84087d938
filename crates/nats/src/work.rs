//! A work queue on JetStream, for a job split over machines.
//!
//! A coordinator posts jobs on `STREAM.jobs.<ID>` ([`Board`]); workers
//! ([`Desk`]) share one durable consumer of `STREAM.jobs.>` and take one job
//! at a time. While a worker works, it tells the server so every third of
//! `ack_wait`; it publishes its results on `STREAM.results.<ID>` and only
//! then acknowledges the job. A worker killed in the middle leaves its job
//! to be delivered again, after `ack_wait`, to whichever worker asks next;
//! results of a job done twice come twice, and the coordinator counts each
//! once (each says what it is). The stream keeps a message until it is
//! acknowledged (work-queue retention), so nothing piles up.

use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
use async_nats::jetstream::{AckKind, Message, stream};
use futures_util::StreamExt;
use serde::Deserialize;
use sluice_core::config::{ConfigError, Interval, from_text};
use sluice_core::{Error, Stop};

use crate::conn::Conn;

/// Options of `--workers nats:…` and of `sluice worker nats:…`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkConfig {
    /// The server, or several servers of a cluster separated by commas.
    /// Default: `nats://127.0.0.1:4222`.
    #[serde(default = "crate::config::default_url")]
    pub url: String,
    /// The work-queue stream, created by whoever comes first; also the
    /// first token of its subjects. Default: `SLUICE_WORK`.
    #[serde(default = "default_stream")]
    pub stream: String,
    /// Copies of the stream a cluster keeps, when it is created (1 to 5).
    /// Default: 1.
    #[serde(default = "one")]
    pub replicas: usize,
    /// Combinations per job, for a coordinator. Default: 10.
    #[serde(default = "ten")]
    pub block: usize,
    /// How long the server waits for a worker that stopped telling it it
    /// is working, before it gives the job to another. Default: 30s.
    #[serde(default = "crate::config::default_ack_wait", deserialize_with = "from_text")]
    pub ack_wait: Interval,
    /// How long to keep retrying an unreachable server. Default: 30s.
    #[serde(default = "crate::config::default_retry", deserialize_with = "from_text")]
    pub retry: Interval,
}

fn default_stream() -> String {
    "SLUICE_WORK".to_owned()
}

fn one() -> usize {
    1
}

fn ten() -> usize {
    10
}

impl WorkConfig {
    /// Checks what can be checked without a server.
    pub fn validate(&self) -> Result<(), ConfigError> {
        crate::config::check_stream(&self.stream)?;
        if !(1..=5).contains(&self.replicas) {
            return Err(ConfigError::new("replicas", "`replicas` must be from 1 to 5"));
        }
        if !(1..=10_000).contains(&self.block) {
            return Err(ConfigError::new("block", "`block` must be from 1 to 10000 combinations"));
        }
        if self.ack_wait.0 < Duration::from_secs(1) {
            return Err(ConfigError::new("ack_wait", "`ack_wait` must be at least 1s"));
        }
        Ok(())
    }
}

/// The durable consumer every worker shares.
const WORKERS: &str = "workers";

/// How long one wait for a job or a result lasts before the stop flag is
/// looked at again.
const POLL: Duration = Duration::from_millis(500);

/// Connects and makes sure the stream exists with its two subjects.
fn open(config: &WorkConfig, component: &'static str) -> Result<(Conn, stream::Stream), Error> {
    config.validate().map_err(|e| Error::new(component, e.to_string()))?;
    let conn = Conn::open(component, &config.url, config.retry.0)?;
    let name = &config.stream;
    let stream = conn.block_on(async {
        let wanted = stream::Config {
            name: name.clone(),
            subjects: vec![format!("{name}.jobs.>"), format!("{name}.results.>")],
            retention: stream::RetentionPolicy::WorkQueue,
            num_replicas: config.replicas,
            ..Default::default()
        };
        // Tried again when another party was creating it at the same
        // time (workers started together).
        let mut tries = 0;
        let mut s = loop {
            match conn.js.get_or_create_stream(wanted.clone()).await {
                Ok(s) => break s,
                Err(e) if may_pass(&e) && tries < 20 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(conn.error(e)),
            }
        };
        let info = s.info().await.map_err(|e| conn.error(e))?;
        if info.config.retention != stream::RetentionPolicy::WorkQueue {
            return Err(conn.error(format!("stream {name} exists and is no work queue; name another stream")));
        }
        Ok(s)
    })?;
    Ok((conn, stream))
}

/// Whether a failure to create a stream may pass when tried again: no
/// answer in time (a cluster electing a leader), or another party creating
/// the same stream at the same moment (the server then says the name is
/// taken, or its subjects overlap, though the stream is the same).
pub(crate) fn may_pass(e: &async_nats::jetstream::context::CreateStreamError) -> bool {
    use async_nats::jetstream::context::CreateStreamErrorKind as K;
    match e.kind() {
        K::TimedOut | K::JetStreamUnavailable => true,
        K::JetStream(j) => {
            use async_nats::jetstream::ErrorCode;
            [ErrorCode::STREAM_NAME_EXIST, ErrorCode::STREAM_SUBJECT_OVERLAP].contains(&j.error_code())
        }
        _ => false,
    }
}

/// The coordinator's side: posts a run's jobs and collects their results.
pub struct Board {
    conn: Conn,
    stream: stream::Stream,
    name: String,
    /// This run's id: the last token of its subjects.
    id: String,
    results: Option<PullConsumer>,
}

impl Board {
    /// Connects for run `id` (letters, digits, `-` and `_`).
    pub fn open(config: &WorkConfig, id: &str) -> Result<Board, Error> {
        let (conn, stream) = open(config, "workers")?;
        Ok(Board { conn, stream, name: config.stream.clone(), id: id.to_owned(), results: None })
    }

    /// Posts `jobs`, each acknowledged by the server, after binding the
    /// consumer of their results (so that none is published before
    /// anyone listens).
    pub fn post(&mut self, jobs: &[Vec<u8>]) -> Result<(), Error> {
        let (name, id) = (&self.name, &self.id);
        let conn = &self.conn;
        let consumer = conn.block_on(async {
            let config = pull::Config {
                durable_name: Some(format!("coordinator-{id}")),
                filter_subject: format!("{name}.results.{id}"),
                ack_policy: AckPolicy::Explicit,
                ..Default::default()
            };
            self.stream.create_consumer(config).await.map_err(|e| conn.error(e))
        })?;
        self.results = Some(consumer);
        conn.block_on(async {
            for job in jobs {
                let ack = conn.js.publish(format!("{name}.jobs.{id}"), job.clone().into()).await;
                ack.map_err(|e| conn.error(e))?.await.map_err(|e| conn.error(format!("posting a job: {e}")))?;
            }
            Ok(())
        })
    }

    /// Hands each result to `take` until it returns `false` (all are in),
    /// or `stop` is raised (`Ok(false)`). A result is acknowledged once
    /// taken.
    pub fn collect(&mut self, stop: &Stop, mut take: impl FnMut(&[u8]) -> Result<bool, Error>) -> Result<bool, Error> {
        let Some(consumer) = &self.results else { return Ok(true) };
        let conn = &self.conn;
        loop {
            if stop.requested().is_some() {
                return Ok(false);
            }
            let got =
                conn.block_on(fetch(consumer, 64, POLL)).map_err(|e| conn.error(format!("reading results: {e}")))?;
            for m in got {
                let more = take(&m.payload)?;
                conn.block_on(m.ack()).map_err(|e| conn.error(format!("acknowledging a result: {e}")))?;
                if !more {
                    return Ok(true);
                }
            }
        }
    }
}

impl Drop for Board {
    /// Whatever is left of the run goes: jobs no worker took yet (after
    /// Ctrl-C, or a worker's failure), results sent twice, and the
    /// consumer of results.
    fn drop(&mut self) {
        let (name, id) = (&self.name, &self.id);
        let stream = &mut self.stream;
        let _ = self.conn.block_on(async {
            let tidy = async {
                let _ = stream.purge().filter(format!("{name}.jobs.{id}")).await;
                let _ = stream.purge().filter(format!("{name}.results.{id}")).await;
                let _ = stream.delete_consumer(&format!("coordinator-{id}")).await;
            };
            tokio::time::timeout(Duration::from_secs(2), tidy).await
        });
    }
}

/// The worker's side: takes jobs one at a time.
pub struct Desk {
    conn: Conn,
    name: String,
    consumer: PullConsumer,
    ack_wait: Duration,
}

/// A job taken: its text, and the task that tells the server it is being
/// worked on.
pub struct Job {
    message: Message,
    holding: tokio::task::JoinHandle<()>,
    /// How many times the server has delivered it, this time included.
    pub delivered: i64,
}

impl Job {
    /// What the coordinator posted.
    pub fn text(&self) -> &[u8] {
        &self.message.payload
    }

    /// The run it belongs to: the last token of its subject.
    pub fn run(&self) -> &str {
        self.message.subject.rsplit('.').next().unwrap_or_default()
    }
}

impl Desk {
    /// Connects and binds the workers' shared consumer.
    pub fn open(config: &WorkConfig) -> Result<Desk, Error> {
        let (conn, stream) = open(config, "worker")?;
        let name = config.stream.clone();
        let ack_wait = config.ack_wait.0;
        let consumer = conn.block_on(async {
            let wanted = pull::Config {
                durable_name: Some(WORKERS.to_owned()),
                filter_subject: format!("{name}.jobs.>"),
                ack_policy: AckPolicy::Explicit,
                ack_wait,
                ..Default::default()
            };
            stream.get_or_create_consumer(WORKERS, wanted).await.map_err(|e| conn.error(e))
        })?;
        Ok(Desk { conn, name, consumer, ack_wait })
    }

    /// The next job, or `None` when none came within half a second. While
    /// the job is held, the server is told every third of `ack_wait` that
    /// it is being worked on.
    pub fn take(&mut self) -> Result<Option<Job>, Error> {
        let conn = &self.conn;
        let mut got =
            conn.block_on(fetch(&self.consumer, 1, POLL)).map_err(|e| conn.error(format!("taking a job: {e}")))?;
        let Some(message) = got.pop() else { return Ok(None) };
        let delivered = message.info().map_or(1, |i| i.delivered);
        let pace = self.ack_wait / 3;
        let keep = message.clone();
        let holding = conn.spawn(async move {
            loop {
                tokio::time::sleep(pace).await;
                let _ = keep.ack_with(AckKind::Progress).await;
            }
        });
        Ok(Some(Job { message, holding, delivered }))
    }

    /// Publishes `results` of `job`, each acknowledged by the server, then
    /// acknowledges the job (and waits for the server to confirm it).
    pub fn finish(&mut self, job: Job, results: &[Vec<u8>]) -> Result<(), Error> {
        let conn = &self.conn;
        let subject = format!("{}.results.{}", self.name, job.run());
        let done = conn.block_on(async {
            for r in results {
                let ack = conn.js.publish(subject.clone(), r.clone().into()).await;
                ack.map_err(|e| conn.error(e))?.await.map_err(|e| conn.error(format!("publishing a result: {e}")))?;
            }
            job.holding.abort();
            job.message.double_ack().await.map_err(|e| conn.error(format!("acknowledging a job: {e}")))
        });
        job.holding.abort();
        done
    }
}

/// Up to `n` messages: what is there, or what comes within `wait`.
async fn fetch(consumer: &PullConsumer, n: usize, wait: Duration) -> Result<Vec<Message>, String> {
    let started = Instant::now();
    let mut messages = consumer.batch().max_messages(n).expires(wait).messages().await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    while let Some(m) = messages.next().await {
        out.push(m.map_err(|e| e.to_string())?);
        if out.len() == n || started.elapsed() > wait {
            break;
        }
    }
    Ok(out)
}
