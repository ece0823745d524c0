//! A local git repository shaped like Pearl's for `jarvis pearl install-gateway`: a uv
//! workspace root whose members are `miner/pearl-gateway` and `miner/miner-utils` (the
//! gateway depends on it through `[tool.uv.sources]`, as Pearl's does), each a tiny
//! pure-Python package with no outside dependencies and an in-tree PEP 517 build backend
//! (`requires = []`), so pip and uv install them with no network. `pearl-gateway --version`
//! prints `pearl-gateway <version>` and imports `miner_utils`, so a missing dependency fails.

use std::path::Path;

use crate::git::{commit_files, init_repo};

/// The workspace root: virtual (no `[project]`), members and workspace sources.
const ROOT: &str = r#"[tool.uv.workspace]
members = ["miner/pearl-gateway", "miner/miner-utils"]

[tool.uv.sources]
pearl-gateway = { workspace = true }
miner-utils = { workspace = true }
"#;

/// A backend that writes a pure-Python wheel with the standard library only.
const BACKEND: &str = r#"import base64, hashlib, os, zipfile

def get_requires_for_build_wheel(config_settings=None):
    return []

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist = NAME.replace("-", "_")
    info = f"{dist}-{VERSION}.dist-info"
    files = {}
    for root, _, names in os.walk(MODULE):
        for name in sorted(names):
            if name.endswith(".py"):
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    files[path.replace(os.sep, "/")] = f.read()
    meta = f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in REQUIRES)
    files[f"{info}/METADATA"] = meta.encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: fixture\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    if SCRIPTS:
        text = "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in SCRIPTS.items())
        files[f"{info}/entry_points.txt"] = text.encode()
    wheel = f"{dist}-{VERSION}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        z.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel
"#;

fn pyproject(name: &str, version: &str, deps: &[&str], script: Option<&str>) -> String {
    let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\"")).collect();
    let mut text = format!(
        "[build-system]\nrequires = []\nbuild-backend = \"fixture_backend\"\nbackend-path = [\"_build\"]\n\n\
         [project]\nname = \"{name}\"\nversion = \"{version}\"\nrequires-python = \">=3.10\"\n\
         dependencies = [{}]\n",
        deps.join(", ")
    );
    if let Some(target) = script {
        text.push_str(&format!("\n[project.scripts]\n{name} = \"{target}\"\n"));
    }
    text
}

fn backend(name: &str, version: &str, module: &str, deps: &[&str], script: Option<&str>) -> String {
    let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\"")).collect();
    let scripts = script.map_or_else(String::new, |t| format!("\"{name}\": \"{t}\""));
    format!(
        "NAME = \"{name}\"\nVERSION = \"{version}\"\nMODULE = \"{module}\"\nREQUIRES = [{}]\nSCRIPTS = {{{scripts}}}\n\n{BACKEND}",
        deps.join(", ")
    )
}

const CLI: &str = r#"import sys
from importlib.metadata import version

import miner_utils


def main():
    if "--version" in sys.argv[1:]:
        print(f"pearl-gateway {version('pearl-gateway')}")
        return 0
    print("pearl-gateway fixture (" + miner_utils.NAME + "): " + " ".join(sys.argv[1:]))
    return 0
"#;

/// The files of a Pearl-shaped tree whose gateway has `version`.
pub fn pearl_files(version: &str) -> Vec<(String, String)> {
    let gw = "miner/pearl-gateway";
    let mu = "miner/miner-utils";
    let gateway_script = Some("pearl_gateway.cli:main");
    vec![
        ("pyproject.toml".into(), ROOT.into()),
        (
            format!("{gw}/pyproject.toml"),
            pyproject("pearl-gateway", version, &["miner-utils"], gateway_script),
        ),
        (
            format!("{gw}/_build/fixture_backend.py"),
            backend(
                "pearl-gateway",
                version,
                "pearl_gateway",
                &["miner-utils"],
                gateway_script,
            ),
        ),
        (format!("{gw}/pearl_gateway/__init__.py"), String::new()),
        (format!("{gw}/pearl_gateway/cli.py"), CLI.into()),
        (
            format!("{mu}/pyproject.toml"),
            pyproject("miner-utils", "0.2.0", &[], None),
        ),
        (
            format!("{mu}/_build/fixture_backend.py"),
            backend("miner-utils", "0.2.0", "miner_utils", &[], None),
        ),
        (
            format!("{mu}/miner_utils/__init__.py"),
            "NAME = \"miner-utils\"\n".into(),
        ),
    ]
}

/// A new Pearl-shaped repository at `repo` whose gateway has `version`; returns the commit.
pub fn pearl_shaped_repo(repo: &Path, version: &str) -> String {
    let files = pearl_files(version);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    init_repo(repo, &refs)
}

/// Commits the gateway at `version` into `repo`; returns the commit.
pub fn commit_gateway_version(repo: &Path, version: &str) -> String {
    let files = pearl_files(version);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    commit_files(repo, &refs, version)
}

/// The real executable behind `name` on this process' PATH (`python3` resolved through
/// `sys.executable`, so version-manager shims that need a shell are skipped), or `None`.
pub fn real_tool(name: &str) -> Option<std::path::PathBuf> {
    if name == "python3" {
        let out = std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .ok()?;
        let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        return (out.status.success() && !path.is_empty()).then(|| path.into());
    }
    // Version managers' shims run `env bash`, which a PATH of links alone does not have:
    // skip them, and look in python3's scripts directory (where `pip install uv` puts uv).
    let executable = |p: &std::path::PathBuf| {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = std::env::split_paths(&path)
        .filter(|dir| !dir.ends_with("shims"))
        .map(|dir| dir.join(name))
        .find(executable);
    on_path.or_else(|| {
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import sysconfig; print(sysconfig.get_path('scripts'))",
            ])
            .output()
            .ok()?;
        let dir = std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        Some(dir.join(name)).filter(executable)
    })
}

/// The real `uv`, or `None` after one line saying the uv test was skipped; where
/// `JARVIS_REAL_ENGINES=1` (CI, which installs uv) a missing uv fails the test instead.
pub fn uv_or_skip(test: &str) -> Option<std::path::PathBuf> {
    use std::io::Write as _;
    if let Some(uv) = real_tool("uv") {
        return Some(uv);
    }
    assert!(
        !crate::real_engine::enabled(),
        "{}=1 but uv is not installed: `python3 -m pip install uv` (.ci/run does)",
        crate::real_engine::SWITCH
    );
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: it drives uv, which is not installed (`python3 -m pip install uv`)"
    );
    None
}

/// A directory `dir` holding links to the real `tools` only, for a PATH without anything
/// else (no uv unless asked for); panics naming a tool this machine lacks.
pub fn tool_dir(dir: &Path, tools: &[&str]) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).expect("create the tool directory");
    for tool in tools {
        let real = real_tool(tool).unwrap_or_else(|| panic!("{tool} is not installed here"));
        std::os::unix::fs::symlink(&real, dir.join(tool)).expect("link a tool");
    }
    dir.to_path_buf()
}

/// An executable shell script `dir/name` with `body` (a fake tool).
pub fn fake_tool(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(dir).expect("create the tool directory");
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write a fake tool");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}
