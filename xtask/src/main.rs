//! Developer tasks: `cargo xtask gen-data` and `cargo xtask bench`.

mod bench;
mod formats;
mod generate;
mod measure;
mod nats;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask TASK [OPTIONS]

  gen-data ticks [--rows N] [--bad-rate R] [--seed S] [--out PATH]
      A tick CSV (timestamp,symbol,price,volume) of N rows (default 10000000),
      deterministic for a seed; R is the share of bad rows (default 0).
  gen-data logs [--mib N] [--error-share R] [--crlf] [--seed S] [--out PATH]
      A log of N MiB (default 1024) where a share R of lines (default 0.01)
      hold ERROR; some harmless lines hold `error` in lower case.
  bench [--quick] [--only TEXT]
      Release build, generated inputs, and each sluice command against the
      tool a user would pick instead, alternated; prints a markdown table.
      With --only, the rows whose name holds TEXT (e.g. --only grep).
  man
      Writes target/man/sluice.1, generated from the command line's definitions.
  fuzz [--seconds N] [TARGET...]
      Runs the cargo-fuzz targets for N seconds
      each (default 60): csv, line_search, decimal, pipeline. Needs
      `cargo install cargo-fuzz`; not run in CI.
  csv-baseline FILE SYMBOL
      The bare csv-crate loop the replay is measured against.
  audit-baseline FILE OUT
      The bare serde_json + BufWriter loop the audit sink is measured against.
  nats-baseline FILE URL SUBJECT STREAM [FRAME]
  nats-purge URL STREAM...
      The publish loop written directly with async-nats that the nats sink is
      measured against.

Generated files go under target/data/ and are reused when present.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some("gen-data") => generate::main(&args[1..]).map(|path| println!("{}", path.display())),
        Some("bench") => bench::main(&args[1..]),
        Some("csv-baseline") => bench::csv_baseline(&args[1..]),
        Some("audit-baseline") => bench::audit_baseline(&args[1..]),
        Some("nats-baseline") => nats::baseline(&args[1..]),
        Some("nats-purge") => nats::purge(&args[1..]),
        Some("spawn-measured") => measure::spawn_measured(&args[1..]),
        Some("man") => man(),
        Some("fuzz") => fuzz(&args[1..]),
        Some(task) => Err(anyhow::anyhow!("unknown task `{task}`\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs each fuzz target for a while. cargo-fuzz wants nightly compiler
/// flags; RUSTC_BOOTSTRAP lets the stable toolchain take them.
fn fuzz(args: &[String]) -> anyhow::Result<()> {
    let seconds: u64 = opt(args, "--seconds", 60)?;
    let mut targets: Vec<&str> =
        args.iter().map(String::as_str).filter(|a| !a.starts_with("--") && a.parse::<u64>().is_err()).collect();
    if targets.is_empty() {
        targets = vec!["csv", "line_search", "decimal", "pipeline"];
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    for target in targets {
        println!("fuzzing {target} for {seconds} s");
        let status = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["fuzz", "run", target, "--", &format!("-max_total_time={seconds}")])
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(&dir)
            .status()?;
        anyhow::ensure!(status.success(), "fuzz target {target} failed: see fuzz/artifacts/{target}");
    }
    Ok(())
}

/// Builds sluice and writes its man pages under target/man: sluice(1) and
/// one for each subcommand the pages refer to.
fn man() -> anyhow::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "--quiet", "-p", "sluice-cli"])
        .current_dir(&root)
        .status()?;
    anyhow::ensure!(status.success(), "cargo build --release failed");
    let dir = root.join("target/man");
    std::fs::create_dir_all(&dir)?;
    let page = |path: &[&str]| -> anyhow::Result<String> {
        let out = std::process::Command::new(root.join("target/release/sluice")).arg("man").args(path).output()?;
        anyhow::ensure!(out.status.success(), "sluice man {} failed", path.join(" "));
        Ok(String::from_utf8(out.stdout)?)
    };
    // Pages to write, found from the references in those written.
    let mut todo: Vec<Vec<String>> = vec![Vec::new()];
    while let Some(path) = todo.pop() {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let text = page(&parts)?;
        let name = std::iter::once("sluice").chain(parts.iter().copied()).collect::<Vec<_>>().join("-");
        let prefix = format!("{}\\-", name.replace('-', "\\-"));
        for line in text.lines().filter(|l| l.starts_with(&prefix) && l.ends_with("(1)")) {
            let sub = &line[prefix.len()..line.len() - 3];
            if sub != "help" {
                todo.push([path.clone(), vec![sub.replace("\\-", "-")]].concat());
            }
        }
        let file = dir.join(format!("{name}.1"));
        std::fs::write(&file, text)?;
        println!("{}", file.display());
    }
    Ok(())
}

/// The value after `--name` in `args`, parsed, or `default`.
fn opt<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> anyhow::Result<T> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => {
            let v = args.get(i + 1).ok_or_else(|| anyhow::anyhow!("{name} needs a value"))?;
            v.parse().map_err(|_| anyhow::anyhow!("{name}: `{v}` is not valid"))
        }
    }
}
