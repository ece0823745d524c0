//! `jarvis pearl`: lookup order, pass-through of argv, stdio and exit codes, and `address`
//! keeping the RPC password off argv (fake `prlctl` scripts record what they got).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use jarvis_testkit::TestEnv;

use crate::common::jarvis;

/// Writes an executable `bin/<name>` under `root` running `body` with /bin/sh.
fn fake_tool(root: &Path, name: &str, body: &str) -> PathBuf {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir bin");
    let path = bin.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write fake tool");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// Records each argument on its own line in `<root>/argv`, then runs `rest`.
fn recorder(root: &Path, name: &str, rest: &str) -> PathBuf {
    let log = root.join("argv");
    fake_tool(
        root,
        name,
        &format!(
            "for a in \"$@\"; do printf '%s\\n' \"$a\" >> '{}'; done\n{rest}",
            log.display()
        ),
    )
}

fn argv(root: &Path) -> Vec<String> {
    std::fs::read_to_string(root.join("argv"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn with_path(env: &TestEnv, dirs: &[&Path], args: &[&str]) -> std::process::Command {
    let mut cmd = jarvis(env, args);
    let mut path: Vec<PathBuf> = dirs.iter().map(|d| d.join("bin")).collect();
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    cmd.env("PATH", std::env::join_paths(path).expect("join PATH"));
    cmd
}

#[test]
fn ctl_passes_every_token_through_and_returns_the_exit_code() {
    let env = TestEnv::new();
    let tools = env.home().join("tools");
    recorder(&tools, "prlctl", "echo out-line; echo err-line >&2; exit 7");
    let out = env.run(&mut with_path(
        &env,
        &[&tools],
        &[
            "pearl",
            "ctl",
            "--wallet",
            "--notls",
            "-s",
            "localhost:44207",
            "help",
        ],
    ));
    out.assert_code(7)
        .assert_stdout_contains("out-line")
        .assert_stderr_contains("err-line");
    assert_eq!(
        argv(&tools),
        ["--wallet", "--notls", "-s", "localhost:44207", "help"]
    );
}

#[test]
fn node_takes_pearl_home_then_passes_the_rest_and_stdin() {
    let env = TestEnv::new();
    let on_path = env.home().join("on-path");
    let explicit = env.home().join("explicit");
    fake_tool(&on_path, "pearld", "echo wrong-pearld; exit 9");
    recorder(&explicit, "pearld", "cat; exit 0");
    let mut cmd = with_path(
        &env,
        &[&on_path],
        &[
            "pearl",
            "node",
            "--pearl-home",
            explicit.to_str().expect("utf8"),
            "--notls",
            "--txindex",
            "--",
            "x y",
        ],
    );
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), b"from-stdin\n")
        .expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "from-stdin\n",
        "--pearl-home wins over PATH; stdin reaches the tool"
    );
    assert_eq!(argv(&explicit), ["--notls", "--txindex", "--", "x y"]);
}

#[test]
fn wallet_falls_back_to_pearl_home_env_and_reports_missing_tools() {
    let env = TestEnv::new();
    let home = env.home().join("pearl");
    fake_tool(&home, "oyster", "exit 3");
    let mut cmd = jarvis(&env, &["pearl", "wallet", "--version"]);
    cmd.env("PEARL_HOME", &home);
    env.run(&mut cmd).assert_code(3);
    env.run(&mut jarvis(&env, &["pearl", "wallet"]))
        .assert_code(1)
        .assert_stderr_contains("Pearl binary 'oyster' not found")
        .assert_stderr_contains("PEARL_HOME");
}

#[test]
fn doctor_lists_the_tools_with_versions() {
    let env = TestEnv::new();
    let home = env.home().join("pearl");
    fake_tool(&home, "pearld", "echo 'pearld version 0.9.1'");
    fake_tool(&home, "prlctl", "echo 'prlctl version 0.9.1' >&2");
    let out = env.run(&mut jarvis(
        &env,
        &[
            "pearl",
            "doctor",
            "--pearl-home",
            home.to_str().expect("utf8"),
            "--json",
        ],
    ));
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    let tools = v["tools"].as_array().expect("tools");
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["pearld", "oyster", "prlctl", "pearl-gateway"]);
    assert_eq!(tools[0]["version"], "pearld version 0.9.1");
    assert_eq!(tools[1]["path"], serde_json::Value::Null);
    assert_eq!(tools[2]["version"], "prlctl version 0.9.1");
    env.run(&mut jarvis(
        &env,
        &[
            "pearl",
            "doctor",
            "--pearl-home",
            home.to_str().expect("utf8"),
        ],
    ))
    .assert_success()
    .assert_stdout_contains("pearld")
    .assert_stdout_contains("not found");
}

#[test]
fn address_passes_the_password_in_a_0600_config_file_never_on_argv() {
    let env = TestEnv::new();
    let tools = env.home().join("tools");
    let seen = env.home().join("seen");
    // After `-C FILE`: keep a copy of the file and its mode, then answer like prlctl.
    recorder(
        &tools,
        "prlctl",
        &format!(
            "cp \"$2\" '{seen}.conf'; stat -c %a \"$2\" > '{seen}.mode'; echo \"$2\" > '{seen}.path'\necho prl1pnewaddress",
            seen = seen.display()
        ),
    );
    let secret = r#"s3cr3t "quoted" \ # pass"#;
    let mut cmd = jarvis(
        &env,
        &[
            "pearl",
            "address",
            "--pearl-home",
            tools.to_str().expect("utf8"),
            "-u",
            "alice",
        ],
    );
    cmd.env("OYSTER_RPC_PASSWORD", secret).stdin(Stdio::null());
    let out = env.run(&mut cmd);
    out.assert_success().assert_output_lacks("s3cr3t");
    assert_eq!(out.stdout().trim_end(), "prl1pnewaddress");
    let args = argv(&tools);
    assert_eq!(args[0], "-C");
    assert_eq!(
        args[2..],
        [
            "--wallet",
            "-u",
            "alice",
            "-s",
            "localhost:44207",
            "--notls",
            "getnewaddress"
        ]
    );
    assert!(args.iter().all(|a| !a.contains("s3cr3t")), "{args:?}");
    let conf = std::fs::read_to_string(format!("{}.conf", seen.display())).expect("config copy");
    assert_eq!(conf, "rpcpass=\"s3cr3t \\\"quoted\\\" \\\\ # pass\"\n");
    assert_eq!(
        std::fs::read_to_string(format!("{}.mode", seen.display()))
            .expect("mode")
            .trim(),
        "600"
    );
    let used = std::fs::read_to_string(format!("{}.path", seen.display())).expect("path");
    assert!(
        !Path::new(used.trim()).exists(),
        "the temporary config is deleted afterwards"
    );
}

#[test]
fn address_tls_flags_and_a_failing_prlctl() {
    let env = TestEnv::new();
    let tools = env.home().join("tools");
    recorder(&tools, "prlctl", "echo 'connection refused' >&2; exit 2");
    let mut cmd = with_path(
        &env,
        &[&tools],
        &["pearl", "address", "--tls", "--password-env", "MY_PW"],
    );
    cmd.env("MY_PW", "pw").stdin(Stdio::null());
    env.run(&mut cmd)
        .assert_code(1)
        .assert_stderr_contains("prlctl exited with 2: connection refused")
        .assert_stderr_contains("$MY_PW");
    let args = argv(&tools);
    assert!(
        args.contains(&"--skipverify".to_owned()) && !args.contains(&"--notls".to_owned()),
        "{args:?}"
    );
}

#[test]
fn address_without_a_password_has_no_default() {
    let env = TestEnv::new();
    let tools = env.home().join("tools");
    recorder(&tools, "prlctl", "echo should-not-run");
    let mut cmd = with_path(&env, &[&tools], &["pearl", "address"]);
    cmd.stdin(Stdio::null());
    env.run(&mut cmd)
        .assert_code(1)
        .assert_stderr_contains("no Oyster RPC password")
        .assert_stderr_contains("OYSTER_RPC_PASSWORD");
    assert!(argv(&tools).is_empty(), "prlctl never ran");
}

/// `jarvis pearl install-gateway` with `path` as PATH, pip and uv kept off the network.
fn install_gateway(env: &TestEnv, path: &str, extra: &[&str]) -> jarvis_testkit::RunOutput {
    let mut args = vec!["pearl", "install-gateway"];
    args.extend_from_slice(extra);
    let mut cmd = jarvis(env, &args);
    cmd.env("PATH", path)
        .env("PIP_NO_INDEX", "1")
        .env("UV_OFFLINE", "1")
        .stdin(Stdio::null());
    env.run(&mut cmd)
}

#[test]
fn install_gateway_builds_a_local_pearl_and_doctor_shows_its_version_and_commit() {
    use jarvis_testkit::pearl_source::{pearl_shaped_repo, tool_dir};
    let env = TestEnv::new();
    let repo = env.home().join("src/pearl");
    let commit = pearl_shaped_repo(&repo, "0.1.0");
    let bin = tool_dir(&env.home().join("tools"), &["git", "python3"]);
    // git's submodule command is a shell script that needs sed and friends; no uv there.
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let source = repo.to_str().expect("utf8");

    let out = install_gateway(&env, &path, &["--source", source, "--ref", "master"]);
    out.assert_success().assert_stdout_contains(&format!(
        "Installed pearl-gateway 0.1.0 from Pearl {} (with pip).",
        &commit[..12]
    ));
    let program = env.oj_home().join(format!(
        "cache/pearl-gateway/venv-{}/bin/pearl-gateway",
        &commit[..12]
    ));
    let version = std::process::Command::new(&program)
        .arg("--version")
        .output()
        .expect("run the installed gateway");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        "pearl-gateway 0.1.0"
    );

    let mut doctor = jarvis(&env, &["pearl", "doctor", "--json"]);
    doctor.env("PATH", &path);
    let out = env.run(&mut doctor);
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    let gateway = &v["tools"][3];
    assert_eq!(gateway["name"], "pearl-gateway");
    assert_eq!(gateway["path"], program.display().to_string());
    assert_eq!(gateway["version"], "0.1.0");
    assert_eq!(gateway["commit"], commit.as_str());

    // Installed already: nothing is rebuilt, and JSON says so.
    let out = install_gateway(
        &env,
        &path,
        &["--source", source, "--ref", &commit, "--json"],
    );
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(v["built"], false);
    assert_eq!(v["installed"]["commit"], commit.as_str());
    assert_eq!(v["installed"]["installer"], "pip");
}

#[test]
fn install_gateway_shows_the_last_lines_of_a_failed_build() {
    use jarvis_testkit::pearl_source::{pearl_files, tool_dir};
    let env = TestEnv::new();
    let repo = env.home().join("src/pearl");
    let mut files = pearl_files("0.1.0");
    files.push((
        "miner/miner-utils/_build/fixture_backend.py".into(),
        "import sys\nprint('error: linker `cc` not found', file=sys.stderr)\nraise SystemExit(1)\n"
            .into(),
    ));
    // A Rust extension, as Pearl's proving library is.
    files.push(("miner/miner-utils/Cargo.toml".into(), "[package]\n".into()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    jarvis_testkit::git::init_repo(&repo, &refs);
    let bin = tool_dir(&env.home().join("tools"), &["git", "python3"]);

    let out = install_gateway(
        &env,
        &format!("{}:/usr/bin:/bin", bin.display()),
        &["--source", repo.to_str().expect("utf8"), "--ref", "master"],
    );
    out.assert_code(1)
        .assert_stderr_contains("pip install")
        .assert_stderr_contains("its last lines:")
        .assert_stderr_contains("error: linker `cc` not found")
        .assert_stderr_contains("compiles from Rust sources")
        .assert_stderr_contains("hint: fix what the lines above name");
    assert!(
        !env.oj_home()
            .join("cache/pearl-gateway/installed.json")
            .exists(),
        "no record for a failed build"
    );
}

#[test]
fn install_gateway_refuses_without_git_or_python_3_10() {
    use jarvis_testkit::pearl_source::{fake_tool, tool_dir};
    let env = TestEnv::new();
    let old = env.home().join("old");
    tool_dir(&old, &["git"]);
    fake_tool(&old, "python3", "echo 3.9.18");
    install_gateway(&env, &old.display().to_string(), &[])
        .assert_code(1)
        .assert_stderr_contains("is Python 3.9.18; Pearl's gateway needs Python 3.10 or newer");

    let no_git = env.home().join("no-git");
    fake_tool(&no_git, "python3", "echo 3.12.3");
    install_gateway(&env, &no_git.display().to_string(), &[])
        .assert_code(1)
        .assert_stderr_contains("git was not found on PATH; install git");
    assert!(
        !env.oj_home().join("cache/pearl-gateway").exists(),
        "nothing is fetched before the checks pass"
    );
}
