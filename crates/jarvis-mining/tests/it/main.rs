//! jarvis-mining integration tests (one binary).

mod config_load;
mod config_runtime;
mod config_write;
#[cfg(feature = "mining-pearl-cpu")]
mod cpu_pearl;
mod detect;
mod doctor;
mod history;
mod hw;
mod model_inspect;
mod model_validate;
mod models;
mod real_engines;
mod registry;
mod session;
mod sidecar;
mod telemetry;
mod vllm_build;
mod vllm_doctor;
mod vllm_faults;
mod vllm_lifecycle;
mod vllm_rig;
