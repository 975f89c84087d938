//! The `nats` source: a durable pull consumer, acknowledged only after the
//! sinks have taken and flushed what it read.

use std::collections::VecDeque;
use std::time::Duration;

use async_nats::jetstream::Message;
use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
use futures_util::StreamExt;
use sluice_core::{BadKind, BadRecord, Error, Line, Location, Pull, Record, RecordKind, Source};

use crate::config::{NatsSourceConfig, Records};
use crate::conn::{Backoff, Conn};
use crate::wire::{At, Decoded, Kind, WireError};
use crate::{subject, wire};

/// How long a caught-up source waits for a message before it reports
/// itself idle (and the bridge commits and looks for a stop request).
const IDLE_WAIT: Duration = Duration::from_millis(500);
/// The longest one attempt may take: past it the source says it is idle,
/// so that the bridge looks for a stop request. A fetch from a server that
/// died can wait forever (a reader killed its server, and Ctrl-C waited).
const ATTEMPT_LIMIT: Duration = Duration::from_secs(2);

/// Longest a commit's acknowledgements go without the server confirming
/// them (see [`NatsSource::commit`]).
const CONFIRM_EVERY: Duration = Duration::from_millis(100);

/// Reads a stream, or one partition of it, through a durable consumer.
pub struct NatsSource {
    config: NatsSourceConfig,
    /// `nats:STREAM`, where an undecodable message is said to be.
    label: String,
    link: Option<Link>,
    /// Fetched, not yet handed out.
    queue: VecDeque<Message>,
    /// Handed out, not yet acknowledged.
    pending: Vec<Message>,
    /// Scratch for the record handed out: its file (or source) name and
    /// its bytes.
    name: String,
    bytes: Vec<u8>,
    /// Messages delivered again that this reader had not handed out.
    redelivered: u64,
    /// The stream sequences of the messages whose records this reader
    /// handed out last, and how many of them came again and were dropped:
    /// a server lost before their acknowledgement reached the stream makes
    /// it deliver them again, and their records are already in the sinks.
    handled: Handled,
    dropped_again: u64,
    /// When the server last confirmed the acknowledgements, and whether
    /// some were sent since.
    confirmed: std::time::Instant,
    unconfirmed: bool,
    /// The frame being unpacked: acknowledged (moved to `pending`) only
    /// once every record in it has been pulled.
    frame: Option<Unpacking>,
    done: bool,
    /// Failed attempts since the last good one: the retry's deadline and
    /// pace, kept across pulls.
    backoff: Option<Backoff>,
    /// The wait for a stream not created yet was said.
    waiting_said: bool,
    /// Messages handed out whose acknowledgement got no answer in time.
    unacknowledged: usize,
}

struct Link {
    conn: Conn,
    consumer: PullConsumer,
}

/// A frame's message, where its next record starts, and how many records
/// its head says it holds and were found so far.
struct Unpacking {
    message: Message,
    /// The names its ticks refer to.
    names: Vec<String>,
    seq: u64,
    at: usize,
    said: u64,
    found: u64,
}

/// The last [`Handled::KEEP`] stream sequences handed out.
#[derive(Default)]
struct Handled {
    order: VecDeque<u64>,
    set: std::collections::HashSet<u64>,
}

impl Handled {
    /// About a megabyte: with frames, tens of millions of records.
    const KEEP: usize = 32 * 1024;

    fn insert(&mut self, seq: u64) {
        if self.set.insert(seq) {
            self.order.push_back(seq);
            if self.order.len() > Handled::KEEP
                && let Some(old) = self.order.pop_front()
            {
                self.set.remove(&old);
            }
        }
    }

    fn contains(&self, seq: u64) -> bool {
        self.set.contains(&seq)
    }
}

/// A frame's head line: `{"frame":VERSION,"records":N}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameHead {
    frame: u32,
    records: u64,
    #[serde(default)]
    names: Vec<String>,
}

/// The version of frames this build writes and reads.
const FRAME_VERSION: u32 = 1;

impl NatsSource {
    /// Checks the options; the server is reached at the first pull.
    pub fn new(config: NatsSourceConfig) -> Result<NatsSource, sluice_core::config::ConfigError> {
        config.validate()?;
        Ok(NatsSource {
            label: format!("nats:{}", config.stream),
            config,
            link: None,
            queue: VecDeque::new(),
            pending: Vec::new(),
            name: String::new(),
            bytes: Vec::new(),
            redelivered: 0,
            handled: Handled::default(),
            dropped_again: 0,
            frame: None,
            confirmed: std::time::Instant::now(),
            unconfirmed: false,
            done: false,
            backoff: None,
            waiting_said: false,
            unacknowledged: 0,
        })
    }

    /// Connects and binds the durable consumer, created on first use. A
    /// failure that may pass (no answer in time: a cluster electing a new
    /// leader after losing a server) says so with `Again::Within`; a stream
    /// not created yet, which a follower waits for, with `Again::Forever`.
    fn link(&self) -> Result<Link, (Error, Again)> {
        let c = &self.config;
        let conn = Conn::open("nats", &c.url, c.retry.0).map_err(|e| (e, Again::Never))?;
        let request = |e: async_nats::jetstream::context::RequestError| {
            use async_nats::jetstream::context::RequestErrorKind as K;
            let again = matches!(e.kind(), K::TimedOut | K::NoResponders);
            (conn.error(e), Again::within(again))
        };
        let consumer = conn.block_on(async {
            let mut stream = conn.js.get_stream(&c.stream).await.map_err(|e| {
                use async_nats::jetstream::context::GetStreamErrorKind as K;
                let missing = match e.kind() {
                    K::JetStream(j) => j.error_code() == async_nats::jetstream::ErrorCode::STREAM_NOT_FOUND,
                    _ => false,
                };
                match (missing, c.follow) {
                    (true, true) => (conn.error(format!("stream {} does not exist yet", c.stream)), Again::Forever),
                    (true, false) => (
                        conn.error(format!(
                            "stream {} does not exist: start its producer first, or set follow=true to wait for it",
                            c.stream
                        )),
                        Again::Never,
                    ),
                    _ => (
                        conn.error(format!("stream {}: {e}", c.stream)),
                        Again::within(!matches!(e.kind(), K::JetStream(_))),
                    ),
                }
            })?;
            let info = stream.info().await.map_err(request)?;
            let filter = match c.partition {
                None => String::new(),
                Some(p) => {
                    let base = match &c.subject {
                        Some(s) => s.clone(),
                        None => info.config.subjects.first().map(|s| s.trim_end_matches(".>").to_owned()).ok_or_else(
                            || (conn.error(format!("stream {} has no subjects", c.stream)), Again::Never),
                        )?,
                    };
                    subject::partition_filter(&base, p)
                }
            };
            let config = pull::Config {
                durable_name: Some(c.durable.clone()),
                filter_subject: filter.clone(),
                ack_policy: AckPolicy::Explicit,
                ack_wait: c.ack_wait.0,
                max_ack_pending: (2 * c.batch as i64).max(1000),
                ..Default::default()
            };
            let mut consumer: PullConsumer = stream.get_or_create_consumer(&c.durable, config).await.map_err(|e| {
                use async_nats::jetstream::stream::ConsumerErrorKind as K;
                let again = matches!(e.kind(), K::TimedOut | K::Request);
                (conn.error(e), Again::within(again))
            })?;
            let bound =
                consumer.info().await.map_err(|e| (conn.error(e), Again::Within))?.config.filter_subject.clone();
            if bound != filter {
                let shown = |s: &str| if s.is_empty() { "the whole stream".to_owned() } else { s.to_owned() };
                return Err((
                    conn.error(format!(
                        "durable {} already reads {}, not {}; name another durable",
                        c.durable,
                        shown(&bound),
                        shown(&filter)
                    )),
                    Again::Never,
                ));
            }
            Ok(consumer)
        })?;
        Ok(Link { conn, consumer })
    }

    /// A message all of whose records were handed out: to acknowledge at
    /// the next commit, and remembered, so that a copy delivered again is
    /// dropped.
    fn handed(&mut self, message: Message) {
        if let Ok(info) = message.info() {
            self.handled.insert(info.stream_sequence);
        }
        self.pending.push(message);
    }

    /// Fills the queue. `Some(pull)` when there is nothing to hand out now.
    fn refill(&mut self) -> Result<Option<Pull<'static>>, Error> {
        let Some(link) = &mut self.link else { return Ok(Some(Pull::End)) };
        let (batch, follow, retry) = (self.config.batch, self.config.follow, self.config.retry.0);
        let queue = &mut self.queue;
        let waiting = !self.pending.is_empty();
        let backoff = &mut self.backoff;
        // One attempt per pull, and after a failure one wait of the retry's
        // pace: between them the source is idle, so the bridge sees Ctrl-C.
        link.conn.block_on(async {
            let attempt = next(&mut link.consumer, batch, follow, waiting, queue);
            let result = match tokio::time::timeout(ATTEMPT_LIMIT, attempt).await {
                Ok(result) => result,
                Err(_) => Err("no answer within 2 s".to_owned()),
            };
            if result.is_ok() {
                *backoff = None;
            }
            match result {
                Ok(Refill::Got) => Ok(None),
                Ok(Refill::Idle) => Ok(Some(Pull::Idle)),
                Ok(Refill::End) => Ok(Some(Pull::End)),
                Err(e) => {
                    if !backoff.get_or_insert_with(|| Backoff::new(retry)).wait().await {
                        return Err(link.conn.error(format!("reading the stream: {e}")));
                    }
                    Ok(Some(Pull::Idle))
                }
            }
        })
    }
}

/// Whether a failure to bind the consumer may pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Again {
    /// It will not: the run ends.
    Never,
    /// It may, within the `retry` time.
    Within,
    /// The stream is not created yet, and a follower waits for it as long
    /// as it takes.
    Forever,
}

impl Again {
    fn within(may: bool) -> Again {
        if may { Again::Within } else { Again::Never }
    }
}

/// How often a follower looks for a stream not created yet.
const STREAM_WAIT: Duration = Duration::from_millis(500);

/// What a refill found.
enum Refill {
    /// Messages are queued.
    Got,
    /// None for now.
    Idle,
    /// The stream is read to its end.
    End,
}

/// One attempt at filling the queue.
async fn next(
    consumer: &mut PullConsumer,
    batch: usize,
    follow: bool,
    waiting: bool,
    queue: &mut VecDeque<Message>,
) -> Result<Refill, String> {
    if fetch(consumer, batch, None, queue).await? > 0 {
        return Ok(Refill::Got);
    }
    if waiting {
        // What was handed out is acknowledged before anything waits.
        return Ok(Refill::Idle);
    }
    if !follow {
        let info = consumer.info().await.map_err(|e| e.to_string())?;
        if info.num_pending == 0 && info.num_ack_pending == 0 {
            return Ok(Refill::End);
        }
        // Messages another reader took and never acknowledged come back
        // after ack_wait: they are waited for, a moment at a time.
    }
    Ok(if fetch(consumer, batch, Some(IDLE_WAIT), queue).await? > 0 { Refill::Got } else { Refill::Idle })
}

/// Fetches up to `batch` messages into `queue`: what is there now, or what
/// arrives within `wait`. Returns how many came.
async fn fetch(
    consumer: &PullConsumer,
    batch: usize,
    wait: Option<Duration>,
    queue: &mut VecDeque<Message>,
) -> Result<usize, String> {
    let mut messages = match wait {
        None => consumer.fetch().max_messages(batch).messages().await.map_err(|e| e.to_string())?,
        Some(w) => consumer.batch().max_messages(batch).expires(w).messages().await.map_err(|e| e.to_string())?,
    };
    let mut n = 0;
    while let Some(m) = messages.next().await {
        queue.push_back(m.map_err(|e| e.to_string())?);
        n += 1;
    }
    Ok(n)
}

impl Source for NatsSource {
    fn name(&self) -> &str {
        "nats"
    }

    fn emits(&self) -> RecordKind {
        self.config.records.kind()
    }

    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        if self.done {
            return Ok(Pull::End);
        }
        if self.link.is_none() {
            match self.link() {
                Ok(link) => self.link = Some(link),
                // Tried again at the next pull, after one wait of the retry's
                // pace: meanwhile the source is idle and Ctrl-C is heard.
                Err((e, Again::Within)) => {
                    let retry = self.config.retry.0;
                    return match self.backoff.get_or_insert_with(|| Backoff::new(retry)).wait_here() {
                        true => Ok(Pull::Idle),
                        false => Err(e),
                    };
                }
                // A follower started before its producer waits, and says so
                // once, instead of failing.
                Err((_, Again::Forever)) => {
                    if !std::mem::replace(&mut self.waiting_said, true) {
                        let stream = &self.config.stream;
                        sluice_core::notice(
                            "nats",
                            format!("stream {stream} does not exist yet; waiting for it (follow=true)"),
                        );
                    }
                    std::thread::sleep(STREAM_WAIT);
                    return Ok(Pull::Idle);
                }
                Err((e, Again::Never)) => return Err(e),
            }
        }
        loop {
            if let Some(f) = &mut self.frame {
                let body = &f.message.payload;
                if f.at < body.len() {
                    let end = memchr::memchr(b'\n', &body[f.at..]).map_or(body.len(), |i| f.at + i);
                    let line = f.at..end;
                    f.at = end + 1;
                    f.found += 1;
                    let echo =
                        self.config.partition.is_none() && body[line.start] == b'{' && is_echo(&body[line.clone()]);
                    // The frame is to be acknowledged as its last record is
                    // handed out, not at the next pull: a commit may come
                    // between, and after the last record none other would.
                    if f.at >= body.len() {
                        let message = f.message.clone();
                        self.handed(message);
                    }
                    // Echoes are bad records, written as JSON objects.
                    if echo {
                        continue;
                    }
                    let NatsSource { frame, name, bytes, label, config, .. } = self;
                    let Some(f) = frame.as_ref() else { return Ok(Pull::End) };
                    let body = &f.message.payload[line];
                    if body.first() == Some(&b'T') && config.records == Records::Ticks {
                        return Ok(framed_tick(body, f, label));
                    }
                    return Ok(decode(body, f.seq, config.records, label, name, bytes));
                }
                if f.said != f.found {
                    let (said, found) = (f.said, f.found);
                    // Said once; the frame goes at the next pull.
                    f.said = found;
                    let NatsSource { frame, label, .. } = self;
                    let Some(f) = frame.as_ref() else { return Ok(Pull::End) };
                    return Ok(Pull::Bad(BadRecord {
                        kind: BadKind::Message,
                        reason: format!("a frame said it held {said} records and held {found}"),
                        location: Location::Seq { source: label, seq: f.seq },
                        raw: &f.message.payload,
                        symbol: None,
                        echo: false,
                    }));
                }
                self.frame = None;
            }
            let Some(message) = self.queue.pop_front() else {
                match self.refill()? {
                    None => continue,
                    Some(Pull::End) => {
                        self.done = true;
                        return Ok(Pull::End);
                    }
                    Some(other) => return Ok(other),
                }
            };
            let (delivered, seq) = message.info().map(|i| (i.delivered, i.stream_sequence)).unwrap_or((1, 0));
            if self.handled.contains(seq) {
                // Its records were handed out already: acknowledged
                // again, not handed out twice. Whatever its count of
                // deliveries: a server killed and started again may have
                // lost the consumer's progress, and deliver again as new
                // what this reader handled.
                self.dropped_again += 1;
                self.pending.push(message);
                continue;
            }
            self.redelivered += u64::from(delivered > 1);
            if message.payload.starts_with(b"{\"frame\":") {
                let head_end = memchr::memchr(b'\n', &message.payload).unwrap_or(message.payload.len());
                match serde_json::from_slice::<FrameHead>(&message.payload[..head_end]) {
                    Ok(head) if head.frame == FRAME_VERSION => {
                        let (at, said, names) = (head_end + 1, head.records, head.names);
                        if at >= message.payload.len() {
                            // A frame of no records is acknowledged at once.
                            self.handed(message.clone());
                        }
                        self.frame = Some(Unpacking { message, names, seq, at, said, found: 0 });
                        continue;
                    }
                    result => {
                        let reason = match result {
                            Ok(head) => format!(
                                "a frame of version {}, which this sluice does not read (it reads {FRAME_VERSION}): \
                                 upgrade sluice",
                                head.frame
                            ),
                            Err(e) => format!("a frame whose head is unreadable: {e}"),
                        };
                        self.handed(message);
                        let NatsSource { pending, label, .. } = self;
                        let Some(last) = pending.last() else { return Ok(Pull::End) };
                        return Ok(Pull::Bad(BadRecord {
                            kind: BadKind::Message,
                            reason,
                            location: Location::Seq { source: label, seq },
                            raw: &last.payload,
                            symbol: None,
                            echo: false,
                        }));
                    }
                }
            }
            let echo = self.config.partition.is_none() && is_echo(&message.payload);
            if echo {
                // The whole stream holds the original too: this copy is only
                // for partitioned readers.
                if let Some(link) = &self.link {
                    link.conn.block_on(message.ack()).map_err(|e| link.conn.error(format!("acknowledging: {e}")))?;
                }
                continue;
            }
            self.handed(message);
            let NatsSource { pending, name, bytes, label, config, .. } = self;
            let Some(last) = pending.last() else { return Ok(Pull::End) };
            return Ok(decode(&last.payload, seq, config.records, label, name, bytes));
        }
    }

    fn is_live(&self) -> bool {
        self.config.follow
    }

    fn commit_every(&self) -> Option<u64> {
        Some(self.config.batch as u64)
    }

    /// Acknowledges every message handed out. The client sends the
    /// acknowledgements at once; waiting for the server to confirm them (a
    /// round trip) is done at most every 100 ms, and when the
    /// source is dropped: with frames, one round trip per commit was most
    /// of a worker's time.
    fn commit(&mut self) -> Result<(), Error> {
        let Some(link) = &self.link else { return Ok(()) };
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = &self.pending;
        let confirm = self.confirmed.elapsed() >= CONFIRM_EVERY;
        // Bounded: a client whose server is gone waits for it to come back,
        // and a reader waiting there heard no Ctrl-C.
        let acked = link.conn.block_on(async {
            let acks = async {
                for m in pending {
                    m.ack().await?;
                }
                if confirm {
                    link.conn.client.flush().await?;
                }
                Ok::<(), async_nats::Error>(())
            };
            tokio::time::timeout(ATTEMPT_LIMIT, acks).await
        });
        match acked {
            Ok(result) => result.map_err(|e| {
                link.conn.error(format!(
                    "acknowledging {} messages failed ({e}); the server will deliver them again",
                    pending.len()
                ))
            })?,
            // No answer: they are acknowledged again at the next commit,
            // and said at the end if they never were.
            Err(_) => {
                if self.unacknowledged == 0 {
                    let n = self.pending.len();
                    sluice_core::notice(
                        "nats",
                        format!("no answer to {n} acknowledgements; tried again at each commit, else delivered again"),
                    );
                }
                self.unacknowledged = self.pending.len();
                return Ok(());
            }
        }
        self.unacknowledged = 0;
        self.pending.clear();
        self.unconfirmed = !confirm;
        if confirm {
            self.confirmed = std::time::Instant::now();
        }
        Ok(())
    }

    fn warnings(&mut self) -> Vec<String> {
        let mut said = Vec::new();
        if self.unacknowledged > 0 {
            said.push(format!(
                "nats: {} messages handled could not be acknowledged (no answer from the server); it will deliver \
                 them again",
                self.unacknowledged
            ));
        }
        let again = self.redelivered;
        if again > 0 {
            said.push(format!(
                "nats: {again} messages were delivered again (a reader stopped before acknowledging them)"
            ));
        }
        if self.dropped_again > 0 {
            said.push(format!(
                "nats: {} messages this reader had handled came again (their acknowledgement was lost) and were \
                 dropped",
                self.dropped_again
            ));
        }
        said
    }
}

impl Drop for NatsSource {
    /// The last acknowledgements are confirmed before the connection goes,
    /// so that a clean end leaves nothing to deliver again.
    fn drop(&mut self) {
        if let (true, Some(link)) = (self.unconfirmed, &self.link) {
            let _ = link.conn.block_on(async { tokio::time::timeout(ATTEMPT_LIMIT, link.conn.client.flush()).await });
        }
    }
}

/// A tick line of frame `f` (see [`wire::encode_frame_tick`]); one that
/// does not read is a bad record.
fn framed_tick<'a>(line: &'a [u8], f: &'a Unpacking, label: &'a str) -> Pull<'a> {
    let bad = |reason: String| {
        Pull::Bad(BadRecord {
            kind: BadKind::Message,
            reason,
            location: Location::Seq { source: label, seq: f.seq },
            raw: line,
            symbol: None,
            echo: false,
        })
    };
    match wire::decode_frame_tick(line) {
        Ok((tick, at)) => match f.names.get(at.name as usize) {
            Some(name) if at.seq => Pull::Record(Record::Tick(tick), Location::Seq { source: name, seq: at.number }),
            Some(name) => Pull::Record(Record::Tick(tick), Location::FileLine { file: name, line: at.number }),
            None => bad(format!("a framed tick names file {} of the frame's {}", at.name, f.names.len())),
        },
        Err(e) => bad(e.to_string()),
    }
}

/// Whether a message is an echo, without decoding all of it. Text inside a
/// message has its quotes escaped, so only the field itself can match.
fn is_echo(body: &[u8]) -> bool {
    memchr::memmem::find(body, b"\"echo\":true").is_some()
}

/// Turns one message body into what a pull gives; a message that is not a
/// record of the expected kind is a bad record.
fn decode<'a>(
    body: &'a [u8],
    seq: u64,
    records: Records,
    label: &'a str,
    name: &'a mut String,
    bytes: &'a mut Vec<u8>,
) -> Pull<'a> {
    let unreadable = |why: WireError| {
        Pull::Bad(BadRecord {
            kind: BadKind::Message,
            reason: why.to_string(),
            location: Location::Seq { source: label, seq },
            raw: body,
            symbol: None,
            echo: false,
        })
    };
    let d = match Decoded::parse(body) {
        Ok(d) => d,
        Err(e) => return unreadable(e),
    };
    let expected = match records {
        Records::Ticks => Kind::Tick,
        Records::Lines => Kind::Line,
    };
    if d.kind != expected && d.kind != Kind::Bad {
        let found = format!("{:?}", d.kind).to_lowercase();
        return unreadable(WireError::WrongKind { found, read_as: records.to_string() });
    }
    match d.kind {
        Kind::Tick => match d.tick() {
            Ok(tick) => Pull::Record(Record::Tick(tick), location(&d, name)),
            Err(e) => unreadable(e),
        },
        Kind::Line => {
            if let Err(e) = d.bytes_into(bytes) {
                return unreadable(e);
            }
            name.clear();
            name.push_str(d.file.as_deref().unwrap_or(""));
            let (file, number) = (&**name, d.line.unwrap_or(0));
            let line = Line { bytes, file, number, offset: d.offset.unwrap_or(0) };
            Pull::Record(Record::Line(line), Location::FileLine { file, line: number })
        }
        Kind::Bad => {
            if let Err(e) = d.bytes_into(bytes) {
                return unreadable(e);
            }
            Pull::Bad(BadRecord {
                kind: d.error.unwrap_or(BadKind::Message),
                reason: d.reason.as_deref().unwrap_or_default().to_owned(),
                location: location(&d, name),
                raw: bytes,
                symbol: d.symbol.as_deref().and_then(|s| s.parse().ok()),
                echo: d.echo,
            })
        }
    }
}

/// Where the producer read the record, its name kept in `name`.
fn location<'n>(d: &Decoded<'_>, name: &'n mut String) -> Location<'n> {
    name.clear();
    match &d.at {
        Some(At::File { file, line }) => {
            name.push_str(file);
            Location::FileLine { file: name, line: *line }
        }
        Some(At::Seq { source, seq }) => {
            name.push_str(source);
            Location::Seq { source: name, seq: *seq }
        }
        None => Location::FileLine { file: name, line: d.line.unwrap_or(0) },
    }
}
