use super::*;

fn config(seed: u64, count: u64) -> TickerConfig {
    TickerConfig { seed: Some(seed), count: Some(count), ..TickerConfig::default() }
}

/// Every pull of a ticker, rendered as text lines.
fn render(config: TickerConfig) -> Vec<String> {
    let mut t = Ticker::new(config, None).unwrap();
    let mut out = Vec::new();
    loop {
        match t.pull().unwrap() {
            Pull::End => return out,
            Pull::Record(Record::Tick(k), _) => out.push(format!("{},{},{},{}", k.time, k.symbol, k.price, k.volume)),
            Pull::Bad(b) => out.push(format!("BAD {} {} {}", b.location, b.reason, String::from_utf8_lossy(b.raw))),
            Pull::Record(other, _) => panic!("ticker emitted {other:?}"),
            Pull::Idle => panic!("a ticker is never idle"),
        }
    }
}

#[test]
fn same_seed_same_stream() {
    assert_eq!(render(config(7, 2000)), render(config(7, 2000)));
}

#[test]
fn other_seed_other_stream() {
    let a = render(config(7, 100));
    let b = render(config(8, 100));
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    assert!(same < 5, "{same} of 100 ticks equal across seeds");
}

#[test]
fn values_stay_in_the_article_ranges() {
    let mut t = Ticker::new(config(1, 20_000), None).unwrap();
    let (mut lo, mut hi) = (Decimal::from_units(i64::MAX), Decimal::ZERO);
    let mut seen = std::collections::BTreeSet::new();
    while let Pull::Record(Record::Tick(k), _) = t.pull().unwrap() {
        assert_eq!(k.price.round_to(2), k.price, "two decimals");
        let v = k.volume.units() / i128::from(Decimal::ONE.units());
        assert!((100..=10_000).contains(&v), "volume {v}");
        lo = lo.min(k.price);
        hi = hi.max(k.price);
        seen.insert(k.symbol.to_string());
    }
    assert!(lo >= "100".parse().unwrap() && lo < "100.10".parse().unwrap(), "lowest {lo}");
    assert!(hi <= "300".parse().unwrap() && hi > "299.90".parse().unwrap(), "highest {hi}");
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["AAPL", "AMZN", "GOOG", "MSFT"]);
}

#[test]
fn ticks_are_stamped_from_start_by_rate() {
    let mut c = config(3, 3);
    c.start = "2020-05-01T00:00:00Z".parse().unwrap();
    c.rate = Some(1000.0);
    let lines = render(c);
    let times: Vec<&str> = lines.iter().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(times, ["2020-05-01T00:00:00Z", "2020-05-01T00:00:00.001Z", "2020-05-01T00:00:00.002Z"]);
}

#[test]
fn bad_rate_corrupts_some_ticks_and_changes_no_other() {
    let clean = render(config(11, 5000));
    let mut c = config(11, 5000);
    c.bad_rate = 0.1;
    let dirty = render(c);
    assert_eq!(clean.len(), dirty.len());
    let mut bad = 0;
    for (i, (c, d)) in clean.iter().zip(&dirty).enumerate() {
        if let Some(rest) = d.strip_prefix("BAD ") {
            bad += 1;
            // The raw text is the clean tick with its price negated.
            let fields: Vec<&str> = c.split(',').collect();
            let want = format!(
                "ticker#{} Negative price: -{} {},{},-{},{}",
                i + 1,
                fields[2],
                fields[0],
                fields[1],
                fields[2],
                fields[3]
            );
            assert_eq!(rest, want);
        } else {
            assert_eq!(c, d);
        }
    }
    // 5000 draws at p = 0.1: mean 500, sd 21; six sd either side.
    assert!((375..=625).contains(&bad), "{bad} bad ticks");
}

#[test]
fn bad_rate_extremes() {
    let mut c = config(5, 200);
    c.bad_rate = 1.0;
    assert!(render(c).iter().all(|l| l.starts_with("BAD")));
    assert!(render(config(5, 200)).iter().all(|l| !l.starts_with("BAD")));
}

#[test]
fn count_ends_the_stream_and_end_repeats() {
    let mut t = Ticker::new(config(2, 2), None).unwrap();
    assert!(matches!(t.pull().unwrap(), Pull::Record(..)));
    assert!(matches!(t.pull().unwrap(), Pull::Record(..)));
    assert!(matches!(t.pull().unwrap(), Pull::End));
    assert!(matches!(t.pull().unwrap(), Pull::End));
}

#[test]
fn walk_moves_each_symbol_by_at_most_one_dollar() {
    let mut c = config(9, 5000);
    c.mode = PriceMode::Walk;
    let mut t = Ticker::new(c, None).unwrap();
    let mut last = std::collections::HashMap::new();
    while let Pull::Record(Record::Tick(k), _) = t.pull().unwrap() {
        if let Some(prev) = last.insert(k.symbol, k.price) {
            assert!((k.price - prev).abs() <= Decimal::ONE, "{prev} -> {}", k.price);
        }
        assert!(k.price > Decimal::ZERO);
    }
}

#[test]
fn a_missing_seed_is_drawn_and_reported() {
    let t = Ticker::new(TickerConfig { count: Some(1), ..TickerConfig::default() }, None).unwrap();
    let seed = t.seed().unwrap();
    let again = render(config(seed, 50));
    let mut c = TickerConfig { count: Some(50), ..TickerConfig::default() };
    c.seed = Some(seed);
    assert_eq!(render(c), again, "the reported seed reproduces the run");
}

#[test]
fn validate_refuses_out_of_range_values() {
    let mut c = TickerConfig { bad_rate: 1.5, ..TickerConfig::default() };
    assert_eq!(c.validate().unwrap_err().key, "bad_rate");
    c.bad_rate = 0.0;
    c.rate = Some(0.0);
    assert_eq!(c.validate().unwrap_err().key, "rate");
    c.rate = Some(f64::NAN);
    assert!(c.validate().is_err());
    // Issue 19: rate=1e-19 panicked with an overflow when it was paced.
    c.rate = Some(1e-19);
    let err = c.validate().unwrap_err();
    assert!(err.key == "rate" && err.message.contains("slower than one a year"), "{err}");
    c.rate = Some(1e-7);
    assert!(c.validate().is_ok(), "one tick in 116 days is slow, and can be paced");
}

#[test]
fn sampler_is_unbiased_on_small_ranges() {
    let mut s = Sampler::new(ChaCha8Rng::seed_from_u64(0));
    let mut counts = [0u32; 3];
    for _ in 0..30_000 {
        counts[s.below(3) as usize] += 1;
    }
    assert!(counts.iter().all(|&c| (9_500..=10_500).contains(&c)), "{counts:?}");
    assert!((0..100).all(|_| s.below(1) == 0));
}
