//! Outputs written whole or not at all: a report, a trade list or a plot is
//! written to a temporary file beside its path and renamed over it only
//! once it is complete, so a full disk or a second Ctrl-C never leaves a
//! cut file where a good one was.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file being written in place of `path`.
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl AtomicFile {
    /// Starts writing what will become `path`. The temporary file is in the
    /// same directory, so the rename is atomic; it is named `.NAME.XXXXXX`.
    pub fn create(path: impl AsRef<Path>) -> io::Result<AtomicFile> {
        let path = path.as_ref().to_owned();
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // A new file's usual mode (0666 less the umask), not a temporary
        // file's private 0600.
        let mode = std::os::unix::fs::PermissionsExt::from_mode(0o666);
        let tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).permissions(mode).tempfile_in(dir)?;
        Ok(AtomicFile { tmp, path })
    }

    /// Makes the file whole on disk and puts it at its path. Until then
    /// the old file, if any, is untouched; dropped without a commit, the
    /// temporary file is removed.
    pub fn commit(mut self) -> io::Result<()> {
        self.tmp.flush()?;
        self.tmp.as_file().sync_all()?;
        self.tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
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

    /// The process's umask, read without changing it for long.
    fn umask() -> u32 {
        let dir = tempfile::tempdir().unwrap();
        let probe = dir.path().join("probe");
        std::fs::File::create(&probe).unwrap();
        !std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&probe).unwrap().permissions()) & 0o666
    }
}
