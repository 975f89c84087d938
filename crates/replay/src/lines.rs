//! The `lines` source: a log file's lines as records, searched a whole
//! buffer at a time (as `sluice grep` searches) when it takes a `contains`
//! filter over.

use std::io::Read;

use serde::Deserialize;
use sluice_core::config::ConfigError;
use sluice_core::{BadKind, BadRecord, Contains, Error, Filter, Line, Location, Pull, Record, RecordKind, Source};

use sluice_io::{DEFAULT_CAPACITY, DEFAULT_MAX_LINE, LineBuffer, Opener, Region, count_lines};

/// Options of the `lines` source.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinesConfig {
    /// The file to read; `-` is stdin. `.gz` and `.zst` are read
    /// decompressed.
    pub path: String,
    /// Longest line; a longer one is a bad record. Default: 16 MiB.
    #[serde(default = "default_max_line")]
    pub max_line_bytes: usize,
}

fn default_max_line() -> usize {
    DEFAULT_MAX_LINE
}

/// Reads lines from one file.
pub struct LinesSource {
    path: String,
    /// Raised by a signal: ends a read blocked on stdin or a FIFO.
    interrupt: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
    max_line: usize,
    lb: Option<LineBuffer<Box<dyn Read + Send>>>,
    /// The part of the current region not yet handed out.
    pos: usize,
    end: usize,
    /// Number of the line at `pos`.
    number: u64,
    contains: Option<Contains>,
    too_long: Option<(u64, u64)>,
}

impl LinesSource {
    /// Checks the configuration; nothing is read until the first pull.
    pub fn new(config: LinesConfig) -> Result<LinesSource, ConfigError> {
        sluice_io::check_input(&config.path).map_err(|e| ConfigError::new("path", e.to_string()))?;
        Ok(LinesSource {
            path: config.path,
            interrupt: None,
            max_line: config.max_line_bytes.max(1),
            lb: None,
            pos: 0,
            end: 0,
            number: 1,
            contains: None,
            too_long: None,
        })
    }

    /// Lets `stop` end a read blocked on stdin or a FIFO (Ctrl-C then
    /// closes the run cleanly). Default: none.
    pub fn interrupted_by(mut self, stop: &sluice_core::Stop) -> LinesSource {
        self.interrupt = Some(stop.as_atomic());
        self
    }

    /// Finds the next line to hand out, as a range of the buffer.
    fn next_range(&mut self) -> Result<Option<(usize, usize)>, Error> {
        loop {
            let lb = match &mut self.lb {
                Some(lb) => lb,
                None => {
                    let input = Opener::new()
                        .interrupt(self.interrupt.clone())
                        .open(&self.path)
                        .map_err(|e| Error::io("lines", format!("cannot open {}", self.path), e))?;
                    self.lb.insert(LineBuffer::with_limits(input.reader, DEFAULT_CAPACITY, self.max_line))
                }
            };
            if self.pos >= self.end {
                lb.consume(self.end);
                match lb.region().map_err(|e| Error::io("lines", format!("reading {}", self.path), e))? {
                    Region::End => return Ok(None),
                    Region::TooLong { len, .. } => {
                        self.too_long = Some((self.number, len));
                        self.number += 1;
                        // The buffer moved on past the long line: the old
                        // region's end means nothing now, and consuming up
                        // to it would drop the lines after (issue 19).
                        (self.pos, self.end) = (0, 0);
                        return Ok(None);
                    }
                    Region::Lines { range, .. } => (self.pos, self.end) = (range.start, range.end),
                }
            }
            let buf = &lb.buffer()[self.pos..self.end];
            let start = match &self.contains {
                None => 0,
                Some(c) => match c.finder().find(buf) {
                    Some(hit) => memchr::memrchr(b'\n', &buf[..hit]).map_or(0, |i| i + 1),
                    None => {
                        self.number += count_lines(buf);
                        self.pos = self.end;
                        continue;
                    }
                },
            };
            self.number += count_lines(&buf[..start]);
            let len = memchr::memchr(b'\n', &buf[start..]).unwrap_or(buf.len() - start);
            let line = (self.pos + start, self.pos + start + len);
            self.pos = line.1 + 1;
            return Ok(Some(line));
        }
    }
}

impl Source for LinesSource {
    fn name(&self) -> &str {
        "lines"
    }

    fn emits(&self) -> RecordKind {
        RecordKind::Line
    }

    fn pull(&mut self) -> Result<Pull<'_>, Error> {
        let found = self.next_range()?;
        let Some(lb) = &self.lb else { return Ok(Pull::End) };
        if let Some((line, len)) = self.too_long.take() {
            return Ok(Pull::Bad(BadRecord {
                kind: BadKind::LineTooLong,
                reason: format!("line of {len} bytes is longer than max_line_bytes"),
                location: Location::FileLine { file: &self.path, line },
                raw: lb.sample(),
                symbol: None,
                echo: false,
            }));
        }
        let Some((start, end)) = found else { return Ok(Pull::End) };
        let number = self.number;
        self.number += 1;
        Ok(Pull::Record(
            Record::Line(Line {
                bytes: &lb.buffer()[start..end],
                file: &self.path,
                number,
                offset: lb.offset_of(start),
            }),
            Location::FileLine { file: &self.path, line: number },
        ))
    }

    /// Takes over a `contains` filter: the whole buffer is searched for it,
    /// and only the lines around a hit are looked at.
    fn take_over(&mut self, filter: &Filter) -> bool {
        match filter {
            Filter::Contains(c) if self.contains.is_none() => {
                self.contains = Some(c.clone());
                true
            }
            _ => false,
        }
    }

    fn scanned(&self) -> Option<u64> {
        self.contains.as_ref().map(|_| self.number - 1)
    }

    fn is_live(&self) -> bool {
        self.path == sluice_io::STDIN || std::fs::metadata(&self.path).is_ok_and(|m| !m.is_file())
    }
}
