//! A real `nats-server -js` for tests and benchmarks: free loopback ports,
//! a store of its own, stopped when dropped; and a cluster of three.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server with JetStream and a monitoring port.
pub struct NatsServer {
    bin: PathBuf,
    child: Child,
    port: u16,
    monitor: u16,
    store: tempfile::TempDir,
    /// The options that make it one of a cluster's servers.
    cluster: Vec<String>,
}

impl NatsServer {
    /// Where `nats-server` is installed, if it is: on the PATH, or in
    /// /usr/sbin where Debian puts it (not on every user's PATH).
    pub fn binary() -> Option<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .map(|d| d.join("nats-server"))
            .chain([PathBuf::from("/usr/sbin/nats-server")])
            .find(|p| p.is_file())
    }

    /// Starts `bin` with its store in a new directory under `store_in` (the
    /// system's temporary directory for `None`), and waits until it
    /// listens.
    pub fn start(bin: &Path, store_in: Option<&Path>) -> io::Result<NatsServer> {
        let store = match store_in {
            Some(dir) => tempfile::tempdir_in(dir)?,
            None => tempfile::tempdir()?,
        };
        let server = NatsServer::spawn(bin, free_port()?, store, Vec::new())?;
        server.wait_listening()?;
        Ok(server)
    }

    fn spawn(bin: &Path, port: u16, store: tempfile::TempDir, cluster: Vec<String>) -> io::Result<NatsServer> {
        let monitor = free_port()?;
        let child = spawn(bin, port, monitor, store.path(), &cluster)?;
        Ok(NatsServer { bin: bin.to_owned(), child, port, monitor, store, cluster })
    }

    /// A server in the temporary directory, or `None`, saying on stderr
    /// that the test is skipped, when none is installed. Panics instead
    /// when `SLUICE_REQUIRE_NATS` is set (CI installs the server).
    pub fn start_or_skip() -> Option<NatsServer> {
        let bin = binary_or_skip()?;
        Some(NatsServer::start(&bin, None).expect("nats-server starts and listens"))
    }

    /// The client URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// A monitoring endpoint's JSON (`/jsz?consumers=true`).
    pub fn monitor(&self, path: &str) -> serde_json::Value {
        self.try_monitor(path).expect("the monitor port answers with JSON")
    }

    /// [`NatsServer::monitor`], `None` when the server does not answer (it
    /// was killed).
    pub fn try_monitor(&self, path: &str) -> Option<serde_json::Value> {
        let mut s = TcpStream::connect(("127.0.0.1", self.monitor)).ok()?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        let body = text.split_once("\r\n\r\n")?.1;
        serde_json::from_str(body).ok()
    }

    /// Kills the server outright (SIGKILL), leaves it down for `down`, and
    /// starts it again on the same ports with the same store.
    pub fn crash_and_restart(&mut self, down: Duration) -> io::Result<()> {
        self.crash()?;
        std::thread::sleep(down);
        self.child = spawn(&self.bin, self.port, self.monitor, self.store.path(), &self.cluster)?;
        self.wait_listening()
    }

    /// Kills the server outright (SIGKILL), and leaves it down.
    pub fn crash(&mut self) -> io::Result<()> {
        self.child.kill()?;
        self.child.wait().map(drop)
    }

    fn wait_listening(&self) -> io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err()
            || TcpStream::connect(("127.0.0.1", self.monitor)).is_err()
        {
            if Instant::now() > deadline {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "nats-server did not listen within 10s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `nats-server` is installed, or `None`, saying on stderr that the
/// test is skipped; panics instead when `SLUICE_REQUIRE_NATS` is set.
fn binary_or_skip() -> Option<PathBuf> {
    let bin = NatsServer::binary();
    if bin.is_none() {
        assert!(
            std::env::var_os("SLUICE_REQUIRE_NATS").is_none(),
            "nats-server is not installed, and SLUICE_REQUIRE_NATS says it must be (apt-get install nats-server)"
        );
        crate::skipped("nats-server is not installed (apt-get install nats-server)");
    }
    bin
}

fn spawn(bin: &Path, port: u16, monitor: u16, store: &Path, cluster: &[String]) -> io::Result<Child> {
    Command::new(bin)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-m", &monitor.to_string()])
        .arg("-sd")
        .arg(store)
        .args(cluster)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

/// A loopback port free at the time of asking.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Three `nats-server -js` on loopback, joined by routes into one JetStream
/// cluster, each with a store of its own; stopped when dropped.
pub struct NatsCluster {
    /// The servers, `n0`, `n1` and `n2`.
    pub nodes: Vec<NatsServer>,
}

impl NatsCluster {
    /// A cluster of three once JetStream has elected its leader, or `None`
    /// as [`NatsServer::start_or_skip`] says.
    pub fn start_or_skip() -> Option<NatsCluster> {
        let bin = binary_or_skip()?;
        Some(NatsCluster::start(&bin).expect("three nats-servers start and form a cluster"))
    }

    /// Starts three servers on free ports, and waits until they listen and
    /// JetStream has a leader among them.
    pub fn start(bin: &Path) -> io::Result<NatsCluster> {
        let ports: Vec<(u16, u16)> = (0..3).map(|_| Ok((free_port()?, free_port()?))).collect::<io::Result<_>>()?;
        let routes: Vec<String> = ports.iter().map(|(_, route)| format!("nats://127.0.0.1:{route}")).collect();
        let mut nodes = Vec::new();
        for (i, &(port, route)) in ports.iter().enumerate() {
            let cluster = vec![
                "-n".to_owned(),
                format!("n{i}"),
                "--cluster_name".to_owned(),
                "sluice-test".to_owned(),
                "--cluster".to_owned(),
                format!("nats://127.0.0.1:{route}"),
                "--routes".to_owned(),
                routes.join(","),
            ];
            nodes.push(NatsServer::spawn(bin, port, tempfile::tempdir()?, cluster)?);
        }
        for node in &nodes {
            node.wait_listening()?;
        }
        let cluster = NatsCluster { nodes };
        cluster.wait_for_leader()?;
        Ok(cluster)
    }

    /// Every server's client URL, separated by commas, as the `url` option
    /// takes a cluster.
    pub fn url(&self) -> String {
        self.nodes.iter().map(NatsServer::url).collect::<Vec<_>>().join(",")
    }

    /// The server that leads stream `stream`, as the cluster says.
    pub fn stream_leader(&self, stream: &str) -> Option<usize> {
        let leader = self.stream_detail(stream)?["cluster"]["leader"].as_str()?.to_owned();
        leader.strip_prefix('n')?.parse().ok()
    }

    /// How many messages stream `stream` holds, as the first server that
    /// answers says (0 before it exists).
    pub fn stream_messages(&self, stream: &str) -> u64 {
        self.stream_detail(stream).and_then(|s| s["state"]["messages"].as_u64()).unwrap_or(0)
    }

    fn stream_detail(&self, stream: &str) -> Option<serde_json::Value> {
        let jsz = self.nodes.iter().find_map(|n| n.try_monitor("/jsz?streams=true"))?;
        let streams = jsz["account_details"][0]["stream_detail"].as_array()?;
        streams.iter().find(|s| s["name"] == stream).cloned()
    }

    /// The first server with a client connected, as its `/connz` says.
    pub fn serving_a_client(&self) -> Option<usize> {
        self.nodes.iter().position(|n| n.try_monitor("/connz").is_some_and(|c| c["num_connections"].as_u64() > Some(0)))
    }

    fn wait_for_leader(&self) -> io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let led = self.nodes.iter().any(|n| {
                n.try_monitor("/jsz")
                    .is_some_and(|j| j["meta_cluster"]["leader"].as_str().is_some_and(|l| !l.is_empty()))
            });
            if led {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "the cluster elected no leader within 20s"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
