//! Parquet tick files, read as the CSV text they would be: a header of the
//! column names, then one line per row. Everything a CSV file gets (columns
//! found by name, presets, `--columns`, bad rows named by line, the symbol
//! filter taken over, `--price-scale`) then holds for Parquet unchanged.
//!
//! Rows are decoded one row group at a time (the parquet crate's record
//! reader), so memory is bounded by a row group, whatever the file's size.
//! Values are written as their exact text: integers and decimals as
//! digits, floating point numbers as the shortest text that reads back as
//! the same number (never an exponent), strings quoted when they hold a
//! delimiter, a quote or a line end, a null as an empty field. Timestamps
//! stored as Parquet timestamps are written as epoch integers in their
//! unit (milliseconds, microseconds; nanoseconds come as plain integers),
//! which the timestamp parser reads by their size as it reads a CSV's.
//!
//! Line 1 is the header, so the row a message calls line N is the file's
//! row N − 1.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use parquet::record::{Field, Row};

/// The bytes a Parquet file starts (and ends) with.
pub(crate) const MAGIC: &[u8] = b"PAR1";
/// How much text is made ready at a time.
const CHUNK: usize = 64 * 1024;

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
    rows: RowIter<'static>,
    /// Text made ready and not read yet: `text[at..]`.
    text: Vec<u8>,
    at: usize,
    done: bool,
}

impl ParquetText {
    /// Opens `path`, reading its footer (the schema and where the row
    /// groups are); the header line is made ready at once.
    pub fn open(path: &Path) -> io::Result<ParquetText> {
        let file = File::open(path)?;
        let reader = SerializedFileReader::new(file).map_err(|e| invalid(path, e))?;
        let mut text = Vec::with_capacity(CHUNK + 1024);
        let columns = reader.metadata().file_metadata().schema_descr().columns().to_vec();
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            write_text(&mut text, column.name());
        }
        text.push(b'\n');
        let rows = RowIter::from_file_into(Box::new(reader));
        Ok(ParquetText { rows, text, at: 0, done: false })
    }

    /// Makes the next rows ready as text.
    fn refill(&mut self) -> io::Result<()> {
        self.text.clear();
        self.at = 0;
        while self.text.len() < CHUNK {
            match self.rows.next() {
                Some(Ok(row)) => write_row(&mut self.text, &row),
                Some(Err(e)) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        Ok(())
    }
}

impl Read for ParquetText {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.text.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.text.len() - self.at);
        buf[..n].copy_from_slice(&self.text[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn invalid(path: &Path, e: parquet::errors::ParquetError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{} is not a readable Parquet file: {e}", path.display()))
}

/// One row as a line of CSV.
fn write_row(out: &mut Vec<u8>, row: &Row) {
    for (i, (_, field)) in row.get_column_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_field(out, field);
    }
    out.push(b'\n');
}

/// One value as the text a CSV file would hold for it.
fn write_field(out: &mut Vec<u8>, field: &Field) {
    // Writing to a Vec cannot fail.
    let _ = match field {
        Field::Null => Ok(()),
        Field::Str(s) => {
            write_text(out, s);
            Ok(())
        }
        Field::Bytes(b) => {
            write_text(out, &String::from_utf8_lossy(b.data()));
            Ok(())
        }
        Field::Bool(v) => write!(out, "{v}"),
        Field::Byte(v) => write!(out, "{v}"),
        Field::Short(v) => write!(out, "{v}"),
        Field::Int(v) => write!(out, "{v}"),
        Field::Long(v) => write!(out, "{v}"),
        Field::UByte(v) => write!(out, "{v}"),
        Field::UShort(v) => write!(out, "{v}"),
        Field::UInt(v) => write!(out, "{v}"),
        Field::ULong(v) => write!(out, "{v}"),
        // Rust writes the shortest text that reads back as the same
        // number, and never with an exponent.
        Field::Float(v) => write!(out, "{v}"),
        Field::Double(v) => write!(out, "{v}"),
        Field::Float16(v) => write!(out, "{}", f32::from(*v)),
        Field::TimestampMillis(v) | Field::TimestampMicros(v) => write!(out, "{v}"),
        // Decimals, dates and the rest: the parquet crate's own text,
        // quoted when it needs to be.
        other => {
            write_text(out, &other.to_string());
            Ok(())
        }
    };
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
