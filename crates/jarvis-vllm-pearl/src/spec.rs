//! The miner's launch spec, engine-neutral: image, `vllm serve` argv, environment (secret
//! values held apart, by name), mounts, shared memory, port and GPU selection, all a pure
//! function of the config and the environment. The Docker Engine body and its config hash are
//! built from it in [`crate::container_body`]; another renderer (Kubernetes manifests) can use
//! the same spec without Docker types.

use std::path::PathBuf;

use jarvis_mining::config::{MiningConfig, VllmArgs};
use jarvis_mining::error::MiningError;

/// The container's name.
pub const CONTAINER_NAME: &str = "openjarvis-pearl-miner";
/// Label marking containers jarvis created.
pub const LABEL_MANAGED: &str = "jarvis.managed";
/// Label holding the launch spec's hash.
pub const LABEL_CONFIG_HASH: &str = "jarvis.config-hash";
/// Label naming the provider.
pub const LABEL_PROVIDER: &str = "jarvis.provider";
/// Where a local model directory is mounted (read-only).
pub const LOCAL_MODEL_MOUNT: &str = "/models/openjarvis-local-pearl-model";
/// The Hugging Face hub cache inside the container.
pub const CONTAINER_HF_HUB: &str = "/root/.cache/huggingface/hub";
/// The gateway's Unix socket inside the container.
pub const GATEWAY_SOCKET: &str = "/tmp/pearlgw.sock";
/// `--shm-size 8g`.
pub const SHM_BYTES: i64 = 8 * 1024 * 1024 * 1024;

/// The container variable holding pearld's RPC password.
pub const PASSWORD_VAR: &str = "PEARLD_RPC_PASSWORD";
/// The container variable holding the Hugging Face token.
pub const HF_TOKEN_VAR: &str = "HF_TOKEN";

/// Checks what `mine start` and `mine deploy` refuse before anything is built: an invalid
/// wallet (a pool target never reaches a [`MiningConfig`]) and an image without a tag or
/// digest.
pub fn preflight(config: &MiningConfig) -> Result<(), MiningError> {
    config.check_wallet()?;
    let image = config.extra.docker_image_tag.as_str();
    if !image_has_tag(image) {
        return Err(MiningError::Config {
            detail: format!(
                "[mining.extra].docker_image_tag '{image}' names no tag; set a pinned tag or digest, \
                 e.g. docker_image_tag = \"{DEFAULT_IMAGE}\" (an untagged image means whatever `latest` is)"
            ),
        });
    }
    Ok(())
}

/// Whether `image` carries a tag (`name:tag`, the tag after the last `/`) or a digest.
pub fn image_has_tag(image: &str) -> bool {
    let image = image.trim();
    if image.contains('@') {
        return true;
    }
    let last = image.rsplit('/').next().unwrap_or_default();
    last.split_once(':')
        .is_some_and(|(name, tag)| !name.is_empty() && !tag.is_empty())
}

const DEFAULT_IMAGE: &str = jarvis_mining::config::DEFAULT_DOCKER_IMAGE_TAG;

/// Secret values as a build knows them.
enum SecretValues {
    /// Read from the environment, for an engine that receives them.
    Known {
        password: String,
        token: Option<String>,
    },
    /// Referred to by name only.
    ByName,
}

/// Environment lookup (the process environment, or a test's map).
pub type EnvFn = dyn Fn(&str) -> Option<String> + Send + Sync;

/// GPUs the container gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuSelection {
    /// Every GPU.
    All,
    /// These host GPU ids (container-local CUDA ids are 0..N-1).
    Host(Vec<String>),
}

impl GpuSelection {
    /// From `cuda_visible_devices` (comma list, blanks dropped; empty = all).
    pub fn parse(list: &str) -> Self {
        let ids: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if ids.is_empty() {
            Self::All
        } else {
            Self::Host(ids)
        }
    }
}

/// A host directory mounted into the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The host path.
    pub host: PathBuf,
    /// Where it appears in the container.
    pub container: String,
    /// Mounted read-only.
    pub read_only: bool,
}

impl Mount {
    /// Docker's bind form: `host:container[:ro]`.
    pub fn bind(&self) -> String {
        let ro = if self.read_only { ":ro" } else { "" };
        format!("{}:{}{ro}", self.host.display(), self.container)
    }
}

/// Everything the container is created from. Secret values are held here only to be handed
/// to the engine; `Debug` does not show them and the hash does not include them.
#[derive(Clone)]
pub struct LaunchSpec {
    /// Image tag.
    pub image: String,
    /// Arguments for the image's entrypoint (`vllm serve` argv), never through a shell.
    pub cmd: Vec<String>,
    /// Non-secret environment, `(NAME, value)` in order.
    pub env: Vec<(String, String)>,
    /// Host directories mounted in: the Hugging Face cache, and a local model read-only.
    pub mounts: Vec<Mount>,
    /// GPU selection.
    pub gpus: GpuSelection,
    /// Size of `/dev/shm`, bytes.
    pub shm_bytes: i64,
    /// Model id as served (`--served-model-name` for local paths).
    pub model: String,
    /// vLLM's port on the host network.
    pub vllm_port: u16,
    secret_env: Vec<(String, String)>,
}

impl std::fmt::Debug for LaunchSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LaunchSpec")
            .field("image", &self.image)
            .field("cmd", &self.cmd)
            .field("env", &self.env)
            .field("mounts", &self.mounts)
            .field("gpus", &self.gpus)
            .field(
                "secret_env",
                &self.secret_env.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl LaunchSpec {
    /// Builds the spec; fails when the RPC password variable is unset, the local model path is
    /// not a directory, or `vllm_args` cannot be split.
    pub fn build(config: &MiningConfig, env: &EnvFn) -> Result<Self, MiningError> {
        let password_env = config.extra.pearld_rpc_password_env.as_str();
        let Some(password) = env(password_env) else {
            return Err(MiningError::Config {
                detail: format!(
                    "environment variable '{password_env}' is not set; set it before running `jarvis mine start` \
                     (it holds pearld's RPC password; jarvis never stores it)"
                ),
            });
        };
        let token = env(&config.extra.hf_token_env).filter(|t| !t.is_empty());
        Self::build_with(config, env, SecretValues::Known { password, token })
    }

    /// Builds the spec for a renderer that refers to secrets by name (Kubernetes manifests):
    /// no secret is read, [`Self::secret_names`] lists `PEARLD_RPC_PASSWORD` and `HF_TOKEN`,
    /// and [`Self::secrets`] is empty.
    pub fn build_by_name(config: &MiningConfig, env: &EnvFn) -> Result<Self, MiningError> {
        Self::build_with(config, env, SecretValues::ByName)
    }

    fn build_with(
        config: &MiningConfig,
        env: &EnvFn,
        secrets: SecretValues,
    ) -> Result<Self, MiningError> {
        let extra = &config.extra;
        let mut mounts = vec![Mount {
            host: hf_cache_dir(env),
            container: CONTAINER_HF_HUB.to_owned(),
            read_only: false,
        }];
        let mut cmd = Vec::new();
        match &extra.local_model_path {
            Some(path) => {
                let dir = local_model_dir(path, env)?;
                mounts.push(Mount {
                    host: dir,
                    container: LOCAL_MODEL_MOUNT.to_owned(),
                    read_only: true,
                });
                cmd.push(LOCAL_MODEL_MOUNT.to_owned());
            }
            None => cmd.push(extra.model.clone()),
        }
        cmd.extend(
            [
                "--host",
                "0.0.0.0",
                "--port",
                &extra.vllm_port.to_string(),
                "--gpu-memory-utilization",
                &extra.gpu_memory_utilization.to_string(),
                "--enforce-eager",
                "--max-model-len",
                &extra.max_model_len.to_string(),
            ]
            .map(str::to_owned),
        );
        if extra.local_model_path.is_some() {
            cmd.extend(["--served-model-name".to_owned(), extra.model.clone()]);
        }
        cmd.extend(vllm_args(extra.vllm_args.as_ref())?);

        let gpus = GpuSelection::parse(&extra.cuda_visible_devices);
        let mut public_env = vec![
            ("PEARLD_RPC_URL", extra.pearld_rpc_url.clone()),
            ("PEARLD_RPC_USER", extra.pearld_rpc_user.clone()),
            ("PEARLD_MINING_ADDRESS", config.wallet_address.clone()),
            ("MINER_RPC_TRANSPORT", "uds".to_owned()),
            ("MINER_RPC_SOCKET_PATH", GATEWAY_SOCKET.to_owned()),
        ];
        if let GpuSelection::Host(ids) = &gpus {
            public_env.push(("NVIDIA_VISIBLE_DEVICES", ids.join(",")));
            let local: Vec<String> = (0..ids.len()).map(|i| i.to_string()).collect();
            public_env.push(("CUDA_VISIBLE_DEVICES", local.join(",")));
        }
        let secret_env = match secrets {
            SecretValues::Known { password, token } => {
                let mut known = vec![(PASSWORD_VAR.to_owned(), password)];
                known.extend(token.map(|t| (HF_TOKEN_VAR.to_owned(), t)));
                known
            }
            SecretValues::ByName => [PASSWORD_VAR, HF_TOKEN_VAR]
                .map(|name| (name.to_owned(), String::new()))
                .to_vec(),
        };
        Ok(Self {
            image: extra.docker_image_tag.clone(),
            cmd,
            env: public_env
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            mounts,
            gpus,
            shm_bytes: SHM_BYTES,
            model: extra.model.clone(),
            vllm_port: extra.vllm_port,
            secret_env,
        })
    }

    /// Secret values, for redacting engine errors and logs (none for [`Self::build_by_name`]).
    pub fn secrets(&self) -> Vec<&str> {
        self.secret_env
            .iter()
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// The names of the secret variables (their values never leave the spec but to the
    /// engine): a renderer that cannot hold secrets refers to them by name.
    pub fn secret_names(&self) -> Vec<&str> {
        self.secret_env.iter().map(|(k, _)| k.as_str()).collect()
    }

    /// Secret variables with their values, for the engine's create call only.
    pub(crate) fn secret_env(&self) -> &[(String, String)] {
        &self.secret_env
    }
}

/// The Hugging Face hub cache: `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub`.
pub fn hf_cache_dir(env: &(dyn Fn(&str) -> Option<String> + Sync)) -> PathBuf {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(p) = set("HF_HUB_CACHE") {
        return PathBuf::from(p);
    }
    if let Some(p) = set("HF_HOME") {
        return PathBuf::from(p).join("hub");
    }
    let home = set("HOME").unwrap_or_else(|| "/".to_owned());
    PathBuf::from(home).join(".cache/huggingface/hub")
}

/// `vllm_args` as argv items: a string is split shell-style (no shell runs), a list is kept.
pub fn vllm_args(args: Option<&VllmArgs>) -> Result<Vec<String>, MiningError> {
    match args {
        None => Ok(Vec::new()),
        Some(VllmArgs::List(list)) => Ok(list.clone()),
        Some(VllmArgs::Line(line)) => shlex::split(line).ok_or_else(|| MiningError::Config {
            detail: format!(
                "[mining.extra].vllm_args '{line}' has an unbalanced quote; fix the quoting or use a list: \
                 vllm_args = [\"--arg\", \"value\"]"
            ),
        }),
    }
}

/// The local model directory, `~` expanded and resolved.
fn local_model_dir(path: &std::path::Path, env: &EnvFn) -> Result<PathBuf, MiningError> {
    let expanded = match path.strip_prefix("~") {
        Ok(rest) => PathBuf::from(env("HOME").unwrap_or_default()).join(rest),
        Err(_) => path.to_owned(),
    };
    let resolved = expanded.canonicalize().map_err(|_| MiningError::Config {
        detail: format!(
            "local Pearl model path does not exist: {}; fix [mining.extra].local_model_path",
            expanded.display()
        ),
    })?;
    if !resolved.is_dir() {
        return Err(MiningError::Config {
            detail: format!(
                "local Pearl model path must be a directory: {}; point [mining.extra].local_model_path at the model folder",
                resolved.display()
            ),
        });
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use jarvis_mining::config::MiningSection;

    use super::*;

    fn env_with(password: Option<&str>) -> impl Fn(&str) -> Option<String> + Send + Sync {
        let password = password.map(str::to_owned);
        move |k: &str| match k {
            "PEARLD_RPC_PASSWORD" => password.clone(),
            "HOME" => Some("/home/u".to_owned()),
            _ => None,
        }
    }

    fn config() -> MiningConfig {
        MiningConfig::from_section(&MiningSection::new("vllm-pearl", "prl1pwallet")).expect("solo")
    }

    const VALID_WALLET: &str = "prl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0ss8729k";

    #[test]
    fn preflight_refuses_invalid_wallets_and_untagged_images() {
        let mut cfg = config();
        let err = preflight(&cfg).unwrap_err();
        assert!(matches!(err, MiningError::Wallet { .. }), "{err}");
        cfg.wallet_address = VALID_WALLET.to_owned();
        preflight(&cfg).expect("valid wallet, default tag");
        for untagged in [
            "openjarvis/pearl-miner",
            "registry:5000/pearl-miner",
            "img:",
            "",
        ] {
            cfg.extra.docker_image_tag = untagged.to_owned();
            let err = preflight(&cfg).unwrap_err().to_string();
            assert!(err.contains("names no tag"), "{untagged}: {err}");
        }
        for tagged in ["registry:5000/pearl-miner:v1", "img@sha256:abc", "img:1"] {
            cfg.extra.docker_image_tag = tagged.to_owned();
            preflight(&cfg).expect(tagged);
        }
    }

    #[test]
    fn by_name_builds_read_no_secret() {
        let spec =
            LaunchSpec::build_by_name(&config(), &env_with(None)).expect("no password needed");
        assert_eq!(spec.secret_names(), [PASSWORD_VAR, HF_TOKEN_VAR]);
        assert!(spec.secrets().is_empty());
        let known = LaunchSpec::build(&config(), &env_with(Some("pw"))).unwrap();
        assert_eq!(known.cmd, spec.cmd);
        assert_eq!(known.env, spec.env);
    }

    #[test]
    fn gpu_selection_drops_blanks() {
        assert_eq!(GpuSelection::parse(""), GpuSelection::All);
        assert_eq!(GpuSelection::parse(" , "), GpuSelection::All);
        assert_eq!(
            GpuSelection::parse("1, ,2"),
            GpuSelection::Host(vec!["1".into(), "2".into()])
        );
    }

    #[test]
    fn empty_password_is_allowed_but_unset_is_not() {
        assert!(LaunchSpec::build(&config(), &env_with(Some(""))).is_ok());
        let err = LaunchSpec::build(&config(), &env_with(None)).unwrap_err();
        assert!(
            err.to_string().contains("'PEARLD_RPC_PASSWORD' is not set"),
            "{err}"
        );
    }

    #[test]
    fn vllm_args_split_without_a_shell() {
        let line = VllmArgs::Line("--a 'b c' \"$(rm -rf /)\"".to_owned());
        assert_eq!(
            vllm_args(Some(&line)).unwrap(),
            ["--a", "b c", "$(rm -rf /)"]
        );
        let bad = VllmArgs::Line("--a 'unbalanced".to_owned());
        assert!(
            vllm_args(Some(&bad))
                .unwrap_err()
                .to_string()
                .contains("unbalanced quote")
        );
    }

    #[test]
    fn local_model_path_must_be_an_existing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let mut cfg = config();
        cfg.extra.local_model_path = Some(dir.path().join("missing"));
        let err = LaunchSpec::build(&cfg, &env_with(Some("p"))).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        cfg.extra.local_model_path = Some(file);
        let err = LaunchSpec::build(&cfg, &env_with(Some("p"))).unwrap_err();
        assert!(err.to_string().contains("must be a directory"), "{err}");
        cfg.extra.local_model_path = Some(dir.path().to_owned());
        let spec = LaunchSpec::build(&cfg, &env_with(Some("p"))).unwrap();
        assert_eq!(
            spec.cmd.first().map(String::as_str),
            Some(LOCAL_MODEL_MOUNT)
        );
        assert!(
            spec.cmd
                .windows(2)
                .any(|w| w[0] == "--served-model-name" && w[1] == cfg.extra.model)
        );
        assert!(spec.mounts.iter().any(|m| {
            m.bind()
                .ends_with(":/models/openjarvis-local-pearl-model:ro")
        }));
    }
}
