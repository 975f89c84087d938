//! `sluice grep`'s arguments, parsed as GNU grep's `getopt_long` parses
//! them: bundled short options with attached values (`-nm1`), long
//! options by any unambiguous prefix (`--max=1`), options after operands,
//! `--` to end them, `-NUM` for context, and arguments as bytes, since a
//! pattern or a file name need not be UTF-8.
//!
//! GNU grep's options that sluice does not implement yet are refused by
//! name rather than taken for a pattern or a file.
//!
//! Over 400 lines because the option table, the parser and the tests that
//! pin getopt's behaviour case by case belong together.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use sluice_grep::Syntax;

use crate::args::ColorWhen;

/// What the arguments asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrepCommand {
    /// Patterns from `-e`, from `-f` files, or the first operand, one per
    /// line of each.
    pub patterns: Vec<Vec<u8>>,
    /// Basic (default), extended or fixed.
    pub syntax: Syntax,
    /// `-E`, `-F`, `-G` or `-P` was given (another is then refused).
    pub syntax_given: bool,
    /// `-i`.
    pub ignore_case: bool,
    /// `-w`.
    pub word: bool,
    /// `-x`.
    pub line: bool,
    /// `-v`.
    pub invert: bool,
    /// `-c`.
    pub count: bool,
    /// `-n`.
    pub line_number: bool,
    /// `-b`.
    pub byte_offset: bool,
    /// `-H` (`Some(true)`), `-h` (`Some(false)`), else by the file count.
    pub with_filename: Option<bool>,
    /// `-l`.
    pub files_with_matches: bool,
    /// `-L`.
    pub files_without_match: bool,
    /// `-q`.
    pub quiet: bool,
    /// `-s`.
    pub no_messages: bool,
    /// `-m`: `None` for no limit (also a negative count, as in GNU grep).
    pub max_count: Option<u64>,
    /// `-o`.
    pub only_matching: bool,
    /// `-Z`: a NUL after each file name.
    pub null: bool,
    /// `-z`: lines end with a NUL.
    pub null_data: bool,
    /// `-T`.
    pub initial_tab: bool,
    /// `-d skip`: directories named as operands are passed over.
    pub skip_dirs: bool,
    /// `-D skip`: devices, FIFOs and sockets named as operands are passed
    /// over (stdin is still read).
    pub skip_devices: bool,
    /// `--since`, `--until`: a time window.
    pub window: Option<sluice_grep::Window>,
    /// `--records`: lines without a time continue the record before them.
    pub records: bool,
    /// `--stats`: ripgrep's statistics on stderr at the end.
    pub stats: bool,
    /// `--json`: ripgrep's JSON Lines instead of grep's lines.
    pub json: bool,
    /// `--label`.
    pub label: Option<Vec<u8>>,
    /// `--line-buffered`.
    pub line_buffered: bool,
    /// `-A`.
    pub after: Option<u64>,
    /// `-B`.
    pub before: Option<u64>,
    /// `-C` or `-NUM`: the context on a side where `-A` or `-B` does not
    /// say.
    pub context: Option<u64>,
    /// `--group-separator`, `None` with `--no-group-separator`.
    pub group_separator: Option<Option<Vec<u8>>>,
    /// `--color`.
    pub color: ColorWhen,
    /// `-a`, `--binary-files=text`.
    pub text: bool,
    /// `-I`, `--binary-files=without-match`.
    pub skip_binary: bool,
    /// `--decompress`: gzip and zstd read decompressed.
    pub decompress: bool,
    /// `--max-line-bytes`.
    pub max_line_bytes: Option<usize>,
    /// `--follow`.
    pub follow: bool,
    /// `--checkpoint PATH`: where a followed run to sinks stands, to go on
    /// from after a restart.
    pub checkpoint: Option<PathBuf>,
    /// `--from-end`: follow from each file's end.
    pub from_end: bool,
    /// `--mmap`.
    pub mmap: bool,
    /// `-j`, `--threads`: threads searching one large file, or many
    /// files; default one per core.
    pub threads: Option<usize>,
    /// `--sink`, repeatable.
    pub sinks: Vec<String>,
    /// `--report`.
    pub report: Option<PathBuf>,
    /// `-r` (`Some(false)`) or `-R` (`Some(true)`, following every link).
    pub recursive: Option<bool>,
    /// `--include` (true) and `--exclude` (false), in order.
    pub file_globs: Vec<(bool, Vec<u8>)>,
    /// `--exclude-dir`.
    pub dir_globs: Vec<Vec<u8>>,
    /// Files; none means stdin.
    pub files: Vec<OsString>,
    /// `--help`.
    pub help: bool,
    /// `-V`.
    pub version: bool,
}

/// An argument that is not understood: one line, as getopt words it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(pub String);

/// Whether an option takes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Takes {
    Nothing,
    Value,
    /// Only as `--name=value` (`--color`).
    Optional,
}

/// Every long option, with the short one it stands for, if any.
const LONG: &[(&str, Takes, Option<char>)] = &[
    ("after-context", Takes::Value, Some('A')),
    ("basic-regexp", Takes::Nothing, Some('G')),
    ("before-context", Takes::Value, Some('B')),
    ("binary", Takes::Nothing, Some('U')),
    ("binary-files", Takes::Value, None),
    ("byte-offset", Takes::Nothing, Some('b')),
    ("color", Takes::Optional, None),
    ("colour", Takes::Optional, None),
    ("context", Takes::Value, Some('C')),
    ("count", Takes::Nothing, Some('c')),
    ("decompress", Takes::Nothing, None),
    ("dereference-recursive", Takes::Nothing, Some('R')),
    ("devices", Takes::Value, Some('D')),
    ("directories", Takes::Value, Some('d')),
    ("exclude", Takes::Value, None),
    ("exclude-dir", Takes::Value, None),
    ("exclude-from", Takes::Value, None),
    ("extended-regexp", Takes::Nothing, Some('E')),
    ("checkpoint", Takes::Value, None),
    ("file", Takes::Value, Some('f')),
    ("files-with-matches", Takes::Nothing, Some('l')),
    ("files-without-match", Takes::Nothing, Some('L')),
    ("fixed-strings", Takes::Nothing, Some('F')),
    ("follow", Takes::Nothing, None),
    ("from-end", Takes::Nothing, None),
    ("group-separator", Takes::Value, None),
    ("help", Takes::Nothing, None),
    ("ignore-case", Takes::Nothing, Some('i')),
    ("include", Takes::Value, None),
    ("initial-tab", Takes::Nothing, Some('T')),
    ("invert-match", Takes::Nothing, Some('v')),
    ("label", Takes::Value, None),
    ("line-buffered", Takes::Nothing, None),
    ("line-number", Takes::Nothing, Some('n')),
    ("line-regexp", Takes::Nothing, Some('x')),
    ("max-count", Takes::Value, Some('m')),
    ("max-line-bytes", Takes::Value, None),
    ("mmap", Takes::Nothing, None),
    ("no-filename", Takes::Nothing, Some('h')),
    ("no-group-separator", Takes::Nothing, None),
    ("no-ignore-case", Takes::Nothing, None),
    ("no-messages", Takes::Nothing, Some('s')),
    ("null", Takes::Nothing, Some('Z')),
    ("null-data", Takes::Nothing, Some('z')),
    ("only-matching", Takes::Nothing, Some('o')),
    ("perl-regexp", Takes::Nothing, Some('P')),
    ("quiet", Takes::Nothing, Some('q')),
    ("recursive", Takes::Nothing, Some('r')),
    ("json", Takes::Nothing, None),
    ("records", Takes::Nothing, None),
    ("regexp", Takes::Value, Some('e')),
    ("report", Takes::Value, None),
    ("silent", Takes::Nothing, Some('q')),
    ("since", Takes::Value, None),
    ("stats", Takes::Nothing, None),
    ("sink", Takes::Value, None),
    ("text", Takes::Nothing, Some('a')),
    ("threads", Takes::Value, Some('j')),
    ("until", Takes::Value, None),
    ("version", Takes::Nothing, Some('V')),
    ("with-filename", Takes::Nothing, Some('H')),
    ("word-regexp", Takes::Nothing, Some('w')),
];

/// Long options GNU grep does not have.
const SLUICE_ONLY: &[&str] = &[
    "decompress",
    "follow",
    "json",
    "max-line-bytes",
    "mmap",
    "records",
    "report",
    "since",
    "sink",
    "stats",
    "threads",
    "until",
];

/// Short options: those that take a value, then those that do not.
const SHORT_WITH_VALUE: &str = "ABCDdefjm";
const SHORT_ALONE: &str = "EFGHILPRTUVZabchilnoqrsuvwxyz";

/// Options GNU grep has that sluice does not implement yet, with why.
fn unsupported(name: &str) -> Option<&'static str> {
    Some(match name {
        "u" => "-u (unix byte offsets) is obsolete in GNU grep and not supported",
        _ => return None,
    })
}

/// The whole of a file an option names (`-f`, `--exclude-from`); `-` is
/// standard input.
fn read_option_file(path: &[u8]) -> Result<Vec<u8>, ArgError> {
    let path = OsStr::from_bytes(path);
    if path == "-" {
        let mut all = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut all).map(|_| all)
    } else {
        std::fs::read(path)
    }
    .map_err(|e| ArgError(format!("{}: {}", path.to_string_lossy(), sluice_core::error::io_message(&e))))
}

/// Parses the arguments that follow `grep`.
pub fn parse(args: &[OsString]) -> Result<GrepCommand, ArgError> {
    let mut cmd = GrepCommand::default();
    let mut operands: Vec<OsString> = Vec::new();
    let mut pattern_given = false;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_bytes();
        i += 1;
        if arg == b"--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(long) = arg.strip_prefix(b"--") {
            let (name, value) = match long.iter().position(|&b| b == b'=') {
                Some(eq) => (&long[..eq], Some(&long[eq + 1..])),
                None => (long, None),
            };
            let name = std::str::from_utf8(name).map_err(|_| unrecognized(arg))?;
            let (full, takes) = find_long(name).ok_or_else(|| unrecognized(arg))??;
            let value = match (takes, value) {
                (Takes::Nothing, Some(_)) => {
                    return Err(ArgError(format!("option '--{full}' doesn't allow an argument")));
                }
                (Takes::Value, None) => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.as_bytes())
                    }
                    None => return Err(ArgError(format!("option '--{full}' requires an argument"))),
                },
                (_, v) => v,
            };
            apply(&mut cmd, full, value, &mut pattern_given)?;
            continue;
        }
        if arg.len() > 1 && arg[0] == b'-' {
            let mut j = 1;
            while j < arg.len() {
                let c = arg[j];
                j += 1;
                if c.is_ascii_digit() {
                    // -NUM: context, digits read together.
                    let start = j - 1;
                    while j < arg.len() && arg[j].is_ascii_digit() {
                        j += 1;
                    }
                    cmd.context = Some(context(&arg[start..j])?);
                    continue;
                }
                let c = c as char;
                let name = c.to_string();
                if SHORT_WITH_VALUE.contains(c) {
                    let value = if j < arg.len() {
                        let v = &arg[j..];
                        j = arg.len();
                        v
                    } else {
                        match args.get(i) {
                            Some(v) => {
                                i += 1;
                                v.as_bytes()
                            }
                            None => return Err(ArgError(format!("option requires an argument -- '{c}'"))),
                        }
                    };
                    apply(&mut cmd, &name, Some(value), &mut pattern_given)?;
                } else if SHORT_ALONE.contains(c) {
                    apply(&mut cmd, &name, None, &mut pattern_given)?;
                } else {
                    return Err(ArgError(format!("invalid option -- '{}'", String::from_utf8_lossy(&[c as u8]))));
                }
            }
            continue;
        }
        operands.push(args[i - 1].clone());
    }
    if cmd.help || cmd.version {
        return Ok(cmd);
    }
    let mut operands = operands.into_iter();
    if !pattern_given {
        let Some(pattern) = operands.next() else {
            return Err(ArgError("no pattern given; usage: sluice grep [OPTION]... PATTERNS [FILE]...".into()));
        };
        cmd.patterns.extend(lines(pattern.as_bytes()));
    }
    cmd.files = operands.collect();
    // -A and -B given win over -C and -NUM, whatever their order, as in
    // GNU grep.
    (cmd.after, cmd.before) = (cmd.after.or(cmd.context), cmd.before.or(cmd.context));
    Ok(cmd)
}

/// The long option `name` stands for: itself, or the one long option it
/// is a prefix of. `Some(Err)` when ambiguous.
fn find_long(name: &str) -> Option<Result<(&'static str, Takes), ArgError>> {
    if let Some(&(full, takes, _)) = LONG.iter().find(|(n, ..)| *n == name) {
        return Some(Ok((full, takes)));
    }
    let candidates: Vec<&(&str, Takes, Option<char>)> = LONG.iter().filter(|(n, ..)| n.starts_with(name)).collect();
    // sluice's own long options never make one of GNU grep's ambiguous:
    // `--max` is --max-count, as in GNU grep, though --max-line-bytes
    // shares the prefix.
    let gnu: Vec<&(&str, Takes, Option<char>)> =
        candidates.iter().copied().filter(|(n, ..)| !SLUICE_ONLY.contains(n)).collect();
    let candidates = if gnu.len() == 1 { gnu } else { candidates };
    match candidates.as_slice() {
        [] => None,
        [(full, takes, _)] => Some(Ok((full, *takes))),
        // `--col` names --color and --colour, which are one option.
        [(a, takes, _), (b, ..)] if a.starts_with("colo") && b.starts_with("colo") => Some(Ok((a, *takes))),
        many => {
            let names: Vec<String> = many.iter().map(|(n, ..)| format!("'--{n}'")).collect();
            Some(Err(ArgError(format!("option '--{name}' is ambiguous; possibilities: {}", names.join(" ")))))
        }
    }
}

fn unrecognized(arg: &[u8]) -> ArgError {
    ArgError(format!("unrecognized option '{}'", String::from_utf8_lossy(arg)))
}

/// Applies one option, by its short letter or its full long name.
fn apply(cmd: &mut GrepCommand, name: &str, value: Option<&[u8]>, pattern_given: &mut bool) -> Result<(), ArgError> {
    if let Some(why) = unsupported(name) {
        return Err(ArgError(why.to_owned()));
    }
    let short = LONG.iter().find(|(n, ..)| *n == name).and_then(|(_, _, s)| *s);
    let key = short.map(String::from).unwrap_or_else(|| name.to_owned());
    let text = || String::from_utf8_lossy(value.unwrap_or_default()).into_owned();
    match key.as_str() {
        "E" | "F" | "G" | "P" => {
            let syntax = match key.as_str() {
                "E" => Syntax::Extended,
                "F" => Syntax::Fixed,
                "G" => Syntax::Basic,
                _ => Syntax::Perl,
            };
            // As GNU grep: the same one twice is fine, two different ones
            // are not (the last would silently win).
            if cmd.syntax_given && cmd.syntax != syntax {
                return Err(ArgError(format!(
                    "-{key}: conflicting matchers specified (another of -E, -F, -G, -P came before); give one"
                )));
            }
            (cmd.syntax, cmd.syntax_given) = (syntax, true);
        }
        "e" => {
            cmd.patterns.extend(lines(value.unwrap_or_default()));
            *pattern_given = true;
        }
        "f" => {
            let data = read_option_file(value.unwrap_or_default())?;
            // A last newline ends the last pattern; it starts no new one.
            if !data.is_empty() {
                cmd.patterns.extend(lines(data.strip_suffix(b"\n").unwrap_or(&data)));
            }
            *pattern_given = true;
        }
        "i" | "y" => cmd.ignore_case = true,
        "no-ignore-case" => cmd.ignore_case = false,
        "w" => cmd.word = true,
        "x" => cmd.line = true,
        "v" => cmd.invert = true,
        "c" => cmd.count = true,
        "n" => cmd.line_number = true,
        "b" => cmd.byte_offset = true,
        "H" => cmd.with_filename = Some(true),
        "h" => cmd.with_filename = Some(false),
        // The last of -l and -L wins, as in GNU grep.
        "l" => (cmd.files_with_matches, cmd.files_without_match) = (true, false),
        "L" => (cmd.files_with_matches, cmd.files_without_match) = (false, true),
        "q" => cmd.quiet = true,
        "s" => cmd.no_messages = true,
        "o" => cmd.only_matching = true,
        "Z" => cmd.null = true,
        "z" => cmd.null_data = true,
        "T" => cmd.initial_tab = true,
        // One setting, as GNU grep's --binary-files: the last given wins.
        "a" => (cmd.text, cmd.skip_binary) = (true, false),
        "I" => (cmd.text, cmd.skip_binary) = (false, true),
        "U" => {}
        "V" => cmd.version = true,
        "help" => cmd.help = true,
        "m" => cmd.max_count = max_count(&text())?,
        "j" => {
            let n = text().parse::<usize>().ok().filter(|&n| n > 0);
            cmd.threads =
                Some(n.ok_or_else(|| ArgError(format!("-j: '{}' is not a number of threads above 0", text())))?);
        }
        "A" => cmd.after = Some(context(value.unwrap_or_default())?),
        "B" => cmd.before = Some(context(value.unwrap_or_default())?),
        "C" => cmd.context = Some(context(value.unwrap_or_default())?),
        "label" => cmd.label = Some(value.unwrap_or_default().to_vec()),
        "line-buffered" => cmd.line_buffered = true,
        "group-separator" => cmd.group_separator = Some(Some(value.unwrap_or_default().to_vec())),
        "no-group-separator" => cmd.group_separator = Some(None),
        "color" | "colour" => {
            cmd.color = match value.map(|_| text()).as_deref() {
                None | Some("auto" | "tty" | "if-tty") => ColorWhen::Auto,
                Some("always" | "yes" | "force") => ColorWhen::Always,
                Some("never" | "no" | "none") => ColorWhen::Never,
                Some(other) => {
                    return Err(ArgError(format!(
                        "invalid argument '{other}' for '--color'; valid arguments are 'always', 'never' and 'auto'"
                    )));
                }
            }
        }
        "binary-files" => match text().as_str() {
            "binary" => (cmd.text, cmd.skip_binary) = (false, false),
            "text" => (cmd.text, cmd.skip_binary) = (true, false),
            "without-match" => (cmd.text, cmd.skip_binary) = (false, true),
            other => return Err(ArgError(format!("unknown binary-files type '{other}'"))),
        },
        "d" => match text().as_str() {
            "read" => cmd.skip_dirs = false,
            "skip" => cmd.skip_dirs = true,
            "recurse" => cmd.recursive = Some(cmd.recursive == Some(true)),
            other => {
                return Err(ArgError(format!(
                    "invalid argument '{other}' for '--directories' (read, recurse or skip)"
                )));
            }
        },
        "D" => match text().as_str() {
            "read" => cmd.skip_devices = false,
            "skip" => cmd.skip_devices = true,
            other => return Err(ArgError(format!("invalid argument '{other}' for '--devices' (read or skip)"))),
        },
        "r" => cmd.recursive = Some(cmd.recursive == Some(true)),
        "R" => cmd.recursive = Some(true),
        "include" => cmd.file_globs.push((true, value.unwrap_or_default().to_vec())),
        "exclude" => cmd.file_globs.push((false, value.unwrap_or_default().to_vec())),
        "exclude-dir" => cmd.dir_globs.push(value.unwrap_or_default().to_vec()),
        "exclude-from" => {
            // One glob a line, as GNU grep reads them: trailing white space
            // (a CR included) is cut, leading kept; an empty line is none.
            let data = read_option_file(value.unwrap_or_default())?;
            for line in data.split(|&b| b == b'\n') {
                let glob = line.trim_ascii_end();
                if !glob.is_empty() {
                    cmd.file_globs.push((false, glob.to_vec()));
                }
            }
        }
        "decompress" => cmd.decompress = true,
        "follow" => cmd.follow = true,
        "from-end" => cmd.from_end = true,
        "checkpoint" => cmd.checkpoint = Some(PathBuf::from(OsString::from_vec(value.unwrap_or_default().to_vec()))),
        "mmap" => cmd.mmap = true,
        "records" => cmd.records = true,
        "stats" => cmd.stats = true,
        "json" => cmd.json = true,
        "since" | "until" => {
            let t = sluice_grep::Window::parse_time(&text()).map_err(|e| ArgError(format!("--{name}: {e}")))?;
            let window = cmd.window.get_or_insert_default();
            if name == "since" { window.since = Some(t) } else { window.until = Some(t) }
        }
        "max-line-bytes" => {
            let n = text().parse::<usize>().ok().filter(|&n| n > 0);
            cmd.max_line_bytes =
                Some(n.ok_or_else(|| {
                    ArgError(format!("--max-line-bytes: '{}' is not a size above 0 (bytes)", text()))
                })?);
        }
        "sink" => cmd.sinks.push(text()),
        "report" => cmd.report = Some(PathBuf::from(OsString::from_vec(value.unwrap_or_default().to_vec()))),
        other => return Err(ArgError(format!("option '{other}' is not handled; this is a bug"))),
    }
    Ok(())
}

/// Patterns are separated by newlines.
fn lines(text: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    text.split(|&b| b == b'\n').map(<[u8]>::to_vec)
}

/// `-m`: a negative count means no limit, as in GNU grep.
fn max_count(text: &str) -> Result<Option<u64>, ArgError> {
    let t = text.trim();
    if let Some(neg) = t.strip_prefix('-')
        && !neg.is_empty()
        && neg.bytes().all(|b| b.is_ascii_digit())
    {
        return Ok(None);
    }
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        // Past u64 is as good as no limit.
        return Ok(Some(t.parse().unwrap_or(u64::MAX)));
    }
    Err(ArgError(format!("invalid max count '{text}'")))
}

/// A context length: digits, as many as given.
fn context(text: &[u8]) -> Result<u64, ArgError> {
    let t = String::from_utf8_lossy(text);
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(t.parse().unwrap_or(u64::MAX));
    }
    Err(ArgError(format!("{t}: invalid context length argument")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<GrepCommand, String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        parse(&args).map_err(|e| e.0)
    }

    fn files(cmd: &GrepCommand) -> Vec<&str> {
        cmd.files.iter().map(|f| f.to_str().unwrap()).collect()
    }

    #[test]
    fn an_unsupported_flag_is_refused_not_taken_for_the_pattern() {
        // Issue 14: `-o ERROR a.log` searched for "-o" in a file named ERROR.
        assert_eq!(p(&["-k", "ERROR", "a.log"]).unwrap_err(), "invalid option -- 'k'");
        assert_eq!(p(&["--frobnicate", "x"]).unwrap_err(), "unrecognized option '--frobnicate'");
        assert_eq!(
            p(&["--exclude-from=/nonexistent/x", "ERROR"]).unwrap_err(),
            "/nonexistent/x: No such file or directory"
        );
        let r = p(&["-r", "--include=*.log", "--exclude-dir", "old", "ERROR"]).unwrap();
        assert_eq!((r.recursive, r.file_globs.len(), r.dir_globs.clone()), (Some(false), 1, vec![b"old".to_vec()]));
        assert_eq!(p(&["-R", "x"]).unwrap().recursive, Some(true));
        assert!(p(&["-D", "dunno", "x"]).unwrap_err().contains("'dunno' for '--devices'"));
        let d = p(&["-dskip", "--devices=skip", "x"]).unwrap();
        assert_eq!((d.skip_dirs, d.skip_devices, d.recursive), (true, true, None));
        assert_eq!(p(&["--directories=recurse", "x"]).unwrap().recursive, Some(false));
        let z = p(&["-zPT", "x"]).unwrap();
        assert_eq!((z.null_data, z.syntax, z.initial_tab), (true, Syntax::Perl, true));
        // Two matchers: GNU grep refuses them, where the last would win.
        assert_eq!(
            p(&["-E", "-F", "x"]).unwrap_err(),
            "-F: conflicting matchers specified (another of -E, -F, -G, -P came before); give one"
        );
        assert_eq!(p(&["-E", "--extended-regexp", "x"]).unwrap().syntax, Syntax::Extended);
        assert_eq!(
            (p(&["-lL", "x"]).unwrap().files_without_match, p(&["-Ll", "x"]).unwrap().files_with_matches),
            (true, true)
        );
        // -a, -I and --binary-files are one setting: the last wins.
        let (ai, ia) = (p(&["-aI", "x"]).unwrap(), p(&["-Ia", "x"]).unwrap());
        assert_eq!([ai.text, ai.skip_binary, ia.text, ia.skip_binary], [false, true, true, false]);
        let bt = p(&["-I", "--binary-files=text", "x"]).unwrap();
        assert_eq!((bt.text, bt.skip_binary), (true, false));
        let e = p(&["-E", "ERROR|WARN", "t.log"]).unwrap();
        assert_eq!(
            (e.syntax, e.patterns.clone(), files(&e)),
            (Syntax::Extended, vec![b"ERROR|WARN".to_vec()], vec!["t.log"])
        );
    }

    #[test]
    fn bundles_attached_values_and_abbreviations_read_as_getopt_reads_them() {
        let c = p(&["-nm1", "ERROR", "a.log"]).unwrap();
        assert!(c.line_number && c.max_count == Some(1));
        assert_eq!(p(&["-m1", "x"]).unwrap().max_count, Some(1));
        assert_eq!(p(&["-m", "-1", "x"]).unwrap().max_count, None, "a negative count is no limit");
        assert_eq!(p(&["--max=2", "x"]).unwrap().max_count, Some(2));
        assert_eq!(p(&["--max", "3", "x"]).unwrap().max_count, Some(3));
        assert_eq!((p(&["-nj2", "x"]).unwrap().threads, p(&["--threads=3", "x"]).unwrap().threads), (Some(2), Some(3)));
        assert_eq!(p(&["-j", "0", "x"]).unwrap_err(), "-j: '0' is not a number of threads above 0");
        assert!(p(&["--co", "x"]).unwrap_err().contains("ambiguous"), "--color, --colour, --context, --count");
        assert_eq!(p(&["--colo", "x"]).unwrap().color, ColorWhen::Auto);
        let c = p(&["--color", "ERROR", "a.log"]).unwrap();
        assert_eq!(
            (c.patterns.clone(), files(&c)),
            (vec![b"ERROR".to_vec()], vec!["a.log"]),
            "--color takes a value only with ="
        );
        assert_eq!(p(&["--color=always", "x"]).unwrap().color, ColorWhen::Always);
        assert_eq!(p(&["--count=3", "x"]).unwrap_err(), "option '--count' doesn't allow an argument");
        assert_eq!(p(&["x", "-m"]).unwrap_err(), "option requires an argument -- 'm'");
    }

    #[test]
    fn options_may_follow_operands_until_a_double_dash() {
        let c = p(&["ERROR", "a.log", "-c", "--", "-v", "b.log"]).unwrap();
        assert!(c.count && !c.invert);
        assert_eq!(files(&c), ["a.log", "-v", "b.log"]);
        let c = p(&["--", "-x"]).unwrap();
        assert_eq!(c.patterns, vec![b"-x".to_vec()]);
        assert_eq!(files(&p(&["x", "-"]).unwrap()), ["-"], "a lone dash is stdin");
    }

    #[test]
    fn patterns_come_from_e_and_f_and_split_on_newlines() {
        let c = p(&["-e", "a", "-e", "b\nc", "file"]).unwrap();
        assert_eq!(c.patterns, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(files(&c), ["file"], "with -e the first operand is a file");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pats");
        std::fs::write(&f, "x\ny\n").unwrap();
        let c = p(&["-f", f.to_str().unwrap()]).unwrap();
        assert_eq!(c.patterns, vec![b"x".to_vec(), b"y".to_vec()]);
        std::fs::write(&f, "").unwrap();
        assert!(p(&["-f", f.to_str().unwrap()]).unwrap().patterns.is_empty(), "an empty file: no pattern");
    }

    #[test]
    fn context_and_numbers() {
        let c = p(&["-5", "x"]).unwrap();
        assert_eq!((c.before, c.after), (Some(5), Some(5)));
        // -A and -B win over -C and -NUM in any order, as GNU grep has it.
        let c = p(&["-A", "2", "-B1", "-n12", "x"]).unwrap();
        assert_eq!((c.before, c.after, c.line_number), (Some(1), Some(2), true));
        let c = p(&["-C1", "-A3", "-C2", "x"]).unwrap();
        assert_eq!((c.before, c.after), (Some(2), Some(3)));
        assert_eq!(p(&["-A", "x", "y"]).unwrap_err(), "x: invalid context length argument");
        assert_eq!(p(&["-m", "lots", "y"]).unwrap_err(), "invalid max count 'lots'");
    }

    #[test]
    fn arguments_are_bytes() {
        let args = vec![OsString::from_vec(b"\xff\xfe".to_vec()), OsString::from_vec(b"log-\xe9".to_vec())];
        let c = parse(&args).unwrap();
        assert_eq!(c.patterns, vec![b"\xff\xfe".to_vec()]);
        assert_eq!(c.files[0].as_bytes(), b"log-\xe9");
    }
}
