//! Which column holds what, resolved against a file's header or width.

use std::fmt;
use std::str::FromStr;

/// A column, by 0-based index or by header name (case-insensitive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnRef {
    Index(usize),
    Name(String),
}

impl schemars::JsonSchema for ColumnRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Column".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": ["string", "integer"], "description": "A header name, or a 0-based index." })
    }
}

impl FromStr for ColumnRef {
    type Err = String;
    fn from_str(s: &str) -> Result<ColumnRef, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty column name".into());
        }
        Ok(match s.parse() {
            Ok(i) => ColumnRef::Index(i),
            Err(_) => ColumnRef::Name(s.to_owned()),
        })
    }
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnRef::Index(i) => write!(f, "{i}"),
            ColumnRef::Name(n) => f.write_str(n),
        }
    }
}

impl schemars::JsonSchema for Columns {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Columns".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "description": "ROLE=COLUMN pairs, comma-separated." })
    }
}

/// The columns asked for; `None` lets the header or the width decide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    /// When the tick happened.
    pub timestamp: Option<ColumnRef>,
    /// What was traded or quoted.
    pub symbol: Option<ColumnRef>,
    /// The trade's price.
    pub price: Option<ColumnRef>,
    /// The trade's size.
    pub volume: Option<ColumnRef>,
    /// A quote's bid.
    pub bid: Option<ColumnRef>,
    /// A quote's ask.
    pub ask: Option<ColumnRef>,
}

/// Which price a quote file's tick carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuotePrice {
    /// (bid + ask) / 2.
    #[default]
    Mid,
    /// The bid.
    Bid,
    /// The ask.
    Ask,
}

/// Where the price comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceSource {
    Trade(usize),
    Quote { bid: usize, ask: usize, pick: QuotePrice },
}

/// Columns resolved to indexes for one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub timestamp: usize,
    /// `None` when the symbol is given rather than read.
    pub symbol: Option<usize>,
    pub price: PriceSource,
    pub volume: Option<usize>,
    /// Fields every row must have.
    pub width: usize,
}

const TIME_NAMES: &[&str] = &["timestamp", "time", "datetime", "date", "ts", "ts_event", "transact_time", "open_time"];
const SYMBOL_NAMES: &[&str] = &["symbol", "ticker", "instrument", "sym", "pair"];
const PRICE_NAMES: &[&str] = &["price", "close", "last", "px", "trade_price"];
const VOLUME_NAMES: &[&str] = &["volume", "amount", "qty", "quantity", "size", "vol"];
const BID_NAMES: &[&str] = &["bid", "bid_price", "bidprice"];
const ASK_NAMES: &[&str] = &["ask", "ask_price", "askprice", "offer"];

impl Columns {
    /// Resolves the columns for a file whose rows have `width` fields and
    /// whose header, if it has one, is `header`. `fixed_symbol` is whether
    /// the symbol is given (so no column is needed for it).
    pub fn resolve(
        &self,
        header: Option<&[String]>,
        width: usize,
        fixed_symbol: bool,
        pick: QuotePrice,
    ) -> Result<Resolved, String> {
        let find = |asked: &Option<ColumnRef>, role: &str, names: &[&str]| -> Result<Option<usize>, String> {
            match (asked, header) {
                (Some(ColumnRef::Index(i)), _) if *i < width => Ok(Some(*i)),
                (Some(ColumnRef::Index(i)), _) => {
                    Err(format!("{role} column {i} is past the last column ({} fields, counted from 0)", width))
                }
                (Some(ColumnRef::Name(n)), Some(h)) => match h.iter().position(|c| c.eq_ignore_ascii_case(n)) {
                    Some(i) => Ok(Some(i)),
                    None => {
                        let has =
                            |names: &[&str]| h.iter().any(|c| names.iter().any(|n| c.trim().eq_ignore_ascii_case(n)));
                        // A trades layout on a quotes file: say what the file is.
                        let quotes = role == "price" && has(BID_NAMES) && has(ASK_NAMES);
                        let hint = if quotes {
                            "; this file holds quotes (bid and ask): use a quotes preset such as tardis-quotes, \
                             or --columns bid=…,ask=…"
                        } else {
                            ""
                        };
                        Err(format!("{role} column `{n}` is not in the header ({}){hint}", h.join(", ")))
                    }
                },
                (Some(ColumnRef::Name(n)), None) => {
                    Err(format!("{role} column `{n}` is named, but the file has no header; use a 0-based index"))
                }
                (None, Some(h)) => {
                    Ok(names.iter().find_map(|name| h.iter().position(|c| c.trim().eq_ignore_ascii_case(name))))
                }
                (None, None) => Ok(None),
            }
        };
        let mut timestamp = find(&self.timestamp, "timestamp", TIME_NAMES)?;
        let mut symbol = if fixed_symbol { None } else { find(&self.symbol, "symbol", SYMBOL_NAMES)? };
        let mut price = find(&self.price, "price", PRICE_NAMES)?;
        let mut volume = find(&self.volume, "volume", VOLUME_NAMES)?;
        let bid = find(&self.bid, "bid", BID_NAMES)?;
        let ask = find(&self.ask, "ask", ASK_NAMES)?;

        // No header and nothing asked: the sluice order, without the symbol
        // when it is given.
        if header.is_none() && *self == Columns::default() {
            if fixed_symbol {
                (timestamp, price) = (Some(0), (width > 1).then_some(1));
                volume = (width > 2).then_some(2);
            } else if width >= 4 {
                // Fewer than four columns cannot be the full sluice layout;
                // the symbol must then be given.
                (timestamp, symbol, price, volume) = (Some(0), Some(1), Some(2), Some(3));
            } else {
                timestamp = Some(0);
            }
        }

        let timestamp = timestamp.ok_or("no timestamp column; name one with --columns timestamp=NAME|INDEX")?;
        if !fixed_symbol && symbol.is_none() {
            return Err("no symbol column; give the symbol with --symbol NAME, or name the column".into());
        }
        let price = match (price, bid, ask) {
            // Asked-for bid and ask win over a guessed price column.
            (_, Some(bid), Some(ask)) if self.price.is_none() => PriceSource::Quote { bid, ask, pick },
            (Some(p), _, _) => PriceSource::Trade(p),
            _ => return Err("no price column; name one with --columns price=… (or bid=… and ask=…)".into()),
        };
        Ok(Resolved { timestamp, symbol, price, volume, width })
    }
}

/// Parses `role=column,...` as `--columns` takes it.
impl FromStr for Columns {
    type Err = String;
    fn from_str(s: &str) -> Result<Columns, String> {
        let mut c = Columns::default();
        for pair in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (role, col) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{pair}` is not ROLE=COLUMN (e.g. price=Close or price=4)"))?;
            let col: ColumnRef = col.parse()?;
            let slot = match role.trim() {
                "timestamp" | "time" => &mut c.timestamp,
                "symbol" => &mut c.symbol,
                "price" => &mut c.price,
                "volume" => &mut c.volume,
                "bid" => &mut c.bid,
                "ask" => &mut c.ask,
                other => {
                    return Err(format!(
                        "`{other}` is not a column role; the roles are timestamp, symbol, price, volume, bid, ask"
                    ));
                }
            };
            *slot = Some(col);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &str) -> Vec<String> {
        names.split(',').map(str::to_owned).collect()
    }

    #[test]
    fn headers_are_matched_by_common_names() {
        let h = header("Date,Open,High,Low,Close,Adj Close,Volume");
        let r = Columns::default().resolve(Some(&h), 7, true, QuotePrice::Mid).unwrap();
        assert_eq!(r, Resolved { timestamp: 0, symbol: None, price: PriceSource::Trade(4), volume: Some(6), width: 7 });
        let h = header("exchange,symbol,timestamp,local_timestamp,id,side,price,amount");
        let r = Columns::default().resolve(Some(&h), 8, false, QuotePrice::Mid).unwrap();
        assert_eq!((r.timestamp, r.symbol, r.price, r.volume), (2, Some(1), PriceSource::Trade(6), Some(7)));
    }

    #[test]
    fn quote_files_take_bid_and_ask() {
        let h = header("timestamp,bid,ask");
        let r = Columns::default().resolve(Some(&h), 3, true, QuotePrice::Ask).unwrap();
        assert_eq!(r.price, PriceSource::Quote { bid: 1, ask: 2, pick: QuotePrice::Ask });
        assert_eq!(r.volume, None);
    }

    #[test]
    fn headerless_files_use_the_sluice_order() {
        let r = Columns::default().resolve(None, 4, false, QuotePrice::Mid).unwrap();
        assert_eq!((r.timestamp, r.symbol, r.price, r.volume), (0, Some(1), PriceSource::Trade(2), Some(3)));
        let r = Columns::default().resolve(None, 3, true, QuotePrice::Mid).unwrap();
        assert_eq!((r.timestamp, r.symbol, r.price, r.volume), (0, None, PriceSource::Trade(1), Some(2)));
        // Three columns and no --symbol: not guessed.
        assert!(Columns::default().resolve(None, 3, false, QuotePrice::Mid).is_err());
    }

    #[test]
    fn asked_columns_win_and_mistakes_are_explained() {
        let c: Columns = "timestamp=id,price=price,volume=amount".parse().unwrap();
        let h = header("id,price,amount,type");
        let r = c.resolve(Some(&h), 4, true, QuotePrice::Mid).unwrap();
        assert_eq!((r.timestamp, r.price, r.volume), (0, PriceSource::Trade(1), Some(2)));

        let err = |c: &str, h: Option<&[String]>, fixed| {
            c.parse::<Columns>().and_then(|c| c.resolve(h, 4, fixed, QuotePrice::Mid)).unwrap_err()
        };
        let h = header("id,price,amount,type");
        assert!(err("price=Close", Some(&h), true).contains("`Close` is not in the header (id, price, amount, type)"));
        assert!(err("price=Close", None, true).contains("no header"));
        assert!(err("price=9", None, true).contains("past the last column"));
        assert!(err("", Some(&h), true).contains("no timestamp column"));
        assert!(err("timestamp=0", Some(&h), false).contains("--symbol"));
        assert!(err("colour=1", None, true).contains("not a column role"));
        assert!(err("price", None, true).contains("ROLE=COLUMN"));
    }
}
