//! Kubernetes' own OpenAPI schemas, in strict mode (unknown fields rejected), through the
//! `kubernetes-validate` tool from PyPI (`.ci/run` installs it where missing).

use std::process::Command;

use jarvis_deploy::KubernetesOptions;
use jarvis_testkit::real_engine::{require_tool, skip};

use crate::manifests::{config, rendered};

/// The oldest Kubernetes minor the manifests target (k8s-openapi's `v1_33` feature).
const KUBERNETES: &str = "1.33.0";

fn validate(files: &[std::path::PathBuf]) -> (bool, String) {
    let tool = require_tool(
        "kubernetes-validate",
        "python3-pip; pip install kubernetes-validate",
    );
    let out = Command::new(tool)
        .args(["--strict", "--kubernetes-version", KUBERNETES])
        .args(files)
        .output()
        .expect("run kubernetes-validate");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn manifests_pass_the_kubernetes_schemas_in_strict_mode() {
    if skip(
        "jarvis-deploy schemas::manifests_pass_the_kubernetes_schemas_in_strict_mode",
        "kubernetes-validate (pip install kubernetes-validate)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut pinned = config();
    pinned.extra.cuda_visible_devices = "0".to_owned();
    let claim = KubernetesOptions {
        node_selector: vec![("pool".to_owned(), "h200".to_owned())],
        hf_cache: jarvis_deploy::HfCache::Claim("hf".to_owned()),
        ..KubernetesOptions::default()
    };
    for (i, (cfg, options)) in [(config(), KubernetesOptions::default()), (pinned, claim)]
        .into_iter()
        .enumerate()
    {
        let files =
            jarvis_deploy::write(&dir.path().join(i.to_string()), &rendered(&cfg, &options))
                .expect("write");
        let (ok, said) = validate(&files);
        assert!(ok, "kubernetes-validate failed:\n{said}");
        for file in &files {
            let name = file.display().to_string();
            if name.ends_with("30-podmonitor.yaml") {
                // Kubernetes ships no schema for the Prometheus Operator's CRD; its fields are
                // typed in pod_monitor.rs.
                assert!(
                    said.contains(&format!("WARN {name} Couldn't find schema")),
                    "{said}"
                );
            } else {
                assert!(
                    said.contains(&format!("INFO {name} passed")),
                    "{name}:\n{said}"
                );
            }
        }
    }

    // The check can fail: an unknown field is refused in strict mode.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: pearl\nspec:\n  bogus: 1\n",
    )
    .unwrap();
    let (ok, said) = validate(&[bad]);
    assert!(!ok, "{said}");
}
