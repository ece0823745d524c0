//! `jarvis mine models`.

use std::process::ExitCode;

use jarvis_mining::models::PEARL_MODELS;

use crate::render;

pub(crate) fn run(json: bool) -> anyhow::Result<ExitCode> {
    if json {
        render::json(PEARL_MODELS)?;
        return Ok(ExitCode::SUCCESS);
    }
    let model_w = PEARL_MODELS
        .iter()
        .map(|m| m.id.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let base_w = PEARL_MODELS
        .iter()
        .map(|m| m.base_id.len())
        .max()
        .unwrap_or(10)
        .max(10);
    render::line("Pearl Mining Models");
    render::line(&format!(
        "  {:<10} {:<model_w$} {:<base_w$} {:>5} {:>7}",
        "Status", "Model", "Base model", "VRAM", "Context"
    ));
    for m in PEARL_MODELS {
        render::line(&format!(
            "  {:<10} {:<model_w$} {:<base_w$} {:>2} GB {:>7}",
            m.status.as_str(),
            m.id,
            m.base_id,
            m.min_vram_gb,
            m.max_model_len
        ));
        for chunk in render::wrap(m.notes, render::WIDTH - 4) {
            render::line(&format!("    {chunk}"));
        }
    }
    Ok(ExitCode::SUCCESS)
}
