//! The files of an audit log: `PATH`, then `PATH.1`, `PATH.2`, … when it
//! rolls over; appended to, never truncated.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

use crate::chain::{self, Hex};
use crate::config::Format;

/// The header row of each CSV file (not part of the chain).
pub const CSV_HEADER: &[u8] =
    b"seq,kind,origin,time,symbol,price,volume,offset,text,text_hex,error,reason,records,errors,hash\n";

/// The name of file `index` of the set.
pub fn path_of(base: &str, index: u32) -> String {
    if index == 0 { base.to_owned() } else { format!("{base}.{index}") }
}

/// The existing files of the set, in order.
pub fn existing(base: &str) -> Vec<String> {
    (0..).map(|i| path_of(base, i)).take_while(|p| std::path::Path::new(p).is_file()).collect()
}

/// Where an existing log leaves off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tail {
    pub seq: u64,
    pub hash: Hex,
}

impl Tail {
    pub fn genesis() -> Tail {
        Tail { seq: 0, hash: Hex::genesis() }
    }
}

/// Why an existing log cannot be appended to.
#[derive(Debug, thiserror::Error)]
pub enum TailError {
    /// Reading it failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The last line has no newline: a run was killed mid-write.
    #[error(
        "{path} ends with a torn line (a run was killed while writing): `sluice audit repair {path}` keeps it aside and closes the run"
    )]
    Torn {
        /// The file.
        path: String,
    },
    /// The last run has no close line: it was killed, or its tail cut.
    /// Appending would bury that under a new run.
    #[error(
        "{path}: its last run has no close line (it was killed, or its end was cut) at seq {seq}: \
         `sluice audit repair {path}` closes it, keeping every line, and then runs can append"
    )]
    Unclosed {
        /// The file.
        path: String,
        /// The last line's sequence number.
        seq: u64,
    },
    /// The last line is not an audit line.
    #[error("{path}: its last line is not an audit line in this format; refusing to append")]
    Unreadable {
        /// The file.
        path: String,
    },
}

/// The last line of `path` (without its newline): `None` for an empty file.
fn last_line(path: &str) -> Result<Option<Vec<u8>>, TailError> {
    let mut f = File::open(path)?;
    let len = f.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(None);
    }
    let mut last = [0u8; 1];
    f.seek(SeekFrom::End(-1))?;
    f.read_exact(&mut last)?;
    if last[0] != b'\n' {
        return Err(TailError::Torn { path: path.to_owned() });
    }
    // Read backwards in growing windows until the line's start is found.
    let mut window = 64 * 1024u64;
    loop {
        let start = len.saturating_sub(window);
        f.seek(SeekFrom::Start(start))?;
        let mut buf = vec![0; (len - start) as usize];
        f.read_exact(&mut buf)?;
        let body = &buf[..buf.len() - 1];
        match memrchr_newline(body) {
            Some(i) => return Ok(Some(body[i + 1..].to_vec())),
            None if start == 0 => return Ok(Some(body.to_vec())),
            None => window *= 4,
        }
    }
}

fn memrchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().rposition(|&c| c == b'\n')
}

/// Where the set at `base` leaves off, looking back past files that hold
/// only a header.
pub fn tail(base: &str, format: Format) -> Result<(Tail, u32), TailError> {
    let files = existing(base);
    // New lines go to the last file; the chain continues from the last line
    // of any file.
    for path in files.iter().rev() {
        match last_line(path)? {
            None => continue,
            Some(line) if format == Format::Csv && line.starts_with(b"seq,") => continue,
            Some(line) => {
                let parsed = parse_seq_and_hash(&line, format).and_then(|(seq, h)| Some((seq, Hex::parse(h)?)));
                let (seq, hash) = parsed.ok_or_else(|| TailError::Unreadable { path: path.clone() })?;
                let body = match format {
                    Format::Jsonl => chain::jsonl::split(&line),
                    Format::Csv => chain::csv::split(&line),
                }
                .map_or(&line[..], |(b, _)| b);
                if crate::verify::kind_of(body, format) != "close" {
                    return Err(TailError::Unclosed { path: path.clone(), seq });
                }
                return Ok((Tail { seq, hash }, files.len().saturating_sub(1) as u32));
            }
        }
    }
    Ok((Tail::genesis(), files.len().saturating_sub(1) as u32))
}

/// The seq and hash of a written line.
pub fn parse_seq_and_hash(line: &[u8], format: Format) -> Option<(u64, &str)> {
    let (body, hash) = match format {
        Format::Jsonl => chain::jsonl::split(line)?,
        Format::Csv => chain::csv::split(line)?,
    };
    let digits = match format {
        Format::Jsonl => body.strip_prefix(b"{\"seq\":")?,
        Format::Csv => body,
    };
    let end = digits.iter().position(|b| !b.is_ascii_digit()).unwrap_or(digits.len());
    let seq = std::str::from_utf8(&digits[..end]).ok()?.parse().ok()?;
    Some((seq, hash))
}

/// The file being written.
pub struct LogFile {
    base: String,
    index: u32,
    out: BufWriter<File>,
    bytes: u64,
    format: Format,
}

impl LogFile {
    /// Opens file `index` of the set for appending.
    pub fn open(base: &str, index: u32, format: Format) -> io::Result<LogFile> {
        let path = path_of(base, index);
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let bytes = file.metadata()?.len();
        let mut log =
            LogFile { base: base.to_owned(), index, out: BufWriter::with_capacity(64 * 1024, file), bytes, format };
        if bytes == 0 && format == Format::Csv {
            log.write(CSV_HEADER)?;
        }
        Ok(log)
    }

    /// Rolls over to the next file if `len` more bytes would take this one
    /// past `max` (a file holding nothing yet takes any line).
    pub fn roll_if_needed(&mut self, len: u64, max: Option<u64>, sync: bool) -> io::Result<()> {
        let Some(max) = max else { return Ok(()) };
        let header = if self.format == Format::Csv { CSV_HEADER.len() as u64 } else { 0 };
        if self.bytes <= header || self.bytes + len <= max {
            return Ok(());
        }
        self.flush(sync)?;
        *self = LogFile::open(&self.base, self.index + 1, self.format)?;
        Ok(())
    }

    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Flushes the buffer, and fsyncs when `sync`.
    pub fn flush(&mut self, sync: bool) -> io::Result<()> {
        self.out.flush()?;
        if sync {
            match self.out.get_ref().sync_data() {
                // A device or a pipe (/dev/null) has nothing to make
                // durable, and says so with EINVAL.
                Err(e) if e.kind() == io::ErrorKind::InvalidInput => {}
                other => other?,
            }
        }
        Ok(())
    }
}

/// The log's writer lock: `PATH.lock`, locked for the whole run (the lock
/// goes with the process, however it ends) and holding the writer's pid,
/// so that a second writer is refused by name rather than interleaving
/// lines and sequence numbers. The file stays after the run, unlocked.
pub struct Lock {
    _file: File,
}

/// Takes the lock of the set at `base`; a link is locked at its target.
/// With `wait`, a lock another run holds is waited for, looked at ten
/// times a second, until it is free or `wait` says to give up.
pub fn lock(base: &str, wait: Option<impl Fn() -> bool>) -> Result<Lock, String> {
    let path = std::fs::canonicalize(base).map_or_else(|_| base.to_owned(), |p| p.display().to_string());
    let lock_path = format!("{path}.lock");
    let mut file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&lock_path).map_err(|e| {
            let io = sluice_core::error::io_message(&e);
            // A missing directory is the log's problem, not its lock's.
            let dir_exists = std::path::Path::new(&lock_path).parent().is_some_and(|d| d.is_dir());
            if dir_exists {
                format!("opening {base}: {io} (its lock, {lock_path})")
            } else {
                format!("opening {base}: {io}")
            }
        })?;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.seek(SeekFrom::Start(0)).and_then(|_| file.read_to_string(&mut holder));
                let holder = holder.trim();
                let me = std::process::id().to_string();
                if holder == me {
                    return Err(format!(
                        "{base} is written twice in this run (two audit sinks on one file); give each its own path"
                    ));
                }
                match &wait {
                    Some(give_up) if !give_up() => std::thread::sleep(std::time::Duration::from_millis(100)),
                    Some(_) => {
                        return Err(format!("stopped while waiting for {base}, written by another run (pid {holder})"));
                    }
                    None => {
                        return Err(format!(
                            "{base} is being written by another run (pid {holder}); one writer at a time, or lock=wait"
                        ));
                    }
                }
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!("{lock_path}: {}", sluice_core::error::io_message(&e)));
            }
        }
    }
    let pid = std::process::id().to_string();
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)).map(|_| ()))
        .and_then(|()| file.write_all(pid.as_bytes()))
        .map_err(|e| format!("{lock_path}: {}", sluice_core::error::io_message(&e)))?;
    Ok(Lock { _file: file })
}
