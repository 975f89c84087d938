//! The bridge's contract, with scripted sources and recording sinks.

use sluice_core::*;
use sluice_testkit::{Ev, Recorder, Script};

fn aapl() -> Vec<Filter> {
    vec![Filter::Symbols(vec!["AAPL".parse().unwrap()])]
}

fn five() -> Vec<Ev> {
    vec![Ev::Good("AAPL", "1"), Ev::Good("MSFT", "2"), Ev::Bad(Some("AAPL")), Ev::Bad(None), Ev::Good("AAPL", "3")]
}

#[test]
fn end_of_input_closes_once_and_counts() {
    let (sink, log) = Recorder::new();
    let out = Bridge::new(Script::new(five()), aapl(), vec![sink]).unwrap().run();
    assert!(matches!(out.ending, Ending::Exhausted));
    let log = log.borrow();
    assert_eq!(log.closes, 1);
    // MSFT is filtered out; the bad AAPL and the bad record of unknown
    // symbol both reach the error channel.
    assert_eq!(log.events, ["send AAPL 1", "throw Some(\"AAPL\")", "throw None", "send AAPL 3"]);
    assert_eq!((out.summary.read, out.summary.passed, out.summary.delivered), (5, 4, 4));
    assert_eq!(out.summary.bad.get(&BadKind::NegativePrice), Some(&2));
}

#[test]
fn a_bad_record_of_a_filtered_symbol_is_filtered() {
    let (sink, log) = Recorder::new();
    let events = vec![Ev::Bad(Some("MSFT")), Ev::Good("AAPL", "1")];
    let out = Bridge::new(Script::new(events), aapl(), vec![sink]).unwrap().run();
    assert_eq!(log.borrow().events, ["send AAPL 1"]);
    assert_eq!(out.summary.bad_total(), 1, "still counted as read");
}

#[test]
fn limit_counts_after_the_filters_and_pulls_no_further() {
    let (sink, log) = Recorder::new();
    let out = Bridge::new(Script::new(five()), aapl(), vec![sink]).unwrap().limit(Some(2)).run();
    assert!(matches!(out.ending, Ending::Limit));
    assert_eq!(log.borrow().events.len(), 2);
    assert_eq!(log.borrow().closes, 1);
    assert_eq!(out.summary.read, 3, "the bridge must stop pulling at the limit");
}

#[test]
fn limit_zero_delivers_nothing() {
    let (sink, log) = Recorder::new();
    let out = Bridge::new(Script::new(five()), vec![], vec![sink]).unwrap().limit(Some(0)).run();
    assert!(matches!(out.ending, Ending::Limit));
    assert_eq!((log.borrow().events.len(), log.borrow().closes, out.summary.read), (0, 1, 0));
}

#[test]
fn a_done_sink_stops_the_run_once_all_are_done() {
    let (mut a, log_a) = Recorder::new();
    let (mut b, log_b) = Recorder::new();
    a.done_after = Some(1);
    b.done_after = Some(3);
    let out = Bridge::new(Script::new(five()), vec![], vec![a, b]).unwrap().run();
    assert!(matches!(out.ending, Ending::SinksDone));
    assert_eq!(log_a.borrow().events.len(), 1, "no more records after Done");
    assert_eq!(log_b.borrow().events.len(), 3);
    assert_eq!((log_a.borrow().closes, log_b.borrow().closes), (1, 1));
    assert_eq!(out.summary.read, 3);
}

#[test]
fn a_failing_source_still_closes_every_sink() {
    let (a, log_a) = Recorder::new();
    let (b, log_b) = Recorder::new();
    let events = vec![Ev::Good("AAPL", "1"), Ev::Fail, Ev::Good("AAPL", "2")];
    let out = Bridge::new(Script::new(events), vec![], vec![a, b]).unwrap().run();
    assert!(matches!(&out.ending, Ending::SourceFailed(e) if e.to_string() == "script: disk on fire"));
    assert_eq!((log_a.borrow().closes, log_b.borrow().closes), (1, 1));
    assert_eq!(out.reports.len(), 2);
}

#[test]
fn a_failing_sink_ends_the_run_and_every_sink_is_closed() {
    let (mut a, log_a) = Recorder::new();
    let (b, log_b) = Recorder::new();
    a.fail_on = Some(2);
    let out = Bridge::new(Script::new(five()), vec![], vec![a, b]).unwrap().run();
    assert!(matches!(&out.ending, Ending::SinkFailed(e) if e.component() == "recorder"));
    assert_eq!((log_a.borrow().closes, log_b.borrow().closes), (1, 1));
    assert_eq!(log_b.borrow().events.len(), 1, "the run stops at the failing record");
}

#[test]
fn a_stop_request_ends_the_run_cleanly() {
    let (sink, log) = Recorder::new();
    let stop = Stop::new();
    let mut src = Script::new(five());
    src.stop_after = Some((2, stop.clone()));
    let out = Bridge::new(src, vec![], vec![sink]).unwrap().stop_on(stop).run();
    assert!(matches!(out.ending, Ending::Stopped(2)));
    assert_eq!(log.borrow().closes, 1);
    // The record pulled when the stop arrived is delivered; nothing after it.
    assert_eq!(log.borrow().events.len(), 3);
}

#[test]
fn fan_out_gives_every_sink_the_same_events_in_order() {
    let (a, log_a) = Recorder::new();
    let (b, log_b) = Recorder::new();
    Bridge::new(Script::new(five()), vec![], vec![a, b]).unwrap().run();
    assert_eq!(log_a.borrow().events, log_b.borrow().events);
    assert_eq!(log_a.borrow().events.len(), 5);
}

#[test]
fn mismatched_pipelines_are_refused_before_running() {
    let (mut sink, log) = Recorder::new();
    sink.accepts = RecordKind::Line;
    let err = Bridge::new(Script::new(five()), vec![], vec![sink]).err().unwrap();
    assert!(err.to_string().contains("sink `recorder` does not take ticks"), "{err}");
    assert_eq!(log.borrow().closes, 0);

    let (sink, _) = Recorder::new();
    let lines = vec![Filter::Contains(Contains::new(b"ERROR"))];
    let err = Bridge::new(Script::new(five()), lines, vec![sink]).err().unwrap();
    assert_eq!(err.to_string(), "filter `contains=ERROR` reads lines, but source `script` emits ticks");

    assert!(matches!(Bridge::new(Script::new(five()), vec![], vec![]), Err(PlanError::NoSink)));
}

#[test]
fn commits_follow_flushes_every_n_records_on_idle_and_at_a_clean_end() {
    let (sink, log) = Recorder::new();
    let mut script = Script::new(vec![
        Ev::Good("AAPL", "1"),
        Ev::Good("MSFT", "2"),
        Ev::Good("AAPL", "3"),
        Ev::Idle,
        Ev::Good("AAPL", "4"),
    ]);
    script.commit_every = Some(2);
    let commits = script.commits.clone();
    let out = Bridge::new(script, aapl(), vec![sink]).unwrap().run();
    assert!(matches!(out.ending, Ending::Exhausted));
    // After two records (one filtered out: handled all the same), on the
    // idle pull after a third, and after the close.
    assert_eq!(*commits.borrow(), [2, 4, 5]);
    assert_eq!(log.borrow().events, ["send AAPL 1", "flush", "send AAPL 3", "flush", "send AAPL 4"]);
}

/// A message source may hold acknowledgements of messages it gave no
/// record for (copies, delivered again, of what it had handled): unasked,
/// it never sent them, and its upstream delivered them again and again.
#[test]
fn a_pause_asks_for_a_commit_even_with_no_record_since_the_last() {
    let (sink, _) = Recorder::new();
    let mut script = Script::new(vec![Ev::Good("AAPL", "1"), Ev::Good("AAPL", "2"), Ev::Idle, Ev::Good("AAPL", "3")]);
    script.commit_every = Some(2);
    let commits = script.commits.clone();
    let out = Bridge::new(script, vec![], vec![sink]).unwrap().run();
    assert!(matches!(out.ending, Ending::Exhausted));
    assert_eq!(*commits.borrow(), [2, 3, 4]);
}

#[test]
fn nothing_is_committed_after_a_sink_fails() {
    let (mut sink, _) = Recorder::new();
    sink.fail_on = Some(3);
    let mut script = Script::new(vec![Ev::Good("AAPL", "1"), Ev::Idle, Ev::Good("AAPL", "2"), Ev::Good("AAPL", "3")]);
    script.commit_every = Some(100);
    let commits = script.commits.clone();
    let out = Bridge::new(script, vec![], vec![sink]).unwrap().run();
    assert!(matches!(out.ending, Ending::SinkFailed(_)));
    // The first record was committed on the idle pull; the one the sink
    // refused, and the one before it, are left for the upstream to deliver
    // again.
    assert_eq!(*commits.borrow(), [2]);
}

#[test]
fn an_echo_is_delivered_but_not_counted_as_bad() {
    struct Echo(bool);
    impl Source for Echo {
        fn name(&self) -> &str {
            "echo"
        }
        fn emits(&self) -> RecordKind {
            RecordKind::Tick
        }
        fn pull(&mut self) -> Result<Pull<'_>, Error> {
            if std::mem::replace(&mut self.0, true) {
                return Ok(Pull::End);
            }
            Ok(Pull::Bad(BadRecord {
                kind: BadKind::Symbol,
                reason: "no symbol".into(),
                location: Location::Seq { source: "echo", seq: 1 },
                raw: b"",
                symbol: None,
                echo: true,
            }))
        }
    }
    let (sink, log) = Recorder::new();
    let out = Bridge::new(Box::new(Echo(false)), vec![], vec![sink]).unwrap().run();
    assert_eq!(log.borrow().events, ["throw None"]);
    assert_eq!((out.summary.read, out.summary.bad_total()), (1, 0));
}
