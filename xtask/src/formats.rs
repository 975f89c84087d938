//! The bench's tick file in the other shapes vendors ship: a deflated zip
//! holding it, and Parquet with typed columns (timestamps in microseconds,
//! prices as doubles, volumes as integers), so that each is measured
//! against the same rows as CSV.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// Rows to a Parquet row group: what pandas and pyarrow write by default.
const ROW_GROUP: usize = 1 << 20;

/// `csv` deflated into `CSV.zip`, made once.
pub fn zipped(csv: &Path) -> anyhow::Result<PathBuf> {
    let out = csv.with_extension("csv.zip");
    if out.exists() {
        return Ok(out);
    }
    let tmp = out.with_extension("partial");
    let mut zip = zip::ZipWriter::new(File::create(&tmp)?);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let name = csv.file_name().and_then(|n| n.to_str()).unwrap_or("ticks.csv");
    zip.start_file(name, options)?;
    std::io::copy(&mut File::open(csv)?, &mut zip)?;
    zip.finish()?.flush()?;
    std::fs::rename(&tmp, &out)?;
    Ok(out)
}

/// `csv` (the generator's `timestamp,symbol,price,volume` with RFC 3339
/// times to the microsecond) as `CSV.parquet`, made once.
pub fn parquet(csv: &Path) -> anyhow::Result<PathBuf> {
    let out = csv.with_extension("parquet");
    if out.exists() {
        return Ok(out);
    }
    let tmp = out.with_extension("partial");
    let schema = "message ticks { required int64 timestamp (TIMESTAMP(MICROS,true)); \
                  required binary symbol (STRING); required double price; required int64 volume; }";
    let schema = Arc::new(parse_message_type(schema)?);
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let mut writer = SerializedFileWriter::new(File::create(&tmp)?, schema, props)?;
    let mut rows = csv::Reader::from_path(csv)?;
    let mut group = Group::default();
    for (i, row) in rows.records().enumerate() {
        let row = row?;
        let at = || format!("{}:{}", csv.display(), i + 2);
        group.time.push(micros(&row[0]).with_context(at)?);
        group.symbol.push(ByteArray::from(row[1].as_bytes().to_vec()));
        group.price.push(row[2].parse().with_context(at)?);
        group.volume.push(row[3].parse().with_context(at)?);
        if group.time.len() == ROW_GROUP {
            group.write(&mut writer)?;
        }
    }
    group.write(&mut writer)?;
    writer.close()?;
    std::fs::rename(&tmp, &out)?;
    Ok(out)
}

/// One row group's columns.
#[derive(Default)]
struct Group {
    time: Vec<i64>,
    symbol: Vec<ByteArray>,
    price: Vec<f64>,
    volume: Vec<i64>,
}

impl Group {
    fn write(&mut self, writer: &mut SerializedFileWriter<File>) -> anyhow::Result<()> {
        if self.time.is_empty() {
            return Ok(());
        }
        let mut group = writer.next_row_group()?;
        let mut c = group.next_column()?.context("the timestamp column")?;
        c.typed::<Int64Type>().write_batch(&self.time, None, None)?;
        c.close()?;
        let mut c = group.next_column()?.context("the symbol column")?;
        c.typed::<ByteArrayType>().write_batch(&self.symbol, None, None)?;
        c.close()?;
        let mut c = group.next_column()?.context("the price column")?;
        c.typed::<DoubleType>().write_batch(&self.price, None, None)?;
        c.close()?;
        let mut c = group.next_column()?.context("the volume column")?;
        c.typed::<Int64Type>().write_batch(&self.volume, None, None)?;
        c.close()?;
        group.close()?;
        *self = Group::default();
        Ok(())
    }
}

/// Microseconds since 1970 of `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
fn micros(text: &str) -> anyhow::Result<i64> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> anyhow::Result<i64> {
        text.get(r).context("short timestamp")?.parse::<i64>().with_context(|| format!("timestamp `{text}`"))
    };
    anyhow::ensure!(
        b.len() == 27 && b[10] == b'T' && b[26] == b'Z',
        "timestamp `{text}` is not YYYY-MM-DDTHH:MM:SS.ffffffZ"
    );
    let days = sluice_core::time::days_from_civil(num(0..4)?, num(5..7)?, num(8..10)?);
    let seconds = days * 86_400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?;
    Ok(seconds * 1_000_000 + num(20..26)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn micros_of_known_instants() {
        assert_eq!(super::micros("1970-01-01T00:00:00.000001Z").unwrap(), 1);
        // 2026-01-05T00:00:00Z is 1,767,571,200 s after the epoch.
        assert_eq!(super::micros("2026-01-05T00:00:00.000874Z").unwrap(), 1_767_571_200_000_874);
        assert!(super::micros("2026-01-05 00:00:00").is_err());
    }
}
