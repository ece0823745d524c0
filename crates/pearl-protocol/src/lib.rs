//! Pearl wire formats and clients. Knows nothing of jarvis; could be published alone.

pub mod address;
pub mod header;
pub mod mining_config;
pub mod pattern;
pub mod pearld;
pub mod proof;
pub mod public_data;
pub mod target;
