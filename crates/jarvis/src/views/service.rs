//! `jarvis mine service install | uninstall | status`.

use std::path::Path;

use crate::output::format::UNKNOWN;
use crate::output::{Doc, Pairs};

/// `--dry-run`: the file that would be written (`content`) or removed, and the commands.
pub(crate) fn dry_run(path: &Path, content: Option<&str>, commands: &[Vec<String>]) -> Doc {
    let mut doc = Doc::new();
    let verb = if content.is_some() { "write" } else { "remove" };
    doc.line(format!("Would {verb} {}:", path.display()));
    if let Some(content) = content {
        doc.blank().verbatim(content.trim_end()).blank();
    }
    doc.line("Would run:");
    for c in commands {
        doc.indented(2, c.join(" "));
    }
    doc
}

/// Where the pearld password comes from once the service runs.
pub(crate) enum Secrets<'a> {
    /// systemd reads `NAME=...` from a 0600 file.
    EnvFile { name: &'a str, file: &'a Path },
    /// launchd passes on only what it was given.
    Inherited { name: &'a str },
}

/// After `install`.
pub(crate) fn installed(path: &Path, secrets: &Secrets<'_>) -> Doc {
    let mut doc = Doc::new();
    doc.line(format!(
        "Installed {}; mining starts now and on every login.",
        path.display()
    ));
    match secrets {
        Secrets::EnvFile { name, file } => {
            doc.line(format!(
                "Put {name}=... in {} (chmod 600); the unit reads it from there.",
                file.display()
            ))
            .line("To start at boot without logging in: loginctl enable-linger $USER");
        }
        Secrets::Inherited { name } => {
            doc.line(format!(
                "The agent inherits no secrets: make ${name} available to launchd."
            ));
        }
    }
    doc
}

/// After `uninstall`.
pub(crate) fn removed(path: &Path) -> Doc {
    let mut doc = Doc::new();
    doc.line(format!("Removed {}.", path.display()));
    doc
}

/// `status`: the unit file and what the manager says. `enabled` is shown when the manager
/// has such a state (systemd).
pub(crate) fn status(
    path: &Path,
    installed: bool,
    enabled: Option<Option<&str>>,
    active: Option<&str>,
) -> Doc {
    let mut rows = Pairs::new(0)
        .min_column(12)
        .row("file", path.display().to_string())
        .row("installed", if installed { "yes" } else { "no" });
    if let Some(enabled) = enabled {
        rows.push("enabled", enabled.unwrap_or(UNKNOWN));
    }
    rows.push("active", active.unwrap_or(UNKNOWN));
    let mut doc = Doc::new();
    doc.pairs(rows);
    if !installed {
        doc.line("Install it with `jarvis mine service install` (add --dry-run to preview).");
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::plain;

    const UNIT: &str = "/home/me/.config/systemd/user/jarvis-mining.service";

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|&w| w.to_owned()).collect()
    }

    #[test]
    fn dry_run_install() {
        let content = "[Unit]\nDescription=jarvis Pearl mining\n\n[Service]\nExecStart=/usr/local/bin/jarvis mine start --foreground\n";
        let commands = [
            argv(&["systemctl", "--user", "daemon-reload"]),
            argv(&["systemctl", "--user", "enable", "jarvis-mining.service"]),
            argv(&["systemctl", "--user", "restart", "jarvis-mining.service"]),
        ];
        insta::assert_snapshot!(plain(&dry_run(Path::new(UNIT), Some(content), &commands)));
    }

    #[test]
    fn dry_run_uninstall() {
        let commands = [argv(&[
            "systemctl",
            "--user",
            "disable",
            "--now",
            "jarvis-mining.service",
        ])];
        insta::assert_snapshot!(plain(&dry_run(Path::new(UNIT), None, &commands)));
    }

    #[test]
    fn installed_for_each_manager() {
        let systemd = installed(
            Path::new(UNIT),
            &Secrets::EnvFile {
                name: "PEARLD_RPC_PASSWORD",
                file: Path::new("/home/me/.openjarvis/mining.env"),
            },
        );
        let launchd = installed(
            Path::new("/Users/me/Library/LaunchAgents/ai.openjarvis.jarvis-mining.plist"),
            &Secrets::Inherited {
                name: "PEARLD_RPC_PASSWORD",
            },
        );
        insta::assert_snapshot!(format!("{}---\n{}", plain(&systemd), plain(&launchd)));
        assert_eq!(
            plain(&removed(Path::new(UNIT))),
            format!("Removed {UNIT}.\n")
        );
    }

    #[test]
    fn status_running_and_not_installed() {
        let running = status(Path::new(UNIT), true, Some(Some("enabled")), Some("active"));
        let absent = status(Path::new(UNIT), false, Some(None), None);
        insta::assert_snapshot!(format!("{}---\n{}", plain(&running), plain(&absent)));
    }
}
