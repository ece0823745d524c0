//! jarvis-providers integration tests (one binary).

mod detect;
mod registry;
