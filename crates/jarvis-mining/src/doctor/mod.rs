//! `jarvis mine doctor`: one row per check, grouped, never failing as a whole.
//!
//! Rows depend on the configured provider: a check that does not apply to it is shown as
//! "n/a for <provider>" instead of a FAIL. Network checks run concurrently, each with its own
//! timeout, so the whole doctor stays bounded even when every endpoint hangs.

mod disk;
mod hardware;
mod node;

use std::path::{Path, PathBuf};
use std::time::Duration;

use jarvis_core::config::ConfigError;
use jarvis_core::hardware::HardwareInfo;
use jarvis_core::paths::JarvisHome;
use serde::Serialize;

use disk::home_disk_row;
pub use disk::{disk_free_row, hf_cache_dir};
use hardware::hardware_rows;
pub use node::pearl_node_rows;
use node::wallet_row;

use crate::config::MiningSection;
use crate::models::{self, ModelLookup, ModelStatus};
use crate::registry::MinerRegistry;
use crate::session::{Session, SessionState};

/// Free space jarvis home needs for logs and history.
pub const HOME_MIN_FREE_GB: f64 = 1.0;

/// Row groups, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// CPU, memory, GPUs.
    Hardware,
    /// The container engine.
    Docker,
    /// Free space.
    Disk,
    /// pearld.
    PearlNode,
    /// The payout address.
    Wallet,
    /// Config, model registry, providers.
    ProviderCapability,
    /// The sidecar.
    Session,
    /// A model artifact (inspect-model).
    ModelArtifact,
    /// Probes of a running miner (validate-model).
    Validation,
}

impl Group {
    /// Heading as printed.
    pub fn title(self) -> &'static str {
        match self {
            Self::Hardware => "Hardware",
            Self::Docker => "Docker",
            Self::Disk => "Disk",
            Self::PearlNode => "Pearl node",
            Self::Wallet => "Wallet",
            Self::ProviderCapability => "Provider capability",
            Self::Session => "Session",
            Self::ModelArtifact => "Model artifact",
            Self::Validation => "Validation",
        }
    }
}

/// A row's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Passed.
    Ok,
    /// Works, but worth a look.
    Warn,
    /// Broken.
    Fail,
    /// Does not apply to the configured provider.
    NotApplicable,
    /// A fact, not a check.
    Info,
}

impl Status {
    /// Marker as printed.
    pub fn marker(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
            Self::NotApplicable => "n/a",
            Self::Info => "",
        }
    }
}

/// One check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckRow {
    /// Its group.
    pub group: Group,
    /// Short name.
    pub name: String,
    /// Verdict.
    pub status: Status,
    /// What was found.
    pub info: String,
    /// What to do about a WARN/FAIL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl CheckRow {
    /// A row.
    pub fn new(group: Group, name: &str, status: Status, info: impl Into<String>) -> Self {
        Self {
            group,
            name: name.to_owned(),
            status,
            info: info.into(),
            fix: None,
        }
    }

    /// Adds what to do about it.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// A row that does not apply to `provider`.
    pub fn not_applicable(group: Group, name: &str, provider: &str, found: &str) -> Self {
        Self::new(
            group,
            name,
            Status::NotApplicable,
            format!("n/a for {provider} ({found})"),
        )
    }
}

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

/// Per-check network timeouts.
#[derive(Debug, Clone, Copy)]
pub struct DoctorTimeouts {
    /// pearld JSON-RPC.
    pub pearld: Duration,
    /// Docker engine, per call.
    pub docker: Duration,
    /// All of a provider's own checks together; what is not done by then becomes one row.
    pub provider_checks: Duration,
}

impl Default for DoctorTimeouts {
    fn default() -> Self {
        Self {
            pearld: Duration::from_millis(2000),
            docker: Duration::from_millis(1500),
            provider_checks: Duration::from_millis(2500),
        }
    }
}

/// What a provider's own doctor checks see.
pub struct ProviderCheckContext<'a> {
    /// jarvis home.
    pub home: &'a JarvisHome,
    /// The configured `[mining]`.
    pub section: &'a MiningSection,
    /// The host.
    pub hardware: &'a HardwareInfo,
    /// Environment lookup.
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Network timeouts; the checks must stay within them.
    pub timeouts: DoctorTimeouts,
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

fn capability_rows(
    inputs: &DoctorInputs<'_>,
    section: Option<&MiningSection>,
    model: &str,
) -> (Vec<CheckRow>, Vec<ProviderRow>) {
    let g = Group::ProviderCapability;
    let mut rows = Vec::new();
    match inputs.config {
        Err(e) => rows.push(CheckRow::new(g, "Config", Status::Fail, e.to_string())),
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
    let engine = crate::providers::DEFAULT_ENGINE;
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

fn session_row(home: &JarvisHome) -> CheckRow {
    let g = Group::Session;
    let session = Session::read(home);
    let path = session.path.display().to_string();
    match &session.state {
        SessionState::Absent => CheckRow::new(g, "Sidecar", Status::Ok, "absent (not running)"),
        SessionState::Running(s) => CheckRow::new(
            g,
            "Sidecar",
            Status::Ok,
            format!("running {} ({path})", s.provider),
        ),
        SessionState::Unverified(s) => CheckRow::new(
            g,
            "Sidecar",
            Status::Ok,
            format!(
                "present: {} container {} ({path})",
                s.provider,
                s.container_id.as_deref().unwrap_or("?")
            ),
        ),
        SessionState::Stale { sidecar, reason } => CheckRow::new(
            g,
            "Sidecar",
            Status::Warn,
            format!("stale {} session: {reason} ({path})", sidecar.provider),
        )
        .fix("`jarvis mine stop` removes it"),
        SessionState::Corrupt { detail } => CheckRow::new(
            g,
            "Sidecar",
            Status::Warn,
            format!("corrupt: {detail} ({path})"),
        )
        .fix("`jarvis mine stop` removes it"),
    }
}
