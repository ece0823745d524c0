use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;

use jarvis_core::{JarvisHome, PathsError};

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
    let map: HashMap<String, OsString> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn openjarvis_home_wins_over_home() {
    let home = JarvisHome::from_vars(vars(&[("OPENJARVIS_HOME", "/srv/oj"), ("HOME", "/home/u")]))
        .unwrap();
    assert_eq!(home.root(), PathBuf::from("/srv/oj"));
    assert_eq!(home.config_path(), PathBuf::from("/srv/oj/config.toml"));
}

#[test]
fn empty_openjarvis_home_falls_back_to_dot_openjarvis() {
    let home =
        JarvisHome::from_vars(vars(&[("OPENJARVIS_HOME", ""), ("HOME", "/home/u")])).unwrap();
    assert_eq!(home.root(), PathBuf::from("/home/u/.openjarvis"));
}

#[test]
fn tilde_is_expanded() {
    let home =
        JarvisHome::from_vars(vars(&[("OPENJARVIS_HOME", "~/oj"), ("HOME", "/home/u")])).unwrap();
    assert_eq!(home.root(), PathBuf::from("/home/u/oj"));
}

#[test]
fn no_usable_variable_is_an_error_naming_both() {
    let err = JarvisHome::from_vars(vars(&[("HOME", "")])).unwrap_err();
    assert_eq!(err, PathsError::NoHome);
    let msg = err.to_string();
    assert!(
        msg.contains("$OPENJARVIS_HOME") && msg.contains("$HOME"),
        "{msg}"
    );
}

#[test]
fn openjarvis_config_overrides_config_path_only() {
    let home = JarvisHome::from_vars(vars(&[
        ("HOME", "/home/u"),
        ("OPENJARVIS_CONFIG", "/etc/jarvis.toml"),
    ]))
    .unwrap();
    assert_eq!(home.config_path(), PathBuf::from("/etc/jarvis.toml"));
    assert_eq!(home.root(), PathBuf::from("/home/u/.openjarvis"));
    let empty = JarvisHome::from_vars(vars(&[("HOME", "/h"), ("OPENJARVIS_CONFIG", "")])).unwrap();
    assert_eq!(
        empty.config_path(),
        PathBuf::from("/h/.openjarvis/config.toml")
    );
}

#[test]
fn layout_under_root() {
    let home = JarvisHome::at("/x");
    assert_eq!(home.runtime_dir(), PathBuf::from("/x/runtime"));
    assert_eq!(home.sidecar_path(), PathBuf::from("/x/runtime/mining.json"));
    assert_eq!(home.lock_path(), PathBuf::from("/x/runtime/mining.lock"));
    assert_eq!(home.logs_dir(), PathBuf::from("/x/logs/mining"));
    assert_eq!(home.cache_dir(), PathBuf::from("/x/cache"));
    assert_eq!(home.telemetry_dir(), PathBuf::from("/x/telemetry"));
    assert_eq!(home.config_path(), PathBuf::from("/x/config.toml"));
    assert_eq!(
        home.with_config_path("/y/c.toml").config_path(),
        PathBuf::from("/y/c.toml")
    );
}
