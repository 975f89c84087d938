//! `sluice replay`'s flags into the csv source.

use sluice_core::{Source, Stop};
use sluice_replay::{Backwards, CsvConfig, QuotePrice};

use crate::args::{BackwardsArg, QuoteArg, ReplayArgs};
use crate::component::UsageError;

/// Builds the csv source of `sluice replay` from its flags.
pub fn replay_source(
    args: &ReplayArgs,
    stop: &Stop,
    progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
) -> Result<Box<dyn Source>, UsageError> {
    let mut c = CsvConfig::new(args.files.clone());
    if let Some(f) = args.format {
        c.format = f;
    }
    c.header = match (args.header, args.no_header) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    if let Some(d) = args.delimiter {
        c.delimiter = d;
    }
    if let Some(cols) = &args.columns {
        c.set_columns(cols.clone());
    }
    c.symbol = args.symbol;
    c.time_format = args.time_format.clone();
    c.tz = args.tz.clone();
    if let Some(q) = args.quote {
        c.quote = match q {
            QuoteArg::Mid => QuotePrice::Mid,
            QuoteArg::Bid => QuotePrice::Bid,
            QuoteArg::Ask => QuotePrice::Ask,
        };
    }
    c.merge = args.merge;
    if let Some(s) = args.speed {
        c.speed = s;
    }
    c.strict = args.strict;
    if let Some(b) = args.backwards {
        c.backwards = match b {
            BackwardsArg::Pass => Backwards::Pass,
            BackwardsArg::Bad => Backwards::Bad,
            BackwardsArg::Error => Backwards::Error,
        };
    }
    if let Some(n) = args.max_line_bytes {
        c.max_line_bytes = n;
    }
    sluice_replay::build_with_progress(&c, Some(stop.clone()), progress).map_err(|e| {
        let flag = match e.key {
            "tz" => "--tz",
            "max_line_bytes" => "--max-line-bytes",
            _ => "replay",
        };
        UsageError(format!("{flag}: {}", e.message))
    })
}
