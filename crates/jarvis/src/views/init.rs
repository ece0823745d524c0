//! `jarvis mine init`: what was written, and the next command.

use std::path::Path;

use crate::output::Doc;

/// The result: `changed` when the file was written.
pub(crate) fn written(config_path: &Path, provider: &str, changed: bool) -> Doc {
    let what = if changed { "Wrote" } else { "Unchanged:" };
    let mut doc = Doc::new();
    doc.line(format!(
        "{what} [mining] in {} (provider {provider}).",
        config_path.display()
    ))
    .line("Done. Run `jarvis mine start` to begin mining.");
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::plain;

    #[test]
    fn written_and_unchanged() {
        let path = Path::new("/home/me/.openjarvis/config.toml");
        insta::assert_snapshot!(format!(
            "{}---\n{}",
            plain(&written(path, "cpu-pearl", true)),
            plain(&written(path, "vllm-pearl", false))
        ));
    }
}
