//! The grep search on arbitrary bytes and needles, against the line-by-line
//! answer: the same lines, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::Stop;
use sluice_grep::{GrepOptions, MatchOptions, Matcher, Syntax, grep};

fuzz_target!(|input: (&[u8], &[u8])| {
    let (data, needle) = input;
    let Ok(needle) = std::str::from_utf8(needle) else { return };
    if needle.is_empty() || needle.contains('\n') {
        return;
    }
    let dir = std::env::temp_dir().join(format!("sluice-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("in.log");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let matcher = Matcher::new(&[needle], MatchOptions { syntax: Syntax::Fixed, ..MatchOptions::default() }).unwrap();
    let opts = GrepOptions { line_number: true, text: true, buffer: 64, ..GrepOptions::new(matcher) };
    let mut out = Vec::new();
    grep(&opts, &[path.into_os_string()], &mut out, &mut |_| {}, &Stop::new()).unwrap();
    let mut want = Vec::new();
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if data.is_empty() || data.ends_with(b"\n") {
        lines.pop();
    }
    for (i, line) in lines.iter().enumerate() {
        if line.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            want.extend_from_slice(format!("{}:", i + 1).as_bytes());
            want.extend_from_slice(line);
            want.push(b'\n');
        }
    }
    assert_eq!(out, want);
});
