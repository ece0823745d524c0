//! `jarvis completions <shell>`: shell completion scripts, generated from the clap types.

use std::process::ExitCode;

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::output::Printer;

/// Writes the completion script for `args.shell` to stdout.
pub(crate) fn run(out: &Printer, args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut command, "jarvis", &mut script);
    out.raw(String::from_utf8_lossy(&script).trim_end());
    Ok(ExitCode::SUCCESS)
}
