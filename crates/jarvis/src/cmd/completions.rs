//! `jarvis completions <shell>`: shell completion scripts, generated from the clap types.

use std::process::ExitCode;

use clap::{Args, CommandFactory as _, ValueEnum};

use crate::cli::Cli;
use crate::output::Printer;

/// Shells we write completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Shell {
    /// GNU bash (`source <(jarvis completions bash)`).
    Bash,
    /// Z shell (save as `_jarvis` in a directory on `$fpath`).
    Zsh,
    /// fish (save as `~/.config/fish/completions/jarvis.fish`).
    Fish,
}

/// `jarvis completions` flags.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(crate) shell: Shell,
}

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
