//! A sweep spread over machines: `--sweep GRID --workers nats:…` posts the
//! combinations, a block to a job, on a JetStream work queue and ranks what
//! comes back; `sluice worker nats:…` takes jobs, replays the data for its
//! combinations in one pass, and sends back each combination's report.
//!
//! A job carries the run's source, filters and bot as they were given, so
//! a worker builds them with the same registry and deserializers as a run
//! on one machine, and each combination's report is the one it gives there.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sluice_core::{Bridge, Ending, Error, Outcome, Stop, Summary};
use sluice_nats::{Board, Desk, WorkConfig};

use sluice_cli::args::PipelineArgs;
use sluice_cli::component::{Component, OwnedOptions, Place, UsageError};
use sluice_cli::pipeline::Plan;
use sluice_cli::registry::{self, Context as BuildContext};

use crate::run::{Ran, conclude, grid_of, rank_of, sinks_or_default, sweep_over};

/// A component as a job carries it: its kind and its options as given
/// (flag pairs, or a pipeline file's table), paths made absolute.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pairs: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    table: Option<toml::Table>,
    /// The files of `sluice replay`, given as operands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    files: Vec<String>,
}

impl Part {
    /// `c` as a job carries it; relative paths are made absolute here.
    pub fn of(c: &Component, source: bool) -> Result<Part, UsageError> {
        let here = working_dir()?;
        let keys = registry::path_keys(&c.kind, source);
        let absolute = |p: &str| if p == "-" { p.to_owned() } else { here.join(p).display().to_string() };
        let mut part = Part { kind: c.kind.clone(), pairs: Vec::new(), table: None, files: Vec::new() };
        match &c.options {
            OwnedOptions::Pairs(pairs) => {
                part.pairs = pairs
                    .iter()
                    .map(|(k, v)| match keys.contains(&k.as_str()) {
                        true => (k.clone(), v.split(',').map(absolute).collect::<Vec<_>>().join(",")),
                        false => (k.clone(), v.clone()),
                    })
                    .collect();
            }
            // A pipeline file's paths were made relative to the file's
            // directory when it was read: absolute once joined here.
            OwnedOptions::Table(table) => {
                let mut table = table.clone();
                for key in keys {
                    match table.get_mut(*key) {
                        Some(toml::Value::String(p)) => *p = absolute(p),
                        Some(toml::Value::Array(ps)) => ps.iter_mut().for_each(|p| {
                            if let toml::Value::String(p) = p {
                                *p = absolute(p);
                            }
                        }),
                        _ => {}
                    }
                }
                part.table = Some(table);
            }
        }
        Ok(part)
    }

    /// The `csv` source of `sluice replay FILES…` with its flags' pairs.
    pub fn replay(pairs: &[(String, String)], files: &[String]) -> Result<Part, UsageError> {
        if files.iter().any(|f| f == "-") {
            return Err(UsageError(
                "--workers: every worker reads the files itself, and cannot read this stdin".into(),
            ));
        }
        let here = working_dir()?;
        let files = files.iter().map(|f| here.join(f).display().to_string()).collect();
        Ok(Part { kind: "csv".into(), pairs: pairs.to_vec(), table: None, files })
    }

    /// The component again, on a worker.
    fn component(&self) -> Component {
        let options = match &self.table {
            Some(table) => OwnedOptions::Table(table.clone()),
            None => OwnedOptions::Pairs(self.pairs.clone()),
        };
        Component { kind: self.kind.clone(), options, place: Place::Flag { flag: "a job's", text: self.kind.clone() } }
    }
}

/// The directory relative paths are joined to before a job carries them.
fn working_dir() -> Result<std::path::PathBuf, UsageError> {
    std::env::current_dir().map_err(|e| UsageError(format!("--workers: the working directory: {e}")))
}

/// What a worker is asked: the run's data and bot, and some of its
/// combinations, each with its place in the grid.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Job {
    run: String,
    source: Part,
    filters: Vec<Part>,
    bot: Part,
    keys: Vec<String>,
    combinations: Vec<(usize, Vec<String>)>,
    limit: Option<u64>,
}

/// What a worker sends back: one combination's report, or why a job
/// failed.
#[derive(Serialize, Deserialize)]
struct Found {
    run: String,
    /// `host:pid`, for messages.
    worker: String,
    #[serde(default)]
    index: Option<usize>,
    #[serde(default)]
    summary: Option<Summary>,
    /// The seed of a generated stream.
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    report: Option<Map<String, Value>>,
    #[serde(default)]
    error: Option<String>,
}

/// `--sweep GRID --workers nats:…`: posts the combinations and ranks the
/// reports the workers send, as a sweep on one machine would.
pub fn coordinate(source: Part, plan: &Plan, args: &PipelineArgs, stop: Stop) -> anyhow::Result<u8> {
    let started = Instant::now();
    let (Some(grid), Some(spec)) = (&args.sweep, &args.workers) else {
        return Err(UsageError("--workers: spreads a sweep; add --sweep GRID".into()).into());
    };
    let config = work_config("--workers", spec)?;
    let (keys, combinations) = grid_of(grid, args)?;
    let rank = rank_of(args)?;
    let sinks = sinks_or_default(&plan.sinks)?;
    if let Some(other) = sinks.iter().find(|s| s.kind != "bot") {
        return Err(UsageError(format!(
            "--workers: a worker runs the swept bot and nothing else; leave out --sink {}",
            other.kind
        ))
        .into());
    }
    if args.transcript || args.trades.is_some() || args.plot.is_some() || args.equity.is_some() {
        return Err(UsageError("--workers: a sweep writes no transcript, trades, plot or equity".into()).into());
    }
    match source.kind.as_str() {
        "csv" => {}
        "ticker" if source.component().has("seed") => {}
        _ => {
            return Err(UsageError(
                "--workers: every worker reads the data itself: replay files every worker can read, or a ticker \
                 with a seed"
                    .into(),
            )
            .into());
        }
    }
    // Every combination is built here first: a mistake is said before
    // anything is posted.
    let bot = &sinks[0];
    sweep_over(bot, keys.clone(), &combinations, rank.clone(), None)?;

    let run = run_id();
    let filters = plan.filters.iter().map(|f| Part::of(f, false)).collect::<Result<Vec<_>, _>>()?;
    let bot_part = Part::of(bot, false)?;
    let numbered: Vec<(usize, Vec<String>)> = combinations.iter().cloned().enumerate().collect();
    let mut jobs = Vec::new();
    for block in numbered.chunks(config.block) {
        let job = Job {
            run: run.clone(),
            source: source.clone(),
            filters: filters.clone(),
            bot: bot_part.clone(),
            keys: keys.clone(),
            combinations: block.to_vec(),
            limit: args.limit.or(plan.limit),
        };
        jobs.push(serde_json::to_vec(&job)?);
    }
    let mut board = Board::open(&config, &run)?;
    board.post(&jobs)?;
    if !args.quiet {
        say!(
            "sluice: sweep: {} combinations in {} jobs posted on {} at {}; waiting for workers (sluice worker \
             nats:url={},stream={})",
            combinations.len(),
            jobs.len(),
            config.stream,
            config.url,
            config.url,
            config.stream
        );
    }

    let mut reports: Vec<Option<Map<String, Value>>> = vec![None; combinations.len()];
    let (mut left, mut again) = (combinations.len(), 0u64);
    let mut summary: Option<(Summary, String)> = None;
    let mut seed = None;
    let all_in = board.collect(&stop, |bytes| {
        let found: Found = serde_json::from_slice(bytes)
            .map_err(|e| Error::new("workers", format!("a result that does not read ({e}); are the workers older?")))?;
        if found.run != run {
            return Ok(true);
        }
        if let Some(e) = found.error {
            return Err(Error::new("workers", format!("worker {}: {e}", found.worker)));
        }
        let (Some(index), Some(report), Some(read)) = (found.index, found.report, found.summary) else {
            return Err(Error::new("workers", format!("worker {} sent a result without a report", found.worker)));
        };
        let Some(slot) = reports.get_mut(index) else {
            return Err(Error::new("workers", format!("worker {} reported combination {index}", found.worker)));
        };
        match &summary {
            Some((first, by)) if !same_data(first, &read) => {
                return Err(Error::new(
                    "workers",
                    format!(
                        "the workers read different data: {by} read {} records ({} bad), {} read {} ({} bad); give \
                         every worker the same files",
                        first.read,
                        first.bad_total(),
                        found.worker,
                        read.read,
                        read.bad_total()
                    ),
                ));
            }
            Some(_) => {}
            None => {
                summary = Some((read, found.worker));
                seed = found.seed;
            }
        }
        match slot {
            Some(_) => again += 1,
            None => {
                *slot = Some(report);
                left -= 1;
            }
        }
        Ok(left > 0)
    })?;
    if !all_in {
        let done = combinations.len() - left;
        say!("sluice: sweep: stopped with {done} of {} combinations reported", combinations.len());
        return Ok(stop.requested().map_or(crate::exit::FAILURE, crate::exit::signalled));
    }

    let heatmap = args.heatmap.as_ref().map(|p| p.display().to_string());
    let mut ranking = sluice_bot::Ranking::new(keys, rank, heatmap);
    for (values, report) in combinations.into_iter().zip(reports) {
        ranking.push(values, &report.unwrap_or_default())?;
    }
    let (mut summary, _) = summary.unwrap_or_default();
    summary.elapsed = started.elapsed();
    if again > 0 {
        summary.warnings.push(format!(
            "workers: {again} combinations were reported again (a job done again after its worker stopped) and \
             counted once"
        ));
    }
    let outcome = Outcome { summary, reports: vec![ranking.finish()], ending: Ending::Exhausted, seed };
    let ran = Ran { replaying_files: source.kind == "csv", seed_given: true };
    conclude(&outcome, args, &stop, ran)
}

/// A name for a run that another will not have: the last token of its
/// subjects.
fn run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    format!("{:016x}", h.finish())
}

/// Whether two workers' runs read the same records.
fn same_data(a: &Summary, b: &Summary) -> bool {
    (a.read, a.passed, a.delivered, &a.bad) == (b.read, b.passed, b.delivered, &b.bad)
}

/// The options of `flag nats:…`.
fn work_config(flag: &'static str, spec: &str) -> Result<WorkConfig, UsageError> {
    let c = Component::from_flag(flag, spec)?;
    if c.kind != "nats" {
        return Err(c.place.error(None, format!("workers are reached through nats:…, not {}:…", c.kind)));
    }
    let config: WorkConfig = c.read()?;
    config.validate().map_err(|e| c.place.error(Some(e.key), e.message))?;
    Ok(config)
}

/// `sluice worker nats:…`: takes jobs until Ctrl-C.
pub fn worker(spec: &str, quiet: bool, stop: Stop) -> anyhow::Result<u8> {
    let config = work_config("worker", spec)?;
    let mut desk = Desk::open(&config)?;
    let me = format!("{}:{}", hostname(), std::process::id());
    if !quiet {
        say!("sluice: worker {me}: taking jobs from {} at {}", config.stream, config.url);
    }
    let mut done = 0u64;
    let mut failing: Option<Instant> = None;
    loop {
        if let Some(signal) = stop.requested() {
            if !quiet {
                say!("sluice: worker {me}: {done} jobs done");
            }
            return Ok(crate::exit::signalled(signal));
        }
        // A server that goes away (restarted, a cluster electing a leader)
        // is waited for, up to `retry`, as a reader of a stream waits.
        let job = match desk.take() {
            Ok(job) => {
                failing = None;
                job
            }
            Err(e) => {
                let since = *failing.get_or_insert_with(|| {
                    say!("sluice: worker {me}: {e}; trying again for up to {}s", config.retry.0.as_secs());
                    Instant::now()
                });
                if since.elapsed() > config.retry.0 {
                    return Err(e.into());
                }
                std::thread::sleep(std::time::Duration::from_millis(500));
                continue;
            }
        };
        let Some(job) = job else { continue };
        let found = match serde_json::from_slice::<Job>(job.text()) {
            Ok(spec) => work_on(&spec, &me, &stop),
            Err(e) => {
                vec![Found::failed(job.run(), &me, format!("a job that does not read ({e}); is the worker older?"))]
            }
        };
        // Stopped in the middle: the job is left to another worker.
        if stop.requested().is_some() {
            continue;
        }
        let texts = found.iter().map(serde_json::to_vec).collect::<Result<Vec<_>, _>>()?;
        let n = found.iter().filter(|f| f.index.is_some()).count();
        desk.finish(job, &texts)?;
        done += 1;
        if !quiet {
            say!("sluice: worker {me}: a job of {n} combinations done");
        }
    }
}

impl Found {
    fn failed(run: &str, worker: &str, error: String) -> Found {
        Found {
            run: run.to_owned(),
            worker: worker.to_owned(),
            index: None,
            summary: None,
            seed: None,
            report: None,
            error: Some(error),
        }
    }
}

/// Runs `job`'s combinations in one pass over its data: each
/// combination's report, or the job's failure.
fn work_on(job: &Job, me: &str, stop: &Stop) -> Vec<Found> {
    match reports_of(job, stop) {
        Ok((summary, seed, reports)) => reports
            .into_iter()
            .map(|(index, report)| Found {
                run: job.run.clone(),
                worker: me.to_owned(),
                index: Some(index),
                summary: Some(summary.clone()),
                seed,
                report: Some(report),
                error: None,
            })
            .collect(),
        Err(e) => vec![Found::failed(&job.run, me, e)],
    }
}

/// The run's counts and seed, and each combination's report.
type Reports = (Summary, Option<u64>, Vec<(usize, Map<String, Value>)>);

fn reports_of(job: &Job, stop: &Stop) -> Result<Reports, String> {
    let ctx = BuildContext { stop: stop.clone(), sweeping: true, ..BuildContext::default() };
    let source = job.source.component();
    let source = if job.source.files.is_empty() {
        registry::source(&source, &ctx).map_err(|e| e.to_string())?
    } else {
        let config =
            sluice_replay::CsvConfig { path: job.source.files.clone(), ..source.read().map_err(|e| e.to_string())? };
        sluice_replay::build_with_progress(&config, Some(stop.clone()), None, false)
            .map_err(|e| source.place.error(Some(e.key), e.message).to_string())?
    };
    let filters = job.filters.iter().map(|f| registry::filter(&f.component())).collect::<Result<Vec<_>, _>>();
    let filters = filters.map_err(|e| e.to_string())?;
    let values: Vec<Vec<String>> = job.combinations.iter().map(|(_, v)| v.clone()).collect();
    let rank = sluice_bot::Rank::default();
    let sweep = sweep_over(&job.bot.component(), job.keys.clone(), &values, rank, None).map_err(|e| e.to_string())?;
    let bridge = Bridge::new(source, filters, vec![Box::new(sweep)]).map_err(|e| e.to_string())?;
    let outcome = bridge.limit(job.limit).stop_on(stop.clone()).run();
    match &outcome.ending {
        Ending::Exhausted | Ending::Limit | Ending::SinksDone => {}
        Ending::Stopped(_) => return Err("stopped".into()),
        Ending::SourceFailed(e) | Ending::SinkFailed(e) => return Err(e.to_string()),
    }
    let Some(Ok(report)) = outcome.reports.first() else {
        let why = outcome.reports.into_iter().find_map(Result::err).map_or("no report".into(), |e| e.to_string());
        return Err(why);
    };
    // The sweep's ranked list is on disk: spliced into its details.
    let text = serde_json::to_string(&report.details).map_err(|e| e.to_string())?;
    let mut whole = Vec::new();
    let appendices: Vec<&sluice_core::Appendix> = report.appendices.iter().collect();
    sluice_core::appendix::splice(&text, &appendices, &mut whole).map_err(|e| e.to_string())?;
    let whole: Value = serde_json::from_slice(&whole).map_err(|e| e.to_string())?;
    let ranked = whole["sweep"]["combinations"].as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for entry in ranked {
        let Some(&(index, _)) = job
            .combinations
            .iter()
            .find(|(_, v)| Value::Object(sluice_bot::values_json(&job.keys, v)) == entry["values"])
        else {
            return Err(format!("a combination the job did not name: {}", entry["values"]));
        };
        let Value::Object(report) = entry["report"].clone() else {
            return Err("a combination without a report".into());
        };
        out.push((index, report));
    }
    Ok((outcome.summary, outcome.seed, out))
}

/// This machine's name, for messages.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
