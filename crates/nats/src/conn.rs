//! A connection to a NATS server, driven from sluice's own thread.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use sluice_core::Error;

/// A client and the runtime its connection lives on. The runtime has one
/// worker thread of its own, so the connection keeps answering the server
/// while the pipeline is busy between calls.
pub struct Conn {
    rt: tokio::runtime::Runtime,
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub url: String,
    component: &'static str,
}

impl Conn {
    /// Connects, retrying with backoff for up to `retry`; once connected,
    /// the client reconnects by itself when its server goes.
    pub fn open(component: &'static str, url: &str, retry: Duration) -> Result<Conn, Error> {
        Conn::connect(component, url, retry, true)
    }

    /// [`Conn::open`] for a publisher that keeps its messages in order: a
    /// client that reconnected by itself would send what it still held
    /// (messages after some the lost server never stored) before the
    /// publisher knows, and they would be stored first. This one stays
    /// down; the publisher sends again, in order, on a connection of its
    /// own.
    pub fn open_in_order(component: &'static str, url: &str, retry: Duration) -> Result<Conn, Error> {
        Conn::connect(component, url, retry, false)
    }

    fn connect(component: &'static str, url: &str, retry: Duration, reconnect: bool) -> Result<Conn, Error> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("sluice-nats")
            .enable_all()
            .build()
            .map_err(|e| Error::io(component, "starting the NATS client", e))?;
        // Several servers of a cluster, separated by commas: the client
        // connects to one and moves to another when it goes.
        let servers: Vec<async_nats::ServerAddr> = url
            .split(',')
            .map(|u| u.trim().parse().map_err(|e| Error::new(component, format!("`{u}` is not a server address: {e}"))))
            .collect::<Result<_, _>>()?;
        let connected = Arc::new(AtomicBool::new(false));
        let client = rt.block_on(async {
            let (mut backoff, mut said) = (Backoff::new(retry), None);
            loop {
                let options = async_nats::ConnectOptions::new().connection_timeout(Duration::from_secs(2));
                // Once connected, the client reconnects by itself; how long
                // sluice waits for it is bounded by `retry` at each call.
                // Without, it waits longer than any run before trying: the
                // wait also paces a first connection's tries of a
                // cluster's servers, which stays short.
                let options = match reconnect {
                    true => options.max_reconnects(None),
                    false => {
                        let connected = Arc::clone(&connected);
                        options.reconnect_delay_callback(move |attempt| match connected.load(Ordering::Relaxed) {
                            true => Duration::from_secs(365 * 86400),
                            false => Duration::from_millis(100 * attempt.min(10) as u64),
                        })
                    }
                };
                let attempt = options.connect(servers.as_slice()).await;
                match attempt {
                    Ok(c) => break Ok(c),
                    Err(e) => {
                        // Said at the first failure and every 5 s after, so
                        // that the wait is not taken for a hang.
                        if said.is_none_or(|at: Instant| at.elapsed() >= Duration::from_secs(5)) {
                            let left = backoff.left().as_secs_f64().ceil();
                            sluice_core::notice(
                                component,
                                format!("cannot connect to {url} ({e}); trying again for up to {left}s"),
                            );
                            said = Some(Instant::now());
                        }
                        if !backoff.wait().await {
                            break Err(Error::new(
                                component,
                                format!("cannot connect to {url} (tried for {}s): {e}", retry.as_secs()),
                            ));
                        }
                    }
                }
            }
        })?;
        connected.store(true, Ordering::Relaxed);
        // The JetStream context starts a task of its own: on this runtime.
        let mut js = {
            let _inside = rt.enter();
            jetstream::new(client.clone())
        };
        js.set_timeout(Duration::from_secs(5));
        Ok(Conn { rt, client, js, url: url.to_owned(), component })
    }

    /// Runs `f` to completion on the connection's runtime.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Runs `f` on the connection's runtime, beside whatever the caller
    /// does next.
    pub fn spawn<F>(&self, f: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt.spawn(f)
    }

    /// An error of this component naming the server.
    pub fn error(&self, what: impl std::fmt::Display) -> Error {
        Error::new(self.component, format!("{}: {what}", self.url))
    }
}

/// Exponential backoff, from 100 ms up to 2 s a wait, within a deadline.
pub struct Backoff {
    deadline: Instant,
    next: Duration,
}

impl Backoff {
    pub fn new(limit: Duration) -> Backoff {
        Backoff { deadline: Instant::now() + limit, next: Duration::from_millis(100) }
    }

    /// Time left before the deadline.
    pub fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Waits before the next attempt; `false` once the deadline has passed.
    pub async fn wait(&mut self) -> bool {
        match self.pace() {
            Some(pause) => {
                tokio::time::sleep(pause).await;
                true
            }
            None => false,
        }
    }

    /// [`Backoff::wait`] on a thread without a runtime.
    pub fn wait_here(&mut self) -> bool {
        self.pace().map(std::thread::sleep).is_some()
    }

    /// The next pause, or `None` once the deadline has passed.
    fn pace(&mut self) -> Option<Duration> {
        let now = Instant::now();
        if now >= self.deadline {
            return None;
        }
        let pause = self.next.min(self.deadline - now);
        self.next = (self.next * 2).min(Duration::from_secs(2));
        Some(pause)
    }
}
