//! Side-by-side benchmarks: each sluice command against the tool a user
//! would pick instead, run alternately so both see the same machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::generate;
use crate::measure::{self, Sample};

/// One comparison: sluice's command and the peer's, on the same input.
struct Pair {
    name: String,
    sluice: Vec<String>,
    peer: Option<Vec<String>>,
    peer_name: String,
    /// Shown instead of a figure when the peer is not installed.
    install_hint: &'static str,
    ok_codes: &'static [i32],
}

pub fn main(args: &[String]) -> anyhow::Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let runs = if quick { 5 } else { 7 };
    let sluice = build_release()?;
    let xtask = std::env::current_exe()?.to_string_lossy().into_owned();
    let (small, large) = if quick { (200_000, 2_000_000) } else { (10_000_000, 100_000_000) };

    let ticks = gen_ticks(small)?;
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let tick_file = ticks.to_string_lossy().into_owned();
    let mut pairs = vec![Pair {
        name: format!("replay {small} rows, --filter symbol=AAPL → bot"),
        sluice: s(&[&sluice, "replay", &tick_file, "--filter", "symbol=AAPL", "-q"]),
        peer: Some(s(&[&xtask, "csv-baseline", &tick_file, "AAPL"])),
        peer_name: "bare csv-crate loop".into(),
        install_hint: "",
        ok_codes: &[0],
    }];
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("py/article_pipeline.py");
    let python = which("python3");
    pairs.push(Pair {
        name: format!("replay {small} rows, AAPL, --transcript to a file"),
        sluice: s(&[&sluice, "replay", &tick_file, "--filter", "symbol=AAPL", "--transcript", "-q"]),
        peer: python.map(|py| s(&[&py, &script.to_string_lossy(), &tick_file, "AAPL"])),
        peer_name: "the article's Python pipeline".into(),
        install_hint: "apt-get install python3",
        ok_codes: &[0],
    });

    println!("| benchmark | command | median s | min–max s | sluice ÷ peer | peak RSS MiB |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for pair in &pairs {
        report(pair, runs)?;
    }

    // Memory at two input sizes: flat means it does not grow with the input.
    let big = gen_ticks(large)?;
    let mut rss = Vec::new();
    for file in [&ticks, &big] {
        let argv = s(&[&sluice, "replay", &file.to_string_lossy(), "--filter", "symbol=AAPL", "-q"]);
        let sample = measure::run(&argv, "/dev/null", &[0])?;
        rss.push((file_size(file), sample));
    }
    println!();
    println!("| replay input | size MiB | wall s | peak RSS MiB |");
    println!("| --- | --- | --- | --- |");
    for (size, sample) in &rss {
        println!(
            "| ticks | {:.0} | {:.2} | {:.1} |",
            *size as f64 / 1048576.0,
            sample.wall.as_secs_f64(),
            mib(sample.max_rss)
        );
    }
    Ok(())
}

fn report(pair: &Pair, runs: usize) -> anyhow::Result<()> {
    let Some(peer) = &pair.peer else {
        let a = series(&pair.sluice, runs, pair.ok_codes)?;
        row(&pair.name, "sluice", &a, None);
        println!("| {} | {} | missing: {} | | | |", pair.name, pair.peer_name, pair.install_hint);
        return Ok(());
    };
    // Output goes to a real file, as a user's would. One warm-up each,
    // then A B A B …
    let out = generate::data_dir().join("bench-output");
    let out = out.to_string_lossy();
    measure::run(&pair.sluice, &out, pair.ok_codes)?;
    measure::run(peer, &out, pair.ok_codes)?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        a.push(measure::run(&pair.sluice, &out, pair.ok_codes)?);
        b.push(measure::run(peer, &out, pair.ok_codes)?);
    }
    let ratio = median(&a) / median(&b);
    row(&pair.name, "sluice", &a, Some(ratio));
    row(&pair.name, &pair.peer_name, &b, None);
    Ok(())
}

fn series(argv: &[String], runs: usize, ok: &[i32]) -> anyhow::Result<Vec<Sample>> {
    measure::run(argv, "/dev/null", ok)?;
    (0..runs).map(|_| measure::run(argv, "/dev/null", ok)).collect()
}

fn row(name: &str, who: &str, s: &[Sample], ratio: Option<f64>) {
    let secs: Vec<f64> = s.iter().map(|x| x.wall.as_secs_f64()).collect();
    let lo = secs.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = secs.iter().cloned().fold(0.0, f64::max);
    let peak = s.iter().map(|x| x.max_rss).max().unwrap_or(0);
    let ratio = ratio.map_or(String::new(), |r| format!("**{r:.2}**"));
    println!("| {name} | {who} | {:.3} | {lo:.3}–{hi:.3} | {ratio} | {:.1} |", median(s), mib(peak));
}

fn median(s: &[Sample]) -> f64 {
    let mut v: Vec<f64> = s.iter().map(|x| x.wall.as_secs_f64()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1048576.0
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

/// The full path of `program` on PATH, if it is installed.
fn which(program: &str) -> Option<String> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
}

fn gen_ticks(rows: u64) -> anyhow::Result<PathBuf> {
    generate::main(&["ticks".into(), "--rows".into(), rows.to_string()])
}

/// Builds the release binary and returns its path.
fn build_release() -> anyhow::Result<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--quiet", "-p", "sluice-cli"])
        .current_dir(&root)
        .status()
        .context("running cargo build --release")?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    Ok(root.join("target/release/sluice").to_string_lossy().into_owned())
}

/// The bare loop a user would write with the csv crate: one reused
/// ByteRecord, the symbol compared, the price of matching rows parsed.
pub fn csv_baseline(args: &[String]) -> anyhow::Result<()> {
    let [file, symbol] = args else { bail!("usage: cargo xtask csv-baseline FILE SYMBOL") };
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_path(file)?;
    let mut rec = csv::ByteRecord::new();
    let (mut n, mut sum) = (0u64, 0f64);
    while rdr.read_byte_record(&mut rec)? {
        if rec.get(1) == Some(symbol.as_bytes()) {
            let price: f64 = std::str::from_utf8(&rec[2])?.parse()?;
            sum += price;
            n += 1;
        }
    }
    println!("{n} {sum}");
    Ok(())
}
