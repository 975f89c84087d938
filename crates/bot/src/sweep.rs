//! A sweep: one bot per combination of a [`Grid`], all fed in one pass,
//! and their reports ranked by one figure.
//!
//! Each combination is a whole [`Bot`], so its report is the one a run of
//! that combination alone gives; the sweep only shares the reading.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};
use std::io::Write;

use sluice_core::{Appendix, BadRecord, Error, Flow, Location, Record, RecordKind, Sink, SinkReport};

use crate::Bot;
use crate::pool::{Event, Pool};

/// Figures a sweep can be ranked by, and whether less is better.
pub const RANKABLE: &[(&str, bool)] = &[
    ("return_pct", false),
    ("realized_pnl", false),
    ("sharpe", false),
    ("sortino", false),
    ("calmar", false),
    ("cagr_pct", false),
    ("profit_factor", false),
    ("win_rate", false),
    ("expectancy", false),
    ("trade_count", false),
    ("equity_max_drawdown_pct", true),
    ("equity_max_drawdown", true),
    ("max_drawdown", true),
    ("volatility", true),
];

/// The figure a sweep is ranked by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rank {
    metric: &'static str,
    lower_is_better: bool,
}

impl std::str::FromStr for Rank {
    type Err = String;
    fn from_str(s: &str) -> Result<Rank, String> {
        match RANKABLE.iter().find(|(m, _)| *m == s) {
            Some(&(metric, lower_is_better)) => Ok(Rank { metric, lower_is_better }),
            None => {
                let names: Vec<&str> = RANKABLE.iter().map(|(m, _)| *m).collect();
                Err(format!("`{s}` is not a figure to rank by; use one of {}", names.join(", ")))
            }
        }
    }
}

impl Default for Rank {
    fn default() -> Rank {
        Rank { metric: "return_pct", lower_is_better: false }
    }
}

/// Every combination's bot, fed the same records.
pub struct Sweep {
    keys: Vec<String>,
    /// Each combination's values, one per key, in the order of `pool`'s runs.
    labels: Vec<Vec<String>>,
    pool: Pool,
    rank: Rank,
    heatmap: Option<String>,
    /// Symbols numbered once for every bot: each sees the same records in
    /// the same order, so each would number them the same.
    index: crate::index::SymbolIndex,
    /// Each symbol's ticks, by number: alike for every run, so kept once.
    tapes: Vec<crate::tape::Tape>,
    /// Records not yet handed to the bots. Fed a batch at a time, bot by
    /// bot, so that one bot's state stays in the cache for the whole batch
    /// instead of a hundred bots' being swapped in at every tick.
    batch: Vec<Event>,
    /// A bot failed: nothing more is fed, and the run ends with its error.
    failed: bool,
}

/// Records per batch: a few hundred kilobytes of ticks.
const BATCH: usize = 4096;

impl Sweep {
    /// A sweep over `keys`: each run is its values (one per key) and its
    /// bot. `heatmap`, for two keys, is where to draw the ranked figure.
    pub fn new(keys: Vec<String>, runs: Vec<(Vec<String>, Bot)>, rank: Rank, heatmap: Option<String>) -> Sweep {
        let (labels, bots): (Vec<_>, Vec<_>) = runs.into_iter().unzip();
        Sweep {
            keys,
            labels,
            pool: Pool::new(bots),
            rank,
            heatmap,
            index: Default::default(),
            tapes: Vec::new(),
            batch: Vec::with_capacity(BATCH),
            failed: false,
        }
    }

    /// Holds `event` for the bots, and hands the batch over once it is
    /// full. A bot's error stops the sweep two batches after the record
    /// that caused it at most: the run ends with it all the same.
    fn hold(&mut self, event: Event) -> Result<(), Error> {
        self.batch.push(event);
        if self.batch.len() == BATCH {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            self.pool.feed(full).inspect_err(|_| self.failed = true)?;
        }
        Ok(())
    }
}

impl Rank {
    /// The ranked figure of a report: `None` where it is `null`.
    fn figure(&self, report: &Map<String, Value>) -> Option<f64> {
        report.get(self.metric).and_then(Value::as_f64)
    }

    /// Indices of `figures` best first; a `null` figure ranks last, and
    /// ties keep the grid's order.
    fn order(&self, figures: &[Option<f64>]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..figures.len()).collect();
        order.sort_by(|&a, &b| match (figures[a], figures[b]) {
            (Some(x), Some(y)) if self.lower_is_better => x.total_cmp(&y),
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        });
        order
    }
}

/// The ranked table for stderr: the best twenty.
/// The figures the table shows: a few, and the ranked one.
fn table_columns(rank: &Rank) -> Vec<&'static str> {
    let mut columns = vec!["trade_count", "realized_pnl", "return_pct", "equity_max_drawdown_pct", "sharpe"];
    if !columns.contains(&rank.metric) {
        columns.push(rank.metric);
    }
    columns
}

fn table(
    keys: &[String],
    labels: &[Vec<String>],
    reports: &[Map<String, Value>],
    order: &[usize],
    rank: &Rank,
) -> String {
    const SHOWN: usize = 20;
    let columns = table_columns(rank);
    let mut header: Vec<String> = vec!["rank".into()];
    header.extend(keys.iter().cloned());
    header.extend(columns.iter().map(|c| c.to_string()));
    let mut rows = vec![header];
    for (place, &i) in order.iter().enumerate().take(SHOWN) {
        let mut row = vec![(place + 1).to_string()];
        row.extend(labels[i].iter().cloned());
        row.extend(columns.iter().map(|c| match reports[i].get(*c) {
            Some(Value::Number(n)) if n.is_f64() => format!("{:.2}", n.as_f64().unwrap_or(f64::NAN)),
            Some(Value::Number(n)) => n.to_string(),
            _ => "-".into(),
        }));
        rows.push(row);
    }
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut lines = vec![format!("sweep: {} combinations, ranked by {}", labels.len(), rank.metric)];
    lines.extend(rows.iter().map(|r| {
        let cells: Vec<String> = r.iter().zip(&widths).map(|(v, w)| format!("{v:>w$}")).collect();
        cells.join("  ")
    }));
    if order.len() > SHOWN {
        lines.push(format!("… {} more in the report", order.len() - SHOWN));
    }
    lines.join("\n")
}

impl Sink for Sweep {
    fn name(&self) -> &str {
        "sweep"
    }

    fn accepts(&self, kind: RecordKind) -> bool {
        kind == RecordKind::Tick
    }

    fn start(&mut self) -> Result<(), Error> {
        self.pool.start()
    }

    fn send(&mut self, record: &Record<'_>, _: &Location<'_>) -> Result<Flow, Error> {
        if let Record::Tick(tick) = record {
            let number = self.index.number(tick.symbol);
            // A symbol first seen in a bad record was numbered then.
            if number >= self.tapes.len() {
                self.tapes.resize(number + 1, Default::default());
            }
            let before = self.tapes[number].take(tick)?;
            self.hold(Event::Tick(number, *tick, before))?;
        }
        Ok(Flow::Continue)
    }

    fn throw(&mut self, bad: &BadRecord<'_>) -> Result<Flow, Error> {
        let number = bad.symbol.map(|s| self.index.number(s));
        // Kept without its raw bytes and place, which a bot does not read.
        let kept = BadRecord {
            kind: bad.kind,
            reason: bad.reason.clone(),
            location: Location::Seq { source: "sweep", seq: 0 },
            raw: b"",
            symbol: bad.symbol,
            echo: bad.echo,
        };
        self.hold(Event::Bad(number, kept))?;
        Ok(Flow::Continue)
    }

    fn close(mut self: Box<Self>) -> Result<SinkReport, Error> {
        // After a bot failed, the rest is not fed: each report covers what
        // came before, and the run ends with the error.
        let fed = match self.failed {
            true => Ok(()),
            false => self.pool.feed(std::mem::take(&mut self.batch)).and_then(|()| self.pool.finish()),
        };
        let Sweep { keys, labels, pool, rank, heatmap, tapes, .. } = *self;
        let runs = labels.into_iter().zip(pool.into_runs()?);
        fed?;
        let mut ranking = Ranking::new(keys, rank, heatmap);
        for (values, mut bot) in runs {
            bot.adopt(&tapes);
            let report = bot.close()?;
            ranking.push(values, &report.full_details().map_err(keeping)?)?;
        }
        ranking.finish()
    }
}

/// Combinations' reports ranked into a sweep's table, heatmap and report:
/// what a sweep does at its close, and what a coordinator does with the
/// reports its workers send.
pub struct Ranking {
    keys: Vec<String>,
    rank: Rank,
    heatmap: Option<String>,
    /// Each combination's values, in the grid's order.
    labels: Vec<Vec<String>>,
    /// Each report as its JSON text (a fraction of its size as values).
    texts: Vec<String>,
    /// The few figures the table shows, of each report.
    shown: Vec<Map<String, Value>>,
}

impl Ranking {
    /// A ranking of combinations of `keys` by `rank`; `heatmap`, for two
    /// keys, is where to draw the ranked figure.
    pub fn new(keys: Vec<String>, rank: Rank, heatmap: Option<String>) -> Ranking {
        Ranking { keys, rank, heatmap, labels: Vec::new(), texts: Vec::new(), shown: Vec::new() }
    }

    /// Adds a combination, its values (one per key) and its whole report,
    /// in the grid's order: ties in the ranked figure keep that order.
    pub fn push(&mut self, values: Vec<String>, report: &Map<String, Value>) -> Result<(), Error> {
        let columns = table_columns(&self.rank);
        self.shown.push(columns.iter().filter_map(|c| Some((c.to_string(), report.get(*c)?.clone()))).collect());
        self.texts.push(serde_json::to_string(report).map_err(std::io::Error::from).map_err(keeping)?);
        self.labels.push(values);
        Ok(())
    }

    /// The table (the report's summary), the heatmap drawn, and the ranked
    /// combinations with their reports (an appendix on disk).
    pub fn finish(self) -> Result<SinkReport, Error> {
        let Ranking { keys, rank, heatmap, labels, mut texts, shown } = self;
        let figures: Vec<Option<f64>> = shown.iter().map(|r| rank.figure(r)).collect();
        let order = rank.order(&figures);
        let summary = table(&keys, &labels, &shown, &order, &rank);
        if let Some(path) = &heatmap {
            crate::heatmap::draw(path, &keys, &labels, &figures, rank.metric)
                .map_err(|e| Error::new("sweep", format!("drawing {path}: {e}")))?;
        }
        // The ranked combinations go to disk, copied into the report where
        // their placeholder stands: a hundred full reports are megabytes.
        let mut file = std::io::BufWriter::new(tempfile::tempfile().map_err(keeping)?);
        file.write_all(b"[").map_err(keeping)?;
        for (place, &i) in order.iter().enumerate() {
            let values = values_json(&keys, &labels[i]);
            let head = json!({ "rank": place + 1, "values": values }).to_string();
            // `{"rank":…,"values":{…}` then `,"report":TEXT}`.
            let sep = if place == 0 { "\n      " } else { ",\n      " };
            write!(file, "{sep}{},\"report\":{}}}", &head[..head.len() - 1], texts[i]).map_err(keeping)?;
            texts[i] = String::new();
        }
        file.write_all(b"\n    ]").map_err(keeping)?;
        let appendix = Appendix::new(file.into_inner().map_err(|e| keeping(e.into_error()))?);
        let mut details = Map::new();
        let combinations = appendix.placeholder();
        details.insert("sweep".into(), json!({ "keys": keys, "rank": rank.metric, "combinations": combinations }));
        Ok(SinkReport { sink: "sweep".into(), summary, details, appendices: vec![appendix] })
    }
}

/// A failure to write a sweep's reports to disk.
fn keeping(e: std::io::Error) -> Error {
    Error::io("sweep", "keeping the combinations' reports", e)
}

/// A combination's values as the report gives them: `{"entry":140}`, a
/// value that reads as JSON (a number) as that, any other as text.
pub fn values_json(keys: &[String], values: &[String]) -> Map<String, Value> {
    keys.iter().zip(values).map(|(k, v)| (k.clone(), serde_json::from_str(v).unwrap_or_else(|_| json!(v)))).collect()
}
