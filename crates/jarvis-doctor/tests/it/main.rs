//! jarvis-doctor integration tests (one binary).

mod doctor;

pub(crate) use jarvis_testkit::hw;
