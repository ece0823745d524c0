//! jarvis-doctor integration tests (one binary).

mod doctor;
