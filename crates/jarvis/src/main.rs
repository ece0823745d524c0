//! `jarvis`: mine Pearl on your own hardware and hand the mining endpoint to inference.
//!
//! This crate is the only one that prints or exits: libraries return data, views turn it into
//! text, and every command prints through one `output::Printer`.

mod cli;
mod cmd;
mod output;
mod views;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let printer = output::Printer::terminal(cli.quiet);
    match cmd::run(cli, &printer) {
        Ok(code) => code,
        Err(err) => {
            printer.error(&err);
            ExitCode::from(1)
        }
    }
}
