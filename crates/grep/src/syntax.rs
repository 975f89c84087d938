//! GNU grep's pattern syntaxes, basic (`-G`, the default) and extended
//! (`-E`), translated into the regex crate's syntax with GNU's meaning in
//! the C locale: bytes, not characters.
//!
//! The translation is written out rather than left to the regex crate's
//! own reading, because the two disagree where grep users live: in a basic
//! expression `|`, `+`, `(` and `{` are literals and `\|`, `\+`, `\(` and
//! `\{` are operators; a `*` at the start is a literal (basic) or nothing
//! (extended); a `{` that does not open a valid interval is a literal; a
//! backslash in a bracket expression is a literal; `a+?` is `(a+)?`, not a
//! lazy `a+`. Every literal byte is written as `\xNN`, so no byte can be
//! misread as the regex crate's syntax. Back-references have no
//! equivalent and are refused.
//!
//! Over 400 lines because both syntaxes share one translator, and its
//! tests against GNU grep's answers sit beside it.

use std::fmt::Write as _;

/// How a pattern is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Syntax {
    /// GNU basic regular expressions (`-G`, grep's default).
    #[default]
    Basic,
    /// GNU extended regular expressions (`-E`).
    Extended,
    /// Fixed strings (`-F`).
    Fixed,
    /// Perl-style expressions (`-P`), as the regex crate reads them:
    /// PCRE's syntax without look-around, back-references and `\K`, which
    /// are refused when the pattern is compiled.
    Perl,
}

/// The longest repetition count GNU grep accepts.
const DUP_MAX: u32 = 32767;

/// Translates `pattern` to the regex crate's syntax; the error is GNU
/// grep's wording of what is wrong. With `swapped` (`-z`), the pattern is
/// for input whose NULs and newlines the searcher sees swapped (see the
/// null_data module): a newline, which a line may then hold, is a space
/// seen as a NUL.
pub fn translate(pattern: &[u8], syntax: Syntax, swapped: bool) -> Result<String, String> {
    match syntax {
        Syntax::Fixed => {
            let mut out = String::new();
            pattern.iter().for_each(|&b| literal(b, &mut out));
            Ok(out)
        }
        Syntax::Basic | Syntax::Extended => Translator::new(pattern, syntax == Syntax::Extended, swapped).run(),
        // As written, but a byte that is not ASCII is spelled `\xHH`, which
        // the byte-wise engine takes as that byte (in a class too).
        Syntax::Perl => Ok(pattern
            .iter()
            .map(|&b| if b.is_ascii() { char::from(b).to_string() } else { format!("\\x{b:02X}") })
            .collect()),
    }
}

/// Appends `b` as a literal.
fn literal(b: u8, out: &mut String) {
    if b.is_ascii_alphanumeric() {
        out.push(b as char);
    } else {
        let _ = write!(out, "\\x{b:02X}");
    }
}

struct Translator<'p> {
    p: &'p [u8],
    i: usize,
    extended: bool,
    out: String,
    /// Where the last atom starts in `out`, when there is one a repetition
    /// may apply to.
    atom: Option<usize>,
    /// The last thing written was a repetition (so another one wraps).
    repeated: bool,
    /// Where each open group starts in `out`.
    groups: Vec<usize>,
    /// Groups closed so far, for back-references' numbers.
    closed: usize,
    /// Right at the start of the pattern, of a group or of an alternative:
    /// where a basic `^` is an anchor.
    start: bool,
    /// Newlines are seen as NULs (`-z`).
    swapped: bool,
}

impl<'p> Translator<'p> {
    fn new(p: &'p [u8], extended: bool, swapped: bool) -> Translator<'p> {
        Translator {
            p,
            i: 0,
            extended,
            out: String::new(),
            atom: None,
            repeated: false,
            groups: Vec::new(),
            closed: 0,
            start: true,
            swapped,
        }
    }

    /// Nothing a repetition could apply to: the start of the pattern, of a
    /// group or of an alternative, or just after an anchor.
    fn at_start(&self) -> bool {
        self.atom.is_none() && !self.repeated
    }

    fn run(mut self) -> Result<String, String> {
        while self.i < self.p.len() {
            let b = self.p[self.i];
            self.i += 1;
            let start = std::mem::replace(&mut self.start, false);
            match b {
                b'\\' => self.escape()?,
                b'[' => self.bracket()?,
                b'.' => self.atom_str("."),
                b'*' => self.repeat("*")?,
                b'^' if self.extended || start => self.anchor("^"),
                b'$' if self.extended || self.at_end() => self.anchor("$"),
                b'+' | b'?' if self.extended => self.repeat(if b == b'+' { "+" } else { "?" })?,
                b'{' if self.extended => self.interval_or_literal()?,
                b'(' if self.extended => self.open(),
                b')' if self.extended && !self.groups.is_empty() => self.close(),
                b'|' if self.extended => self.alternate(),
                _ => self.atom_byte(b),
            }
        }
        if !self.groups.is_empty() {
            return Err("Unmatched ( or \\(".into());
        }
        Ok(self.out)
    }

    /// In a basic expression, `$` is an anchor only last in the pattern,
    /// in a group or in an alternative.
    fn at_end(&self) -> bool {
        let rest = &self.p[self.i..];
        rest.is_empty() || rest.starts_with(b"\\)") || rest.starts_with(b"\\|")
    }

    fn escape(&mut self) -> Result<(), String> {
        let Some(&c) = self.p.get(self.i) else { return Err("Trailing backslash".into()) };
        self.i += 1;
        match c {
            b'(' if !self.extended => self.open(),
            b')' if !self.extended => {
                if self.groups.is_empty() {
                    return Err("Unmatched ) or \\)".into());
                }
                self.close();
            }
            b'|' if !self.extended => self.alternate(),
            b'{' if !self.extended => {
                if self.at_start() {
                    // Nothing to repeat: the brace is a literal, as in GNU.
                    self.atom_byte(b'{');
                } else {
                    let (min, max) = self.interval(b"\\}")?.ok_or("Unmatched \\{")?;
                    self.apply(&bounds(min, max))?;
                }
            }
            b'+' | b'?' if !self.extended => {
                let op = if c == b'+' { "+" } else { "?" };
                if self.at_start() { self.atom_byte(c) } else { self.apply(op)? }
            }
            b'1'..=b'9' => {
                return Err(if usize::from(c - b'0') > self.closed {
                    "Invalid back reference".into()
                } else {
                    format!("back-references (\\{}) are not supported; sluice's regex engine has none", c as char)
                });
            }
            b'<' => self.anchor(r"\b{start}"),
            b'>' => self.anchor(r"\b{end}"),
            b'b' => self.anchor(r"\b"),
            b'B' => self.anchor(r"\B"),
            // The start and end of what is matched, which for grep is a line.
            b'`' => self.anchor("^"),
            b'\'' => self.anchor("$"),
            b'w' => self.atom_str("[0-9A-Za-z_]"),
            b'W' => self.atom_str(r"[^0-9A-Za-z_\n]"),
            // A line holds no newline, but under -z, where one is seen as
            // a NUL.
            b's' if self.swapped => self.atom_str(r"[\t\x00\x0B\x0C\r ]"),
            b's' => self.atom_str(r"[\t\x0B\x0C\r ]"),
            b'S' if self.swapped => self.atom_str(r"[^\t\n\x00\x0B\x0C\r ]"),
            b'S' => self.atom_str(r"[^\t\n\x0B\x0C\r ]"),
            other => self.atom_byte(other),
        }
        Ok(())
    }

    fn atom_byte(&mut self, b: u8) {
        let at = self.out.len();
        literal(b, &mut self.out);
        (self.atom, self.repeated) = (Some(at), false);
    }

    fn atom_str(&mut self, s: &str) {
        let at = self.out.len();
        self.out.push_str(s);
        (self.atom, self.repeated) = (Some(at), false);
    }

    /// An anchor or an assertion: nothing a repetition applies to. In a
    /// basic expression, what follows a leading `^` is at the start still.
    fn anchor(&mut self, s: &str) {
        self.out.push_str(s);
        self.atom = None;
        self.repeated = false;
    }

    fn open(&mut self) {
        self.groups.push(self.out.len());
        self.out.push_str("(?:");
        (self.atom, self.repeated, self.start) = (None, false, true);
    }

    fn close(&mut self) {
        let start = self.groups.pop().unwrap_or(0);
        self.out.push(')');
        self.closed += 1;
        (self.atom, self.repeated) = (Some(start), false);
    }

    fn alternate(&mut self) {
        self.out.push('|');
        (self.atom, self.repeated, self.start) = (None, false, true);
    }

    /// `*`, `+`, `?`: in a basic expression a `*` with nothing before it is
    /// a literal; in an extended one a repetition of nothing is nothing.
    fn repeat(&mut self, op: &str) -> Result<(), String> {
        if self.at_start() {
            if !self.extended {
                self.atom_byte(op.as_bytes()[0]);
            } else if self.p.get(self.i) == Some(&b')') && !self.groups.is_empty() {
                // GNU grep refuses a group that holds only a repetition.
                return Err("Unmatched ( or \\(".into());
            }
            return Ok(());
        }
        self.apply(op)
    }

    /// Applies a repetition to the last atom; a repetition of a repetition
    /// wraps it first, so that `a+?` is `(a+)?` and `a**` is `(a*)*`.
    fn apply(&mut self, op: &str) -> Result<(), String> {
        let Some(at) = self.atom else {
            // After an anchor: nothing to repeat.
            return Ok(());
        };
        if self.repeated {
            self.out.insert_str(at, "(?:");
            self.out.push(')');
        }
        self.out.push_str(op);
        self.repeated = true;
        Ok(())
    }

    /// An extended `{`: an interval when one follows, else a literal.
    fn interval_or_literal(&mut self) -> Result<(), String> {
        if self.p.get(self.i) == Some(&b'}') {
            return Err("Invalid content of \\{\\}".into());
        }
        let save = self.i;
        match self.interval(b"}")? {
            Some(_) if self.at_start() => Ok(()),
            Some((min, max)) => self.apply(&bounds(min, max)),
            None => {
                self.i = save;
                self.atom_byte(b'{');
                Ok(())
            }
        }
    }

    /// Reads `m`, `m,`, `,n`, `,` or `m,n` and the `close` after it.
    /// `None`, with nothing read, when the text is not an interval; an
    /// error for one whose bounds are wrong.
    fn interval(&mut self, close: &[u8]) -> Result<Option<(u32, Option<u32>)>, String> {
        let from = self.i;
        let min = self.number()?;
        let comma = self.p.get(self.i) == Some(&b',');
        let max = if comma {
            self.i += 1;
            self.number()?
        } else {
            min
        };
        if !self.p[self.i..].starts_with(close) || (min.is_none() && !comma) {
            self.i = from;
            return Ok(None);
        }
        self.i += close.len();
        let min = min.unwrap_or(0);
        if max.is_some_and(|m| m < min) {
            return Err("Invalid content of \\{\\}".into());
        }
        Ok(Some((min, max)))
    }

    /// Digits at the cursor, if any.
    fn number(&mut self) -> Result<Option<u32>, String> {
        let start = self.i;
        while self.p.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        if start == self.i {
            return Ok(None);
        }
        match std::str::from_utf8(&self.p[start..self.i]).ok().and_then(|t| t.parse::<u32>().ok()) {
            Some(n) if n <= DUP_MAX => Ok(Some(n)),
            _ => Err("Regular expression too big".into()),
        }
    }

    /// A bracket expression, `[` already read.
    fn bracket(&mut self) -> Result<(), String> {
        const UNMATCHED: &str = "Unmatched [, [^, [:, [., or [=";
        let mut class = String::from("[");
        if self.p.get(self.i) == Some(&b'^') {
            self.i += 1;
            // A line never holds its newline; keeping it out stops a match
            // from running on into the next line of a buffer.
            class.push_str(r"^\n");
        }
        let mut first = true;
        // The last element ended a range: a `-` may not start another.
        let mut ranged = false;
        loop {
            let Some(&b) = self.p.get(self.i) else { return Err(UNMATCHED.into()) };
            if b == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if ranged && b == b'-' && self.p.get(self.i + 1).is_some_and(|&c| c != b']') {
                return Err("Invalid range end".into());
            }
            ranged = false;
            let start = self.element()?;
            let Element::Byte(lo) = start else {
                class.push_str(&start.text(self.swapped));
                continue;
            };
            // A range, unless the `-` is last.
            if self.p.get(self.i) == Some(&b'-') && self.p.get(self.i + 1).is_some_and(|&c| c != b']') {
                self.i += 1;
                let Element::Byte(hi) = self.element()? else { return Err("Invalid range end".into()) };
                if hi < lo {
                    return Err("Invalid range end".into());
                }
                let _ = write!(class, "\\x{lo:02X}-\\x{hi:02X}");
                ranged = true;
            } else {
                let _ = write!(class, "\\x{lo:02X}");
            }
        }
        class.push(']');
        self.atom_str(&class);
        Ok(())
    }

    /// One element of a bracket expression: a byte, `[.c.]`, `[=c=]` or a
    /// class `[:name:]`.
    fn element(&mut self) -> Result<Element, String> {
        let b = self.p.get(self.i).copied().ok_or("Unmatched [, [^, [:, [., or [=")?;
        self.i += 1;
        if b != b'[' {
            return Ok(Element::Byte(b));
        }
        let Some(&kind @ (b':' | b'.' | b'=')) = self.p.get(self.i) else { return Ok(Element::Byte(b'[')) };
        let body = self.i + 1;
        let end = self.p[body..]
            .windows(2)
            .position(|w| w[0] == kind && w[1] == b']')
            .ok_or("Unmatched [, [^, [:, [., or [=")?;
        let name = &self.p[body..body + end];
        self.i = body + end + 2;
        match kind {
            b':' => {
                const CLASSES: [&str; 12] = [
                    "alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct", "print", "graph", "cntrl",
                    "xdigit",
                ];
                let name = std::str::from_utf8(name).unwrap_or("");
                if !CLASSES.contains(&name) {
                    return Err("Invalid character class name".into());
                }
                Ok(Element::Class(name.to_owned()))
            }
            _ => match name {
                [one] => Ok(Element::Byte(*one)),
                _ => Err("Invalid collation character".into()),
            },
        }
    }
}

/// A piece of a bracket expression.
enum Element {
    Byte(u8),
    Class(String),
}

impl Element {
    /// Its text in a class of the regex crate; `swapped` as
    /// [`translate`] has it.
    fn text(&self, swapped: bool) -> String {
        match self {
            Element::Byte(b) => format!("\\x{b:02X}"),
            Element::Class(name) if swapped && name == "space" => r"\t\x00\x0B\x0C\r ".to_owned(),
            Element::Class(name) => format!("[:{name}:]"),
        }
    }
}

/// The regex crate's repetition for `{min,max}`.
fn bounds(min: u32, max: Option<u32>) -> String {
    match max {
        Some(max) if max == min => format!("{{{min}}}"),
        Some(max) => format!("{{{min},{max}}}"),
        None => format!("{{{min},}}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str, extended: bool) -> regex::bytes::Regex {
        let syntax = if extended { Syntax::Extended } else { Syntax::Basic };
        let text = translate(p.as_bytes(), syntax, false).unwrap_or_else(|e| panic!("{p}: {e}"));
        regex::bytes::RegexBuilder::new(&text).unicode(false).multi_line(true).build().unwrap()
    }

    fn matches(p: &str, extended: bool, line: &str) -> bool {
        re(p, extended).is_match(line.as_bytes())
    }

    #[test]
    fn basic_operators_are_escaped_and_literals_are_bare() {
        assert!(matches(r"ERROR\|WARN", false, "a WARN b"));
        assert!(!matches("ERROR|WARN", false, "a WARN b") && matches("ERROR|WARN", false, "ERROR|WARN"));
        assert!(matches(r"x\{2\}", false, "axxb") && !matches(r"x\{2\}", false, "axb"));
        assert!(matches("a+", false, "a+") && !matches("a+", false, "aa"));
        assert!(matches(r"\(ab\)*c", false, "ababc"));
        assert!(matches("*a", false, "*a") && !matches("*a", false, "a"), "a leading * is a literal");
        assert!(matches("^*", false, "*x") && !matches("^*", false, "x"));
        assert!(matches("a^b", false, "a^b") && matches("a$b", false, "a$b"));
    }

    #[test]
    fn extended_edges_read_as_gnu_reads_them() {
        assert!(matches("*a", true, "a"), "a repetition of nothing is nothing");
        assert!(matches("a{1", true, "a{1") && matches("a{x}", true, "a{x}"));
        assert!(matches("a{,2}b", true, "b") && matches("a{1,2}{3}", true, "aaa"));
        assert!(matches("a)", true, "a)"));
        assert!(matches(r"\<ab\>", true, "x ab y") && !matches(r"\<ab\>", true, "xab"));
        assert_eq!(translate(b"a+?", Syntax::Extended, false).unwrap(), "(?:a+)?");
    }

    #[test]
    fn brackets_take_backslashes_literally_and_know_the_classes() {
        assert!(matches(r"[\n]", true, "\\") && matches(r"[\n]", true, "n"));
        assert!(matches("[]a]", true, "]") && !matches("[^]]", true, "]"));
        assert!(matches("[[:digit:]x]", true, "5") && matches("[[.-.]]", true, "-") && matches("[a-]", true, "-"));
        assert!(matches("[a&&b]", true, "&") && matches("[a~~b-]", true, "~"), "no regex-crate class operators");
    }

    #[test]
    fn mistakes_are_worded_as_gnu_words_them() {
        for (p, extended, want) in [
            ("(a", true, "Unmatched ( or \\("),
            (r"a\)", false, "Unmatched ) or \\)"),
            ("[a", true, "Unmatched [, [^, [:, [., or [="),
            ("[[:foo:]]", true, "Invalid character class name"),
            ("[z-a]", true, "Invalid range end"),
            ("a{2,1}", true, "Invalid content of \\{\\}"),
            (r"a\{1", false, "Unmatched \\{"),
            ("a{32768}", true, "Regular expression too big"),
            (r"\1", true, "Invalid back reference"),
            ("a{}", true, "Invalid content of \\{\\}"),
            ("[a-c-e]", true, "Invalid range end"),
            ("(*)b", true, "Unmatched ( or \\("),
        ] {
            let syntax = if extended { Syntax::Extended } else { Syntax::Basic };
            assert_eq!(translate(p.as_bytes(), syntax, false).unwrap_err(), want, "{p}");
        }
        assert!(translate(br"\(a\)\1", Syntax::Basic, false).unwrap_err().contains("not supported"));
    }

    #[test]
    fn every_byte_is_a_literal_when_fixed() {
        let all: Vec<u8> = (1..=255).filter(|&b| b != b'\n').collect();
        let text = translate(&all, Syntax::Fixed, false).unwrap();
        let re = regex::bytes::RegexBuilder::new(&text).unicode(false).build().unwrap();
        assert!(re.is_match(&all));
    }
}
