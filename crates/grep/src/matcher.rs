//! What a line must hold to be selected: a literal or a regex.

use regex::bytes::{Regex, RegexBuilder};
use sluice_core::Contains;

use crate::caseless::Caseless;
use crate::longest::Longest;
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
    /// Lines end in NUL (`-z`), and the searcher sees NULs and newlines
    /// swapped (see the null_data module).
    pub null_data: bool,
}

/// Compiled patterns.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// A plain word or string.
    Literal {
        /// How it is found.
        literal: Literal,
        /// `-w`: only where it is a whole word.
        word: bool,
    },
    /// Anything else, with `^` and `$` at line ends. For `-w` the pattern
    /// is wrapped so group 1 is the word itself, followed by the line's end
    /// or a byte that is not part of a word; the byte before it is checked
    /// apart, so that a word right after another is found too.
    Regex {
        /// The compiled pattern.
        re: Regex,
        /// `-w`: group 1 is the word.
        word: bool,
        /// Where a match of it ends as GNU grep ends it, for `-o` and
        /// colour.
        longest: Longest,
    },
}

/// A plain literal and how it is found.
#[derive(Clone, Debug)]
pub enum Literal {
    /// Exactly these bytes, with memchr's memmem built once (the same
    /// searcher as the `contains` filter).
    Exact(Contains),
    /// With ASCII case ignored (`-i`).
    Caseless(Caseless),
}

impl Literal {
    /// Where it first occurs in `hay`.
    #[inline]
    fn find(&self, hay: &[u8]) -> Option<usize> {
        match self {
            Literal::Exact(c) => c.finder().find(hay),
            Literal::Caseless(c) => c.find(hay),
        }
    }

    fn len(&self) -> usize {
        match self {
            Literal::Exact(c) => c.needle().len(),
            Literal::Caseless(c) => c.needle_len(),
        }
    }

    /// Its first occurrence in `hay` from `at` on, as a range; with `word`,
    /// the first that is a whole word: neither end touches a letter, a
    /// digit or `_` (GNU grep's `-w` in the C locale).
    #[inline]
    fn find_from(&self, hay: &[u8], mut at: usize, word: bool) -> Option<(usize, usize)> {
        let n = self.len();
        loop {
            let start = at + self.find(hay.get(at..)?)?;
            let end = start + n;
            if !word || (!word_before(hay, start) && !hay.get(end).copied().is_some_and(part_of_word)) {
                return Some((start, end));
            }
            at = start + 1;
        }
    }
}

/// Whether `b` is part of a word for `-w`: a letter, a digit or `_`, as in
/// GNU grep in the C locale.
fn part_of_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether the byte before `hay[at]` is part of a word.
fn word_before(hay: &[u8], at: usize) -> bool {
    at.checked_sub(1).is_some_and(|i| part_of_word(hay[i]))
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
    /// at all selects nothing). One pattern with no syntax in it takes the
    /// literal path, with `-i` and `-w` too (not with `-x`, nor when it is
    /// empty and `-i` or `-w` is given).
    pub fn new<P: AsRef<[u8]>>(patterns: &[P], options: MatchOptions) -> Result<Matcher, PatternError> {
        if let [one] = patterns {
            let one = one.as_ref();
            let plain = options.syntax == Syntax::Fixed || !one.iter().any(|b| META.contains(b));
            let word = options.word;
            if plain && !options.line && !(one.is_empty() && (word || options.ignore_case)) {
                let literal = match options.ignore_case {
                    false => Literal::Exact(Contains::new(one)),
                    true => Literal::Caseless(Caseless::new(one)),
                };
                return Ok(Matcher::Literal { literal, word });
            }
        }
        let mut body = String::new();
        for p in patterns {
            let p = p.as_ref();
            let text = translate(p, options.syntax, options.null_data)
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
            format!(r"({body})(?:$|[^0-9A-Za-z_])")
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
        let longest = Longest::new(&full, options.ignore_case);
        Ok(Matcher::Regex { re, word: options.word && !options.line, longest })
    }

    /// The first match in `hay` (which may hold many lines), as a range.
    /// A regex match can run across a line end; the caller checks.
    #[inline]
    pub fn find(&self, hay: &[u8]) -> Option<(usize, usize)> {
        match self {
            Matcher::Literal { literal, word } => literal.find_from(hay, 0, *word),
            Matcher::Regex { re, word: true, .. } => word_in(re, hay, 0),
            Matcher::Regex { re, .. } => re.find(hay).map(|m| (m.start(), m.end())),
        }
    }

    /// Whether one line (without its `\n`) matches.
    #[inline]
    pub fn is_match(&self, line: &[u8]) -> bool {
        match self {
            Matcher::Literal { literal: Literal::Exact(c), word: false } => c.is_in(line),
            Matcher::Literal { literal, word } => literal.find_from(line, 0, *word).is_some(),
            Matcher::Regex { re, word: true, .. } => word_in(re, line, 0).is_some(),
            Matcher::Regex { re, .. } => re.is_match(line),
        }
    }

    /// Whether a match is a fixed string, which never runs across a line
    /// end.
    pub fn is_literal(&self) -> bool {
        matches!(self, Matcher::Literal { .. })
    }

    /// The parts of `line` to highlight: each non-empty match, in order.
    pub fn highlights(&self, line: &[u8], out: &mut Vec<(usize, usize)>) {
        out.clear();
        match self {
            Matcher::Literal { literal, .. } if literal.len() == 0 => {}
            Matcher::Literal { literal, word } => {
                let mut at = 0;
                while let Some((start, end)) = literal.find_from(line, at, *word) {
                    out.push((start, end));
                    at = end;
                }
            }
            Matcher::Regex { re, word, longest } => {
                let mut at = 0;
                while at <= line.len() {
                    let found = match word {
                        true => word_in(re, line, at),
                        false => re.find_at(line, at).map(|m| (m.start(), longest.end(line, m.start(), m.end()))),
                    };
                    let Some((start, end)) = found else { break };
                    if end > start {
                        out.push((start, end));
                    }
                    at = if end > at { end } else { at + 1 };
                }
            }
        }
    }
}

/// The first whole word `re` (a `-w` pattern: the word in group 1, then
/// the line's end or a byte not [`part_of_word`]) finds in `hay` from `at` on: one that no letter,
/// digit or `_` comes right before. Checked apart rather than in the
/// pattern, which would take that byte into the match: then a word right
/// after another (`-` twice in `--`) went unseen, where GNU grep sees it.
fn word_in(re: &Regex, hay: &[u8], mut at: usize) -> Option<(usize, usize)> {
    while at <= hay.len() {
        let word = re.captures_at(hay, at)?.get(1)?;
        if !word_before(hay, word.start()) {
            return Some((word.start(), word.end()));
        }
        at = word.start() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, fixed: bool, ignore_case: bool, word: bool) -> Matcher {
        let syntax = if fixed { Syntax::Fixed } else { Syntax::Extended };
        Matcher::new(&[p], MatchOptions { syntax, ignore_case, word, ..MatchOptions::default() }).unwrap()
    }

    #[test]
    fn plain_patterns_take_the_literal_path() {
        let exact = |m: Matcher| matches!(m, Matcher::Literal { literal: Literal::Exact(_), .. });
        let caseless = |m: Matcher| matches!(m, Matcher::Literal { literal: Literal::Caseless(_), .. });
        assert!(exact(m("ERROR", false, false, false)) && exact(m("a.b", true, false, false)));
        assert!(matches!(m("a.b", false, false, false), Matcher::Regex { .. }));
        assert!(caseless(m("ERROR", false, true, false)) && caseless(m("a.b", true, true, false)));
        assert!(matches!(m("ERROR", false, true, true), Matcher::Literal { word: true, .. }));
        assert!(matches!(m("", true, true, false), Matcher::Regex { .. }));
        assert!(matches!(m("", true, false, true), Matcher::Regex { .. }));
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// A plain word with -w (and -i) selects and highlights what the
        /// regex engine, given the same word in a group, does.
        #[test]
        fn a_whole_word_literal_agrees_with_the_regex(
            needle in "[aA_1, -]{1,3}",
            line in "[aA_1, -]{0,24}",
            ignore_case: bool,
        ) {
            let options = MatchOptions { syntax: Syntax::Extended, ignore_case, word: true, ..MatchOptions::default() };
            let literal = Matcher::new(&[&needle], options).unwrap();
            proptest::prop_assert!(literal.is_literal());
            let regex = Matcher::new(&[format!("({needle})")], options).unwrap();
            proptest::prop_assert!(!regex.is_literal());
            let line = line.as_bytes();
            proptest::prop_assert_eq!(literal.is_match(line), regex.is_match(line));
            let (mut a, mut b) = (Vec::new(), Vec::new());
            literal.highlights(line, &mut a);
            regex.highlights(line, &mut b);
            proptest::prop_assert_eq!(a, b);
        }
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
        // Leftmost-longest, as POSIX and GNU grep: the longer alternative
        // wins where both start, and an empty one does not hide another.
        let extended = MatchOptions { syntax: Syntax::Extended, ..MatchOptions::default() };
        Matcher::new(&["ab|abcd"], extended).unwrap().highlights(b"x abcd ab", &mut out);
        assert_eq!(out, [(2, 6), (7, 9)]);
        Matcher::new(&["", "root"], MatchOptions::default()).unwrap().highlights(b"x root", &mut out);
        assert_eq!(out, [(2, 6)]);
        let caseless = MatchOptions { ignore_case: true, ..extended };
        Matcher::new(&["err|error"], caseless).unwrap().highlights(b"ERRORS", &mut out);
        assert_eq!(out, [(0, 5)]);
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
