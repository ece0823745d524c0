//! vllm-pearl against real Docker Engine daemons (private `dockerd`s this process starts: one
//! that accepts GPU requests through a no-op NVIDIA hook, one that refuses them) and the
//! stand-in miner image built on them. Everything is read back from what the engine stored.
//! Runs where `JARVIS_REAL_ENGINES=1`; elsewhere each test prints why it skipped.

mod vllm_container;
mod vllm_image;
mod vllm_log_pieces;
mod vllm_refusal;

use std::collections::HashMap;
use std::sync::Arc;

use jarvis_core::paths::JarvisHome;
use jarvis_mining::MiningProvider;
use jarvis_mining::config::MiningSection;
use jarvis_mining::error::MiningError;
use jarvis_mining::provider::{LogLine, LogRequest};
use jarvis_testkit::real_engine::{self, PrivateDockerd, STANDIN_TAG, free_port};
use jarvis_vllm_pearl::VllmPearlProvider;

use crate::rig::{HF_TOKEN, PASSWORD, Recorder, WALLET, config, options, provider_for};

pub(crate) const NAME: &str = "openjarvis-pearl-miner";

/// The last 100 lines of the miner container's logs, as the provider reads them.
pub(crate) async fn last_log_lines(provider: &VllmPearlProvider) -> Vec<LogLine> {
    let mut lines = Vec::new();
    provider
        .logs(
            LogRequest {
                tail: 100,
                follow: false,
            },
            &mut |l| lines.push(l),
        )
        .await
        .unwrap();
    lines
}

/// `true` (and one printed line) when real-engine tests do not run here.
pub(crate) fn skipped(test: &str) -> bool {
    real_engine::skip(
        &format!("jarvis-vllm-pearl real_engines::{test}"),
        "a real Docker Engine (private dockerd daemons, as root)",
    )
}

/// A jarvis home and environment pointed at `daemon`, holding the daemon's shared names (the
/// container name, the default tag) for the test; removes the miner container when dropped.
pub(crate) struct EngineRig {
    pub(crate) daemon: &'static PrivateDockerd,
    pub(crate) home: JarvisHome,
    pub(crate) env: HashMap<String, String>,
    pub(crate) tmp: tempfile::TempDir,
    _exclusive: tokio::sync::MutexGuard<'static, ()>,
}

impl EngineRig {
    pub(crate) async fn on(daemon: &'static PrivateDockerd) -> Self {
        let exclusive = daemon.exclusive().await;
        daemon.remove_container(NAME);
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let env = HashMap::from([
            ("DOCKER_HOST".to_owned(), daemon.host()),
            ("PEARLD_RPC_PASSWORD".to_owned(), PASSWORD.to_owned()),
            ("HF_TOKEN".to_owned(), HF_TOKEN.to_owned()),
            ("HOME".to_owned(), root.join("home").display().to_string()),
        ]);
        Self {
            daemon,
            home: JarvisHome::at(root.join("oj")),
            env,
            tmp,
            _exclusive: exclusive,
        }
    }

    pub(crate) fn root(&self) -> std::path::PathBuf {
        self.tmp.path().canonicalize().unwrap()
    }

    pub(crate) fn provider(&self) -> VllmPearlProvider {
        provider_for(&self.home, &self.env)
    }

    /// `start` of a fresh provider with `section`, progress discarded.
    pub(crate) async fn start(
        &self,
        section: &MiningSection,
        replace: bool,
    ) -> Result<(), MiningError> {
        self.provider()
            .start(
                &config(section),
                &options(replace, Arc::new(Recorder::default())),
            )
            .await
    }

    /// vllm-pearl on a free port with the stand-in image (built on first use).
    pub(crate) fn section(&self) -> MiningSection {
        let mut section = MiningSection::new("vllm-pearl", WALLET);
        section.extra.vllm_port = free_port();
        section.extra.docker_image_tag = self.daemon.standin_image().to_owned();
        section
    }

    pub(crate) fn sidecar_text(&self) -> Option<String> {
        std::fs::read_to_string(self.home.sidecar_path()).ok()
    }

    /// The sidecar as the session reads it; panics when there is none.
    pub(crate) fn sidecar(&self) -> jarvis_mining::sidecar::Sidecar {
        crate::rig::sidecar_at(&self.home)
    }

    /// The miner container as the engine stored it.
    pub(crate) fn container(&self) -> Option<serde_json::Value> {
        self.daemon.inspect(NAME)
    }

    /// `docker create` a container of our name from the stand-in image with `labels`.
    pub(crate) fn create_by_hand(&self, labels: &[&str]) -> String {
        let mut args = vec!["create", "--name", NAME];
        for label in labels {
            args.extend(["--label", label]);
        }
        args.extend([STANDIN_TAG, "some-model"]);
        self.daemon.standin_image();
        self.daemon.docker_ok(&args)
    }
}

impl Drop for EngineRig {
    fn drop(&mut self) {
        self.daemon.remove_container(NAME);
    }
}
