//! Pipeline files, TOML and JSON, on arbitrary text: loaded and built into
//! components (nothing run), answering with components or a usage error,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_cli::registry::{self, Context};
use sluice_cli::pipeline;
use sluice_core::Stop;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("sluice-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    for name in ["p.toml", "p.json"] {
        let path = dir.join(name);
        if std::fs::write(&path, data).is_err() {
            return;
        }
        let Ok(plan) = pipeline::load(&path.to_string_lossy(), &["source.seed=1".to_owned()]) else { continue };
        let ctx = Context { stop: Stop::new(), ..Context::default() };
        if let Some(source) = &plan.source {
            let _ = registry::source(source, &ctx);
        }
        for f in &plan.filters {
            let _ = registry::filter(f);
        }
        for s in &plan.sinks {
            let _ = registry::check_sink_outputs(s);
            let _ = registry::sink(s, &ctx);
        }
    }
});
