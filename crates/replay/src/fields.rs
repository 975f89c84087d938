//! Splitting a row into fields: a memchr fast path for the unquoted rows
//! that make up nearly every tick file, and an RFC 4180 path for the rest.

use std::ops::Range;

/// The fields of the last row split, reused from row to row.
#[derive(Default)]
pub struct Fields {
    ranges: Vec<Range<usize>>,
    /// Unquoted text of a quoted row; empty for a plain row.
    scratch: Vec<u8>,
    quoted: bool,
}

impl Fields {
    /// Splits `line` on `delim`. Fails only on a quote left open.
    #[inline]
    pub fn split(&mut self, line: &[u8], delim: u8) -> Result<(), &'static str> {
        self.ranges.clear();
        self.quoted = memchr::memchr(b'"', line).is_some();
        if self.quoted {
            return self.split_quoted(line, delim);
        }
        let mut start = 0;
        for i in memchr::memchr_iter(delim, line) {
            self.ranges.push(start..i);
            start = i + 1;
        }
        self.ranges.push(start..line.len());
        Ok(())
    }

    /// Number of fields.
    #[inline]
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Field `i` of `line` (the line last split), trimmed of spaces.
    #[inline]
    pub fn get<'a>(&'a self, line: &'a [u8], i: usize) -> Option<&'a [u8]> {
        let r = self.ranges.get(i)?.clone();
        let src = if self.quoted { &self.scratch[r] } else { &line[r] };
        Some(src.trim_ascii())
    }

    fn split_quoted(&mut self, line: &[u8], delim: u8) -> Result<(), &'static str> {
        self.scratch.clear();
        let mut i = 0;
        loop {
            let start = self.scratch.len();
            // Only a quote that opens the field quotes it, as RFC 4180 says.
            if line.get(i) == Some(&b'"') {
                i += 1;
                loop {
                    let q = memchr::memchr(b'"', &line[i..]).ok_or("a quote is not closed")?;
                    self.scratch.extend_from_slice(&line[i..i + q]);
                    i += q + 1;
                    if line.get(i) == Some(&b'"') {
                        self.scratch.push(b'"');
                        i += 1;
                    } else {
                        break;
                    }
                }
                // Anything between the closing quote and the delimiter is kept.
                let end = memchr::memchr(delim, &line[i..]).map_or(line.len(), |d| i + d);
                self.scratch.extend_from_slice(&line[i..end]);
                i = end;
            } else {
                let end = memchr::memchr(delim, &line[i..]).map_or(line.len(), |d| i + d);
                self.scratch.extend_from_slice(&line[i..end]);
                i = end;
            }
            self.ranges.push(start..self.scratch.len());
            if i >= line.len() {
                return Ok(());
            }
            i += 1; // the delimiter
            if i == line.len() {
                self.ranges.push(self.scratch.len()..self.scratch.len());
                return Ok(());
            }
        }
    }
}

/// The delimiter a first line most likely uses: the most frequent of
/// `,` `;` tab `|`, with ties going to the earlier of them.
pub fn sniff_delimiter(line: &[u8]) -> u8 {
    let mut best = (0, b',');
    for d in [b',', b';', b'\t', b'|'] {
        let n = memchr::memchr_iter(d, line).count();
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str, delim: u8) -> Result<Vec<String>, &'static str> {
        let mut f = Fields::default();
        f.split(line.as_bytes(), delim)?;
        Ok((0..f.len()).map(|i| String::from_utf8_lossy(f.get(line.as_bytes(), i).unwrap()).into_owned()).collect())
    }

    #[test]
    fn plain_rows() {
        assert_eq!(split("a,b,,c", b',').unwrap(), ["a", "b", "", "c"]);
        assert_eq!(split("a;b", b';').unwrap(), ["a", "b"]);
        assert_eq!(split("", b',').unwrap(), [""]);
        assert_eq!(split("a,", b',').unwrap(), ["a", ""]);
        assert_eq!(split(" 1.5 , AAPL ", b',').unwrap(), ["1.5", "AAPL"]);
    }

    #[test]
    fn quoted_rows_match_the_csv_crate() {
        for line in [
            r#""2024-01-01T00:00:00Z","AAPL","150.5",100"#,
            r#"a,"b,c",d"#,
            r#""say ""hi""",x"#,
            r#""",x"#,
            r#"x,"""#,
            r#"x, "y",z"#,
            r#"a,"b","#,
        ] {
            let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
            let want: Vec<String> =
                rdr.records().next().unwrap().unwrap().iter().map(|f| f.trim().to_owned()).collect();
            assert_eq!(split(line, b',').unwrap(), want, "{line}");
        }
    }

    #[test]
    fn an_open_quote_is_an_error() {
        assert_eq!(split(r#"a,"b"#, b','), Err("a quote is not closed"));
    }

    #[test]
    fn sniffs_the_delimiter() {
        assert_eq!(sniff_delimiter(b"a;b;c"), b';');
        assert_eq!(sniff_delimiter(b"a\tb"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b,c|d"), b'|');
        assert_eq!(sniff_delimiter(b"abc"), b',');
        assert_eq!(sniff_delimiter(b"a,b;c"), b',');
    }
}
