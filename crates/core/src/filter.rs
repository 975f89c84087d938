//! Filters: predicates the bridge applies between a pull and a send.

use std::fmt;

use memchr::memmem;

use crate::{BadRecord, Decimal, Record, RecordKind, Symbol};

/// One filter of a pipeline.
///
/// The bridge applies filters lazily, one pulled record at a time; a source
/// may take a filter over ([`crate::Source::take_over`]) when it can do the
/// same work faster on its own buffers.
#[derive(Clone, Debug)]
pub enum Filter {
    /// Ticks whose symbol is one of these.
    Symbols(Vec<Symbol>),
    /// Lines that contain this literal (case-sensitive).
    Contains(Contains),
    /// Ticks whose price lies in this range.
    Price(PriceRange),
}

impl Filter {
    /// The kind of record this filter reads.
    pub fn reads(&self) -> RecordKind {
        match self {
            Filter::Symbols(_) | Filter::Price(_) => RecordKind::Tick,
            Filter::Contains(_) => RecordKind::Line,
        }
    }

    /// Whether a good record passes.
    #[inline]
    pub fn keeps(&self, record: &Record<'_>) -> bool {
        match (self, record) {
            (Filter::Symbols(set), Record::Tick(t)) => set.contains(&t.symbol),
            (Filter::Price(range), Record::Tick(t)) => range.contains(t.price),
            (Filter::Contains(c), Record::Line(l)) => c.is_in(l.bytes),
            // A mismatch is refused when the pipeline is built.
            _ => true,
        }
    }

    /// Whether a bad record passes. One whose symbol is known is filtered
    /// like a good one; anything the filter cannot judge (an unknown symbol,
    /// an unreadable price) passes, so that errors reach the sinks' error
    /// channel instead of vanishing.
    pub fn keeps_bad(&self, bad: &BadRecord<'_>) -> bool {
        match self {
            Filter::Symbols(set) => bad.symbol.is_none_or(|s| set.contains(&s)),
            Filter::Contains(c) => c.is_in(bad.raw),
            Filter::Price(_) => true,
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Symbols(set) => {
                f.write_str("symbol=")?;
                for (i, s) in set.iter().enumerate() {
                    write!(f, "{}{s}", if i > 0 { "," } else { "" })?;
                }
                Ok(())
            }
            Filter::Contains(c) => write!(f, "contains={}", String::from_utf8_lossy(c.needle())),
            Filter::Price(r) => write!(f, "price={r}"),
        }
    }
}

/// A case-sensitive literal, with its searcher built once.
#[derive(Clone, Debug)]
pub struct Contains {
    // Boxed: the searcher is a few hundred bytes and filters are moved about.
    finder: Box<memmem::Finder<'static>>,
}

impl Contains {
    /// A filter for lines holding `needle`.
    pub fn new(needle: &[u8]) -> Contains {
        Contains { finder: Box::new(memmem::Finder::new(needle).into_owned()) }
    }

    /// The literal searched for.
    pub fn needle(&self) -> &[u8] {
        self.finder.needle()
    }

    /// Whether `haystack` holds the literal.
    #[inline]
    pub fn is_in(&self, haystack: &[u8]) -> bool {
        self.finder.find(haystack).is_some()
    }

    /// The searcher itself, for sources that scan whole buffers.
    pub fn finder(&self) -> &memmem::Finder<'static> {
        &self.finder
    }
}

/// An inclusive price range; either end may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriceRange {
    /// Lowest price kept; none when `None`.
    pub min: Option<Decimal>,
    /// Highest price kept; none when `None`.
    pub max: Option<Decimal>,
}

impl PriceRange {
    /// Whether `price` is inside.
    #[inline]
    pub fn contains(&self, price: Decimal) -> bool {
        self.min.is_none_or(|m| price >= m) && self.max.is_none_or(|m| price <= m)
    }
}

impl fmt::Display for PriceRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(m) = self.min {
            write!(f, "{m}")?;
        }
        f.write_str("..")?;
        if let Some(m) = self.max {
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for PriceRange {
    type Err = String;

    /// `MIN..MAX`, both inclusive; `MIN..` or `..MAX` leave one end open.
    fn from_str(s: &str) -> Result<PriceRange, String> {
        let expect = || format!("`{s}` is not a price range; expected MIN..MAX, MIN.. or ..MAX (inclusive)");
        let (lo, hi) = s.split_once("..").ok_or_else(expect)?;
        let end = |t: &str| -> Result<Option<Decimal>, String> {
            let t = t.trim();
            if t.is_empty() { Ok(None) } else { t.parse().map(Some).map_err(|e| format!("`{t}` in price range: {e}")) }
        };
        let range = PriceRange { min: end(lo)?, max: end(hi)? };
        match (range.min, range.max) {
            (None, None) => Err(expect()),
            (Some(a), Some(b)) if a > b => Err(format!("price range `{s}` is empty: {a} > {b}")),
            _ => Ok(range),
        }
    }
}

/// A filter as written in `--filter FIELD=VALUE` or a `[[filter]]` table:
/// exactly one of the fields below.
#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterConfig {
    /// Ticks of these symbols: `symbol=AAPL,MSFT`.
    #[serde(default, deserialize_with = "some_list")]
    pub symbol: Option<Vec<Symbol>>,
    /// Lines holding this literal, case-sensitive: `contains=ERROR`.
    pub contains: Option<String>,
    /// Ticks priced in this inclusive range: `price=100..200`, `price=..150`.
    #[serde(default, deserialize_with = "crate::config::opt_text")]
    pub price: Option<PriceRange>,
}

impl FilterConfig {
    /// The filter this configuration describes.
    pub fn build(self) -> Result<Filter, crate::config::ConfigError> {
        use crate::config::ConfigError;
        match (self.symbol, self.contains, self.price) {
            (Some(set), None, None) => Ok(Filter::Symbols(set)),
            (None, Some(text), None) if text.is_empty() => Err(ConfigError::new("contains", "the text is empty")),
            (None, Some(text), None) => Ok(Filter::Contains(Contains::new(text.as_bytes()))),
            (None, None, Some(range)) => Ok(Filter::Price(range)),
            _ => Err(ConfigError::new("filter", "give exactly one of symbol, contains, price")),
        }
    }
}

fn some_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<Symbol>>, D::Error> {
    crate::config::comma_list(d).map(Some)
}
