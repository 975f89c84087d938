//! The lines source against a plain split of the file, on line lengths
//! around `max_line_bytes`, with and without a taken-over `contains`
//! filter (issue 19: the line after an over-long one was lost or cut).

use proptest::prelude::*;
use sluice_core::{Contains, Filter, Pull, Record, Source};
use sluice_replay::{LinesConfig, LinesSource};

/// What a pull gave: a line's number, offset and text, or an over-long
/// line's number and length.
#[derive(Debug, PartialEq, Eq)]
enum Got {
    Line(u64, u64, Vec<u8>),
    TooLong(u64),
}

fn pulled(path: &str, max: usize, contains: Option<&[u8]>) -> Vec<Got> {
    let mut source = LinesSource::new(LinesConfig { path: path.to_owned(), max_line_bytes: max }).unwrap();
    if let Some(needle) = contains {
        assert!(source.take_over(&Filter::Contains(Contains::new(needle))));
    }
    let mut out = Vec::new();
    loop {
        match source.pull().unwrap() {
            Pull::Record(Record::Line(l), _) => out.push(Got::Line(l.number, l.offset, l.bytes.to_vec())),
            Pull::Bad(b) => match b.location {
                sluice_core::Location::FileLine { line, .. } => out.push(Got::TooLong(line)),
                other => panic!("{other:?}"),
            },
            Pull::End => return out,
            other => panic!("{other:?}"),
        }
    }
}

/// The same, the obvious way: split on newlines, number from 1.
fn reference(data: &[u8], max: usize, contains: Option<&[u8]>) -> Vec<Got> {
    let mut parts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.is_empty() || data.ends_with(b"\n") {
        parts.pop();
    }
    let mut out = Vec::new();
    let mut offset = 0u64;
    for (i, line) in parts.iter().enumerate() {
        let number = i as u64 + 1;
        if line.len() > max {
            out.push(Got::TooLong(number));
        } else if contains.is_none_or(|n| line.windows(n.len()).any(|w| w == n)) {
            out.push(Got::Line(number, offset, line.to_vec()));
        }
        offset += line.len() as u64 + 1;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_line_length_around_the_limit_reads_as_a_plain_split(
        max in 8usize..48,
        lines in proptest::collection::vec((-3i64..4, any::<bool>(), any::<bool>()), 1..40),
        final_newline in any::<bool>(),
    ) {
        let mut data = Vec::new();
        for (i, (delta, error, short)) in lines.iter().enumerate() {
            let len = if *short { i % 5 } else { (max as i64 + delta).max(0) as usize };
            let mut line: Vec<u8> = (0..len).map(|j| b'a' + ((i + j) % 26) as u8).collect();
            if *error && len >= 5 {
                line[len - 5..].copy_from_slice(b"ERROR");
            }
            data.extend_from_slice(&line);
            data.push(b'\n');
        }
        if !final_newline {
            data.pop();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, &data).unwrap();
        let path = path.to_str().unwrap();
        prop_assert_eq!(pulled(path, max, None), reference(&data, max, None));
        prop_assert_eq!(pulled(path, max, Some(b"ERROR")), reference(&data, max, Some(b"ERROR")));
    }
}
