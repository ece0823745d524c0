//! `jarvis mine models`.

use std::process::ExitCode;

use jarvis_mining::models::PEARL_MODELS;

use crate::output::Printer;
use crate::views;

pub(crate) fn run(out: &Printer) -> anyhow::Result<ExitCode> {
    out.emit(PEARL_MODELS, || views::models::list(PEARL_MODELS))?;
    Ok(ExitCode::SUCCESS)
}
