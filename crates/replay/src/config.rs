//! The options of the `csv` source, as `sluice replay` flags and
//! `--source csv:…` keys: one serde model for both.
//!
//! Over 400 lines because each option's parser and check lives beside its
//! field, and the tests pin every message.

use std::fmt;
use std::str::FromStr;

use jiff::tz::TimeZone;
use serde::Deserialize;
use sluice_core::Symbol;
use sluice_core::config::{ConfigError, comma_list, from_text, opt_text};

use crate::layout::{ColumnRef, Columns, QuotePrice};
use crate::scale::Scale;
use crate::time::{EpochUnit, TimeFormat};
use sluice_io::DEFAULT_MAX_LINE;

/// Options of the `csv` tick source.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvConfig {
    /// Files to replay, in order; `-` is stdin. `.gz`, `.zst` and `.zip`
    /// are read transparently, and Parquet files by their columns' names,
    /// all recognised by their first bytes.
    /// Required; absent, the source says so by its key.
    #[serde(default, deserialize_with = "comma_list")]
    pub path: Vec<String>,
    /// A preset layout. Default: `sluice` (`timestamp,symbol,price,volume`).
    #[serde(default, deserialize_with = "from_text")]
    pub format: Preset,
    /// Whether the first line is a header. Default: detected (a first line
    /// with no number in it is a header).
    pub header: Option<bool>,
    /// Field delimiter: `,` `;` `tab` `|` or `auto`. Default: `auto`.
    #[serde(default, deserialize_with = "from_text")]
    pub delimiter: Delimiter,
    /// Several columns at once, by header name or 0-based index:
    /// `timestamp=…,symbol=…,price=…,volume=…,bid=…,ask=…`. A role named
    /// here and by its own key (`price_column`) is refused.
    #[serde(default, deserialize_with = "opt_text")]
    pub columns: Option<Columns>,
    /// The timestamp column, by header name or 0-based index. Default: by
    /// header name (`timestamp`, `time`, `date`…), else the first.
    #[serde(default, deserialize_with = "opt_text")]
    pub timestamp_column: Option<ColumnRef>,
    /// The symbol column. Default: by header name (`symbol`, `ticker`…),
    /// else the second; none with `symbol`.
    #[serde(default, deserialize_with = "opt_text")]
    pub symbol_column: Option<ColumnRef>,
    /// The price column. Default: by header name (`price`, `close`…), else
    /// the one after the symbol.
    #[serde(default, deserialize_with = "opt_text")]
    pub price_column: Option<ColumnRef>,
    /// The volume column. Default: by header name (`volume`, `amount`…),
    /// else the one after the price; none means zero volume.
    #[serde(default, deserialize_with = "opt_text")]
    pub volume_column: Option<ColumnRef>,
    /// The bid column of a quote file. Default: by header name (`bid`).
    #[serde(default, deserialize_with = "opt_text")]
    pub bid_column: Option<ColumnRef>,
    /// The ask column of a quote file. Default: by header name (`ask`).
    #[serde(default, deserialize_with = "opt_text")]
    pub ask_column: Option<ColumnRef>,
    /// The symbol of every row, for files with no symbol column.
    pub symbol: Option<Symbol>,
    /// How timestamps are written. Default: the preset's, else `auto`.
    #[serde(default, deserialize_with = "opt_text")]
    pub time_format: Option<TimeFormat>,
    /// Zone of timestamps that carry no offset: an IANA name or `±HH:MM`.
    /// Default: the preset's, else UTC.
    pub tz: Option<String>,
    /// For quote files: `mid`, `bid` or `ask`. Default: `mid`.
    #[serde(default)]
    pub quote: QuotePrice,
    /// Prices are integers to multiply by this power of ten: `0.01` for
    /// cents, `1e-9` for Databento's raw prices. Default: the preset's,
    /// else none (prices are read as written).
    #[serde(default, deserialize_with = "opt_text")]
    pub price_scale: Option<Scale>,
    /// Interleave the files by timestamp instead of reading them in turn.
    #[serde(default)]
    pub merge: bool,
    /// `max` (default), or a multiple of the original pace: `1x`, `10x`.
    #[serde(default, deserialize_with = "from_text")]
    pub speed: Speed,
    /// Stop at the first bad row, as an error. Default: false.
    #[serde(default)]
    pub strict: bool,
    /// What a timestamp earlier than the last does: `pass`, `bad` (a bad
    /// record) or `error` (stop). Default: `bad`.
    #[serde(default)]
    pub backwards: Backwards,
    /// Longest row, in bytes; a longer one is a bad record. Default: 16 MiB.
    #[serde(default = "default_max_line")]
    pub max_line_bytes: usize,
}

fn default_max_line() -> usize {
    DEFAULT_MAX_LINE
}

impl CsvConfig {
    /// Options for `paths` with every default.
    pub fn new(paths: Vec<String>) -> CsvConfig {
        CsvConfig {
            path: paths,
            format: Preset::default(),
            header: None,
            delimiter: Delimiter::Auto,
            columns: None,
            timestamp_column: None,
            symbol_column: None,
            price_column: None,
            volume_column: None,
            bid_column: None,
            ask_column: None,
            symbol: None,
            time_format: None,
            tz: None,
            quote: QuotePrice::default(),
            price_scale: None,
            merge: false,
            speed: Speed::Max,
            strict: false,
            backwards: Backwards::default(),
            max_line_bytes: DEFAULT_MAX_LINE,
        }
    }

    /// The columns asked for, by `columns` and by the `*_column` keys;
    /// a role given both ways is refused rather than one silently winning.
    fn asked_columns(&self) -> Result<Columns, ConfigError> {
        let mut c = self.columns.clone().unwrap_or_default();
        let own = [
            ("timestamp", &mut c.timestamp, &self.timestamp_column),
            ("symbol", &mut c.symbol, &self.symbol_column),
            ("price", &mut c.price, &self.price_column),
            ("volume", &mut c.volume, &self.volume_column),
            ("bid", &mut c.bid, &self.bid_column),
            ("ask", &mut c.ask, &self.ask_column),
        ];
        for (role, slot, key) in own {
            match (&slot, key) {
                (Some(_), Some(_)) => {
                    return Err(ConfigError::new(
                        "columns",
                        format!("`{role}` is given in `columns` and as `{role}_column`; give it once"),
                    ));
                }
                (None, Some(k)) => *slot = Some(k.clone()),
                _ => {}
            }
        }
        Ok(c)
    }

    /// The layout these options describe, the preset filling what the user
    /// left unset.
    pub fn layout(&self) -> Result<Layout, ConfigError> {
        if self.path.is_empty() {
            return Err(ConfigError::new("path", "no file given"));
        }
        if self.max_line_bytes == 0 {
            return Err(ConfigError::new("max_line_bytes", "use a size above 0"));
        }
        let preset = self.format.layout();
        let asked = self.asked_columns()?;
        let guessed = self.format == Preset::default() && asked == Columns::default();
        let columns = if asked == Columns::default() { preset.columns } else { asked };
        let tz = match self.tz.as_deref().or(preset.tz) {
            None => TimeZone::UTC,
            Some(name) => parse_tz(name).map_err(|e| ConfigError::new("tz", e))?,
        };
        Ok(Layout {
            header: self.header.or(preset.header),
            delimiter: self.delimiter.byte().or(preset.delimiter),
            columns,
            symbol: self.symbol,
            symbol_from_file_name: preset.symbol_from_file_name,
            time_format: self.time_format.clone().unwrap_or(preset.time_format),
            tz,
            quote: self.quote,
            price_scale: self.price_scale.or(preset.price_scale),
            backwards: self.backwards,
            max_line_bytes: self.max_line_bytes,
            guessed,
        })
    }
}

/// An IANA zone name, or a fixed offset such as `-05:00`.
fn parse_tz(name: &str) -> Result<TimeZone, String> {
    if let Some(sign) = name.chars().next().filter(|c| *c == '+' || *c == '-') {
        let (h, m) = name[1..].split_once(':').unwrap_or((&name[1..], "0"));
        let (h, m): (i8, i8) = match (h.parse(), m.parse()) {
            (Ok(h), Ok(m)) if h <= 25 && m < 60 => (h, m),
            _ => return Err(format!("`{name}` is not an offset; write ±HH:MM")),
        };
        let secs = (i32::from(h) * 3600 + i32::from(m) * 60) * if sign == '-' { -1 } else { 1 };
        let offset = jiff::tz::Offset::from_seconds(secs).map_err(|e| e.to_string())?;
        return Ok(TimeZone::fixed(offset));
    }
    TimeZone::get(name)
        .map_err(|_| format!("`{name}` is not a time zone; use an IANA name such as America/New_York, or ±HH:MM"))
}

/// Everything the reader needs to know about a file's layout.
#[derive(Clone, Debug)]
pub struct Layout {
    pub header: Option<bool>,
    pub delimiter: Option<u8>,
    pub columns: Columns,
    pub symbol: Option<Symbol>,
    pub symbol_from_file_name: bool,
    pub time_format: TimeFormat,
    pub tz: TimeZone,
    pub quote: QuotePrice,
    pub price_scale: Option<Scale>,
    pub backwards: Backwards,
    pub max_line_bytes: usize,
    /// No preset and no columns were given: the columns are a guess, and
    /// the first tick is checked for plausibility before it leaves.
    pub guessed: bool,
}

/// The layouts people download.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Preset {
    /// `timestamp,symbol,price,volume`, RFC 3339 times; header optional.
    #[default]
    Sluice,
    /// Binance trades: `id,price,qty,quote_qty,time,is_buyer_maker,is_best_match`.
    BinanceTrades,
    /// Binance aggregate trades: `agg_id,price,qty,first_id,last_id,time,is_buyer_maker,is_best_match`.
    BinanceAggTrades,
    /// Yahoo Finance daily bars: `Date,Open,High,Low,Close,Adj Close,Volume`; price = Close.
    Yahoo,
    /// HistData.com ticks: `YYYYMMDD HHMMSSmmm,bid,ask,volume`, EST (UTC−5, no DST).
    Histdata,
    /// Tardis.dev trades: `exchange,symbol,timestamp,local_timestamp,id,side,price,amount`.
    Tardis,
    /// Tardis.dev quotes: `exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount`.
    TardisQuotes,
    /// Binance klines: 12 columns, no header; price = close, at the bar's close time.
    BinanceKlines,
    /// Dukascopy: `Gmt time,Ask,Bid,AskVolume,BidVolume`, `dd.MM.yyyy HH:mm:ss.SSS` in GMT.
    Dukascopy,
    /// Polygon.io trade flat files: `ticker,…,price,…,sip_timestamp,size,…`, times in ns.
    PolygonTrades,
    /// Databento trades (CSV): `ts_event` in ns, integer prices ×1e-9 unless pretty-printed.
    DatabentoTrades,
}

/// What a preset sets; the user's own options win over it.
struct PresetLayout {
    header: Option<bool>,
    delimiter: Option<u8>,
    columns: Columns,
    time_format: TimeFormat,
    tz: Option<&'static str>,
    symbol_from_file_name: bool,
    price_scale: Option<Scale>,
}

impl Preset {
    /// Every preset, with its name.
    pub const ALL: &[(&str, Preset)] = &[
        ("sluice", Preset::Sluice),
        ("binance-trades", Preset::BinanceTrades),
        ("binance-aggtrades", Preset::BinanceAggTrades),
        ("yahoo", Preset::Yahoo),
        ("histdata", Preset::Histdata),
        ("tardis", Preset::Tardis),
        ("tardis-quotes", Preset::TardisQuotes),
        ("binance-klines", Preset::BinanceKlines),
        ("dukascopy", Preset::Dukascopy),
        ("polygon-trades", Preset::PolygonTrades),
        ("databento-trades", Preset::DatabentoTrades),
    ];

    fn layout(self) -> PresetLayout {
        let idx = |i| Some(ColumnRef::Index(i));
        let name = |n: &str| Some(ColumnRef::Name(n.to_owned()));
        let base = PresetLayout {
            header: None,
            delimiter: None,
            columns: Columns::default(),
            time_format: TimeFormat::Auto,
            tz: None,
            symbol_from_file_name: false,
            price_scale: None,
        };
        match self {
            Preset::Sluice => base,
            Preset::BinanceTrades | Preset::BinanceAggTrades => PresetLayout {
                delimiter: Some(b','),
                columns: Columns {
                    timestamp: idx(if self == Preset::BinanceTrades { 4 } else { 5 }),
                    price: idx(1),
                    volume: idx(2),
                    ..Columns::default()
                },
                time_format: TimeFormat::Epoch(EpochUnit::Auto),
                symbol_from_file_name: true,
                ..base
            },
            Preset::Yahoo => PresetLayout {
                header: Some(true),
                delimiter: Some(b','),
                columns: Columns {
                    timestamp: name("Date"),
                    price: name("Close"),
                    volume: name("Volume"),
                    ..Columns::default()
                },
                time_format: TimeFormat::Date,
                ..base
            },
            Preset::Histdata => PresetLayout {
                header: Some(false),
                delimiter: Some(b','),
                columns: Columns { timestamp: idx(0), bid: idx(1), ask: idx(2), volume: idx(3), ..Columns::default() },
                time_format: TimeFormat::Pattern("%Y%m%d %H%M%S%3f".into()),
                tz: Some("-05:00"),
                ..base
            },
            Preset::Tardis => PresetLayout {
                header: Some(true),
                delimiter: Some(b','),
                columns: Columns {
                    timestamp: name("timestamp"),
                    symbol: name("symbol"),
                    price: name("price"),
                    volume: name("amount"),
                    ..Columns::default()
                },
                time_format: TimeFormat::Epoch(EpochUnit::Micros),
                ..base
            },
            Preset::TardisQuotes => PresetLayout {
                header: Some(true),
                delimiter: Some(b','),
                columns: Columns {
                    timestamp: name("timestamp"),
                    symbol: name("symbol"),
                    bid: name("bid_price"),
                    ask: name("ask_price"),
                    ..Columns::default()
                },
                time_format: TimeFormat::Epoch(EpochUnit::Micros),
                ..base
            },
            // A bar's close is known at its close time, not its open: the
            // tick is put there, so nothing trades on a price from the future.
            Preset::BinanceKlines => PresetLayout {
                header: Some(false),
                delimiter: Some(b','),
                columns: Columns { timestamp: idx(6), price: idx(4), volume: idx(5), ..Columns::default() },
                time_format: TimeFormat::Epoch(EpochUnit::Auto),
                symbol_from_file_name: true,
                ..base
            },
            Preset::Dukascopy => PresetLayout {
                header: Some(true),
                delimiter: Some(b','),
                columns: Columns {
                    timestamp: name("Gmt time"),
                    bid: name("Bid"),
                    ask: name("Ask"),
                    ..Columns::default()
                },
                time_format: TimeFormat::Pattern("%d.%m.%Y %H:%M:%S%.f".into()),
                tz: Some("+00:00"),
                ..base
            },
            Preset::PolygonTrades => PresetLayout {
                header: Some(true),
                delimiter: Some(b','),
                columns: Columns {
                    timestamp: name("sip_timestamp"),
                    symbol: name("ticker"),
                    price: name("price"),
                    volume: name("size"),
                    ..Columns::default()
                },
                time_format: TimeFormat::Epoch(EpochUnit::Nanos),
                ..base
            },
            Preset::DatabentoTrades => PresetLayout {
                header: Some(true),
                delimiter: Some(b','),
                columns: Columns {
                    timestamp: name("ts_event"),
                    symbol: name("symbol"),
                    price: name("price"),
                    volume: name("size"),
                    ..Columns::default()
                },
                time_format: TimeFormat::Epoch(EpochUnit::Nanos),
                price_scale: Some(Scale { exponent: -9, integers_only: true }),
                ..base
            },
        }
    }
}

sluice_core::text_schema!(
    Preset,
    "Preset",
    "sluice, binance-trades, binance-aggtrades, binance-klines, yahoo, histdata, dukascopy, tardis, tardis-quotes, \
     polygon-trades or databento-trades."
);
sluice_core::text_schema!(Delimiter, "Delimiter", ", ; tab | or auto.");
sluice_core::text_schema!(Speed, "Speed", "max, or a multiple of the data's pace: 1x, 10x, 0.5x.");

impl FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Preset, String> {
        Preset::ALL.iter().find(|(n, _)| *n == s).map(|(_, p)| *p).ok_or_else(|| {
            let names: Vec<&str> = Preset::ALL.iter().map(|(n, _)| *n).collect();
            format!("`{s}` is not a format; the formats are {}", names.join(", "))
        })
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Preset::ALL.iter().find(|(_, p)| p == self).map_or("?", |(n, _)| n);
        f.write_str(name)
    }
}

/// The field delimiter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delimiter {
    /// The most frequent of `,` `;` tab `|` in the first line.
    #[default]
    Auto,
    /// This byte.
    Byte(u8),
}

impl Delimiter {
    fn byte(self) -> Option<u8> {
        match self {
            Delimiter::Auto => None,
            Delimiter::Byte(b) => Some(b),
        }
    }
}

impl FromStr for Delimiter {
    type Err = String;
    fn from_str(s: &str) -> Result<Delimiter, String> {
        Ok(match s {
            "auto" => Delimiter::Auto,
            "," | "comma" => Delimiter::Byte(b','),
            ";" | "semicolon" => Delimiter::Byte(b';'),
            "\t" | "tab" | "\\t" => Delimiter::Byte(b'\t'),
            "|" | "pipe" => Delimiter::Byte(b'|'),
            other => return Err(format!("`{other}` is not a delimiter; use , ; tab | or auto")),
        })
    }
}

/// How fast to replay.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Speed {
    /// As fast as the disk allows.
    #[default]
    Max,
    /// The data's own pace, multiplied (`10x` is ten times faster).
    Times(f64),
}

impl FromStr for Speed {
    type Err = String;
    fn from_str(s: &str) -> Result<Speed, String> {
        if s == "max" {
            return Ok(Speed::Max);
        }
        match s.strip_suffix('x').unwrap_or(s).parse::<f64>() {
            Ok(f) if f.is_finite() && f > 0.0 => Ok(Speed::Times(f)),
            _ => Err(format!("`{s}` is not a speed; use max, or a multiple such as 1x, 10x, 0.5x")),
        }
    }
}

/// What a timestamp earlier than the one before it does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Backwards {
    /// Nothing: the row is a good tick.
    Pass,
    /// The row becomes a bad record (`time_backwards`).
    #[default]
    Bad,
    /// The replay stops with an error.
    Error,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_read_their_names_and_user_options_win() {
        for (name, p) in Preset::ALL {
            assert_eq!(name.parse::<Preset>().unwrap(), *p);
            assert_eq!(p.to_string(), *name);
        }
        assert!("yahooo".parse::<Preset>().unwrap_err().contains("the formats are sluice, binance-trades"));
        let mut c = CsvConfig::new(vec!["x".into()]);
        c.format = Preset::Histdata;
        let l = c.layout().unwrap();
        assert_eq!((l.header, l.delimiter), (Some(false), Some(b',')));
        assert_eq!(l.time_format, TimeFormat::Pattern("%Y%m%d %H%M%S%3f".into()));
        c.time_format = Some(TimeFormat::Rfc3339);
        c.header = Some(true);
        let l = c.layout().unwrap();
        assert_eq!((l.header, l.time_format), (Some(true), TimeFormat::Rfc3339));
    }

    #[test]
    fn zones_and_offsets() {
        assert!(parse_tz("America/New_York").is_ok());
        assert_eq!(parse_tz("-05:00").unwrap().to_fixed_offset().unwrap().seconds(), -5 * 3600);
        assert_eq!(parse_tz("+0530").map(|_| ()), Err("`+0530` is not an offset; write ±HH:MM".into()));
        assert!(parse_tz("Mars/Olympus").unwrap_err().contains("not a time zone"));
    }

    #[test]
    fn speeds_and_delimiters() {
        assert_eq!("max".parse::<Speed>(), Ok(Speed::Max));
        assert_eq!("10x".parse::<Speed>(), Ok(Speed::Times(10.0)));
        assert_eq!("0.5".parse::<Speed>(), Ok(Speed::Times(0.5)));
        assert!("0x".parse::<Speed>().is_err());
        assert!("fast".parse::<Speed>().is_err());
        assert_eq!("tab".parse::<Delimiter>(), Ok(Delimiter::Byte(b'\t')));
        assert!(":".parse::<Delimiter>().is_err());
    }
}
