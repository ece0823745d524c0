//! jarvis-telemetry integration tests (one binary).

mod history;
mod telemetry;
