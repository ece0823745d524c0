//! CLI tests: the built `jarvis` binary in an isolated HOME.

mod attach;
mod bench;
mod common;
mod cpu_pearl;
mod docs;
mod doctor;
mod engines;
mod fleet;
mod history;
mod human;
mod init;
mod model;
mod models;
mod ops;
mod pearl;
mod real_engines;
mod session;
