//! jarvis-core integration tests (one binary, one module per topic).

mod config_file;
mod fs_atomic;
mod fs_read;
mod hardware;
mod lock;
mod paths;
mod process;
mod redact;
mod registry;
