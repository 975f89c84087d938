//! The CSV tick reader on arbitrary bytes, in a few layouts: it must answer
//! with records, bad records or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::{Pull, Source};
use sluice_replay::{CsvConfig, build};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("sluice-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("in.csv");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    for variant in 0..3 {
        let mut c = CsvConfig::new(vec![path.to_string_lossy().into_owned()]);
        match variant {
            0 => {}
            1 => {
                c.header = Some(false);
                c.symbol = Some("X".parse().unwrap());
            }
            _ => c.merge = true,
        }
        let Ok(mut src) = build(&c, None) else { continue };
        for _ in 0..10_000 {
            match src.pull() {
                Ok(Pull::End) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
});
