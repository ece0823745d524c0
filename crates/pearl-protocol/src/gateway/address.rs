//! Where the gateway listens: a Unix socket path or a TCP host and port.

use std::fmt;
use std::path::PathBuf;

/// `MINER_RPC_SOCKET_PATH` default of pearl-gateway.
pub const DEFAULT_SOCKET_PATH: &str = "/tmp/pearlgw.sock";
/// Host used for the TCP transport when none is given (the gateway binds 127.0.0.1 only).
pub const DEFAULT_TCP_HOST: &str = "127.0.0.1";
/// `MINER_RPC_PORT` default of pearl-gateway.
pub const DEFAULT_TCP_PORT: u16 = 8337;

/// The gateway endpoint settings are invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayAddressError {
    /// `MINER_RPC_TRANSPORT` is neither `uds` nor `tcp`.
    #[error("MINER_RPC_TRANSPORT is {value:?}; it must be \"uds\" (Unix socket) or \"tcp\"")]
    BadTransport {
        /// The value given.
        value: String,
    },
    /// `MINER_RPC_PORT` is not a port number.
    #[error("MINER_RPC_PORT is {value:?}; it must be a TCP port number from 1 to 65535")]
    BadPort {
        /// The value given.
        value: String,
    },
}

/// The gateway's miner RPC endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GatewayAddress {
    /// Unix domain socket (`MINER_RPC_TRANSPORT=uds`, the default).
    Unix(PathBuf),
    /// TCP (`MINER_RPC_TRANSPORT=tcp`).
    Tcp {
        /// Host name or IP literal.
        host: String,
        /// TCP port.
        port: u16,
    },
}

impl GatewayAddress {
    /// Builds the address from values named like the gateway's env vars (`MINER_RPC_TRANSPORT`,
    /// `MINER_RPC_SOCKET_PATH`, `MINER_RPC_HOST`, `MINER_RPC_PORT`); `None` or empty means default.
    pub fn from_env_like(
        transport: Option<&str>,
        socket_path: Option<&str>,
        host: Option<&str>,
        port: Option<&str>,
    ) -> Result<Self, GatewayAddressError> {
        match given(transport).unwrap_or("uds") {
            "uds" => Ok(Self::Unix(PathBuf::from(
                given(socket_path).unwrap_or(DEFAULT_SOCKET_PATH),
            ))),
            "tcp" => {
                let port = match given(port) {
                    None => DEFAULT_TCP_PORT,
                    Some(text) => match text.parse::<u16>() {
                        Ok(port) if port != 0 => port,
                        _ => {
                            return Err(GatewayAddressError::BadPort {
                                value: text.to_owned(),
                            });
                        }
                    },
                };
                let host = given(host).unwrap_or(DEFAULT_TCP_HOST).to_owned();
                Ok(Self::Tcp { host, port })
            }
            other => Err(GatewayAddressError::BadTransport {
                value: other.to_owned(),
            }),
        }
    }

    /// The default endpoint: the Unix socket `/tmp/pearlgw.sock`.
    pub fn default_unix() -> Self {
        Self::Unix(PathBuf::from(DEFAULT_SOCKET_PATH))
    }

    /// The default TCP endpoint `127.0.0.1:8337`.
    pub fn default_tcp() -> Self {
        Self::Tcp {
            host: DEFAULT_TCP_HOST.to_owned(),
            port: DEFAULT_TCP_PORT,
        }
    }
}

/// A setting counts as given when it is present and not blank.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl Default for GatewayAddress {
    fn default() -> Self {
        Self::default_unix()
    }
}

impl fmt::Display for GatewayAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "unix socket {}", path.display()),
            Self::Tcp { host, port } if host.contains(':') => write!(f, "tcp [{host}]:{port}"),
            Self::Tcp { host, port } => write!(f, "tcp {host}:{port}"),
        }
    }
}
