//! jarvis-cpu-pearl integration tests (one binary), and the set-up they share.

mod checks;
mod exposition;
mod history;
mod stats;
mod supervisor;

use jarvis_mining::MiningConfig;
use jarvis_mining::config::MiningSection;
use pearl_miner::Shape;

pub(crate) const WALLET: &str = "prl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0ss8729k";
pub(crate) const PASSWORD: &str = "hunter2-pearld-secret";

pub(crate) fn tiny_shape() -> Shape {
    Shape {
        m: 4,
        n: 32,
        k: 2048,
        rank: 128,
        rows_pattern: vec![0, 1],
        cols_pattern: (0..16).collect(),
    }
}

pub(crate) fn tiny_config() -> MiningConfig {
    let mut section = MiningSection::new("cpu-pearl", WALLET);
    section.extra.m = Some(4);
    section.extra.n = Some(32);
    section.extra.rows_pattern = vec![0, 1];
    section.extra.cols_pattern = Some((0..16).collect());
    section.extra.threads = Some(1);
    MiningConfig::from_section(&section).expect("solo")
}

/// A directory holding an executable `pearl-gateway` (a script; never run here).
pub(crate) fn path_with_gateway(dir: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let exe = dir.join("pearl-gateway");
    std::fs::write(&exe, "#!/bin/sh\nexit 0\n").expect("write the stand-in gateway");
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir.display().to_string()
}

pub(crate) fn env_with<'a>(vars: &'a [(&'a str, String)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}
