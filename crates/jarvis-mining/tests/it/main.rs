//! jarvis-mining integration tests (one binary).

mod detect;
mod doctor;
mod history;
mod hw;
mod models;
mod registry;
mod session;
mod sidecar;
