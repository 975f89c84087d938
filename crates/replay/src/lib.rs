pub mod input; pub mod lines;
