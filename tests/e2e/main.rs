//! End-to-end tests: each runs the real `sluice` binary.

mod audit;
mod cluster;
mod corpus;
mod errors;
mod follow;
mod grep;
mod grep_gnu;
mod json;
mod nats;
mod pandas;
mod parquet;
mod pipeline;
mod records;
mod replay;
mod run;
mod signals;
mod util;
mod window;
mod workers;
