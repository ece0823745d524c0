//! CLI tests: the built `jarvis` binary in an isolated HOME.

mod common;
mod doctor;
mod init;
mod models;
mod session;
