//! `PearldError`: every failure talking to pearld, each message naming the fix.

use std::path::PathBuf;

const URL_FIX: &str = "use pearld's RPC address, e.g. http://127.0.0.1:44107 (mainnet; \
    testnet 44109, testnet2 44111, regtest 18334)";
const TLS_FIX: &str = "pearld uses TLS by default: trust its certificate (~/.pearld/rpc.cert), \
    or run pearld with --notls and use http://";

/// Everything that can go wrong talking to pearld; each message says what to do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PearldError {
    /// The configured URL is not a usable pearld RPC URL.
    #[error("invalid pearld RPC URL `{url}`: {detail}; {URL_FIX}")]
    InvalidUrl { url: String, detail: String },
    /// Nothing listens at the URL.
    #[error(
        "could not connect to pearld at {url}: connection refused; is pearld running? start it \
         with `pearld` or check the RPC URL"
    )]
    Refused { url: String },
    /// Connecting failed for another reason (unknown host, unreachable network, ...).
    #[error("could not connect to pearld at {url}: {detail}; check the RPC URL")]
    Connect { url: String, detail: String },
    /// No complete answer within the timeout.
    #[error(
        "pearld at {url} did not answer within {seconds:.1} s; check that the URL points at \
         pearld's RPC port (not its P2P port) and that pearld is not overloaded"
    )]
    Timeout { url: String, seconds: f64 },
    /// HTTP 401: wrong or missing credentials.
    #[error(
        "pearld at {url} rejected the RPC credentials for user `{user}` (HTTP 401); the RPC \
         user and password must match pearld's rpcuser/rpcpass"
    )]
    Unauthorized { url: String, user: String },
    /// An HTTP status other than 200 without a JSON-RPC error in the body.
    #[error("pearld at {url} answered HTTP {status} ({body}); {}", http_hint(*.status))]
    Http {
        url: String,
        status: u16,
        body: String,
    },
    /// pearld answered with a JSON-RPC error object.
    #[error("pearld rejected `{method}` with error {code}: {message}{}", rpc_hint(*.code, .message))]
    Rpc {
        method: String,
        code: i64,
        message: String,
    },
    /// pearld answered `result: null` without an error where a value was required.
    #[error(
        "pearld answered `{method}` with a null result and no error; this pearld build is not \
         compatible: upgrade pearld"
    )]
    NullResult { method: String },
    /// The answer was not a JSON-RPC response of the expected shape.
    #[error(
        "pearld at {url} sent an unusable answer: {detail}; check that the URL points at \
         pearld's RPC port"
    )]
    BadResponse { url: String, detail: String },
    /// The TLS handshake failed (untrusted or wrong certificate, TLS against a plain server, ...).
    #[error("TLS connection to pearld at {url} failed: {detail}; {TLS_FIX}")]
    Tls { url: String, detail: String },
    /// The configured certificate file cannot be used.
    #[error(
        "cannot use pearld's certificate {}: {detail}; point it at pearld's rpc.cert (default \
         ~/.pearld/rpc.cert)", path.display()
    )]
    CertFile { path: PathBuf, detail: String },
}

/// What to do about an unexpected HTTP status.
fn http_hint(status: u16) -> String {
    match status {
        400 => format!("check the URL's scheme: {TLS_FIX}"),
        503 => "pearld has too many RPC clients (see its --rpcmaxclients); retry later".to_owned(),
        _ => format!("check that the URL is pearld's RPC address; {URL_FIX}"),
    }
}

/// Extra advice for the RPC error codes a miner can meet.
fn rpc_hint(code: i64, message: &str) -> &'static str {
    match code {
        -9 => "; pearld has no peers yet: wait until it connects to the network",
        -10 => "; pearld is still downloading blocks: wait until it is synced",
        -32601 => "; this pearld does not know the method: upgrade pearld",
        -32603 if message.contains("limited user") => {
            "; use pearld's admin rpcuser, not the rpclimituser"
        }
        _ => "",
    }
}
