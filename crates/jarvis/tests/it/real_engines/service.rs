//! The generated service files checked by their managers' own parsers: `systemd-analyze
//! verify` (Debian's systemd) on the user unit, a property-list parser on the launchd agent.

use std::path::Path;
use std::process::Command;

use jarvis_testkit::TestEnv;
use jarvis_testkit::real_engine::require_tool;
use serde_json::Value;

use super::skipped;
use crate::common::jarvis;

/// The file `jarvis mine service install --dry-run` would write for `manager`, with
/// `OPENJARVIS_HOME` at `oj_home`.
fn planned_file(env: &TestEnv, manager: &str, oj_home: &Path) -> String {
    let mut cmd = jarvis(
        env,
        &[
            "mine",
            "service",
            "install",
            "--dry-run",
            "--manager",
            manager,
            "--json",
        ],
    );
    cmd.env("OPENJARVIS_HOME", oj_home);
    let out = env.run(&mut cmd);
    out.assert_success();
    let plan: Value = serde_json::from_str(&out.stdout()).expect("plan JSON");
    plan["plan"]["content"]
        .as_str()
        .expect("content")
        .to_owned()
}

/// `systemd-analyze verify --user` on `unit` (a user manager needs a runtime directory);
/// returns its exit success and everything it said.
fn verify(systemd_analyze: &Path, env: &TestEnv, unit: &str, dir: &str) -> (bool, String) {
    let dir = env.home().join(dir);
    let runtime = env.home().join("run");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::create_dir_all(&runtime).expect("mkdir");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let path = dir.join("jarvis-mining.service");
    std::fs::write(&path, unit).expect("write the unit");
    let out = Command::new(systemd_analyze)
        .args(["verify", "--user"])
        .arg(&path)
        .env("HOME", env.home())
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .expect("run systemd-analyze");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[test]
fn systemd_analyze_verifies_the_user_unit() {
    if skipped(
        "service::systemd_analyze_verifies_the_user_unit",
        "systemd-analyze (Debian's systemd)",
    ) {
        return;
    }
    let systemd_analyze = require_tool("systemd-analyze", "systemd");
    let env = TestEnv::new();
    let unit = planned_file(&env, "systemd", env.oj_home());
    let (ok, said) = verify(&systemd_analyze, &env, &unit, "good");
    assert!(
        ok && said.trim().is_empty(),
        "systemd-analyze verify: {said}\n{unit}"
    );

    // The checker does find faults here: a unit with a bad value is reported.
    let broken = unit.replace("RestartSec=10", "RestartSec=ten");
    let (_, said) = verify(&systemd_analyze, &env, &broken, "broken");
    assert!(
        said.contains("RestartSec") || said.contains("sec value"),
        "{said}"
    );
}

#[test]
fn the_launchd_agent_is_a_property_list() {
    let env = TestEnv::new();
    // Characters XML must escape, in a path that goes into the agent.
    let oj_home = env.home().join("mining & <co>");
    std::fs::create_dir_all(&oj_home).expect("mkdir");
    let text = planned_file(&env, "launchd", &oj_home);
    let plist: plist::Value =
        plist::Value::from_reader_xml(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let dict = plist.as_dictionary().expect("a dictionary at the top");
    assert_eq!(
        dict.get("Label").and_then(plist::Value::as_string),
        Some("ai.openjarvis.jarvis-mining")
    );
    let args: Vec<&str> = dict
        .get("ProgramArguments")
        .and_then(plist::Value::as_array)
        .expect("ProgramArguments")
        .iter()
        .filter_map(plist::Value::as_string)
        .collect();
    assert_eq!(args[1..], ["mine", "start", "--foreground"], "{text}");
    assert!(Path::new(args[0]).is_absolute(), "{text}");
    let env_vars = dict
        .get("EnvironmentVariables")
        .and_then(plist::Value::as_dictionary)
        .expect("EnvironmentVariables");
    assert_eq!(
        env_vars
            .get("OPENJARVIS_HOME")
            .and_then(plist::Value::as_string),
        Some(oj_home.to_str().expect("utf-8 path"))
    );
    let keep_alive = dict
        .get("KeepAlive")
        .and_then(plist::Value::as_dictionary)
        .expect("KeepAlive");
    assert_eq!(
        keep_alive
            .get("SuccessfulExit")
            .and_then(plist::Value::as_boolean),
        Some(false),
        "restarted only after a failure"
    );
    assert!(!text.contains("PASSWORD="), "{text}");
}
