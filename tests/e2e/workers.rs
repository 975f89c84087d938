//! Issue 18 §3: a sweep spread over `sluice worker`s through a JetStream
//! work queue on a real `nats-server`, against the same sweep on one
//! machine.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use sluice_testkit::NatsServer;

use crate::util::{arg, ended, interrupted_within, root, run, sluice, stderr};

const GRID: &str = "entry=140..160:5,exit=180|190|200";

/// A worker taking jobs from stream `stream`.
fn worker(server: &NatsServer, stream: &str, extra: &str) -> Child {
    let spec = format!("nats:url={},stream={stream}{extra}", server.url());
    sluice(&["worker", &spec]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
}

/// The ranked table a sweep prints: from its `sweep:` line on.
fn table(err: &str) -> String {
    err.lines().skip_while(|l| !l.starts_with("sweep:")).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_sweep_over_workers_is_the_sweep_on_one_machine() {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ticks = root().join("data/sample-ticks.csv").display().to_string();
    let (one, spread) = (dir.path().join("one.json"), dir.path().join("spread.json"));
    let (one_svg, spread_svg) = (dir.path().join("one.svg"), dir.path().join("spread.svg"));
    let sweep = ["--sweep", GRID, "--rank", "sharpe"];
    let o = run(&[&["replay", &ticks, "--report", arg(&one), "--heatmap", arg(&one_svg)], &sweep[..]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let alone = table(&stderr(&o));

    let workers = [worker(&server, "SWEEPS", ""), worker(&server, "SWEEPS", "")];
    let spec = format!("nats:url={},stream=SWEEPS,block=4", server.url());
    let args = ["replay", &ticks, "--report", arg(&spread), "--heatmap", arg(&spread_svg), "--workers", &spec];
    let o = run(&[&args[..], &sweep[..]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("15 combinations in 4 jobs posted on SWEEPS"), "{}", stderr(&o));
    // The same ranked table, report (byte for byte: every figure to the
    // last bit, the order of ties) and heatmap.
    assert_eq!(table(&stderr(&o)), alone);
    assert!(std::fs::read(&spread).unwrap() == std::fs::read(&one).unwrap(), "the reports differ");
    assert_eq!(std::fs::read(&spread_svg).unwrap(), std::fs::read(&one_svg).unwrap());

    // Both took jobs, and end at Ctrl-C saying how many they did.
    let said: Vec<String> =
        workers.into_iter().map(|w| interrupted_within(w, Duration::from_secs(5))).map(|(_, err)| err).collect();
    let done = |err: &String| err.matches("combinations done").count();
    assert_eq!(said.iter().map(done).sum::<usize>(), 4, "{said:?}");
    assert!(said.iter().all(|e| e.contains("jobs done")), "{said:?}");
}

#[test]
fn a_worker_killed_in_the_middle_of_a_job_leaves_it_to_another() {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    // A paced feed: the one job lasts three seconds.
    let source = "ticker:seed=3,count=3000,rate=1000,bad_rate=0.01";
    let one = dir.path().join("one.json");
    let alone = sluice(&["run", "--source", source, "--sink", "bot", "--sweep", GRID, "--report", arg(&one), "-q"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let spread = dir.path().join("spread.json");
    let spec = format!("nats:url={},stream=SLOW,block=100", server.url());
    let coordinator = sluice(&[
        "run",
        "--source",
        source,
        "--sink",
        "bot",
        "--sweep",
        GRID,
        "--report",
        arg(&spread),
        "--workers",
        &spec,
    ])
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut first = worker(&server, "SLOW", ",ack_wait=2s");
    // Killed once it holds the job.
    let deadline = Instant::now() + Duration::from_secs(20);
    while workers_consumer(&server)["num_ack_pending"] != 1 {
        if first.try_wait().unwrap().is_some() {
            panic!("the worker ended: {}", ended(first).1);
        }
        assert!(Instant::now() < deadline, "no worker took the job: {}", server.monitor("/jsz?consumers=true"));
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    first.kill().unwrap();
    first.wait().unwrap();
    // One of two takes the job; the other waits all along, and would be
    // given it too if its holder stopped saying it works on it.
    let others = [worker(&server, "SLOW", ",ack_wait=2s"), worker(&server, "SLOW", ",ack_wait=2s")];

    let (code, err) = ended(coordinator);
    assert_eq!(code, Some(0), "{err}");
    let (code, alone_err) = ended(alone);
    assert_eq!(code, Some(0), "{alone_err}");
    assert!(std::fs::read(&spread).unwrap() == std::fs::read(&one).unwrap(), "the reports differ");
    assert!(!err.contains("reported again"), "{err}");
    // Delivered twice: to the killed worker, then to one of the others,
    // which kept it for the three seconds of its work though the server
    // gives a job again after two without news.
    assert_eq!(workers_consumer(&server)["delivered"]["consumer_seq"], 2);
    let said: Vec<String> =
        others.into_iter().map(|w| interrupted_within(w, Duration::from_secs(5))).map(|(_, err)| err).collect();
    assert_eq!(said.iter().map(|e| e.matches("a job of 15 combinations done").count()).sum::<usize>(), 1, "{said:?}");
}

/// The workers' shared consumer, as the server sees it.
fn workers_consumer(server: &NatsServer) -> serde_json::Value {
    let jsz = server.monitor("/jsz?consumers=true");
    let streams = jsz["account_details"][0]["stream_detail"].as_array().cloned().unwrap_or_default();
    let mut consumers = streams.iter().flat_map(|s| s["consumer_detail"].as_array().cloned().unwrap_or_default());
    consumers.find(|c| c["name"] == "workers").unwrap_or_default()
}

#[test]
fn a_job_a_worker_cannot_do_ends_the_sweep_with_the_workers_reason() {
    let Some(server) = NatsServer::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let w = worker(&server, "FAILS", "");
    let missing = dir.path().join("nowhere.csv");
    let spec = format!("nats:url={},stream=FAILS", server.url());
    let o = run(&["replay", arg(&missing), "--sweep", GRID, "--workers", &spec, "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("sluice: workers: worker ") && err.contains("nowhere.csv"), "{err}");
    // The worker goes on taking jobs.
    let (code, said) = interrupted_within(w, Duration::from_secs(5));
    assert_eq!(code, Some(130), "{said}");
}

/// Mistakes are refused before anything connects: no server is needed.
#[test]
fn a_spread_sweep_is_checked_before_anything_connects() {
    let ticks = root().join("data/sample-ticks.csv").display().to_string();
    let url = "nats:url=nats://127.0.0.1:1";
    for (args, said) in [
        (vec!["replay", &ticks, "--workers", url], "--sweep"),
        (vec!["replay", &ticks, "--sweep", GRID, "--workers", "file:path=x"], "workers are reached through nats:"),
        (vec!["replay", &ticks, "--sweep", GRID, "--workers", "nats:stream=a.b"], "stream"),
        (vec!["replay", &ticks, "--sweep", GRID, "--workers", "nats:block=0"], "`block` must be from 1"),
        (vec!["replay", &ticks, "--sweep", GRID, "--workers", "nats:colour=red"], "colour"),
        (
            vec!["replay", &ticks, "--sweep", GRID, "--workers", url, "--sink", "bot", "--sink", "audit:path=a.jsonl"],
            "leave out --sink audit",
        ),
        (vec!["replay", "-", "--sweep", GRID, "--workers", url], "cannot read this stdin"),
        (vec!["run", "--source", "ticker", "--sweep", GRID, "--workers", url], "a ticker with a seed"),
        (vec!["replay", &ticks, "--sweep", "entry=1|x", "--workers", url], "--sweep entry=x"),
        (vec!["worker", "nats:ack_wait=0s"], "`ack_wait` must be at least 1s"),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(said), "{args:?}: {}", stderr(&o));
    }
}

/// Workers started together on a new server race to create the work
/// queue; the losers were told its subjects overlap an existing stream
/// (the same one) and ended (CI caught it). Each must go on working.
#[test]
fn workers_started_together_all_stay() {
    for _ in 0..3 {
        let Some(server) = NatsServer::start_or_skip() else { return };
        let mut workers: Vec<Child> = (0..4).map(|_| worker(&server, "RACE", "")).collect();
        std::thread::sleep(Duration::from_millis(1500));
        for w in &mut workers {
            if w.try_wait().unwrap().is_some() {
                let all: Vec<String> = workers.into_iter().map(|w| ended(w).1).collect();
                panic!("a worker ended: {all:?}");
            }
        }
        for w in workers {
            let (code, err) = interrupted_within(w, Duration::from_secs(5));
            assert_eq!(code, Some(130), "{err}");
        }
    }
}
