//! `dojo`: the single binary. `serve` runs the server; the other subcommands manage
//! the database and accounts, and parse scanner reports.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::logging::init(&args.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(code) => code,
        Err(error) => {
            // One line naming the problem; no backtrace.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
