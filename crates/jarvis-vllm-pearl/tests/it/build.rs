//! The build-from-source path against a local git repository fixture and a recording stand-in
//! for the Docker CLI (no network).

use std::path::{Path, PathBuf};

use jarvis_mining::progress::ProgressEvent;
use jarvis_testkit::git::init_repo;
use jarvis_vllm_pearl::source::{BuildPlan, build_from_source};

use crate::rig::{Recorder, TAG};

const DOCKERFILE: &str = "ARG CUDA_VERSION=13.0.3\nFROM nvidia/cuda:${CUDA_VERSION}-devel-ubuntu24.04 AS builder\nRUN true\nFROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu24.04\nENTRYPOINT [\"./entrypoint.sh\"]\n";
const ENTRYPOINT: &str = "#!/bin/bash\npearl-gateway start &\n# Wait until the gateway is ready\ncurl -s http://localhost:8339/metrics --retry-delay 1 --retry 20 --retry-all-errors > /dev/null\nexec vllm serve \"$@\"\n";

/// A repository with Pearl's layout; returns its path and first commit.
fn fixture(root: &Path) -> (PathBuf, String) {
    fixture_with(root, DOCKERFILE)
}

/// A repository with Pearl's layout and `dockerfile`; returns its path and first commit.
pub(crate) fn fixture_with(root: &Path, dockerfile: &str) -> (PathBuf, String) {
    let repo = root.join("pearl-src");
    let sha = init_repo(
        &repo,
        &[
            ("miner/vllm-miner/Dockerfile", dockerfile),
            ("miner/vllm-miner/entrypoint.sh", ENTRYPOINT),
        ],
    );
    (repo, sha)
}

/// A stand-in `docker` that records its argv and cwd, prints build-like lines, exits `code`.
fn fake_cli(root: &Path, code: i32) -> (PathBuf, PathBuf) {
    let record = root.join("docker-argv.txt");
    let script = root.join("docker");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\npwd > '{r}'\nfor a in \"$@\"; do echo \"$a\" >> '{r}'; done\necho '#1 [internal] load build definition'\necho '#2 DONE 0.1s' >&2\nexit {code}\n",
            r = record.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (script, record)
}

fn plan(root: &Path, repo: &Path, reference: &str, cli: &Path) -> BuildPlan {
    BuildPlan {
        cache_dir: root.join("oj/cache/pearl"),
        repo_url: repo.display().to_string(),
        pearl_ref: reference.to_owned(),
        docker_cli: cli.to_owned(),
        docker_host: "unix:///tmp/fake.sock".to_owned(),
    }
}

#[tokio::test]
async fn builds_the_pinned_commit_with_patches_labels_and_ulimit() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let (repo, sha) = fixture(&root);
    let (cli, record) = fake_cli(&root, 0);
    let plan = plan(&root, &repo, &sha, &cli);
    let progress = Recorder::default();
    let built = build_from_source(&plan, TAG, &progress).await.unwrap();
    assert_eq!(built, sha);

    let argv: Vec<String> = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        argv[0],
        plan.cache_dir.display().to_string(),
        "builds from the repository root"
    );
    let args = &argv[1..];
    let expected_label = format!("jarvis.pearl-ref={sha}");
    for needle in [
        "buildx",
        "build",
        "nofile=1048576:1048576",
        "miner/vllm-miner/Dockerfile",
        TAG,
        ".",
        expected_label.as_str(),
    ] {
        assert!(
            args.iter().any(|a| a == needle),
            "missing {needle} in {args:?}"
        );
    }
    let dockerfile =
        std::fs::read_to_string(plan.cache_dir.join("miner/vllm-miner/Dockerfile")).unwrap();
    assert!(!dockerfile.contains("-runtime-"), "{dockerfile}");
    let entry =
        std::fs::read_to_string(plan.cache_dir.join("miner/vllm-miner/entrypoint.sh")).unwrap();
    assert!(
        entry.contains("/tmp/pearlgw.sock") && !entry.contains("8339"),
        "{entry}"
    );
    let streamed = progress
        .events()
        .into_iter()
        .any(|e| matches!(e, ProgressEvent::Line(l) if l.starts_with("[00m") && l.contains("load build definition")));
    assert!(streamed, "{:?}", progress.events());
}

#[tokio::test]
async fn failed_build_reports_exit_code_and_last_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let (repo, sha) = fixture(&root);
    let (cli, _) = fake_cli(&root, 3);
    let err = build_from_source(&plan(&root, &repo, &sha, &cli), TAG, &Recorder::default())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("exit 3") && text.contains("#2 DONE"),
        "{text}"
    );
    assert!(text.contains("docker buildx build -t"), "{text}");
}

#[tokio::test]
async fn an_engine_that_cannot_raise_the_open_files_limit_builds_again_without_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let (repo, sha) = fixture(&root);
    let record = root.join("builds.txt");
    let cli = root.join("docker");
    std::fs::write(
        &cli,
        format!(
            "#!/bin/sh\n[ \"$1 $2\" = 'buildx version' ] && exit 0\necho \"$*\" >> '{r}'\ncase \"$*\" in *--ulimit*) echo 'runc create failed: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted' >&2; exit 1;; esac\nexit 0\n",
            r = record.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cli, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let progress = Recorder::default();
    build_from_source(&plan(&root, &repo, &sha, &cli), TAG, &progress)
        .await
        .unwrap();
    let builds = std::fs::read_to_string(&record).unwrap();
    let builds: Vec<&str> = builds.lines().collect();
    assert_eq!(builds.len(), 2, "{builds:?}");
    assert!(builds[0].contains("--ulimit nofile=1048576:1048576"));
    assert!(!builds[1].contains("--ulimit") && builds[1].starts_with("buildx build"));
    assert!(
        progress.events().iter().any(|e| matches!(e, ProgressEvent::Warning(w) if w.contains("open-files limit") && w.contains("without --ulimit"))),
        "{:?}",
        progress.events()
    );
}
