//! Syncing Pearl's source from a local repository fixture (no network).

use jarvis_pearl_source::sync_source;
use jarvis_testkit::git::{commit_files, git, init_repo};

#[tokio::test]
async fn existing_cache_is_reset_to_the_new_pin_despite_local_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let repo = root.join("pearl-src");
    let first = init_repo(&repo, &[("miner/vllm-miner/Dockerfile", "FROM scratch\n")]);
    let url = repo.display().to_string();
    let cache = root.join("oj/cache/pearl");
    assert_eq!(sync_source(&cache, &url, &first).await.unwrap(), first);
    // A patched tracked file and an untracked one, as an image build leaves them.
    std::fs::write(cache.join("miner/vllm-miner/Dockerfile"), "FROM patched\n").unwrap();
    std::fs::write(cache.join("junk.txt"), "x").unwrap();
    let second = commit_files(&repo, &[("README.md", "two")], "two");

    assert_eq!(sync_source(&cache, &url, &second).await.unwrap(), second);
    assert_eq!(git(&cache, &["rev-parse", "HEAD"]), second);
    assert!(!cache.join("junk.txt").exists());
    assert_eq!(
        git(&cache, &["status", "--porcelain"]),
        "",
        "clean tree before patching"
    );
    // A branch name resolves to the remote branch, not a stale local one.
    assert_eq!(sync_source(&cache, &url, "master").await.unwrap(), second);
}

#[tokio::test]
async fn unknown_ref_is_a_git_error_with_its_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let repo = root.join("pearl-src");
    init_repo(&repo, &[("README.md", "one")]);
    let err = sync_source(
        &root.join("cache"),
        &repo.display().to_string(),
        "no-such-branch",
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("`git fetch origin no-such-branch` failed (exit"),
        "{err}"
    );
}

#[tokio::test]
async fn a_repository_that_cannot_be_cloned_leaves_no_cache_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let cache = root.join("cache/pearl");
    let err = sync_source(
        &cache,
        &root.join("missing").display().to_string(),
        "master",
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("`git clone --no-checkout"), "{err}");
    assert!(!cache.exists(), "a failed clone is removed");
}
