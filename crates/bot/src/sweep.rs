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
    runs: Vec<(Vec<String>, Box<Bot>)>,
    rank: Rank,
    heatmap: Option<String>,
    /// Symbols numbered once for every bot: each sees the same records in
    /// the same order, so each would number them the same.
    index: crate::index::SymbolIndex,
    /// Each symbol's ticks, by number: alike for every run, so kept once.
    tapes: Vec<crate::tape::Tape>,
    /// Records not yet fed to the bots. Fed a batch at a time, bot by bot,
    /// so that one bot's state stays in the cache for the whole batch
    /// instead of a hundred bots' being swapped in at every tick.
    batch: Vec<Event>,
}

/// A record held for the bots, with its symbol's number.
enum Event {
    /// With the time of the symbol's tick before.
    Tick(usize, sluice_core::Tick, Option<sluice_core::Timestamp>),
    Bad(Option<usize>, BadRecord<'static>),
}

/// Records per batch: a few hundred kilobytes of ticks.
const BATCH: usize = 4096;

impl Sweep {
    /// A sweep over `keys`: each run is its values (one per key) and its
    /// bot. `heatmap`, for two keys, is where to draw the ranked figure.
    pub fn new(keys: Vec<String>, runs: Vec<(Vec<String>, Bot)>, rank: Rank, heatmap: Option<String>) -> Sweep {
        let runs = runs.into_iter().map(|(v, b)| (v, Box::new(b))).collect();
        Sweep {
            keys,
            runs,
            rank,
            heatmap,
            index: Default::default(),
            tapes: Vec::new(),
            batch: Vec::with_capacity(BATCH),
        }
    }

    /// Feeds the batch to every bot, in order, and empties it: the bots
    /// split between a thread per core (each bot is fed by one, so its
    /// report is the same). A bot's error stops the sweep here, a batch after the
    /// record that caused it at most: the run ends with it all the same.
    fn flush(&mut self) -> Result<(), Error> {
        let batch = &self.batch;
        let feed = |runs: &mut [(Vec<String>, Box<Bot>)]| -> Result<(), Error> {
            for (_, bot) in runs {
                for event in batch {
                    match event {
                        Event::Tick(number, tick, before) => bot.trade(*number, tick, *before)?,
                        Event::Bad(number, bad) => bot.bad(*number, bad)?,
                    }
                }
            }
            Ok(())
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let share = self.runs.len().div_ceil(cores).max(1);
        let mut shares = self.runs.chunks_mut(share);
        let mine = shares.next();
        std::thread::scope(|s| {
            let others: Vec<_> = shares.map(|runs| s.spawn(|| feed(runs))).collect();
            let mut result = mine.map_or(Ok(()), feed);
            for other in others {
                let theirs = other.join().unwrap_or_else(|_| Err(Error::new("sweep", "a sweep thread panicked")));
                result = result.and(theirs);
            }
            result
        })?;
        self.batch.clear();
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
        self.runs.iter_mut().try_for_each(|(_, bot)| bot.start())
    }

    fn send(&mut self, record: &Record<'_>, _: &Location<'_>) -> Result<Flow, Error> {
        if let Record::Tick(tick) = record {
            let number = self.index.number(tick.symbol);
            // A symbol first seen in a bad record was numbered then.
            if number >= self.tapes.len() {
                self.tapes.resize(number + 1, Default::default());
            }
            let before = self.tapes[number].take(tick)?;
            self.batch.push(Event::Tick(number, *tick, before));
            if self.batch.len() == BATCH {
                self.flush()?;
            }
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
        self.batch.push(Event::Bad(number, kept));
        if self.batch.len() == BATCH {
            self.flush()?;
        }
        Ok(Flow::Continue)
    }

    fn close(mut self: Box<Self>) -> Result<SinkReport, Error> {
        self.flush()?;
        let Sweep { keys, runs, rank, heatmap, tapes, .. } = *self;
        let io = |e: std::io::Error| Error::io("sweep", "keeping the combinations' reports", e);
        // Each report is kept as its JSON text (a fraction of its size as
        // values), with the few figures the table shows beside it.
        let (mut labels, mut texts, mut shown) = (Vec::new(), Vec::new(), Vec::new());
        let columns = table_columns(&rank);
        for (values, mut bot) in runs {
            bot.adopt(&tapes);
            let report = bot.close()?;
            let details = report.full_details().map_err(io)?;
            shown.push(columns.iter().filter_map(|c| Some((c.to_string(), details.get(*c)?.clone()))).collect());
            texts.push(serde_json::to_string(&details).map_err(std::io::Error::from).map_err(io)?);
            labels.push(values);
        }
        let figures: Vec<Option<f64>> = shown.iter().map(|r| rank.figure(r)).collect();
        let order = rank.order(&figures);
        let summary = table(&keys, &labels, &shown, &order, &rank);
        if let Some(path) = &heatmap {
            crate::heatmap::draw(path, &keys, &labels, &figures, rank.metric)
                .map_err(|e| Error::new("sweep", format!("drawing {path}: {e}")))?;
        }
        // The ranked combinations go to disk, copied into the report where
        // their placeholder stands: a hundred full reports are megabytes.
        let mut file = std::io::BufWriter::new(tempfile::tempfile().map_err(io)?);
        file.write_all(b"[").map_err(io)?;
        for (place, &i) in order.iter().enumerate() {
            let values: Map<String, Value> = keys
                .iter()
                .zip(&labels[i])
                .map(|(k, v)| (k.clone(), serde_json::from_str(v).unwrap_or_else(|_| json!(v))))
                .collect();
            let head = json!({ "rank": place + 1, "values": values }).to_string();
            // `{"rank":…,"values":{…}` then `,"report":TEXT}`.
            let sep = if place == 0 { "\n      " } else { ",\n      " };
            write!(file, "{sep}{},\"report\":{}}}", &head[..head.len() - 1], texts[i]).map_err(io)?;
            texts[i] = String::new();
        }
        file.write_all(b"\n    ]").map_err(io)?;
        let appendix = Appendix::new(file.into_inner().map_err(|e| io(e.into_error()))?);
        let mut details = Map::new();
        let combinations = appendix.placeholder();
        details.insert("sweep".into(), json!({ "keys": keys, "rank": rank.metric, "combinations": combinations }));
        Ok(SinkReport { sink: "sweep".into(), summary, details, appendices: vec![appendix] })
    }
}
