//! Micro-benchmarks of the replay's hot paths: `cargo bench -p
//! sluice-replay`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sluice_core::{Filter, Pull};
use sluice_replay::{CsvConfig, build};

fn csv_parser(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("sluice-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ticks.csv");
    let mut text = String::from("timestamp,symbol,price,volume\n");
    let symbols = ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "TSLA", "META", "NFLX"];
    for i in 0..200_000u64 {
        text.push_str(&format!(
            "2026-01-05T00:{:02}:{:02}.{:06}Z,{},{}.{:02},{}\n",
            i / 60_000 % 60,
            i / 1000 % 60,
            i % 1_000_000,
            symbols[i as usize % 8],
            100 + i % 200,
            i % 100,
            1 + i % 9999
        ));
    }
    std::fs::write(&path, &text).unwrap();
    let config = CsvConfig::new(vec![path.to_string_lossy().into_owned()]);
    let mut g = c.benchmark_group("csv");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("every row parsed", |b| {
        b.iter(|| {
            let mut src = build(&config, None).unwrap();
            let mut n = 0u64;
            while !matches!(src.pull().unwrap(), Pull::End) {
                n += 1;
            }
            black_box(n)
        })
    });
    g.bench_function("symbol filter taken over", |b| {
        b.iter(|| {
            let mut src = build(&config, None).unwrap();
            src.take_over(&Filter::Symbols(vec!["AAPL".parse().unwrap()]));
            let mut n = 0u64;
            while !matches!(src.pull().unwrap(), Pull::End) {
                n += 1;
            }
            black_box(n)
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, csv_parser);
criterion_main!(benches);
