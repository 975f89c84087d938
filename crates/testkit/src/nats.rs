//! A real `nats-server -js` for tests and benchmarks: free loopback ports,
//! a store of its own, stopped when dropped.

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
        let (port, monitor) = (free_port()?, free_port()?);
        let child = spawn(bin, port, monitor, store.path())?;
        let server = NatsServer { bin: bin.to_owned(), child, port, monitor, store };
        server.wait_listening()?;
        Ok(server)
    }

    /// A server in the temporary directory, or `None`, saying on stderr
    /// that the test is skipped, when none is installed. Panics instead
    /// when `SLUICE_REQUIRE_NATS` is set (CI installs the server).
    pub fn start_or_skip() -> Option<NatsServer> {
        let Some(bin) = NatsServer::binary() else {
            assert!(
                std::env::var_os("SLUICE_REQUIRE_NATS").is_none(),
                "nats-server is not installed, and SLUICE_REQUIRE_NATS says it must be (apt-get install nats-server)"
            );
            crate::skipped("nats-server is not installed (apt-get install nats-server)");
            return None;
        };
        Some(NatsServer::start(&bin, None).expect("nats-server starts and listens"))
    }

    /// The client URL.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// A monitoring endpoint's JSON (`/jsz?consumers=true`).
    pub fn monitor(&self, path: &str) -> serde_json::Value {
        let mut s = TcpStream::connect(("127.0.0.1", self.monitor)).expect("monitor port");
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let body = text.split_once("\r\n\r\n").expect("an HTTP answer").1;
        serde_json::from_str(body).expect("monitor JSON")
    }

    /// Kills the server outright (SIGKILL), leaves it down for `down`, and
    /// starts it again on the same ports with the same store.
    pub fn crash_and_restart(&mut self, down: Duration) -> io::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        std::thread::sleep(down);
        self.child = spawn(&self.bin, self.port, self.monitor, self.store.path())?;
        self.wait_listening()
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

fn spawn(bin: &Path, port: u16, monitor: u16, store: &Path) -> io::Result<Child> {
    Command::new(bin)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-m", &monitor.to_string()])
        .arg("-sd")
        .arg(store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

/// A loopback port free at the time of asking.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
