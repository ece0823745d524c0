//! Pearl's source at a pinned commit: clone, fetch and check out Pearl's repository into a
//! cache directory with plain git (no prompt, a forced detached checkout, `reset --hard` and
//! `clean -fdx`, so local patches never block the next sync). Used by the vLLM miner image
//! build and by [`gateway`], which installs Pearl's `pearl-gateway` into a virtual environment.

pub mod gateway;

use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Pearl's repository.
pub const PEARL_REPO_URL: &str = "https://github.com/pearl-research-labs/pearl.git";

/// The Pearl commit jarvis builds by default (`[mining.extra].pearl_ref` overrides it). Its
/// `miner/vllm-miner/Dockerfile` is the one the vLLM image patches were written against.
pub const PEARL_PINNED_REF: &str = "4d00f3becf98797b9def56f27d26960f7605c45f";

/// Why the source could not be synced.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The cache directory could not be cleared or created.
    #[error("cannot {action} {}", path.display())]
    Cache {
        /// `clear` or `create`.
        action: &'static str,
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A git command could not run, or failed (its last stderr lines included).
    #[error("{0}")]
    Git(String),
}

/// Brings `dir` to exactly `reference` (a commit, tag or branch of `repo_url`) and returns the
/// commit id.
pub async fn sync_source(
    dir: &Path,
    repo_url: &str,
    reference: &str,
) -> Result<String, SourceError> {
    if !dir.join(".git").exists() {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|source| SourceError::Cache {
                action: "clear",
                path: dir.to_owned(),
                source,
            })?;
        }
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent).map_err(|source| SourceError::Cache {
                action: "create",
                path: parent.to_owned(),
                source,
            })?;
        }
        let target = dir.to_string_lossy().into_owned();
        if let Err(e) = git(None, &["clone", "--no-checkout", repo_url, &target]).await {
            let _ = std::fs::remove_dir_all(dir);
            return Err(e);
        }
    } else {
        git(Some(dir), &["remote", "set-url", "origin", repo_url]).await?;
        git(Some(dir), &["fetch", "--tags", "origin"]).await?;
    }
    let commit = resolve(dir, reference).await?;
    git(Some(dir), &["checkout", "--force", "--detach", &commit]).await?;
    git(Some(dir), &["reset", "--hard", &commit]).await?;
    git(Some(dir), &["clean", "-fdx"]).await?;
    git(Some(dir), &["submodule", "update", "--init", "--recursive"]).await?;
    Ok(commit)
}

/// The commit `reference` names: a local commit or tag, a remote branch, else fetched by name.
async fn resolve(dir: &Path, reference: &str) -> Result<String, SourceError> {
    // A remote branch first: a local branch of the same name may be stale.
    for candidate in [
        format!("origin/{reference}^{{commit}}"),
        format!("{reference}^{{commit}}"),
    ] {
        if let Ok(sha) = git(Some(dir), &["rev-parse", "--verify", "--quiet", &candidate]).await {
            return Ok(sha.trim().to_owned());
        }
    }
    git(Some(dir), &["fetch", "origin", reference]).await?;
    let sha = git(Some(dir), &["rev-parse", "--verify", "FETCH_HEAD^{commit}"]).await?;
    Ok(sha.trim().to_owned())
}

/// Runs git without a prompt; returns stdout, or "`git ...` failed (exit N): <last 5 stderr lines>".
async fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, SourceError> {
    let mut cmd = tokio::process::Command::new("git");
    if let Some(dir) = dir {
        cmd.arg("-C").arg(dir);
    }
    cmd.args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    let shown = format!("git {}", args.join(" "));
    let output = cmd
        .output()
        .await
        .map_err(|e| SourceError::Git(format!("`{shown}` could not run: {e}; install git")))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines
        .get(lines.len().saturating_sub(5)..)
        .unwrap_or_default()
        .join(" | ");
    let code = output
        .status
        .code()
        .map_or("signal".to_owned(), |c| c.to_string());
    Err(SourceError::Git(format!(
        "`{shown}` failed (exit {code}): {tail}"
    )))
}
