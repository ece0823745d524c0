//! Building the miner image from Pearl's source pinned to an exact commit.
//!
//! The cache (`$OPENJARVIS_HOME/cache/pearl`) is synced with plain git (clone, or fetch +
//! `checkout --detach <sha>` + `reset --hard` + `clean -fdx`, so a patched tree never blocks the
//! next sync), two idempotent patches are applied, and the image is built by the Docker CLI
//! ([`super::build`]).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::provider::{MiningError, Progress, ProgressEvent};

/// Pearl's repository.
pub const PEARL_REPO_URL: &str = "https://github.com/pearl-research-labs/pearl.git";

/// The Pearl commit jarvis builds by default (`[mining.extra].pearl_ref` overrides it). Its
/// `miner/vllm-miner/Dockerfile` is the one the patches below were written against.
pub const PEARL_PINNED_REF: &str = "4d00f3becf98797b9def56f27d26960f7605c45f";

/// The Dockerfile, relative to the repository root (the build context).
pub const DOCKERFILE: &str = "miner/vllm-miner/Dockerfile";
/// The container entrypoint script.
pub const ENTRYPOINT: &str = "miner/vllm-miner/entrypoint.sh";

/// How to build the image.
#[derive(Debug, Clone)]
pub struct BuildPlan {
    /// The source cache.
    pub cache_dir: PathBuf,
    /// Repository URL (a local path in tests).
    pub repo_url: String,
    /// Commit, tag or branch to build.
    pub pearl_ref: String,
    /// The Docker CLI (`docker`).
    pub docker_cli: PathBuf,
    /// `DOCKER_HOST` for the CLI, so it builds on the engine jarvis talks to.
    pub docker_host: String,
}

/// Syncs the source, patches it and builds `tag`; returns the commit built.
pub async fn build_from_source(
    plan: &BuildPlan,
    tag: &str,
    progress: &dyn Progress,
) -> Result<String, MiningError> {
    progress.event(ProgressEvent::Phase(format!(
        "syncing Pearl source ({}) into {}",
        plan.pearl_ref,
        plan.cache_dir.display()
    )));
    let commit = sync_source(plan, tag).await?;
    let applied = apply_patches(&plan.cache_dir)
        .map_err(|e| image_error(tag, e, "check the permissions of the jarvis cache"))?;
    for name in applied {
        progress.event(ProgressEvent::Line(format!("patched {name}")));
    }
    progress.event(ProgressEvent::Phase(format!(
        "building {tag} from Pearl {commit} (30-60 minutes)"
    )));
    super::build::run_build(plan, tag, &commit, progress).await?;
    progress.event(ProgressEvent::Done(format!("built {tag}")));
    Ok(commit)
}

pub(super) fn image_error(tag: &str, detail: String, fix: &str) -> MiningError {
    MiningError::Image {
        tag: tag.to_owned(),
        detail,
        fix: fix.to_owned(),
    }
}

/// Brings the cache to exactly `plan.pearl_ref` and returns the commit id.
pub async fn sync_source(plan: &BuildPlan, tag: &str) -> Result<String, MiningError> {
    let dir = &plan.cache_dir;
    let git_fix = "check network access to the Pearl repository and [mining.extra].pearl_ref; delete the cache directory to start over";
    let fail = |e: String| image_error(tag, e, git_fix);
    if !dir.join(".git").exists() {
        if dir.exists() {
            std::fs::remove_dir_all(dir)
                .map_err(|e| fail(format!("cannot clear {}: {e}", dir.display())))?;
        }
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| fail(format!("cannot create {}: {e}", parent.display())))?;
        }
        let target = dir.to_string_lossy().into_owned();
        if let Err(e) = git(None, &["clone", "--no-checkout", &plan.repo_url, &target]).await {
            let _ = std::fs::remove_dir_all(dir);
            return Err(fail(e));
        }
    } else {
        git(Some(dir), &["remote", "set-url", "origin", &plan.repo_url])
            .await
            .map_err(fail)?;
        git(Some(dir), &["fetch", "--tags", "origin"])
            .await
            .map_err(fail)?;
    }
    let commit = resolve(dir, &plan.pearl_ref).await.map_err(fail)?;
    git(Some(dir), &["checkout", "--force", "--detach", &commit])
        .await
        .map_err(fail)?;
    git(Some(dir), &["reset", "--hard", &commit])
        .await
        .map_err(fail)?;
    git(Some(dir), &["clean", "-fdx"]).await.map_err(fail)?;
    git(Some(dir), &["submodule", "update", "--init", "--recursive"])
        .await
        .map_err(fail)?;
    Ok(commit)
}

/// The commit `reference` names: a local commit or tag, a remote branch, else fetched by name.
async fn resolve(dir: &Path, reference: &str) -> Result<String, String> {
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
    git(Some(dir), &["rev-parse", "--verify", "FETCH_HEAD^{commit}"])
        .await
        .map(|s| s.trim().to_owned())
}

/// Runs git without a prompt; returns stdout, or "`git ...` failed (exit N): <last 5 stderr lines>".
async fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, String> {
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
        .map_err(|e| format!("`{shown}` could not run: {e}; install git"))?;
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
    Err(format!("`{shown}` failed (exit {code}): {tail}"))
}

/// Upstream's runtime stage base; vLLM's DeepGEMM JIT needs nvcc at run time.
const RUNTIME_BASE: &str = "FROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu24.04";
const DEVEL_BASE: &str = "FROM nvidia/cuda:${CUDA_VERSION}-devel-ubuntu24.04";
/// Upstream's readiness wait polls a metrics port the gateway does not serve.
const GATEWAY_WAIT_MARKER: &str = "# Wait until the gateway is ready";
const GATEWAY_WAIT_CURL: &str = "localhost:8339/metrics";
const SOCKET_WAIT: &str = "# jarvis: wait for the gateway's Unix socket (the gateway serves no metrics port)\n\
for _ in $(seq 1 20); do\n    [ -S /tmp/pearlgw.sock ] && break\n    sleep 1\ndone\n\
[ -S /tmp/pearlgw.sock ] || { echo \"pearl-gateway socket /tmp/pearlgw.sock did not appear\" >&2; exit 1; }\n";

/// Applies both patches where their old text is present; returns the files changed.
pub fn apply_patches(root: &Path) -> Result<Vec<&'static str>, String> {
    let mut changed = Vec::new();
    if patch_file(&root.join(DOCKERFILE), patch_dockerfile)? {
        changed.push(DOCKERFILE);
    }
    if patch_file(&root.join(ENTRYPOINT), patch_entrypoint)? {
        changed.push(ENTRYPOINT);
    }
    Ok(changed)
}

fn patch_file(path: &Path, patch: fn(&str) -> Option<String>) -> Result<bool, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    match patch(&text) {
        Some(new) => std::fs::write(path, new)
            .map(|()| true)
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => Ok(false),
    }
}

/// The runtime stage on the `-devel-` CUDA image; `None` when already patched.
pub fn patch_dockerfile(text: &str) -> Option<String> {
    text.contains(RUNTIME_BASE)
        .then(|| text.replace(RUNTIME_BASE, DEVEL_BASE))
}

/// The gateway wait as a socket poll; `None` when there is no metrics-port wait to replace.
pub fn patch_entrypoint(text: &str) -> Option<String> {
    if !text.contains(GATEWAY_WAIT_CURL) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + SOCKET_WAIT.len());
    let mut inserted = false;
    for line in text.lines() {
        let is_wait = line.trim() == GATEWAY_WAIT_MARKER || line.contains(GATEWAY_WAIT_CURL);
        if is_wait {
            if !inserted {
                out.push_str(SOCKET_WAIT);
                inserted = true;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_patch_is_idempotent() {
        let text = "FROM nvidia/cuda:${CUDA_VERSION}-devel-ubuntu24.04 AS builder\nFROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu24.04\n";
        let once = patch_dockerfile(text).unwrap();
        assert!(!once.contains("-runtime-"));
        assert_eq!(once.matches("-devel-").count(), 2);
        assert_eq!(patch_dockerfile(&once), None);
    }

    #[test]
    fn entrypoint_patch_waits_for_the_socket() {
        let text = "#!/bin/bash\npearl-gateway start &\n# Wait until the gateway is ready\ncurl -s http://localhost:8339/metrics --retry-delay 1 --retry 20 --retry-all-errors > /dev/null\nexec vllm serve \"$@\"\n";
        let once = patch_entrypoint(text).unwrap();
        assert!(once.contains("/tmp/pearlgw.sock"));
        assert!(!once.contains("localhost:8339/metrics"));
        assert!(once.ends_with("exec vllm serve \"$@\"\n"));
        assert_eq!(patch_entrypoint(&once), None);
    }
}
