//! Micro-benchmark of the grep's hot path: `cargo bench -p sluice-grep`.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sluice_grep::{MatchOptions, Matcher};

/// A log of `lines` lines, one in a hundred holding ERROR.
fn log(lines: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..lines {
        let level = if i % 100 == 7 { "ERROR" } else { "INFO" };
        writeln!(
            out,
            "2026-01-05 00:00:{:02}.{:03} {level} [worker-{}] request served in {}ms",
            i % 60,
            i % 1000,
            i % 16,
            i % 97
        )
        .unwrap();
    }
    out
}

fn literal_search(c: &mut Criterion) {
    let data = log(200_000);
    let m = Matcher::new(&["ERROR"], MatchOptions::default()).unwrap();
    let mut g = c.benchmark_group("grep");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("literal ERROR, whole buffer, hits to line ends", |b| {
        b.iter(|| {
            let (mut pos, mut hits) = (0, 0);
            while let Some((s, _)) = m.find(&data[pos..]) {
                let end = memchr::memchr(b'\n', &data[pos + s..]).map_or(data.len(), |i| pos + s + i);
                hits += 1;
                pos = end + 1;
                if pos >= data.len() {
                    break;
                }
            }
            black_box(hits)
        })
    });
    g.finish();
}

criterion_group!(benches, literal_search);
criterion_main!(benches);
