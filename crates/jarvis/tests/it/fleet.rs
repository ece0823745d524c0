//! `jarvis mine deploy kubernetes` and `jarvis fleet status` without a cluster or Prometheus:
//! the manifests written, what both `deploy` and `start` refuse, and an unreachable Prometheus.

use jarvis_testkit::TestEnv;
use jarvis_testkit::real_engine::free_port;
use serde_json::Value;

use crate::common::{WALLET, jarvis};

const PASSWORD: &str = "deploy-e2e-Pa55word-7c1";

fn vllm_env(extra_mining: &str, extra: &str) -> TestEnv {
    let env = TestEnv::new();
    env.write_config(&format!(
        "[mining]\nprovider = \"vllm-pearl\"\nwallet_address = \"{WALLET}\"\n{extra_mining}\n[mining.extra]\n{extra}\n"
    ));
    env
}

#[test]
fn deploy_writes_the_manifests_and_the_steps_without_the_password() {
    let env = vllm_env("", "vllm_args = \"--tensor-parallel-size 8\"");
    let dir = env.home().join("k8s");
    let out = env.run(
        jarvis(&env, &["mine", "deploy", "kubernetes", "--output"])
            .arg(&dir)
            .env("PEARLD_RPC_PASSWORD", PASSWORD),
    );
    out.assert_success()
        .assert_stdout_contains("kubectl apply -f")
        .assert_stdout_contains("kubectl create secret generic pearld-rpc --namespace pearl")
        .assert_output_lacks(PASSWORD);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("output dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("manifest");
        assert!(!text.contains(PASSWORD), "{}", path.display());
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
    let ds = std::fs::read_to_string(dir.join("10-daemonset.yaml")).unwrap();
    assert!(ds.contains("--tensor-parallel-size"), "{ds}");

    let json = env.run(
        jarvis(
            &env,
            &[
                "mine",
                "deploy",
                "kubernetes",
                "--json",
                "--namespace",
                "miners",
                "--gpus",
                "2",
                "--image",
                "registry.example/pearl:v3",
                "--node-selector",
                "pool=h200",
                "--output",
            ],
        )
        .arg(&dir),
    );
    json.assert_success();
    let value: Value = serde_json::from_str(&json.stdout()).expect("JSON");
    assert_eq!(value["namespace"], "miners");
    assert_eq!(value["gpus_per_pod"], 2);
    assert_eq!(value["image"], "registry.example/pearl:v3");
    assert_eq!(value["objects"].as_array().map(Vec::len), Some(5));
    let ds = std::fs::read_to_string(dir.join("10-daemonset.yaml")).unwrap();
    assert!(ds.contains("image: registry.example/pearl:v3"), "{ds}");
    assert!(ds.contains("pool: h200"), "{ds}");
}

/// `deploy` refuses exactly what `start` refuses, with the same words (one code path).
#[test]
fn deploy_and_start_refuse_the_same_configs_the_same_way() {
    let cases = [
        (
            "submit_target = \"pool:https://pool.example/submit\"",
            "",
            "pool mining is not supported yet",
        ),
        (
            "",
            "docker_image_tag = \"openjarvis/pearl-miner\"",
            "names no tag",
        ),
    ];
    for (mining, extra, expected) in cases {
        let env = vllm_env(mining, extra);
        let first_error = |args: &[&str]| {
            let out = env.run(jarvis(&env, args).env("PEARLD_RPC_PASSWORD", PASSWORD));
            out.assert_code(1).assert_stderr_contains(expected);
            out.stderr()
                .lines()
                .find(|l| l.starts_with("error:"))
                .map(str::to_owned)
                .expect("an error line")
        };
        let deploy = first_error(&["mine", "deploy", "kubernetes", "--output", "k8s"]);
        let start = first_error(&["mine", "start", "--skip-hardware-check"]);
        assert_eq!(deploy, start);
        assert!(!env.home().join("k8s").exists(), "nothing written");
    }
    let env = TestEnv::new();
    env.write_config(
        "[mining]\nprovider = \"vllm-pearl\"\nwallet_address = \"prl1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysng7t7yx\"\n",
    );
    for args in [
        &["mine", "deploy", "kubernetes", "--output", "k8s"][..],
        &["mine", "start", "--skip-hardware-check"][..],
    ] {
        env.run(jarvis(&env, args).env("PEARLD_RPC_PASSWORD", PASSWORD))
            .assert_code(1)
            .assert_stderr_contains("cannot receive mining rewards")
            .assert_stderr_contains("hint: create a Taproot address with `jarvis pearl address`");
    }
}

#[test]
fn fleet_status_names_an_unreachable_prometheus() {
    let env = TestEnv::new();
    let url = format!("http://127.0.0.1:{}", free_port());
    env.run(&mut jarvis(
        &env,
        &["fleet", "status", "--prometheus", &url],
    ))
    .assert_code(1)
    .assert_stderr_contains(&format!("Prometheus at {url}: connection refused"));
    env.run(&mut jarvis(
        &env,
        &["fleet", "status", "--prometheus", "prom:9090"],
    ))
    .assert_code(1)
    .assert_stderr_contains("is not an http:// or https:// URL");
}
