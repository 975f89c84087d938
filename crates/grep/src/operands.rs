//! The files a search visits, in GNU grep's order: the operands as given
//! (stdin for none, or with `-r` the working directory), directories walked
//! with `-r`, `--include`, `--exclude` and `-d skip`/`-D skip` applied. One
//! home for the order, whether one thread searches the files or several.

use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use sluice_io::STDIN;

use crate::{GrepOptions, STDIN_NAME};

/// One step of a search's visit.
pub(crate) enum Visit<'a> {
    /// A file to search, and its name as shown; `walked` when a walk of a
    /// directory found it, which then knows it to be a regular file.
    File { path: &'a Path, shown: &'a [u8], walked: bool },
    /// A directory that could not be listed (or an entry of it that could
    /// not be read), and why.
    Unreadable { shown: &'a [u8], error: io::Error },
}

/// Hands each step of the visit of `files` to `visit`, in order, until it
/// returns `false` or an error.
pub(crate) fn each(
    opts: &GrepOptions,
    files: &[OsString],
    visit: &mut dyn FnMut(Visit<'_>) -> io::Result<bool>,
) -> io::Result<()> {
    // No operand: stdin, or with -r the working directory, whose files are
    // named without a leading `./`.
    let (stdin, here) = ([OsString::from(STDIN)], [OsString::from(".")]);
    let unnamed = files.is_empty();
    let files = match (unnamed, &opts.recurse) {
        (true, Some(_)) => &here[..],
        (true, None) => &stdin[..],
        _ => files,
    };
    for path in files {
        let path = Path::new(path);
        if let Some(recurse) = &opts.recurse
            && !sluice_io::is_stdin(path)
        {
            let base = path.file_name().map_or(path.as_os_str().as_bytes(), |n| n.as_bytes());
            if path.is_dir() {
                if (recurse.wants_dir(base) || path == Path::new(".")) && !tree(recurse, path, unnamed, visit)? {
                    return Ok(());
                }
                continue;
            }
        }
        // Globs pass over files; a directory named without -r is still
        // read, and said to be one, as GNU grep has it.
        if !opts.operand_globs.is_empty()
            && !sluice_io::is_stdin(path)
            && !crate::walk::wants_operand(&opts.operand_globs, path.as_os_str().as_bytes())
            && !path.is_dir()
        {
            continue;
        }
        if passed_over(opts, path) {
            continue;
        }
        let shown: &[u8] = if sluice_io::is_stdin(path) {
            opts.label.as_deref().unwrap_or(STDIN_NAME.as_bytes())
        } else {
            path.as_os_str().as_bytes()
        };
        if !visit(Visit::File { path, shown, walked: false })? {
            return Ok(());
        }
    }
    Ok(())
}

/// `-r`: every file under `dir`. With no operand, `dir` is `.` and the
/// names are shown without their leading `./`, as GNU grep shows them.
/// Returns whether to go on.
fn tree(
    recurse: &crate::Recurse,
    dir: &Path,
    unnamed: bool,
    visit: &mut dyn FnMut(Visit<'_>) -> io::Result<bool>,
) -> io::Result<bool> {
    let mut failed = None;
    let went_on = recurse.walk(dir, &mut |path, error| {
        let bytes = path.as_os_str().as_bytes();
        let shown = if unnamed { bytes.strip_prefix(b"./").unwrap_or(bytes) } else { bytes };
        let step = match error {
            Some(error) => Visit::Unreadable { shown, error },
            None => Visit::File { path, shown, walked: true },
        };
        visit(step).unwrap_or_else(|e| {
            failed = Some(e);
            false
        })
    });
    failed.map_or(Ok(went_on), Err)
}

/// Whether `-d skip` or `-D skip` passes over the operand `path`.
fn passed_over(opts: &GrepOptions, path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    if sluice_io::is_stdin(path) || !(opts.skip_dirs || opts.skip_devices) {
        return false;
    }
    std::fs::metadata(path).is_ok_and(|m| {
        let t = m.file_type();
        (opts.skip_dirs && t.is_dir())
            || (opts.skip_devices && (t.is_block_device() || t.is_char_device() || t.is_fifo() || t.is_socket()))
    })
}
