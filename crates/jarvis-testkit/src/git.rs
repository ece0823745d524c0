//! Local git repositories for tests of code that clones and checks out (no network).

use std::path::Path;
use std::process::Command;

/// Runs `git -C dir args` with a fixed identity and no signing; panics with git's stderr on
/// failure. Returns trimmed stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A new repository at `repo` (branch `master`) whose first commit holds `files`
/// (path relative to the root, content); returns that commit id.
pub fn init_repo(repo: &Path, files: &[(&str, &str)]) -> String {
    std::fs::create_dir_all(repo).expect("create the repository directory");
    git(repo, &["init", "-q", "-b", "master"]);
    commit_files(repo, files, "one")
}

/// Writes `files` into `repo` and commits them with `message`; returns the commit id.
pub fn commit_files(repo: &Path, files: &[(&str, &str)], message: &str) -> String {
    for (path, content) in files {
        let path = repo.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create a fixture directory");
        }
        std::fs::write(path, content).expect("write a fixture file");
    }
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}
