//! Errors of the gateway client: connection, framing, timeouts and JSON-RPC error replies.

use std::time::Duration;

/// A gateway call failed. Protocol errors, timeouts and closed connections drop the
/// connection; JSON-RPC error replies (`Paused`, `QueueFull`, `Rpc`) keep it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The socket could not be opened.
    #[error(
        "cannot connect to pearl-gateway at {address}: {detail}; is pearl-gateway running and listening there?"
    )]
    Connect {
        /// The endpoint, e.g. `unix socket /tmp/pearlgw.sock` or `tcp 127.0.0.1:8337`.
        address: String,
        /// What the OS said.
        detail: String,
    },
    /// The connection is closed (by the gateway, an I/O error, or an earlier failure).
    #[error(
        "connection to pearl-gateway at {address} is closed ({detail}); reconnect, and if it keeps failing check that pearl-gateway is still running"
    )]
    Closed {
        /// The endpoint.
        address: String,
        /// Why.
        detail: String,
    },
    /// No complete reply within the call timeout.
    #[error(
        "pearl-gateway at {address} did not answer {method} within {after:?}; the connection was dropped (is the gateway overloaded or hung?)"
    )]
    Timeout {
        /// The endpoint.
        address: String,
        /// The JSON-RPC method called.
        method: &'static str,
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The gateway sent something that is not a valid reply (garbage, oversized line,
    /// wrong id, malformed job).
    #[error(
        "pearl-gateway at {address} broke the protocol: {detail}; the connection was dropped (is it really pearl-gateway on that socket/port?)"
    )]
    Protocol {
        /// The endpoint.
        address: String,
        /// What was wrong.
        detail: String,
    },
    /// `-32001`: the gateway has no block template; back off and poll again.
    #[error(
        "pearl-gateway paused mining ({message}); it has no block template yet, check that pearld is synced"
    )]
    Paused {
        /// The gateway's message.
        message: String,
    },
    /// `-32000` "proof submission queue full": back off and retry.
    #[error(
        "pearl-gateway's proof submission queue is full ({message}); retry after a short back-off"
    )]
    QueueFull {
        /// The gateway's message.
        message: String,
    },
    /// Any other JSON-RPC error reply.
    #[error("pearl-gateway answered with JSON-RPC error {code}: {message}")]
    Rpc {
        /// The JSON-RPC error code.
        code: i64,
        /// The message (and `data`, when sent).
        message: String,
    },
}

impl GatewayError {
    /// Whether this error leaves the client without a connection.
    pub fn drops_connection(&self) -> bool {
        matches!(
            self,
            Self::Connect { .. }
                | Self::Closed { .. }
                | Self::Timeout { .. }
                | Self::Protocol { .. }
        )
    }
}
