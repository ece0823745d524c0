//! `jarvis`: mine Pearl on your own hardware and hand the mining endpoint to inference.
//!
//! This crate is the only one that prints or exits: libraries return data, commands render it.

mod cli;
mod cmd;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            render::error(&err);
            ExitCode::from(1)
        }
    }
}
