//! The config, model registry and provider capability rows.

use jarvis_mining::check::{CheckRow, Group, Status};
use jarvis_mining::config::MiningSection;
use jarvis_mining::models::{self, ModelLookup, ModelStatus};
use jarvis_mining::registry::DEFAULT_ENGINE;

use crate::{DoctorInputs, ProviderRow};

pub(crate) fn capability_rows(
    inputs: &DoctorInputs<'_>,
    section: Option<&MiningSection>,
    model: &str,
) -> (Vec<CheckRow>, Vec<ProviderRow>) {
    let g = Group::ProviderCapability;
    let mut rows = Vec::new();
    match inputs.config {
        Err(e) => rows.push(CheckRow::new(
            g,
            "Config",
            Status::Fail,
            jarvis_core::error::one_line(e),
        )),
        Ok(None) => rows.push(
            CheckRow::new(
                g,
                "Config",
                Status::Fail,
                format!("no [mining] config in {}", inputs.config_path.display()),
            )
            .fix("run `jarvis mine init`"),
        ),
        Ok(Some(s)) => {
            rows.push(CheckRow::new(
                g,
                "Config",
                Status::Ok,
                inputs.config_path.display().to_string(),
            ));
            if inputs
                .registry
                .get(&s.provider)
                .is_some_and(|d| d.needs.serves_model)
            {
                rows.push(model_row(model));
            }
        }
    }
    let configured = section.map(|s| s.provider.as_str());
    let engine = DEFAULT_ENGINE;
    let providers: Vec<ProviderRow> = inputs
        .registry
        .descriptors()
        .map(|d| {
            let caps = (d.detect)(inputs.hardware, engine, model);
            ProviderRow {
                id: d.id.to_owned(),
                supported: caps.supported,
                reason: caps.reason,
                configured: configured == Some(d.id),
            }
        })
        .collect();
    if let Some(id) = configured {
        match providers.iter().find(|p| p.configured) {
            Some(p) if p.supported => rows.push(CheckRow::new(
                g,
                "Configured provider",
                Status::Ok,
                format!("{id}: supported"),
            )),
            Some(p) => rows.push(
                CheckRow::new(
                    g,
                    "Configured provider",
                    Status::Fail,
                    format!("{id}: {}", p.reason.clone().unwrap_or_default()),
                )
                .fix("pick a supported provider with `jarvis mine init --force --provider auto`"),
            ),
            None => rows.push(CheckRow::new(
                g,
                "Configured provider",
                Status::Fail,
                format!(
                    "{id} is not built into this jarvis (known: {})",
                    inputs.registry.keys().join(", ")
                ),
            )),
        }
    }
    (rows, providers)
}

fn model_row(model: &str) -> CheckRow {
    let g = Group::ProviderCapability;
    let lookup = models::lookup(model);
    let info = lookup.describe(model);
    match lookup {
        ModelLookup::Pearl(m) if m.status == ModelStatus::Validated => {
            CheckRow::new(g, "Model registry", Status::Ok, info)
        }
        ModelLookup::Pearl(_) => CheckRow::new(g, "Model registry", Status::Fail, info)
            .fix("planned models need H100/H200 validation first; see docs/model-enablement.md"),
        ModelLookup::RawBase(m) => CheckRow::new(g, "Model registry", Status::Fail, info)
            .fix(format!("set [mining.extra].model = \"{}\"", m.id)),
        ModelLookup::Unknown => CheckRow::new(g, "Model registry", Status::Fail, info),
    }
}
