//! Parquet tick files, written here with the parquet crate's own writer:
//! replayed, they give the report their CSV twin gives.

use std::fs::File;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use crate::util::*;

/// One column's values: present ones, and which rows are null.
enum Values {
    Long(Vec<i64>),
    Double(Vec<f64>),
    Text(Vec<String>),
}

/// Writes `columns` (each `Some` value, or `None` for a null) under
/// `schema`, `per_group` rows to a row group.
fn write_parquet(path: &std::path::Path, schema: &str, columns: &[(Values, Vec<bool>)], per_group: usize) {
    let schema = Arc::new(parse_message_type(schema).unwrap());
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let mut writer = SerializedFileWriter::new(File::create(path).unwrap(), schema, props).unwrap();
    let rows = columns[0].1.len();
    for start in (0..rows).step_by(per_group) {
        let end = (start + per_group).min(rows);
        let mut group = writer.next_row_group().unwrap();
        for (values, present) in columns {
            let mut column = group.next_column().unwrap().unwrap();
            let levels: Vec<i16> = present[start..end].iter().map(|&p| i16::from(p)).collect();
            // The present values of these rows.
            let first = present[..start].iter().filter(|&&p| p).count();
            let count = present[start..end].iter().filter(|&&p| p).count();
            let optional = present.iter().any(|p| !p);
            let defs = optional.then_some(&levels[..]);
            match values {
                Values::Long(v) => {
                    column.typed::<Int64Type>().write_batch(&v[first..first + count], defs, None).unwrap();
                }
                Values::Double(v) => {
                    column.typed::<DoubleType>().write_batch(&v[first..first + count], defs, None).unwrap();
                }
                Values::Text(v) => {
                    let bytes: Vec<ByteArray> = v[first..first + count].iter().map(|s| s.as_str().into()).collect();
                    column.typed::<ByteArrayType>().write_batch(&bytes, defs, None).unwrap();
                }
            }
            column.close().unwrap();
        }
        group.close().unwrap();
    }
    writer.close().unwrap();
}

/// The report of `sluice replay PATH ARGS --json`, without what names the
/// file.
fn report(path: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = run(&[&["replay", arg(path), "-q", "--json"], args].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let mut r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    r.as_object_mut().unwrap().remove("run");
    r
}

/// The bundled sample's good rows, as a Parquet file with typed columns
/// (timestamps in milliseconds, prices as doubles, volumes as integers)
/// in row groups of 500, and as CSV: the two reports are one.
#[test]
fn a_typed_parquet_file_replays_as_its_csv_twin() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = csv::ReaderBuilder::new().flexible(true).from_path(root().join("data/sample-ticks.csv")).unwrap();
    let (mut ts, mut symbols, mut prices, mut volumes) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut twin = String::from("timestamp,symbol,price,volume\n");
    for row in rows.records() {
        let row = row.unwrap();
        if row.len() != 4 {
            continue;
        }
        let (Ok(t), Ok(p), Ok(v)) = (row[0].parse::<jiff::Timestamp>(), row[2].parse::<f64>(), row[3].parse::<i64>())
        else {
            continue;
        };
        if p <= 0.0 || row[1].is_empty() {
            continue;
        }
        twin.push_str(&format!("{},{},{},{}\n", &row[0], &row[1], &row[2], &row[3]));
        ts.push(t.as_millisecond());
        symbols.push(row[1].to_owned());
        prices.push(p);
        volumes.push(v);
    }
    let n = ts.len();
    assert!(n > 2000, "the sample has {n} good rows");
    let parquet = dir.path().join("ticks.parquet");
    let schema = "message ticks { required int64 timestamp (TIMESTAMP(MILLIS,true)); \
                  required binary symbol (STRING); required double price; required int64 volume; }";
    let all = vec![true; n];
    let columns = [
        (Values::Long(ts), all.clone()),
        (Values::Text(symbols), all.clone()),
        (Values::Double(prices), all.clone()),
        (Values::Long(volumes), all),
    ];
    write_parquet(&parquet, schema, &columns, 500);
    let csv = dir.path().join("ticks.csv");
    std::fs::write(&csv, twin).unwrap();
    assert_eq!(report(&parquet, &[])["ticks"].as_u64(), Some(n as u64));
    for args in [&[][..], &["--filter", "symbol=AAPL"], &["--sink", "bot:strategy=crossover,fast=5,slow=20"]] {
        assert_eq!(report(&parquet, args), report(&csv, args), "{args:?}");
    }
}

/// Nanosecond integers, prices as text, a quoted symbol, a null price and
/// a null volume: the nulls are bad rows, as empty fields of a CSV file
/// are, named by their line (the header is line 1).
#[test]
fn nulls_are_bad_rows_and_nanoseconds_and_text_prices_read_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("trades.parquet");
    let schema = "message trades { required int64 ts_event; required binary symbol (STRING); \
                  optional binary price (STRING); optional double size; }";
    let ns = |s: i64| 1_767_225_600_000_000_000 + s * 1_000_000_007;
    let columns = [
        (Values::Long(vec![ns(0), ns(1), ns(2), ns(3)]), vec![true; 4]),
        (Values::Text(vec!["ES,1".into(), "ES,1".into(), "ES,1".into(), "ES,1".into()]), vec![true; 4]),
        (Values::Text(vec!["5000.25".into(), "5000.00000001".into(), "5001.5".into()]), vec![true, true, false, true]),
        (Values::Double(vec![1.0, 0.1, 3.0]), vec![true, false, true, true]),
    ];
    write_parquet(&parquet, schema, &columns, 2);
    let log = dir.path().join("audit.log");
    let out = run(&["replay", arg(&parquet), "-q", "--json", "--sink", &format!("audit:path={}", arg(&log))]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["run"]["bad"], serde_json::json!({"price": 1, "volume": 1}), "{r}");
    assert_eq!(r["run"]["read"], 4, "{r}");
    let log = std::fs::read_to_string(&log).unwrap();
    // The symbol with its comma, the exact price, the nanoseconds, and the
    // bad rows by line.
    for expected in
        ["ES,1", "5000.25", "5001.5", "2026-01-01T00:00:03.000000021Z", "trades.parquet:3", "trades.parquet:4"]
    {
        assert!(log.contains(expected), "{expected} in {log}");
    }
}

/// The bundled sample written by pandas and pyarrow, as vendors' tools
/// write Parquet (nanosecond timestamps, a dictionary-encoded symbol, row
/// groups of 700): the report of its CSV twin, with and without a filter
/// and a strategy. Skipped, saying so, without pandas and pyarrow, unless
/// CI (SLUICE_REQUIRE_PANDAS) asks for them.
#[test]
fn a_parquet_file_written_by_pandas_replays_as_its_csv_twin() {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import pandas, pyarrow"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(std::env::var_os("SLUICE_REQUIRE_PANDAS").is_none(), "pandas and pyarrow are required and missing");
        skipped("pandas or pyarrow is not installed (pip install pandas pyarrow)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (parquet, twin) = (dir.path().join("sample.parquet"), dir.path().join("twin.csv"));
    let script = root().join("tests/py/to_parquet.py");
    let sample = root().join("data/sample-ticks.csv");
    let out = std::process::Command::new("python3")
        .args([arg(&script), arg(&sample), arg(&parquet), arg(&twin)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report(&parquet, &[])["ticks"].as_u64(), Some(2998));
    for args in [&[][..], &["--filter", "symbol=MSFT"], &["--sink", "bot:strategy=crossover,fast=3,slow=12"]] {
        assert_eq!(report(&parquet, args), report(&twin, args), "{args:?}");
    }
}

/// A Parquet file is read from its end: stdin cannot give one.
#[test]
fn parquet_on_stdin_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("t.parquet");
    let schema =
        "message t { required binary timestamp (STRING); required binary symbol (STRING); required double price; }";
    let columns = [
        (Values::Text(vec!["2026-01-05T00:00:00Z".into()]), vec![true]),
        (Values::Text(vec!["X".into()]), vec![true]),
        (Values::Double(vec![1.5]), vec![true]),
    ];
    write_parquet(&parquet, schema, &columns, 10);
    let out = sluice(&["replay", "-", "-q"]).stdin(File::open(&parquet).unwrap()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("Parquet"), "{}", stderr(&out));
}
