//! jarvis-pearl-source integration tests (one binary).

mod gateway;
mod sync;
