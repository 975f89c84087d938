//! A two-key sweep's ranked figure as an SVG heatmap: the first key across,
//! the second down, each cell coloured from red (lowest) to green
//! (highest) and labelled with its value.

use plotters::prelude::*;

const CELL: (i32, i32) = (90, 36);
const MARGIN: (i32, i32) = (110, 70);

/// Draws `figures` (one per combination, `labels` giving its two values)
/// to `path`, written whole or not at all.
pub fn draw(
    path: &str,
    keys: &[String],
    labels: &[Vec<String>],
    figures: &[Option<f64>],
    metric: &str,
) -> Result<(), String> {
    let [across, down] = keys else { return Err("a heatmap needs a sweep of exactly two keys".into()) };
    let distinct = |axis: usize| {
        let mut seen: Vec<&str> = Vec::new();
        for l in labels {
            if !seen.contains(&l[axis].as_str()) {
                seen.push(&l[axis]);
            }
        }
        seen
    };
    let (xs, ys) = (distinct(0), distinct(1));
    let known: Vec<f64> = figures.iter().flatten().copied().filter(|f| f.is_finite()).collect();
    let low = known.iter().copied().fold(f64::INFINITY, f64::min);
    let high = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let size = ((MARGIN.0 + CELL.0 * xs.len() as i32 + 20) as u32, (MARGIN.1 + CELL.1 * ys.len() as i32 + 20) as u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let err = |e: &dyn std::fmt::Display| e.to_string();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let text = |s: String, at: (i32, i32)| Text::new(s, at, ("sans-serif", 13).into_font());
        root.draw(&text(format!("{metric} by {across} (across) and {down} (down)"), (10, 12))).map_err(|e| err(&e))?;
        for (i, x) in xs.iter().enumerate() {
            root.draw(&text(x.to_string(), (MARGIN.0 + CELL.0 * i as i32 + 8, MARGIN.1 - 20))).map_err(|e| err(&e))?;
        }
        for (j, y) in ys.iter().enumerate() {
            root.draw(&text(y.to_string(), (10, MARGIN.1 + CELL.1 * j as i32 + 12))).map_err(|e| err(&e))?;
        }
        for (l, figure) in labels.iter().zip(figures) {
            let i = xs.iter().position(|x| *x == l[0]).unwrap_or(0) as i32;
            let j = ys.iter().position(|y| *y == l[1]).unwrap_or(0) as i32;
            let corner = (MARGIN.0 + CELL.0 * i, MARGIN.1 + CELL.1 * j);
            let colour = match figure {
                Some(f) if f.is_finite() => shade(if high > low { (f - low) / (high - low) } else { 0.5 }),
                _ => RGBColor(220, 220, 220),
            };
            let far = (corner.0 + CELL.0 - 2, corner.1 + CELL.1 - 2);
            root.draw(&Rectangle::new([corner, far], colour.filled())).map_err(|e| err(&e))?;
            let label = figure.map_or("-".to_owned(), |f| format!("{f:.2}"));
            root.draw(&text(label, (corner.0 + 8, corner.1 + 12))).map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    let write = || -> std::io::Result<()> {
        let mut file = sluice_io::AtomicFile::create(path)?;
        std::io::Write::write_all(&mut file, svg.as_bytes())?;
        file.commit()
    };
    write().map_err(|e| sluice_core::error::io_message(&e))
}

/// Red at 0, yellow at ½, green at 1.
fn shade(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let (r, g) = if t < 0.5 { (230.0, 90.0 + 280.0 * t) } else { (230.0 - 300.0 * (t - 0.5), 230.0) };
    RGBColor(r as u8, g as u8, 90)
}
