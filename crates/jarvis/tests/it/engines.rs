//! `jarvis engines` and `jarvis ask` against fake vLLM / Ollama servers and hand-written
//! sidecars: discovery follows the sidecar, `ask` streams, failures are clear.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::Stdio;

use jarvis_testkit::fake_ollama::FakeOllama;
use jarvis_testkit::fake_vllm::{FakeVllm, FakeVllmOptions};
use jarvis_testkit::{RunOutput, TestEnv};
use serde_json::Value;

use crate::common::jarvis;

const MODEL: &str = "pearl-ai/Llama-3.3-70B-Instruct-pearl";

/// A loopback URL nothing listens on.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn sidecar_path(env: &TestEnv) -> PathBuf {
    env.oj_home().join("runtime").join("mining.json")
}

fn write_sidecar(env: &TestEnv, value: &Value) {
    let path = sidecar_path(env);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, value.to_string()).unwrap();
}

/// A vllm-pearl sidecar (container liveness is unverifiable here, so it counts as present).
fn mining_sidecar(endpoint: &str) -> Value {
    serde_json::json!({"schema_version": 1, "provider": "vllm-pearl", "vllm_endpoint": endpoint,
        "model": MODEL, "container_id": "0123456789ab", "wallet_address": "", "started_at": 1})
}

/// Config pointing the default engines at `vllm` and `ollama`.
fn config(env: &TestEnv, vllm: &str, ollama: &str) {
    env.write_config(&format!(
        "[engine.vllm]\nurl = \"{vllm}\"\n\n[engine.ollama]\nurl = \"{ollama}\"\n"
    ));
}

async fn run(env: &TestEnv, args: &[&str]) -> RunOutput {
    let mut cmd = jarvis(env, args);
    // The fakes run on this runtime's other workers while the CLI runs.
    tokio::task::block_in_place(|| env.run(&mut cmd))
}

fn json(out: &RunOutput) -> Value {
    serde_json::from_str(&out.stdout()).unwrap_or_else(|e| panic!("{e}\n{}", out.report()))
}

fn engine<'a>(report: &'a Value, id: &str) -> Option<&'a Value> {
    report["engines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
}

#[tokio::test(flavor = "multi_thread")]
async fn engines_lists_probes_and_follows_the_sidecar() {
    let env = TestEnv::new();
    let mining = FakeVllm::start(FakeVllmOptions::default()).await;
    let ollama = FakeOllama::start(vec!["llama3.2:latest".into()], "hi").await;
    config(&env, &format!("{}/v1", dead_url()), &ollama.url());

    let before = run(&env, &["engines", "--json"]).await;
    before.assert_success();
    let report = json(&before);
    assert_eq!(report["preferred"], "vllm");
    assert!(engine(&report, "vllm-pearl-mining").is_none());
    assert_eq!(engine(&report, "vllm").unwrap()["health"]["state"], "down");
    let o = engine(&report, "ollama").unwrap();
    assert_eq!(o["health"]["state"], "up");
    assert_eq!(o["health"]["models"][0], "llama3.2:latest");

    write_sidecar(&env, &mining_sidecar(&mining.v1_url()));
    let during = json(&run(&env, &["engines", "--json"]).await);
    assert_eq!(during["preferred"], "vllm-pearl-mining");
    let m = engine(&during, "vllm-pearl-mining").unwrap();
    assert_eq!(m["url"], mining.v1_url());
    assert_eq!(m["model"], MODEL);
    assert_eq!(m["origin"], "mining-sidecar");
    assert_eq!(m["preferred"], true);
    assert_eq!(m["health"]["state"], "up");
    assert_eq!(mining.requests()[0].path, "/v1/models");

    std::fs::remove_file(sidecar_path(&env)).unwrap();
    let after = json(&run(&env, &["engines", "--json"]).await);
    assert!(engine(&after, "vllm-pearl-mining").is_none());
    assert_eq!(after["preferred"], "vllm");

    let human = run(&env, &["engines"]).await;
    human
        .assert_success()
        .assert_stdout_contains("Inference engines (preferred: vllm)")
        .assert_stdout_contains("down: connection refused")
        .assert_stdout_contains("llama3.2:latest");
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_and_corrupt_sidecars_are_ignored_with_a_warning() {
    let env = TestEnv::new();
    let mining = FakeVllm::start(FakeVllmOptions::default()).await;
    config(&env, &format!("{}/v1", dead_url()), &dead_url());
    let mut stale = mining_sidecar(&mining.v1_url());
    stale["processes"] = serde_json::json!([{"role": "gateway", "pid": 99_999_999_u32,
        "start_time": 1}]);
    write_sidecar(&env, &stale);
    let out = run(&env, &["engines", "--json"]).await;
    out.assert_success()
        .assert_stderr_contains("warning: ignoring the stale mining sidecar");
    assert!(engine(&json(&out), "vllm-pearl-mining").is_none());

    std::fs::write(sidecar_path(&env), "{ not json").unwrap();
    let out = run(&env, &["engines", "--json"]).await;
    out.assert_success()
        .assert_stderr_contains("warning: ignoring the unreadable mining sidecar");
    assert!(engine(&json(&out), "vllm-pearl-mining").is_none());
    assert!(
        mining.requests().is_empty(),
        "an ignored sidecar is never probed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sidecar_without_vllm_endpoint_is_ignored_silently() {
    let env = TestEnv::new();
    config(&env, &format!("{}/v1", dead_url()), &dead_url());
    write_sidecar(
        &env,
        &serde_json::json!({"schema_version": 1, "provider": "cpu-pearl",
            "gateway_url": "http://127.0.0.1:8337", "wallet_address": "",
            "container_id": "external"}),
    );
    let out = run(&env, &["engines", "--json"]).await;
    out.assert_success().assert_output_lacks("warning");
    assert!(engine(&json(&out), "vllm-pearl-mining").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn ask_routes_to_the_mining_engine_and_prints_the_reply() {
    let env = TestEnv::new();
    let mining = FakeVllm::start(FakeVllmOptions::default()).await;
    let ollama = FakeOllama::start(vec!["llama3.2:latest".into()], "from ollama").await;
    config(&env, &format!("{}/v1", dead_url()), &ollama.url());
    write_sidecar(&env, &mining_sidecar(&mining.v1_url()));

    let out = run(&env, &["ask", "what is pearl?"]).await;
    out.assert_success().assert_stderr_contains(&format!(
        "engine: vllm-pearl-mining ({}), model: {MODEL}",
        mining.v1_url()
    ));
    assert_eq!(out.stdout(), "Pearl mines while it answers.\n");
    let chat = mining
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/chat/completions")
        .expect("a chat request");
    let body = chat.json().unwrap();
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["stream"], true);
    assert_eq!(body["messages"][0]["content"], "what is pearl?");
    assert!(ollama.requests().iter().all(|r| r.path != "/api/chat"));

    // With the miner gone (sidecar still there), ask says so and uses the next engine.
    write_sidecar(&env, &mining_sidecar(&format!("{}/v1", dead_url())));
    let out = run(&env, &["ask", "hi", "--no-stream"]).await;
    out.assert_success()
        .assert_stderr_contains("warning: preferred engine vllm-pearl-mining does not answer")
        .assert_stderr_contains("engine: ollama");
    assert_eq!(out.stdout(), "from ollama\n");

    let out = run(
        &env,
        &["ask", "hi", "--engine", "ollama", "--no-stream", "--json"],
    )
    .await;
    out.assert_success();
    let report = json(&out);
    assert_eq!(report["engine"], "ollama");
    assert_eq!(report["model"], "llama3.2:latest");
    assert_eq!(report["text"], "from ollama");
    assert_eq!(report["stream"], false);
    assert_eq!(report["completion_tokens"], 2);
    assert!(report["latency_ms"].is_u64());
}

#[tokio::test(flavor = "multi_thread")]
async fn ask_streams_tokens_before_the_reply_ends() {
    let env = TestEnv::new();
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    config(&env, &vllm.v1_url(), &dead_url());
    // Role chunk + first two tokens go out, then the fake holds the stream open.
    vllm.hold_streams_after(3);
    let mut child = jarvis(&env, &["ask", "stream please"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let seen = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 64];
        while !String::from_utf8_lossy(&seen).contains("Pearl mines") {
            let n = stdout.read(&mut buf).unwrap();
            assert!(n > 0, "stdout closed before any token arrived");
            seen.extend_from_slice(&buf[..n]);
        }
        (seen, stdout)
    })
    .await
    .unwrap();
    // The reply is still open (the fake holds it) and the first tokens are already printed.
    assert!(
        child.try_wait().unwrap().is_none(),
        "jarvis exited before the stream ended"
    );
    assert_eq!(String::from_utf8_lossy(&seen.0), "Pearl mines");
    vllm.release();
    let mut rest = String::new();
    let mut stdout = seen.1;
    tokio::task::block_in_place(|| stdout.read_to_string(&mut rest)).unwrap();
    let status = tokio::task::block_in_place(|| child.wait()).unwrap();
    assert!(status.success());
    assert_eq!(rest, " while it answers.\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn ask_fails_clearly_when_no_engine_answers() {
    let env = TestEnv::new();
    let dead_vllm = format!("{}/v1", dead_url());
    config(&env, &dead_vllm, &dead_url());
    let out = run(&env, &["ask", "hello"]).await;
    out.assert_code(1)
        .assert_stderr_contains("no inference engine answers")
        .assert_stderr_contains(&format!("vllm ({dead_vllm}/models)"))
        .assert_stderr_contains("jarvis engines");
    assert_eq!(out.stdout(), "");

    run(&env, &["ask", "hello", "--engine", "llamafile"])
        .await
        .assert_code(1)
        .assert_stderr_contains("unknown engine 'llamafile'");
}

#[tokio::test(flavor = "multi_thread")]
async fn ask_reports_engine_errors_with_the_servers_message() {
    let env = TestEnv::new();
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    config(&env, &vllm.v1_url(), &dead_url());
    run(&env, &["ask", "hi", "--model", "no-such-model"])
        .await
        .assert_code(1)
        .assert_stderr_contains("asking engine 'vllm' failed")
        .assert_stderr_contains("HTTP 404: The model `no-such-model` does not exist.");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_engine_config_is_a_positioned_error() {
    let env = TestEnv::new();
    env.write_config("[engine]\ndefault = \"llamafile\"\n");
    run(&env, &["engines"])
        .await
        .assert_code(1)
        .assert_stderr_contains(
            "config.toml:2:11: engine.default 'llamafile' is not a known engine",
        )
        .assert_stderr_contains("vllm-pearl-mining");
}
