//! Installing pearl-gateway for real (python3 -m venv + pip, and uv where installed) from a
//! local repository shaped like Pearl's; refusing without git or a new enough python3.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jarvis_core::gateway_install::read_record;
use jarvis_pearl_source::gateway::{
    InstallError, InstallEvent, InstallRequest, Layout, install_gateway,
};
use jarvis_testkit::git::commit_files;
use jarvis_testkit::pearl_source::{
    commit_gateway_version, fake_tool, pearl_shaped_repo, tool_dir, uv_or_skip,
};

struct Rig {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    repo: PathBuf,
    cache: PathBuf,
}

impl Rig {
    fn new() -> Rig {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().canonicalize().expect("canonical");
        let repo = root.join("pearl");
        let cache = root.join("home/cache/pearl-gateway");
        Rig {
            _tmp: tmp,
            root,
            repo,
            cache,
        }
    }

    fn request(&self, reference: &str, path: &Path) -> InstallRequest {
        InstallRequest {
            cache_dir: self.cache.clone(),
            source: self.repo.display().to_string(),
            reference: reference.to_owned(),
            path: path.display().to_string(),
            force: false,
        }
    }
}

/// Runs an install, collecting its events.
async fn install(
    request: &InstallRequest,
) -> (
    Result<jarvis_pearl_source::gateway::InstallOutcome, InstallError>,
    Vec<InstallEvent>,
) {
    let seen = Mutex::new(Vec::new());
    let result = install_gateway(request, &|e| {
        seen.lock().expect("lock").push(e);
    })
    .await;
    (result, seen.into_inner().expect("lock"))
}

fn run(program: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn the_layout_finds_the_workspace_and_the_members_the_gateway_needs() {
    let rig = Rig::new();
    pearl_shaped_repo(&rig.repo, "0.1.0");
    let layout = Layout::read(&rig.repo).expect("layout");
    assert!(layout.workspace);
    assert_eq!(layout.gateway_dir, rig.repo.join("miner/pearl-gateway"));
    assert_eq!(layout.local_deps, [rig.repo.join("miner/miner-utils")]);
    assert!(!layout.builds_rust);

    // A Rust extension among the members, found through a glob member pattern.
    commit_files(
        &rig.repo,
        &[
            (
                "pyproject.toml",
                "[tool.uv.workspace]\nmembers = [\"miner/*\", \"py-pearl-mining\"]\n\n[tool.uv.sources]\nminer-utils = { workspace = true }\npy-pearl-mining = { workspace = true }\n",
            ),
            (
                "miner/miner-utils/pyproject.toml",
                "[project]\nname = \"miner_utils\"\nversion = \"0.2.0\"\ndependencies = [\"py-pearl-mining>=0.3 ; python_version >= '3.12'\", \"numpy>=1.20\"]\n",
            ),
            (
                "py-pearl-mining/pyproject.toml",
                "[build-system]\nrequires = [\"maturin>=1.7\"]\nbuild-backend = \"maturin\"\n\n[project]\nname = \"py-pearl-mining\"\nversion = \"0.3.1\"\n",
            ),
        ],
        "rust",
    );
    let layout = Layout::read(&rig.repo).expect("layout");
    assert!(layout.workspace);
    assert_eq!(
        layout.local_deps,
        [
            rig.repo.join("miner/miner-utils"),
            rig.repo.join("py-pearl-mining")
        ]
    );
    assert!(layout.builds_rust);
}

#[tokio::test]
async fn pip_installs_the_gateway_records_it_and_reinstalls_another_ref() {
    let rig = Rig::new();
    let first = pearl_shaped_repo(&rig.repo, "0.1.0");
    let bin = tool_dir(&rig.root.join("bin"), &["git", "python3"]);

    let (result, events) = install(&rig.request(&first, &bin)).await;
    let outcome = result.expect("installed");
    assert!(outcome.built);
    let record = outcome.record;
    assert_eq!(record.installer, "pip");
    assert_eq!(record.commit, first);
    assert_eq!(record.version.as_deref(), Some("0.1.0"));
    assert_eq!(
        record.program,
        rig.cache
            .join(format!("venv-{}/bin/pearl-gateway", &first[..12]))
    );
    assert_eq!(read_record(&rig.cache).expect("read"), Some(record.clone()));
    assert_eq!(run(&record.program, &["--version"]), "pearl-gateway 0.1.0");
    assert!(
        events.contains(&InstallEvent::Phase(
            "building pearl-gateway with pip".into()
        )),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, InstallEvent::Line(l) if l.contains("Successfully installed"))),
        "pip's output is passed on: {events:?}"
    );

    // The same commit again: nothing rebuilt.
    let (again, _) = install(&rig.request(&first, &bin)).await;
    assert!(!again.expect("found").built);

    // --ref: another commit replaces the environment and the record.
    let second = commit_gateway_version(&rig.repo, "0.2.0");
    let (result, _) = install(&rig.request("master", &bin)).await;
    let record = result.expect("reinstalled").record;
    assert_eq!(
        (record.commit.as_str(), record.version.as_deref()),
        (second.as_str(), Some("0.2.0"))
    );
    assert_eq!(run(&record.program, &["--version"]), "pearl-gateway 0.2.0");
    assert!(
        !rig.cache.join(format!("venv-{}", &first[..12])).exists(),
        "the previous environment is removed"
    );

    // A commit whose build fails leaves the installed gateway as it was.
    commit_files(
        &rig.repo,
        &[(
            "miner/pearl-gateway/_build/fixture_backend.py",
            "raise SystemExit('fixture: the proving library failed to compile')\n",
        )],
        "broken",
    );
    let (result, _) = install(&rig.request("master", &bin)).await;
    let err = result.expect_err("the build fails");
    let text = err.to_string();
    assert!(matches!(err, InstallError::Build { .. }), "{err:?}");
    assert!(text.contains("pip install"), "{text}");
    assert!(text.contains("failed (exit 1); its last lines:"), "{text}");
    assert!(
        text.contains("fixture: the proving library failed to compile"),
        "{text}"
    );
    assert_eq!(
        read_record(&rig.cache).expect("read"),
        Some(record.clone()),
        "the record still names the working gateway"
    );
    assert_eq!(run(&record.program, &["--version"]), "pearl-gateway 0.2.0");
}

#[tokio::test]
async fn uv_syncs_the_gateway_package_of_the_workspace() {
    let Some(_) = uv_or_skip("uv_syncs_the_gateway_package_of_the_workspace") else {
        return;
    };
    let rig = Rig::new();
    let commit = pearl_shaped_repo(&rig.repo, "0.3.0");
    let bin = tool_dir(&rig.root.join("bin"), &["git", "python3", "uv"]);
    let (result, events) = install(&rig.request(&commit, &bin)).await;
    let record = result.expect("installed").record;
    assert_eq!(record.installer, "uv");
    assert_eq!(record.version.as_deref(), Some("0.3.0"));
    assert_eq!(run(&record.program, &["--version"]), "pearl-gateway 0.3.0");
    assert!(
        events.contains(&InstallEvent::Phase(
            "building pearl-gateway with uv".into()
        )),
        "{events:?}"
    );
}

#[tokio::test]
async fn refuses_without_git_or_a_new_enough_python() {
    let rig = Rig::new();
    let commit = pearl_shaped_repo(&rig.repo, "0.1.0");

    let no_git = tool_dir(&rig.root.join("no-git"), &["python3"]);
    let (result, _) = install(&rig.request(&commit, &no_git)).await;
    let err = result.expect_err("no git");
    assert!(matches!(err, InstallError::NoGit), "{err:?}");
    assert!(err.to_string().contains("install git"), "{err}");

    let old = rig.root.join("old-python");
    tool_dir(&old, &["git"]);
    fake_tool(&old, "python3", "echo 3.8.10");
    let (result, _) = install(&rig.request(&commit, &old)).await;
    let err = result.expect_err("old python");
    assert_eq!(
        err.to_string(),
        format!(
            "{} is Python 3.8.10; Pearl's gateway needs Python 3.10 or newer: install a newer python3 and put it first on PATH",
            old.join("python3").display()
        )
    );

    let no_python = tool_dir(&rig.root.join("no-python"), &["git"]);
    let (result, _) = install(&rig.request(&commit, &no_python)).await;
    assert!(matches!(result, Err(InstallError::NoPython)));
    assert!(
        !rig.cache.exists(),
        "nothing fetched before the checks pass"
    );
}

#[tokio::test]
async fn a_source_without_the_gateway_is_named() {
    let rig = Rig::new();
    let commit = jarvis_testkit::git::init_repo(&rig.repo, &[("README.md", "not pearl")]);
    let bin = tool_dir(&rig.root.join("bin"), &["git", "python3"]);
    let (result, _) = install(&rig.request(&commit, &bin)).await;
    let text = result.expect_err("not pearl").to_string();
    assert!(
        text.contains(&format!(
            "at {commit} has no miner/pearl-gateway/pyproject.toml"
        )),
        "{text}"
    );
}
