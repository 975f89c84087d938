//! What a line must hold to be selected: a literal or a regex.

use regex::bytes::{Regex, RegexBuilder};
use sluice_core::Contains;

use crate::caseless::Caseless;
use crate::syntax::{Syntax, translate};

/// How to read the patterns.
#[derive(Clone, Copy, Debug, Default)]
pub struct MatchOptions {
    /// Basic (`-G`, the default), extended (`-E`) or fixed strings (`-F`).
    pub syntax: Syntax,
    /// ASCII case is ignored (`-i`; the C locale's rules).
    pub ignore_case: bool,
    /// Only whole words match (`-w`).
    pub word: bool,
    /// Only whole lines match (`-x`).
    pub line: bool,
}

/// Compiled patterns.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// A plain literal, searched with memchr's memmem built once (the same
    /// searcher as the `contains` filter).
    Literal(Contains),
    /// A plain literal with ASCII case ignored (`-i`).
    Caseless(Caseless),
    /// Anything else, with `^` and `$` at line ends. For `-w` the pattern
    /// is wrapped so group 1 is the word itself.
    Regex {
        /// The compiled pattern.
        re: Regex,
        /// `-w`: group 1 is the word.
        word: bool,
    },
}

/// Bytes that are syntax in a basic or an extended expression: a pattern
/// without them is a literal in both.
const META: &[u8] = b"\\.+*?()|[]{}^$";

/// A pattern that does not compile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid pattern `{pattern}`: {why}")]
pub struct PatternError {
    /// The pattern as given (lossily, if it is not UTF-8).
    pub pattern: String,
    /// What is wrong, in GNU grep's words where it has them.
    pub why: String,
}

impl Matcher {
    /// Compiles `patterns` (a line is selected when any matches; no pattern
    /// at all selects nothing). One pattern with no syntax in it and no
    /// options takes the literal path, and with `-i` alone the caseless
    /// one.
    pub fn new<P: AsRef<[u8]>>(patterns: &[P], options: MatchOptions) -> Result<Matcher, PatternError> {
        if let [one] = patterns {
            let one = one.as_ref();
            let plain = options.syntax == Syntax::Fixed || !one.iter().any(|b| META.contains(b));
            if plain && !options.word && !options.line {
                match options.ignore_case {
                    false => return Ok(Matcher::Literal(Contains::new(one))),
                    true if !one.is_empty() => return Ok(Matcher::Caseless(Caseless::new(one))),
                    true => {}
                }
            }
        }
        let mut body = String::new();
        for p in patterns {
            let p = p.as_ref();
            let text = translate(p, options.syntax)
                .map_err(|why| PatternError { pattern: String::from_utf8_lossy(p).into_owned(), why })?;
            if !body.is_empty() {
                body.push('|');
            }
            body.push_str("(?:");
            body.push_str(&text);
            body.push(')');
        }
        if patterns.is_empty() {
            // Matches nothing: an empty class.
            body.push_str("[^\\x00-\\xFF]");
        }
        let full = if options.line {
            format!("^(?:{body})$")
        } else if options.word {
            format!(r"(?:^|[^0-9A-Za-z_])({body})(?:$|[^0-9A-Za-z_])")
        } else {
            body
        };
        let re = RegexBuilder::new(&full)
            .multi_line(true)
            .case_insensitive(options.ignore_case)
            // Bytes, not Unicode: `.` is any byte but `\n`, as in the C locale.
            .unicode(false)
            .build()
            .map_err(|e| PatternError {
                pattern: patterns
                    .iter()
                    .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned())
                    .collect::<Vec<_>>()
                    .join("\n"),
                why: match (options.syntax, e.to_string().lines().last()) {
                    (Syntax::Perl, Some(why)) => {
                        format!("{why} (-P here has no look-around, back-references or \\K; rewrite the pattern without them)")
                    }
                    (_, why) => why.unwrap_or("").to_owned(),
                },
            })?;
        Ok(Matcher::Regex { re, word: options.word && !options.line })
    }

    /// The first match in `hay` (which may hold many lines), as a range.
    /// A regex match can run across a line end; the caller checks.
    #[inline]
    pub fn find(&self, hay: &[u8]) -> Option<(usize, usize)> {
        match self {
            Matcher::Literal(c) => c.finder().find(hay).map(|i| (i, i + c.needle().len())),
            Matcher::Caseless(c) => c.find(hay).map(|i| (i, i + c.needle_len())),
            Matcher::Regex { re, .. } => re.find(hay).map(|m| (m.start(), m.end())),
        }
    }

    /// Whether one line (without its `\n`) matches.
    #[inline]
    pub fn is_match(&self, line: &[u8]) -> bool {
        match self {
            Matcher::Literal(c) => c.is_in(line),
            Matcher::Caseless(c) => c.find(line).is_some(),
            Matcher::Regex { re, .. } => re.is_match(line),
        }
    }

    /// Whether a match is a fixed string, which never runs across a line
    /// end.
    pub fn is_literal(&self) -> bool {
        matches!(self, Matcher::Literal(_) | Matcher::Caseless(_))
    }

    /// The parts of `line` to highlight: each non-empty match, in order.
    pub fn highlights(&self, line: &[u8], out: &mut Vec<(usize, usize)>) {
        out.clear();
        match self {
            Matcher::Literal(c) if !c.needle().is_empty() => {
                out.extend(c.finder().find_iter(line).map(|i| (i, i + c.needle().len())));
            }
            Matcher::Literal(_) => {}
            Matcher::Caseless(c) => {
                let mut at = 0;
                while let Some(i) = c.find(&line[at..]) {
                    out.push((at + i, at + i + c.needle_len()));
                    at += i + c.needle_len();
                }
            }
            Matcher::Regex { re, word } => {
                let mut at = 0;
                while at <= line.len() {
                    let Some(c) = re.captures_at(line, at) else { break };
                    let m = if *word { c.get(1) } else { c.get(0) };
                    let whole = c.get(0).map_or((at, at), |w| (w.start(), w.end()));
                    if let Some(m) = m.filter(|m| !m.is_empty()) {
                        out.push((m.start(), m.end()));
                    }
                    // A word match consumed its boundary byte; resume after
                    // the word itself so adjacent words are found too.
                    let next = m.map_or(whole.1, |m| m.end());
                    at = if next > at { next } else { at + 1 };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, fixed: bool, ignore_case: bool, word: bool) -> Matcher {
        let syntax = if fixed { Syntax::Fixed } else { Syntax::Extended };
        Matcher::new(&[p], MatchOptions { syntax, ignore_case, word, line: false }).unwrap()
    }

    #[test]
    fn plain_patterns_take_the_literal_path() {
        assert!(matches!(m("ERROR", false, false, false), Matcher::Literal(_)));
        assert!(matches!(m("a.b", true, false, false), Matcher::Literal(_)));
        assert!(matches!(m("a.b", false, false, false), Matcher::Regex { .. }));
        assert!(matches!(m("ERROR", false, true, false), Matcher::Caseless(_)));
        assert!(matches!(m("a.b", true, true, false), Matcher::Caseless(_)));
        assert!(matches!(m("ERROR", false, true, true), Matcher::Regex { .. }));
        assert!(matches!(m("", true, true, false), Matcher::Regex { .. }));
    }

    #[test]
    fn options_behave_as_grep_in_the_c_locale() {
        assert!(m("error", false, true, false).is_match(b"x ERROR y"));
        assert!(!m("ERROR", false, false, true).is_match(b"ERRORS only"));
        assert!(m("ERROR", false, false, true).is_match(b"ERRORS then ERROR."));
        assert!(m("a.c", true, false, false).is_match(b"xa.cx") && !m("a.c", true, false, false).is_match(b"abc"));
        assert!(m("^E", false, false, false).is_match(b"Ex"));
        assert!(m("x$", false, false, false).find(b"ax\nb").is_some());
        assert!(!m("x$", false, false, false).is_match(b"ax\r"), "a CR is part of the line, as in grep");
        assert!(m("a.b", false, false, false).is_match(b"a\xffb"), "any byte, not only UTF-8");
    }

    #[test]
    fn highlights_each_match() {
        let mut out = Vec::new();
        m("ab", false, false, false).highlights(b"xabyab", &mut out);
        assert_eq!(out, [(1, 3), (4, 6)]);
        m("ERROR", false, false, true).highlights(b"ERROR ERROR,ERRORS", &mut out);
        assert_eq!(out, [(0, 5), (6, 11)]);
        m("e", false, true, false).highlights(b"EeE", &mut out);
        assert_eq!(out, [(0, 1), (1, 2), (2, 3)]);
        m("aa", false, true, false).highlights(b"aAaxAA", &mut out);
        assert_eq!(out, [(0, 2), (4, 6)], "matches do not overlap, as grep colours them");
    }

    #[test]
    fn a_bad_regex_says_why() {
        let extended = MatchOptions { syntax: Syntax::Extended, ..MatchOptions::default() };
        let err = Matcher::new(&["ok", "a("], extended).unwrap_err().to_string();
        assert_eq!(err, "invalid pattern `a(`: Unmatched ( or \\(");
        assert!(Matcher::new(&["a("], MatchOptions::default()).is_ok(), "a literal ( in a basic expression");
    }

    #[test]
    fn several_patterns_select_a_line_when_any_matches() {
        let basic = Matcher::new(&["ERROR", "WARN|x", r"^\(a\)"], MatchOptions::default()).unwrap();
        assert!(basic.is_match(b"an ERROR") && basic.is_match(b"WARN|x") && basic.is_match(b"ab"));
        assert!(!basic.is_match(b"WARN") && !basic.is_match(b"ba"));
        let none: [&str; 0] = [];
        assert!(!Matcher::new(&none, MatchOptions::default()).unwrap().is_match(b"anything"));
        let line = MatchOptions { line: true, ..MatchOptions::default() };
        let whole = Matcher::new(&["ab", "c"], line).unwrap();
        assert!(whole.is_match(b"ab") && whole.is_match(b"c") && !whole.is_match(b"abc"));
    }
}
