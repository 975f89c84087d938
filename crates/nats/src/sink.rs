//! The `nats` sink: every record and bad record as a JetStream message,
//! acknowledged by the server batch by batch.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream;
use bytes::Bytes;
use sluice_core::{BadRecord, Error, Flow, Location, Record, RecordKind, Sink, SinkReport};

use crate::config::NatsSinkConfig;
use crate::conn::{Backoff, Conn};
use crate::{subject, wire};

/// A message waiting for the server's acknowledgement.
struct Outgoing {
    subject: String,
    body: Bytes,
    id: u64,
}

/// Publishes to a subject, or to `SUBJECT.<p>.<KEY>` with partitions.
pub struct NatsSink {
    config: NatsSinkConfig,
    conn: Option<Conn>,
    /// Names this run's messages with `dedupe` (`Nats-Msg-Id` is
    /// `<run>-<n>`), so the server drops the copies a retried batch sends
    /// again.
    run: String,
    next_id: u64,
    batch: Vec<Outgoing>,
    /// The batch sent before, and its acknowledgements to come.
    in_flight: Vec<Outgoing>,
    acks: Vec<PublishAckFuture>,
    body: Vec<u8>,
    records: u64,
    errors: u64,
    /// Copies of bad records without a symbol, one per further partition.
    echoes: u64,
    /// A publish failed: nothing is claimed at the close.
    failed: bool,
    /// The open frame of each partition (of the one subject without
    /// partitions), when records are framed.
    frames: Vec<Frame>,
    /// Bytes in the batch: a batch of frames is published at a few
    /// megabytes, however few messages it holds.
    queued_bytes: usize,
}

/// Records gathered for one message: their lines, and how many.
#[derive(Default)]
struct Frame {
    lines: Vec<u8>,
    records: usize,
    /// The file and stream names its ticks were read from, which they
    /// refer to by index.
    names: Vec<String>,
}

impl Frame {
    /// `at` with its name as an index into the frame's names.
    fn at(&mut self, at: &Location<'_>) -> wire::FrameAt {
        let (name, seq, number) = match *at {
            Location::FileLine { file, line } => (file, false, line),
            Location::Seq { source, seq } => (source, true, seq),
        };
        let index = match self.names.iter().rposition(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_owned());
                self.names.len() - 1
            }
        };
        wire::FrameAt { name: index as u32, seq, number }
    }
}

/// Most bytes a framed tick takes: it is checked for before it is written.
const FRAMED_TICK: usize = 256;

/// Room kept in a frame for its head line (the names of a few files).
const FRAME_HEAD: usize = 16 * 1024;

/// Bytes left at the start of a frame's lines for its head, which is
/// written there when it fits (it nearly always does).
const HEAD_ROOM: usize = 256;

/// Bytes of messages held before they are published (two batches are held:
/// one being made, one the server is storing).
const BATCH_BYTES: usize = 1 << 20;

impl NatsSink {
    /// Checks the options; the server is reached when the run starts.
    pub fn new(config: NatsSinkConfig) -> Result<NatsSink, sluice_core::config::ConfigError> {
        config.validate()?;
        let frames = (0..config.partitions.unwrap_or(1))
            .map(|_| Frame { lines: vec![b' '; HEAD_ROOM], ..Frame::default() })
            .collect();
        Ok(NatsSink {
            frames,
            queued_bytes: 0,
            run: run_name(),
            batch: Vec::with_capacity(config.batch),
            in_flight: Vec::with_capacity(config.batch),
            acks: Vec::new(),
            config,
            conn: None,
            next_id: 0,
            body: Vec::with_capacity(256),
            records: 0,
            errors: 0,
            echoes: 0,
            failed: false,
        })
    }

    /// Queues the encoded body on `subject`; publishes when the batch is
    /// full.
    fn queue(&mut self, subject: String) -> Result<(), Error> {
        let body = Bytes::copy_from_slice(&self.body);
        self.queue_body(subject, body)
    }

    fn queue_body(&mut self, subject: String, body: Bytes) -> Result<(), Error> {
        self.next_id += 1;
        self.queued_bytes += body.len();
        self.batch.push(Outgoing { subject, body, id: self.next_id });
        let full = self.batch.len() >= self.config.batch || self.queued_bytes >= BATCH_BYTES;
        if full { self.publish(false) } else { Ok(()) }
    }

    /// Sends the encoded body, a record for partition `p` (0 without
    /// partitions) keyed `key`: as a message of its own, or into the
    /// partition's frame.
    fn add(&mut self, p: u32, key: Option<&[u8]>) -> Result<(), Error> {
        if self.config.frame_records == 1 {
            let subject = match self.config.partitions {
                None => self.config.subject.clone(),
                Some(_) => subject::partitioned(&self.config.subject, p, key),
            };
            return self.queue(subject);
        }
        let frame = &mut self.frames[p as usize];
        if frame.records > 0 && frame.lines.len() + self.body.len() + 1 > self.config.frame_bytes - FRAME_HEAD {
            self.close_frame(p)?;
        }
        let frame = &mut self.frames[p as usize];
        frame.lines.extend_from_slice(&self.body);
        frame.lines.push(b'\n');
        frame.records += 1;
        if frame.records >= self.config.frame_records { self.close_frame(p) } else { Ok(()) }
    }

    /// Writes a tick into partition `p`'s frame, in the frame's compact
    /// form.
    fn add_framed_tick(&mut self, p: u32, tick: &sluice_core::Tick, at: &Location<'_>) -> Result<(), Error> {
        if self.frames[p as usize].lines.len() + FRAMED_TICK > self.config.frame_bytes - FRAME_HEAD {
            self.close_frame(p)?;
        }
        let frame = &mut self.frames[p as usize];
        let at = frame.at(at);
        wire::encode_frame_tick(tick, &at, &mut frame.lines);
        frame.lines.push(b'\n');
        frame.records += 1;
        if frame.records >= self.config.frame_records { self.close_frame(p) } else { Ok(()) }
    }

    /// Queues partition `p`'s frame, if it holds a record: a head line
    /// `{"frame":1,"records":N,"names":[…]}`, then one record per line.
    /// Frames of a partition go on `SUBJECT.<p>.%` (the token of no single
    /// key).
    fn close_frame(&mut self, p: u32) -> Result<(), Error> {
        let frame = &mut self.frames[p as usize];
        if frame.records == 0 {
            return Ok(());
        }
        let mut head = format!("{{\"frame\":1,\"records\":{},\"names\":", frame.records).into_bytes();
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut head, &frame.names);
        head.extend_from_slice(b"}\n");
        let body = if head.len() <= HEAD_ROOM && frame.lines.len() >= HEAD_ROOM {
            // The head goes into the room left for it before the lines:
            // the frame is handed over without being copied.
            let start = HEAD_ROOM - head.len();
            frame.lines[start..HEAD_ROOM].copy_from_slice(&head);
            let lines = std::mem::replace(&mut frame.lines, Vec::with_capacity(self.config.frame_bytes));
            Bytes::from(lines).slice(start..)
        } else {
            head.extend_from_slice(&frame.lines[HEAD_ROOM.min(frame.lines.len())..]);
            Bytes::from(head)
        };
        frame.lines.clear();
        frame.lines.resize(HEAD_ROOM, b' ');
        frame.names.clear();
        frame.records = 0;
        let subject = match self.config.partitions {
            None => self.config.subject.clone(),
            Some(_) => subject::partitioned(&self.config.subject, p, None),
        };
        self.queue_body(subject, body)
    }

    /// Closes every open frame and publishes what is queued.
    fn publish_all_frames(&mut self) -> Result<(), Error> {
        for p in 0..self.frames.len() as u32 {
            self.close_frame(p)?;
        }
        self.publish(true)
    }

    /// Sends the batch, then waits until the server has stored every
    /// message of the batch sent before it; with `settle`, of this one
    /// too. The server stores one batch while the next is made: waiting
    /// for each batch before making the next left each side idle in turn
    /// (measured, 10M rows in frames of 500: 3.5 s, 2.2 s since; a bare
    /// async-nats loop publishing the same frames, 1.8 s). A failure sends everything unacknowledged again, in
    /// order (see [`NatsSink::resend`]).
    fn publish(&mut self, settle: bool) -> Result<(), Error> {
        if self.batch.is_empty() && (self.in_flight.is_empty() || !settle) {
            return Ok(());
        }
        let NatsSink { conn, batch, in_flight, acks, config, run, .. } = self;
        let Some(conn) = conn.as_ref() else { return Err(Error::new("nats", "the sink was not started")) };
        let ids = config.dedupe.then_some(run.as_str());
        let sent = conn.block_on(async {
            // A connection lost since the last batch is not used again:
            // everything unacknowledged goes again on a new one.
            if conn.client.connection_state() != async_nats::connection::State::Connected {
                return Err("the connection to the server was lost".to_owned());
            }
            let sent = send_all(conn, ids, batch).await?;
            await_all(std::mem::take(acks)).await?;
            match settle {
                true => await_all(sent).await.map(|()| Vec::new()),
                false => Ok(sent),
            }
        });
        match sent {
            Ok(sent) => {
                *acks = sent;
                std::mem::swap(in_flight, batch);
                batch.clear();
                if settle {
                    in_flight.clear();
                }
                self.queued_bytes = 0;
                Ok(())
            }
            Err(failed) => {
                let mut all = std::mem::take(in_flight);
                all.append(batch);
                *batch = all;
                acks.clear();
                self.resend(failed)
            }
        }
    }

    /// Sends the batch again after `failed`, and waits for every
    /// acknowledgement, retrying on a new connection until `retry` has
    /// passed; the messages keep their ids.
    fn resend(&mut self, mut failed: String) -> Result<(), Error> {
        let retry = self.config.retry.0;
        let deadline = Instant::now() + retry;
        let mut pause = Duration::from_millis(100);
        loop {
            let Some(conn) = &self.conn else { return Err(Error::new("nats", "the sink was not started")) };
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.failed = true;
                return Err(conn.error(format!(
                    "{} messages not acknowledged after retrying for {}s: {failed}",
                    self.batch.len(),
                    retry.as_secs()
                )));
            }
            if pause == Duration::from_millis(100) {
                let (n, secs) = (self.batch.len(), left.as_secs());
                sluice_core::notice(
                    "nats",
                    format!("{n} messages not acknowledged ({failed}); retrying for up to {secs}s"),
                );
            }
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(Duration::from_secs(2));
            // The batch goes again on a new connection: what the failed
            // attempt left in the old client's buffer is dropped with it,
            // rather than arriving after the retry, out of order.
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(1));
            self.conn = None;
            let conn = self.conn.insert(Conn::open_in_order("nats", &self.config.url, left)?);
            let ids = self.config.dedupe.then_some(self.run.as_str());
            let batch = &self.batch;
            match conn.block_on(async { await_all(send_all(conn, ids, batch).await?).await }) {
                Ok(()) => break,
                Err(e) => failed = e,
            }
        }
        self.batch.clear();
        self.queued_bytes = 0;
        Ok(())
    }

    /// Connects, and creates the stream if one is named and missing, or
    /// checks that some stream takes the subject. A failure that may pass
    /// (no answer in time: a cluster electing a leader after losing a
    /// server) is tried again on a new connection, with backoff, for up to
    /// `retry`.
    fn connect_and_prepare(&self) -> Result<Conn, Error> {
        let mut backoff = Backoff::new(self.config.retry.0);
        let mut said = false;
        loop {
            let left = backoff.left().max(Duration::from_secs(1));
            let conn = Conn::open_in_order("nats", &self.config.url, left)?;
            match self.prepare(&conn) {
                Ok(()) => return Ok(conn),
                Err((e, true)) if backoff.wait_here() => {
                    if !std::mem::replace(&mut said, true) {
                        let left = backoff.left().as_secs();
                        sluice_core::notice("nats", format!("{e}; trying again for up to {left}s"));
                    }
                }
                Err((e, _)) => return Err(e),
            }
        }
    }

    /// [`NatsSink::connect_and_prepare`]'s one attempt; its error says
    /// whether it may pass.
    fn prepare(&self, conn: &Conn) -> Result<(), (Error, bool)> {
        let wanted = [self.config.subject.clone(), format!("{}.>", self.config.subject)];
        conn.block_on(async {
            match &self.config.stream {
                Some(name) => {
                    let config = stream::Config {
                        name: name.clone(),
                        subjects: wanted.to_vec(),
                        num_replicas: self.config.replicas.unwrap_or(1),
                        ..Default::default()
                    };
                    let mut s = conn.js.get_or_create_stream(config).await.map_err(|e| {
                        let again = crate::work::may_pass(&e);
                        (conn.error(e), again)
                    })?;
                    let info = s.info().await.map_err(|e| {
                        use async_nats::jetstream::context::RequestErrorKind as K;
                        let again = matches!(e.kind(), K::TimedOut | K::NoResponders);
                        (conn.error(e), again)
                    })?;
                    if let Some(wanted) = self.config.replicas
                        && info.config.num_replicas != wanted
                    {
                        return Err((
                            conn.error(format!(
                                "stream {name} exists with {} replicas, not {wanted}; leave replicas out, or name \
                                 another stream",
                                info.config.num_replicas
                            )),
                            false,
                        ));
                    }
                    let has = &info.config.subjects;
                    let needed = if self.config.partitions.is_some() { &wanted[1] } else { &wanted[0] };
                    if !has.iter().any(|s| s == needed) {
                        return Err((
                            conn.error(format!(
                                "stream {name} exists but does not take {needed} (its subjects: {})",
                                has.join(", ")
                            )),
                            false,
                        ));
                    }
                    Ok(())
                }
                None => {
                    let probe = match self.config.partitions {
                        Some(_) => subject::partitioned(&self.config.subject, 0, None),
                        None => self.config.subject.clone(),
                    };
                    conn.js.stream_by_subject(probe.clone()).await.map(drop).map_err(|_| {
                        let why = format!("no stream takes subject {probe}; name one with stream=NAME to create it");
                        (conn.error(why), false)
                    })
                }
            }
        })
    }
}

/// Sends every message; returns the acknowledgements to come. With `run`,
/// each message carries the id `<run>-<n>`.
async fn send_all(conn: &Conn, run: Option<&str>, batch: &[Outgoing]) -> Result<Vec<PublishAckFuture>, String> {
    let mut acks: Vec<PublishAckFuture> = Vec::with_capacity(batch.len());
    for m in batch {
        let mut message = PublishMessage::build().payload(m.body.clone());
        if let Some(run) = run {
            message = message.message_id(format!("{run}-{}", m.id));
        }
        acks.push(conn.js.send_publish(m.subject.clone(), message).await.map_err(|e| e.to_string())?);
    }
    Ok(acks)
}

/// Waits for every acknowledgement of `acks`.
async fn await_all(acks: Vec<PublishAckFuture>) -> Result<(), String> {
    for ack in acks {
        ack.await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A name for this run that another run will not have.
fn run_name() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    format!("{:016x}", h.finish())
}

impl Sink for NatsSink {
    fn name(&self) -> &str {
        "nats"
    }

    fn accepts(&self, _: RecordKind) -> bool {
        true
    }

    fn start(&mut self) -> Result<(), Error> {
        self.conn = Some(self.connect_and_prepare()?);
        Ok(())
    }

    fn send(&mut self, record: &Record<'_>, at: &Location<'_>) -> Result<Flow, Error> {
        let key = match record {
            Record::Tick(t) => t.symbol.as_bytes(),
            Record::Line(l) => l.file.as_bytes(),
        };
        let p = self.config.partitions.map_or(0, |n| subject::partition(key, n));
        self.records += 1;
        match record {
            Record::Tick(t) if self.config.frame_records > 1 => self.add_framed_tick(p, t, at)?,
            _ => {
                self.body.clear();
                wire::encode_record(record, at, &mut self.body);
                self.add(p, Some(key))?;
            }
        }
        Ok(Flow::Continue)
    }

    /// A bad record goes where its symbol goes; without a symbol, to every
    /// partition, all but the first copy marked as echoes.
    fn throw(&mut self, bad: &BadRecord<'_>) -> Result<Flow, Error> {
        self.errors += 1;
        match (self.config.partitions, bad.symbol) {
            (Some(n), None) => {
                for p in 0..n {
                    self.body.clear();
                    wire::encode_bad(bad, p > 0, &mut self.body);
                    self.echoes += u64::from(p > 0);
                    self.add(p, None)?;
                }
            }
            (partitions, symbol) => {
                self.body.clear();
                wire::encode_bad(bad, false, &mut self.body);
                let key = symbol.as_ref().map_or(&[][..], |s| s.as_bytes());
                let p = partitions.map_or(0, |n| subject::partition(key, n));
                self.add(p, Some(key))?;
            }
        }
        Ok(Flow::Continue)
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.publish_all_frames()
    }

    fn close(mut self: Box<Self>) -> Result<SinkReport, Error> {
        // A sink that never connected, or whose publish failed, claims no
        // acknowledgement: the run's error says what happened.
        let acknowledged = self.conn.is_some() && !self.failed;
        if acknowledged {
            self.publish_all_frames()?;
        }
        let c = &self.config;
        let layout = match c.partitions {
            Some(n) => format!("{}.<0..{}>.<key>", c.subject, n - 1),
            None => c.subject.clone(),
        };
        let summary = match (acknowledged, self.conn.is_some()) {
            (true, _) => format!(
                "nats: {} records and {} errors published to {layout} at {}, every message acknowledged",
                self.records, self.errors, c.url
            ),
            (false, true) => format!(
                "nats: {} records and {} errors taken for {layout} at {}; not all acknowledged (the run failed)",
                self.records, self.errors, c.url
            ),
            (false, false) => format!("nats: nothing published: not connected to {}", c.url),
        };
        let mut details = serde_json::Map::new();
        details.insert("url".into(), c.url.clone().into());
        details.insert("subject".into(), c.subject.clone().into());
        details.insert("stream".into(), c.stream.clone().into());
        details.insert("partitions".into(), c.partitions.into());
        details.insert("records".into(), self.records.into());
        details.insert("errors".into(), self.errors.into());
        details.insert("echoes".into(), self.echoes.into());
        Ok(SinkReport { sink: "nats".into(), summary, details, appendices: Vec::new() })
    }
}
