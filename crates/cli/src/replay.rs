//! `sluice replay`'s flags into the csv source: they are the source's own
//! keys (see [`crate::flags`]), read by the same deserializer as
//! `--source csv:…`.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use sluice_core::{Source, Stop};
use sluice_replay::CsvConfig;

use crate::args::ReplayArgs;
use crate::component::{Component, OwnedOptions, Place, UsageError};

/// Builds the csv source of `sluice replay` from its flags; `progress`
/// counts the bytes read, for a progress bar.
pub fn replay_source(
    args: &ReplayArgs,
    stop: &Stop,
    progress: Option<Arc<AtomicU64>>,
) -> Result<Box<dyn Source>, UsageError> {
    let component = Component {
        kind: "csv".into(),
        options: OwnedOptions::Pairs(args.csv.pairs.clone()),
        place: Place::Flags { command: "replay", operands: &["path"] },
    };
    // The files are operands, not text to split on commas.
    let config = CsvConfig { path: args.files.clone(), ..component.read()? };
    // A sweep keeps every core busy trading: a reader beside it would only
    // take turns with it (measured: a fifth slower).
    let ahead = args.pipeline.sweep.is_none();
    sluice_replay::build_with_progress(&config, Some(stop.clone()), progress, ahead)
        .map_err(|e| component.place.error(Some(e.key), e.message))
}
