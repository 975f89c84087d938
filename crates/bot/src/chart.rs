//! The picture of a replay: each symbol's price with the bot's entries and
//! exits marked, and below it the realized PnL, drawn as SVG with plotters.
//! Long replays are downsampled as they stream, so memory stays flat.

use std::collections::BTreeMap;

use plotters::prelude::*;
use sluice_core::{Symbol, Timestamp};

/// Buckets a series keeps; twice this many merge pairwise into this many.
const BUCKETS: usize = 600;
/// Most trade markers kept per symbol.
const MARKERS: usize = 20_000;
/// Most symbols charted: each costs up to about 500 KB (its series and
/// markers), so a file of a million symbols cannot exhaust memory. Later
/// symbols are counted, not charted.
pub const CHARTED: usize = 1_000;

/// A series downsampled to a fixed number of buckets, each keeping its
/// lowest and highest point, so spikes survive.
#[derive(Debug, Default)]
pub struct Series {
    buckets: Vec<Bucket>,
    /// Points per bucket; doubles whenever the buckets are merged.
    width: u64,
    filling: Option<(Bucket, u64)>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    low: (i64, f64),
    high: (i64, f64),
}

impl Bucket {
    fn merge(self, other: Bucket) -> Bucket {
        Bucket {
            low: if other.low.1 < self.low.1 { other.low } else { self.low },
            high: if other.high.1 > self.high.1 { other.high } else { self.high },
        }
    }
}

impl Series {
    /// Adds a point (time in nanoseconds, value).
    pub fn push(&mut self, t: i64, v: f64) {
        let width = self.width.max(1);
        let (bucket, n) = match self.filling.take() {
            None => (Bucket { low: (t, v), high: (t, v) }, 1),
            Some((b, n)) => (b.merge(Bucket { low: (t, v), high: (t, v) }), n + 1),
        };
        if n < width {
            self.filling = Some((bucket, n));
            return;
        }
        self.buckets.push(bucket);
        if self.buckets.len() >= 2 * BUCKETS {
            self.buckets = self.buckets.chunks(2).map(|p| p[1..].iter().fold(p[0], |a, b| a.merge(*b))).collect();
            self.width = width * 2;
        }
    }

    /// Whether nothing has been pushed.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty() && self.filling.is_none()
    }

    /// The points to draw, in time order.
    pub fn points(&self) -> Vec<(f64, f64)> {
        let mut out = Vec::with_capacity(2 * self.buckets.len() + 2);
        for b in self.buckets.iter().chain(self.filling.as_ref().map(|(b, _)| b)) {
            let (a, c) = if b.low.0 <= b.high.0 { (b.low, b.high) } else { (b.high, b.low) };
            out.push((a.0 as f64, a.1));
            if c != a {
                out.push((c.0 as f64, c.1));
            }
        }
        out
    }
}

impl Picture {
    /// A picture that draws the `shown` busiest symbols.
    pub fn new(shown: usize) -> Picture {
        Picture { shown, ..Picture::default() }
    }

    /// `symbol`'s chart, opened at its first tick while fewer than
    /// [`CHARTED`] symbols are; `None` past that.
    pub fn chart(&mut self, symbol: Symbol) -> Option<&mut SymbolChart> {
        if !self.symbols.contains_key(&symbol) {
            if self.symbols.len() >= CHARTED {
                return None;
            }
            self.symbols.insert(symbol, SymbolChart::default());
        }
        self.symbols.get_mut(&symbol)
    }
}

/// What the picture of one symbol needs.
#[derive(Debug, Default)]
pub struct SymbolChart {
    /// Ticks seen: the busiest symbols are the ones drawn.
    pub ticks: u64,
    pub price: Series,
    pub equity: Series,
    /// (time, price, is an entry).
    pub markers: Vec<(i64, f64, bool)>,
}

impl SymbolChart {
    pub fn mark(&mut self, t: Timestamp, price: f64, entry: bool) {
        if self.markers.len() < MARKERS {
            self.markers.push((t.as_nanos(), price, entry));
        }
    }
}

/// The whole picture: each symbol's, and the portfolio's curve.
#[derive(Debug, Default)]
pub struct Picture {
    pub symbols: BTreeMap<Symbol, SymbolChart>,
    /// Every symbol the bot saw, charted or not (set before drawing).
    pub seen: usize,
    /// How many of the busiest symbols are drawn (`plot_symbols`).
    pub shown: usize,
    /// Capital plus realized and open PnL, at every tick.
    pub equity: Series,
    /// How far that curve stands below its peak so far.
    pub drawdown: Series,
}

/// Draws the portfolio's equity and drawdown, then every symbol: a price
/// panel with a green triangle at each entry and a red circle at each exit,
/// and a realized-PnL panel under it.
pub fn draw(path: &str, picture: &Picture) -> Result<(), String> {
    // Drawn in memory, then written whole: a failed write leaves no half
    // a picture where an old one was.
    let mut svg = String::new();
    render(&mut svg, picture)?;
    let write = || -> std::io::Result<()> {
        let mut file = sluice_io::AtomicFile::create(path)?;
        std::io::Write::write_all(&mut file, svg.as_bytes())?;
        file.commit()
    };
    write().map_err(|e| sluice_core::error::io_message(&e))
}

fn render(svg: &mut String, picture: &Picture) -> Result<(), String> {
    // The busiest symbols, drawn in symbol order.
    let mut busiest: Vec<(&Symbol, &SymbolChart)> = picture.symbols.iter().collect();
    busiest.sort_by(|a, b| b.1.ticks.cmp(&a.1.ticks).then(a.0.cmp(b.0)));
    busiest.truncate(picture.shown);
    busiest.sort_by_key(|(s, _)| **s);
    let left_out = picture.seen.max(picture.symbols.len()) - busiest.len();
    let charts = busiest;
    // Two panels for the portfolio, two per symbol.
    let n = charts.len() as u32 + 1;
    let root = SVGBackend::with_string(svg, (1200, 520 * n)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let panels = root.split_evenly(((2 * n) as usize, 1));
    let (equity, drawdown) = (picture.equity.points(), picture.drawdown.points());
    let span = bounds(equity.iter().map(|p| p.0));
    let mut title = "portfolio: equity (capital plus PnL, marked to market)".to_owned();
    if left_out > 0 {
        title.push_str(&format!("; below, the {} busiest symbols ({left_out} more not drawn)", charts.len()));
    }
    panel(&panels[0], &title, span, &equity, &[])?;
    panel(&panels[1], "portfolio: drawdown below the peak", span, &drawdown, &[])?;
    let panels = &panels[2..];
    for (i, (symbol, chart)) in charts.iter().enumerate() {
        let prices = chart.price.points();
        // Both panels share the price panel's time axis.
        let span = bounds(prices.iter().map(|p| p.0));
        // Realized PnL moves only at exits: drawn as steps.
        let equity = steps(&chart.equity.points(), span.1);
        panel(&panels[2 * i], &format!("{symbol}: price, entries (▲) and exits (●)"), span, &prices, &chart.markers)?;
        panel(&panels[2 * i + 1], &format!("{symbol}: realized PnL"), span, &equity, &[])?;
    }
    root.present().map_err(|e| e.to_string())
}

fn panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    (x0, x1): (f64, f64),
    points: &[(f64, f64)],
    markers: &[(i64, f64, bool)],
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let ys = points.iter().map(|p| p.1).chain(markers.iter().map(|m| m.1));
    let (y0, y1) = bounds(ys);
    let pad = ((y1 - y0) * 0.05).max(1e-9);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1.max(x0 + 1.0), (y0 - pad)..(y1 + pad))
        .map_err(|e| err(&e))?;
    // Dates for spans of days, times within a day.
    let days = (x1 - x0) > 2.0 * 86_400e9;
    let label = |t: &f64| {
        let text = Timestamp::from_nanos(*t as i64).to_string();
        if days { text[..10.min(text.len())].to_owned() } else { text.get(11..19).unwrap_or(&text).to_owned() }
    };
    // Within a day the labels are times: the axis says which day.
    let start = Timestamp::from_nanos(x0 as i64).to_string();
    let desc = if days { "date (UTC)".to_owned() } else { format!("time (UTC) on {}", &start[..10.min(start.len())]) };
    chart.configure_mesh().x_labels(6).x_label_formatter(&label).x_desc(desc).draw().map_err(|e| err(&e))?;
    chart.draw_series(LineSeries::new(points.iter().copied(), &BLUE)).map_err(|e| err(&e))?;
    let entries = markers.iter().filter(|m| m.2).map(|m| TriangleMarker::new((m.0 as f64, m.1), 6, GREEN.filled()));
    chart.draw_series(entries).map_err(|e| err(&e))?;
    let exits = markers.iter().filter(|m| !m.2).map(|m| Circle::new((m.0 as f64, m.1), 4, RED.filled()));
    chart.draw_series(exits).map_err(|e| err(&e))?;
    Ok(())
}

/// A curve that holds each value until the next point, out to `end`.
fn steps(points: &[(f64, f64)], end: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2 + 1);
    for (i, &(t, v)) in points.iter().enumerate() {
        if i > 0 {
            out.push((t, points[i - 1].1));
        }
        out.push((t, v));
    }
    if let Some(&(t, v)) = out.last()
        && t < end
    {
        out.push((end, v));
    }
    out
}

/// The lowest and highest value, or 0..1 for none.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_every_spike_and_a_fixed_size() {
        let mut s = Series::default();
        for i in 0..1_000_000i64 {
            let v = if i == 777_777 {
                1e6
            } else if i == 123_456 {
                -1e6
            } else {
                (i % 100) as f64
            };
            s.push(i, v);
        }
        let points = s.points();
        assert!(points.len() <= 4 * BUCKETS + 2, "{}", points.len());
        assert!(points.contains(&(777_777.0, 1e6)) && points.contains(&(123_456.0, -1e6)));
        assert!(points.windows(2).all(|w| w[0].0 <= w[1].0), "in time order");
    }
}
