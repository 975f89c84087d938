//! Following a file as `tail -F` does: noticing that it was rotated by
//! rename (a new file under the same name) or by copy-and-truncate.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What happened to a followed file since the last look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// Still the same file, perhaps longer; or missing for a moment in the
    /// middle of a rotation. Keep reading it.
    Same,
    /// Renamed away and recreated: finish the old file, whose last line is
    /// now final, then read the new one from its start.
    Renamed,
    /// Truncated in place: what is there now is new, from its start.
    Truncated,
}

/// A followed path and the file it names.
#[derive(Clone, Debug)]
pub struct Follow {
    path: PathBuf,
    inode: Option<u64>,
}

impl Follow {
    /// Starts following `path`, just opened: the file it names now is the
    /// one being read.
    pub fn new(path: impl AsRef<Path>) -> Follow {
        let path = path.as_ref();
        Follow { path: path.to_owned(), inode: std::fs::metadata(path).map(|m| m.ino()).ok() }
    }

    /// Looks at the path again; `read_so_far` is what was read of the
    /// current file. After [`Rotation::Renamed`] the new file is the one
    /// followed.
    pub fn poll(&mut self, read_so_far: u64) -> Rotation {
        match std::fs::metadata(&self.path) {
            Ok(meta) if Some(meta.ino()) != self.inode => {
                self.inode = Some(meta.ino());
                Rotation::Renamed
            }
            Ok(meta) if meta.len() < read_so_far => Rotation::Truncated,
            _ => Rotation::Same,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_rename_from_truncation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let name = path.to_str().unwrap();
        std::fs::write(&path, "one\ntwo\n").unwrap();
        let mut follow = Follow::new(name);
        assert_eq!(follow.poll(8), Rotation::Same);
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        assert_eq!(follow.poll(8), Rotation::Same, "growth is no rotation");
        std::fs::write(&path, "x\n").unwrap();
        assert_eq!(follow.poll(14), Rotation::Truncated);
        std::fs::rename(&path, dir.path().join("app.log.1")).unwrap();
        assert_eq!(follow.poll(2), Rotation::Same, "missing for a moment");
        std::fs::write(&path, "new\n").unwrap();
        assert_eq!(follow.poll(2), Rotation::Renamed);
        assert_eq!(follow.poll(0), Rotation::Same, "the new file is the one followed");
    }
}
