//! Check rows: what doctor, a provider's own checks and the model checks report, one row per
//! check, grouped; plus the context a provider's checks run in.

use std::path::Path;
use std::time::Duration;

use jarvis_core::hardware::HardwareInfo;
use jarvis_core::paths::JarvisHome;
use serde::Serialize;

use crate::config::MiningSection;

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

/// A free-space row for `path`, failing below `need_gb`.
pub fn disk_free_row(group: Group, name: &str, path: &Path, need_gb: f64, fix: &str) -> CheckRow {
    match jarvis_core::hardware::disk_free_bytes(path) {
        Ok(bytes) => {
            let gb = bytes as f64 / 1024f64.powi(3);
            let info = format!("{gb:.0} GB free at {}", path.display());
            if gb >= need_gb {
                CheckRow::new(group, name, Status::Ok, info)
            } else {
                CheckRow::new(
                    group,
                    name,
                    Status::Fail,
                    format!("{info} (need ≥{need_gb:.0} GB)"),
                )
                .fix(fix)
            }
        }
        Err(e) => CheckRow::new(
            group,
            name,
            Status::Warn,
            format!("cannot measure {}: {e}", path.display()),
        ),
    }
}
