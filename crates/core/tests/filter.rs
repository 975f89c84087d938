//! Filters, judged on the records and bad records a pipeline carries.

use sluice_core::{Contains, Filter, Line, PriceRange, Record};
use sluice_testkit::{bad, tick};

#[test]
fn symbol_filter_judges_good_and_known_bad_alike() {
    let f = Filter::Symbols(vec!["AAPL".parse().unwrap(), "MSFT".parse().unwrap()]);
    assert!(f.keeps(&Record::Tick(tick("AAPL", "1"))));
    assert!(!f.keeps(&Record::Tick(tick("GOOG", "1"))));
    assert!(f.keeps_bad(&bad(Some("MSFT"))));
    assert!(!f.keeps_bad(&bad(Some("GOOG"))));
    assert!(f.keeps_bad(&bad(None)), "a bad record of unknown symbol must reach the sinks");
}

#[test]
fn price_range_is_inclusive() {
    let r: PriceRange = "100..200".parse().unwrap();
    for (p, kept) in [("99.99", false), ("100", true), ("200", true), ("200.01", false)] {
        assert_eq!(Filter::Price(r).keeps(&Record::Tick(tick("A", p))), kept, "{p}");
    }
    let open: PriceRange = "..5".parse().unwrap();
    assert!(open.contains("-3".parse().unwrap()));
    assert!("..".parse::<PriceRange>().is_err());
    assert!("5..1".parse::<PriceRange>().is_err());
    assert!("a..1".parse::<PriceRange>().is_err());
}

#[test]
fn contains_is_a_case_sensitive_literal() {
    let f = Filter::Contains(Contains::new(b"ERROR"));
    let line = |b: &'static [u8]| Record::Line(Line { bytes: b, file: "f", number: 1, offset: 0 });
    assert!(f.keeps(&line(b"x ERROR y")));
    assert!(!f.keeps(&line(b"x error y")));
    assert!(f.keeps(&line(b"\xffERROR\xfe")));
}
