//! Opening an input: a file, a FIFO or stdin, decompressed when it is gzip
//! or zstd, with a count of the bytes read that tells whether the file
//! changed under the reader.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// The name `-` reads standard input.
pub const STDIN: &str = "-";

/// Whether `path` is [`STDIN`]: its bytes compared, where `Path`'s own
/// comparison walks the components of two different paths (a search of
/// many files asks for each one).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// How an input is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Read as it is.
    None,
    /// gzip, one member or several (`cat a.gz b.gz`).
    Gzip,
    /// zstd.
    Zstd,
    /// A zip archive holding one file (Binance ships its dumps so).
    Zip,
}

/// Opens inputs: a builder, so that each caller says only what differs
/// from the defaults.
#[derive(Clone, Debug)]
pub struct Opener {
    decompress: bool,
    progress: Option<Arc<AtomicU64>>,
    interrupt: Option<Arc<std::sync::atomic::AtomicUsize>>,
    end_by_size: bool,
}

impl Default for Opener {
    fn default() -> Opener {
        Opener::new()
    }
}

impl Opener {
    /// An opener that decompresses gzip and zstd and reports no progress.
    pub fn new() -> Opener {
        Opener { decompress: true, progress: None, interrupt: None, end_by_size: false }
    }

    /// Recognise gzip and zstd by their first bytes and read them
    /// decompressed. Default: on. Off, the bytes are read as they are (a
    /// grep without `-z`).
    pub fn decompress(mut self, yes: bool) -> Opener {
        self.decompress = yes;
        self
    }

    /// Also add the bytes read from the file (before any decompression) to
    /// `counter`, shared by every file of a run, for a progress bar.
    /// Default: none.
    pub fn progress(mut self, counter: Option<Arc<AtomicU64>>) -> Opener {
        self.progress = counter;
        self
    }

    /// Find a regular file's end by its size rather than by a read that
    /// returns nothing: once the size it had when opened is read, a look
    /// at its status tells whether it grew meanwhile (then it is read on)
    /// and serves [`Watch::changed`] too. One system call less a file,
    /// which a search of many small files feels. Default: off.
    pub fn end_by_size(mut self, yes: bool) -> Opener {
        self.end_by_size = yes;
        self
    }

    /// Let a raised `flag` (a signal's number, as sluice-core's `Stop`
    /// holds it) end a read of stdin, a FIFO or a device that is blocked
    /// waiting for data: the input then ends where it was. Regular files
    /// never block, and are read directly. Default: none.
    pub fn interrupt(mut self, flag: Option<Arc<std::sync::atomic::AtomicUsize>>) -> Opener {
        self.interrupt = flag;
        self
    }

    /// Opens `path`, or stdin for [`STDIN`]. A directory is refused as the
    /// read would be ("Is a directory"), before anything is read.
    pub fn open(&self, path: impl AsRef<Path>) -> io::Result<Input> {
        let path = path.as_ref();
        let stdin = is_stdin(path);
        // The handle's status, not the path's, here and at the end: a
        // search of many small files would otherwise walk each path three
        // times more than it opens it.
        let (mut raw, size, watch): (Box<dyn Read + Send>, _, _) = if stdin {
            // A duplicate of stdin's descriptor, for its status only.
            let status = io::stdin().as_fd().try_clone_to_owned().map(File::from).and_then(|f| f.metadata());
            (Box::new(io::stdin()), status.ok().filter(|m| m.is_file()).map(|m| m.len()), Watch::new(None))
        } else {
            let (file, status) = open_with_status(path)?;
            let file = Arc::new(file);
            (Box::new(Arc::clone(&file)), Some(status.len()).filter(|_| status.is_file()), Watch::new(Some(file)))
        };
        if let Some(flag) = &self.interrupt
            && (stdin || size.is_none())
        {
            raw = Box::new(crate::interrupt::Interruptible::new(raw, Arc::clone(flag)));
        }
        let counted = Counted {
            inner: raw,
            seen: Arc::clone(&watch.seen),
            progress: self.progress.as_ref().map(Arc::clone),
            end: watch
                .file
                .as_ref()
                .zip(size)
                .filter(|_| self.end_by_size)
                .map(|(file, size)| (Arc::clone(file), size)),
        };
        if !self.decompress {
            return Ok(Input { reader: Box::new(counted), compression: Compression::None, watch, size });
        }
        let mut buffered = BufReader::with_capacity(64 * 1024, counted);
        let head = buffered.fill_buf()?;
        // Recognised by the first bytes, so a `.gz` without its extension,
        // or a compressed stdin, reads the same.
        let compression = if head.starts_with(GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(ZSTD_MAGIC) {
            Compression::Zstd
        } else if head.starts_with(ZIP_MAGIC) {
            Compression::Zip
        } else {
            Compression::None
        };
        let reader: Box<dyn Read + Send> = match compression {
            Compression::None => Box::new(buffered),
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
            // The entry is read from its own handle: what was read from the
            // archive here is not the file's size, so no change is judged.
            Compression::Zip => {
                let reader = zip_entry(path, stdin)?;
                return Ok(Input { reader, compression, watch: Watch { file: None, ..watch }, size: None });
            }
        };
        let size = size.filter(|_| compression == Compression::None);
        Ok(Input { reader, compression, watch, size })
    }
}

/// The one file of a zip archive, read as it is inflated. An archive
/// holding several files is refused with their names: which one is meant
/// is not for sluice to guess.
fn zip_entry(path: &Path, stdin: bool) -> io::Result<Box<dyn Read + Send>> {
    use std::io::Seek;
    let bad = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
    if stdin {
        return Err(bad(
            "a zip archive on stdin cannot be read: its directory is at its end; give the file's path".into()
        ));
    }
    let mut archive =
        zip::ZipArchive::new(File::open(path)?).map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    let files: Vec<usize> =
        (0..archive.len()).filter(|&i| archive.by_index_raw(i).is_ok_and(|f| !f.is_dir())).collect();
    let index = match files.as_slice() {
        [one] => *one,
        [] => return Err(bad("the zip archive holds no file".into())),
        many => {
            let names: Vec<String> = many
                .iter()
                .take(5)
                .filter_map(|&i| archive.by_index_raw(i).ok().map(|f| f.name().to_owned()))
                .collect();
            let more = if many.len() > 5 { ", …" } else { "" };
            return Err(bad(format!(
                "the zip archive holds {} files ({}{more}); unzip it and name the one to read",
                many.len(),
                names.join(", ")
            )));
        }
    };
    let entry = archive.by_index_raw(index).map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    let (method, start, size) = (entry.compression(), entry.data_start(), entry.compressed_size());
    drop(entry);
    let mut file = File::open(path)?;
    file.seek(io::SeekFrom::Start(start))?;
    let data = BufReader::with_capacity(64 * 1024, file.take(size));
    // Stored (0) and deflated (8) are what archivers write; flate2
    // inflates the latter, so the zip crate is used only for the directory.
    #[allow(deprecated)]
    match method.to_u16() {
        0 => Ok(Box::new(data)),
        8 => Ok(Box::new(flate2::bufread::DeflateDecoder::new(data))),
        other => {
            Err(bad(format!("the zip archive's file is compressed with method {other}, which sluice does not read")))
        }
    }
}

/// Why a path cannot be read, found before reading it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Nothing is there.
    #[error("{0}: no such file")]
    Missing(String),
    /// A directory is there.
    #[error("{0}: is a directory")]
    Directory(String),
}

/// Checks, when a component is configured and before anything is read,
/// that `path` names something to read: stdin, a file, a FIFO or a
/// device; not a directory, not nothing.
pub fn check_input(path: &str) -> Result<(), InputError> {
    let p = Path::new(path);
    if path == STDIN {
        Ok(())
    } else if p.is_dir() {
        Err(InputError::Directory(path.to_owned()))
    } else if !p.exists() {
        Err(InputError::Missing(path.to_owned()))
    } else {
        Ok(())
    }
}

/// Opens a file for reading, refusing a directory with the error a read
/// of it would give, so that it is named at once rather than at the first
/// read (which some platforms let succeed).
pub fn open_file(path: impl AsRef<Path>) -> io::Result<File> {
    open_with_status(path.as_ref()).map(|(file, _)| file)
}

/// [`open_file`], with the opened handle's status.
fn open_with_status(path: &Path) -> io::Result<(File, std::fs::Metadata)> {
    let file = File::open(path)?;
    let status = file.metadata()?;
    if status.is_dir() {
        return Err(io::Error::new(io::ErrorKind::IsADirectory, "Is a directory"));
    }
    Ok((file, status))
}

/// An opened input.
pub struct Input {
    /// The bytes, decompressed when the opener was asked to.
    pub reader: Box<dyn Read + Send>,
    /// How the file was compressed.
    pub compression: Compression,
    /// What tells, at the end, whether the file changed while it was read.
    pub watch: Watch,
    /// Its size when it is a regular file read as it is (stdin redirected
    /// from one included); `None` for a pipe, a device or a decompressed
    /// input.
    pub size: Option<u64>,
}

/// The bytes read from one file, to compare with its size at the end.
#[derive(Clone, Debug)]
pub struct Watch {
    /// The file read; `None` for stdin, which cannot change under us in a
    /// way we can see.
    file: Option<Arc<File>>,
    seen: Arc<Seen>,
}

/// What the reader saw, shared with its watch.
#[derive(Debug, Default)]
struct Seen {
    /// Bytes read.
    read: AtomicU64,
    /// The file's status taken when its end was found by its size
    /// ([`Opener::end_by_size`]); `None` inside for a status that could
    /// not be taken.
    at_end: OnceLock<Option<std::fs::Metadata>>,
}

impl Watch {
    fn new(file: Option<Arc<File>>) -> Watch {
        Watch { file, seen: Arc::default() }
    }

    /// Bytes read from the file so far, before any decompression.
    pub fn read_so_far(&self) -> u64 {
        self.seen.read.load(Ordering::Relaxed)
    }

    /// How the file changed since it was opened, judged once its end was
    /// read ([`Changed::since`]); `None` for stdin.
    pub fn changed(&self) -> Option<Changed> {
        let file = self.file.as_deref()?;
        match self.seen.at_end.get() {
            Some(status) => Changed::judged(status.as_ref(), self.read_so_far()),
            None => Changed::since(file, self.read_so_far()),
        }
    }
}

/// How a file changed under a reader that read it to its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changed {
    /// It is gone.
    Deleted,
    /// It is shorter than what was read.
    Truncated,
    /// It is longer than what was read: lines added after the end was
    /// reached were not read.
    Grew,
}

impl Changed {
    /// How `file`, of which `read` bytes were read to its end, changed:
    /// gone (its last name removed), shorter, or longer. The file read is
    /// judged, not what its name leads to now: a file renamed away and
    /// replaced (a rotation) was read whole and unchanged. A FIFO or a
    /// device never changes.
    pub fn since(file: &File, read: u64) -> Option<Changed> {
        Changed::judged(file.metadata().ok().as_ref(), read)
    }

    /// [`Changed::since`] from a status taken already (`None`: it could
    /// not be taken).
    fn judged(status: Option<&std::fs::Metadata>, read: u64) -> Option<Changed> {
        match status {
            None => Some(Changed::Deleted),
            Some(m) if std::os::unix::fs::MetadataExt::nlink(m) == 0 => Some(Changed::Deleted),
            Some(m) if m.is_file() && m.len() < read => Some(Changed::Truncated),
            Some(m) if m.is_file() && m.len() > read => Some(Changed::Grew),
            Some(_) => None,
        }
    }

    /// The warning, worded once for every reader: `name` is the file as
    /// shown, `doing` what the reader did with it ("searched",
    /// "replayed").
    pub fn warning(self, name: &str, doing: &str) -> String {
        match self {
            Changed::Deleted => format!("{name}: file was deleted while being {doing}; {doing} what was read"),
            Changed::Truncated => format!("{name}: file was truncated while being {doing}; {doing} what was read"),
            Changed::Grew => {
                format!("{name}: file grew while being {doing}; lines added after its end was reached were not {doing}")
            }
        }
    }
}

/// A reader that counts what it reads, once per block read, so the cost is
/// nothing next to the read.
struct Counted {
    inner: Box<dyn Read + Send>,
    seen: Arc<Seen>,
    progress: Option<Arc<AtomicU64>>,
    /// With [`Opener::end_by_size`]: the file, and the size up to which
    /// it is read before its status is looked at again.
    end: Option<(Arc<File>, u64)>,
}

impl Read for Counted {
    fn read(&mut self, mut buf: &mut [u8]) -> io::Result<usize> {
        if let Some((file, size)) = &mut self.end {
            let done = self.seen.read.load(Ordering::Relaxed);
            if done >= *size {
                let status = file.metadata().ok();
                match status.as_ref().map(|m| m.len()) {
                    // Grown since: read on, to the size it has now.
                    Some(now) if now > done => *size = now,
                    _ => {
                        let _ = self.seen.at_end.set(status);
                        return Ok(0);
                    }
                }
            }
            let left = usize::try_from(*size - done).unwrap_or(usize::MAX);
            let len = left.min(buf.len());
            buf = &mut buf[..len];
        }
        let n = self.inner.read(buf)?;
        self.seen.read.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(p) = &self.progress {
            p.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(input: &mut Input) -> Vec<u8> {
        let mut out = Vec::new();
        input.reader.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn compressed_files_are_recognised_by_their_first_bytes_and_never_seem_changed() {
        let dir = tempfile::tempdir().unwrap();
        let plain = b"one\ntwo\n".repeat(1000);
        let gz = dir.path().join("no-extension");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&plain).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let zst = dir.path().join("b.bin");
        std::fs::write(&zst, zstd::encode_all(&plain[..], 1).unwrap()).unwrap();
        for path in [&gz, &zst] {
            let mut input = Opener::new().open(path.to_str().unwrap()).unwrap();
            assert_ne!(input.compression, Compression::None);
            assert_eq!(read_all(&mut input), plain);
            // What was read is compared with the compressed size, not the
            // decompressed one: no false "truncated".
            assert_eq!(input.watch.changed(), None, "{}", path.display());
        }
        let mut raw = Opener::new().decompress(false).open(gz.to_str().unwrap()).unwrap();
        assert_eq!(read_all(&mut raw), std::fs::read(&gz).unwrap());
    }

    /// A zip fixture of the project's own, made with Python's zipfile.
    fn zip_fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/zip").join(name)
    }

    #[test]
    fn a_zip_of_one_file_reads_as_the_file_and_a_zip_of_several_is_refused() {
        let want = std::fs::read(zip_fixture("BTCUSDT-trades-2024-01-01.csv")).unwrap();
        for name in ["BTCUSDT-trades-2024-01-01.zip", "stored.zip"] {
            let mut input = Opener::new().open(zip_fixture(name)).unwrap();
            assert_eq!(input.compression, Compression::Zip);
            assert_eq!(read_all(&mut input), want, "{name}");
            assert_eq!(input.watch.changed(), None, "{name}");
        }
        let err = Opener::new().open(zip_fixture("two-files.zip")).err().unwrap().to_string();
        assert!(err.contains("holds 2 files (a.csv, b.csv)"), "{err}");
        // Without decompression, the archive's own bytes.
        let mut raw = Opener::new().decompress(false).open(zip_fixture("stored.zip")).unwrap();
        assert!(read_all(&mut raw).starts_with(b"PK"));
    }

    #[test]
    fn an_end_found_by_size_reads_on_what_was_added_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(&path, "a\nb\n").unwrap();
        // Read as it is: a decompressing opener reads ahead of the caller.
        let mut input = Opener::new().decompress(false).end_by_size(true).open(&path).unwrap();
        let mut first = [0u8; 4];
        input.reader.read_exact(&mut first).unwrap();
        // Added after the opening and after the size it had was read.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"c\n").unwrap();
        assert_eq!(read_all(&mut input), b"c\n");
        assert_eq!(input.watch.changed(), None);
        // Truncated before its end was read: told.
        let mut input = Opener::new().decompress(false).end_by_size(true).open(&path).unwrap();
        input.reader.read_exact(&mut first).unwrap();
        std::fs::write(&path, "").unwrap();
        assert_eq!(read_all(&mut input), b"");
        assert_eq!(input.watch.changed(), Some(Changed::Truncated));
        // Deleted before its end was read: read to the end, and told.
        std::fs::write(&path, "a\nb\n").unwrap();
        let mut input = Opener::new().decompress(false).end_by_size(true).open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read_all(&mut input), b"a\nb\n");
        assert_eq!(input.watch.changed(), Some(Changed::Deleted));
    }

    #[test]
    fn changes_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        let name = path.to_str().unwrap();
        std::fs::write(&path, "a\nb\n").unwrap();
        let progress = Arc::new(AtomicU64::new(0));
        let mut input = Opener::new().progress(Some(Arc::clone(&progress))).open(name).unwrap();
        read_all(&mut input);
        assert_eq!(progress.load(Ordering::Relaxed), 4);
        assert_eq!(input.watch.changed(), None);
        std::fs::write(&path, "a\nb\nc\n").unwrap();
        assert_eq!(input.watch.changed(), Some(Changed::Grew));
        std::fs::write(&path, "a\n").unwrap();
        assert_eq!(input.watch.changed(), Some(Changed::Truncated));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(input.watch.changed(), Some(Changed::Deleted));
        // A file renamed away and replaced, as a rotation does, was read
        // whole: the file read is judged, not what the name leads to now.
        std::fs::write(&path, "a\nb\n").unwrap();
        let mut input = Opener::new().open(name).unwrap();
        read_all(&mut input);
        std::fs::rename(&path, dir.path().join("a.log.1")).unwrap();
        std::fs::write(&path, "a new file\n").unwrap();
        assert_eq!(input.watch.changed(), None);
        assert_eq!(
            Changed::Grew.warning("a.log", "searched"),
            "a.log: file grew while being searched; lines added after its end was reached were not searched"
        );
    }

    #[test]
    fn a_directory_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let name = dir.path().to_str().unwrap();
        let err = Opener::new().open(name).err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
        assert_eq!(check_input(name), Err(InputError::Directory(name.to_owned())));
        let gone = format!("{name}/gone.log");
        assert_eq!(check_input(&gone).unwrap_err().to_string(), format!("{gone}: no such file"));
        assert_eq!(check_input(STDIN), Ok(()));
    }
}
