//! The NATS part of the bench: a server of its own, and the publish loop a
//! user would write directly with async-nats.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A `nats-server -js` on a free loopback port, stopped when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    _store: TempDir,
}

/// A directory removed when dropped (xtask has no tempfile crate).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `nats-server` is, if installed (Debian puts it in /usr/sbin).
pub fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("nats-server"))
        .chain([PathBuf::from("/usr/sbin/nats-server")])
        .find(|p| p.is_file())
}

/// Starts a server with a store under target/data.
pub fn start(bin: &PathBuf) -> anyhow::Result<Server> {
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let store = crate::generate::data_dir().join(format!("nats-store-{port}"));
    std::fs::create_dir_all(&store)?;
    let child = Command::new(bin)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string()])
        .arg("-sd")
        .arg(&store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting nats-server")?;
    let server = Server { child, url: format!("nats://127.0.0.1:{port}"), _store: TempDir(store) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("nats-server did not listen within 10s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(server)
}

/// The publish loop written directly: the csv crate reads each row, serde_json
/// writes it as a message, async-nats publishes it to JetStream, and the
/// acknowledgements are awaited every 256 messages, as the sink does.
pub fn baseline(args: &[String]) -> anyhow::Result<()> {
    #[derive(serde::Serialize)]
    struct Tick<'a> {
        kind: &'static str,
        time: &'a str,
        symbol: &'a str,
        price: &'a str,
        volume: &'a str,
    }
    let [file, url, subject, stream] = args else { bail!("usage: cargo xtask nats-baseline FILE URL SUBJECT STREAM") };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    rt.block_on(async {
        let client = async_nats::connect(url.as_str()).await?;
        let js = async_nats::jetstream::new(client);
        let config = async_nats::jetstream::stream::Config {
            name: stream.clone(),
            subjects: vec![subject.clone()],
            ..Default::default()
        };
        js.get_or_create_stream(config).await?;
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_path(file)?;
        let mut rec = csv::StringRecord::new();
        let mut acks = Vec::with_capacity(256);
        while rdr.read_record(&mut rec)? {
            let tick = Tick { kind: "tick", time: &rec[0], symbol: &rec[1], price: &rec[2], volume: &rec[3] };
            let body = serde_json::to_vec(&tick)?;
            acks.push(js.publish(subject.clone(), body.into()).await?);
            if acks.len() == 256 {
                for ack in acks.drain(..) {
                    ack.await?;
                }
            }
        }
        for ack in acks {
            ack.await?;
        }
        anyhow::Ok(())
    })
}
