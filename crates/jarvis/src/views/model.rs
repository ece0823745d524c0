//! `jarvis mine inspect-model` and `jarvis mine validate-model`: check rows and a verdict.

use std::path::Path;

use jarvis_mining::check::CheckRow;

use crate::output::Doc;
use crate::output::style::Mark;

/// Which command's rows these are.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Check {
    /// `inspect-model`: the artifact.
    Inspection,
    /// `validate-model`: probes of the running miner.
    Validation,
}

impl Check {
    fn title(self) -> &'static str {
        match self {
            Check::Inspection => "Pearl Model Artifact Inspection",
            Check::Validation => "Pearl Model Validation",
        }
    }

    fn written(self, path: &Path) -> String {
        match self {
            Check::Inspection => format!("Inspection report written to {}", path.display()),
            Check::Validation => format!("Validation artifact written to {}", path.display()),
        }
    }

    fn verdict(self, passed: bool) -> &'static str {
        match (self, passed) {
            (Check::Inspection, true) => "Artifact inspection passed.",
            (Check::Inspection, false) => "Artifact inspection failed: fix the FAIL rows.",
            (Check::Validation, true) => "Validation passed.",
            (Check::Validation, false) => {
                "Validation failed: fix the FAIL rows, then run `jarvis mine validate-model` again."
            }
        }
    }
}

/// The rows of `model`, the `--output` file when one was `written`, and the verdict.
pub(crate) fn report<'a>(
    check: Check,
    model: &str,
    rows: impl Iterator<Item = &'a CheckRow>,
    passed: bool,
    written: Option<&Path>,
) -> Doc {
    let mut doc = Doc::new();
    doc.heading(check.title())
        .indented(2, format!("model: {model}"))
        .blank();
    for row in rows {
        doc.check(
            &row.name,
            Mark::from(row.status),
            &row.info,
            row.fix.as_deref(),
        );
    }
    doc.blank();
    if let Some(path) = written {
        doc.line(check.written(path));
    }
    doc.line(check.verdict(passed));
    doc
}

#[cfg(test)]
mod tests {
    use jarvis_mining::check::{Group, Status};

    use super::*;
    use crate::views::plain;

    const MODEL: &str = "pearl-ai/Llama-3.3-70B-Instruct-pearl";

    #[test]
    fn inspection_passed_and_written() {
        let g = Group::ModelArtifact;
        let rows = [
            CheckRow::new(g, "registry", Status::Ok, "validated Pearl model"),
            CheckRow::new(
                g,
                "source",
                Status::Info,
                "Hugging Face Hub, accessible at https://huggingface.co/pearl-ai/Llama-3.3-70B-Instruct-pearl",
            ),
            CheckRow::new(
                g,
                "Pearl quantization",
                Status::Ok,
                "quant_method pearl, int7 weights, bits 7",
            ),
            CheckRow::new(
                g,
                "mining weights",
                Status::Ok,
                "560 int7 mining weights in 30 shards",
            ),
            CheckRow::new(
                g,
                "tokenizer",
                Status::Warn,
                "tokenizer.json missing; vLLM falls back to the slow tokenizer",
            )
            .fix("upload tokenizer.json next to config.json"),
        ];
        let doc = report(
            Check::Inspection,
            MODEL,
            rows.iter(),
            true,
            Some(Path::new("/tmp/inspect.json")),
        );
        insta::assert_snapshot!(plain(&doc));
    }

    #[test]
    fn validation_failed_without_a_miner() {
        let g = Group::Validation;
        let rows = [
            CheckRow::new(g, "session", Status::Fail, "absent: nothing is mining")
                .fix("start the miner with `jarvis mine start`"),
            CheckRow::new(
                g,
                "models endpoint",
                Status::NotApplicable,
                "n/a without a running miner",
            ),
            CheckRow::new(
                g,
                "chat completion",
                Status::NotApplicable,
                "n/a without a running miner",
            ),
        ];
        let doc = report(Check::Validation, MODEL, rows.iter(), false, None);
        insta::assert_snapshot!(plain(&doc));
    }
}
