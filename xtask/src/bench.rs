//! Side-by-side benchmarks: each sluice command against the tool a user
//! would pick instead, run alternately so both see the same machine.

use std::fs::File;
use std::io::{BufWriter, Write};
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
    /// Exit codes that mean success (grep's 1 is "no line selected").
    ok_codes: &'static [i32],
}

/// A grep comparison: sluice's flags, the peer program, its flags, how it
/// is shown, and how to install it.
type GrepPeer<'a> = (&'a [&'a str], &'a Option<String>, &'a [&'a str], &'a str, &'static str);

fn argv(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

pub fn main(args: &[String]) -> anyhow::Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    // `--only grep`: the rows whose name holds the text, the rest skipped
    // (a full run takes a quarter of an hour).
    let only = match args.iter().position(|a| a == "--only") {
        Some(i) => Some(args.get(i + 1).ok_or_else(|| anyhow::anyhow!("--only needs a text, e.g. --only grep"))?),
        None => None,
    };
    let wanted = |name: &str| only.is_none_or(|o| name.contains(o.as_str()));
    let runs = if quick { 5 } else { 7 };
    let sluice = build_release()?;
    let xtask = std::env::current_exe()?.to_string_lossy().into_owned();
    let (rows, big_rows) = if quick { (200_000, 2_000_000) } else { (10_000_000, 100_000_000) };
    let (log_mib, big_log_mib) = if quick { (64, 256) } else { (1024, 8192) };

    let ticks_path = gen_ticks(rows)?;
    let zipped = crate::formats::zipped(&ticks_path)?.to_string_lossy().into_owned();
    let parquet = crate::formats::parquet(&ticks_path)?.to_string_lossy().into_owned();
    let ticks = ticks_path.to_string_lossy().into_owned();
    let busy = gen_busy_ticks(rows)?.to_string_lossy().into_owned();
    // A real file: the report is renamed into place, which a device is not.
    let report_path = generate::data_dir().join("bench-report.json").to_string_lossy().into_owned();
    let log = gen_log(log_mib)?.to_string_lossy().into_owned();
    let big_log = gen_log(big_log_mib)?.to_string_lossy().into_owned();
    // The audit pair writes to /dev/null: with 2.5 GB per run, a real file
    // measures the disk's mood more than either program.
    let audit_out = PathBuf::from("/dev/null");
    let audit_out_s = audit_out.to_string_lossy().into_owned();
    let python = which("python3");
    let rg = which("rg");
    let grep = which("grep");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("py/article_pipeline.py");

    let mut pairs = vec![
        Pair {
            name: format!("replay {rows} rows, --filter symbol=AAPL → bot"),
            sluice: argv(&[&sluice, "replay", &ticks, "--filter", "symbol=AAPL", "-q"]),
            peer: Some(argv(&[&xtask, "csv-baseline", &ticks, "AAPL"])),
            peer_name: "bare csv-crate loop".into(),
            install_hint: "",
            ok_codes: &[0],
        },
        Pair {
            name: format!("replay {rows} rows from a deflated zip (against the same rows as CSV)"),
            sluice: argv(&[&sluice, "replay", &zipped, "-q"]),
            peer: Some(argv(&[&sluice, "replay", &ticks, "-q"])),
            peer_name: "sluice on the CSV".into(),
            install_hint: "",
            ok_codes: &[0],
        },
        Pair {
            name: format!("replay {rows} rows from Parquet, snappy, typed (against the same rows as CSV)"),
            sluice: argv(&[&sluice, "replay", &parquet, "-q"]),
            peer: Some(argv(&[&sluice, "replay", &ticks, "-q"])),
            peer_name: "sluice on the CSV".into(),
            install_hint: "",
            ok_codes: &[0],
        },
        Pair {
            // The same rows, with uniform prices: the bot trades every few
            // ticks, prints two lines a trade and lists 10,000 in the report.
            name: format!("replay {rows} busy rows → bot (against the quiet rows)"),
            sluice: argv(&[&sluice, "replay", &busy, "-q", "--report", &report_path]),
            peer: Some(argv(&[&sluice, "replay", &ticks, "-q", "--report", &report_path])),
            peer_name: "sluice on the quiet random walk".into(),
            install_hint: "",
            ok_codes: &[0],
        },
        Pair {
            // Issue 16's floor: 100 combinations in at most 4x one's time,
            // in at most 8 MiB + 64 KiB per combination.
            name: format!("sweep of 100 combinations over {rows} rows (against one bot)"),
            sluice: argv(&[&sluice, "replay", &ticks, "-q", "--sweep", "entry=140..158:2,exit=190..208:2"]),
            peer: Some(argv(&[&sluice, "replay", &ticks, "-q"])),
            peer_name: "sluice with the default bot".into(),
            install_hint: "",
            ok_codes: &[0],
        },
        Pair {
            name: format!("replay {rows} rows, AAPL, --transcript to a file"),
            sluice: argv(&[&sluice, "replay", &ticks, "--filter", "symbol=AAPL", "--transcript", "-q"]),
            peer: python.map(|py| argv(&[&py, &script.to_string_lossy(), &ticks, "AAPL"])),
            peer_name: "the article's Python pipeline".into(),
            install_hint: "apt-get install python3",
            ok_codes: &[0],
        },
        Pair {
            name: format!("replay {rows} rows → audit (JSON lines, SHA-256 chain) to /dev/null"),
            sluice: argv(&[
                &sluice,
                "replay",
                &ticks,
                "-q",
                "--sink",
                &format!("audit:path={audit_out_s},fsync=never"),
            ]),
            peer: Some(argv(&[&xtask, "audit-baseline", &ticks, &audit_out_s])),
            peer_name: "bare serde_json + BufWriter loop".into(),
            install_hint: "",
            ok_codes: &[0],
        },
    ];
    // Issue 15's floor: a one-minute window in at most 1% of a full search.
    pairs.push(Pair {
        name: format!("grep -c ERROR in a one-minute window, {big_log_mib} MiB log (against the full search)"),
        sluice: argv(&[
            &sluice,
            "grep",
            "-c",
            "--since",
            "2026-01-05 12:00",
            "--until",
            "2026-01-05 12:01",
            "ERROR",
            &big_log,
        ]),
        peer: Some(argv(&[&sluice, "grep", "-c", "ERROR", &big_log])),
        peer_name: "sluice searching the whole log".into(),
        install_hint: "",
        ok_codes: &[0, 1],
    });
    // Issue 15's sets: bound by the CPU, then led by a literal.
    let flag_sets: [&[&str]; 8] = [
        &["-i", "error"],
        &["-n", "ERROR"],
        &["-v", "-c", "INFO"],
        &["-F", "ERROR"],
        &["ERROR"],
        &["-c", "ERROR"],
        &["-w", "ERROR"],
        &["ERROR.*timeout"],
    ];
    for flags in flag_sets {
        let shown = flags.join(" ");
        let with = |program: &str, extra: &[&str]| search(program, extra, flags, &log);
        // sluice on every core against ripgrep as users run it (mapping
        // the file); on one thread against `rg --no-mmap`, like for like:
        // both read into a buffer on one thread.
        let peers: [GrepPeer<'_>; 3] = [
            (&["grep"], &rg, &[], "rg", RG_HINT),
            (&["grep", "-j1"], &rg, &["--no-mmap"], "rg --no-mmap (sluice -j1)", RG_HINT),
            (&["grep"], &grep, &[], "GNU grep", "apt-get install grep"),
        ];
        for (ours, peer, theirs, peer_name, install_hint) in peers {
            pairs.push(Pair {
                name: format!("grep {shown}, {log_mib} MiB log"),
                sluice: with(&sluice, ours),
                peer: peer.as_deref().map(|p| with(p, theirs)),
                peer_name: peer_name.into(),
                install_hint,
                ok_codes: &[0, 1],
            });
        }
    }

    // Many small files, each opened, read and closed: what a search of a
    // directory of logs costs beyond the bytes; and logs of 1 MiB, each
    // searched whole by a thread. The trees lie under target/, which the
    // repository's .gitignore names: ripgrep is told not to skip it.
    let trees: [(u64, u64, &str, &[&str]); 2] = [
        (if quick { 300 } else { 3_000 }, 2 << 10, "2 KiB", &["-c", "ERROR"]),
        (if quick { 32 } else { 256 }, 1 << 20, "1 MiB", &["-c", "-i", "error"]),
    ];
    for (files, bytes, size, flags) in trees {
        let tree = gen_log_tree(files, bytes)?.to_string_lossy().into_owned();
        let with = |program: &str, extra: &[&str]| search(program, extra, flags, &tree);
        pairs.push(Pair {
            name: format!("grep -r {} over {files} files of {size}", flags.join(" ")),
            sluice: with(&sluice, &["grep", "-r"]),
            peer: rg.as_deref().map(|rg| with(rg, &["--no-ignore"])),
            peer_name: "rg".into(),
            install_hint: RG_HINT,
            ok_codes: &[0, 1],
        });
    }

    // The NATS hop: one record a message on a smaller input (it carries
    // about 70,000 a second), frames on the whole one (issue 18's floors
    // are for it). Without a server neither side can run.
    let nats_server = crate::nats::start()?;
    let single_rows = if quick { 100_000 } else { 1_000_000 };
    if let Some(server) = &nats_server {
        nats_pairs(&mut pairs, &sluice, &xtask, &server.url(), (single_rows, rows))?;
    }
    pairs.retain(|p| wanted(&p.name));
    println!("| benchmark | command | median s | min–max s | sluice ÷ peer | peak RSS MiB |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for pair in &pairs {
        report(pair, runs)?;
    }
    if nats_server.is_none() {
        println!("| NATS hop | nats-server missing: apt-get install nats-server | | | | |");
    }

    // Memory at two input sizes: flat means it does not grow with the input.
    println!();
    println!("| input | size MiB | wall s | peak RSS MiB |");
    println!("| --- | --- | --- | --- |");
    let replay_files = match wanted("replay --filter") {
        true => vec![ticks.clone(), gen_ticks(big_rows)?.to_string_lossy().into_owned()],
        false => Vec::new(),
    };
    for file in &replay_files {
        let sample =
            measure::run(&argv(&[&sluice, "replay", file, "--filter", "symbol=AAPL", "-q"]), "/dev/null", &[0])?;
        memory_row("replay --filter symbol=AAPL", file, &sample);
    }
    for file in [&log, &big_log].into_iter().filter(|_| wanted("grep -c ERROR")) {
        let sample = measure::run(&argv(&[&sluice, "grep", "-c", "ERROR", file]), "/dev/null", &[0, 1])?;
        memory_row("grep -c ERROR", file, &sample);
    }
    Ok(())
}

/// The NATS hop: the sink against a publish loop written directly with
/// async-nats, and replay → NATS → bot against replay → bot.
fn nats_pairs(pairs: &mut Vec<Pair>, sluice: &str, xtask: &str, url: &str, rows: (u64, u64)) -> anyhow::Result<()> {
    let (rows, framed_rows) = rows;
    let nats_ticks = gen_ticks(rows)?.to_string_lossy().into_owned();
    let framed_ticks = gen_ticks(framed_rows)?.to_string_lossy().into_owned();
    pairs.push(Pair {
        name: format!("replay {rows} rows → NATS JetStream, one record a message, acknowledged every 256"),
        sluice: argv(&[
            sluice,
            "replay",
            &nats_ticks,
            "-q",
            "--sink",
            &format!("nats:url={url},subject=s1,stream=S1,frame_records=1"),
        ]),
        peer: Some(argv(&[xtask, "nats-baseline", &nats_ticks, url, "b1", "B1"])),
        peer_name: "bare async-nats publish loop".into(),
        install_hint: "",
        ok_codes: &[0],
    });
    // The same with frames of 500 in two partitions, as the hop below; each
    // side empties its stream first (ten million rows a run would fill the
    // disk).
    let framed_sink = format!("nats:url={url},subject=f1,stream=F1,partitions=2,frame_records=500");
    let publish = format!("{xtask} nats-purge {url} F1 && {sluice} replay {framed_ticks} -q --sink {framed_sink}");
    let bare = format!("{xtask} nats-purge {url} FB1 && {xtask} nats-baseline {framed_ticks} {url} fb1 FB1 500");
    pairs.push(Pair {
        name: format!("replay {framed_rows} rows → NATS in frames of 500, two partitions"),
        sluice: argv(&["sh", "-c", &publish]),
        peer: Some(argv(&["sh", "-c", &bare])),
        peer_name: "bare async-nats loop publishing the same frames".into(),
        install_hint: "",
        ok_codes: &[0],
    });
    // Each run publishes the file again and the durable worker reads just
    // that much further.
    let hop = format!(
        "{sluice} replay {nats_ticks} -q --sink nats:url={url},subject=s2,stream=S2,frame_records=1 && \
         {sluice} run -q --source nats:url={url},stream=S2,durable=w --sink bot"
    );
    pairs.push(Pair {
        name: format!("replay {rows} rows → NATS, one record a message → one bot worker"),
        sluice: argv(&["sh", "-c", &hop]),
        peer: Some(argv(&[sluice, "replay", &nats_ticks, "-q"])),
        peer_name: "replay → bot in one process".into(),
        install_hint: "",
        ok_codes: &[0],
    });
    // Issue 18's floor: frames of 500 records, two partitioned workers
    // reading in parallel once the file is published (publish and consume
    // one after the other: the throughput is a floor of the overlapped one).
    let framed = format!(
        "{xtask} nats-purge {url} S3 && \
         {sluice} replay {framed_ticks} -q --sink nats:url={url},subject=s3,stream=S3,partitions=2,frame_records=500 && \
         ({sluice} run -q --source nats:url={url},stream=S3,durable=w0,partition=0 --sink bot & \
          {sluice} run -q --source nats:url={url},stream=S3,durable=w1,partition=1 --sink bot; wait)"
    );
    pairs.push(Pair {
        name: format!("replay {framed_rows} rows → NATS in frames of 500 → two partitioned bot workers"),
        sluice: argv(&["sh", "-c", &framed]),
        peer: Some(argv(&[sluice, "replay", &framed_ticks, "-q"])),
        peer_name: "replay → bot in one process".into(),
        install_hint: "",
        ok_codes: &[0],
    });
    Ok(())
}

fn memory_row(what: &str, file: &str, s: &Sample) {
    let size = std::fs::metadata(file).map_or(0, |m| m.len());
    println!("| {what} | {:.0} | {:.2} | {:.1} |", mib(size), s.wall.as_secs_f64(), mib(s.max_rss));
}

fn report(pair: &Pair, runs: usize) -> anyhow::Result<()> {
    let out = generate::data_dir().join("bench-output").to_string_lossy().into_owned();
    let once = |argv: &[String]| measure::run(argv, &out, pair.ok_codes);
    let Some(peer) = &pair.peer else {
        once(&pair.sluice)?;
        let a = (0..runs).map(|_| once(&pair.sluice)).collect::<anyhow::Result<Vec<_>>>()?;
        row(&pair.name, "sluice", &a, None);
        println!("| {} | {}: missing; {} | | | | |", pair.name, pair.peer_name, pair.install_hint);
        return Ok(());
    };
    // Output goes to a real file, as a user's would. One warm-up each,
    // then A B A B …
    once(&pair.sluice)?;
    once(peer)?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        a.push(once(&pair.sluice)?);
        b.push(once(peer)?);
    }
    row(&pair.name, "sluice", &a, Some(median(&a) / median(&b)));
    row(&pair.name, &pair.peer_name, &b, None);
    Ok(())
}

fn row(name: &str, who: &str, s: &[Sample], ratio: Option<f64>) {
    let secs: Vec<f64> = s.iter().map(|x| x.wall.as_secs_f64()).collect();
    let lo = secs.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = secs.iter().cloned().fold(0.0, f64::max);
    let peak = s.iter().map(|x| x.max_rss).max().unwrap_or(0);
    // A large speed-up needs more places to be read at all (0.049, not 0.05).
    let ratio = ratio.map_or(String::new(), |r| if r < 0.1 { format!("**{r:.3}**") } else { format!("**{r:.2}**") });
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

fn gen_busy_ticks(rows: u64) -> anyhow::Result<PathBuf> {
    generate::main(&["ticks".into(), "--rows".into(), rows.to_string(), "--shape".into(), "busy".into()])
}

fn gen_log(mib: u64) -> anyhow::Result<PathBuf> {
    generate::main(&["logs".into(), "--mib".into(), mib.to_string()])
}

/// `program extra… flags… path`, a search's command line.
fn search(program: &str, extra: &[&str], flags: &[&str], path: &str) -> Vec<String> {
    let mut v = vec![program];
    v.extend_from_slice(extra);
    v.extend_from_slice(flags);
    v.push(path);
    argv(&v)
}

const RG_HINT: &str = "apt-get install ripgrep (or cargo install ripgrep)";

/// A directory of `files` logs of `bytes` each, made once.
fn gen_log_tree(files: u64, bytes: u64) -> anyhow::Result<PathBuf> {
    let dir = generate::data_dir().join(format!("log-tree-{files}x{bytes}"));
    // Marked complete beside it, not inside: grep -r would count the mark.
    let complete = dir.with_extension("complete");
    if !complete.exists() {
        std::fs::create_dir_all(&dir)?;
        for i in 0..files {
            let mut file = std::io::BufWriter::new(std::fs::File::create(dir.join(format!("app-{i:05}.log")))?);
            generate::logs(&mut file, bytes, 0.01, false, i)?;
            std::io::Write::flush(&mut file)?;
        }
        std::fs::write(&complete, b"")?;
    }
    Ok(dir)
}

/// Builds the binary as releases are built (the `dist` profile: one
/// codegen unit and LTO) and returns its path.
fn build_release() -> anyhow::Result<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--profile", "dist", "--quiet", "-p", "sluice-cli"])
        .current_dir(&root)
        .status()
        .context("running cargo build --profile dist")?;
    if !status.success() {
        bail!("cargo build --profile dist failed");
    }
    Ok(root.join("target/dist/sluice").to_string_lossy().into_owned())
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

/// The same records as the audit sink writes, serialized with serde_json
/// into a BufWriter: no checks, no hashing.
pub fn audit_baseline(args: &[String]) -> anyhow::Result<()> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        seq: u64,
        kind: &'static str,
        origin: String,
        time: &'a str,
        symbol: &'a str,
        price: &'a str,
        volume: &'a str,
    }
    let [file, out] = args else { bail!("usage: cargo xtask audit-baseline FILE OUT") };
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_path(file)?;
    let mut w = BufWriter::with_capacity(64 * 1024, File::create(out)?);
    let mut rec = csv::StringRecord::new();
    let mut seq = 0;
    while rdr.read_record(&mut rec)? {
        seq += 1;
        let row = Row {
            seq,
            kind: "record",
            origin: format!("{file}:{}", seq + 1),
            time: &rec[0],
            symbol: &rec[1],
            price: &rec[2],
            volume: &rec[3],
        };
        serde_json::to_writer(&mut w, &row)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}
