//! A private `dockerd` for one test process: its own socket, data root, exec root and pidfile,
//! no bridge and no iptables, the vfs storage driver (works inside containers), and the host's
//! `/etc/docker/daemon.json` ignored. With `gpu = true` a no-op `nvidia-container-runtime-hook`
//! is first on its PATH, which makes dockerd register its `nvidia` device driver, so
//! `DeviceRequests` for GPUs are accepted and the container really runs without a GPU.
//!
//! Clean-up does not depend on Rust's `Drop` (statics are never dropped): dockerd runs under a
//! small `sh` watchdog in its own process group whose stdin is a pipe from this process. When
//! this process ends, however it ends (tests done, panic, SIGKILL), the pipe closes and the
//! watchdog stops dockerd (SIGTERM, then SIGKILL after 15 s), unmounts what it left under its
//! directory, and removes the directory.

use std::io;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{free_port, require_tool, standin};

/// Stops dockerd when stdin closes, then unmounts and removes `$1`.
const WATCHDOG: &str = r#"dir="$1"; shift
"$@" </dev/null >"$dir/dockerd.log" 2>&1 &
pid=$!
cat >/dev/null
kill -TERM "$pid" 2>/dev/null
n=0
while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 150 ]; do sleep 0.1; n=$((n+1)); done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
rm -rf "$dir"
"#;

/// How long dockerd may take to answer after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A private dockerd; stopped and removed when dropped or when this process exits.
pub struct PrivateDockerd {
    dir: PathBuf,
    gpu: bool,
    tcp_port: Option<u16>,
    watchdog: Mutex<Option<Child>>,
    standin: OnceLock<Result<String, String>>,
    exclusive: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for PrivateDockerd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateDockerd")
            .field("dir", &self.dir)
            .field("gpu", &self.gpu)
            .finish_non_exhaustive()
    }
}

static GPU: OnceLock<Result<PrivateDockerd, String>> = OnceLock::new();
static PLAIN: OnceLock<Result<PrivateDockerd, String>> = OnceLock::new();

/// This process's shared daemon that accepts GPU requests (no-op NVIDIA hook), also listening
/// on `tcp://127.0.0.1:<port>`. Started on first use.
pub fn gpu_engine() -> &'static PrivateDockerd {
    shared(&GPU, "gpu", true)
}

/// This process's shared daemon without an NVIDIA hook: it refuses GPU requests like a host
/// without the NVIDIA Container Toolkit. Started on first use.
pub fn plain_engine() -> &'static PrivateDockerd {
    shared(&PLAIN, "plain", false)
}

fn shared(
    cell: &'static OnceLock<Result<PrivateDockerd, String>>,
    name: &str,
    gpu: bool,
) -> &'static PrivateDockerd {
    match cell.get_or_init(|| PrivateDockerd::start(name, gpu)) {
        Ok(daemon) => daemon,
        Err(e) => panic!("cannot start the private dockerd ({name}): {e}"),
    }
}

impl PrivateDockerd {
    /// Starts a daemon (`gpu`: with the no-op NVIDIA hook and a TCP listener) and waits until
    /// it answers.
    pub fn start(name: &str, gpu: bool) -> Result<Self, String> {
        let dockerd = require_tool("dockerd", "docker.io");
        require_tool("docker", "docker.io");
        let dir = tempfile::Builder::new()
            .prefix(&format!("jarvis-dockerd-{name}-"))
            .tempdir_in("/tmp")
            .map_err(|e| format!("cannot create a directory in /tmp: {e}"))?
            .keep();
        let setup = || -> io::Result<()> {
            std::fs::write(dir.join("daemon.json"), "{}\n")?;
            if gpu {
                let bin = dir.join("hookbin");
                std::fs::create_dir(&bin)?;
                write_executable(
                    &bin.join("nvidia-container-runtime-hook"),
                    "#!/bin/sh\nexit 0\n",
                )?;
            }
            Ok(())
        };
        setup().map_err(|e| format!("cannot prepare {}: {e}", dir.display()))?;
        let tcp_port = gpu.then(free_port);
        let mut args: Vec<String> = vec![
            dockerd.display().to_string(),
            format!("--config-file={}/daemon.json", dir.display()),
            format!("--host=unix://{}/docker.sock", dir.display()),
            format!("--data-root={}/data", dir.display()),
            format!("--exec-root={}/exec", dir.display()),
            format!("--pidfile={}/docker.pid", dir.display()),
            "--bridge=none".to_owned(),
            "--iptables=false".to_owned(),
            "--ip6tables=false".to_owned(),
            "--storage-driver=vfs".to_owned(),
            "--shutdown-timeout=2".to_owned(),
        ];
        if let Some(port) = tcp_port {
            args.push(format!("--host=tcp://127.0.0.1:{port}"));
        }
        let child = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("jarvis-dockerd-watchdog")
            .arg(&dir)
            .args(&args)
            .env("PATH", daemon_path(&dir, gpu))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot run sh: {e}"))?;
        let daemon = PrivateDockerd {
            dir,
            gpu,
            tcp_port,
            watchdog: Mutex::new(Some(child)),
            standin: OnceLock::new(),
            exclusive: tokio::sync::Mutex::new(()),
        };
        daemon.wait_until_up()?;
        Ok(daemon)
    }

    fn wait_until_up(&self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            let out = self.docker(&["version", "--format", "{{.Server.Version}}"]);
            if out.status.success() {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "dockerd did not answer within {}s; its log ends:\n{}",
                    START_TIMEOUT.as_secs(),
                    self.log_tail(30)
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `unix:///.../docker.sock`, for `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir.display())
    }

    /// `tcp://127.0.0.1:<port>` where the GPU daemon also listens.
    pub fn tcp_host(&self) -> Option<String> {
        self.tcp_port.map(|p| format!("tcp://127.0.0.1:{p}"))
    }

    /// Whether GPU requests are accepted.
    pub fn accepts_gpus(&self) -> bool {
        self.gpu
    }

    /// A scratch directory inside the daemon's own (removed with it).
    pub fn scratch(&self, name: &str) -> PathBuf {
        let dir = self.dir.join("scratch").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        dir
    }

    /// Held by a test for as long as it uses names shared on this daemon (the miner
    /// container's fixed name, the default image tag).
    pub async fn exclusive(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.exclusive.lock().await
    }

    /// [`Self::exclusive`] for synchronous tests.
    pub fn exclusive_blocking(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.exclusive.blocking_lock()
    }

    /// `docker <args>` against this daemon.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", self.host())
            .env("DOCKER_BUILDKIT", "0")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run docker: {e}"))
    }

    /// `docker <args>`'s stdout; panics with its stderr when it fails.
    pub fn docker_ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "docker {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// What the engine stored for a container or image (`docker inspect`), `None` when absent.
    pub fn inspect(&self, what: &str) -> Option<serde_json::Value> {
        let out = self.docker(&["inspect", what]);
        if !out.status.success() {
            return None;
        }
        let all: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        all.get(0).cloned()
    }

    /// Names of every container on this daemon, running or not.
    pub fn container_names(&self) -> Vec<String> {
        self.docker_ok(&["ps", "-a", "--format", "{{.Names}}"])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Removes container `name` if present.
    pub fn remove_container(&self, name: &str) {
        let _ = self.docker(&["rm", "-f", name]);
    }

    /// The stand-in Pearl miner image ([`standin::STANDIN_TAG`]), built on first use.
    pub fn standin_image(&self) -> &str {
        match self.standin.get_or_init(|| standin::build(self)) {
            Ok(tag) => tag,
            Err(e) => panic!("cannot build the stand-in miner image: {e}"),
        }
    }

    /// The last `n` lines of dockerd's own log.
    pub fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for PrivateDockerd {
    fn drop(&mut self) {
        let child = self
            .watchdog
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(mut child) = child {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

/// PATH for dockerd: the hook directory first for a GPU daemon; for the other, PATH without
/// any directory that holds a real hook (it must refuse GPUs even on a GPU host).
fn daemon_path(dir: &Path, gpu: bool) -> std::ffi::OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&inherited)
        .filter(|d| !d.join("nvidia-container-runtime-hook").exists())
        .collect();
    for system in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
        if !dirs.iter().any(|d| d == Path::new(system)) {
            dirs.push(PathBuf::from(system));
        }
    }
    if gpu {
        dirs.insert(0, dir.join("hookbin"));
    }
    std::env::join_paths(dirs).unwrap_or(inherited)
}

pub(super) fn write_executable(path: &Path, text: &str) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, text)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}
