//! The NATS JetStream sink and source against a real `nats-server -js`,
//! started per test on a free loopback port with a store of its own.
//!
//! Without `nats-server` installed these tests say so and pass, so that
//! `cargo test` works on a bare machine; `.ci/run` installs the server and
//! sets SLUICE_REQUIRE_NATS, which turns its absence into a failure.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use sluice_testkit::{NatsServer, free_port};

use crate::util::{arg, ended, interrupted_within, json, log_fixture, run, signal, sluice, stderr};

/// A tick file with good rows for six symbols, bad rows with a symbol, and
/// bad rows without one (which reset every symbol).
fn tick_file(dir: &Path) -> PathBuf {
    let symbols = ["AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "BRK.B"];
    let mut text = String::from("timestamp,symbol,price,volume\n");
    let mut price = [175i64; 6];
    for i in 0..6000u64 {
        let s = (i * 7 % 6) as usize;
        // A walk between 140 and 210, so the bot trades.
        price[s] = (price[s] + [-3, 5, -4, 2, 1, -2][(i % 6) as usize]).clamp(140, 210);
        let time = format!("2024-03-01T10:{:02}:{:02}Z", i / 60 % 60, i % 60);
        match i % 997 {
            500 => text.push_str(&format!("{time},{},-{}.25,1\n", symbols[s], price[s])),
            900 => text.push_str("a row that is no tick\n"),
            _ => text.push_str(&format!("{time},{},{}.25,{}\n", symbols[s], price[s], i % 50 + 1)),
        }
    }
    let path = dir.join("ticks.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// Replays the tick file in one process for its report, and publishes it to
/// stream TICKS in `partitions` partitions, `frame` records to a message at
/// most; returns the report.
fn replay_and_publish(server: &NatsServer, dir: &Path, partitions: u32, frame: usize) -> serde_json::Value {
    let ticks = tick_file(dir);
    let single = dir.join("single.json");
    let o = run(&["replay", arg(&ticks), "--report", arg(&single), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sink =
        format!("nats:url={},subject=ticks,stream=TICKS,partitions={partitions},frame_records={frame}", server.url());
    let o = run(&["replay", arg(&ticks), "--sink", &sink, "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    json(&single)
}

#[test]
fn a_partitioned_replay_adds_up_to_the_single_process_report() {
    adds_up(1);
}

/// The same with frames of up to 100 records: the symbol-less bad rows
/// are echoed into every partition's frames, and still counted once.
#[test]
fn a_partitioned_replay_in_frames_adds_up_to_the_single_process_report() {
    adds_up(100);
}

fn adds_up(frame: usize) {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let single = replay_and_publish(&server, dir.path(), 4, frame);
    if frame > 1 {
        // Fewer messages than records: the records did travel in frames.
        let jsz = server.monitor("/jsz?streams=true");
        let messages = jsz["account_details"][0]["stream_detail"][0]["state"]["messages"].as_u64().unwrap();
        assert!(messages * 10 < 6000, "{messages} messages for 6,000 records");
    }
    let mut parts = Vec::new();
    let mut paths = Vec::new();
    for p in 0..4 {
        let report = dir.path().join(format!("p{p}.json"));
        let source = format!("nats:url={},stream=TICKS,durable=worker{p},partition={p}", server.url());
        let o = run(&["run", "--source", &source, "--sink", "bot", "--report", arg(&report), "-q"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        parts.push(json(&report));
        paths.push(report);
    }
    assert!(parts.iter().filter(|p| p["ticks"].as_u64() > Some(0)).count() >= 2, "one partition took everything");
    merges_into(dir.path(), &paths, &single);
    // The file's symbol-less rows were really there, and reset positions.
    assert!(single["bad_by_reason"]["field_count"].as_u64() >= Some(6), "{}", single["bad_by_reason"]);
    assert!(single["abandoned_positions"].as_u64() > Some(0));
}

/// `sluice report merge` adds the partitions' reports at `paths` up (it
/// refuses a symbol on two workers): every symbol with the same figures as
/// in the `single` process, trades and resets included, and the totals
/// that add up exactly.
fn merges_into(dir: &Path, paths: &[PathBuf], single: &serde_json::Value) {
    let merged = dir.join("merged.json");
    let mut args = vec!["report", "merge"];
    args.extend(paths.iter().map(|p| arg(p)));
    args.extend(["-o", arg(&merged)]);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let merged = json(&merged);
    assert_eq!(merged["symbols"], single["symbols"]);
    for key in ["ticks", "bad_records", "trade_count", "abandoned_positions", "realized_pnl", "bad_by_reason", "exits"]
    {
        assert_eq!(merged[key], single[key], "{key}");
    }
    assert!(merged["not_merged"].as_array().unwrap().iter().any(|k| k == "equity_max_drawdown"), "{merged}");
}

/// Runs `source` to its end into an audit log at `path`.
fn drain_into_audit(source: &str, path: &Path) {
    let o = run(&["run", "--source", source, "--sink", &format!("audit:path={}", arg(path)), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// The audit lines of a log that records a ticker, as ticker sequence
/// numbers; a torn last line (the writer was killed) is left out.
fn audited_seqs(path: &Path) -> Vec<u64> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "record")
        .map(|v| {
            let origin = v["origin"].as_str().expect("an origin");
            origin.rsplit('#').next().unwrap().parse().expect("ticker#N")
        })
        .collect()
}

#[test]
fn a_consumer_killed_mid_stream_loses_and_repeats_nothing_acknowledged() {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 30_000u64;
    let sink = format!("nats:url={},subject=feed,stream=FEED,frame_records=1", server.url());
    let o = run(&["run", "--source", &format!("ticker:seed=3,count={n}"), "--sink", &sink, "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let source = format!("nats:url={},stream=FEED,durable=keeper,batch=100,ack_wait=2s", server.url());
    let first = dir.path().join("first.jsonl");
    let audit = format!("audit:path={}", arg(&first));
    let mut child = sluice(&["run", "--source", &source, "--sink", &audit, "-q"]).spawn().unwrap();
    // Killed without warning once it is well under way.
    let deadline = Instant::now() + Duration::from_secs(30);
    while audited_seqs(&first).len() < 5_000 {
        assert!(Instant::now() < deadline, "the consumer made no progress");
        assert!(child.try_wait().unwrap().is_none(), "the consumer ended before it was killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let jsz = server.monitor("/jsz?consumers=true");
    let floor = jsz["account_details"][0]["stream_detail"][0]["consumer_detail"][0]["ack_floor"]["stream_seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("no ack floor in {jsz}"));
    assert!(floor > 0 && floor < n, "the kill came too late or too early to test anything: floor {floor}");

    let second = dir.path().join("second.jsonl");
    drain_into_audit(&source, &second);

    let (a, b) = (audited_seqs(&first), audited_seqs(&second));
    // Acknowledged means written: the first run's file holds 1..=floor.
    let a_set: BTreeSet<u64> = a.iter().copied().collect();
    assert!((1..=floor).all(|s| a_set.contains(&s)), "an acknowledged record is missing from the file");
    // Nothing acknowledged comes again, and nothing is lost.
    assert!(b.iter().all(|&s| s > floor), "an acknowledged record was delivered again");
    let all: BTreeSet<u64> = a.iter().chain(&b).copied().collect();
    assert_eq!(all.len() as u64, n);
    assert_eq!(all.last(), Some(&n));
    // Each run saw each record once.
    assert_eq!(b.len(), b.iter().collect::<BTreeSet<_>>().len());
}

#[test]
fn a_collector_receives_every_error_line_from_two_producers() {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sink = format!("nats:url={},subject=logs.errors,stream=LOGS", server.url());

    // One producer searches a finished file.
    let fixed = log_fixture("crlf-no-final-newline.log");
    let o = run(&["grep", "ERROR", &fixed, "--sink", &sink]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "with --sink, nothing is printed");

    // The other follows a live log, which grows while it runs.
    let live = dir.path().join("app.log");
    std::fs::write(&live, "INFO start\nERROR one\n").unwrap();
    let child = sluice(&["grep", "--follow", "ERROR", arg(&live), "--sink", &sink])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let mut f = std::fs::OpenOptions::new().append(true).open(&live).unwrap();
    f.write_all(b"INFO ok\nERROR two \xff\nERR").unwrap();
    f.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    f.write_all(b"OR three, written in two pieces\n").unwrap();
    drop(f);
    // Three ERROR lines from each producer are in the stream before Ctrl-C
    // (in frames: fewer messages than lines), as a reader of its own finds.
    let deadline = Instant::now() + Duration::from_secs(20);
    for peek in 0.. {
        let seen = dir.path().join(format!("peek{peek}.jsonl"));
        drain_into_audit(&format!("nats:url={},stream=LOGS,durable=peek{peek},records=lines", server.url()), &seen);
        let lines = std::fs::read_to_string(&seen).unwrap();
        if lines.lines().filter(|l| l.contains("\"kind\":\"record\"")).count() >= 6 {
            break;
        }
        assert!(Instant::now() < deadline, "the follower did not publish the appended lines");
        std::thread::sleep(Duration::from_millis(100));
    }
    signal(child.id(), "INT");
    let (code, err) = ended(child);
    assert_eq!(code, Some(0), "Ctrl-C ends a follow with 0: {err}");

    let collected = dir.path().join("errors.jsonl");
    drain_into_audit(&format!("nats:url={},stream=LOGS,durable=collector,records=lines", server.url()), &collected);

    let mut got: Vec<(String, u64, Vec<u8>)> = std::fs::read_to_string(&collected)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["kind"] == "record")
        .map(|v| {
            let origin = v["origin"].as_str().unwrap();
            let (file, line) = origin.rsplit_once(':').unwrap();
            let text = match v["text"].as_str() {
                Some(t) => t.as_bytes().to_vec(),
                None => (0..v["text_hex"].as_str().unwrap().len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&v["text_hex"].as_str().unwrap()[i..i + 2], 16).unwrap())
                    .collect(),
            };
            (file.to_owned(), line.parse().unwrap(), text)
        })
        .collect();
    got.sort();

    let mut want = Vec::new();
    for (path, text) in
        [(fixed.clone(), std::fs::read(&fixed).unwrap()), (arg(&live).to_owned(), std::fs::read(&live).unwrap())]
    {
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            if line.windows(5).any(|w| w == b"ERROR") {
                want.push((path.clone(), i as u64 + 1, line.to_vec()));
            }
        }
    }
    want.sort();
    assert!(want.len() >= 4, "the fixtures hold ERROR lines");
    assert_eq!(got, want);
}

#[test]
fn an_unreachable_server_is_one_clear_line_after_a_bounded_retry() {
    let port = free_port().unwrap();
    let sink = format!("nats:url=127.0.0.1:{port},subject=x,stream=X,retry=1s");
    let started = Instant::now();
    let o = run(&["run", "--source", "ticker:count=5", "--sink", &sink, "-q"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    // What it retries is said as it retries (issue 18 §5), then the error;
    // no line claims anything was published.
    let lines: Vec<&str> = err.trim_end().lines().collect();
    assert!(lines[0].starts_with(&format!("sluice: nats: cannot connect to 127.0.0.1:{port} (")), "{err}");
    assert!(lines[0].contains("; trying again for up to"), "{err}");
    assert!(lines.last().unwrap().contains(&format!("cannot connect to 127.0.0.1:{port} (tried for 1s)")), "{err}");
    assert!(!err.contains("published") && !err.contains("acknowledged"), "{err}");
    assert!(lines.len() <= 3, "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_follower_started_before_its_producer_waits_for_the_stream() {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all.jsonl");
    // Without follow, a missing stream is an error that says what to do.
    let lone = format!("nats:url={},stream=TICKS,durable=lone", server.url());
    let o = run(&["run", "--source", &lone, "--sink", &format!("audit:path={}", arg(&all)), "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let said = "stream TICKS does not exist: start its producer first, or set follow=true to wait for it";
    assert!(stderr(&o).contains(said), "{}", stderr(&o));
    std::fs::remove_file(&all).ok();

    let child = spawn_follower(&server, "early", &all);
    std::thread::sleep(Duration::from_millis(1500));
    let mut child = child;
    assert!(child.try_wait().unwrap().is_none(), "the follower gave up before its producer came");
    let single = replay_and_publish(&server, dir.path(), 1, 1);
    wait_for_lines(&mut child, &all, &single);
    signal(child.id(), "INT");
    let (code, err) = ended(child);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("sluice: nats: stream TICKS does not exist yet; waiting for it (follow=true)"), "{err}");
    assert_eq!(err.matches("waiting for it").count(), 1, "said once: {err}");
    let lines = std::fs::read_to_string(&all).unwrap();
    let expected = single["ticks"].as_u64().unwrap() + single["bad_records"].as_u64().unwrap();
    assert_eq!(lines.lines().filter(|l| !l.contains("\"close\"")).count() as u64, expected);
}

#[test]
fn options_are_checked_before_anything_connects() {
    for (spec, says) in [
        ("--sink=nats:subject=a.*", "is not a subject"),
        ("--sink=nats:subject=a,partitions=0", "`partitions` must be from 1 to 1024"),
        ("--sink=nats:subject=a,partitions=5000", "`partitions` must be from 1 to 1024"),
        ("--sink=nats:subject=a,retry=soon", "`soon`: not a duration; write 500ms"),
        ("--sink=nats:subjet=a", "subject"),
        ("--source=nats:stream=S,durable=a.b", "`durable`"),
        ("--source=nats:stream=S,durable=d,records=bars", "ticks or lines"),
        ("--sink=nats:subject=a,stream=S,replicas=9", "`replicas` must be from 1 to 5"),
        ("--sink=nats:subject=a,replicas=3", "add stream=NAME"),
        ("--sink=nats:subject=a,frame_records=0", "`frame_records` must be from 1 to 100000"),
        ("--sink=nats:subject=a,frame_bytes=100", "`frame_bytes` must be from 32768"),
    ] {
        let o = run(&["run", spec]);
        assert_eq!(o.status.code(), Some(2), "{spec}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{spec}: {}", stderr(&o));
    }
}

/// Replicas are asked of the server when the stream is made, and an
/// existing stream with another number is refused: never a stream quietly
/// less durable than asked.
#[test]
fn replicas_are_asked_of_the_server_and_checked() {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ticks = tick_file(dir.path());
    let publish =
        |opts: &str| run(&["replay", arg(&ticks), "-q", "--sink", &format!("nats:url={},{opts}", server.url())]);
    let o = publish("subject=one,stream=ONE,replicas=3");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("replicas > 1 not supported in non-clustered mode"), "{}", stderr(&o));
    let o = publish("subject=two,stream=TWO,replicas=1");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = publish("subject=two,stream=TWO,replicas=2");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("stream TWO exists with 1 replicas, not 2"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("acknowledged"), "no success line after a failure: {}", stderr(&o));
}

/// A following reader of stream TICKS (durable `durable`) into the audit
/// log `all`, returned once every record of the `single` report is there;
/// it must not end by itself meanwhile.
fn follow_into_audit(
    server: &NatsServer,
    durable: &str,
    all: &Path,
    single: &serde_json::Value,
) -> std::process::Child {
    let mut child = spawn_follower(server, durable, all);
    wait_for_lines(&mut child, all, single);
    child
}

/// A following reader of stream TICKS (durable `durable`) into the audit
/// log `all`.
fn spawn_follower(server: &NatsServer, durable: &str, all: &Path) -> std::process::Child {
    let source = format!("nats:url={},stream=TICKS,durable={durable},follow=true", server.url());
    sluice(&["run", "--source", &source, "--sink", &format!("audit:path={}", arg(all)), "-q"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until every record of the `single` report is in the audit log
/// `all`; the reader `child` must not end by itself meanwhile.
fn wait_for_lines(child: &mut std::process::Child, all: &Path, single: &serde_json::Value) {
    let expected = single["ticks"].as_u64().unwrap() + single["bad_records"].as_u64().unwrap();
    let lines = || std::fs::read_to_string(all).map_or(0, |t| t.lines().count() as u64);
    let deadline = Instant::now() + Duration::from_secs(20);
    while lines() < expected {
        assert!(Instant::now() < deadline, "only {} of {expected} lines arrived", lines());
        assert!(child.try_wait().unwrap().is_none(), "a following reader ended by itself");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_whole_stream_reader_follows_until_ctrl_c_and_skips_the_echoes() {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let single = replay_and_publish(&server, dir.path(), 3, 1);

    let all = dir.path().join("all.jsonl");
    // Caught up, it keeps waiting; what it took is committed meanwhile, so
    // the audit log fills without the run ending.
    let mut child = follow_into_audit(&server, "everything", &all, &single);
    std::thread::sleep(Duration::from_millis(600));
    assert!(child.try_wait().unwrap().is_none(), "a following reader ended by itself");
    signal(child.id(), "INT");
    let (code, err) = ended(child);
    assert_eq!(code, Some(130), "{err}");

    let kinds: Vec<String> = std::fs::read_to_string(&all)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"].as_str().unwrap().to_owned())
        .collect();
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count() as u64;
    assert_eq!(count("record"), single["ticks"].as_u64().unwrap());
    // Each bad record once: the echoes on partitions 1 and 2 were skipped.
    assert_eq!(count("error"), single["bad_records"].as_u64().unwrap());
    assert_eq!(count("close"), 1);
}

#[test]
fn a_server_that_crashes_mid_publish_is_waited_for_and_nothing_is_lost() {
    let Some(mut server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 6_000u64;
    let sink = format!("nats:url={},subject=feed,stream=FEED,dedupe=true,batch=50,retry=30s", server.url());
    let producer = sluice(&["run", "--source", &format!("ticker:seed=5,count={n},rate=4000"), "--sink", &sink, "-q"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    server.crash_and_restart(Duration::from_secs(6)).unwrap();
    let (code, err) = ended(producer);
    assert_eq!(code, Some(0), "the producer gave up: {err}");

    // Batches resent after the crash were recognised by their ids.
    each_tick_once_in_order(&server.url(), dir.path(), n);
}

/// Reads stream FEED at `url` to its end (durable `after`), and checks
/// that it holds ticks 1 to `n` of a ticker, each once, in order.
pub(crate) fn each_tick_once_in_order(url: &str, dir: &Path, n: u64) {
    let audit = dir.join("after.jsonl");
    drain_into_audit(&format!("nats:url={url},stream=FEED,durable=after"), &audit);
    let seqs = audited_seqs(&audit);
    let unique: BTreeSet<u64> = seqs.iter().copied().collect();
    let missing: Vec<u64> = (1..=n).filter(|s| !unique.contains(s)).collect();
    assert!(missing.is_empty(), "lost {} ticks, the first {:?}", missing.len(), &missing[..missing.len().min(10)]);
    assert_eq!(seqs.len(), unique.len(), "stored twice: {} records", seqs.len() - unique.len());
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "out of order");
}

/// Issue 19: a reader whose server was killed hung, ignored the first
/// Ctrl-C, and the second left no close line. Killed and left down, or
/// killed and back: the first Ctrl-C ends the run at once, cleanly.
#[test]
fn the_first_ctrl_c_ends_a_reader_whose_server_was_killed() {
    for restart in [false, true] {
        let Some(mut server) = NatsServer::start_or_skip() else { return };
        let dir = tempfile::tempdir().unwrap();
        let single = replay_and_publish(&server, dir.path(), 1, 20);
        let all = dir.path().join("all.jsonl");
        let child = follow_into_audit(&server, "reader", &all, &single);
        if restart {
            server.crash_and_restart(Duration::from_secs(1)).unwrap();
        } else {
            drop(server);
        }
        std::thread::sleep(Duration::from_millis(1500));
        let (code, err) = interrupted_within(child, Duration::from_secs(10));
        assert_eq!(code, Some(130), "restart={restart}: {err}");
        let verify = run(&["audit", "verify", arg(&all)]);
        assert!(verify.status.success(), "restart={restart}: {}", stderr(&verify));
        let text = std::fs::read_to_string(&all).unwrap();
        assert_eq!(text.lines().filter(|l| l.contains("\"kind\":\"close\"")).count(), 1, "restart={restart}");
    }
}

/// A reader ends at the end of a stream of frames whose records are a
/// multiple of its commit: its last frame was once acknowledged only at
/// the pull after its last record, which never came, and the reader
/// waited forever.
#[test]
fn a_reader_of_frames_ends_whatever_its_batch() {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let sink = format!("nats:url={},subject=f,stream=F,frame_records=50", server.url());
    let o = run(&["run", "--source", "ticker:seed=3,count=1000", "--sink", &sink, "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for batch in [100, 256, 1000] {
        let source = format!("nats:url={},stream=F,durable=d{batch},batch={batch}", server.url());
        let mut child = sluice(&["run", "--source", &source, "--sink", "audit:path=/dev/null", "-q"]).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("batch={batch}: the reader did not end at the end of the stream");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.code(), Some(0), "batch={batch}");
    }
}

#[test]
fn a_restarted_grep_to_nats_publishes_each_line_once() {
    // Issue 18 §5: a restarted `grep --follow … --sink nats:…` sent the
    // whole file again. With --checkpoint it goes on where the server's
    // acknowledgements left it.
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (log, cp) = (dir.path().join("app.log"), dir.path().join("cp.json"));
    let sink = format!("nats:url={},subject=errors,stream=ERRORS", server.url());
    let mut text = String::new();
    let mut follow_until = |lines: std::ops::Range<u32>, next: u64| {
        for i in lines {
            text.push_str(&format!("2026-01-05 10:00:{i:02} ERROR number {i}\n2026-01-05 10:00:{i:02} INFO fine\n"));
        }
        std::fs::write(&log, &text).unwrap();
        let child = sluice(&["grep", "--follow", "ERROR", arg(&log), "--sink", &sink, "--checkpoint", arg(&cp)])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let said = || std::fs::read_to_string(&cp).ok().map(|t| t.contains(&format!("\"line\":{next},")));
        let deadline = Instant::now() + Duration::from_secs(15);
        while said() != Some(true) {
            assert!(Instant::now() < deadline, "the checkpoint never reached line {next}");
            std::thread::sleep(Duration::from_millis(50));
        }
        signal(child.id(), "INT");
        let (code, err) = ended(child);
        assert_eq!(code, Some(0), "{err}");
    };
    // 20 ERROR lines, then 15 more written while nothing ran.
    follow_until(0..20, 40);
    follow_until(20..35, 70);
    let all = dir.path().join("all.jsonl");
    drain_into_audit(&format!("nats:url={},stream=ERRORS,durable=check,records=lines", server.url()), &all);
    let texts: Vec<String> = std::fs::read_to_string(&all)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["kind"] == "record")
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..35).map(|i| format!("2026-01-05 10:00:{i:02} ERROR number {i}")).collect();
    assert_eq!(texts, expected, "each line once, in order");
}

/// A reader holding acknowledgements when its server goes: its commit
/// waited in the client's flush for ever (the client waits for the server
/// to come back), and Ctrl-C went unheard.
#[test]
fn a_reader_whose_server_goes_while_it_holds_acknowledgements_still_ends_at_ctrl_c() {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    replay_and_publish(&server, dir.path(), 1, 1);
    // A transcript to a pipe nobody reads yet: the reader blocks with
    // records handed out and their acknowledgements not sent.
    let source = format!("nats:url={},stream=TICKS,durable=slow,follow=true", server.url());
    let mut child = sluice(&["run", "--source", &source, "--sink", "bot", "--transcript"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    drop(server);
    let mut out = child.stdout.take().unwrap();
    let drain = std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    // The reader goes on, and commits with no server to answer.
    std::thread::sleep(Duration::from_millis(2500));
    signal(child.id(), "INT");
    let asked = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if asked.elapsed() > Duration::from_secs(15) {
            child.kill().unwrap();
            panic!("the reader did not end within 15 s of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    drain.join().unwrap().unwrap();
    let (code, err) = ended(child);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("sluice: nats: no answer to "), "{err}");
}

/// Issue 18 §4: after a server restart, consumers had thousands of records
/// twice (the server delivered again what they had handled, some of it as
/// a first delivery) and the partitioned reports no longer added up. Three
/// bot workers follow a live partitioned feed in frames while the server is
/// killed and started again: their reports add up to one process's.
#[test]
fn a_server_restart_while_workers_consume_leaves_their_reports_as_without_it() {
    let Some(mut server) = NatsServer::start_or_skip() else { return };
    let url = server.url();
    let consumers = |s: &NatsServer| consumers_of(&s.monitor("/jsz?consumers=true")).to_vec();
    live_feed_adds_up(&url, "", &mut server, |s| s.crash_and_restart(Duration::from_secs(2)).unwrap(), consumers);
}

/// The consumers of the first stream in a server's `/jsz?consumers=true`.
pub(crate) fn consumers_of(jsz: &serde_json::Value) -> &[serde_json::Value] {
    jsz["account_details"][0]["stream_detail"][0]["consumer_detail"].as_array().map_or(&[], Vec::as_slice)
}

/// A live feed published in frames to three partitions of stream LIVE at
/// `url` (with the sink options `sink_extra`), followed by three bot
/// workers, disrupted 1.5 s in by `disrupt(servers)`. Once the producer is
/// done and the workers' consumers, as `consumers(servers)` gives them
/// (each as its leader sees it), are caught up (nothing to deliver or to
/// acknowledge), the workers are stopped, and their reports must add up to
/// one process's.
pub(crate) fn live_feed_adds_up<S>(
    url: &str,
    sink_extra: &str,
    servers: &mut S,
    disrupt: impl FnOnce(&mut S),
    consumers: impl Fn(&S) -> Vec<serde_json::Value>,
) {
    let dir = tempfile::tempdir().unwrap();
    let ticker = "ticker:seed=11,count=60000,rate=20000";
    let single_path = dir.path().join("single.json");
    let single = sluice(&["run", "--source", ticker, "--sink", "bot", "--report", arg(&single_path), "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let sink = format!(
        "nats:url={url},subject=live,stream=LIVE,partitions=3,frame_records=10,dedupe=true,batch=50,retry=30s{sink_extra}"
    );
    let producer = sluice(&["run", "--source", ticker, "--sink", &sink, "-q"]).stderr(Stdio::piped()).spawn().unwrap();
    // The workers wait for the stream, take 20 records at a time, and are
    // given again what they leave unacknowledged a second later.
    let mut workers = Vec::new();
    let mut paths = Vec::new();
    for p in 0..3 {
        let report = dir.path().join(format!("w{p}.json"));
        let source =
            format!("nats:url={url},stream=LIVE,durable=w{p},partition={p},follow=true,batch=20,ack_wait=1s,retry=30s");
        let child = sluice(&["run", "--source", &source, "--sink", "bot", "--report", arg(&report), "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        workers.push(child);
        paths.push(report);
    }
    std::thread::sleep(Duration::from_millis(1500));
    disrupt(servers);
    let (code, err) = ended(producer);
    assert_eq!(code, Some(0), "the producer gave up: {err}");
    let (code, err) = ended(single);
    assert_eq!(code, Some(0), "{err}");
    let single = json(&single_path);

    // Caught up, as every server sees it.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = consumers(servers);
        let idle = |c: &serde_json::Value| c["num_pending"] == 0 && c["num_ack_pending"] == 0;
        if seen.len() == 3 && seen.iter().all(idle) {
            break;
        }
        let gave_up = workers.iter_mut().any(|w| w.try_wait().unwrap().is_some());
        if gave_up || Instant::now() > deadline {
            let said: Vec<String> =
                workers.into_iter().map(|w| interrupted_within(w, Duration::from_secs(10)).1).collect();
            panic!("the workers did not catch up (one ended: {gave_up}): {seen:?}\nthey said: {said:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for child in workers {
        signal(child.id(), "INT");
        let (code, err) = ended(child);
        assert_eq!(code, Some(130), "{err}");
    }
    // The default symbols fall in each of the three partitions.
    assert!(paths.iter().all(|p| json(p)["ticks"].as_u64() > Some(0)), "a worker had nothing to do");
    merges_into(dir.path(), &paths, &single);
}
