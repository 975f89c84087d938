//! A CSV file the bot writes as it runs (the trade list, the equity
//! curve): put in place whole at the end, and every failure naming it.

use sluice_core::Error;
use sluice_io::AtomicFile;

/// A CSV file being written beside its path.
pub struct CsvFile {
    /// What it is, as failures name it: "the trade list trades.csv".
    what: String,
    writer: csv::Writer<AtomicFile>,
}

impl CsvFile {
    /// Creates `path`'s temporary file and writes `header`; `name` says
    /// what the file holds ("trade list").
    pub fn create(name: &str, path: &str, header: &[&str]) -> Result<CsvFile, Error> {
        let what = format!("the {name} {path}");
        // csv::Writer quotes a field that holds the delimiter or a quote,
        // so every row keeps the header's columns.
        let open = || -> csv::Result<_> {
            let mut w = csv::Writer::from_writer(AtomicFile::create(path)?);
            w.write_record(header)?;
            Ok(w)
        };
        match open() {
            Ok(writer) => Ok(CsvFile { what, writer }),
            Err(e) => Err(failed(&what, e)),
        }
    }

    /// Writes one row.
    pub fn row<I, T>(&mut self, fields: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer.write_record(fields).map_err(|e| failed(&self.what, e))
    }

    /// Flushes the rows and puts the file at its path.
    pub fn commit(self) -> Result<(), Error> {
        let what = self.what;
        let io = |e| Error::io("bot", format!("writing {what}"), e);
        self.writer.into_inner().map_err(|e| io(e.into_error()))?.commit().map_err(io)
    }
}

/// A failed write, naming the file.
fn failed(what: &str, e: csv::Error) -> Error {
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(e) => Error::io("bot", format!("writing {what}"), e),
        _ => Error::new("bot", format!("writing {what}: {message}")),
    }
}
