//! `-r` and `-R`: the files under a directory, in the order GNU grep visits
//! them (depth first, each directory in the order it lists its entries),
//! with `--include`, `--exclude` and `--exclude-dir` applied as GNU grep
//! applies them.

use std::path::Path;

/// How a recursive search chooses its files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recurse {
    /// `-R`: follow every symbolic link; `-r` follows only those named on
    /// the command line.
    pub follow_links: bool,
    /// `--include` (true) and `--exclude` (false) globs, in the order given.
    pub files: Vec<(bool, Vec<u8>)>,
    /// `--exclude-dir` globs.
    pub dirs: Vec<Vec<u8>>,
}

impl Recurse {
    /// Whether a file named `name` is searched: the last `--include` or
    /// `--exclude` that matches decides; with none matching, it is searched
    /// unless the first of them is an `--include`.
    pub fn wants_file(&self, name: &[u8]) -> bool {
        wanted(&self.files, |glob| matches(glob, name))
    }

    /// Whether a directory named `name` is entered.
    pub fn wants_dir(&self, name: &[u8]) -> bool {
        !self.dirs.iter().any(|glob| matches(glob, name))
    }

    /// Visits the files under `dir` in order, calling `visit` with each
    /// file, or with a path that could not be listed and why; `visit`
    /// returns whether to go on. Symbolic links below the top are followed
    /// only with `-R`; devices, FIFOs and sockets met on the way are
    /// skipped, as GNU grep skips them.
    pub fn walk(&self, dir: &Path, visit: &mut dyn FnMut(&Path, Option<std::io::Error>) -> bool) -> bool {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => return visit(dir, Some(e)),
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    if !visit(dir, Some(e)) {
                        return false;
                    }
                    continue;
                }
            };
            // One allocation an entry: its path, the name borrowed from it.
            let path = entry.path();
            let name = path.file_name().map_or(&[][..], std::os::unix::ffi::OsStrExt::as_bytes);
            let Ok(mut kind) = entry.file_type() else { continue };
            if kind.is_symlink() {
                if !self.follow_links {
                    continue;
                }
                match std::fs::metadata(&path) {
                    Ok(m) => kind = m.file_type(),
                    Err(e) => {
                        if !visit(&path, Some(e)) {
                            return false;
                        }
                        continue;
                    }
                }
            }
            let go_on = if kind.is_dir() {
                !self.wants_dir(name) || self.walk(&path, visit)
            } else if kind.is_file() {
                !self.wants_file(name) || visit(&path, None)
            } else {
                true
            };
            if !go_on {
                return false;
            }
        }
        true
    }
}

/// Whether a file is searched, by `--include` (true) and `--exclude`
/// (false) globs in the order given, `matched` telling which match it: the
/// last that matches decides; with none matching, it is searched unless
/// the first of them is an `--include`.
fn wanted(globs: &[(bool, Vec<u8>)], matched: impl Fn(&[u8]) -> bool) -> bool {
    match globs.iter().rev().find(|(_, glob)| matched(glob)) {
        Some(&(include, _)) => include,
        None => globs.first().is_none_or(|(include, _)| !include),
    }
}

/// Whether a file named on the command line as `path` is searched by
/// `globs` (`--include`, `--exclude`), with or without `-r`: as GNU grep, a
/// glob matches the whole name or any part of it after a `/`.
pub fn wants_operand(globs: &[(bool, Vec<u8>)], path: &[u8]) -> bool {
    let suffixes = || {
        std::iter::once(path).chain(
            path.iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'/' && path.get(i + 1).is_some_and(|&c| c != b'/'))
                .map(|(i, _)| &path[i + 1..]),
        )
    };
    wanted(globs, |glob| suffixes().any(|s| matches(glob, s)))
}

/// Wildcard matching as fnmatch does it without flags: `*` any run of
/// bytes, `?` one byte, `[...]` a set (`!` or `^` negates, `a-z` a range),
/// `\` quotes the next byte.
pub fn matches(glob: &[u8], name: &[u8]) -> bool {
    let (mut g, mut n) = (0, 0);
    // Where to resume after the last `*`: (glob index after it, name index).
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        let step = match glob.get(g) {
            Some(b'*') => {
                star = Some((g + 1, n));
                g += 1;
                continue;
            }
            Some(b'?') => Some(g + 1),
            Some(b'[') => set(glob, g, name[n]),
            Some(b'\\') if g + 1 < glob.len() => (glob[g + 1] == name[n]).then_some(g + 2),
            Some(&c) => (c == name[n]).then_some(g + 1),
            None => None,
        };
        match (step, star) {
            (Some(next), _) => {
                g = next;
                n += 1;
            }
            (None, Some((after, from))) => {
                // Let the last `*` take one more byte and try again.
                g = after;
                n = from + 1;
                star = Some((after, from + 1));
            }
            (None, None) => return false,
        }
    }
    glob[g..].iter().all(|&c| c == b'*')
}

/// Matches `c` against the set starting at `glob[at] == b'['`: the index
/// after the set if it matches, `None` if not. An unclosed `[` is a
/// literal.
fn set(glob: &[u8], at: usize, c: u8) -> Option<usize> {
    let mut i = at + 1;
    let negate = matches!(glob.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut found = false;
    let mut first = true;
    while let Some(&b) = glob.get(i) {
        if b == b']' && !first {
            return (found != negate).then_some(i + 1);
        }
        first = false;
        let lo = b;
        if glob.get(i + 1) == Some(&b'-') && glob.get(i + 2).is_some_and(|&h| h != b']') {
            found |= (lo..=glob[i + 2]).contains(&c);
            i += 3;
        } else {
            found |= lo == c;
            i += 1;
        }
    }
    // No closing bracket: `[` stands for itself.
    (c == b'[').then_some(at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_named_on_the_command_line_meets_globs_by_any_part_after_a_slash() {
        let globs = |list: &[(bool, &str)]| list.iter().map(|&(i, g)| (i, g.as_bytes().to_vec())).collect::<Vec<_>>();
        let exclude_old = globs(&[(false, "old/*")]);
        assert!(!wants_operand(&exclude_old, b"logs/old/a.log"));
        assert!(!wants_operand(&exclude_old, b"./old/a.log"));
        assert!(wants_operand(&exclude_old, b"logs/older/a.log"));
        assert!(wants_operand(&exclude_old, b"a.log"));
        // A part begins with what is not a slash: in `x//a.log`, `a.log`.
        assert!(!wants_operand(&globs(&[(false, "a.log")]), b"x//a.log"));
        let include_logs = globs(&[(true, "*.log")]);
        assert!(wants_operand(&include_logs, b"dir/a.log"));
        assert!(!wants_operand(&include_logs, b"dir/a.txt"));
        assert!(wants_operand(&[], b"anything"));
    }

    #[test]
    fn globs_match_as_fnmatch_does() {
        for (glob, name, want) in [
            ("*.log", "app.log", true),
            ("*.log", "app.log.1", false),
            ("*.log*", "app.log.1", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("[ab]*", "beta", true),
            ("[!ab]*", "beta", false),
            ("[a-c]x", "bx", true),
            ("\\*", "*", true),
            ("*", "", true),
            ("*a*b", "xaxxb", true),
            ("*a*b", "xaxxbc", false),
            ("[", "[", true),
        ] {
            assert_eq!(matches(glob.as_bytes(), name.as_bytes()), want, "{glob} {name}");
        }
    }

    #[test]
    fn a_walk_skips_fifos_and_links_unless_asked_and_keeps_directory_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/a.log"), "x").unwrap();
        std::fs::write(d.join("b.log"), "x").unwrap();
        std::os::unix::fs::symlink(d.join("b.log"), d.join("link.log")).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(d.join("pipe")).status().unwrap().success());
        let visit = |follow_links| {
            let mut seen = Vec::new();
            Recurse { follow_links, ..Recurse::default() }.walk(d, &mut |p, e| {
                assert!(e.is_none(), "{e:?}");
                seen.push(p.strip_prefix(d).unwrap().to_string_lossy().into_owned());
                true
            });
            seen.sort();
            seen
        };
        assert_eq!(visit(false), ["b.log", "sub/a.log"], "no FIFO (it would block), no link");
        assert_eq!(visit(true), ["b.log", "link.log", "sub/a.log"]);
    }

    #[test]
    fn the_last_matching_option_decides() {
        let r = |files: &[(bool, &str)]| Recurse {
            files: files.iter().map(|(i, g)| (*i, g.as_bytes().to_vec())).collect(),
            ..Recurse::default()
        };
        assert!(r(&[]).wants_file(b"x.txt"));
        assert!(!r(&[(true, "*.log")]).wants_file(b"x.txt"), "a first --include excludes the rest");
        assert!(r(&[(false, "*.log")]).wants_file(b"x.txt"));
        assert!(!r(&[(true, "*"), (false, "*.txt")]).wants_file(b"x.txt"));
        assert!(r(&[(false, "*.txt"), (true, "x*")]).wants_file(b"x.txt"));
    }
}
