//! What a provider can do on a given host, as answered by its pure `detect`.

use serde::Serialize;

/// The answer of a provider's `detect`: supported or not, and why not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiningCapabilities {
    /// Whether the provider can mine on this host with this engine and model.
    pub supported: bool,
    /// Why not, shown verbatim by `doctor`; `None` when supported.
    pub reason: Option<String>,
    /// Expected MAC/s when known (from a benchmark); never guessed.
    pub estimated_hashrate: Option<f64>,
}

impl MiningCapabilities {
    /// A supported answer.
    pub fn supported() -> Self {
        Self {
            supported: true,
            reason: None,
            estimated_hashrate: None,
        }
    }

    /// An unsupported answer with its reason.
    pub fn unsupported(reason: impl Into<String>) -> Self {
        Self {
            supported: false,
            reason: Some(reason.into()),
            estimated_hashrate: None,
        }
    }
}
