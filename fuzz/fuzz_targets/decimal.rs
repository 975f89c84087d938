//! Decimal parsing on arbitrary text: never a panic, and what parses prints
//! back as a value that parses to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::Decimal;

fuzz_target!(|data: &[u8]| {
    for parsed in [Decimal::parse_bytes(data), Decimal::parse_bytes_rounded(data)] {
        if let Ok(d) = parsed {
            let text = d.to_string();
            assert_eq!(text.parse::<Decimal>(), Ok(d), "{text}");
            let _ = format!("{:.2} {:+} {}", d, d, d.display_min_places(2));
        }
    }
});
