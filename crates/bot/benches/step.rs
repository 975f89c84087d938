//! Micro-benchmark of the bot's step: `cargo bench -p sluice-bot`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sluice_bot::{Bot, BotConfig};
use sluice_core::{Decimal, Location, Record, Sink, Tick, Timestamp};

fn step(c: &mut Criterion) {
    let symbols = ["AAPL", "MSFT", "GOOG", "AMZN"];
    let ticks: Vec<Record<'static>> = (0..10_000i64)
        .map(|i| {
            Record::Tick(Tick {
                time: Timestamp::from_nanos(i * 1_000_000),
                symbol: symbols[i as usize % 4].parse().unwrap(),
                price: Decimal::from_scaled(10_000 + (i * 7919) % 20_000, 2).unwrap(),
                volume: sluice_core::Money::from_decimal(Decimal::ONE),
                quote: None,
            })
        })
        .collect();
    let at = Location::Seq { source: "bench", seq: 1 };
    let mut g = c.benchmark_group("bot");
    g.throughput(Throughput::Elements(ticks.len() as u64));
    let mut bot = Box::new(Bot::new(BotConfig::default(), Box::new(std::io::sink())).unwrap());
    g.bench_function("send, four symbols, signal lines to a sink", |b| {
        b.iter(|| {
            for t in &ticks {
                black_box(bot.send(t, &at).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
