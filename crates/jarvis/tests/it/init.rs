//! `jarvis mine init`: validation, non-interactive writes, comment-preserving updates.

use jarvis_testkit::TestEnv;

use crate::common::{TESTNET_WALLET, V0_WALLET, WALLET, jarvis};

fn init(env: &TestEnv, extra: &[&str]) -> jarvis_testkit::RunOutput {
    let mut args = vec!["mine", "init"];
    args.extend_from_slice(extra);
    env.run(jarvis(env, &args).stdin(std::process::Stdio::null()))
}

#[test]
fn cpu_init_writes_the_mining_section() {
    let env = TestEnv::new();
    let out = init(
        &env,
        &[
            "--provider",
            "cpu-pearl",
            "--wallet",
            WALLET,
            "--pearld-password-env",
            "TEST_PEARLD_PASSWORD",
        ],
    );
    // Without a terminal too, init ends with what doctor still misses and the start command.
    out.assert_success()
        .assert_stdout_contains("Still missing before mining")
        .assert_stdout_contains("Pearl node: RPC password\n     $TEST_PEARLD_PASSWORD is not set\n")
        .assert_stdout_contains("fix: export TEST_PEARLD_PASSWORD=<pearld rpcpass>")
        .assert_stdout_contains("fix: run `jarvis pearl install-gateway`")
        .assert_stdout_contains("Then start mining:\n  jarvis mine start\n");
    let text = std::fs::read_to_string(env.config_path()).expect("config written");
    assert!(
        text.contains("[mining]\nprovider = \"cpu-pearl\""),
        "{text}"
    );
    assert!(
        text.contains(&format!("wallet_address = \"{WALLET}\"")),
        "{text}"
    );
    assert!(
        text.contains("pearld_rpc_password_env = \"TEST_PEARLD_PASSWORD\""),
        "{text}"
    );
    assert!(text.contains("submit_target = \"solo\""));
}

#[test]
fn auto_picks_cpu_pearl_on_a_host_without_gpus() {
    let env = TestEnv::new();
    init(&env, &["--wallet", WALLET])
        .assert_success()
        .assert_stdout_contains("provider cpu-pearl");
}

#[test]
fn refuses_witness_v0_wrong_network_and_garbage_wallets() {
    let env = TestEnv::new();
    init(&env, &["--provider", "cpu-pearl", "--wallet", V0_WALLET])
        .assert_code(1)
        .assert_stderr_contains("Pearl pays only to Taproot");
    init(
        &env,
        &["--provider", "cpu-pearl", "--wallet", TESTNET_WALLET],
    )
    .assert_code(1)
    .assert_stderr_contains("network");
    init(
        &env,
        &["--provider", "cpu-pearl", "--wallet", "not-a-pearl-address"],
    )
    .assert_code(1)
    .assert_stderr_contains("Invalid wallet address");
    assert!(!env.config_path().exists(), "nothing written on bad input");
    init(
        &env,
        &[
            "--provider",
            "cpu-pearl",
            "--wallet",
            TESTNET_WALLET,
            "--network",
            "testnet",
        ],
    )
    .assert_success();
}

#[test]
fn without_a_terminal_a_missing_wallet_names_the_flag() {
    let env = TestEnv::new();
    init(&env, &["--provider", "cpu-pearl"])
        .assert_code(1)
        .assert_stderr_contains("--wallet is required");
}

#[test]
fn validates_urls_ports_devices_and_env_names_before_writing() {
    let env = TestEnv::new();
    let base = ["--provider", "cpu-pearl", "--wallet", WALLET];
    let cases: [(&[&str], &str); 5] = [
        (
            &["--pearld-url", "localhost:44107"],
            "must start with http:// or https://",
        ),
        (&["--pearld-url", "http://u:p@host:1"], "env var"),
        (
            &["--pearld-password-env", "hunter2!"],
            "not an environment variable name",
        ),
        (&["--cuda-visible-devices", "zero"], "not a GPU index"),
        (
            &["--pearld-rpc-cert", "/nonexistent/rpc.cert"],
            "--pearld-rpc-cert",
        ),
    ];
    for (flags, message) in cases {
        let mut args = base.to_vec();
        args.extend_from_slice(flags);
        init(&env, &args)
            .assert_code(1)
            .assert_stderr_contains(message);
    }
    // A password passed where its env var NAME belongs is never echoed back.
    let mut args = base.to_vec();
    args.extend_from_slice(&["--pearld-password-env", "hunter2!"]);
    init(&env, &args).assert_output_lacks("hunter2!");
    let mut args = base.to_vec();
    args.extend_from_slice(&["--gateway-port", "0"]);
    init(&env, &args).assert_code(2);
    assert!(!env.config_path().exists());
}

#[test]
fn rerun_updates_values_and_keeps_comments_and_other_sections() {
    let env = TestEnv::new();
    env.write_config("# my jarvis config\n[engine]\ndefault = \"ollama\" # keep me\n");
    init(&env, &["--provider", "cpu-pearl", "--wallet", WALLET]).assert_success();
    init(&env, &["--threads", "3", "--gateway-port", "9000"]).assert_success();
    let text = std::fs::read_to_string(env.config_path()).expect("config");
    assert!(
        text.starts_with("# my jarvis config\n[engine]\ndefault = \"ollama\" # keep me\n"),
        "{text}"
    );
    assert!(
        text.contains("threads = 3") && text.contains("gateway_port = 9000"),
        "{text}"
    );
    assert!(
        text.contains("provider = \"cpu-pearl\""),
        "an existing config keeps its provider: {text}"
    );
    let again = init(&env, &["--threads", "3"]);
    again.assert_success().assert_stdout_contains("Unchanged");
}

#[test]
fn replacing_the_wallet_or_provider_needs_force() {
    let env = TestEnv::new();
    init(&env, &["--provider", "cpu-pearl", "--wallet", WALLET]).assert_success();
    init(&env, &["--provider", "vllm-pearl", "--skip-hardware-check"])
        .assert_code(1)
        .assert_stderr_contains("--force");
    init(
        &env,
        &[
            "--provider",
            "vllm-pearl",
            "--skip-hardware-check",
            "--force",
            "--cuda-visible-devices",
            "0,1",
        ],
    )
    .assert_success()
    .assert_stderr_contains("--skip-hardware-check");
    let text = std::fs::read_to_string(env.config_path()).expect("config");
    assert!(
        text.contains("provider = \"vllm-pearl\"")
            && text.contains("cuda_visible_devices = \"0,1\""),
        "{text}"
    );
}

#[test]
fn vllm_on_a_host_without_hopper_is_refused_with_the_reason() {
    let env = TestEnv::new();
    init(&env, &["--provider", "vllm-pearl", "--wallet", WALLET])
        .assert_code(1)
        .assert_stderr_contains("vllm-pearl is not supported on this host: no GPU detected");
}

#[test]
fn local_model_path_and_vllm_args_are_written_as_data() {
    let env = TestEnv::new();
    let model_dir = env.home().join("models/pearl \"quoted\"");
    std::fs::create_dir_all(&model_dir).expect("mkdir");
    let dir = model_dir.to_str().expect("utf8");
    init(
        &env,
        &[
            "--provider",
            "vllm-pearl",
            "--skip-hardware-check",
            "--wallet",
            WALLET,
            "--model",
            "pearl-ai/Gemma-4-31B-it-pearl",
            "--local-model-path",
            dir,
            "--vllm-arg",
            "--language-model-only",
            "--vllm-arg",
            "--skip-mm-profiling",
        ],
    )
    .assert_success();
    let text = std::fs::read_to_string(env.config_path()).expect("config");
    assert!(
        text.contains("model = \"pearl-ai/Gemma-4-31B-it-pearl\""),
        "{text}"
    );
    assert!(
        text.contains("vllm_args = [\"--language-model-only\", \"--skip-mm-profiling\"]"),
        "{text}"
    );
    assert!(
        text.contains(&format!("local_model_path = '{dir}'")),
        "quotes are kept as data: {text}"
    );
    init(&env, &["--local-model-path", "/definitely/missing"])
        .assert_code(1)
        .assert_stderr_contains("does not exist");
}

#[test]
fn json_output_describes_the_written_section() {
    let env = TestEnv::new();
    let out = init(
        &env,
        &["--provider", "cpu-pearl", "--wallet", WALLET, "--json"],
    );
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(v["changed"], true);
    assert_eq!(v["mining"]["provider"], "cpu-pearl");
    assert_eq!(v["mining"]["extra"]["metrics_port"], 9109);
}
