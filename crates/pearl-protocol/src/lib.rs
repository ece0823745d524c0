//! Pearl's wire formats, without I/O: block headers, mining jobs, PlainProof,
//! MiningConfiguration, periodic patterns, public data, targets, Taproot addresses, and
//! pearl-gateway's JSON-RPC messages and addresses. The async clients live in `pearl-rpc`.

pub mod address;
pub mod error;
pub mod gateway;
pub mod header;
pub mod job;
pub mod mining_config;
pub mod pattern;
pub mod proof;
pub mod public_data;
mod reader;
pub mod target;

pub use address::{AddressError, Network, TaprootAddress, validate_taproot_address};
pub use error::WireError;
pub use header::{BlockHeader, IncompleteBlockHeader};
pub use job::{MiningJob, TargetMismatch};
pub use mining_config::{MiningConfiguration, MmaType};
pub use pattern::{PatternError, PeriodicPattern};
pub use proof::{MatrixMerkleProof, MerkleProof, PlainProof};
pub use public_data::PublicData;
