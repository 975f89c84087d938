//! Developer tasks, run as `cargo xtask TASK`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask TASK

Tasks are added here as the project grows; see docs/BENCHMARKS.md once the
benchmark harness exists. There are none yet.";

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(task) => {
            eprintln!("xtask: unknown task `{task}`\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
