//! The sidecar's typed `supervisor` section: the state of the jarvis process that runs a
//! session in the background (cpu-pearl's supervisor, vllm-pearl's history sampler), written
//! only by that provider's one writer. Versioned on its own; fields other tools or newer builds
//! wrote are kept.

use jarvis_core::process::ProcessIdentity;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The section version this build writes.
pub const SUPERVISOR_SECTION_VERSION: u32 = 1;

/// What the background process is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum DaemonRole {
    /// cpu-pearl's supervisor: owns pearl-gateway and the miner threads.
    Supervisor,
    /// vllm-pearl's history sampler beside the container.
    Sampler,
    /// A role this build does not know, kept as written.
    Other(String),
}

/// Where the background process is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum DaemonState {
    /// Launched; its service has not answered yet.
    Starting,
    /// Its service answers.
    Ready,
    /// It gave up; `last_error` says why.
    Failed,
    /// A state this build does not know, kept as written.
    Other(String),
}

macro_rules! string_enum {
    ($ty:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            /// The name as written in the sidecar.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(text) => text,
                }
            }
        }
        impl From<String> for $ty {
            fn from(text: String) -> Self {
                match text.as_str() {
                    $($text => Self::$variant,)*
                    _ => Self::Other(text),
                }
            }
        }
        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.as_str().to_owned()
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(DaemonRole { Supervisor => "supervisor", Sampler => "sampler" });
string_enum!(DaemonState { Starting => "starting", Ready => "ready", Failed => "failed" });

/// The `supervisor` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupervisorSection {
    /// [`SUPERVISOR_SECTION_VERSION`] when this build wrote it.
    pub version: u32,
    /// What the background process is.
    pub role: DaemonRole,
    /// The background process itself.
    pub process: ProcessIdentity,
    /// Where it is in its life.
    pub state: DaemonState,
    /// Unix time of the last state change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<f64>,
    /// The latest error it saw, in one line; after `failed`, why it gave up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// cpu-pearl's pearl-gateway child, while one runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<ProcessIdentity>,
    /// Fields this build does not know, kept as read.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl SupervisorSection {
    /// A section for `process` in `role`, in state `state` since `since`.
    pub fn new(role: DaemonRole, process: ProcessIdentity, state: DaemonState, since: f64) -> Self {
        Self {
            version: SUPERVISOR_SECTION_VERSION,
            role,
            process,
            state,
            since: Some(since),
            last_error: None,
            gateway: None,
            other: Map::new(),
        }
    }
}
