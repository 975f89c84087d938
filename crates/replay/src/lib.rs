pub use sluice_core;
