//! Shared foundations of `jarvis`: home paths, config, generic registries, hardware
//! detection, atomic writes, lock files, process identity and secret redaction.

pub mod config;
pub mod fs;
pub mod hardware;
pub mod lock;
pub mod paths;
pub mod process;
pub mod redact;
pub mod registry;
mod sys;
pub mod time;

pub use config::{Config, ConfigError, MiningExtra, MiningSection, SubmitTargetSpec, load_config};
pub use fs::write_atomic;
pub use hardware::{CpuInfo, GpuInfo, GpuVendor, HardwareInfo, Platform};
pub use lock::{LockError, LockGuard, try_lock};
pub use paths::{JarvisHome, PathsError};
pub use process::{
    Liveness, ProcessError, ProcessIdentity, Signal, pid_alive, signal_group, signal_identity,
};
pub use redact::redact;
pub use registry::{Registry, RegistryError};
