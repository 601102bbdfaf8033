//! Writes a synthetic report to stdout, for trying imports by hand:
//! `cargo run --release -p dojo-parsers --example synthetic -- generic 10000 > report.json`
//! (`sarif` for SARIF; an optional third argument is the first finding's index).

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let format = args.first().map_or("generic", String::as_str);
    let count: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let first: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(0);
    let bytes = match format {
        "sarif" => dojo_parsers::synthetic::sarif_report(first..first + count),
        "generic" => dojo_parsers::synthetic::generic_report(first..first + count),
        other => {
            eprintln!("unknown format {other}: use generic or sarif");
            return ExitCode::FAILURE;
        }
    };
    if std::io::stdout().write_all(&bytes).is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
