//! `jarvis pearl doctor`: where Pearl's tools are and which version each is;
//! `jarvis pearl install-gateway`: what was installed.

use std::path::Path;

use jarvis_core::gateway_install::InstalledGateway;
use jarvis_pearl_source::gateway::short_commit;

use crate::output::style::Mark;
use crate::output::{Doc, Pairs};

/// One tool looked for.
pub(crate) struct Tool<'a> {
    pub(crate) name: &'a str,
    pub(crate) path: Option<&'a Path>,
    pub(crate) version: Option<&'a str>,
    /// The Pearl commit of a gateway jarvis installed.
    pub(crate) commit: Option<&'a str>,
}

/// A row per tool, and how to point jarvis at missing ones.
pub(crate) fn doctor(tools: &[Tool<'_>]) -> Doc {
    let mut doc = Doc::new();
    doc.heading("Pearl CLI doctor");
    for tool in tools {
        match tool.path {
            Some(path) => {
                let version = tool.version.unwrap_or("version unknown");
                let info = match tool.commit {
                    Some(commit) => format!(
                        "{version}, Pearl {}, installed by jarvis: {}",
                        short_commit(commit),
                        path.display()
                    ),
                    None => format!("{} ({version})", path.display()),
                };
                doc.check(tool.name, Mark::Ok, info, None)
            }
            None if tool.name == jarvis_core::gateway_install::GATEWAY => doc.check(
                tool.name,
                Mark::Fail,
                "not found",
                Some("run `jarvis pearl install-gateway`"),
            ),
            None => doc.check(tool.name, Mark::Fail, "not found", None),
        };
    }
    if tools
        .iter()
        .any(|t| t.path.is_none() && t.name != jarvis_core::gateway_install::GATEWAY)
    {
        doc.line(
            "Set PEARL_HOME=/path/to/pearl (or pass --pearl-home) if binaries are not on PATH.",
        );
    }
    doc
}

/// The gateway `install-gateway` installed (`built`) or found already installed.
pub(crate) fn installed(record: &InstalledGateway, built: bool) -> Doc {
    let version = record.version.as_deref().unwrap_or("(version unknown)");
    let commit = short_commit(&record.commit);
    let mut doc = Doc::new();
    if built {
        doc.line(format!(
            "Installed pearl-gateway {version} from Pearl {commit} (with {}).",
            record.installer
        ));
    } else {
        doc.line(format!(
            "pearl-gateway {version} from Pearl {commit} is already installed; --force rebuilds it."
        ));
    }
    let mut pairs = Pairs::new(2)
        .row("program", record.program.display().to_string())
        .row("source", record.source.clone());
    if record.reference != record.commit {
        pairs.push("ref", record.reference.clone());
    }
    doc.pairs(pairs.row("commit", record.commit.clone()))
        .line("`jarvis mine start` runs this gateway (before any pearl-gateway on PATH).");
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::plain;

    #[test]
    fn some_tools_missing() {
        let tools = [
            Tool {
                name: "pearld",
                path: Some(Path::new("/opt/pearl/bin/pearld")),
                version: Some("pearld version 0.9.2-beta"),
                commit: None,
            },
            Tool {
                name: "oyster",
                path: Some(Path::new("/opt/pearl/bin/oyster")),
                version: None,
                commit: None,
            },
            Tool {
                name: "prlctl",
                path: None,
                version: None,
                commit: None,
            },
            Tool {
                name: "pearl-gateway",
                path: None,
                version: None,
                commit: None,
            },
        ];
        insta::assert_snapshot!(plain(&doctor(&tools)));
    }

    #[test]
    fn all_found_needs_no_advice() {
        let tools = [Tool {
            name: "pearld",
            path: Some(Path::new("/usr/bin/pearld")),
            version: Some("0.9.2"),
            commit: None,
        }];
        assert!(!plain(&doctor(&tools)).contains("PEARL_HOME"));
    }

    #[test]
    fn the_installed_gateway_with_its_commit() {
        let tools = [Tool {
            name: "pearl-gateway",
            path: Some(Path::new(
                "/home/me/.openjarvis/cache/pearl-gateway/venv-4d00f3becf98/bin/pearl-gateway",
            )),
            version: Some("0.1.0"),
            commit: Some("4d00f3becf98797b9def56f27d26960f7605c45f"),
        }];
        let record = InstalledGateway {
            schema_version: 1,
            program: "/home/me/.openjarvis/cache/pearl-gateway/venv-4d00f3becf98/bin/pearl-gateway"
                .into(),
            venv: "/home/me/.openjarvis/cache/pearl-gateway/venv-4d00f3becf98".into(),
            version: Some("0.1.0".into()),
            commit: "4d00f3becf98797b9def56f27d26960f7605c45f".into(),
            reference: "master".into(),
            source: "https://github.com/pearl-research-labs/pearl.git".into(),
            installer: "uv".into(),
            installed_at: 1,
        };
        insta::assert_snapshot!(format!(
            "{}---\n{}---\n{}",
            plain(&doctor(&tools)),
            plain(&installed(&record, true)),
            plain(&installed(&record, false))
        ));
    }
}
