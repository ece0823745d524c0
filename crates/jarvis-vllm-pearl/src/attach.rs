//! `attach` / `detach`: a sidecar for a Pearl vLLM miner the user started by hand.

use std::path::PathBuf;
use std::time::Duration;

use jarvis_core::paths::JarvisHome;
use jarvis_core::time::unix_now;
use jarvis_mining::error::MiningError;
use jarvis_mining::session::{Session, SessionState, lock_session};
use jarvis_mining::sidecar::{Sidecar, remove_sidecar, write_sidecar};

use super::ID;
use super::provider::EXTERNAL_CONTAINER;
use super::status::{http_client, served_models, url_host};

/// What `jarvis mine attach` records (the Python tool's flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachRequest {
    /// OpenAI endpoint, e.g. `http://127.0.0.1:8000/v1` (`/v1` is added when missing).
    pub vllm_endpoint: String,
    /// Model the miner serves.
    pub model: String,
    /// pearl-gateway URL; default `http://<endpoint host>:8337`.
    pub gateway_url: Option<String>,
    /// Gateway metrics base URL; default `http://<endpoint host>:8339`.
    pub gateway_metrics_url: Option<String>,
    /// The miner's container id; default `external`.
    pub container_id: Option<String>,
    /// Payout address the miner uses.
    pub wallet: String,
}

/// What `attach` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Attached {
    /// The sidecar path.
    pub sidecar_path: PathBuf,
    /// The sidecar written.
    pub sidecar: Sidecar,
    /// Models the endpoint serves.
    pub served_models: Vec<String>,
}

impl Attached {
    /// Whether the requested model is among the served ones.
    pub fn model_served(&self) -> bool {
        self.sidecar
            .model
            .as_ref()
            .is_some_and(|m| self.served_models.iter().any(|s| s == m))
    }
}

/// Verifies the endpoint answers `/v1/models`, then writes the sidecar (under the mining lock).
pub async fn attach(
    home: &JarvisHome,
    request: &AttachRequest,
    timeout: Duration,
) -> Result<Attached, MiningError> {
    let endpoint = normalize_endpoint(&request.vllm_endpoint)?;
    let client = http_client(timeout).map_err(|e| MiningError::Config {
        detail: e.to_string(),
    })?;
    let served = served_models(&client, &endpoint)
        .await
        .map_err(|why| MiningError::Container {
            detail: format!("{endpoint}/models did not answer ({why})"),
            fix: "start the miner first, or pass the URL vLLM serves on with --vllm-endpoint"
                .to_owned(),
        })?;
    let _lock = lock_session(home)?;
    let session = Session::read(home);
    if let SessionState::Running(other) = &session.state {
        return Err(MiningError::Config {
            detail: format!(
                "a {} session is running (sidecar {}); run `jarvis mine stop` before attaching another miner",
                other.provider,
                session.path.display()
            ),
        });
    }
    let host = url_host(&endpoint).to_owned();
    let mut sidecar = Sidecar::new(ID, &request.wallet, unix_now().floor());
    sidecar.vllm_endpoint = Some(endpoint);
    sidecar.model = Some(request.model.clone());
    sidecar.gateway_url = Some(
        request
            .gateway_url
            .clone()
            .unwrap_or_else(|| format!("http://{host}:8337")),
    );
    sidecar.gateway_metrics_url = Some(
        request
            .gateway_metrics_url
            .clone()
            .unwrap_or_else(|| format!("http://{host}:8339")),
    );
    sidecar.container_id = Some(
        request
            .container_id
            .clone()
            .unwrap_or_else(|| EXTERNAL_CONTAINER.to_owned()),
    );
    write_sidecar(&session.path, &sidecar)?;
    Ok(Attached {
        sidecar_path: session.path,
        sidecar,
        served_models: served,
    })
}

/// Removes a `vllm-pearl` sidecar without touching any container; `Ok(false)` when none.
pub fn detach(home: &JarvisHome) -> Result<bool, MiningError> {
    let _lock = lock_session(home)?;
    let session = Session::read(home);
    match session.sidecar() {
        None if matches!(session.state, SessionState::Absent) => Ok(false),
        Some(s) if s.provider != ID => Err(MiningError::Config {
            detail: format!(
                "the mining sidecar {} belongs to {}, not an attached vLLM miner; use `jarvis mine stop`",
                session.path.display(),
                s.provider
            ),
        }),
        _ => Ok(remove_sidecar(&session.path)?),
    }
}

fn normalize_endpoint(raw: &str) -> Result<String, MiningError> {
    let trimmed = raw.trim().trim_end_matches('/');
    if !(trimmed.starts_with("http://") || trimmed.starts_with("https://"))
        || trimmed.len() <= "https://".len()
    {
        return Err(MiningError::Config {
            detail: format!(
                "--vllm-endpoint '{raw}' is not an http(s) URL; pass e.g. http://127.0.0.1:8000/v1"
            ),
        });
    }
    Ok(if trimmed.ends_with("/v1") {
        trimmed.to_owned()
    } else {
        format!("{trimmed}/v1")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_normalized() {
        assert_eq!(
            normalize_endpoint("http://h:8000/").unwrap(),
            "http://h:8000/v1"
        );
        assert_eq!(
            normalize_endpoint("http://h:8000/v1").unwrap(),
            "http://h:8000/v1"
        );
        assert!(normalize_endpoint("h:8000").is_err());
        assert_eq!(url_host("http://gpu:8000/v1"), "gpu");
        assert_eq!(url_host("http://[::1]:8000/v1"), "[::1]");
    }

    proptest::proptest! {
        #[test]
        fn endpoint_flags_never_panic(raw in ".{0,80}") {
            if let Ok(endpoint) = normalize_endpoint(&raw) {
                let _ = url_host(&endpoint);
            }
        }
    }
}
