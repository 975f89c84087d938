//! Issue 18 §2: a JetStream cluster of three `nats-server`s on loopback,
//! started by the tests, streams kept on all three (`replicas=3`), and the
//! server leading the stream killed with SIGKILL in the middle of a publish
//! and in the middle of a consume.

use std::process::Stdio;
use std::time::{Duration, Instant};

use sluice_testkit::NatsCluster;

use crate::nats::{consumers_of, each_tick_once_in_order, live_feed_adds_up};
use crate::util::{ended, sluice};

/// Waits until the cluster names the server leading `stream`, and kills it.
fn kill_stream_leader(cluster: &mut NatsCluster, stream: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let leader = loop {
        if let Some(leader) = cluster.stream_leader(stream) {
            break leader;
        }
        assert!(Instant::now() < deadline, "stream {stream} has no leader");
        std::thread::sleep(Duration::from_millis(50));
    };
    cluster.nodes[leader].crash().unwrap();
}

#[test]
fn a_node_killed_mid_publish_loses_and_doubles_nothing_acknowledged() {
    let Some(mut cluster) = NatsCluster::start_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000u64;
    let sink = format!(
        "nats:url={},subject=feed,stream=FEED,replicas=3,dedupe=true,frame_records=1,batch=50,retry=30s",
        cluster.url()
    );
    let producer = sluice(&["run", "--source", &format!("ticker:seed=5,count={n}"), "--sink", &sink, "-q"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Well under way: a tenth stored.
    let deadline = Instant::now() + Duration::from_secs(60);
    while cluster.stream_messages("FEED") < n / 10 {
        assert!(Instant::now() < deadline, "the producer made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The server the producer is connected to: the acknowledgements of
    // what the stream stored are lost with it, and what it sends again
    // must not be stored twice.
    let serving = cluster.serving_a_client().expect("the producer is connected");
    cluster.nodes[serving].crash().unwrap();
    assert!(cluster.stream_messages("FEED") < n, "the kill came after the publish");
    let (code, err) = ended(producer);
    assert_eq!(code, Some(0), "the producer gave up: {err}");

    // Read back from the two servers left: every tick the producer had
    // acknowledged (all of them, since it ended well).
    each_tick_once_in_order(&cluster.url(), dir.path(), n);
}

#[test]
fn a_node_killed_while_workers_consume_leaves_their_reports_as_without_it() {
    let Some(mut cluster) = NatsCluster::start_or_skip() else { return };
    let url = cluster.url();
    live_feed_adds_up(
        &url,
        ",replicas=3",
        &mut cluster,
        |c| kill_stream_leader(c, "LIVE"),
        // A follower's view of a consumer lags: each as its leader sees it.
        |c| {
            let mut led = Vec::new();
            for (i, node) in c.nodes.iter().enumerate() {
                let Some(jsz) = node.try_monitor("/jsz?consumers=true") else { continue };
                let mine = consumers_of(&jsz).iter().filter(|c| c["cluster"]["leader"] == format!("n{i}").as_str());
                led.extend(mine.cloned());
            }
            led
        },
    );
}
