//! Outputs written whole or not at all: a report, a trade list or a plot is
//! written to a temporary file beside its path and renamed over it only
//! once it is complete, so a full disk or a second Ctrl-C never leaves a
//! cut file where a good one was.
//!
//! A path that is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO)
//! is written directly: renaming over it would replace the device or the
//! pipe with a file, which as root turns `/dev/null` into a file.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file being written in place of `path`.
pub struct AtomicFile(Target);

enum Target {
    /// A temporary file beside `path`, renamed over it at the commit.
    Beside { tmp: tempfile::NamedTempFile, path: PathBuf },
    /// A device or a pipe, written as it is.
    Direct(std::fs::File),
}

impl AtomicFile {
    /// Starts writing what will become `path`. The temporary file is in the
    /// same directory, so the rename is atomic; it is named `.NAME.XXXXXX`.
    pub fn create(path: impl AsRef<Path>) -> io::Result<AtomicFile> {
        let mut path = path.as_ref().to_owned();
        match std::fs::metadata(&path) {
            Ok(m) if !m.is_file() && !m.is_dir() => {
                return Ok(AtomicFile(Target::Direct(std::fs::OpenOptions::new().write(true).open(&path)?)));
            }
            // A link to a file: the file is replaced, the link kept.
            Ok(_) if path.is_symlink() => path = std::fs::canonicalize(&path)?,
            _ => {}
        }
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // A new file's usual mode (0666 less the umask), not a temporary
        // file's private 0600.
        let mode = std::os::unix::fs::PermissionsExt::from_mode(0o666);
        let tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).permissions(mode).tempfile_in(dir)?;
        Ok(AtomicFile(Target::Beside { tmp, path }))
    }

    /// Makes the file whole on disk and puts it at its path. Until then
    /// the old file, if any, is untouched; dropped without a commit, the
    /// temporary file is removed.
    pub fn commit(self) -> io::Result<()> {
        match self.0 {
            Target::Beside { mut tmp, path } => {
                tmp.flush()?;
                tmp.as_file().sync_all()?;
                tmp.persist(&path).map_err(|e| e.error)?;
            }
            Target::Direct(mut file) => file.flush()?,
        }
        Ok(())
    }

    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.0 {
            Target::Beside { tmp, .. } => tmp,
            Target::Direct(file) => file,
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_file_stays_until_the_new_one_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        std::fs::write(&path, "old").unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"new, half").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old", "nothing replaced before the commit");
        drop(f);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old", "an abandoned write leaves the old file");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "and no temporary file");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
        assert_eq!(mode & 0o044, 0o044 & !umask(), "readable as any new file is");
    }

    #[test]
    fn a_link_keeps_pointing_at_the_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let (target, link) = (dir.path().join("real.json"), dir.path().join("link.json"));
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut f = AtomicFile::create(&link).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert!(link.is_symlink(), "the link was replaced by a file");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn a_pipe_is_written_as_it_is_not_replaced() {
        // As root, renaming over /dev/null made it a regular file; a FIFO
        // stands in for any such path here.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            let _ = writeln!(std::io::stderr().lock(), "SKIPPED: mkfifo is not available");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        let mut f = AtomicFile::create(&fifo).unwrap();
        f.write_all(b"through the pipe").unwrap();
        f.commit().unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kind), "the FIFO is still a FIFO");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    /// The process's umask, read without changing it for long.
    fn umask() -> u32 {
        let dir = tempfile::tempdir().unwrap();
        let probe = dir.path().join("probe");
        std::fs::File::create(&probe).unwrap();
        !std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&probe).unwrap().permissions()) & 0o666
    }
}
