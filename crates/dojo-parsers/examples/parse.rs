//! Development stand-in for `dojo parse`, for scoring parsers without
//! building the whole workspace.
//!
//! `parse --list` prints one supported scan type per line;
//! `parse --scan-type "<type>" [--sarif] <file>` prints the findings as JSON.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let args = match args.first() {
        Some(&"parse") => args.get(1..).unwrap_or_default().to_vec(),
        _ => args,
    };
    if args.contains(&"--list") {
        for t in dojo_parsers::supported_scan_types() {
            println!("{}", t.name);
        }
        return ExitCode::SUCCESS;
    }
    let mut scan_type = None;
    let mut file = None;
    let mut sarif = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--scan-type" => scan_type = it.next().copied(),
            "--sarif" => sarif = true,
            other => file = Some(other),
        }
    }
    let (Some(scan_type), Some(file)) = (scan_type, file) else {
        eprintln!("usage: parse --list | parse --scan-type <type> [--sarif] <file>");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {file}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let name = std::path::Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match dojo_parsers::parse(scan_type, &name, &bytes) {
        Ok(out) => {
            let Some(info) = dojo_parsers::scan_type(scan_type) else {
                return ExitCode::FAILURE;
            };
            let v = if sarif {
                dojo_parsers::to_sarif(&out, info)
            } else {
                dojo_parsers::to_json(&out, info)
            };
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
