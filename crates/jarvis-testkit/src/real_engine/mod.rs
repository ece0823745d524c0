//! Real outside systems for the tests that need them: private Docker Engine daemons, the
//! stand-in Pearl miner image, a real Prometheus, and the switch that says whether such tests
//! run here.
//!
//! Real-engine tests run where `JARVIS_REAL_ENGINES=1` (`.ci/run` sets it); there a missing
//! engine or tool fails the test with what to install. Elsewhere each test prints one line
//! saying it was skipped and why, straight to the terminal (not captured by the test harness).

mod dockerd;
mod http;
mod prometheus;
mod standin;

use std::io::Write as _;
use std::path::PathBuf;

pub use dockerd::{PrivateDockerd, gpu_engine, plain_engine};
pub use http::http_get;

/// Percent-encodes a query parameter (PromQL in a URL).
pub fn url_encode(value: &str) -> String {
    http::encode(value)
}
pub use prometheus::Prometheus;
pub use standin::STANDIN_TAG;

/// The variable that turns the real-engine tests on.
pub const SWITCH: &str = "JARVIS_REAL_ENGINES";

/// Whether real-engine tests run in this process (`JARVIS_REAL_ENGINES=1`).
pub fn enabled() -> bool {
    std::env::var(SWITCH).is_ok_and(|v| v == "1")
}

/// `true` when `test` must run; otherwise prints one line saying it was skipped, why, and how
/// to run it, and returns `false`. `needs` says what the test drives (e.g. "a Docker Engine").
pub fn skip(test: &str, needs: &str) -> bool {
    if enabled() {
        return false;
    }
    // Straight to stderr: libtest captures `eprintln!`, and a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: it drives {needs}; set {SWITCH}=1 to run it (.ci/run does; see README)"
    );
    true
}

/// The path of `tool` on PATH; panics with the package to install (real-engine tests only run
/// where the machine is meant to have it).
pub fn require_tool(tool: &str, package: &str) -> PathBuf {
    find_on_path(tool).unwrap_or_else(|| {
        panic!("{SWITCH}=1 but `{tool}` is not on PATH: install it (`apt-get install {package}`)")
    })
}

/// `tool` on PATH (or in `/usr/sbin`, `/sbin`, where Debian puts dockerd and runc), if there.
pub fn find_on_path(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(tool))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// An unused TCP port on 127.0.0.1 (free when asked; bind it soon).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("an ephemeral port on 127.0.0.1")
}
