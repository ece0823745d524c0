//! The manifests follow the launch spec, hold no secret in any encoding, and refuse what
//! `jarvis mine start` refuses.

use base64::Engine as _;
use jarvis_deploy::{DeployError, HfCache, KubernetesOptions, Rendered, render};
use jarvis_mining::MiningConfig;
use jarvis_mining::config::{MiningSection, SubmitTargetSpec, VllmArgs};
use jarvis_mining::error::MiningError;
use jarvis_vllm_pearl::spec::preflight;

pub(crate) const WALLET: &str = "prl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0ss8729k";
const PASSWORD: &str = "rpc-Pa55/word+with=chars&\"quote";
const HF_TOKEN: &str = "hf_ZyXwVuTsRqPoNmLkJiHgFeDcBa987654";

pub(crate) fn env(k: &str) -> Option<String> {
    match k {
        "PEARLD_RPC_PASSWORD" => Some(PASSWORD.to_owned()),
        "HF_TOKEN" => Some(HF_TOKEN.to_owned()),
        "HOME" => Some("/home/miner".to_owned()),
        _ => None,
    }
}

pub(crate) fn config() -> MiningConfig {
    MiningConfig::from_section(&MiningSection::new("vllm-pearl", WALLET)).expect("solo")
}

pub(crate) fn rendered(config: &MiningConfig, options: &KubernetesOptions) -> Rendered {
    render(config, &env, options).expect("renders")
}

fn all_yaml(r: &Rendered) -> String {
    r.manifests.iter().map(|m| m.yaml.as_str()).collect()
}

fn file<'a>(r: &'a Rendered, kind: &str) -> &'a str {
    &r.manifests
        .iter()
        .find(|m| m.kind == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
        .yaml
}

/// Every way a secret could be spelled in a text file: as is, JSON- and YAML-escaped, percent-
/// encoded, hex, and base64 (standard and URL-safe) at each of the three byte alignments.
fn encodings(secret: &str) -> Vec<String> {
    let mut forms = vec![
        secret.to_owned(),
        serde_json::to_string(secret)
            .unwrap()
            .trim_matches('"')
            .to_owned(),
        secret.replace('"', "\\\""),
        secret
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect(),
        secret.bytes().map(|b| format!("{b:02x}")).collect(),
    ];
    for engine in [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
    ] {
        for offset in 0..3 {
            let mut bytes = vec![b'x'; offset];
            bytes.extend(secret.as_bytes());
            let encoded = engine.encode(&bytes);
            // Drop the characters that mix in the alignment bytes and the trailing group.
            let skip = if offset == 0 { 0 } else { 4 };
            let end = encoded.len().saturating_sub(4);
            forms.push(encoded[skip..end].to_owned());
        }
    }
    forms
}

#[test]
fn no_secret_appears_in_any_manifest_in_any_encoding() {
    let r = rendered(&config(), &KubernetesOptions::default());
    let text = all_yaml(&r);
    for secret in [PASSWORD, HF_TOKEN] {
        for form in encodings(secret) {
            assert!(form.len() >= 8, "{form}");
            assert!(
                !text.contains(&form),
                "a secret appears as {form:?} in the manifests"
            );
        }
    }
    assert!(!r.secret_command("PEARLD_RPC_PASSWORD").contains(PASSWORD));
    // The pods read them from the Secret, by reference.
    let ds = file(&r, "DaemonSet");
    assert!(ds.contains("secretKeyRef"), "{ds}");
    assert!(ds.contains("name: PEARLD_RPC_PASSWORD"), "{ds}");
    assert!(ds.contains("key: password"), "{ds}");
    assert!(ds.contains("key: hf-token"), "{ds}");
}

#[test]
fn the_pods_run_the_launch_spec_mine_start_runs() {
    let cfg = config();
    let r = rendered(&cfg, &KubernetesOptions::default());
    let spec = jarvis_vllm_pearl::spec::LaunchSpec::build(&cfg, &env).expect("docker spec");
    let ds: serde_json::Value = serde_yaml_ng::from_str(file(&r, "DaemonSet")).unwrap();
    let pod = &ds["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    assert_eq!(container["image"], spec.image.as_str());
    let args: Vec<String> = serde_json::from_value(container["args"].clone()).unwrap();
    assert_eq!(args, spec.cmd);
    for (name, value) in &spec.env {
        let found = container["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(found["value"], value.as_str());
    }
    assert_eq!(pod["hostNetwork"], true);
    assert_eq!(container["resources"]["limits"]["nvidia.com/gpu"], "8");
    assert_eq!(container["resources"]["requests"]["nvidia.com/gpu"], "8");
    let shm = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "dshm")
        .expect("dshm");
    assert_eq!(shm["emptyDir"]["medium"], "Memory");
    assert_eq!(shm["emptyDir"]["sizeLimit"], "8Gi");
    for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
        assert_eq!(container[probe]["httpGet"]["path"], "/health", "{probe}");
    }
    assert_eq!(
        pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
            [0]["matchExpressions"][0]["key"],
        "nvidia.com/gpu.product"
    );
    assert_eq!(
        ds["metadata"]["labels"]["app.kubernetes.io/name"],
        "pearl-miner"
    );
    assert_eq!(
        r.manifests.iter().map(|m| m.file_name).collect::<Vec<_>>(),
        [
            "00-namespace.yaml",
            "10-daemonset.yaml",
            "20-service.yaml",
            "30-podmonitor.yaml",
            "40-poddisruptionbudget.yaml"
        ]
    );
}

#[test]
fn the_manifests_change_when_the_launch_spec_changes() {
    let base = all_yaml(&rendered(&config(), &KubernetesOptions::default()));
    let mut changes: Vec<(&str, MiningConfig)> = Vec::new();
    let mut c = config();
    c.extra.vllm_args = Some(VllmArgs::Line("--tensor-parallel-size 8".to_owned()));
    changes.push(("vllm_args", c));
    let mut c = config();
    c.extra.gpu_memory_utilization = 0.9;
    changes.push(("gpu_memory_utilization", c));
    let mut c = config();
    c.extra.docker_image_tag = "registry.example/pearl-miner:v2".to_owned();
    changes.push(("image", c));
    let mut c = config();
    c.extra.vllm_port = 8100;
    changes.push(("vllm_port", c));
    for (what, cfg) in changes {
        let text = all_yaml(&rendered(&cfg, &KubernetesOptions::default()));
        assert_ne!(text, base, "{what} changed but the manifests did not");
    }
    let mut c = config();
    c.extra.vllm_port = 8100;
    let r = rendered(&c, &KubernetesOptions::default());
    assert!(file(&r, "Service").contains("port: 8100"));
    // Rendering is deterministic: the same spec gives the same bytes.
    assert_eq!(
        all_yaml(&rendered(&config(), &KubernetesOptions::default())),
        base
    );
}

#[test]
fn options_shape_the_objects() {
    let mut pinned = config();
    pinned.extra.cuda_visible_devices = "1,3".to_owned();
    let r = rendered(&pinned, &KubernetesOptions::default());
    assert_eq!(r.gpus, 2, "pinned GPUs give the per-pod count");
    let ds = file(&r, "DaemonSet");
    assert!(!ds.contains("CUDA_VISIBLE_DEVICES"), "{ds}");
    assert!(!ds.contains("NVIDIA_VISIBLE_DEVICES"), "{ds}");

    let options = KubernetesOptions {
        namespace: "miners".to_owned(),
        gpus: Some(4),
        node_selector: vec![("pool".to_owned(), "h200".to_owned())],
        password_secret: "node-rpc".to_owned(),
        hf_cache: HfCache::Claim("hf-models".to_owned()),
    };
    let r = rendered(&config(), &options);
    for m in &r.manifests {
        assert!(
            m.yaml.contains("namespace: miners") || m.kind == "Namespace",
            "{}",
            m.yaml
        );
    }
    let ds = file(&r, "DaemonSet");
    assert!(
        ds.contains("nvidia.com/gpu: '4'") || ds.contains("nvidia.com/gpu: \"4\""),
        "{ds}"
    );
    assert!(
        ds.contains("nodeSelector:\n") && ds.contains("pool: h200"),
        "{ds}"
    );
    assert!(!ds.contains("nodeAffinity"), "{ds}");
    assert!(ds.contains("claimName: hf-models"), "{ds}");
    assert!(ds.contains("name: node-rpc"), "{ds}");
    assert_eq!(
        r.secret_command("MY_PW"),
        "printf %s \"$MY_PW\" | kubectl create secret generic node-rpc --namespace miners --from-file=password=/dev/stdin"
    );
    let mut zero = options.clone();
    zero.gpus = Some(0);
    assert!(render(&config(), &env, &zero).is_err());
    let mut bad = options;
    bad.namespace = "Pearl_NS".to_owned();
    let err = render(&config(), &env, &bad).unwrap_err().to_string();
    assert!(err.contains("--namespace 'Pearl_NS'"), "{err}");
}

/// The same refusals, from the same code, as `jarvis mine start`.
#[test]
fn refuses_what_start_refuses() {
    let mut pool = MiningSection::new("vllm-pearl", WALLET);
    pool.submit_target = SubmitTargetSpec::Pool {
        url: "https://pool.example".to_owned(),
    };
    assert!(matches!(
        MiningConfig::from_section(&pool),
        Err(MiningError::PoolUnsupported { .. })
    ));

    let mut bad_wallet = config();
    bad_wallet.wallet_address = "prl1pnotanaddress".to_owned();
    let mut untagged = config();
    untagged.extra.docker_image_tag = "openjarvis/pearl-miner".to_owned();
    for cfg in [bad_wallet, untagged] {
        let ours = render(&cfg, &env, &KubernetesOptions::default()).unwrap_err();
        let start = preflight(&cfg).unwrap_err();
        assert!(matches!(ours, DeployError::Config(_)), "{ours}");
        assert_eq!(ours.to_string(), start.to_string());
    }
}

#[test]
fn writes_one_file_per_object() {
    let dir = tempfile::tempdir().unwrap();
    let r = rendered(&config(), &KubernetesOptions::default());
    let out = dir.path().join("k8s");
    let written = jarvis_deploy::write(&out, &r).expect("writes");
    assert_eq!(written.len(), 5);
    for (path, m) in written.iter().zip(&r.manifests) {
        assert_eq!(std::fs::read_to_string(path).unwrap(), m.yaml);
    }
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "x").unwrap();
    let err = jarvis_deploy::write(&blocked, &r).unwrap_err();
    assert!(err.to_string().contains("cannot write"), "{err}");
}
