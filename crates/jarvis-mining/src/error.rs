//! Why a provider operation failed.

use std::path::PathBuf;

use crate::sidecar::SidecarError;

/// Why a provider operation failed. Every message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum MiningError {
    /// Pool targets are parsed but never mined.
    #[error(
        "pool mining is not supported yet (submit_target = \"pool:{url}\"); set [mining].submit_target = \"solo\" to mine to your own pearld"
    )]
    PoolUnsupported {
        /// The configured pool URL.
        url: String,
    },
    /// The provider's lifecycle is not part of this build.
    #[error(
        "`jarvis mine {action}` for {provider} is not available in this build of jarvis yet; run `jarvis mine doctor` to check the set-up meanwhile"
    )]
    NotBuilt {
        /// Provider id.
        provider: &'static str,
        /// `start` or `stop`.
        action: &'static str,
    },
    /// `detect` said no.
    #[error(
        "{provider} is not supported on this host: {reason}\nSee `jarvis mine models` and `jarvis mine doctor` for details."
    )]
    Unsupported {
        /// Provider id.
        provider: String,
        /// The detect reason.
        reason: String,
    },
    /// `[mining].wallet_address` is not a Taproot address of the configured network.
    #[error(
        "[mining].wallet_address '{address}' cannot receive mining rewards; set a Taproot address of [mining.extra].network with `jarvis mine init --wallet ADDRESS --force`"
    )]
    Wallet {
        /// The configured address.
        address: String,
        /// Why it is refused.
        #[source]
        source: pearl_protocol::address::AddressError,
    },
    /// A config value cannot be used.
    #[error("{detail}")]
    Config {
        /// What is wrong and how to fix it.
        detail: String,
    },
    /// The sidecar could not be read or written.
    #[error(transparent)]
    Sidecar(#[from] SidecarError),
    /// Another jarvis holds the mining lock.
    #[error(transparent)]
    Lock(#[from] jarvis_core::lock::LockError),
    /// The container engine could not be reached or refused a request.
    #[error("Docker engine at {endpoint}: {detail}; {fix}")]
    Docker {
        /// Where jarvis looked (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        endpoint: String,
        /// What failed, secrets redacted.
        detail: String,
        /// What to do about it.
        fix: String,
    },
    /// The miner image could not be found, pulled or built.
    #[error("miner image '{tag}': {detail}; {fix}")]
    Image {
        /// The image tag.
        tag: String,
        /// What failed, secrets redacted.
        detail: String,
        /// How to build it or which tag to set.
        fix: String,
    },
    /// The miner container is not ours, differs, or did not become ready.
    #[error("{detail}; {fix}")]
    Container {
        /// What is wrong, secrets redacted.
        detail: String,
        /// What to do about it.
        fix: String,
    },
    /// A provider's own error, kept with its type (`SupervisorError`, ...): callers can
    /// downcast it, and its causes stay a chain.
    #[error(transparent)]
    Provider(Box<dyn std::error::Error + Send + Sync>),
    /// The SIGTERM/SIGINT handlers could not be installed.
    #[error("cannot install the SIGTERM/SIGINT handlers")]
    Signals {
        /// The cause.
        source: std::io::Error,
    },
    /// A file operation failed.
    #[error("cannot use {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}
