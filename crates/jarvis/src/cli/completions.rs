//! The flags of `jarvis completions`.

use clap::{Args, ValueEnum};

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
