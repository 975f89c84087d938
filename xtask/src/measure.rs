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
///
/// The command is started by a small spawner (this program, `xtask
/// spawn-measured`), not by the bench itself: Linux gives a process the
/// peak memory of the process it was started from (the high-water mark of
/// the address space it replaced at exec), so every command started from
/// the bench reported the bench's own 26 MiB at least. The spawner is
/// small: a figure now carries at most its 5 MiB.
pub fn run(argv: &[String], out: &str, ok_codes: &[i32]) -> anyhow::Result<Sample> {
    let stdout = File::create(out).with_context(|| format!("opening {out}"))?;
    let written = stdout.try_clone()?;
    let report = tempfile_path()?;
    let status = Command::new(std::env::current_exe()?)
        .arg("spawn-measured")
        .arg(&report)
        .args(argv)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("starting {}", argv[0]))?;
    // What this run wrote goes to the disk now, untimed, not during the
    // next run: a search printing 350 MB to a file left the next one
    // competing with the writeback (one pair's runs spread 0.35–1.18 s).
    // (/dev/null cannot be synced, and needs not be.)
    if written.metadata()?.is_file() {
        written.sync_all().with_context(|| format!("syncing {out}"))?;
    }
    let text = std::fs::read_to_string(&report).with_context(|| format!("the spawner of {} said nothing", argv[0]));
    let _ = std::fs::remove_file(&report);
    let text = text?;
    let fields: Vec<u64> = text.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    let [wall_ns, max_rss_kib, code] = fields[..] else { bail!("the spawner of {} said `{text}`", argv[0]) };
    let code = code as i32;
    if !status.success() || !ok_codes.contains(&code) {
        bail!("`{}` exited with {code}", argv.join(" "));
    }
    // Linux reports ru_maxrss in KiB.
    Ok(Sample { wall: Duration::from_nanos(wall_ns), max_rss: max_rss_kib * 1024 })
}

/// `xtask spawn-measured REPORT CMD ARGS…`: runs the command, with this
/// process's stdio, and writes `WALL_NS MAX_RSS_KIB EXIT_CODE` to REPORT.
pub fn spawn_measured(args: &[String]) -> anyhow::Result<()> {
    let [report, argv @ ..] = args else { bail!("usage: spawn-measured REPORT CMD [ARGS...]") };
    anyhow::ensure!(!argv.is_empty(), "usage: spawn-measured REPORT CMD [ARGS...]");
    let start = Instant::now();
    let child = Command::new(&argv[0]).args(&argv[1..]).spawn().with_context(|| format!("starting {}", argv[0]))?;
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
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { 255 };
    std::fs::write(report, format!("{} {} {code}\n", wall.as_nanos(), usage.ru_maxrss))?;
    Ok(())
}

/// A fresh path for the spawner's report.
fn tempfile_path() -> anyhow::Result<std::path::PathBuf> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(std::env::temp_dir().join(format!("xtask-measure-{}-{n}", std::process::id())))
}
