//! `jarvis mine start | status | logs -f | stop` and `jarvis ask` with vllm-pearl on a real
//! Docker Engine running the stand-in miner image.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jarvis_core::process::{Liveness, ProcessIdentity};
use jarvis_telemetry::history::HistoryStore;
use jarvis_testkit::real_engine::{PrivateDockerd, free_port, gpu_engine, plain_engine};
use jarvis_testkit::{RunOutput, TestEnv};
use serde_json::Value;

use super::skipped;
use crate::common::{WALLET, jarvis};

const NAME: &str = "openjarvis-pearl-miner";
const PASSWORD: &str = "pearld-cli-secret-7b1";
const HF_TOKEN: &str = "hf_CliTokenAbCdEfGhIjKlMnOpQrStUv";
const NEEDS: &str = "a real Docker Engine (private dockerd daemons, as root)";

/// A TestEnv with vllm-pearl on `daemon` and the stand-in image; holds the daemon's shared
/// names and removes the miner container when dropped.
struct Cli {
    env: TestEnv,
    daemon: &'static PrivateDockerd,
    port: u16,
    _exclusive: tokio::sync::MutexGuard<'static, ()>,
}

impl Cli {
    fn on(daemon: &'static PrivateDockerd) -> Self {
        let exclusive = daemon.exclusive_blocking();
        daemon.remove_container(NAME);
        let env = TestEnv::new();
        let port = free_port();
        env.write_config(&format!(
            "[mining]\nprovider = \"vllm-pearl\"\nwallet_address = \"{WALLET}\"\n\n[mining.extra]\n\
             vllm_port = {port}\ndocker_image_tag = \"{}\"\nsample_interval_s = 1\n",
            daemon.standin_image()
        ));
        Self {
            env,
            daemon,
            port,
            _exclusive: exclusive,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = jarvis(&self.env, args);
        cmd.env("DOCKER_HOST", self.daemon.host())
            .env("PEARLD_RPC_PASSWORD", PASSWORD)
            .env("HF_TOKEN", HF_TOKEN);
        cmd
    }

    fn run(&self, args: &[&str]) -> RunOutput {
        self.env.run(&mut self.cmd(args))
    }

    fn sidecar(&self) -> Value {
        let path = self.env.oj_home().join("runtime/mining.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("sidecar")).expect("JSON")
    }

    /// The history sampler the sidecar names.
    fn sampler(&self) -> ProcessIdentity {
        let section = &self.sidecar()["supervisor"];
        assert_eq!(section["role"], "sampler", "{section}");
        serde_json::from_value(section["process"].clone()).expect("process identity")
    }

    fn status_json(&self) -> Value {
        let out = self.run(&["mine", "status", "--json"]);
        out.assert_success();
        serde_json::from_str(&out.stdout()).expect("status JSON")
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        self.daemon.remove_container(NAME);
    }
}

fn no_secrets(text: &str) {
    assert!(
        !text.contains(PASSWORD) && !text.contains(HF_TOKEN),
        "a secret leaked: {text}"
    );
}

/// Reads `jarvis mine logs -f` lines on a thread.
struct Follower {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Follower {
    fn start(cli: &Cli) -> Self {
        let mut child = cli
            .cmd(&["mine", "logs", "-n", "50", "-f"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn jarvis mine logs -f");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (10 s at most) for a line containing `needle`.
    fn until(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.seen.iter().any(|l| l.contains(needle)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!(
                    "`logs -f` never showed {needle:?}; it showed {:#?}",
                    self.seen
                ),
            }
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn start_status_ask_logs_and_stop_drive_the_real_container() {
    if skipped(
        "vllm::start_status_ask_logs_and_stop_drive_the_real_container",
        NEEDS,
    ) {
        return;
    }
    let cli = Cli::on(gpu_engine());
    let out = cli.run(&["mine", "start", "--skip-hardware-check"]);
    out.assert_success()
        .assert_stdout_contains("Started vllm-pearl");
    no_secrets(&format!("{}{}", out.stdout(), out.stderr()));
    assert_eq!(
        cli.daemon.inspect(NAME).unwrap()["State"]["Status"],
        "running"
    );

    // The container runs and vLLM answers /health: the session reads "running".
    let out = cli.run(&["mine", "status"]);
    out.assert_success();
    let header = out.stdout().lines().next().unwrap_or_default().to_owned();
    assert!(
        header.starts_with("vllm-pearl  running  up "),
        "{}",
        out.stdout()
    );
    out.assert_stdout_contains("vllm:       answers at http://127.0.0.1:")
        .assert_output_lacks("unverified");
    let status = cli.status_json();
    assert_eq!(status["session"]["state"], "running", "{status:#}");
    assert_eq!(
        status["stats"]["details"]["vllm_health"], "ok",
        "{status:#}"
    );

    // `logs -f` follows the container, redacted; `ask` streams through the container.
    let mut follower = Follower::start(&cli);
    follower.until("PearlGateway started successfully");
    let out = cli.run(&["ask", "what does the miner do?"]);
    out.assert_success().assert_stderr_contains(&format!(
        "engine: vllm-pearl-mining (http://127.0.0.1:{}/v1)",
        cli.port
    ));
    assert_eq!(out.stdout(), "Pearl mines while it answers.\n");
    follower.until("POST /v1/chat/completions");
    follower.until("Received PlainProof submission");
    let followed = follower.seen.join("\n");
    no_secrets(&followed);
    assert!(
        followed.contains("[container] DEBUG pearl-gateway: environment PEARLD_RPC_PASSWORD=[REDACTED] HF_TOKEN=[REDACTED]"),
        "{followed}"
    );
    drop(follower);

    // The sampler beside the container records the proofs the gateway logged.
    let sampler = cli.sampler();
    assert_eq!(sampler.status(), Liveness::Alive);
    let history = cli.env.oj_home().join("telemetry/mining.sqlite");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let samples = HistoryStore::open(&history)
            .and_then(|s| s.samples(0.0))
            .unwrap_or_default();
        if samples
            .iter()
            .any(|s| s.provider == "vllm-pearl" && s.proofs_submitted >= Some(1))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no sample with a proof in {}: {samples:?}",
            history.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // The container stopped behind jarvis' back: status no longer says running.
    cli.daemon.docker_ok(&["stop", "-t", "1", NAME]);
    let status = cli.status_json();
    assert_eq!(status["session"]["state"], "stale", "{status:#}");
    assert_eq!(status["stats"]["details"]["container_state"], "exited");
    cli.run(&["mine", "status"])
        .assert_success()
        .assert_stdout_contains("vllm-pearl  failed")
        .assert_stdout_contains("container:  exited");

    cli.run(&["mine", "stop"])
        .assert_success()
        .assert_stdout_contains("Mining stopped.");
    assert!(
        cli.daemon.inspect(NAME).is_none(),
        "stop removes our container"
    );
    assert_ne!(sampler.status(), Liveness::Alive, "stop ends the sampler");
    cli.run(&["mine", "status"])
        .assert_success()
        .assert_stdout_contains("mining  stopped");
}

#[test]
fn a_refused_gpu_start_leaves_nothing_and_stop_cleans_a_leftover() {
    if skipped(
        "vllm::a_refused_gpu_start_leaves_nothing_and_stop_cleans_a_leftover",
        NEEDS,
    ) {
        return;
    }
    let cli = Cli::on(plain_engine());
    let out = cli.run(&["mine", "start", "--skip-hardware-check"]);
    out.assert_failure()
        .assert_stderr_contains("could not select device driver")
        .assert_stderr_contains("NVIDIA Container Toolkit")
        .assert_stderr_contains("nvidia-ctk runtime configure --runtime=docker")
        .assert_output_lacks("docker group");
    no_secrets(&out.stderr());
    assert!(
        cli.daemon.inspect(NAME).is_none(),
        "no Created container is left"
    );
    cli.run(&["mine", "stop"])
        .assert_success()
        .assert_stdout_contains("not running");

    // A container of ours left without a session (by an older jarvis): stop removes it.
    let id = cli.daemon.docker_ok(&[
        "create",
        "--name",
        NAME,
        "--label",
        "jarvis.managed=true",
        cli.daemon.standin_image(),
        "some-model",
    ]);
    let out = cli.run(&["mine", "stop"]);
    out.assert_success().assert_stdout_contains(&format!(
        "not running; removed container {NAME} ({}, was created)",
        &id[..12]
    ));
    assert!(cli.daemon.inspect(NAME).is_none());
}
