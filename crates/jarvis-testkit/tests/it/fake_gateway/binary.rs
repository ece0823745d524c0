//! The `fake-pearl-gateway` executable: env like the real gateway, logs, record file, signals.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use pearl_protocol::address::{Network, encode_taproot_address};
use pearl_protocol::gateway::GatewayAddress;
use pearl_rpc::gateway::{GatewayClient, GatewayError};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use super::mine;

const EXE: &str = env!("CARGO_BIN_EXE_fake-pearl-gateway");
const TIMEOUT: Duration = Duration::from_secs(5);

fn command(envs: &[(&str, &str)]) -> Command {
    with_env(Command::new(EXE), envs)
}

/// `program start` with a cleared environment plus the gateway's required settings.
fn with_env(mut command: Command, envs: &[(&str, &str)]) -> Command {
    command
        .arg("start")
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let address = encode_taproot_address(Network::Regtest, &[7; 32]);
    command.env("PEARLD_MINING_ADDRESS", address.as_str());
    command.env("PEARLD_RPC_PASSWORD", "hunter2");
    for (key, value) in envs {
        command.env(key, value);
    }
    command
}

/// Reads stdout until the start banner; returns the socket/port line and the rest.
async fn started(child: &mut Child) -> (String, Lines<BufReader<ChildStdout>>) {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let listening = tokio::time::timeout(TIMEOUT, lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let banner = tokio::time::timeout(TIMEOUT, lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(banner, "PearlGateway started successfully");
    (listening, lines)
}

async fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().unwrap().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(status.success());
    tokio::time::timeout(TIMEOUT, child.wait())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn serves_records_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("pearlgw.sock");
    let record = dir.path().join("submissions.jsonl");
    let mut child = command(&[
        ("MINER_RPC_SOCKET_PATH", socket.to_str().unwrap()),
        ("FAKE_GATEWAY_RECORD", record.to_str().unwrap()),
    ])
    .spawn()
    .unwrap();
    let (listening, mut lines) = started(&mut child).await;
    assert_eq!(
        listening,
        format!(
            "Miner RPC server listening on Unix socket: {}",
            socket.display()
        )
    );

    let mut client = GatewayClient::connect(GatewayAddress::Unix(socket.clone()), TIMEOUT)
        .await
        .unwrap();
    let job = client.get_mining_info().await.unwrap();
    let proof = mine(&job).await;
    let mut tampered = proof.clone();
    tampered.bt.proof.root[0] ^= 1;
    client.submit_plain_proof(&job, &tampered).await.unwrap();
    client.submit_plain_proof(&job, &proof).await.unwrap();

    let text = std::fs::read_to_string(&record).unwrap();
    let records: Vec<&str> = text.lines().collect();
    assert_eq!(records.len(), 2, "{text}");
    assert!(
        records[0].starts_with(&format!(r#"{{"mining_job": {}, "#, job.raw_json())),
        "{}",
        records[0]
    );
    let first: Value = serde_json::from_str(records[0]).unwrap();
    assert_eq!(first["verdict"], "rejected");
    assert!(first["reason"].as_str().unwrap().contains("verifier"));
    let second: Value = serde_json::from_str(records[1]).unwrap();
    assert_eq!(second["verdict"], "ok");
    assert_eq!(second["plain_proof"], proof.to_base64());

    drop(client);
    let status = terminate(&mut child).await;
    assert!(status.success(), "{status:?}");
    assert_eq!(
        lines.next_line().await.unwrap().as_deref(),
        Some("Miner RPC server stopped")
    );
    assert!(!socket.exists(), "the socket file is removed on exit");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    assert!(!stderr.contains("hunter2") && !text.contains("hunter2"));
}

#[tokio::test]
async fn paused_mode_over_tcp() {
    let mut child = command(&[
        ("MINER_RPC_TRANSPORT", "tcp"),
        ("MINER_RPC_PORT", "0"),
        ("FAKE_GATEWAY_MODE", "paused"),
    ])
    .spawn()
    .unwrap();
    let (listening, _lines) = started(&mut child).await;
    let port: u16 = listening
        .strip_prefix("Miner RPC server listening on TCP: 127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    let address = GatewayAddress::Tcp {
        host: "127.0.0.1".to_owned(),
        port,
    };
    let mut client = GatewayClient::connect(address, TIMEOUT).await.unwrap();
    assert!(matches!(
        client.get_mining_info().await,
        Err(GatewayError::Paused { .. })
    ));
    assert!(terminate(&mut child).await.success());
}

#[tokio::test]
async fn crash_mode_exits_non_zero_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("gw.sock");
    let mut child = command(&[
        ("MINER_RPC_SOCKET_PATH", socket.to_str().unwrap()),
        ("FAKE_GATEWAY_MODE", "crash_after_ms=50"),
    ])
    .spawn()
    .unwrap();
    let _stdout = started(&mut child).await;
    let status = tokio::time::timeout(TIMEOUT, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(70));
}

async fn failed_start(command: &mut Command) -> String {
    let output = tokio::time::timeout(TIMEOUT, command.output())
        .await
        .unwrap()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    String::from_utf8(output.stderr).unwrap()
}

#[tokio::test]
async fn refuses_to_start_without_a_valid_mining_address_or_with_bad_settings() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("gw.sock");
    let socket_env = ("MINER_RPC_SOCKET_PATH", socket.to_str().unwrap());
    let mut missing = command(&[socket_env]);
    missing.env_remove("PEARLD_MINING_ADDRESS");
    assert!(
        failed_start(&mut missing)
            .await
            .contains("PEARLD_MINING_ADDRESS")
    );
    let mut bad = command(&[socket_env, ("PEARLD_MINING_ADDRESS", "bc1qnotataproot")]);
    assert!(failed_start(&mut bad).await.contains("Taproot"));
    let mut mode = command(&[socket_env, ("FAKE_GATEWAY_MODE", "explode")]);
    assert!(failed_start(&mut mode).await.contains("FAKE_GATEWAY_MODE"));
    for pending in ["0", "-1", "many"] {
        let mut queue = command(&[socket_env, ("GATEWAY_PROOF_MAX_PENDING", pending)]);
        assert!(
            failed_start(&mut queue)
                .await
                .contains("GATEWAY_PROOF_MAX_PENDING")
        );
    }
    let mut no_start = Command::new(EXE);
    no_start.env_clear();
    assert!(failed_start(&mut no_start).await.contains("usage"));
    assert!(!Path::new(&socket).exists());
}

#[tokio::test]
async fn is_found_and_runs_as_pearl_gateway_from_path() {
    let found =
        jarvis_testkit::fake_gateway::find_exe().expect("cargo built the binary for this test");
    assert_eq!(
        found.canonicalize().unwrap(),
        Path::new(EXE).canonicalize().unwrap()
    );
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let link = jarvis_testkit::fake_gateway::install_as_pearl_gateway(&found, &bin).unwrap();
    assert_eq!(link, bin.join("pearl-gateway"));
    let socket = dir.path().join("gw.sock");
    let envs = [
        ("MINER_RPC_SOCKET_PATH", socket.to_str().unwrap()),
        ("PATH", bin.to_str().unwrap()),
    ];
    let mut cmd = with_env(Command::new("pearl-gateway"), &envs);
    let mut child = cmd.spawn().unwrap();
    let (listening, _stdout) = started(&mut child).await;
    assert!(listening.ends_with(socket.to_str().unwrap()));
    assert!(terminate(&mut child).await.success());
}
