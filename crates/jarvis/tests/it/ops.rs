//! `jarvis mine service`, `jarvis completions` and `jarvis mine status --watch`.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use jarvis_testkit::TestEnv;

use crate::common::{WALLET, bin, jarvis};

const UNIT_SNAPSHOT: &str = "[Unit]
Description=jarvis Pearl mining
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=<JARVIS> mine start --foreground
Restart=on-failure
RestartSec=10
TimeoutStopSec=30
Environment=OPENJARVIS_HOME=<OJ_HOME>
# PEARLD_RPC_PASSWORD (the pearld RPC password) comes from this file, created by you with mode 0600:
#   install -m 600 /dev/null <OJ_HOME>/mining.env && echo 'PEARLD_RPC_PASSWORD=...' >> <OJ_HOME>/mining.env
EnvironmentFile=-<OJ_HOME>/mining.env

[Install]
WantedBy=default.target
";

fn expected_unit(env: &TestEnv) -> String {
    let jarvis = bin().canonicalize().expect("canonical jarvis path");
    UNIT_SNAPSHOT
        .replace("<JARVIS>", &jarvis.display().to_string())
        .replace("<OJ_HOME>", &env.oj_home().display().to_string())
}

fn unit_path(env: &TestEnv) -> PathBuf {
    env.home()
        .join(".config/systemd/user/jarvis-mining.service")
}

/// A fake `systemctl` that logs its arguments, one call per line.
fn fake_systemctl(env: &TestEnv) -> (PathBuf, PathBuf) {
    let dir = env.home().join("fakebin");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let log = env.home().join("systemctl.log");
    let script = dir.join("systemctl");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\necho active\n",
            log.display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (dir, log)
}

fn with_fake(env: &TestEnv, dir: &Path, args: &[&str]) -> std::process::Command {
    let mut cmd = jarvis(env, args);
    let mut path = vec![dir.to_path_buf()];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    cmd.env("PATH", std::env::join_paths(path).expect("PATH"));
    cmd
}

#[test]
fn service_dry_run_prints_the_unit_and_commands_and_touches_nothing() {
    let env = TestEnv::new();
    let out = env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "service",
            "install",
            "--dry-run",
            "--manager",
            "systemd",
        ],
    ));
    out.assert_success()
        .assert_stdout_contains("Would write")
        .assert_stdout_contains("systemctl --user daemon-reload")
        .assert_stdout_contains("systemctl --user enable jarvis-mining.service")
        .assert_stdout_contains("systemctl --user restart jarvis-mining.service");
    assert!(
        out.stdout().contains(&expected_unit(&env)),
        "{}",
        out.stdout()
    );
    assert!(!unit_path(&env).exists());
}

#[test]
fn service_install_writes_the_unit_snapshot_and_enables_it() {
    let env = TestEnv::new();
    let (dir, log) = fake_systemctl(&env);
    env.run(&mut with_fake(
        &env,
        &dir,
        &["mine", "service", "install", "--manager", "systemd"],
    ))
    .assert_success()
    .assert_stdout_contains("loginctl enable-linger");
    let unit = std::fs::read_to_string(unit_path(&env)).expect("unit written");
    assert_eq!(unit, expected_unit(&env));
    let calls = std::fs::read_to_string(&log).expect("systemctl called");
    assert_eq!(
        calls,
        "--user daemon-reload\n--user enable jarvis-mining.service\n--user restart jarvis-mining.service\n"
    );

    env.run(&mut with_fake(
        &env,
        &dir,
        &[
            "mine",
            "service",
            "status",
            "--manager",
            "systemd",
            "--json",
        ],
    ))
    .assert_success()
    .assert_stdout_contains("\"installed\": true")
    .assert_stdout_contains("\"active\": \"active\"");

    env.run(&mut with_fake(
        &env,
        &dir,
        &["mine", "service", "uninstall", "--manager", "systemd"],
    ))
    .assert_success();
    assert!(!unit_path(&env).exists());
    let calls = std::fs::read_to_string(&log).expect("log");
    assert!(
        calls.ends_with("--user disable --now jarvis-mining.service\n--user daemon-reload\n"),
        "{calls}"
    );
}

#[test]
fn service_unit_names_the_configured_password_variable_but_no_secret() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"{WALLET}\"\n\n[mining.extra]\npearld_rpc_password_env = \"MY_NODE_PW\"\n"
    ));
    let mut cmd = jarvis(
        &env,
        &[
            "mine",
            "service",
            "install",
            "--dry-run",
            "--manager",
            "systemd",
        ],
    );
    cmd.env("MY_NODE_PW", "hunter2");
    env.run(&mut cmd)
        .assert_success()
        .assert_stdout_contains("MY_NODE_PW=...")
        .assert_output_lacks("hunter2");
}

#[test]
fn launchd_dry_run_shows_the_agent_and_bootstrap() {
    let env = TestEnv::new();
    env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "service",
            "install",
            "--dry-run",
            "--manager",
            "launchd",
        ],
    ))
    .assert_success()
    .assert_stdout_contains("Library/LaunchAgents/ai.openjarvis.jarvis-mining.plist")
    .assert_stdout_contains("<string>--foreground</string>")
    .assert_stdout_contains("launchctl bootstrap gui/");
}

#[test]
fn completions_for_each_shell_mention_the_commands() {
    let env = TestEnv::new();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef jarvis"),
        ("fish", "complete -c jarvis"),
    ] {
        let out = env.run(&mut jarvis(&env, &["completions", shell]));
        out.assert_success()
            .assert_stdout_contains(marker)
            .assert_stdout_contains("history");
    }
    env.run(&mut jarvis(&env, &["completions", "tcsh"]))
        .assert_code(2);
}

/// `jarvis --version` names the commit the binary was built from (build.rs asks git); where
/// this source has no git checkout it says the commit is unknown.
#[test]
fn version_names_the_commit_it_was_built_from() {
    let env = TestEnv::new();
    let out = env.run(&mut jarvis(&env, &["--version"]));
    out.assert_success();
    let head = std::process::Command::new("git")
        .arg("-C")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .args(["log", "-1", "--format=%h %cs", "--abbrev=12"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let expected = match head.as_deref().and_then(|l| l.split_once(' ')) {
        Some((hash, date)) => format!("(commit {hash}, {date})"),
        None => "(commit unknown: built outside a git checkout)".to_owned(),
    };
    let stdout = out.stdout();
    assert_eq!(
        stdout.lines().next().unwrap_or_default(),
        format!("jarvis {} {expected}", env!("CARGO_PKG_VERSION")),
        "--version"
    );
    // Subcommands carry the same version.
    env.run(&mut jarvis(&env, &["mine", "--version"]))
        .assert_success()
        .assert_stdout_contains(&expected);
}

#[test]
fn status_watch_without_a_terminal_prints_one_line_per_refresh() {
    let env = TestEnv::new();
    let out = env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "status",
            "--watch",
            "--interval",
            "0.2s",
            "--count",
            "2",
        ],
    ));
    out.assert_success();
    let stdout = out.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines.iter().all(|l| l.ends_with(" - not configured")),
        "{stdout}"
    );
    assert!(!stdout.contains('\x1b'), "no escape codes off a terminal");

    let out = env.run(&mut jarvis(
        &env,
        &[
            "mine",
            "status",
            "--watch",
            "--json",
            "--interval",
            "0.2s",
            "--count",
            "1",
        ],
    ));
    out.assert_success();
    let v: serde_json::Value =
        serde_json::from_str(out.stdout().trim()).expect("one JSON object per line");
    assert_eq!(v["session"]["state"], "absent");
}

/// The history has one writer per provider (its supervisor or sampler): reading the status,
/// once or watching, never writes it.
#[test]
fn status_and_watch_leave_the_history_alone() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "[mining]\nprovider = \"vllm-pearl\"\nwallet_address = \"{WALLET}\"\n"
    ));
    let sidecar = env.oj_home().join("runtime/mining.json");
    std::fs::create_dir_all(sidecar.parent().expect("runtime dir")).expect("mkdir");
    std::fs::write(
        &sidecar,
        r#"{"schema_version": 2, "provider": "vllm-pearl", "wallet_address": "prl1p",
            "container_id": "0123456789ab", "vllm_endpoint": "http://127.0.0.1:9/v1"}"#,
    )
    .expect("write the sidecar");
    let unreachable = |args: &[&str]| {
        let mut cmd = jarvis(&env, args);
        cmd.env("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        env.run(&mut cmd)
    };
    let status = unreachable(&["mine", "status", "--json"]);
    status.assert_success();
    let v: serde_json::Value = serde_json::from_str(&status.stdout()).expect("status JSON");
    assert_eq!(
        v["stats"]["provider_id"], "vllm-pearl",
        "live stats were read"
    );
    unreachable(&[
        "mine",
        "status",
        "--watch",
        "--json",
        "--interval",
        "0.2s",
        "--count",
        "2",
    ])
    .assert_success();
    let history = env.oj_home().join("telemetry/mining.sqlite");
    assert!(!history.exists(), "{} was written", history.display());
}
