//! `jarvis mine start | stop | status` without a running miner.

use jarvis_testkit::TestEnv;

use crate::common::{WALLET, jarvis};

#[test]
fn start_without_config_points_at_init() {
    let env = TestEnv::new();
    env.run(&mut jarvis(&env, &["mine", "start"]))
        .assert_code(1)
        .assert_stderr_contains("no [mining] section")
        .assert_stderr_contains("jarvis mine init");
}

#[test]
fn start_refuses_pool_targets_before_anything_runs() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"{WALLET}\"\nsubmit_target = \"pool:https://pool.example/submit\"\n"
    ));
    env.run(&mut jarvis(&env, &["mine", "start"]))
        .assert_code(1)
        .assert_stderr_contains("pool mining is not supported yet");
}

#[test]
fn stop_with_nothing_running_is_a_success() {
    let env = TestEnv::new();
    env.run(&mut jarvis(&env, &["mine", "stop"]))
        .assert_success()
        .assert_stdout_contains("not running");
}

#[test]
fn stop_cleans_a_stale_or_corrupt_sidecar_without_signalling() {
    let env = TestEnv::new();
    let runtime = env.oj_home().join("runtime");
    std::fs::create_dir_all(&runtime).expect("mkdir");
    let sidecar = runtime.join("mining.json");
    // pid 1 exists, but never with start time 1: a reused pid that must not be signalled.
    std::fs::write(
        &sidecar,
        r#"{"schema_version":1,"provider":"cpu-pearl","wallet_address":"x","processes":[{"role":"supervisor","pid":1,"start_time":1}]}"#,
    )
    .expect("write");
    let out = env.run(&mut jarvis(&env, &["mine", "stop"]));
    out.assert_success()
        .assert_stderr_contains("removed stale mining sidecar");
    assert!(!sidecar.exists());

    std::fs::write(&sidecar, "{garbage").expect("write");
    env.run(&mut jarvis(&env, &["mine", "stop"]))
        .assert_success();
    assert!(!sidecar.exists());
}

#[test]
fn status_without_a_session() {
    let env = TestEnv::new();
    env.run(&mut jarvis(&env, &["mine", "status"]))
        .assert_success()
        .assert_stdout_contains("mining  not configured")
        .assert_stdout_contains("run `jarvis mine init`");
    let out = env.run(&mut jarvis(&env, &["mine", "status", "--json"]));
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(v["session"]["state"], "absent");
}

#[test]
fn errors_print_their_next_step_as_a_hint() {
    let env = TestEnv::new();
    let out = env.run(&mut jarvis(&env, &["mine", "start"]));
    out.assert_code(1);
    let config = env.oj_home().join("config.toml");
    assert_eq!(
        out.stderr(),
        format!(
            "error: no [mining] section in {}\n  hint: run `jarvis mine init` to write one\n",
            config.display()
        )
    );
}

#[test]
fn quiet_prints_only_what_was_asked_for() {
    let env = TestEnv::new();
    let out = env.run(&mut jarvis(&env, &["-q", "mine", "stop"]));
    out.assert_success();
    assert_eq!(out.stdout(), "", "no report under --quiet");
    env.run(&mut jarvis(&env, &["-q", "completions", "bash"]))
        .assert_success()
        .assert_stdout_contains("complete -F");
    env.run(&mut jarvis(&env, &["-q", "mine", "start"]))
        .assert_code(1)
        .assert_stderr_contains("no [mining] section");
    // An error under --json is the same report on stderr; stdout stays empty (no half-JSON).
    let out = env.run(&mut jarvis(&env, &["mine", "logs", "--json"]));
    out.assert_code(1)
        .assert_stderr_contains("error: ")
        .assert_stderr_contains("no [mining] section");
    assert_eq!(
        out.stdout(),
        "",
        "nothing on stdout for a failed --json command"
    );
    // --json still prints the data it was asked for.
    let out = env.run(&mut jarvis(&env, &["-q", "mine", "stop", "--json"]));
    out.assert_success()
        .assert_stdout_contains("\"result\": \"not running\"");
}

/// A supervisor that gave up leaves state `failed` and its reason in the sidecar: `status
/// --json` carries both, as the human status does.
#[test]
fn status_json_keeps_the_failure_reason() {
    let env = TestEnv::new();
    let runtime = env.oj_home().join("runtime");
    std::fs::create_dir_all(&runtime).expect("mkdir");
    let why = "gateway died 5 times within an hour (limit 5); last exit: exited with status 1";
    std::fs::write(
        runtime.join("mining.json"),
        serde_json::json!({
            "schema_version": 2,
            "provider": "cpu-pearl",
            "wallet_address": WALLET,
            "processes": [{"role": "supervisor", "pid": 1, "start_time": 1}],
            "supervisor": {
                "version": 1,
                "role": "supervisor",
                "process": {"pid": 1, "start_time": 1},
                "state": "failed",
                "last_error": why,
            },
        })
        .to_string(),
    )
    .expect("write");
    env.run(&mut jarvis(&env, &["mine", "status"]))
        .assert_success()
        .assert_stdout_contains(why);
    let out = env.run(&mut jarvis(&env, &["mine", "status", "--json"]));
    out.assert_success();
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    assert_eq!(v["session"]["daemon_state"], "failed", "{v}");
    assert_eq!(v["session"]["last_error"], why, "{v}");
}
