//! `jarvis mine models`: the Pearl model registry as a table, then each model's notes.

use jarvis_mining::models::PearlModel;

use crate::output::format::count;
use crate::output::{Doc, Pairs, Table};

/// The registry.
pub(crate) fn list(models: &[PearlModel]) -> Doc {
    let mut table =
        Table::new(0, &["status", "model", "base model", "VRAM", "context"]).right(&[3, 4]);
    for m in models {
        table.row(vec![
            m.status.as_str().to_owned(),
            m.id.to_owned(),
            m.base_id.to_owned(),
            format!("{} GB", m.min_vram_gb),
            count(Some(u64::from(m.max_model_len))),
        ]);
    }
    let mut notes = Pairs::new(2);
    for m in models {
        notes.push(m.id, m.notes);
    }
    let mut doc = Doc::new();
    doc.heading("Pearl Mining Models")
        .table(table)
        .blank()
        .heading("Notes")
        .pairs(notes);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::plain;

    #[test]
    fn registry() {
        insta::assert_snapshot!(plain(&list(jarvis_mining::models::PEARL_MODELS)));
    }
}
