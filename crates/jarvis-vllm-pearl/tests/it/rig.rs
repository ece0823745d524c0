//! Shared set-up for the vllm-pearl tests: a fake Docker engine, a jarvis home, an environment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jarvis_core::paths::JarvisHome;
use jarvis_mining::MiningConfig;
use jarvis_mining::config::MiningSection;
use jarvis_mining::progress::{Progress, ProgressEvent};
use jarvis_mining::provider::StartOptions;
use jarvis_mining::sidecar::{Sidecar, SidecarState, read_sidecar};
use jarvis_testkit::fake_docker::FakeDocker;
use jarvis_vllm_pearl::{ProviderSettings, VllmPearlProvider};

pub(crate) const PASSWORD: &str = "s3cret-rpc-pw-42";
pub(crate) const HF_TOKEN: &str = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345";
pub(crate) const WALLET: &str = "prl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0ss8729k";
pub(crate) const TAG: &str = "openjarvis/pearl-miner:master";

/// Records every progress event.
#[derive(Default)]
pub(crate) struct Recorder(pub(crate) Mutex<Vec<ProgressEvent>>);

impl Progress for Recorder {
    fn event(&self, event: ProgressEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Recorder {
    pub(crate) fn events(&self) -> Vec<ProgressEvent> {
        self.0.lock().unwrap().clone()
    }
}

pub(crate) struct Rig {
    pub(crate) docker: FakeDocker,
    pub(crate) home: JarvisHome,
    pub(crate) env: HashMap<String, String>,
    pub(crate) tmp: tempfile::TempDir,
}

impl Rig {
    pub(crate) async fn new() -> Self {
        Self::with_docker(FakeDocker::start().await)
    }

    pub(crate) fn with_docker(docker: FakeDocker) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let home = JarvisHome::at(root.join("oj"));
        let env = HashMap::from([
            ("DOCKER_HOST".to_owned(), docker.host()),
            ("PEARLD_RPC_PASSWORD".to_owned(), PASSWORD.to_owned()),
            ("HF_TOKEN".to_owned(), HF_TOKEN.to_owned()),
            ("HOME".to_owned(), root.join("home").display().to_string()),
        ]);
        Self {
            docker,
            home,
            env,
            tmp,
        }
    }

    pub(crate) fn root(&self) -> std::path::PathBuf {
        self.tmp.path().canonicalize().unwrap()
    }

    pub(crate) fn provider(&self) -> VllmPearlProvider {
        provider_for(&self.home, &self.env)
    }

    pub(crate) fn section(&self, vllm_port: u16) -> MiningSection {
        let mut section = MiningSection::new("vllm-pearl", WALLET);
        section.extra.vllm_port = vllm_port;
        section
    }

    pub(crate) fn sidecar_text(&self) -> Option<String> {
        std::fs::read_to_string(self.home.sidecar_path()).ok()
    }

    /// The sidecar as the session reads it; panics when there is none.
    pub(crate) fn sidecar(&self) -> Sidecar {
        sidecar_at(&self.home)
    }
}

/// The sidecar under `home`; panics when there is none.
pub(crate) fn sidecar_at(home: &JarvisHome) -> Sidecar {
    match read_sidecar(&home.sidecar_path()) {
        SidecarState::Present(sidecar) => sidecar,
        other => panic!("no sidecar: {other:?}"),
    }
}

/// A provider on `home` reading `env`, with the tests' short waits.
pub(crate) fn provider_for(home: &JarvisHome, env: &HashMap<String, String>) -> VllmPearlProvider {
    let env = env.clone();
    VllmPearlProvider::with_env(home.clone(), Arc::new(move |k: &str| env.get(k).cloned()))
        .with_settings(settings())
}

pub(crate) fn settings() -> ProviderSettings {
    ProviderSettings {
        ready_timeout: Duration::from_secs(20),
        poll_interval: Duration::from_millis(20),
        replace_grace: Duration::from_secs(1),
        ..ProviderSettings::default()
    }
}

pub(crate) fn config(section: &MiningSection) -> MiningConfig {
    MiningConfig::from_section(section).expect("solo")
}

pub(crate) fn options(replace: bool, progress: Arc<Recorder>) -> StartOptions {
    StartOptions {
        replace,
        progress,
        ..StartOptions::default()
    }
}
