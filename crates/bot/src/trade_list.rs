//! The report's list of trades, kept on disk as they close: ten thousand
//! trades are megabytes of JSON, which memory would hold several times
//! over as `serde_json` values.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use serde_json::Value;
use sluice_core::Appendix;

use crate::machine::Trade;

/// The first `limit` trades, as a JSON array in an unnamed temporary file
/// (gone when the run ends, however it ends).
pub struct TradeList {
    file: Option<BufWriter<File>>,
    listed: u64,
    limit: u64,
}

impl TradeList {
    /// A list that keeps at most `limit` trades.
    pub fn new(limit: usize) -> TradeList {
        TradeList { file: None, listed: 0, limit: limit as u64 }
    }

    /// Adds a closed trade, unless the list is full.
    pub fn push(&mut self, trade: &Trade) -> io::Result<()> {
        if self.listed >= self.limit {
            return Ok(());
        }
        let file = match &mut self.file {
            Some(f) => {
                f.write_all(b",\n    ")?;
                f
            }
            // Created at the first trade, so a run without one touches no disk.
            None => self.file.insert(BufWriter::new(tempfile::tempfile()?)),
        };
        if self.listed == 0 {
            file.write_all(b"[\n    ")?;
        }
        serde_json::to_writer(&mut *file, trade)?;
        self.listed += 1;
        Ok(())
    }

    /// Trades in the list.
    pub fn listed(&self) -> u64 {
        self.listed
    }

    /// The list's value for the report: an empty array, or a placeholder
    /// and the appendix that replaces it.
    pub fn finish(self) -> io::Result<(Value, Option<Appendix>)> {
        let Some(mut file) = self.file else { return Ok((Value::Array(Vec::new()), None)) };
        file.write_all(b"\n  ]")?;
        let appendix = Appendix::new(file.into_inner().map_err(|e| e.into_error())?);
        Ok((appendix.placeholder(), Some(appendix)))
    }
}
