//! Foundations of `jarvis` with no protocol or network stack: home paths, the `config.toml`
//! document (reads that know their positions, edits that keep comments), atomic file writes,
//! lock files, process identity, secret redaction, terminal escapes stripped from logs, error chains in one line, hardware
//! detection, a generic registry and UTC time.

pub mod command;
pub mod config;
pub mod error;
pub mod escapes;
pub mod fs;
pub mod gateway_install;
pub mod hardware;
pub mod lock;
pub mod paths;
pub mod process;
pub mod redact;
pub mod registry;
mod sys;
pub mod time;

pub use config::{ConfigError, ConfigFile};
pub use fs::write_atomic;
pub use hardware::{CpuInfo, GpuInfo, GpuVendor, HardwareInfo, Platform};
pub use lock::{LockError, LockGuard, try_lock};
pub use paths::{JarvisHome, PathsError};
pub use process::{
    Liveness, ProcessError, ProcessIdentity, Signal, pid_alive, signal_group, signal_identity,
};
pub use redact::redact;
pub use registry::{Registry, RegistryError};
