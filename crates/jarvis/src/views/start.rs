//! `jarvis mine start`: what started, and where to look next.

use crate::output::Doc;

/// After a start; a foreground session has ended by the time this prints.
pub(crate) fn started(provider: &str, foreground: bool) -> Doc {
    let mut doc = Doc::new();
    doc.line(if foreground {
        format!("{provider} stopped (foreground session ended).")
    } else {
        format!("Started {provider}. Run `jarvis mine status` for live stats.")
    });
    doc
}

/// The note when the session already runs (its status follows).
pub(crate) fn already_running(provider: &str) -> String {
    format!("{provider} is already running.")
}

/// The warning when a sidecar whose processes are gone was removed.
pub(crate) fn removed_stale(sidecar: &std::path::Path, why: &str) -> String {
    format!("removed stale mining sidecar {}: {why}", sidecar.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::plain;

    #[test]
    fn messages() {
        insta::assert_snapshot!(format!(
            "{}{}{}\n{}\n",
            plain(&started("cpu-pearl", false)),
            plain(&started("cpu-pearl", true)),
            already_running("vllm-pearl"),
            removed_stale(
                std::path::Path::new("/home/me/.openjarvis/runtime/mining.json"),
                "supervisor (pid 48210) is gone"
            )
        ));
    }
}
