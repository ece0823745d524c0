//! End to end: `jarvis mine start|status|logs|stop` for cpu-pearl with the fake
//! `pearl-gateway` (real NDJSON protocol, verifies every proof) on PATH.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jarvis_core::process::{Liveness, ProcessIdentity, Signal, signal_group, signal_identity};
use jarvis_testkit::fake_gateway::{find_exe, install_as_pearl_gateway};
use jarvis_testkit::{FakeMode, FakePearld, FakePearldOptions, TestEnv};
use serde_json::Value;

use crate::common::{WALLET, jarvis};

const PASSWORD: &str = "pearld-e2e-secret-9f3";

/// A TestEnv with cpu-pearl configured at a tiny shape, the fake gateway on PATH, and a
/// supervisor that is killed on drop whatever the test did.
pub(crate) struct Rig {
    env: TestEnv,
    bin_dir: PathBuf,
    record: PathBuf,
    extra_env: Vec<(String, String)>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("an ephemeral port")
}

fn fake_exe() -> PathBuf {
    find_exe().unwrap_or_else(|| {
        panic!(
            "the fake-pearl-gateway binary is not built; run `cargo build -p jarvis-testkit --bin fake-pearl-gateway` (cargo test --workspace builds it)"
        )
    })
}

impl Rig {
    pub(crate) fn new(extra_toml: &str) -> Self {
        let env = TestEnv::new();
        let bin_dir = env.home().join("bin");
        std::fs::create_dir_all(&bin_dir).expect("mkdir bin");
        install_as_pearl_gateway(&fake_exe(), &bin_dir).expect("link pearl-gateway");
        let port = free_port();
        env.write_config(&format!(
            "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"{WALLET}\"\n\n[mining.extra]\nthreads = 1\nm = 4\nn = 32\nrows_pattern = [0, 1]\ncols_pattern = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]\nmetrics_port = {port}\n{extra_toml}"
        ));
        let record = env.home().join("submissions.jsonl");
        Self {
            env,
            bin_dir,
            record,
            extra_env: Vec::new(),
        }
    }

    pub(crate) fn with_env(mut self, name: &str, value: &str) -> Self {
        self.extra_env.push((name.to_owned(), value.to_owned()));
        self
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = jarvis(&self.env, args);
        let path = format!(
            "{}:{}",
            self.bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.env("PATH", path)
            .env("PEARLD_RPC_PASSWORD", PASSWORD)
            .env("FAKE_GATEWAY_RECORD", &self.record)
            .env("JARVIS_SUPERVISOR_TICK_MS", "100")
            .env("JARVIS_MINER_POLL_MS", "100")
            .env("JARVIS_SUPERVISOR_BACKOFF_MS", "100")
            .env("JARVIS_SUPERVISOR_GRACE_MS", "2000")
            .env("JARVIS_MINE_READY_TIMEOUT_S", "30");
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    pub(crate) fn run(&self, args: &[&str]) -> jarvis_testkit::RunOutput {
        self.env.run(&mut self.cmd(args))
    }

    fn sidecar_path(&self) -> PathBuf {
        self.env.oj_home().join("runtime/mining.json")
    }

    pub(crate) fn sidecar(&self) -> Value {
        let text = std::fs::read_to_string(self.sidecar_path()).expect("sidecar present");
        serde_json::from_str(&text).expect("sidecar JSON")
    }

    fn supervisor(&self) -> ProcessIdentity {
        let s = self.sidecar();
        let entry = &s["processes"][0];
        assert_eq!(entry["role"], "supervisor");
        ProcessIdentity {
            pid: entry["pid"].as_u64().expect("pid") as u32,
            start_time: entry["start_time"].as_u64().expect("start_time"),
        }
    }

    fn gateway(&self) -> ProcessIdentity {
        let s = self.sidecar();
        let gateway = &s["supervisor"]["gateway"];
        let pid = gateway["pid"].as_u64().expect("supervisor.gateway.pid");
        assert_eq!(
            s["gateway_pid"].as_u64(),
            Some(pid),
            "gateway_pid mirrors it for the Python tool"
        );
        ProcessIdentity {
            pid: pid as u32,
            start_time: gateway["start_time"]
                .as_u64()
                .expect("supervisor.gateway.start_time"),
        }
    }

    /// Live fake gateways of this rig, found in /proc (by their `FAKE_GATEWAY_RECORD`), whether
    /// or not a sidecar names them.
    fn live_gateways(&self) -> Vec<u32> {
        let marker = format!("FAKE_GATEWAY_RECORD={}", self.record.display());
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let read =
                    |what: &str| std::fs::read(format!("/proc/{pid}/{what}")).unwrap_or_default();
                let cmdline = read("cmdline");
                let program = cmdline.split(|&b| b == 0).next().unwrap_or_default();
                String::from_utf8_lossy(program).ends_with("pearl-gateway")
                    && read("environ")
                        .split(|&b| b == 0)
                        .any(|var| var == marker.as_bytes())
            })
            .collect()
    }

    pub(crate) fn status(&self) -> Value {
        let out = self.run(&["mine", "status", "--json"]);
        out.assert_success();
        serde_json::from_str(&out.stdout()).expect("status JSON")
    }

    /// Verified submissions the fake gateway recorded.
    /// (verified, rejected) submissions the fake gateway recorded, from one read of the file.
    fn verdicts(&self) -> (usize, usize) {
        let text = std::fs::read_to_string(&self.record).unwrap_or_default();
        let ok = |l: &str| serde_json::from_str::<Value>(l).is_ok_and(|v| v["verdict"] == "ok");
        let verified = text.lines().filter(|l| ok(l)).count();
        (verified, text.lines().count() - verified)
    }

    fn verified(&self) -> usize {
        self.verdicts().0
    }

    fn rejected(&self) -> usize {
        self.verdicts().1
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        // Gateways no sidecar names (a test that failed) go too.
        for pid in self.live_gateways() {
            if let Some(id) = ProcessIdentity::of(pid) {
                let _ = signal_identity(&id, Signal::Kill);
            }
        }
        let Ok(text) = std::fs::read_to_string(self.sidecar_path()) else {
            return;
        };
        let Ok(s) = serde_json::from_str::<Value>(&text) else {
            return;
        };
        for (pid, start) in [
            (&s["processes"][0]["pid"], &s["processes"][0]["start_time"]),
            (
                &s["supervisor"]["gateway"]["pid"],
                &s["supervisor"]["gateway"]["start_time"],
            ),
        ] {
            if let (Some(pid), Some(start_time)) = (pid.as_u64(), start.as_u64()) {
                let id = ProcessIdentity {
                    pid: pid as u32,
                    start_time,
                };
                let _ = signal_group(&id, Signal::Kill);
            }
        }
    }
}

/// Waits for `done`; the bound only stops a hung test (a loaded 2-core CI machine needs room).
/// Appends `bytes` to the log file at `path` (as another writer of gateway.log would).
fn append_to(path: &Path, bytes: &[u8]) {
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("gateway.log");
    std::io::Write::write_all(&mut log, bytes).expect("append");
}

fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn gone(id: &ProcessIdentity) -> bool {
    id.status() != Liveness::Alive
}

#[test]
fn start_mines_a_valid_proof_status_shows_it_and_stop_leaves_nothing() {
    let rig = Rig::new("");
    rig.run(&["mine", "start"])
        .assert_success()
        .assert_stdout_contains("Started cpu-pearl");
    let sidecar = rig.sidecar();
    assert_eq!(sidecar["provider"], "cpu-pearl");
    assert_eq!(sidecar["schema_version"], 2);
    assert_eq!(sidecar["supervisor"]["state"], "ready");
    assert_eq!(sidecar["supervisor"]["role"], "supervisor");
    assert!(
        sidecar.get("state").is_none(),
        "no untyped state key: {sidecar}"
    );
    assert_eq!(sidecar["wallet_address"], WALLET);
    assert!(
        sidecar.get("vllm_endpoint").is_none(),
        "cpu-pearl mines beside the engine"
    );
    assert!(
        sidecar["gateway_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("unix://"))
    );
    assert!(
        sidecar["metrics_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:"))
    );
    assert!(sidecar["started_at"].as_f64().is_some());
    let supervisor = rig.supervisor();
    assert_eq!(
        sidecar["miner_loop_pid"].as_u64(),
        Some(u64::from(supervisor.pid))
    );
    assert_eq!(
        sidecar["supervisor"]["process"]["pid"].as_u64(),
        Some(u64::from(supervisor.pid))
    );
    let gateway = rig.gateway();
    let text = std::fs::read_to_string(rig.sidecar_path()).expect("sidecar");
    assert!(!text.contains(PASSWORD), "no secret in the sidecar");

    until("a verified proof", || rig.verified() >= 1);
    until("status shows the proof", || {
        rig.status()["stats"]["shares_submitted"]
            .as_u64()
            .is_some_and(|n| n >= 1)
    });
    let status = rig.status();
    assert_eq!(status["session"]["state"], "running");
    // One proof per header: after the gateway took it, mining waits for the next job.
    assert_eq!(
        status["stats"]["details"]["gateway"],
        "up, proof submitted for this block; waiting for the next job"
    );
    assert!(
        status["stats"]["details"]["wins_skipped"]
            .as_u64()
            .is_some()
    );
    assert_eq!(rig.rejected(), 0, "every proof verifies");
    rig.run(&["mine", "status"])
        .assert_success()
        .assert_stdout_contains("cpu-pearl  running  up ")
        .assert_stdout_contains("hashrate:   10s ")
        .assert_stdout_contains("gateway:    up, proof submitted for this block");

    // Idempotent start: prints status, exits 0, launches nothing new.
    rig.run(&["mine", "start"])
        .assert_success()
        .assert_stderr_contains("already running");
    assert_eq!(rig.supervisor(), supervisor);

    // Logs: all three sources, redacted.
    let gateway_log = rig.env.oj_home().join("logs/mining/gateway.log");
    append_to(
        &gateway_log,
        format!("auth with {PASSWORD} failed\n").as_bytes(),
    );
    let logs = rig.run(&["mine", "logs", "-n", "50"]);
    logs.assert_success()
        .assert_stdout_contains("[supervisor]")
        .assert_stdout_contains("[gateway]")
        .assert_stdout_contains("[miner]")
        .assert_stdout_contains("[REDACTED]")
        .assert_output_lacks(PASSWORD);

    assert!(
        rig.env.oj_home().join("telemetry/mining.sqlite").is_file(),
        "the supervisor records mining history"
    );
    rig.run(&["mine", "stop"])
        .assert_success()
        .assert_stdout_contains("Mining stopped.");
    assert!(gone(&supervisor), "supervisor exited");
    until("the gateway exited", || gone(&gateway));
    assert!(!rig.sidecar_path().exists(), "sidecar removed");
    rig.run(&["mine", "stop"])
        .assert_success()
        .assert_stdout_contains("not running");
}

#[test]
fn a_gateway_that_logs_derived_secrets_leaves_none_on_disk_or_shown() {
    // base64("rpcuser:pearld-e2e-secret-9f3"): the `Basic` credentials of the default user.
    const BASIC: &str = "cnBjdXNlcjpwZWFybGQtZTJlLXNlY3JldC05ZjM=";
    let rig = Rig::new("").with_env("FAKE_GATEWAY_LEAK", "1");
    rig.run(&["mine", "start"]).assert_success();
    let log_path = rig.env.oj_home().join("logs/mining/gateway.log");
    let mut on_disk = String::new();
    until("the gateway's leaky lines reach gateway.log", || {
        on_disk = std::fs::read_to_string(&log_path).unwrap_or_default();
        on_disk.contains("refused password")
    });
    for secret in [PASSWORD, BASIC, "rpcuser:"] {
        assert!(!on_disk.contains(secret), "{secret} on disk:\n{on_disk}");
    }
    for form in [
        "connecting to http://[REDACTED]@",
        "'Authorization': 'Basic [REDACTED]'",
        "Authorization: Basic [REDACTED]",
        "retrying with credentials [REDACTED]",
        "refused password [REDACTED]",
    ] {
        assert!(on_disk.contains(form), "{form} missing:\n{on_disk}");
    }
    // `mine logs` redacts again what it shows (a line written by someone else, too).
    append_to(
        &log_path,
        format!("Authorization: Basic {BASIC}\n").as_bytes(),
    );
    let shown = rig.run(&["mine", "logs", "-n", "100"]);
    shown
        .assert_success()
        .assert_stdout_contains("refused password [REDACTED]")
        .assert_output_lacks(PASSWORD)
        .assert_output_lacks(BASIC);
    rig.run(&["mine", "stop"]).assert_success();
}

/// pearl-gateway logs with loguru's colours (the fake writes them as the real one does): its
/// lines reach `gateway.log` and `mine logs` as text, and its blocks are still counted. A
/// coloured line already on disk (an older jarvis wrote them) is shown as text too.
#[test]
fn the_gateways_colours_reach_neither_the_log_file_nor_mine_logs() {
    let rig = Rig::new("");
    rig.run(&["mine", "start"]).assert_success();
    until("a verified proof", || rig.verified() >= 1);
    let log_path = rig.env.oj_home().join("logs/mining/gateway.log");
    let mut on_disk = String::new();
    until("the gateway logged the accepted block", || {
        on_disk = std::fs::read_to_string(&log_path).unwrap_or_default();
        on_disk.contains("Block accepted by node!")
    });
    assert!(
        on_disk.contains(" - INFO - Block accepted by node! - submission_service.py:82"),
        "{on_disk:?}"
    );
    assert!(
        !on_disk.contains('\x1b') && !on_disk.contains("[0m"),
        "{on_disk:?}"
    );
    until("status counts the block", || {
        rig.status()["stats"]["blocks_found"]
            .as_u64()
            .is_some_and(|n| n >= 1)
    });
    append_to(&log_path, b"\x1b[32m2026-12-03 12:00:01\x1b[0m - \x1b[33m\x1b[1mWARNING\x1b[0m - \x1b[37mold coloured line\x1b[0m - \x1b[34mpearl_client.py:113\x1b[0m\n");
    rig.run(&["mine", "logs", "-n", "100"])
        .assert_success()
        .assert_stdout_contains("- INFO - Block accepted by node! - submission_service.py:82")
        .assert_stdout_contains(
            "2026-12-03 12:00:01 - WARNING - old coloured line - pearl_client.py:113",
        )
        .assert_output_lacks("\x1b")
        .assert_output_lacks("[0m");
    rig.run(&["mine", "stop"]).assert_success();
}

#[test]
fn status_shows_the_template_height_from_pearld() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let pearld = runtime.block_on(FakePearld::start(FakePearldOptions {
        password: PASSWORD.to_owned(),
        mode: FakeMode::Healthy { height: 442_107 },
        ..Default::default()
    }));
    let rig = Rig::new(&format!("pearld_rpc_url = \"{}\"\n", pearld.url()));
    rig.run(&["mine", "start"]).assert_success();
    until("the template height", || {
        rig.status()["stats"]["details"]["template_height"].as_u64() == Some(442_108)
    });
    rig.run(&["mine", "stop"]).assert_success();
}

/// Starts `mine logs` with `args` (following), appends `line` to gateway.log every half
/// second until a printed line contains `marker`, and returns that line (None after 30 s).
fn follow_gateway_log_until(rig: &Rig, args: &[&str], line: &str, marker: &str) -> Option<String> {
    use std::io::{BufRead, BufReader};
    let mut follow = rig.cmd(args);
    let mut child = follow
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mine logs -f");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let gateway_log = rig.env.oj_home().join("logs/mining/gateway.log");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = None;
    while seen.is_none() && Instant::now() < deadline {
        append_to(&gateway_log, format!("{line}\n").as_bytes());
        while let Ok(printed) = rx.recv_timeout(Duration::from_millis(500)) {
            if printed.contains(marker) {
                seen = Some(printed);
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    seen
}

#[test]
fn logs_follow_prints_new_lines_as_they_are_written_redacted() {
    let rig = Rig::new("");
    rig.run(&["mine", "start"]).assert_success();
    let marker = "follow-marker-7c1";
    let line = follow_gateway_log_until(
        &rig,
        &["mine", "logs", "-n", "0", "-f"],
        &format!("{marker} password {PASSWORD}"),
        marker,
    )
    .expect("`logs -f` printed the line written after it started");
    assert!(line.starts_with("[gateway]"), "{line}");
    assert!(
        !line.contains(PASSWORD),
        "followed lines are redacted too: {line}"
    );
    rig.run(&["mine", "stop"]).assert_success();
}

#[test]
fn a_killed_gateway_is_restarted_and_mining_resumes() {
    let rig = Rig::new("");
    rig.run(&["mine", "start"]).assert_success();
    until("a first proof", || rig.verified() >= 1);
    let first = rig.gateway();
    assert!(signal_identity(&first, Signal::Kill).expect("signal the gateway"));
    until("a new gateway", || {
        rig.sidecar()["gateway_pid"]
            .as_u64()
            .is_some_and(|p| p != u64::from(first.pid))
    });
    // One proof per header: the first gateway got exactly one, and the miner mines the
    // header again only for the new gateway (the old one's queue died with it).
    until("mining resumed", || rig.verified() >= 2);
    until("the restart counted", || {
        rig.status()["stats"]["details"]["restarts_gateway"].as_u64() >= Some(1)
    });
    // The error's text reaches status through the sidecar (the metrics carry only its kind).
    until("status shows why", || {
        rig.status()["stats"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("pearl-gateway") && !e.contains("see `jarvis mine logs`"))
    });
    rig.run(&["mine", "stop"]).assert_success();
    assert!(!rig.sidecar_path().exists());
}

#[test]
fn a_paused_gateway_keeps_the_miner_waiting() {
    let rig = Rig::new("").with_env("FAKE_GATEWAY_MODE", "paused");
    rig.run(&["mine", "start"]).assert_success();
    until("paused shows in status", || {
        rig.status()["stats"]["details"]["gateway"] == "up, paused (no job it can mine)"
    });
    std::thread::sleep(Duration::from_millis(500));
    let status = rig.status();
    assert_eq!(
        status["stats"]["details"]["mac_total"].as_u64(),
        Some(0),
        "{status}"
    );
    assert_eq!(status["stats"]["shares_submitted"].as_u64(), Some(0));
    assert_eq!(rig.verified() + rig.rejected(), 0);
    rig.run(&["mine", "stop"]).assert_success();
}

#[test]
fn a_killed_supervisor_leaves_a_stale_sidecar_that_the_next_start_cleans() {
    let rig = Rig::new("");
    rig.run(&["mine", "start"]).assert_success();
    let supervisor = rig.supervisor();
    let gateway = rig.gateway();
    assert!(signal_identity(&supervisor, Signal::Kill).expect("kill -9 the supervisor"));
    until("the supervisor is gone", || gone(&supervisor));
    #[cfg(target_os = "linux")]
    until("its gateway followed it", || gone(&gateway));
    let _ = gateway;
    rig.run(&["mine", "status"])
        .assert_success()
        .assert_stdout_contains("stale");
    rig.run(&["mine", "start"])
        .assert_success()
        .assert_stderr_contains("removed stale mining sidecar")
        .assert_stdout_contains("Started cpu-pearl");
    assert_ne!(rig.supervisor(), supervisor);
    rig.run(&["mine", "stop"]).assert_success();
}

/// `pearl-gateway` that takes a second to come up, so the first `start` holds the lock.
fn slow_gateway(dir: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let link = dir.join("pearl-gateway");
    let _ = std::fs::remove_file(&link);
    std::fs::write(
        &link,
        format!(
            "#!/bin/sh\nsleep 1\nexec '{}' \"$@\"\n",
            fake_exe().display()
        ),
    )
    .expect("write the slow gateway");
    std::fs::set_permissions(&link, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn two_concurrent_starts_one_wins_the_other_meets_the_lock() {
    let rig = Rig::new("");
    slow_gateway(&rig.bin_dir);
    let first = rig
        .cmd(&["mine", "start"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the first start");
    let lock = rig.env.oj_home().join("runtime/mining.lock");
    until("the first start holds the lock", || {
        std::fs::read_to_string(&lock).is_ok_and(|t| !t.trim().is_empty())
    });
    rig.run(&["mine", "start"])
        .assert_code(1)
        .assert_stderr_contains("is starting or stopping mining");
    let out = first.wait_with_output().expect("first start");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    rig.run(&["mine", "stop"]).assert_success();
}

#[test]
fn setups_that_cannot_work_are_refused_before_anything_launches() {
    let rig = Rig::new("");
    let mut no_password = rig.cmd(&["mine", "start"]);
    no_password.env_remove("PEARLD_RPC_PASSWORD");
    rig.env
        .run(&mut no_password)
        .assert_code(1)
        .assert_stderr_contains("PEARLD_RPC_PASSWORD is not set");
    let mut no_gateway = rig.cmd(&["mine", "start"]);
    no_gateway.env("PATH", "/nonexistent");
    rig.env
        .run(&mut no_gateway)
        .assert_code(1)
        .assert_stderr_contains("pearl-gateway was not found")
        .assert_stderr_contains("run `jarvis pearl install-gateway`");
    assert!(!rig.sidecar_path().exists());
    assert!(
        !rig.env
            .oj_home()
            .join("logs/mining/supervisor.log")
            .exists()
    );
}

#[test]
fn a_gateway_that_keeps_dying_fails_start_with_its_log() {
    use std::os::unix::fs::PermissionsExt as _;
    let rig = Rig::new("max_restarts_per_hour = 2\n");
    let exe = rig.bin_dir.join("pearl-gateway");
    let _ = std::fs::remove_file(&exe);
    std::fs::write(
        &exe,
        "#!/bin/sh\necho 'Failed to load configuration: pearld unreachable'\nexit 1\n",
    )
    .expect("write the failing gateway");
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    rig.run(&["mine", "start"])
        .assert_code(1)
        .assert_stderr_contains("gateway died 2 times within an hour")
        .assert_stderr_contains("pearld unreachable");
    assert!(
        !rig.sidecar_path().exists(),
        "a failed start leaves no sidecar"
    );
}

#[test]
fn foreground_runs_in_the_terminal_until_stop() {
    let rig = Rig::new("");
    let foreground = rig
        .cmd(&["mine", "start", "--foreground"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the foreground start");
    let pid = foreground.id();
    until("the foreground supervisor is ready", || {
        std::fs::read_to_string(rig.sidecar_path())
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|s| s["supervisor"]["state"] == "ready")
    });
    assert_eq!(
        rig.supervisor().pid,
        pid,
        "the CLI process is the supervisor"
    );
    until("a verified proof", || rig.verified() >= 1);
    rig.run(&["mine", "stop"])
        .assert_success()
        .assert_stdout_contains("Mining stopped.");
    let out = foreground.wait_with_output().expect("foreground start");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("foreground session ended"));
    assert!(!rig.sidecar_path().exists());
}

/// OpenJarvis' Python `mine stop` (spec §1.1.5) terminates `miner_loop_pid` (SIGTERM, SIGKILL
/// after 2 s), then `gateway_pid` (5 s), then deletes the sidecar. `miner_loop_pid` is our
/// supervisor, so the first SIGTERM alone stops it cleanly, gateway included.
#[test]
fn the_python_tools_stop_ends_the_supervisor_and_its_gateway() {
    let rig = Rig::new("");
    rig.run(&["mine", "start"]).assert_success();
    let sidecar = rig.sidecar();
    let supervisor = rig.supervisor();
    let gateway = rig.gateway();
    let miner_loop = ProcessIdentity {
        pid: sidecar["miner_loop_pid"].as_u64().expect("miner_loop_pid") as u32,
        start_time: supervisor.start_time,
    };
    assert_eq!(miner_loop, supervisor, "miner_loop_pid is the supervisor");

    let terminate = |id: &ProcessIdentity, grace: Duration| -> bool {
        let _ = signal_identity(id, Signal::Term);
        let deadline = Instant::now() + grace;
        while !gone(id) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let in_grace = gone(id);
        if !in_grace {
            let _ = signal_identity(id, Signal::Kill);
        }
        in_grace
    };
    assert!(
        terminate(&miner_loop, Duration::from_secs(2)),
        "the supervisor stops within the Python grace on SIGTERM"
    );
    assert!(
        gone(&gateway),
        "the supervisor took its gateway with it before exiting"
    );
    terminate(&gateway, Duration::from_secs(5));
    assert!(
        !rig.sidecar_path().exists(),
        "the supervisor removed its own sidecar on the way out"
    );
    let status = rig.status();
    assert_eq!(status["session"]["state"], "absent");
}

/// On Linux a gateway dies with its supervisor, however that ends: kill -9 the supervisor
/// while its gateway ignores SIGTERM and has not answered yet (so, maybe, before the sidecar
/// names it), and the gateway is gone. Found through /proc, no sidecar involved.
#[cfg(target_os = "linux")]
#[test]
fn a_sigkilled_supervisor_takes_its_gateway_with_it() {
    let rig = Rig::new("")
        .with_env("FAKE_GATEWAY_MODE", "ignore_term")
        .with_env("FAKE_GATEWAY_SLOW_START_MS", "600000")
        .with_env("JARVIS_MINE_READY_TIMEOUT_S", "600");
    let mut start = rig
        .cmd(&["mine", "start"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn jarvis mine start");
    let mut gateways = Vec::new();
    until("the supervisor spawned its gateway", || {
        gateways = rig.live_gateways();
        !gateways.is_empty()
    });
    let gateway = ProcessIdentity::of(gateways[0]).expect("the gateway's identity");
    let parent = parent_pid(gateway.pid).expect("the gateway's parent");
    assert_ne!(parent, 1, "the gateway has its supervisor as parent");
    let supervisor = ProcessIdentity::of(parent).expect("the supervisor's identity");
    // `start` first, so that no failure path of its own ends the gateway.
    let _ = start.kill();
    let _ = start.wait();
    assert!(signal_identity(&supervisor, Signal::Kill).expect("kill -9 the supervisor"));
    until("the gateway died with its supervisor", || gone(&gateway));
    assert!(rig.live_gateways().is_empty());
}

/// The parent pid of `pid`, from /proc/PID/stat (the field after the parenthesised name).
#[cfg(target_os = "linux")]
fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// A gateway that escaped the parent-death signal (the fake clears it, as on a platform
/// without one) and ignores SIGTERM outlives a SIGKILLed supervisor (parent 1). `stop` ends it
/// (identity checked, SIGKILL after the grace) instead of only removing the stale sidecar, and
/// `start` ends such an orphan before it launches a new gateway beside it.
#[test]
fn an_orphaned_gateway_is_ended_by_stop_and_by_the_next_start() {
    let rig = Rig::new("")
        .with_env("FAKE_GATEWAY_MODE", "ignore_term")
        .with_env("FAKE_GATEWAY_ESCAPE_PARENT_DEATH", "1");
    let orphan = |rig: &Rig| {
        rig.run(&["mine", "start"]).assert_success();
        let supervisor = rig.supervisor();
        let gateway = rig.gateway();
        assert!(signal_identity(&supervisor, Signal::Kill).expect("kill -9 the supervisor"));
        until("the supervisor is gone", || gone(&supervisor));
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            !gone(&gateway),
            "the gateway escaped the parent-death signal and ignores SIGTERM"
        );
        gateway
    };

    let gateway = orphan(&rig);
    rig.run(&["mine", "stop", "--timeout", "1"])
        .assert_success()
        .assert_stderr_contains(&format!(
            "ended the left-over gateway (pid {}) with SIGKILL after it ignored SIGTERM",
            gateway.pid
        ));
    until("stop ended the orphaned gateway", || gone(&gateway));
    assert!(!rig.sidecar_path().exists());

    let gateway = orphan(&rig);
    rig.run(&["mine", "start"])
        .assert_success()
        .assert_stderr_contains(&format!("left-over gateway (pid {})", gateway.pid))
        .assert_stderr_contains("removed stale mining sidecar");
    assert!(
        gone(&gateway),
        "start ended the orphan before launching a new gateway"
    );
    assert_ne!(rig.gateway(), gateway);
    // The new supervisor, too, stops its TERM-ignoring gateway with SIGKILL after its grace.
    let last = rig.gateway();
    rig.run(&["mine", "stop"]).assert_success();
    until("stop ended the new gateway", || gone(&last));
}

/// The blocks pearld accepted, as the gateway's log says (the fake logs each submission as the
/// real gateway does), reach `status --json`, human status, the metrics and the history; where
/// the gateway's log level hides those lines, they stay unknown (null), never zero.
#[test]
fn status_counts_the_blocks_the_gateway_logged_and_unknown_stays_null() {
    let rig = Rig::new("sample_interval_s = 1\n");
    rig.run(&["mine", "start"]).assert_success();
    until("a verified proof", || rig.verified() >= 1);
    let verified = rig.verified() as u64;
    until("status counts the block pearld accepted", || {
        rig.status()["stats"]["blocks_found"].as_u64() == Some(verified)
    });
    let status = rig.status();
    assert_eq!(status["stats"]["shares_accepted"], Value::Null);
    assert_eq!(status["stats"]["details"]["blocks_rejected"], 0);
    rig.run(&["mine", "status"])
        .assert_success()
        .assert_stdout_contains(&format!("blocks {verified}"));
    let metrics_url = rig.sidecar()["metrics_url"]
        .as_str()
        .expect("metrics_url")
        .to_owned();
    let (code, metrics) =
        jarvis_testkit::real_engine::http_get(&metrics_url).expect("scrape /metrics");
    assert_eq!(code, 200);
    assert!(
        metrics.contains(&format!("jarvis_mining_blocks_accepted_total {verified}")),
        "{metrics}"
    );
    let history = rig.env.oj_home().join("telemetry/mining.sqlite");
    until("the history holds the block", || {
        jarvis_telemetry::history::HistoryStore::open(&history)
            .and_then(|store| store.samples(0.0))
            .is_ok_and(|samples| samples.iter().any(|s| s.blocks_accepted == Some(verified)))
    });
    rig.run(&["mine", "stop"]).assert_success();

    let quiet = Rig::new("").with_env("PEARL_LOG_LEVEL", "WARNING");
    quiet.run(&["mine", "start"]).assert_success();
    until("a verified proof", || quiet.verified() >= 1);
    until("status shows the proof", || {
        quiet.status()["stats"]["shares_submitted"]
            .as_u64()
            .is_some_and(|n| n >= 1)
    });
    let status = quiet.status();
    assert_eq!(status["stats"]["blocks_found"], Value::Null, "{status:#}");
    assert_eq!(status["stats"]["shares_accepted"], Value::Null);
    quiet
        .run(&["mine", "status"])
        .assert_success()
        .assert_stdout_contains("blocks unknown");
    quiet.run(&["mine", "stop"]).assert_success();
}

/// A `start` that fails (here: the gateway never answers within the ready timeout) ends the
/// gateway its supervisor recorded, not only the supervisor's process group: a gateway that
/// escaped the parent-death signal and ignores SIGTERM is not left behind.
#[test]
fn a_failed_start_ends_the_gateway_its_supervisor_recorded() {
    let rig = Rig::new("")
        .with_env("FAKE_GATEWAY_MODE", "ignore_term")
        .with_env("FAKE_GATEWAY_ESCAPE_PARENT_DEATH", "1")
        .with_env("FAKE_GATEWAY_SLOW_START_MS", "600000")
        .with_env("JARVIS_MINE_READY_TIMEOUT_S", "3");
    rig.run(&["mine", "start"])
        .assert_failure()
        .assert_stderr_contains("did not answer getMiningInfo within 3s");
    until("no gateway of this failed start is left", || {
        rig.live_gateways().is_empty()
    });
    assert!(!rig.sidecar_path().exists());
}

/// A supervisor SIGKILLed before its gateway answered (and the `start` that waited for it
/// killed too) leaves a sidecar in state `starting` that names the gateway, so `stop` ends a
/// gateway that escaped the parent-death signal.
#[test]
fn a_supervisor_killed_before_it_was_ready_leaves_its_gateway_on_record() {
    let rig = Rig::new("")
        .with_env("FAKE_GATEWAY_MODE", "ignore_term")
        .with_env("FAKE_GATEWAY_ESCAPE_PARENT_DEATH", "1")
        .with_env("FAKE_GATEWAY_SLOW_START_MS", "600000")
        .with_env("JARVIS_MINE_READY_TIMEOUT_S", "600");
    let mut start = rig
        .cmd(&["mine", "start"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn jarvis mine start");
    until("the starting supervisor recorded its gateway", || {
        std::fs::read_to_string(rig.sidecar_path())
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|s| s["supervisor"]["gateway"]["pid"].is_u64())
    });
    assert_eq!(rig.sidecar()["supervisor"]["state"], "starting");
    let supervisor = rig.supervisor();
    let gateway = rig.gateway();
    let gateway_log = rig.env.oj_home().join("logs/mining/gateway.log");
    until("the gateway cleared its parent-death signal", || {
        std::fs::read_to_string(&gateway_log)
            .is_ok_and(|t| t.contains("parent-death signal cleared"))
    });
    let _ = start.kill();
    let _ = start.wait();
    assert!(signal_identity(&supervisor, Signal::Kill).expect("kill -9 the supervisor"));
    until("the supervisor is gone", || gone(&supervisor));
    assert!(
        !gone(&gateway),
        "the gateway escaped the parent-death signal and ignores SIGTERM"
    );
    rig.run(&["mine", "stop", "--timeout", "1"])
        .assert_success()
        .assert_stderr_contains(&format!(
            "ended the left-over gateway (pid {}) with SIGKILL after it ignored SIGTERM",
            gateway.pid
        ));
    until("stop ended the orphaned gateway", || gone(&gateway));
    assert!(rig.live_gateways().is_empty());
}

/// A small tmpfs mounted over a directory (needs root and CAP_SYS_ADMIN), unmounted on drop.
/// The sidecar in it is copied back underneath on the way out, so [`Rig`]'s drop still finds
/// the processes to end if the test failed.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// `None`, with the reason printed, where this machine cannot mount; CI (which runs as
    /// root with JARVIS_REAL_ENGINES=1) must mount.
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(dir).expect("mkdir");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output();
        match out {
            Ok(out) if out.status.success() => Some(Self {
                dir: dir.to_owned(),
            }),
            other => {
                let why = match other {
                    Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                    Err(e) => e.to_string(),
                };
                assert!(
                    std::env::var_os("JARVIS_REAL_ENGINES").is_none(),
                    "JARVIS_REAL_ENGINES=1 but a tmpfs cannot be mounted here: {why}"
                );
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("skipped: a full-disk test needs to mount a tmpfs (root): {why}");
                }
                None
            }
        }
    }

    /// Fills the filesystem: the next write there fails with ENOSPC.
    fn fill(&self) -> PathBuf {
        use std::io::Write as _;
        let filler = self.dir.join("filler");
        let mut file = std::fs::File::create(&filler).expect("create the filler");
        let chunk = vec![0u8; 1 << 20];
        let error = loop {
            if let Err(error) = file.write_all(&chunk) {
                break error;
            }
        };
        assert_eq!(error.raw_os_error(), Some(libc::ENOSPC), "{error}");
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let sidecar = std::fs::read(self.dir.join("mining.json"));
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        if let Ok(bytes) = sidecar {
            let _ = std::fs::write(self.dir.join("mining.json"), bytes);
        }
    }
}

/// ENOSPC on the sidecar write after a gateway restart: mining goes on with the new gateway,
/// status (JSON), metrics and the supervisor log say the state file cannot be written, and
/// the write is retried until space is back.
#[test]
fn a_full_disk_during_a_gateway_restart_does_not_stop_mining() {
    // A 1 ms hold after each taken proof: the restarted fake gateway serves the same header,
    // and this test is about the state file, not the one-proof-per-header wait.
    let rig = Rig::new("").with_env("JARVIS_MINER_RESUME_MS", "1");
    // Room for `start`'s free-space check (64 MiB), then filled up.
    let Some(disk) = Tmpfs::mount(&rig.env.oj_home().join("runtime"), "72m") else {
        return;
    };
    rig.run(&["mine", "start"]).assert_success();
    until("a first proof", || rig.verified() >= 1);
    let supervisor = rig.supervisor();
    let first = rig.gateway();
    let filler = disk.fill();
    // The gateway skips a header it already took, so proofs the first gateway verifies end
    // here: any verified later comes from the restarted one.
    let before = rig.verified();
    assert!(signal_identity(&first, Signal::Kill).expect("kill the gateway"));

    let log = rig.env.oj_home().join("logs/mining/supervisor.log");
    until("the supervisor logs the failed write", || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("cannot write the session state"))
    });
    // status reads this from the supervisor's /metrics (jarvis_mining_state_write_failing).
    until("status says the state file cannot be written", || {
        let status = rig.status();
        status["stats"]["details"]["state_file"] == "write failing, retrying"
            && status["stats"]["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("cannot write its state file"))
    });
    until("mining resumed with the restarted gateway", || {
        rig.verified() > before
    });
    assert!(!gone(&supervisor), "the supervisor did not give up");
    assert_eq!(rig.status()["session"]["state"], "running");
    assert_eq!(
        rig.sidecar()["gateway_pid"].as_u64(),
        Some(u64::from(first.pid)),
        "the disk is full: the sidecar still names the old gateway"
    );

    // Several supervisor ticks (100 ms each) with the disk still full: each retries the write,
    // and none may report the failure, or a recovery, again.
    std::thread::sleep(Duration::from_millis(800));
    std::fs::remove_file(&filler).expect("free the space");
    until("the retried write records the new gateway", || {
        rig.sidecar()["gateway_pid"]
            .as_u64()
            .is_some_and(|p| p != u64::from(first.pid))
    });
    until("status no longer reports the failed write", || {
        rig.status()["stats"]["details"].get("state_file").is_none()
    });
    let text = std::fs::read_to_string(&log).expect("supervisor log");
    // One failing episode: logged once when it began and once when it ended, never flapping.
    assert_eq!(
        text.matches("cannot write the session state").count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches("session state written again").count(),
        1,
        "{text}"
    );
    rig.run(&["mine", "stop"]).assert_success();
    drop(disk);
}

/// The gateway binary disappears while mining: the failed respawn is backed off and retried
/// like a gateway that died, and the session resumes once the binary is back.
#[test]
fn a_vanished_gateway_binary_is_retried_not_the_end_of_the_session() {
    let rig = Rig::new("max_restarts_per_hour = 1000\n")
        .with_env("JARVIS_SUPERVISOR_BACKOFF_MAX_MS", "200");
    rig.run(&["mine", "start"]).assert_success();
    until("a first proof", || rig.verified() >= 1);
    let supervisor = rig.supervisor();
    let first = rig.gateway();
    let exe = rig.bin_dir.join("pearl-gateway");
    let aside = rig.bin_dir.join("pearl-gateway.aside");
    std::fs::rename(&exe, &aside).expect("move the gateway binary away");
    assert!(signal_identity(&first, Signal::Kill).expect("kill the gateway"));
    let log = rig.env.oj_home().join("logs/mining/supervisor.log");
    let failed_spawns = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("could not be started again")
            .count()
    };
    until("two failed respawns", || failed_spawns() >= 2);
    assert!(
        !gone(&supervisor),
        "the supervisor backs off instead of giving up"
    );
    std::fs::rename(&aside, &exe).expect("put the binary back");
    let before = rig.verified();
    until("mining resumed", || rig.verified() > before);
    assert_ne!(rig.gateway(), first);
    rig.run(&["mine", "stop"]).assert_success();
}

/// A gateway that answers garbage from its first reply: `start` names the protocol error at
/// once instead of waiting out its readiness timeout, and the supervisor log says it too.
#[test]
fn a_gateway_that_breaks_the_protocol_fails_start_at_once_naming_it() {
    let rig = Rig::new("")
        .with_env("FAKE_GATEWAY_MODE", "garbage_after_ms=0")
        .with_env("JARVIS_MINE_READY_TIMEOUT_S", "600");
    let out = rig.run(&["mine", "start"]);
    out.assert_code(1)
        .assert_stderr_contains("broke the protocol")
        .assert_stderr_contains("not in the miner protocol");
    assert!(
        !out.stderr().contains("did not answer getMiningInfo"),
        "{}",
        out.stderr()
    );
    // The log is written by a background writer that the exiting supervisor flushes: `start`
    // may return before that line lands.
    let log = rig.env.oj_home().join("logs/mining/supervisor.log");
    until("the supervisor log names the protocol error", || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("broke the protocol"))
    });
}

/// A gateway that starts answering garbage while mining: status (JSON) and the log name the
/// protocol error instead of a bare "down".
#[test]
fn a_gateway_that_breaks_the_protocol_later_is_named_in_status_and_log() {
    let rig = Rig::new("").with_env("FAKE_GATEWAY_MODE", "garbage_after_ms=1500");
    rig.run(&["mine", "start"]).assert_success();
    until("status names the protocol error", || {
        rig.status()["stats"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("broke the protocol"))
    });
    let log = std::fs::read_to_string(rig.env.oj_home().join("logs/mining/supervisor.log"))
        .expect("supervisor.log");
    assert!(log.contains("broke the protocol"), "{log}");
    rig.run(&["mine", "stop"]).assert_success();
}

/// A nearly full disk where the logs and state go: `start` says so (and where) before anything
/// launches, instead of a gateway that exits 1 and "did not answer getMiningInfo".
#[test]
fn a_nearly_full_disk_is_named_by_start() {
    let rig = Rig::new("");
    let Some(disk) = Tmpfs::mount(&rig.env.oj_home().join("logs"), "4m") else {
        return;
    };
    let out = rig.run(&["mine", "start"]);
    out.assert_code(1)
        .assert_stderr_contains("MiB free on the filesystem of")
        .assert_stderr_contains("logs");
    assert!(
        !out.stderr().contains("did not answer getMiningInfo"),
        "{}",
        out.stderr()
    );
    assert!(!rig.sidecar_path().exists());
    drop(disk);
}

/// Each loguru level the fake gateway logs at, and the level `mine logs` shows its line at.
const GATEWAY_LEVELS_SHOWN_AS: [(jarvis_testkit::fake_gateway::log::Level, &str); 7] = {
    use jarvis_testkit::fake_gateway::log::Level;
    [
        (Level::Trace, "TRACE"),
        (Level::Debug, "DEBUG"),
        (Level::Info, "INFO"),
        (Level::Success, "INFO"),
        (Level::Warning, "WARN"),
        (Level::Error, "ERROR"),
        (Level::Critical, "ERROR"),
    ]
};

/// A rig whose fake gateway logs one line at every loguru level (and lets all through), with
/// the supervisor's log format JSON or text.
fn every_level_rig(json_format: bool) -> Rig {
    Rig::new(if json_format {
        "log_format = \"json\"\n"
    } else {
        ""
    })
    .with_env("FAKE_GATEWAY_LOG_EVERY_LEVEL", "1")
    .with_env("PEARL_LOG_LEVEL", "TRACE")
}

/// The gateway's own level reaches `gateway.log` and `mine logs`: a line loguru wrote at
/// WARNING, ERROR or CRITICAL is shown at WARN or ERROR (the JSON lines' `level`, the text
/// lines' level column), not INFO, and keeps loguru's name for it; a line printed without
/// loguru stays INFO.
#[test]
fn mine_logs_shows_the_level_the_gateway_logged_each_line_at() {
    use jarvis_testkit::fake_gateway::log::{Level, every_level_message};
    for json in [true, false] {
        let rig = every_level_rig(json);
        rig.run(&["mine", "start"]).assert_success();
        let log_path = rig.env.oj_home().join("logs/mining/gateway.log");
        until("the gateway logged a line at every level", || {
            std::fs::read_to_string(&log_path)
                .is_ok_and(|t| t.contains(&every_level_message(Level::Critical)))
        });
        let shown = rig.run(&["mine", "logs", "-n", "200"]);
        shown.assert_success();
        let stdout = shown.stdout();
        let gateway: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("[gateway] "))
            .collect();
        let level_of = |message: &str| -> (String, String) {
            let line = gateway
                .iter()
                .find(|l| l.contains(message))
                .unwrap_or_else(|| panic!("no gateway line with {message:?}:\n{stdout}"));
            let level = if json {
                let record: Value = serde_json::from_str(line).expect("a JSON log line");
                record["level"].as_str().unwrap_or_default().to_owned()
            } else {
                line.split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned()
            };
            (level, (*line).to_owned())
        };
        for (level, shown_as) in GATEWAY_LEVELS_SHOWN_AS {
            let message = every_level_message(level);
            let (shown, line) = level_of(&message);
            assert_eq!(shown, shown_as, "json: {json}; {line}");
            assert!(
                line.contains(&format!(" - {} - {message} - ", level.name())),
                "{line}"
            );
        }
        let (shown, line) = level_of("PearlGateway started successfully");
        assert_eq!(shown, "INFO", "json: {json}; {line}");
        rig.run(&["mine", "stop"]).assert_success();
    }
}

/// `mine logs --json` lines: one JSON object each, `source`, `timestamp`, `level`, `message`
/// and nothing else.
fn json_records(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}"));
            let mut keys: Vec<&str> = record
                .as_object()
                .unwrap_or_else(|| panic!("not an object: {line}"))
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            assert_eq!(keys, ["level", "message", "source", "timestamp"], "{line}");
            record
        })
        .collect()
}

/// `mine logs --json` through the real supervisor, in both log formats: every line is a JSON
/// object naming its log, the level it was recorded at (the gateway's own, from loguru), its
/// time and its message; a line appended by someone else has neither time nor level (`null`);
/// `--tail` counts per log as the text output does; no form of the RPC password appears.
#[test]
fn mine_logs_json_gives_each_lines_log_level_time_and_message_redacted() {
    use jarvis_testkit::fake_gateway::log::{Level, every_level_message};
    // base64("rpcuser:pearld-e2e-secret-9f3").
    const BASIC: &str = "cnBjdXNlcjpwZWFybGQtZTJlLXNlY3JldC05ZjM=";
    for json_format in [false, true] {
        let rig = every_level_rig(json_format).with_env("FAKE_GATEWAY_LEAK", "1");
        rig.run(&["mine", "start"]).assert_success();
        let log_path = rig.env.oj_home().join("logs/mining/gateway.log");
        until("the gateway logged every level and its leaky lines", || {
            std::fs::read_to_string(&log_path).is_ok_and(|t| {
                t.contains(&every_level_message(Level::Critical)) && t.contains("refused password")
            })
        });
        let shown = rig.run(&["mine", "logs", "-n", "200", "--json"]);
        shown
            .assert_success()
            .assert_output_lacks(PASSWORD)
            .assert_output_lacks(BASIC);
        let records = json_records(&shown.stdout());
        let of = |source: &str| -> Vec<&Value> {
            records.iter().filter(|r| r["source"] == source).collect()
        };
        assert!(!of("supervisor").is_empty(), "{}", shown.stdout());
        let gateway = of("gateway");
        let find = |message: &str| -> &Value {
            gateway
                .iter()
                .find(|r| r["message"].as_str().is_some_and(|m| m.contains(message)))
                .unwrap_or_else(|| {
                    panic!("no gateway record with {message:?}:\n{}", shown.stdout())
                })
        };
        for (level, shown_as) in GATEWAY_LEVELS_SHOWN_AS {
            let message = every_level_message(level);
            let record = find(&message);
            assert_eq!(record["level"], shown_as, "json: {json_format}; {record}");
            let text = record["message"].as_str().unwrap_or_default();
            assert!(
                text.contains(&format!(" - {} - {message} - ", level.name())),
                "the message keeps loguru's line: {record}"
            );
            let time = record["timestamp"].as_str().unwrap_or_default();
            assert!(
                time.starts_with("20") && time.contains('T'),
                "the supervisor's time: {record}"
            );
            assert!(
                !text.contains(time),
                "the time is not left in the message: {record}"
            );
        }
        assert_eq!(find("PearlGateway started successfully")["level"], "INFO");
        let leaked = find("refused password");
        assert!(
            leaked["message"]
                .as_str()
                .is_some_and(|m| m.contains("refused password [REDACTED]")),
            "{leaked}"
        );

        // A line someone else appended: no time or level of its own, redacted all the same;
        // `--tail 1` shows only it of the gateway's log. Mining stops first: a proof the
        // miner found meanwhile made the gateway log after the appended line.
        rig.run(&["mine", "stop"]).assert_success();
        append_to(
            &log_path,
            format!("appended: Authorization: Basic {BASIC} password {PASSWORD}\n").as_bytes(),
        );
        let tail = rig.run(&["mine", "logs", "--tail", "1", "--json"]);
        tail.assert_success()
            .assert_output_lacks(PASSWORD)
            .assert_output_lacks(BASIC);
        let records = json_records(&tail.stdout());
        for source in ["supervisor", "gateway", "miner"] {
            let n = records.iter().filter(|r| r["source"] == source).count();
            assert!(
                n <= 1,
                "{n} {source} lines for --tail 1:\n{}",
                tail.stdout()
            );
        }
        let appended: Vec<&Value> = records
            .iter()
            .filter(|r| r["source"] == "gateway")
            .collect();
        assert_eq!(appended.len(), 1, "{}", tail.stdout());
        assert_eq!(
            *appended[0],
            serde_json::json!({
                "source": "gateway",
                "timestamp": null,
                "level": null,
                "message": "appended: Authorization: Basic [REDACTED] password [REDACTED]",
            })
        );
    }
}

/// `mine logs -f --json`: a line written after it started arrives as one JSON object, with
/// the time and level the line was written with, redacted.
#[test]
fn logs_follow_json_prints_one_object_per_new_line() {
    let rig = Rig::new("");
    rig.run(&["mine", "start"]).assert_success();
    let marker = "follow-json-marker-2d8";
    let time = "2026-12-03T12:00:09.000001Z";
    let line = follow_gateway_log_until(
        &rig,
        &["mine", "logs", "-n", "0", "-f", "--json"],
        &format!("{time}  WARN {marker} password {PASSWORD}"),
        marker,
    )
    .expect("`logs -f --json` printed the line written after it started");
    assert!(
        !line.contains(PASSWORD),
        "followed lines are redacted: {line}"
    );
    let record: Value = serde_json::from_str(&line).expect("one JSON object per line");
    assert_eq!(
        record,
        serde_json::json!({
            "source": "gateway",
            "timestamp": time,
            "level": "WARN",
            "message": format!("{marker} password [REDACTED]"),
        })
    );
    rig.run(&["mine", "stop"]).assert_success();
}
