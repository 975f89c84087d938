//! Running the binary and reading what it did.

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
        eprintln!("../shared/data/real is absent: skipping the real-data check");
        None
    }
}

/// A log fixture of the project's own.
pub fn log_fixture(name: &str) -> String {
    root().join("tests/fixtures/logs").join(name).to_string_lossy().into_owned()
}
