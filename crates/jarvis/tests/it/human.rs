//! What users read, end to end: the built binary's human output in the states users meet
//! without a live miner (not configured, configured but stopped, stale, failed, corrupt, a
//! failed start), pinned by insta snapshots. The temporary home prints as `<HOME>`. Running
//! sessions, the bench and every state of both providers are pinned by the views' snapshots
//! (`src/views/`), built from typed data.

use jarvis_core::process::ProcessIdentity;
use jarvis_mining::sidecar::{
    DaemonRole, DaemonState, ProcessEntry, Sidecar, SupervisorSection, write_sidecar,
};
use jarvis_testkit::TestEnv;

use crate::common::{WALLET, jarvis};

/// `jarvis <args>` as a user sees it: the command, its exit code, stdout and stderr.
fn seen(env: &TestEnv, args: &[&str]) -> String {
    let out = env.run(&mut jarvis(env, args));
    let text = format!(
        "$ jarvis {}\nexit {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        out.code()
            .map_or_else(|| "by signal".to_owned(), |c| c.to_string()),
        out.stdout(),
        out.stderr()
    );
    text.replace(&env.home().display().to_string(), "<HOME>")
}

fn seen_all(env: &TestEnv, commands: &[&[&str]]) -> String {
    commands
        .iter()
        .map(|args| seen(env, args))
        .collect::<Vec<_>>()
        .join("\n")
}

fn configure(env: &TestEnv) {
    env.write_config(&format!(
        "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"{WALLET}\"\n"
    ));
}

/// A cpu-pearl sidecar whose supervisor (pid 1 with a start time it never had) is gone, its
/// section in `state` with `last_error`.
fn dead_supervisor(env: &TestEnv, state: DaemonState, last_error: Option<&str>) {
    let gone = ProcessIdentity {
        pid: 1,
        start_time: 1,
    };
    let mut sidecar = Sidecar::new("cpu-pearl", WALLET, 1_700_000_000.0);
    sidecar.processes.push(ProcessEntry {
        role: "supervisor".to_owned(),
        pid: gone.pid,
        start_time: gone.start_time,
    });
    let mut section = SupervisorSection::new(DaemonRole::Supervisor, gone, state, 1_700_000_000.0);
    section.last_error = last_error.map(str::to_owned);
    sidecar.supervisor = Some(section);
    let path = env.oj_home().join("runtime/mining.json");
    std::fs::create_dir_all(path.parent().expect("runtime dir")).expect("mkdir");
    write_sidecar(&path, &sidecar).expect("write the sidecar");
}

#[test]
fn not_configured() {
    let env = TestEnv::new();
    insta::assert_snapshot!(seen_all(
        &env,
        &[
            &["mine", "status"],
            &["mine", "start"],
            &["mine", "stop"],
            &["mine", "logs"],
            &["mine", "history"],
            &["mine", "report", "--output", "chart.png"],
        ]
    ));
}

#[test]
fn configured_and_stopped() {
    let env = TestEnv::new();
    configure(&env);
    insta::assert_snapshot!(seen_all(
        &env,
        &[&["mine", "status"], &["mine", "stop"], &["mine", "history"]]
    ));
}

#[test]
fn stale_session() {
    let env = TestEnv::new();
    configure(&env);
    dead_supervisor(&env, DaemonState::Ready, None);
    insta::assert_snapshot!(seen_all(
        &env,
        &[&["mine", "status"], &["mine", "stop"], &["mine", "status"]]
    ));
}

#[test]
fn failed_session() {
    let env = TestEnv::new();
    configure(&env);
    dead_supervisor(
        &env,
        DaemonState::Failed,
        Some("pearl-gateway died 5 times within an hour; last: exit status 1: pearld unreachable"),
    );
    insta::assert_snapshot!(seen(&env, &["mine", "status"]));
}

#[test]
fn corrupt_session() {
    let env = TestEnv::new();
    configure(&env);
    let path = env.oj_home().join("runtime/mining.json");
    std::fs::create_dir_all(path.parent().expect("runtime dir")).expect("mkdir");
    std::fs::write(&path, "{garbage").expect("write");
    insta::assert_snapshot!(seen_all(&env, &[&["mine", "status"], &["mine", "stop"]]));
}

/// The starts users see refused before anything runs: a pool target, the pearld password
/// variable unset, no pearl-gateway (PATH holds an empty directory).
#[test]
fn start_refused() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"{WALLET}\"\nsubmit_target = \"pool:https://pool.example/submit\"\n"
    ));
    let pool = seen(&env, &["mine", "start"]);
    configure(&env);
    let no_password = seen(&env, &["mine", "start"]);
    let empty = env.home().join("empty-path");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let out = env.run(
        jarvis(&env, &["mine", "start"])
            .env("PATH", &empty)
            .env("PEARLD_RPC_PASSWORD", "not-a-real-password"),
    );
    let no_gateway = format!(
        "$ PEARLD_RPC_PASSWORD=... PATH=<empty> jarvis mine start\nexit {}\n--- stdout\n{}--- stderr\n{}",
        out.code().unwrap_or(-1),
        out.stdout(),
        out.stderr()
    );
    assert!(
        !no_gateway.contains("not-a-real-password"),
        "no secret printed"
    );
    insta::assert_snapshot!(format!("{pool}\n{no_password}\n{no_gateway}"));
}
