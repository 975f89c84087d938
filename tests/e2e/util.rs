//! Running the binary and reading what it did.

pub use sluice_testkit::skipped;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A command for the `sluice` binary under test.
pub fn sluice(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sluice"));
    cmd.args(args).stdin(Stdio::null()).env_remove("NO_COLOR");
    cmd
}

/// Runs `sluice` to the end.
pub fn run(args: &[&str]) -> Output {
    sluice(args).output().expect("the sluice binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Reads a JSON file.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("report written")).expect("report is JSON")
}

/// A path as a `&str` argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// The workspace root.
pub fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A tick fixture of the project's own.
pub fn tick_fixture(name: &str) -> String {
    root().join("tests/fixtures/ticks").join(name).to_string_lossy().into_owned()
}

/// The shared real data, when this checkout has it beside it.
pub fn real_data() -> Option<std::path::PathBuf> {
    let dir = root().join("../shared/data/real");
    if dir.is_dir() {
        Some(dir)
    } else {
        skipped("../shared/data/real is absent: no real-data check");
        None
    }
}

/// `sluice grep ARGS`: its status, stdout and stderr.
pub fn grep(args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["grep"];
    all.extend_from_slice(args);
    let out = run(&all);
    (out.status.code(), stdout(&out), stderr(&out))
}

/// A log fixture of the project's own.
pub fn log_fixture(name: &str) -> String {
    root().join("tests/fixtures/logs").join(name).to_string_lossy().into_owned()
}

/// What a stalled run printed once it was let go.
pub struct Stalled {
    pub code: Option<i32>,
    /// Stdout after the first byte.
    pub rest: Vec<u8>,
    pub stderr: String,
}

/// Runs sluice with a stdout nobody reads until `meanwhile` has run: with
/// enough output the run blocks early on the full pipe, so `meanwhile` acts
/// on a run in progress (changing its input, or signalling it with its pid).
pub fn stalled(args: &[&str], meanwhile: impl FnOnce(u32)) -> Stalled {
    use std::io::Read;
    let mut child = sluice(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("sluice starts");
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    out.read_exact(&mut first).expect("some output");
    meanwhile(child.id());
    let mut rest = Vec::new();
    out.read_to_end(&mut rest).unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    Stalled { code: child.wait().unwrap().code(), rest, stderr: err }
}

/// Sends signal `name` (`INT`, `TERM`) to process `pid`.
pub fn signal(pid: u32, name: &str) {
    let sent = Command::new("kill").args([&format!("-{name}"), &pid.to_string()]).status().expect("kill runs");
    assert!(sent.success(), "kill -{name} {pid}");
}

/// Waits for `child` (spawned with a piped stderr): its exit code and what
/// it printed on stderr.
pub fn ended(mut child: std::process::Child) -> (Option<i32>, String) {
    use std::io::Read;
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut err).expect("stderr is readable");
    }
    (child.wait().expect("the child is ours").code(), err)
}

/// Sends SIGINT to `child` and waits for it: its exit code and stderr,
/// after checking that it ended within `limit`.
pub fn interrupted_within(child: std::process::Child, limit: std::time::Duration) -> (Option<i32>, String) {
    let asked = std::time::Instant::now();
    signal(child.id(), "INT");
    let ended = ended(child);
    assert!(asked.elapsed() < limit, "the run took {:?} to end after Ctrl-C", asked.elapsed());
    ended
}
