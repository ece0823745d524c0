//! `jarvis mine inspect-model` and `jarvis mine validate-model`: check rows and a verdict.

use std::path::Path;

use jarvis_mining::doctor::CheckRow;

use crate::output::Doc;
use crate::output::style::Mark;

/// `inspect-model`'s rows; `written` is the `--output` file.
pub(crate) fn inspection<'a>(
    model: &str,
    rows: impl Iterator<Item = &'a CheckRow>,
    passed: bool,
    written: Option<&Path>,
) -> Doc {
    let mut doc = checks("Pearl Model Artifact Inspection", model, rows);
    if let Some(path) = written {
        doc.line(format!("Inspection report written to {}", path.display()));
    }
    doc.line(if passed {
        "Artifact inspection passed."
    } else {
        "Artifact inspection failed: fix the FAIL rows."
    });
    doc
}

/// `validate-model`'s probes; `written` is the `--output` artifact.
pub(crate) fn validation<'a>(
    model: &str,
    rows: impl Iterator<Item = &'a CheckRow>,
    passed: bool,
    written: Option<&Path>,
) -> Doc {
    let mut doc = checks("Pearl Model Validation", model, rows);
    if let Some(path) = written {
        doc.line(format!("Validation artifact written to {}", path.display()));
    }
    doc.line(if passed {
        "Validation passed."
    } else {
        "Validation failed: fix the FAIL rows, then run `jarvis mine validate-model` again."
    });
    doc
}

fn checks<'a>(title: &str, model: &str, rows: impl Iterator<Item = &'a CheckRow>) -> Doc {
    let mut doc = Doc::new();
    doc.heading(title)
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
    doc
}

#[cfg(test)]
mod tests {
    use jarvis_mining::doctor::{Group, Status};

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
        let doc = inspection(
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
        let doc = validation(MODEL, rows.iter(), false, None);
        insta::assert_snapshot!(plain(&doc));
    }
}
