//! The stand-in Pearl miner image, built locally (no registry is reachable): `FROM scratch`
//! with this crate's `fake-vllm` as the entrypoint (`vllm serve`'s argv in, vLLM's HTTP API
//! out), the shared libraries it needs, and Debian's static busybox at `/bin/busybox` so
//! Dockerfiles built `FROM` it can `RUN` commands.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::dockerd::PrivateDockerd;

/// The tag of the stand-in image on every private daemon.
pub const STANDIN_TAG: &str = "jarvis-test/pearl-miner:standin";

const DOCKERFILE: &str = "FROM scratch\nCOPY rootfs/ /\nENTRYPOINT [\"/usr/local/bin/vllm\"]\n";

/// Builds [`STANDIN_TAG`] on `daemon`; returns the tag.
pub(super) fn build(daemon: &PrivateDockerd) -> Result<String, String> {
    let vllm = crate::testkit_exe("fake-vllm").ok_or(
        "the fake-vllm binary is not built: run `cargo build -p jarvis-testkit --bins` \
         (`cargo test --workspace` builds it)",
    )?;
    let busybox = Path::new("/bin/busybox");
    if !busybox.is_file() {
        return Err("/bin/busybox is missing: `apt-get install busybox-static`".to_owned());
    }
    let ctx = daemon.scratch("standin-context");
    let rootfs = ctx.join("rootfs");
    copy_program(&vllm, &rootfs, Path::new("/usr/local/bin/vllm"))?;
    copy_program(busybox, &rootfs, Path::new("/bin/busybox"))?;
    std::fs::write(ctx.join("Dockerfile"), DOCKERFILE).map_err(|e| e.to_string())?;
    let context = ctx.display().to_string();
    let out = daemon.docker(&["build", "-q", "-t", STANDIN_TAG, &context]);
    if !out.status.success() {
        return Err(format!(
            "docker build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let _ = std::fs::remove_dir_all(&ctx);
    Ok(STANDIN_TAG.to_owned())
}

/// Copies `exe` to `rootfs/<at>` (debug info stripped when `strip` is there) and every shared
/// library `ldd` names to the same path under `rootfs`.
fn copy_program(exe: &Path, rootfs: &Path, at: &Path) -> Result<(), String> {
    let dest = under(rootfs, at);
    make_parent(&dest)?;
    let stripped = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&dest)
        .arg(exe)
        .status()
        .is_ok_and(|s| s.success());
    if !stripped {
        std::fs::copy(exe, &dest).map_err(|e| format!("copy {}: {e}", exe.display()))?;
    }
    for lib in shared_libraries(exe)? {
        let dest = under(rootfs, &lib);
        if dest.exists() {
            continue;
        }
        make_parent(&dest)?;
        std::fs::copy(&lib, &dest).map_err(|e| format!("copy {}: {e}", lib.display()))?;
    }
    Ok(())
}

/// The absolute library paths `ldd` resolves for `exe` (none for a static binary).
fn shared_libraries(exe: &Path) -> Result<Vec<PathBuf>, String> {
    let out = Command::new("ldd")
        .arg(exe)
        .output()
        .map_err(|e| format!("cannot run ldd: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter_map(|line| {
            let target = line.split_once("=>").map_or(line, |(_, t)| t);
            target
                .split_whitespace()
                .next()
                .filter(|p| p.starts_with('/'))
                .map(PathBuf::from)
        })
        .collect())
}

fn under(rootfs: &Path, absolute: &Path) -> PathBuf {
    rootfs.join(absolute.strip_prefix("/").unwrap_or(absolute))
}

fn make_parent(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(dir) => std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display())),
        None => Ok(()),
    }
}
