//! `jarvis mine attach | detach`, and the vllm-pearl start -> status -> logs -> stop path through
//! the binary against a fake Docker Engine and a fake vLLM.

use std::process::Command;

use jarvis_testkit::fake_docker::FakeDocker;
use jarvis_testkit::fake_vllm::{FakeVllm, FakeVllmOptions};
use jarvis_testkit::{FakePearld, FakePearldOptions, RunOutput, TestEnv};

use crate::common::{WALLET, jarvis};

const PASSWORD: &str = "cli-s3cret-password";

/// Runs the binary without starving the fakes served by this runtime's other worker.
async fn run(env: &TestEnv, mut cmd: Command) -> RunOutput {
    tokio::task::block_in_place(|| env.run(&mut cmd))
}

/// A fake vLLM and a fake pearld (RPC password [`PASSWORD`]), and the vllm-pearl config that
/// names them; the fakes serve as long as the returned values live.
async fn vllm_pearl_config(env: &TestEnv) -> (FakeVllm, FakePearld) {
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let pearld = FakePearld::start(FakePearldOptions {
        password: PASSWORD.to_owned(),
        ..FakePearldOptions::default()
    })
    .await;
    env.write_config(&format!(
        "[mining]\nprovider = \"vllm-pearl\"\nwallet_address = \"{WALLET}\"\n\n[mining.extra]\nvllm_port = {}\npearld_rpc_url = \"{}\"\n",
        vllm.addr().port(),
        pearld.url()
    ));
    (vllm, pearld)
}

/// `jarvis ARGS` against the fake Docker Engine, with the RPC password in its environment.
fn jarvis_on(env: &TestEnv, docker: &FakeDocker, args: &[&str]) -> Command {
    let mut cmd = jarvis(env, args);
    cmd.env("DOCKER_HOST", docker.host())
        .env("PEARLD_RPC_PASSWORD", PASSWORD);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_writes_a_sidecar_and_detach_removes_it() {
    let env = TestEnv::new();
    let vllm = FakeVllm::start(FakeVllmOptions::default()).await;
    let out = run(
        &env,
        jarvis(
            &env,
            &[
                "mine",
                "attach",
                "--vllm-endpoint",
                &vllm.url(),
                "--wallet",
                WALLET,
                "--container-id",
                "abc123",
            ],
        ),
    )
    .await;
    out.assert_success()
        .assert_stdout_contains("Sidecar written to");
    let path = env.oj_home().join("runtime/mining.json");
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(sidecar["provider"], "vllm-pearl");
    assert_eq!(sidecar["vllm_endpoint"], vllm.v1_url());
    assert_eq!(sidecar["container_id"], "abc123");
    assert_eq!(sidecar["wallet_address"], WALLET);
    assert!(vllm.requests().iter().any(|r| r.path == "/v1/models"));

    let out = run(&env, jarvis(&env, &["mine", "detach", "--json"])).await;
    out.assert_success();
    let answer: serde_json::Value = serde_json::from_str(&out.stdout()).unwrap();
    assert_eq!(answer["removed"], true);
    assert!(!path.exists());
    run(&env, jarvis(&env, &["mine", "detach"]))
        .await
        .assert_success()
        .assert_stdout_contains("Nothing attached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_refuses_an_endpoint_that_does_not_answer() {
    let env = TestEnv::new();
    let out = run(
        &env,
        jarvis(
            &env,
            &["mine", "attach", "--vllm-endpoint", "http://127.0.0.1:9/v1"],
        ),
    )
    .await;
    out.assert_failure()
        .assert_stderr_contains("/v1/models did not answer");
    assert!(!env.oj_home().join("runtime/mining.json").exists());
    // The endpoint flag is required (clap usage error).
    run(&env, jarvis(&env, &["mine", "attach"]))
        .await
        .assert_code(2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_status_logs_stop_through_the_binary() {
    let env = TestEnv::new();
    let docker = FakeDocker::start().await;
    docker.add_image("openjarvis/pearl-miner:master", &[]);
    docker.set_default_logs(&[
        "INFO Block accepted by node!",
        "DEBUG PEARLD_RPC_PASSWORD=cli-s3cret-password",
        "WARNING 12-03 12:00:04 [scheduler.py:42] KV cache is low",
        "Loading safetensors checkpoint shards: 100%",
    ]);
    let (_vllm, _pearld) = vllm_pearl_config(&env).await;
    let with_env = |args: &[&str]| jarvis_on(&env, &docker, args);
    let out = run(
        &env,
        with_env(&["mine", "start", "--skip-hardware-check", "--json"]),
    )
    .await;
    out.assert_success().assert_output_lacks(PASSWORD);
    assert_eq!(docker.containers().len(), 1);

    let out = run(&env, with_env(&["mine", "status", "--json"])).await;
    out.assert_success().assert_output_lacks(PASSWORD);
    let status: serde_json::Value = serde_json::from_str(&out.stdout()).unwrap();
    assert_eq!(status["stats"]["blocks_found"], 1, "{status:#}");
    assert_eq!(
        status["stats"]["details"]["container_state"], "running",
        "{status:#}"
    );

    let out = run(&env, with_env(&["mine", "logs", "-n", "10"])).await;
    out.assert_success()
        .assert_stdout_contains("Block accepted by node!")
        .assert_output_lacks(PASSWORD);
    // Each line with the time the engine recorded (asked for with `timestamps`) and the level
    // vLLM wrote at its start; a line without a level keeps `null`, never made up.
    let out = run(&env, with_env(&["mine", "logs", "-n", "10", "--json"])).await;
    out.assert_success().assert_output_lacks(PASSWORD);
    let records: Vec<serde_json::Value> = out
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    let shown: Vec<(&str, &serde_json::Value, &str)> = records
        .iter()
        .map(|r| {
            assert_eq!(r["source"], "container", "{r}");
            assert_eq!(
                r["timestamp"],
                jarvis_testkit::fake_docker::LOG_TIMESTAMP,
                "{r}"
            );
            (
                r["timestamp"].as_str().unwrap(),
                &r["level"],
                r["message"].as_str().unwrap(),
            )
        })
        .collect();
    let level = |name: &str| serde_json::Value::String(name.to_owned());
    let time = jarvis_testkit::fake_docker::LOG_TIMESTAMP;
    assert_eq!(
        shown,
        vec![
            (time, &level("INFO"), "Block accepted by node!"),
            (time, &level("DEBUG"), "PEARLD_RPC_PASSWORD=[REDACTED]"),
            (time, &level("WARN"), "[scheduler.py:42] KV cache is low"),
            (
                time,
                &serde_json::Value::Null,
                "Loading safetensors checkpoint shards: 100%"
            ),
        ],
        "{}",
        out.stdout()
    );
    // People see each line as the container wrote it, without the engine's time prefix.
    let out = run(&env, with_env(&["mine", "logs", "-n", "10"])).await;
    out.assert_success()
        .assert_stdout_contains("WARNING 12-03 12:00:04 [scheduler.py:42] KV cache is low")
        .assert_output_lacks(time)
        .assert_output_lacks(PASSWORD);

    run(&env, with_env(&["mine", "stop"]))
        .await
        .assert_success();
    assert!(docker.containers().is_empty());
    assert!(!env.oj_home().join("runtime/mining.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_with_the_engine_down_is_a_clear_error_without_a_backtrace() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "[mining]\nprovider = \"vllm-pearl\"\nwallet_address = \"{WALLET}\"\n"
    ));
    let mut cmd = jarvis(&env, &["mine", "start", "--skip-hardware-check"]);
    cmd.env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("PEARLD_RPC_PASSWORD", PASSWORD);
    let out = run(&env, cmd).await;
    out.assert_failure()
        .assert_stderr_contains("/nonexistent/docker.sock does not exist")
        .assert_stderr_contains("systemctl start docker")
        .assert_output_lacks("panicked")
        .assert_output_lacks(PASSWORD);
}

/// A line longer than Docker's 16 KiB log buffer reaches the logs API as pieces, each with the
/// engine's time in front (the fake cuts it as dockerd does): `mine logs` shows it as one line
/// with one time, in text and JSON, with a history and following, a date in the message
/// untouched, a character cut between pieces whole, and a secret in a later piece redacted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mine_logs_rejoins_a_line_docker_cut_into_pieces() {
    use jarvis_testkit::fake_docker::{LOG_PIECE, LOG_TIMESTAMP};
    let env = TestEnv::new();
    let docker = FakeDocker::start().await;
    docker.add_image("openjarvis/pearl-miner:master", &[]);
    let head = "INFO 12-03 12:00:04 [x.py:1] ";
    // `é` straddles the first boundary; the second piece holds a date and the password.
    let first = format!("{head}{}é", "a".repeat(LOG_PIECE - head.len() - 1));
    let long = format!(
        "{first}{} seen at {LOG_TIMESTAMP} PEARLD_RPC_PASSWORD={PASSWORD} done",
        "b".repeat(LOG_PIECE)
    );
    let short = format!("short line written at {LOG_TIMESTAMP} by hand");
    docker.set_default_logs(&[&long, &short]);
    let (_vllm, _pearld) = vllm_pearl_config(&env).await;
    let with_env = |args: &[&str]| jarvis_on(&env, &docker, args);
    run(&env, with_env(&["mine", "start", "--skip-hardware-check"]))
        .await
        .assert_success();
    let redacted = long.replace(PASSWORD, "[REDACTED]");
    let message = redacted.strip_prefix("INFO 12-03 12:00:04 ").unwrap();

    for follow in [false, true] {
        let mut args = vec!["mine", "logs", "-n", "10", "--json"];
        if follow {
            args.push("-f");
        }
        let out = run(&env, with_env(&args)).await;
        out.assert_success().assert_output_lacks(PASSWORD);
        let records: Vec<serde_json::Value> = out
            .stdout()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:.200}")))
            .collect();
        assert_eq!(records.len(), 2, "follow {follow}");
        assert_eq!(records[0]["timestamp"], LOG_TIMESTAMP);
        assert_eq!(records[0]["level"], "INFO");
        let got = records[0]["message"].as_str().unwrap_or_default();
        assert_eq!(got.len(), message.len(), "follow {follow}");
        assert!(
            got == message,
            "follow {follow}: {}",
            first_difference(got, message)
        );
        assert_eq!(records[1]["timestamp"], LOG_TIMESTAMP);
        assert_eq!(records[1]["message"], short.as_str());

        args.retain(|a| *a != "--json");
        let out = run(&env, with_env(&args)).await;
        out.assert_success().assert_output_lacks(PASSWORD);
        let text = out.stdout();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "follow {follow}");
        assert!(lines[0].ends_with(&redacted), "follow {follow}");
        assert!(lines[1].ends_with(&short), "{}", lines[1]);
        // The time appears only where the container wrote it.
        assert_eq!(text.matches(LOG_TIMESTAMP).count(), 2, "follow {follow}");
    }

    run(&env, with_env(&["mine", "stop"]))
        .await
        .assert_success();
}

/// Where `a` and `b` first differ, with some text around it (long lines in assertions).
fn first_difference(a: &str, b: &str) -> String {
    let at = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let around = |s: &str| {
        let from = s.floor_char_boundary(at.saturating_sub(40));
        let to = s.floor_char_boundary((at + 80).min(s.len()));
        s[from..to].to_owned()
    };
    format!("byte {at}: {:?} vs {:?}", around(a), around(b))
}
