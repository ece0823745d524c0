//! The Docker Engine form of a [`LaunchSpec`]: the `POST /containers/create` body (host
//! network, restart policy, GPUs as device requests or CDI devices) and the config hash that
//! decides whether a running container matches the spec.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, DeviceMapping, DeviceRequest, HostConfig, RestartPolicy,
    RestartPolicyNameEnum,
};
use sha2::{Digest, Sha256};

use crate::docker::EngineKind;
use crate::spec::{GpuSelection, LABEL_CONFIG_HASH, LABEL_MANAGED, LABEL_PROVIDER, LaunchSpec};

/// The body sent to `POST /containers/create` on `engine`, labels and secrets included.
pub fn create_body(spec: &LaunchSpec, engine: EngineKind) -> ContainerCreateBody {
    let mut body = body(spec, engine, true);
    if let Some(labels) = body.labels.as_mut() {
        labels.insert(LABEL_CONFIG_HASH.to_owned(), config_hash(spec, engine));
    }
    body
}

/// sha256 of the body without secret values: equal hashes mean an equal container. Its value
/// must not change between versions for the same spec, or `start` would take a container it
/// created for foreign.
pub fn config_hash(spec: &LaunchSpec, engine: EngineKind) -> String {
    let value = serde_json::to_value(body(spec, engine, false)).unwrap_or_default();
    let digest = Sha256::digest(value.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The create body without the hash label; secret values only when `secret_values`.
fn body(spec: &LaunchSpec, engine: EngineKind, secret_values: bool) -> ContainerCreateBody {
    let mut env: Vec<String> = spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    for (name, value) in spec.secret_env() {
        env.push(if secret_values {
            format!("{name}={value}")
        } else {
            format!("{name}=<secret>")
        });
    }
    let (device_requests, devices) = match (engine, &spec.gpus) {
        (EngineKind::Docker, GpuSelection::All) => (Some(vec![gpu_request(Some(-1), None)]), None),
        (EngineKind::Docker, GpuSelection::Host(ids)) => {
            (Some(vec![gpu_request(None, Some(ids.clone()))]), None)
        }
        (EngineKind::Podman, GpuSelection::All) => (None, Some(vec![cdi_device("all")])),
        (EngineKind::Podman, GpuSelection::Host(ids)) => {
            (None, Some(ids.iter().map(|id| cdi_device(id)).collect()))
        }
    };
    let labels = HashMap::from([
        (LABEL_MANAGED.to_owned(), "true".to_owned()),
        (LABEL_PROVIDER.to_owned(), crate::ID.to_owned()),
    ]);
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        cmd: Some(spec.cmd.clone()),
        env: Some(env),
        labels: Some(labels),
        host_config: Some(HostConfig {
            network_mode: Some("host".to_owned()),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            shm_size: Some(spec.shm_bytes),
            auto_remove: Some(false),
            binds: Some(spec.mounts.iter().map(|m| m.bind()).collect()),
            device_requests,
            devices,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn gpu_request(count: Option<i64>, device_ids: Option<Vec<String>>) -> DeviceRequest {
    DeviceRequest {
        driver: Some(String::new()),
        count,
        device_ids,
        capabilities: Some(vec![vec!["gpu".to_owned()]]),
        options: None,
    }
}

fn cdi_device(id: &str) -> DeviceMapping {
    DeviceMapping {
        path_on_host: Some(format!("nvidia.com/gpu={id}")),
        path_in_container: Some(String::new()),
        cgroup_permissions: Some(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use jarvis_mining::config::{MiningConfig, MiningSection, VllmArgs};

    use super::*;

    fn env_with(password: &str) -> impl Fn(&str) -> Option<String> + Send + Sync {
        let password = password.to_owned();
        move |k: &str| match k {
            "PEARLD_RPC_PASSWORD" => Some(password.clone()),
            "HOME" => Some("/home/u".to_owned()),
            _ => None,
        }
    }

    fn config() -> MiningConfig {
        MiningConfig::from_section(&MiningSection::new("vllm-pearl", "prl1pwallet")).expect("solo")
    }

    #[test]
    fn hash_ignores_secret_values_but_not_the_spec() {
        let a = LaunchSpec::build(&config(), &env_with("one-pass")).unwrap();
        let b = LaunchSpec::build(&config(), &env_with("two-pass")).unwrap();
        assert_eq!(
            config_hash(&a, EngineKind::Docker),
            config_hash(&b, EngineKind::Docker)
        );
        let mut changed = config();
        changed.extra.gpu_memory_utilization = 0.9;
        let c = LaunchSpec::build(&changed, &env_with("one-pass")).unwrap();
        assert_ne!(
            config_hash(&a, EngineKind::Docker),
            config_hash(&c, EngineKind::Docker)
        );
        assert!(!format!("{a:?}").contains("one-pass"));
        let body = serde_json::to_string(&create_body(&a, EngineKind::Docker)).unwrap();
        assert!(body.contains("PEARLD_RPC_PASSWORD=one-pass"), "{body}");
    }

    /// Values computed by the release before the spec became engine-neutral: a container it
    /// started must still count as ours after an upgrade.
    #[test]
    fn hash_is_stable_across_versions() {
        let spec = LaunchSpec::build(&config(), &env_with("pw")).unwrap();
        assert_eq!(
            config_hash(&spec, EngineKind::Docker),
            "969e7778e56d86e5459cf90a49ed08201717869769a3dfaec4dfae59f9acbd61"
        );
        let mut pinned = config();
        pinned.extra.cuda_visible_devices = "1,3".to_owned();
        pinned.extra.vllm_args = Some(VllmArgs::Line("--quantization pearl".to_owned()));
        let spec = LaunchSpec::build(&pinned, &env_with("pw")).unwrap();
        assert_eq!(
            config_hash(&spec, EngineKind::Docker),
            "3465bddcae6388eef3078b23d0704d56b061a2ce1b24652f8a75e9248acc5dbe"
        );
        assert_eq!(
            config_hash(&spec, EngineKind::Podman),
            "4a3486f68bc3573f90dcf6746f81bc6c9360eed9613469954a103861f8a6de5c"
        );
    }
}
