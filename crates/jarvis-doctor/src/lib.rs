//! `jarvis mine doctor`: every generic check row (hardware, disk, pearld, wallet, provider
//! capability, session) plus the configured provider's own rows, run concurrently with time
//! limits. Doctor as a whole never fails: problems are rows.
//!
//! Rows depend on the configured provider: a check that does not apply to it is shown as
//! "n/a for <provider>" instead of a FAIL. Network checks run concurrently, each with its own
//! timeout, so the whole doctor stays bounded even when every endpoint hangs.

mod capability;
mod disk;
mod hardware;
mod node;
mod session;

use std::path::{Path, PathBuf};

use jarvis_core::config::ConfigError;
use jarvis_core::hardware::HardwareInfo;
use jarvis_core::paths::JarvisHome;
use jarvis_mining::MinerRegistry;
use jarvis_mining::check::{CheckRow, DoctorTimeouts, Group, ProviderCheckContext, Status};
use jarvis_mining::config::MiningSection;
use jarvis_mining::models;
use serde::Serialize;

use capability::capability_rows;
pub use disk::HOME_MIN_FREE_GB;
use disk::home_disk_row;
use hardware::hardware_rows;
pub use node::pearl_node_rows;
use node::wallet_row;
use session::session_row;

/// One provider's capability on this host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderRow {
    /// Registry id.
    pub id: String,
    /// Whether detect said yes.
    pub supported: bool,
    /// Why not.
    pub reason: Option<String>,
    /// Whether this is the configured provider.
    pub configured: bool,
}

/// Everything doctor found.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// The config file read.
    pub config_path: PathBuf,
    /// `[mining].provider`, when configured.
    pub configured_provider: Option<String>,
    /// Rows in group order.
    pub rows: Vec<CheckRow>,
    /// Every registered provider's detect answer.
    pub providers: Vec<ProviderRow>,
    /// The configured provider is supported and no row failed.
    pub passed: bool,
}

/// What doctor looks at. The environment is passed in so tests control it.
pub struct DoctorInputs<'a> {
    /// jarvis home.
    pub home: &'a JarvisHome,
    /// The config file path shown in rows.
    pub config_path: &'a Path,
    /// The configured `[mining]` (`None`: no file or no such table), or why config.toml
    /// could not be loaded.
    pub config: &'a Result<Option<MiningSection>, ConfigError>,
    /// The host.
    pub hardware: &'a HardwareInfo,
    /// Registered providers.
    pub registry: &'a MinerRegistry,
    /// Environment lookup.
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Network timeouts.
    pub timeouts: DoctorTimeouts,
}

/// Runs every check. Never fails: problems are rows.
pub async fn run_doctor(inputs: DoctorInputs<'_>) -> DoctorReport {
    let section = inputs.config.as_ref().ok().and_then(Option::as_ref);
    let provider = section.map(|s| s.provider.as_str());
    let model = section.map_or(models::DEFAULT_MODEL, |s| s.extra.model.as_str());
    let needs = provider
        .and_then(|p| inputs.registry.get(p))
        .map(|d| d.needs);
    let uses_docker = needs.is_some_and(|n| n.docker);

    let checks = section.and_then(|s| {
        inputs
            .registry
            .get(&s.provider)
            .and_then(|d| d.checks.map(|f| (f, s)))
    });
    let provider_rows = async {
        match checks {
            Some((checks, section)) => {
                let context = ProviderCheckContext {
                    home: inputs.home,
                    section,
                    hardware: inputs.hardware,
                    env: inputs.env,
                    timeouts: inputs.timeouts,
                };
                let budget = inputs.timeouts.provider_checks;
                match tokio::time::timeout(budget, checks(&context)).await {
                    Ok(rows) => rows,
                    Err(_) => vec![CheckRow::new(
                        Group::ProviderCapability,
                        &format!("{} checks", section.provider),
                        Status::Warn,
                        format!(
                            "did not finish within {:.1} s (a service is not answering)",
                            budget.as_secs_f64()
                        ),
                    )],
                }
            }
            None => Vec::new(),
        }
    };
    let (pearld_rows, provider_rows) = tokio::join!(
        pearl_node_rows(section, inputs.env, inputs.timeouts.pearld),
        provider_rows
    );

    let mut rows = hardware_rows(inputs.hardware, provider, needs, model);
    if !uses_docker {
        rows.push(match provider {
            None => CheckRow::new(
                Group::Docker,
                "Daemon",
                Status::Info,
                "not checked (no provider configured)",
            ),
            Some(p) => CheckRow::not_applicable(Group::Docker, "Daemon", p, "no container"),
        });
    }
    rows.push(home_disk_row(inputs.home));
    rows.extend(pearld_rows);
    rows.extend(provider_rows);
    rows.push(wallet_row(section));
    let (capability_rows, providers) = capability_rows(&inputs, section, model);
    rows.extend(capability_rows);
    rows.push(session_row(inputs.home));
    if inputs.config.is_err() {
        // No section because config.toml does not parse: `mine init` refuses until it does,
        // so the rows that lack the section point at the Config row's error instead.
        for row in rows.iter_mut().filter(|r| r.name != "Config") {
            if row.fix.as_deref() == Some("run `jarvis mine init`") {
                row.info = "config.toml cannot be read (see the Config row)".to_owned();
                row.fix = Some(
                    "fix config.toml where the Config row points (`jarvis mine init` refuses until it parses)"
                        .to_owned(),
                );
            }
        }
    }
    rows.sort_by_key(|r| r.group);

    let configured_supported = providers.iter().any(|p| p.configured && p.supported);
    let passed = configured_supported && rows.iter().all(|r| r.status != Status::Fail);
    DoctorReport {
        config_path: inputs.config_path.to_owned(),
        configured_provider: provider.map(str::to_owned),
        rows,
        providers,
        passed,
    }
}
