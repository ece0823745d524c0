//! jarvis-pearl-source integration tests (one binary).

mod sync;
