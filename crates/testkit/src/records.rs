//! Records with the defaults most tests want.

use sluice_core::{BadKind, BadRecord, Decimal, Location, Tick, Timestamp};

/// A tick of `symbol` at `price` (exact decimal text), volume 1, at the
/// epoch. Panics on text that is not a symbol or a price: a test's typo.
pub fn tick(symbol: &str, price: &str) -> Tick {
    Tick {
        time: Timestamp::EPOCH,
        symbol: symbol.parse().unwrap(),
        price: price.parse().unwrap(),
        volume: sluice_core::Money::from_decimal(Decimal::ONE),
        quote: None,
    }
}

/// [`tick`], `seconds` after the epoch.
pub fn tick_at(symbol: &str, price: &str, seconds: i64) -> Tick {
    Tick { time: Timestamp::from_nanos(seconds * 1_000_000_000), ..tick(symbol, price) }
}

/// A bad record with a negative price ("Negative price: -1"), raw text
/// `raw`, from record 1 of a stream called `test`; `symbol` when the row's
/// symbol was readable.
pub fn bad(symbol: Option<&str>) -> BadRecord<'static> {
    BadRecord {
        kind: BadKind::NegativePrice,
        reason: "Negative price: -1".into(),
        location: Location::Seq { source: "test", seq: 1 },
        raw: b"raw",
        symbol: symbol.map(|s| s.parse().unwrap()),
        echo: false,
    }
}
