pub mod input;
pub mod lines;
pub mod time;
pub mod fields;
