//! Kubernetes manifests for the vllm-pearl miner, rendered from the same engine-neutral
//! [`LaunchSpec`] that `jarvis mine start` hands the Docker Engine: image, `vllm serve` argv,
//! environment, shared memory and the Hugging Face cache come from one place.
//!
//! The objects are typed (`k8s-openapi` structs, and a [`pod_monitor::PodMonitor`] of our own
//! for the Prometheus Operator's CRD, which `k8s-openapi` lacks), serialised to YAML, one file
//! per object. Secrets are only ever referred to by name (`secretKeyRef`): the spec is built
//! with [`LaunchSpec::build_by_name`], which reads no secret at all.

mod kubernetes;
pub mod pod_monitor;

use std::path::{Path, PathBuf};

use jarvis_mining::MiningConfig;
use jarvis_mining::error::MiningError;
use jarvis_vllm_pearl::spec::{EnvFn, LaunchSpec, preflight};

pub use kubernetes::{
    APP_NAME, DEFAULT_GPUS, H100_H200_PRODUCTS, HF_TOKEN_KEY, PASSWORD_KEY, PRODUCT_LABEL,
};

/// Default `--namespace`.
pub const DEFAULT_NAMESPACE: &str = "pearl";
/// Default `--password-secret`.
pub const DEFAULT_PASSWORD_SECRET: &str = "pearld-rpc";
/// Default `--hf-cache`: a directory on each node (the local user's home means nothing there).
pub const DEFAULT_HF_CACHE: &str = "/var/cache/huggingface/hub";

/// Why manifests could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The mining config is refused, exactly as `jarvis mine start` refuses it.
    #[error(transparent)]
    Config(#[from] MiningError),
    /// An option's value is not valid for Kubernetes.
    #[error("{option} '{value}' is not valid: {why}; {fix}")]
    Option {
        /// The option, e.g. `--namespace`.
        option: &'static str,
        /// The value given.
        value: String,
        /// What Kubernetes requires.
        why: String,
        /// What to pass instead.
        fix: String,
    },
    /// An object could not be serialised.
    #[error("cannot write the {kind} as YAML")]
    Yaml {
        /// The object's kind.
        kind: &'static str,
        /// The cause.
        #[source]
        source: serde_yaml_ng::Error,
    },
    /// A manifest file could not be written.
    #[error("cannot write {}; check that the directory is writable", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Where the Hugging Face hub cache lives on the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HfCache {
    /// A directory on each node (`hostPath`, created when missing).
    HostPath(String),
    /// A PersistentVolumeClaim in the namespace (ReadWriteMany when pods share it).
    Claim(String),
}

impl HfCache {
    /// `--hf-cache`: an absolute path is a node directory, anything else a claim's name.
    pub fn parse(value: &str) -> Result<Self, DeployError> {
        if value.starts_with('/') {
            return Ok(Self::HostPath(value.to_owned()));
        }
        check_dns_name("--hf-cache", value, 253, true)?;
        Ok(Self::Claim(value.to_owned()))
    }
}

/// The choices `jarvis mine deploy kubernetes` takes besides `config.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubernetesOptions {
    /// Namespace of every object.
    pub namespace: String,
    /// GPUs per pod; `None`: the pinned `cuda_visible_devices` count, else [`DEFAULT_GPUS`].
    pub gpus: Option<u32>,
    /// `nodeSelector` pairs; empty: node affinity to H100/H200 products.
    pub node_selector: Vec<(String, String)>,
    /// The Secret holding `password` (and optionally `hf-token`).
    pub password_secret: String,
    /// The Hugging Face cache.
    pub hf_cache: HfCache,
}

impl Default for KubernetesOptions {
    fn default() -> Self {
        Self {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            gpus: None,
            node_selector: Vec::new(),
            password_secret: DEFAULT_PASSWORD_SECRET.to_owned(),
            hf_cache: HfCache::HostPath(DEFAULT_HF_CACHE.to_owned()),
        }
    }
}

/// One rendered object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// File name in the output directory; the numeric prefix orders `kubectl apply -f DIR`.
    pub file_name: &'static str,
    /// `kind`.
    pub kind: &'static str,
    /// `metadata.name`.
    pub name: String,
    /// The YAML document.
    pub yaml: String,
}

/// The rendered manifests and what was decided while rendering them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The objects, in apply order (the Namespace first).
    pub manifests: Vec<Manifest>,
    /// Namespace of every object.
    pub namespace: String,
    /// The image the pods run.
    pub image: String,
    /// The model vLLM serves.
    pub model: String,
    /// GPUs requested per pod.
    pub gpus: u32,
    /// The Secret the pods read.
    pub password_secret: String,
}

impl Rendered {
    /// The command that creates the Secret, reading the password from the environment
    /// variable `password_env` through stdin (never argv, never a file jarvis writes).
    pub fn secret_command(&self, password_env: &str) -> String {
        format!(
            "printf %s \"${password_env}\" | kubectl create secret generic {} --namespace {} --from-file={PASSWORD_KEY}=/dev/stdin",
            self.password_secret, self.namespace
        )
    }

    /// The Namespace's manifest (applied before the Secret is created).
    pub fn namespace_file(&self) -> &'static str {
        self.manifests
            .first()
            .map_or(kubernetes::NAMESPACE_FILE, |m| m.file_name)
    }
}

/// Renders the manifests for `config` (after the caller applied `--image` and `--model`).
/// Refuses what `jarvis mine start` refuses (an invalid wallet, an image without a tag; a
/// pool target never becomes a [`MiningConfig`]), and invalid Kubernetes names. `env` supplies
/// the non-secret lookups the launch spec makes (`HOME`); no secret is read.
pub fn render(
    config: &MiningConfig,
    env: &EnvFn,
    options: &KubernetesOptions,
) -> Result<Rendered, DeployError> {
    preflight(config)?;
    check_dns_name("--namespace", &options.namespace, 63, false)?;
    check_dns_name("--password-secret", &options.password_secret, 253, true)?;
    for (key, value) in &options.node_selector {
        check_label(key, value)?;
    }
    if options.gpus == Some(0) {
        return Err(DeployError::Option {
            option: "--gpus",
            value: "0".to_owned(),
            why: "the miner needs at least one GPU".to_owned(),
            fix: "pass --gpus 1 or more".to_owned(),
        });
    }
    let spec = LaunchSpec::build_by_name(config, env)?;
    kubernetes::render(&spec, options)
}

/// Writes each manifest to `dir` (created if missing); returns the paths written.
pub fn write(dir: &Path, rendered: &Rendered) -> Result<Vec<PathBuf>, DeployError> {
    std::fs::create_dir_all(dir).map_err(|source| DeployError::Write {
        path: dir.to_owned(),
        source,
    })?;
    rendered
        .manifests
        .iter()
        .map(|m| {
            let path = dir.join(m.file_name);
            std::fs::write(&path, &m.yaml).map_err(|source| DeployError::Write {
                path: path.clone(),
                source,
            })?;
            Ok(path)
        })
        .collect()
}

/// A DNS-1123 label (`max` 63) or subdomain (`dots`, `max` 253), as Kubernetes names are.
fn check_dns_name(
    option: &'static str,
    value: &str,
    max: usize,
    dots: bool,
) -> Result<(), DeployError> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let parts: Vec<&str> = if dots {
        value.split('.').collect()
    } else {
        vec![value]
    };
    let valid = !value.is_empty()
        && value.len() <= max
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 63
                && p.chars().all(ok_char)
                && !p.starts_with('-')
                && !p.ends_with('-')
        });
    if valid {
        return Ok(());
    }
    Err(DeployError::Option {
        option,
        value: value.to_owned(),
        why: format!(
            "Kubernetes names are at most {max} lowercase letters, digits and '-'{}, starting and ending alphanumeric",
            if dots { " or '.'" } else { "" }
        ),
        fix: "pick a name such as 'pearl'".to_owned(),
    })
}

/// A `nodeSelector` key and value, as Kubernetes labels are.
fn check_label(key: &str, value: &str) -> Result<(), DeployError> {
    let segment = |s: &str, max: usize| {
        s.len() <= max
            && (s.is_empty()
                || (s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                    && s.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && s.ends_with(|c: char| c.is_ascii_alphanumeric())))
    };
    let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
    let key_ok = !name.is_empty()
        && segment(name, 63)
        && (prefix.is_empty() || check_dns_name("", prefix, 253, true).is_ok())
        && !key.starts_with('/');
    if key_ok && segment(value, 63) {
        return Ok(());
    }
    Err(DeployError::Option {
        option: "--node-selector",
        value: format!("{key}={value}"),
        why: "label keys are [prefix/]name and values at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric".to_owned(),
        fix: "pass a node label such as nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kubernetes_rules() {
        assert!(check_dns_name("--namespace", "pearl-1", 63, false).is_ok());
        for bad in ["", "Pearl", "-a", "a-", "a.b", &"a".repeat(64)] {
            let err = check_dns_name("--namespace", bad, 63, false).unwrap_err();
            assert!(err.to_string().contains("--namespace"), "{bad}: {err}");
        }
        assert!(check_dns_name("--password-secret", "pearld.rpc", 253, true).is_ok());
        assert!(check_dns_name("--password-secret", "a..b", 253, true).is_err());
    }

    #[test]
    fn node_selector_labels_are_checked() {
        assert!(check_label("nvidia.com/gpu.product", "NVIDIA-H200").is_ok());
        assert!(check_label("pool", "").is_ok());
        assert!(check_label("nvidia.com/", "x").is_err());
        assert!(check_label("/x", "x").is_err());
        assert!(check_label("a", "has space").is_err());
        assert!(check_label("Bad_Prefix/x", "v").is_err());
    }

    #[test]
    fn hf_cache_is_a_path_or_a_claim() {
        assert_eq!(
            HfCache::parse("/data/hf").unwrap(),
            HfCache::HostPath("/data/hf".into())
        );
        assert_eq!(
            HfCache::parse("hf-cache").unwrap(),
            HfCache::Claim("hf-cache".into())
        );
        assert!(HfCache::parse("relative/path").is_err());
    }
}
