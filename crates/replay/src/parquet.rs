//! Parquet tick files, read as the CSV text they would be: a header of the
//! column names, then one line per row. Everything a CSV file gets (columns
//! found by name, presets, `--columns`, bad rows named by line, the symbol
//! filter taken over, `--price-scale`) then holds for Parquet unchanged.
//!
//! Each row group's columns are decoded 4,096 rows at a time (the parquet
//! crate's column readers), so memory is bounded by a row group's pages,
//! whatever the file's size. A nested column is refused: ticks are flat.
//! Values are written as their exact text: integers and decimals as
//! digits, floating point numbers as the shortest text that reads back as
//! the same number (never an exponent), strings quoted when they hold a
//! delimiter, a quote or a line end, a null as an empty field. Timestamps
//! stored as Parquet timestamps are written as epoch integers in their
//! unit (milliseconds, microseconds, nanoseconds; INT96 as nanoseconds),
//! which the timestamp parser reads by their size as it reads a CSV's;
//! decimals exactly at their scale, dates as `YYYY-MM-DD`.
//!
//! Line 1 is the header, so the row a message calls line N is the file's
//! row N − 1.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parquet::basic::{ConvertedType, Type as Physical};
use parquet::column::reader::ColumnReader;
use parquet::data_type::{ByteArray, FixedLenByteArray, Int96};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescPtr;

/// The bytes a Parquet file starts (and ends) with.
pub(crate) const MAGIC: &[u8] = b"PAR1";
/// Rows decoded at a time, column by column.
const BATCH: usize = 4096;

/// Whether the file at `path` is a Parquet file, by its first bytes. Only
/// a regular file is looked at: reading a FIFO's first bytes would take
/// them from the reader to come (and a Parquet file must be seekable).
pub fn is_parquet(path: &Path) -> bool {
    let mut head = [0; 4];
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
        && File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok()
        && head == MAGIC
}

/// A Parquet file as CSV text.
pub struct ParquetText {
    file: SerializedFileReader<File>,
    name: String,
    /// The next row group to open.
    group: usize,
    /// The open row group's columns, and its rows still to read.
    columns: Vec<Column>,
    left: i64,
    /// Text made ready and not read yet: `text[at..]`.
    text: Vec<u8>,
    at: usize,
    /// Where the progress bar counts bytes: a row group's compressed size
    /// as it is opened.
    progress: Option<Arc<AtomicU64>>,
}

/// One column of the open row group, a batch at a time.
struct Column {
    reader: ColumnReader,
    how: Print,
    /// Definition levels of the batch (a value is null below the maximum).
    levels: Vec<i16>,
    max_level: i16,
    values: Values,
    /// The next row of the batch, and the next value (nulls have none).
    row: usize,
    next: usize,
}

/// A batch's values, by physical type.
enum Values {
    Bool(Vec<bool>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Int96(Vec<Int96>),
    Float(Vec<f32>),
    Double(Vec<f64>),
    Bytes(Vec<ByteArray>),
    Fixed(Vec<FixedLenByteArray>),
}

/// How a column's values are written.
#[derive(Clone, Copy)]
enum Print {
    Plain,
    /// An unscaled integer with this many decimal places.
    Decimal(u32),
    /// Days since 1970 (written as `YYYY-MM-DD`).
    Date,
}

impl ParquetText {
    /// Opens `path`, reading its footer (the schema and where the row
    /// groups are); the header line is made ready at once. A nested
    /// column (a list, a map) is refused by name: ticks are flat.
    pub fn open(path: &Path, progress: Option<Arc<AtomicU64>>) -> io::Result<ParquetText> {
        let name = path.display().to_string();
        let file = SerializedFileReader::new(File::open(path)?).map_err(|e| invalid(&name, e))?;
        let mut text = Vec::with_capacity(BATCH * 64);
        for (i, column) in file.metadata().file_metadata().schema_descr().columns().iter().enumerate() {
            if column.max_rep_level() > 0 || column.path().parts().len() > 1 {
                let why = format!(
                    "{name}: column `{}` is nested (a list, a map or a group); tick files are flat",
                    column.path()
                );
                return Err(io::Error::new(io::ErrorKind::InvalidData, why));
            }
            if i > 0 {
                text.push(b',');
            }
            write_text(&mut text, column.name());
        }
        text.push(b'\n');
        Ok(ParquetText { file, name, group: 0, columns: Vec::new(), left: 0, text, at: 0, progress })
    }

    /// Opens the next row group with rows; `false` at the end of the file.
    fn next_group(&mut self) -> io::Result<bool> {
        let metadata = self.file.metadata();
        while self.group < metadata.num_row_groups() {
            let index = self.group;
            self.group += 1;
            let rows = metadata.row_group(index).num_rows();
            if let Some(progress) = &self.progress {
                let bytes = u64::try_from(metadata.row_group(index).compressed_size()).unwrap_or(0);
                progress.fetch_add(bytes, Ordering::Relaxed);
            }
            if rows == 0 {
                continue;
            }
            let group = self.file.get_row_group(index).map_err(|e| invalid(&self.name, e))?;
            let descriptors = metadata.file_metadata().schema_descr().columns().to_vec();
            self.columns = descriptors
                .iter()
                .enumerate()
                .map(|(i, d)| Ok(Column::new(group.get_column_reader(i)?, d)))
                .collect::<parquet::errors::Result<_>>()
                .map_err(|e| invalid(&self.name, e))?;
            self.left = rows;
            return Ok(true);
        }
        Ok(false)
    }

    /// Makes the next batch of rows ready as text; `false` at the end.
    fn refill(&mut self) -> io::Result<bool> {
        self.text.clear();
        self.at = 0;
        if self.left == 0 && !self.next_group()? {
            return Ok(false);
        }
        let want = BATCH.min(self.left as usize);
        for column in &mut self.columns {
            column.read(want).map_err(|e| invalid(&self.name, e))?;
        }
        for _ in 0..want {
            for (i, column) in self.columns.iter_mut().enumerate() {
                if i > 0 {
                    self.text.push(b',');
                }
                column.write_next(&mut self.text);
            }
            self.text.push(b'\n');
        }
        self.left -= want as i64;
        Ok(true)
    }
}

impl Read for ParquetText {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.text.len() && !self.refill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.text.len() - self.at);
        buf[..n].copy_from_slice(&self.text[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn invalid(name: &str, e: parquet::errors::ParquetError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{name} is not a readable Parquet file: {e}"))
}

impl Column {
    fn new(reader: ColumnReader, descr: &ColumnDescPtr) -> Column {
        let how = match descr.converted_type() {
            ConvertedType::DECIMAL => Print::Decimal(descr.type_scale().max(0) as u32),
            ConvertedType::DATE => Print::Date,
            _ => Print::Plain,
        };
        let values = match descr.physical_type() {
            Physical::BOOLEAN => Values::Bool(Vec::new()),
            Physical::INT32 => Values::Int32(Vec::new()),
            Physical::INT64 => Values::Int64(Vec::new()),
            Physical::INT96 => Values::Int96(Vec::new()),
            Physical::FLOAT => Values::Float(Vec::new()),
            Physical::DOUBLE => Values::Double(Vec::new()),
            Physical::BYTE_ARRAY => Values::Bytes(Vec::new()),
            Physical::FIXED_LEN_BYTE_ARRAY => Values::Fixed(Vec::new()),
        };
        Column { reader, how, levels: Vec::new(), max_level: descr.max_def_level(), values, row: 0, next: 0 }
    }

    /// Decodes the next `rows` rows of the column.
    fn read(&mut self, rows: usize) -> parquet::errors::Result<()> {
        self.levels.clear();
        (self.row, self.next) = (0, 0);
        let levels = (self.max_level > 0).then_some(&mut self.levels);
        macro_rules! batch {
            ($reader:expr, $values:expr) => {{
                $values.clear();
                $reader.read_records(rows, levels, None, $values)?;
            }};
        }
        match (&mut self.reader, &mut self.values) {
            (ColumnReader::BoolColumnReader(r), Values::Bool(v)) => batch!(r, v),
            (ColumnReader::Int32ColumnReader(r), Values::Int32(v)) => batch!(r, v),
            (ColumnReader::Int64ColumnReader(r), Values::Int64(v)) => batch!(r, v),
            (ColumnReader::Int96ColumnReader(r), Values::Int96(v)) => batch!(r, v),
            (ColumnReader::FloatColumnReader(r), Values::Float(v)) => batch!(r, v),
            (ColumnReader::DoubleColumnReader(r), Values::Double(v)) => batch!(r, v),
            (ColumnReader::ByteArrayColumnReader(r), Values::Bytes(v)) => batch!(r, v),
            (ColumnReader::FixedLenByteArrayColumnReader(r), Values::Fixed(v)) => batch!(r, v),
            _ => return Err(parquet::errors::ParquetError::General("a column's reader and type disagree".into())),
        }
        Ok(())
    }

    /// Writes the next row's value (nothing for a null, or for a value a
    /// damaged file does not have).
    fn write_next(&mut self, out: &mut Vec<u8>) {
        let row = self.row;
        self.row += 1;
        if self.max_level > 0 && self.levels.get(row).is_some_and(|&l| l < self.max_level) {
            return;
        }
        let i = self.next;
        self.next += 1;
        match (&self.values, self.how) {
            (Values::Bool(v), _) => v.get(i).into_iter().for_each(|b| put(out, b)),
            (Values::Int32(v), Print::Decimal(scale)) => {
                v.get(i).into_iter().for_each(|&n| write_scaled(out, n.into(), scale));
            }
            (Values::Int32(v), Print::Date) => v.get(i).into_iter().for_each(|&days| write_date(out, days)),
            (Values::Int32(v), Print::Plain) => v.get(i).into_iter().for_each(|n| put(out, n)),
            (Values::Int64(v), Print::Decimal(scale)) => {
                v.get(i).into_iter().for_each(|&n| write_scaled(out, n.into(), scale));
            }
            (Values::Int64(v), _) => v.get(i).into_iter().for_each(|n| put(out, n)),
            // Spark's and old pandas' timestamps: nanoseconds since 1970.
            (Values::Int96(v), _) => v.get(i).into_iter().for_each(|t| put(out, t.to_nanos())),
            // The shortest text that reads back as the same number, never
            // with an exponent.
            (Values::Float(v), _) => v.get(i).into_iter().for_each(|x| put(out, x)),
            (Values::Double(v), _) => v.get(i).into_iter().for_each(|x| put(out, x)),
            (Values::Bytes(v), how) => v.get(i).into_iter().for_each(|b| write_bytes(out, b.data(), how)),
            (Values::Fixed(v), how) => v.get(i).into_iter().for_each(|b| write_bytes(out, b.data(), how)),
        }
    }
}

/// A value as Rust writes it.
fn put(out: &mut Vec<u8>, value: impl std::fmt::Display) {
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{value}");
}

/// A byte array: a big-endian decimal, or text.
fn write_bytes(out: &mut Vec<u8>, bytes: &[u8], how: Print) {
    match (how, bytes.len()) {
        (Print::Decimal(scale), 1..=16) => {
            let negative = bytes[0] & 0x80 != 0;
            let start = if negative { -1i128 } else { 0 };
            let n = bytes.iter().fold(start, |n, &b| (n << 8) | i128::from(b));
            write_scaled(out, n, scale);
        }
        _ => write_text(out, &String::from_utf8_lossy(bytes)),
    }
}

/// `unscaled` × 10^−`scale`, exactly: `12345` at scale 2 is `123.45`.
fn write_scaled(out: &mut Vec<u8>, unscaled: i128, scale: u32) {
    let digits = unscaled.unsigned_abs().to_string();
    if unscaled < 0 {
        out.push(b'-');
    }
    let scale = scale as usize;
    if scale == 0 {
        out.extend_from_slice(digits.as_bytes());
        return;
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    out.extend_from_slice(whole.as_bytes());
    out.push(b'.');
    out.extend_from_slice(fraction.as_bytes());
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
fn write_date(out: &mut Vec<u8>, days: i32) {
    let (year, month, day) = sluice_core::time::civil_from_days(days.into());
    let _ = write!(out, "{year:04}-{month:02}-{day:02}");
}

/// `text` as a CSV field, quoted when it holds a delimiter, a quote or a
/// line end.
fn write_text(out: &mut Vec<u8>, text: &str) {
    if text.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for b in text.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn decimals_dates_and_quoted_text_are_written_exactly() {
        assert_eq!(text(|o| write_scaled(o, 12345, 2)), "123.45");
        assert_eq!(text(|o| write_scaled(o, -5, 3)), "-0.005");
        assert_eq!(text(|o| write_scaled(o, 7, 0)), "7");
        // 0xFF85 is -123 in two bytes: -1.23 at scale 2.
        assert_eq!(text(|o| write_bytes(o, &[0xFF, 0x85], Print::Decimal(2))), "-1.23");
        assert_eq!(text(|o| write_date(o, 0)), "1970-01-01");
        assert_eq!(text(|o| write_date(o, 20_458)), "2026-01-05");
        assert_eq!(text(|o| write_date(o, -1)), "1969-12-31");
        assert_eq!(text(|o| write_text(o, "a,\"b\"")), "\"a,\"\"b\"\"\"");
    }
}
