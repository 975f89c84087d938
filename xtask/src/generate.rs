//! Deterministic synthetic inputs, written fast.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::opt;

pub const SYMBOLS: &[&str] = &["AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "TSLA", "META", "NFLX"];

pub fn main(args: &[String]) -> anyhow::Result<PathBuf> {
    let seed = opt(args, "--seed", 1u64)?;
    match args.first().map(String::as_str) {
        Some("ticks") => {
            let rows = opt(args, "--rows", 10_000_000u64)?;
            let bad = opt(args, "--bad-rate", 0.0f64)?;
            let shape: Shape = opt(args, "--shape", Shape::Walk)?;
            let name = match shape {
                Shape::Walk => format!("ticks-{rows}-bad{bad}-seed{seed}.csv"),
                Shape::Busy => format!("ticks-busy-{rows}-bad{bad}-seed{seed}.csv"),
            };
            let out = out_path(args, &name)?;
            reuse_or(&out, |w| ticks(w, rows, bad, seed, shape))
        }
        Some("logs") => {
            let mib = opt(args, "--mib", 1024u64)?;
            let share = opt(args, "--error-share", 0.01f64)?;
            let crlf = args.iter().any(|a| a == "--crlf");
            let name = format!("log-{mib}mib-err{share}-{}-seed{seed}.log", if crlf { "crlf" } else { "lf" });
            let out = out_path(args, &name)?;
            reuse_or(&out, |w| logs(w, mib << 20, share, crlf, seed))
        }
        _ => bail!("gen-data needs `ticks` or `logs`"),
    }
}

fn out_path(args: &[String], default_name: &str) -> anyhow::Result<PathBuf> {
    let given: String = opt(args, "--out", String::new())?;
    Ok(if given.is_empty() { data_dir().join(default_name) } else { PathBuf::from(given) })
}

/// `target/data` of the workspace.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/data")
}

/// Writes `path` through `fill` unless it already exists (a finished file
/// is renamed into place, so a half-written one is never reused).
fn reuse_or(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> anyhow::Result<PathBuf> {
    if path.exists() {
        return Ok(path.to_owned());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("partial");
    let mut w =
        BufWriter::with_capacity(1 << 20, File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?);
    fill(&mut w).and_then(|()| w.flush()).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)?;
    Ok(path.to_owned())
}

/// Uniform in `0..n`, by widening multiply (bias is negligible here).
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    p > 0.0 && (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
}

/// How generated prices move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A random walk of ±1.00 at most per tick and symbol: quiet data,
    /// where the default bot trades rarely.
    Walk,
    /// Uniform in 100.00–300.00 at every tick: busy data, where the
    /// default bot trades every few ticks (and prints two lines a trade).
    Busy,
}

impl std::str::FromStr for Shape {
    type Err = String;
    fn from_str(s: &str) -> Result<Shape, String> {
        match s {
            "walk" => Ok(Shape::Walk),
            "busy" => Ok(Shape::Busy),
            _ => Err(format!("`{s}` is not a shape; use walk or busy")),
        }
    }
}

/// `timestamp,symbol,price,volume` rows: one day from 00:00 UTC in steps of
/// up to a millisecond, prices as `shape` says.
pub fn ticks(w: &mut dyn Write, rows: u64, bad_rate: f64, seed: u64, shape: Shape) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut cents: Vec<i64> = SYMBOLS.iter().map(|_| 15_000 + below(&mut rng, 10_000) as i64).collect();
    let mut micros: u64 = 0;
    let mut line = Vec::with_capacity(64);
    w.write_all(b"timestamp,symbol,price,volume\n")?;
    for _ in 0..rows {
        micros += below(&mut rng, 1000);
        let s = below(&mut rng, SYMBOLS.len() as u64) as usize;
        cents[s] = match shape {
            Shape::Walk => (cents[s] + below(&mut rng, 201) as i64 - 100).clamp(100, 100_000),
            Shape::Busy => 10_000 + below(&mut rng, 20_001) as i64,
        };
        let volume = 1 + below(&mut rng, 10_000);
        line.clear();
        let (secs, us) = (micros / 1_000_000, micros % 1_000_000);
        let (h, m, sec) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
        write!(
            line,
            "2026-01-05T{h:02}:{m:02}:{sec:02}.{us:06}Z,{},{}.{:02},{volume}",
            SYMBOLS[s],
            cents[s] / 100,
            cents[s] % 100
        )?;
        if chance(&mut rng, bad_rate) {
            corrupt(&mut line, below(&mut rng, 5));
        }
        line.push(b'\n');
        w.write_all(&line)?;
    }
    Ok(())
}

/// One of the bad-row classes the replay counts.
fn corrupt(line: &mut Vec<u8>, class: u64) {
    let text = String::from_utf8_lossy(line).into_owned();
    let f: Vec<&str> = text.split(',').collect();
    let bad = match class {
        0 => format!("{},{},{}", f[0], f[1], f[2]),            // a field missing
        1 => format!("{},{},x{},{}", f[0], f[1], f[2], f[3]),  // unparsable price
        2 => format!("{},{},-{},{}", f[0], f[1], f[2], f[3]),  // negative price
        3 => format!("{},{},0,{}", f[0], f[1], f[3]),          // zero price
        _ => format!("not-a-time,{},{},{}", f[1], f[2], f[3]), // timestamp
    };
    line.clear();
    line.extend_from_slice(bad.as_bytes());
}

const LEVELS: &[&str] = &["INFO", "INFO", "INFO", "DEBUG", "WARN"];
const MESSAGES: &[&str] = &[
    "request served in 12ms path=/api/v1/orders status=200",
    "cache refreshed entries=4096 took=3ms",
    "connection pool size=32 idle=29",
    "retrying upstream call attempt=2 (previous error: timeout)",
    "scheduled job finished without error",
    "user session renewed id=8f14e45f",
];

/// A log of about `bytes` bytes; a share of lines hold ERROR.
pub fn logs(w: &mut dyn Write, bytes: u64, error_share: f64, crlf: bool, seed: u64) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut written = 0u64;
    let mut n = 0u64;
    let mut line = Vec::with_capacity(256);
    let end: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    while written < bytes {
        n += 1;
        line.clear();
        let (secs, ms) = (n / 50, (n % 50) * 20);
        // In time order however long the log: from 2026-01-05, a day in
        // January (about 400 MB) at a time, then on into February.
        let (month, day) = match 4 + secs / 86_400 {
            d @ 0..=30 => (1, d + 1),
            d => (2, d - 30),
        };
        let clock = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
        write!(line, "2026-{month:02}-{day:02} {:02}:{:02}:{:02}.{ms:03} ", clock.0, clock.1, clock.2)?;
        if chance(&mut rng, error_share) {
            write!(line, "ERROR [worker-{}] order {} failed: upstream refused", below(&mut rng, 16), n)?;
        } else {
            let level = LEVELS[below(&mut rng, LEVELS.len() as u64) as usize];
            let msg = MESSAGES[below(&mut rng, MESSAGES.len() as u64) as usize];
            write!(line, "{level} [worker-{}] {msg}", below(&mut rng, 16))?;
        }
        line.extend_from_slice(end);
        w.write_all(&line)?;
        written += line.len() as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_writes_the_same_bytes() {
        let run = |seed| {
            let mut a = Vec::new();
            ticks(&mut a, 2000, 0.05, seed, Shape::Walk).unwrap();
            logs(&mut a, 50_000, 0.01, true, seed).unwrap();
            a
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn ticks_have_the_layout_and_the_asked_share_of_bad_rows() {
        let mut out = Vec::new();
        ticks(&mut out, 20_000, 0.1, 9, Shape::Walk).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("timestamp,symbol,price,volume"));
        let bad = lines
            .filter(|l| {
                let f: Vec<&str> = l.split(',').collect();
                f.len() != 4
                    || f[0] == "not-a-time"
                    || !f[2].chars().all(|c| c.is_ascii_digit() || c == '.')
                    || f[2] == "0"
            })
            .count();
        // 20000 rows at 10%: mean 2000, sd 42.
        assert!((1750..=2250).contains(&bad), "{bad}");
    }

    #[test]
    fn logs_hold_the_asked_share_of_errors_and_crlf() {
        let mut out = Vec::new();
        logs(&mut out, 2 << 20, 0.01, true, 5).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.split_terminator('\n').collect();
        assert!(lines.iter().all(|l| l.ends_with('\r')));
        let errors = lines.iter().filter(|l| l.contains("ERROR")).count() as f64;
        let share = errors / lines.len() as f64;
        assert!((0.008..0.012).contains(&share), "{share}");
        assert!(lines.iter().any(|l| l.contains("error") && !l.contains("ERROR")));
    }
}
