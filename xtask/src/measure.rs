//! Running a command once: wall time and the child's own peak memory.

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// One run of a command.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall: Duration,
    /// Peak resident set of the child, in bytes (from `wait4`'s rusage).
    pub max_rss: u64,
}

/// Runs `argv` with stdout sent to `out` (a file, or /dev/null) and returns
/// its time and peak memory. Fails unless it exits with one of `ok_codes`.
pub fn run(argv: &[String], out: &str, ok_codes: &[i32]) -> anyhow::Result<Sample> {
    let stdout = File::create(out).with_context(|| format!("opening {out}"))?;
    let start = Instant::now();
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", argv[0]))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid, and wait4 fills it for our own
    // child, which std has not reaped (we never call `wait` on it).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if r != pid {
        bail!("waiting for {}: {}", argv[0], std::io::Error::last_os_error());
    }
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    if !ok_codes.contains(&code) {
        bail!("`{}` exited with {code}", argv.join(" "));
    }
    // Linux reports ru_maxrss in KiB.
    Ok(Sample { wall, max_rss: usage.ru_maxrss as u64 * 1024 })
}
