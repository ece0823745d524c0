//! `jarvis mine doctor` end to end against a fake pearld.

use jarvis_testkit::{FakeMode, FakePearld, FakePearldOptions, TestEnv};

use crate::common::{WALLET, jarvis};

/// Puts an executable `pearl-gateway` on the command's PATH (cpu-pearl's doctor row wants it).
fn with_gateway_on_path(env: &TestEnv, cmd: &mut std::process::Command) {
    use std::os::unix::fs::PermissionsExt;
    let bin = env.home().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let exe = bin.join("pearl-gateway");
    std::fs::write(&exe, "#!/bin/sh\nexit 0\n").expect("write");
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = std::env::var("PATH").unwrap_or_default();
    cmd.env("PATH", format!("{}:{path}", bin.display()));
}

fn configure(env: &TestEnv, url: &str) {
    env.write_config(&format!(
        "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"{WALLET}\"\n\n[mining.extra]\npearld_rpc_url = \"{url}\"\nmetrics_port = {port}\n",
        port = free_port()
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_setup_exits_zero_and_json_has_the_same_rows() {
    let env = TestEnv::new();
    let fake = FakePearld::start(FakePearldOptions::default()).await;
    configure(&env, &fake.url());
    let mut cmd = jarvis(&env, &["mine", "doctor"]);
    cmd.env("PEARLD_RPC_PASSWORD", "rpcpass");
    with_gateway_on_path(&env, &mut cmd);
    let out = env.run(&mut cmd);
    out.assert_success()
        .assert_stdout_contains("Pearl Mining Doctor")
        .assert_stdout_contains("cpu-pearl              SUPPORTED (configured)")
        .assert_stdout_contains("Ready to mine with cpu-pearl")
        .assert_output_lacks("rpcpass");
    assert!(
        out.stdout().lines().all(|l| l.chars().count() <= 100),
        "{}",
        out.stdout()
    );

    let mut cmd = jarvis(&env, &["mine", "doctor", "--json"]);
    cmd.env("PEARLD_RPC_PASSWORD", "rpcpass");
    with_gateway_on_path(&env, &mut cmd);
    let out = env.run(&mut cmd);
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(v["passed"], true);
    assert_eq!(v["configured_provider"], "cpu-pearl");
    let names: Vec<&str> = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    for name in [
        "CPU",
        "RPC",
        "RPC password",
        "Address format",
        "Configured provider",
        "Sidecar",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_rows_exit_one() {
    let env = TestEnv::new();
    let fake = FakePearld::start(FakePearldOptions {
        mode: FakeMode::NullResult,
        ..Default::default()
    })
    .await;
    configure(&env, &fake.url());
    let mut cmd = jarvis(&env, &["mine", "doctor"]);
    cmd.env("PEARLD_RPC_PASSWORD", "rpcpass");
    let out = env.run(&mut cmd);
    out.assert_code(1).assert_stdout_contains("FAIL");
    assert!(
        out.stdout().contains("null"),
        "the row says pearld answered null: {}",
        out.stdout()
    );
}

#[test]
fn without_config_doctor_says_init_and_exits_one() {
    let env = TestEnv::new();
    env.run(&mut jarvis(&env, &["mine", "doctor"]))
        .assert_code(1)
        .assert_stdout_contains("jarvis mine init");
}

#[test]
fn a_broken_config_is_a_row_with_line_and_column() {
    let env = TestEnv::new();
    env.write_config("[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"x\"\n[mining.extra]\ngateway_port = 70000\n");
    let out = env.run(&mut jarvis(&env, &["mine", "doctor"]));
    out.assert_code(1)
        .assert_stdout_contains("config.toml:5:16");
}

/// A port nothing listens on now, so the metrics-port row does not depend on this machine.
fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("an ephemeral port")
}
