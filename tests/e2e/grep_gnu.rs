//! `sluice grep` against the system's GNU grep (LC_ALL=C), case by case:
//! GNU grep's own regular-expression test data when ../shared is present,
//! and several hundred cases of the project's own, always. Stdout and the
//! exit status must be identical; stderr may be worded differently.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::util::*;

/// Whether the `grep` on the PATH is GNU grep. Without it the comparison
/// is skipped, saying so, unless CI (SLUICE_REQUIRE_GNU_GREP) asks for it.
fn gnu_grep() -> bool {
    let ok = Command::new("grep")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("GNU grep"));
    if !ok {
        assert!(std::env::var_os("SLUICE_REQUIRE_GNU_GREP").is_none(), "GNU grep is required and missing");
        skipped("GNU grep is not installed: no comparison");
    }
    ok
}

/// Runs `grep ARGS` and `sluice OURS ARGS` (`sluice grep ARGS` unless a
/// test adds flags of sluice's own), both with `input` on stdin.
fn both_with(ours: &[&str], args: &[&[u8]], input: &[u8]) -> (Output, Output) {
    use std::os::unix::ffi::OsStrExt;
    let os: Vec<&std::ffi::OsStr> = args.iter().map(|a| std::ffi::OsStr::from_bytes(a)).collect();
    let run_with = |mut cmd: Command| -> Output {
        let mut child =
            cmd.args(&os).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // A command that exits early (-q) may close its stdin first.
        let _ = stdin.write_all(input);
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    let mut gnu = Command::new("grep");
    gnu.env("LC_ALL", "C");
    let mut ours = sluice(ours);
    ours.env("LC_ALL", "C");
    (run_with(gnu), run_with(ours))
}

/// Compares one case; returns a description of the difference, if any.
fn differs(args: &[&[u8]], input: &[u8]) -> Option<String> {
    differs_with(&["grep"], args, input)
}

/// Compares one case, sluice run as `sluice OURS ARGS`.
fn differs_with(ours: &[&str], args: &[&[u8]], input: &[u8]) -> Option<String> {
    let (gnu, ours) = both_with(ours, args, input);
    if gnu.stdout == ours.stdout && gnu.status.code() == ours.status.code() {
        return None;
    }
    let shown: Vec<String> = args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    Some(format!(
        "{shown:?} on {:?}: GNU {:?} {:?}, sluice {:?} {:?} ({})",
        String::from_utf8_lossy(input),
        gnu.status.code(),
        String::from_utf8_lossy(&gnu.stdout),
        ours.status.code(),
        String::from_utf8_lossy(&ours.stdout),
        String::from_utf8_lossy(&ours.stderr).trim()
    ))
}

/// Compares GNU grep's `ARGS` with `sluice grep OURS… ARGS`, both run in
/// `dir`: the output and the exit code; a difference says where the
/// outputs first part.
fn differs_in(dir: &std::path::Path, ours: &[&str], args: &[&str]) -> Option<String> {
    let gnu = Command::new("grep").env("LC_ALL", "C").args(args).current_dir(dir).output().unwrap();
    let mine = sluice(&[&["grep"], ours, args].concat()).current_dir(dir).output().unwrap();
    if gnu.stdout == mine.stdout && gnu.status.code() == mine.status.code() {
        return None;
    }
    let (g, o) = (String::from_utf8_lossy(&gnu.stdout), String::from_utf8_lossy(&mine.stdout));
    let at = g.bytes().zip(o.bytes()).take_while(|(a, b)| a == b).count();
    let near = |s: &str| s.get(at.saturating_sub(80)..(at + 80).min(s.len())).unwrap_or("").to_owned();
    Some(format!(
        "{ours:?} {args:?}: GNU {:?}, sluice {:?}, first apart at byte {at}: GNU {:?}, sluice {:?} {}",
        gnu.status.code(),
        mine.status.code(),
        near(&g),
        near(&o),
        String::from_utf8_lossy(&mine.stderr).lines().next().unwrap_or("")
    ))
}

#[test]
fn gnu_greps_own_regex_test_data_answers_as_gnu_grep_does() {
    if !gnu_grep() {
        return;
    }
    let dir = root().join("../shared/data/gnu-grep-tests");
    if !dir.is_dir() {
        skipped("../shared/data/gnu-grep-tests is absent: not GNU grep's own test data");
        return;
    }
    let (mut cases, mut failures) = (0, Vec::new());
    for (file, flag) in [("bre.tests", "-G"), ("ere.tests", "-E"), ("spencer1.tests", "-E"), ("spencer2.tests", "-E")] {
        let text = std::fs::read(dir.join(file)).unwrap();
        for line in text.split(|&b| b == b'\n') {
            if line.is_empty() || line.starts_with(b"#") {
                continue;
            }
            let fields: Vec<&[u8]> = line.splitn(4, |&b| b == b'@').collect();
            let [_, pattern, input, ..] = fields[..] else { continue };
            // Back-references have no equivalent in sluice's engine: they
            // are refused, and the data set is counted without them.
            if pattern.windows(2).any(|w| w[0] == b'\\' && w[1].is_ascii_digit() && w[1] != b'0') {
                continue;
            }
            cases += 1;
            let mut input = input.to_vec();
            input.push(b'\n');
            if let Some(d) = differs(&[flag.as_bytes(), b"-e", pattern], &input) {
                failures.push(format!("{file}: {d}"));
            }
        }
    }
    assert!(cases >= 700, "only {cases} cases read");
    assert!(failures.is_empty(), "{} of {cases} differ:\n{}", failures.len(), failures.join("\n"));
}

/// `-w` where words touch: a word's boundary byte may be the last byte of
/// the word before (`-` twice in `--`), with plain words, with -i, and
/// with patterns that take the regex engine.
#[test]
fn whole_words_that_touch_answer_as_gnu_grep_does() {
    if !gnu_grep() {
        return;
    }
    let input = b"-- a-a aa_aa x--x\nAa-aA ERROR,ERROR;errors\n_a_ a\n";
    let cases: &[&[&str]] = &[
        &["-ow", "-e", "-"],
        &["-ow", "a"],
        &["-ow", "aa"],
        &["-owi", "a"],
        &["-ow", "-E", "(-)"],
        &["-ow", "-E", "a|-"],
        &["-cw", "a"],
        &["-nw", "-i", "error"],
        &["-ow", "-i", "ERROR"],
        &["--color=always", "-w", "-e", "-"],
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|args| differs(&args.iter().map(|a| a.as_bytes()).collect::<Vec<_>>(), input))
        .collect();
    assert!(failures.is_empty(), "{} differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn hundreds_of_cases_of_our_own_answer_as_gnu_grep_does() {
    if !gnu_grep() {
        return;
    }
    let patterns_log = std::fs::read(log_fixture("patterns.log")).unwrap();
    let crlf = std::fs::read(log_fixture("crlf-no-final-newline.log")).unwrap();
    let binary = std::fs::read(log_fixture("binary.log")).unwrap();
    // Every flag alone and in common pairs, on a pattern every line kind meets.
    let flag_sets: &[&[&str]] = &[
        &[],
        &["-n"],
        &["-c"],
        &["-v"],
        &["-i"],
        &["-w"],
        &["-x"],
        &["-o"],
        &["-b"],
        &["-l"],
        &["-L"],
        &["-q"],
        &["-s"],
        &["-H"],
        &["-h"],
        &["-Z", "-H"],
        &["-m", "1"],
        &["-m1", "-c"],
        &["-m", "-1"],
        &["-m", "0"],
        &["-A", "1"],
        &["-B", "2"],
        &["-C", "1", "-n"],
        &["-2"],
        &["-A0", "--group-separator=::"],
        &["-C1", "--no-group-separator"],
        &["-m1", "-A2", "-n"],
        &["-vn"],
        &["-in"],
        &["-iw"],
        &["-ob"],
        &["-on"],
        &["-cv"],
        &["-nH", "--label=LOG"],
        &["-v", "-C1"],
        &["-a"],
        &["-z"],
        &["-zc", "-v"],
        &["-zo", "-n", "-b"],
        &["-Tn"],
        &["-T", "-H", "-b", "-C1"],
        &["--color=always", "-n", "-C1"],
        &["--color=always", "-v", "-A1"],
        &["--color=always", "-o", "-b"],
        &["-io", "-b"],
        &["--color=always", "-i", "-n"],
        // -o with context: separators, and under -v the context lines'
        // matches; a line after -m's last, printed as context, is not
        // coloured; the last of -l and -L wins.
        &["-o", "-C1"],
        &["-o", "-v", "-n", "-C1"],
        &["--color=always", "-m1", "-C2"],
        &["-l", "-L"],
        &["-L", "-l"],
        &["-a", "-I", "-c"],
        &["-I", "-a", "-c"],
        // -A and -B win over -C and -NUM in any order.
        &["-n", "-A3", "-C1"],
        &["-B0", "-2"],
    ];
    let patterns: &[&[&str]] = &[
        &["ERROR"],
        &["-F", "a*b"],
        &["-E", "ERROR|WARN"],
        &["ERROR\\|WARN"],
        &["timeout|refused"],
        &["-E", "timeout|refused"],
        &["x\\{2\\}"],
        &["-E", "x{2,}"],
        &["[[:digit:]][[:digit:]]"],
        &["\\<ERROR\\>"],
        &["{\"level\""],
        &["-E", "\\(a\\)"],
        &["a\\+b"],
        &["-E", "a+b"],
        &["^$"],
        &["-e", "spaces", "-e", "refused"],
        &[""],
        &["-P", "\\d{2,}"],
        &["-P", "(?i)error|\\bwarn"],
        &["-P", "\\s(refused|timeout)$"],
        // Leftmost-longest: the longer alternative wins where both start.
        &["-E", "ERR|ERROR|time|timeout"],
        &["-e", "", "-e", "refused"],
        // Space classes, which under -z meet newlines inside a line.
        &["-E", "[[:space:]]$"],
        &["\\s\\S"],
    ];
    let (mut cases, mut failures) = (0, Vec::new());
    for flags in flag_sets {
        for pattern in patterns {
            for input in [&patterns_log, &crlf, &binary] {
                let args: Vec<&[u8]> = flags.iter().chain(pattern.iter()).map(|a| a.as_bytes()).collect();
                cases += 1;
                if let Some(d) = differs(&args, input) {
                    failures.push(d);
                }
            }
        }
    }
    assert!(cases >= 300, "only {cases} cases");
    assert!(failures.is_empty(), "{} of {cases} differ:\n{}", failures.len(), failures.join("\n"));
}

/// Files with a NUL far in: GNU grep prints the lines of the blocks it
/// read before the NUL's block, then only notes that the file matches.
/// Lines of several lengths move its blocks' ends; `-B` moves them too.
#[test]
fn a_late_nul_cuts_the_output_where_gnu_grep_cuts_it() {
    if !gnu_grep() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (width, nul_at) in [(42, 270_000), (200, 300_001), (1000, 1_100_000), (3000, 500_000), (60, 98_300)] {
        let mut data = Vec::new();
        for n in 0.. {
            if data.len() > nul_at + 200_000 {
                break;
            }
            let head = format!("{} {n:07} ", if n % 3 == 0 { "ERROR" } else { "INFO" });
            data.extend_from_slice(head.as_bytes());
            data.resize(data.len() + width - head.len() - 1, b'x');
            data.push(b'\n');
        }
        data[nul_at] = 0;
        let path = dir.path().join(format!("w{width}.log"));
        std::fs::write(&path, data).unwrap();
        files.push(path);
    }
    // A log whose end was padded with NULs after its last line, as a crash
    // leaves it: the one block holds them, so nothing prints.
    let padded = dir.path().join("padded.log");
    std::fs::write(&padded, b"ERROR one\nINFO two\n\0\0\0\0").unwrap();
    files.push(padded);
    let flag_sets: &[&[&str]] = &[
        &[],
        &["-n"],
        &["-c"],
        &["-b"],
        &["-v", "-c"],
        &["-I"],
        &["-I", "-c"],
        &["-n", "-B2"],
        &["-C1"],
        &["-A3"],
        &["-o"],
        &["-m", "5000"],
        &["-l"],
        &["-a", "-c"],
    ];
    let (mut cases, mut failures) = (0, Vec::new());
    for path in &files {
        for flags in flag_sets {
            let mut args: Vec<&[u8]> = flags.iter().map(|a| a.as_bytes()).collect();
            args.extend([b"ERROR".as_slice(), arg(path).as_bytes()]);
            cases += 1;
            if let Some(d) = differs(&args, b"") {
                failures.push(d.chars().take(400).collect::<String>());
            }
        }
    }
    assert!(failures.is_empty(), "{} of {cases} differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn a_large_file_searched_on_every_core_answers_as_gnu_grep_does() {
    if !gnu_grep() {
        return;
    }
    // Several mebibytes of real logs (CRLF, long lines, no final newline),
    // or of the project's own when ../shared is absent; searched in
    // chunks of 1 MiB by three threads, so lines and context cross the
    // chunks' edges.
    let mut text = Vec::new();
    let logs: Vec<std::path::PathBuf> = match real_data() {
        Some(real) => {
            let mut logs: Vec<_> = std::fs::read_dir(real.join("logs")).unwrap().map(|e| e.unwrap().path()).collect();
            logs.retain(|p| p.extension().is_some_and(|e| e == "log"));
            logs.sort();
            logs
        }
        None => ["crlf-no-final-newline.log", "patterns.log", "lf.log"].map(|n| log_fixture(n).into()).to_vec(),
    };
    while text.len() < 5 << 20 {
        for log in &logs {
            text.extend_from_slice(&std::fs::read(log).unwrap());
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("big.log");
    std::fs::write(&plain, &text).unwrap();
    // A NUL past the first mebibytes: the threads print the lines before
    // its block, one thread the rest.
    let late = dir.path().join("late-nul.log");
    let mut nul = text.clone();
    nul[text.len() - 300_000] = 0;
    std::fs::write(&late, &nul).unwrap();
    let flag_sets: &[&[&str]] = &[
        &["ERROR"],
        &["-n", "error"],
        &["-c", "INFO"],
        &["-v", "-c", "INFO"],
        &["-i", "-n", "error"],
        &["-b", "-o", "[0-9]+ms"],
        &["-w", "-c", "ERROR"],
        &["-n", "-b", "-E", "ERROR.*(timeout|fail)"],
        &["-H", "-n", "-v", "e"],
        &["-x", "-c", ""],
        &["-n", "-C2", "ERROR"],
        &["-m", "50", "-n", "INFO"],
        &["-l", "Exception"],
        &["-I", "-c", "ERROR"],
        &["-a", "-c", "ERROR"],
    ];
    let (mut cases, mut failures) = (0, Vec::new());
    for flags in flag_sets {
        let mut args: Vec<&[u8]> = flags.iter().map(|a| a.as_bytes()).collect();
        args.push(arg(&plain).as_bytes());
        cases += 1;
        if let Some(d) = differs_with(&["grep", "-j3"], &args, b"") {
            failures.push(d.chars().take(400).collect::<String>());
        }
        // Where a NUL cuts a file whose lines run to thousands of bytes is
        // GNU grep's only for a plain literal (see the blocks module): the
        // late NUL is checked against sluice on one thread.
        let on = |threads: &str| {
            let out = sluice(&["grep", threads]).args(&flags[..]).arg(&late).env("LC_ALL", "C").output().unwrap();
            (out.status.code(), out.stdout)
        };
        cases += 1;
        if on("-j3") != on("-j1") {
            failures.push(format!("{flags:?} on the late NUL: three threads differ from one"));
        }
    }
    assert!(failures.is_empty(), "{} of {cases} differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn many_files_on_every_core_answer_as_gnu_grep_does() {
    if !gnu_grep() {
        return;
    }
    // 150 small files in batches across threads (CRLF, no final newline,
    // empty, one binary), and two of 3 MiB among them that are split
    // across the cores: one where every line is selected (the threads hand
    // it to one thread), one sparse.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..150 {
        let sub = d.join(format!("logs{}", i % 4));
        std::fs::create_dir_all(&sub).unwrap();
        let mut text: String =
            (0..i % 9).map(|j| format!("{} entry {i}.{j}\n", ["INFO", "ERROR", "WARN"][(i + j) % 3])).collect();
        match i % 10 {
            3 => text = text.replace('\n', "\r\n"),
            5 => text.push_str("ERROR without a final newline"),
            7 => text.push_str("ERROR in a binary\0file\n"),
            _ => {}
        }
        std::fs::write(sub.join(format!("app-{i:03}.log")), text).unwrap();
    }
    let dense: String = (0..150_000).map(|i| format!("ERROR dense {i:06}\n")).collect();
    std::fs::write(d.join("logs1/dense.log"), dense).unwrap();
    let sparse: String =
        (0..150_000).map(|i| format!("{} sparse {i:06}\n", if i % 997 == 0 { "ERROR" } else { "INFO" })).collect();
    std::fs::write(d.join("logs2/sparse.log"), sparse).unwrap();
    let flag_sets: &[&[&str]] = &[
        &["-r", "ERROR"],
        &["-r", "-n", "-C1", "ERROR"],
        &["-r", "-c", "ERROR"],
        &["-r", "-l", "ERROR"],
        &["-r", "-L", "ERROR"],
        &["-r", "-h", "-v", "-n", "INFO"],
        &["-r", "-m", "2", "-A1", "ERROR"],
        &["-r", "-o", "-b", "entry [0-9]+"],
    ];
    let mut failures = Vec::new();
    for flags in flag_sets {
        for threads in ["-j2", "-j3"] {
            failures.extend(differs_in(d, &[threads], flags));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Random sets of one to four flags, a pattern and one to three files
/// (a directory among them), against GNU grep on one and two threads: the
/// output and the exit code. A fixed seed, so a failure repeats; the real
/// logs when ../shared is there, the project's own otherwise.
#[test]
fn random_flag_sets_answer_as_gnu_grep_does() {
    if !gnu_grep() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut names: Vec<String> = Vec::new();
    let logs: Vec<std::path::PathBuf> = match real_data() {
        Some(real) => ["Apache_2k.log", "HDFS_2k.log", "OpenSSH_2k.log", "Linux_2k.log"]
            .iter()
            .map(|n| real.join("logs").join(n))
            .collect(),
        None => ["patterns.log", "crlf-no-final-newline.log", "lf.log"].iter().map(|n| log_fixture(n).into()).collect(),
    };
    for log in logs.iter().chain([&log_fixture("binary.log").into()]) {
        let name = log.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(log, d.join(&name)).unwrap();
        names.push(name);
    }
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/inner.log"), "ERROR in a subdirectory\nsession closed\n").unwrap();
    names.push("sub".into());
    let flags = [
        "-i",
        "-v",
        "-c",
        "-n",
        "-b",
        "-o",
        "-w",
        "-x",
        "-l",
        "-L",
        "-h",
        "-H",
        "-m2",
        "-m1",
        "-A1",
        "-B2",
        "-C1",
        "-s",
        "-a",
        "-I",
        "-Z",
        "--color=always",
        "-r",
        "-T",
        "--label=x",
        "--no-group-separator",
        "-z",
    ];
    let patterns = [
        "error",
        "ERROR",
        "fail",
        "[0-9]+",
        "^[A-Z]",
        "session (opened|closed)",
        "\\bwarn",
        "x$",
        "^$",
        "root",
        "[[:digit:]]{3}",
        "a.*b",
        "INFO|WARN",
    ];
    // A linear congruential generator: the same cases on every run.
    let mut state: u64 = 0x5eed;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    };
    let (mut cases, mut failures) = (0, Vec::new());
    for _ in 0..150 {
        let mut args: Vec<&str> = Vec::new();
        for _ in 0..1 + next(4) {
            let flag = flags[next(flags.len())];
            if !args.contains(&flag) {
                args.push(flag);
            }
        }
        args.extend(["-E", "-e", patterns[next(patterns.len())]]);
        for _ in 0..1 + next(3) {
            let name = names[next(names.len())].as_str();
            if !args.contains(&name) {
                args.push(name);
            }
        }
        for threads in ["-j1", "-j2"] {
            cases += 1;
            failures.extend(differs_in(d, &[threads], &args));
        }
    }
    assert!(failures.is_empty(), "{} of {cases} differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn options_and_files_as_gnu_grep_takes_them() {
    if !gnu_grep() {
        return;
    }
    let a = log_fixture("patterns.log");
    let b = log_fixture("lf.log");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("inside.log"), "ERROR inside\n").unwrap();
    let dir = arg(tmp.path()).to_owned();
    let cases: &[&[&str]] = &[
        &["-nm1", "ERROR", &a, &b],
        &["ERROR", &a, "-c", &b],
        &["--max=1", "-n", "ERROR", &a],
        &["--count", "--invert", "ERROR", &a],
        &["-c", "--", "-x", &a],
        &["-e", "ERROR", "-e", "plural", &a, &b],
        &["-L", "plural", &a, &b],
        &["-l", "-Z", "ERROR", &a, &b],
        &["-A1", "ERROR", &a, &b],
        &["-x", "x", &a],
        &["-ci", "error", &a, &b],
        &["-s", "ERROR", "/no/such/file", &a],
        // Directories and devices named as operands.
        &["ERROR", &dir, &a],
        &["-c", "ERROR", &dir, &a],
        &["-d", "skip", "ERROR", &dir, &a],
        &["--directories=recurse", "-h", "ERROR", &dir],
        &["-D", "skip", "ERROR", "/dev/null", &a],
        &["-D", "read", "-c", "ERROR", "/dev/null", &a],
    ];
    let mut failures = Vec::new();
    for args in cases {
        let bytes: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        if let Some(d) = differs(&bytes, b"") {
            failures.push(d);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn recursive_searches_visit_and_name_files_as_gnu_grep_does() {
    if !gnu_grep() {
        return;
    }
    // A tree with nesting, a link to a file and to a directory, and a
    // binary file. (A FIFO is left out: GNU grep -R blocks on one, where
    // sluice skips it as -r does.)
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["logs/old", "logs/new", "src", "empty"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    let files = [
        ("logs/app.log", "INFO up\nERROR down\n"),
        ("logs/old/app.log.1", "ERROR older\n"),
        ("logs/new/today.log", "WARN slow\nERROR fast\n"),
        ("logs/new/notes.txt", "an ERROR in prose\n"),
        ("src/main.rs", "// no errors here\n"),
        ("bin.dat", "ERROR\0binary\n"),
        ("top.log", "ERROR at the top\n"),
    ];
    for (name, text) in files {
        std::fs::write(d.join(name), text).unwrap();
    }
    std::os::unix::fs::symlink(d.join("top.log"), d.join("logs/link.log")).unwrap();
    std::os::unix::fs::symlink(d.join("src"), d.join("logs/srclink")).unwrap();
    // Globs for --exclude-from, outside the tree: a trailing space and a
    // CR (cut), a leading space (kept, so it excludes nothing), an empty
    // line, and no final newline.
    let lists = tempfile::tempdir().unwrap();
    let list = lists.path().join("exclude.lst");
    std::fs::write(&list, "*.txt \r\n\n app*\ntoday.*").unwrap();
    let exclude_from = format!("--exclude-from={}", list.display());
    let cases: &[&[&str]] = &[
        &["-r", &exclude_from, "ERROR"],
        &["-r", &exclude_from, "--include=*.log", "ERROR", "logs"],
        &["-r", "ERROR"],
        &["-r", "ERROR", "."],
        &["-r", "ERROR", "logs"],
        &["-R", "ERROR", "logs"],
        &["-r", "-n", "ERROR", "logs", "top.log"],
        &["-rc", "ERROR"],
        &["-rl", "ERROR"],
        &["-rL", "ERROR"],
        &["-rh", "ERROR", "logs"],
        &["-r", "--include=*.log", "ERROR"],
        &["-r", "--exclude=*.log", "ERROR"],
        &["-r", "--include=*.log", "--exclude=app*", "ERROR"],
        &["-r", "--exclude-dir=old", "ERROR"],
        &["-r", "--exclude-dir=logs", "ERROR", "logs"],
        &["-r", "-i", "-w", "error"],
        &["-r", "-Z", "-l", "ERROR"],
        &["-rq", "ERROR"],
        &["-r", "nothing"],
        // Files named on the command line, with or without -r: a glob
        // meets the whole name or a part of it after a slash.
        &["--exclude=*.log", "-c", "ERROR", "top.log", "bin.dat"],
        &["--include=*.log", "ERROR", "top.log", "bin.dat"],
        &["--include=*.log", "-c", "ERROR", "top.log", "src"],
        &["--exclude=old/*", "ERROR", "logs/old/app.log.1", "top.log"],
        &["-r", "--exclude=new/*.log", "ERROR", "logs/new/today.log", "logs"],
    ];
    let mut failures = Vec::new();
    for args in cases {
        failures.extend(differs_in(d, &[], args));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
