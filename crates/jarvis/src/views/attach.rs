//! `jarvis mine attach | detach`.

use std::path::Path;

use crate::output::{Doc, Pairs};

/// A miner recorded: where, and what it serves.
pub(crate) fn attached(sidecar: &Path, endpoint: &str, served: &[String]) -> Doc {
    let serving = if served.is_empty() {
        "no models".to_owned()
    } else {
        served.join(", ")
    };
    let mut doc = Doc::new();
    doc.line(format!("Sidecar written to {}", sidecar.display()))
        .pairs(
            Pairs::new(2)
                .row("endpoint", endpoint)
                .row("serving", serving),
        )
        .line("Inference and `jarvis mine status` use this miner now.");
    doc
}

/// The outcome of `detach`.
pub(crate) fn detached(removed: bool) -> Doc {
    let mut doc = Doc::new();
    doc.line(if removed {
        "Detached: sidecar removed; the miner keeps running."
    } else {
        "Nothing attached."
    });
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::plain;

    #[test]
    fn attach_and_detach() {
        let doc = attached(
            Path::new("/home/me/.openjarvis/runtime/mining.json"),
            "http://10.0.0.7:8000/v1",
            &["pearl-ai/Llama-3.3-70B-Instruct-pearl".to_owned()],
        );
        insta::assert_snapshot!(plain(&doc));
        assert_eq!(
            plain(&detached(true)),
            "Detached: sidecar removed; the miner keeps running.\n"
        );
        assert_eq!(plain(&detached(false)), "Nothing attached.\n");
        assert!(
            plain(&attached(Path::new("/s"), "http://h/v1", &[])).contains("serving:  no models")
        );
    }
}
