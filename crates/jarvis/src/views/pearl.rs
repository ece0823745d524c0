//! `jarvis pearl doctor`: where Pearl's tools are and which version each is.

use std::path::Path;

use crate::output::Doc;
use crate::output::style::Mark;

/// One tool looked for.
pub(crate) struct Tool<'a> {
    pub(crate) name: &'a str,
    pub(crate) path: Option<&'a Path>,
    pub(crate) version: Option<&'a str>,
}

/// A row per tool, and how to point jarvis at missing ones.
pub(crate) fn doctor(tools: &[Tool<'_>]) -> Doc {
    let mut doc = Doc::new();
    doc.heading("Pearl CLI doctor");
    for tool in tools {
        match tool.path {
            Some(path) => doc.check(
                tool.name,
                Mark::Ok,
                format!(
                    "{} ({})",
                    path.display(),
                    tool.version.unwrap_or("version unknown")
                ),
                None,
            ),
            None => doc.check(tool.name, Mark::Fail, "not found", None),
        };
    }
    if tools.iter().any(|t| t.path.is_none()) {
        doc.line(
            "Set PEARL_HOME=/path/to/pearl (or pass --pearl-home) if binaries are not on PATH.",
        );
    }
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
            },
            Tool {
                name: "oyster",
                path: Some(Path::new("/opt/pearl/bin/oyster")),
                version: None,
            },
            Tool {
                name: "prlctl",
                path: None,
                version: None,
            },
            Tool {
                name: "pearl-gateway",
                path: None,
                version: None,
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
        }];
        assert!(!plain(&doctor(&tools)).contains("PEARL_HOME"));
    }
}
