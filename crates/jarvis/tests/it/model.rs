//! `jarvis mine inspect-model` and `jarvis mine validate-model` through the binary.

use jarvis_testkit::fake_hub::{FakeHub, HubRepo};
use jarvis_testkit::fake_vllm::{FakeVllm, FakeVllmOptions};
use jarvis_testkit::pearl_artifact::{ArtifactFlaw, write_pearl_artifact};
use jarvis_testkit::{RunOutput, TestEnv};
use serde_json::Value;

use crate::common::jarvis;

const PLANNED: &str = "pearl-ai/Llama-3.1-8B-Instruct-pearl";

async fn run(env: &TestEnv, cmd: &mut std::process::Command) -> RunOutput {
    tokio::task::block_in_place(|| env.run(cmd))
}

#[test]
fn inspect_a_valid_local_artifact_passes() {
    let env = TestEnv::new();
    let dir = env.home().join("model");
    write_pearl_artifact(&dir, ArtifactFlaw::None);
    let out = env.run(&mut jarvis(
        &env,
        &["mine", "inspect-model", "--model", dir.to_str().unwrap()],
    ));
    out.assert_success()
        .assert_stdout_contains("Pearl Model Artifact Inspection")
        .assert_stdout_contains("Pearl quantization")
        .assert_stdout_contains("6 int7 mining weights")
        .assert_stdout_contains("Artifact inspection passed.");
    assert!(
        out.stdout().lines().all(|l| l.chars().count() <= 100),
        "{}",
        out.stdout()
    );
}

#[test]
fn inspect_failures_exit_1_with_json_rows_and_an_output_file() {
    let env = TestEnv::new();
    let dir = env.home().join("model");
    write_pearl_artifact(&dir, ArtifactFlaw::MissingShard);
    let report_path = env.home().join("reports").join("inspect.json");
    let out = env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "inspect-model",
            "--model",
            dir.to_str().unwrap(),
            "--json",
            "--output",
            report_path.to_str().unwrap(),
        ],
    ));
    out.assert_code(1);
    let printed: Value = serde_json::from_str(&out.stdout()).unwrap();
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_eq!(printed, written);
    assert_eq!(printed["schema_version"], 1);
    assert_eq!(printed["status"], "failed");
    assert_eq!(printed["source"], "local");
    let weights = printed["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Weights")
        .unwrap();
    assert_eq!(weights["status"], "fail");
    assert!(weights["info"].as_str().unwrap().contains("missing shard"));
}

#[tokio::test(flavor = "multi_thread")]
async fn inspect_a_gated_hub_model_with_the_token_from_the_named_env_var() {
    let env = TestEnv::new();
    let dir = env.home().join("model");
    write_pearl_artifact(&dir, ArtifactFlaw::None);
    let mut repo = HubRepo::public(PLANNED, &dir);
    repo.gated = true;
    let hub = FakeHub::start(vec![repo], "hf_cli_secret").await;
    let args = [
        "mine",
        "inspect-model",
        "--model",
        PLANNED,
        "--allow-planned",
    ];

    let mut cmd = jarvis(&env, &args);
    cmd.env("HF_ENDPOINT", hub.url());
    run(&env, &mut cmd)
        .await
        .assert_code(1)
        .assert_stdout_contains("HTTP 401")
        .assert_stdout_contains("$HF_TOKEN");

    let mut cmd = jarvis(&env, &[&args[..], &["--hf-token-env", "MY_HF"]].concat());
    cmd.env("HF_ENDPOINT", hub.url())
        .env("MY_HF", "hf_cli_secret");
    run(&env, &mut cmd)
        .await
        .assert_success()
        .assert_stdout_contains("accessible at")
        .assert_output_lacks("hf_cli_secret");
}

#[test]
fn validate_without_a_miner_fails_and_still_writes_the_artifact() {
    let env = TestEnv::new();
    let artifact = env.home().join("validation.json");
    let out = env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "validate-model",
            "--output",
            artifact.to_str().unwrap(),
            "--timeout",
            "1",
        ],
    ));
    out.assert_code(1)
        .assert_stdout_contains("Pearl Model Validation")
        .assert_stdout_contains("absent")
        .assert_stdout_contains("jarvis mine start")
        .assert_stdout_contains("Validation artifact written to");
    let value: Value = serde_json::from_str(&std::fs::read_to_string(&artifact).unwrap()).unwrap();
    assert_eq!(value["schema_version"], 1);
    assert_eq!(value["status"], "failed");
    assert_eq!(value["model"], "pearl-ai/Llama-3.3-70B-Instruct-pearl");
    assert!(value["host"]["hostname"].is_string());
    assert!(
        value["probes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Sidecar")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_probes_the_sidecar_endpoint() {
    let env = TestEnv::new();
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let runtime = env.oj_home().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    let sidecar = serde_json::json!({"schema_version": 1, "provider": "vllm-pearl",
        "vllm_endpoint": vllm.v1_url(), "model": "pearl-ai/Llama-3.3-70B-Instruct-pearl",
        "container_id": "0123456789ab", "wallet_address": "", "started_at": 1});
    std::fs::write(runtime.join("mining.json"), sidecar.to_string()).unwrap();
    let out = run(
        &env,
        &mut jarvis(
            &env,
            &[
                "mine",
                "validate-model",
                "--json",
                "--prompt",
                "hi",
                "--timeout",
                "2",
            ],
        ),
    )
    .await;
    // pearld and the container log are unavailable here, so the verdict is a failure, but the
    // endpoint probes ran against the sidecar's vLLM.
    out.assert_code(1);
    let value: Value = serde_json::from_str(&out.stdout()).unwrap();
    let status = |name: &str| {
        value["probes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["status"].clone())
    };
    assert_eq!(status("Sidecar"), Some("ok".into()));
    assert_eq!(status("vLLM /v1/models"), Some("ok".into()));
    assert_eq!(status("Chat completion"), Some("ok".into()));
    assert_eq!(status("vLLM /metrics"), Some("ok".into()));
    let chat = vllm
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/chat/completions")
        .unwrap();
    assert_eq!(chat.json().unwrap()["messages"][0]["content"], "hi");
}
