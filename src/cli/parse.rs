//! `dojo parse`: run a parser over a report and print what it found.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    /// `{"scan_type": …, "findings": […]}` with DefectDojo's field names.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// DefectDojo's scan type name, e.g. "Bandit Scan" (see --list).
    #[arg(long, required_unless_present = "list")]
    scan_type: Option<String>,
    /// Print every supported scan type, one a line, and exit.
    #[arg(long)]
    list: bool,
    #[arg(long, value_enum, default_value = "json")]
    format: OutputFormat,
    /// The report to parse.
    #[arg(required_unless_present = "list")]
    file: Option<PathBuf>,
}

pub fn run(args: ParseArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.list {
        for info in dojo_parsers::supported_scan_types() {
            writeln!(out, "{}\t{}", info.name, info.parser_dir)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(scan_type), Some(file)) = (args.scan_type, args.file) else {
        bail!("give --scan-type and a report file, or --list");
    };
    let Some(info) = dojo_parsers::scan_type(&scan_type) else {
        bail!("unknown scan type \"{scan_type}\" (dojo parse --list shows the supported ones)");
    };
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parsed = dojo_parsers::parse(&scan_type, &name, &bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let value = match args.format {
        OutputFormat::Json => dojo_parsers::to_json(&parsed, info),
        OutputFormat::Sarif => dojo_parsers::to_sarif(&parsed, info),
    };
    serde_json::to_writer(&mut out, &value)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}
