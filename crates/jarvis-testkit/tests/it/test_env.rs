//! `TestEnv` isolation and `RunOutput` failure reports.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use jarvis_testkit::TestEnv;

#[test]
fn command_environment_is_cleared_and_isolated() {
    let env = TestEnv::new();
    // `cargo test` exports CARGO_* and more; none of it may reach the child.
    let out = env.run(&mut env.command(Path::new("env")));
    out.assert_success();
    let mut names: Vec<String> = out
        .stdout()
        .lines()
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.to_owned()))
        .collect();
    names.sort();
    let mut expected = vec!["HOME", "NO_COLOR", "OPENJARVIS_HOME"];
    if std::env::var_os("PATH").is_some() {
        expected.push("PATH");
    }
    expected.sort_unstable();
    assert_eq!(names, expected, "{}", out.report());
    out.assert_stdout_contains(&format!("HOME={}\n", env.home().display()))
        .assert_stdout_contains(&format!("OPENJARVIS_HOME={}\n", env.oj_home().display()))
        .assert_stdout_contains("NO_COLOR=1\n");
    assert!(env.oj_home().starts_with(env.home()));
    assert!(env.oj_home().is_dir());
}

#[test]
fn write_config_lands_in_openjarvis_home() {
    let env = TestEnv::new();
    let path = env.write_config("[mining]\nprovider = \"cpu-pearl\"\n");
    assert_eq!(path, env.oj_home().join("config.toml"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "[mining]\nprovider = \"cpu-pearl\"\n"
    );
}

#[test]
fn working_directory_is_the_temporary_home() {
    let env = TestEnv::new();
    let out = env.run(&mut env.command(Path::new("pwd")));
    out.assert_success();
    assert_eq!(out.stdout().trim_end(), env.home().display().to_string());
}

#[test]
fn failed_assertions_show_command_and_both_streams() {
    let env = TestEnv::new();
    let mut cmd = env.command(Path::new("sh"));
    cmd.args(["-c", "echo to-stdout; echo to-stderr >&2; exit 3"]);
    let out = env.run(&mut cmd);
    out.assert_failure().assert_code(3);
    let panic = catch_unwind(AssertUnwindSafe(|| {
        out.assert_success();
    }))
    .expect_err("assert_success must fail on exit 3");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    for needle in ["expected success", "sh -c", "to-stdout", "to-stderr", "3"] {
        assert!(message.contains(needle), "missing {needle:?} in {message}");
    }
}

#[test]
fn temporary_directories_are_removed_on_drop() {
    let env = TestEnv::new();
    let home = env.home().to_path_buf();
    assert!(home.is_dir());
    drop(env);
    assert!(!home.exists());
}
