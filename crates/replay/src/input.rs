//! Opening an input: a file or stdin, decompressed when it is gzip or zstd.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The name `-` reads standard input.
pub const STDIN: &str = "-";

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// How an input is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Opens `path` (or stdin for `-`) for streaming reads. Compression is
/// recognised by the first bytes, so a `.gz` without its extension, or a
/// compressed stdin, reads the same; the extension only breaks no ties.
pub fn open(path: &str) -> io::Result<(Box<dyn Read + Send>, Compression)> {
    open_counted(path, None)
}

/// Like [`open`], adding the bytes read from the file (before any
/// decompression) to `counter`, for a progress bar.
pub fn open_counted(path: &str, counter: Option<Arc<AtomicU64>>) -> io::Result<(Box<dyn Read + Send>, Compression)> {
    let mut raw: Box<dyn Read + Send> = if path == STDIN {
        Box::new(io::stdin())
    } else {
        if Path::new(path).is_dir() {
            return Err(io::Error::new(io::ErrorKind::IsADirectory, "is a directory"));
        }
        Box::new(File::open(path)?)
    };
    if let Some(counter) = counter {
        raw = Box::new(Counted { inner: raw, counter });
    }
    let mut buffered = BufReader::with_capacity(64 * 1024, raw);
    let head = buffered.fill_buf()?;
    let compression = if head.starts_with(GZIP_MAGIC) {
        Compression::Gzip
    } else if head.starts_with(ZSTD_MAGIC) {
        Compression::Zstd
    } else {
        Compression::None
    };
    let reader: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(buffered),
        // Multi-member gzip (as `cat a.gz b.gz` makes) is read to the end.
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
    };
    Ok((reader, compression))
}

/// A reader that adds what it reads to a shared counter (once per block
/// read, so the cost is nothing next to the read).
struct Counted {
    inner: Box<dyn Read + Send>,
    counter: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
