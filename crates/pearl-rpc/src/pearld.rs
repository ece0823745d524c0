//! pearld JSON-RPC client: JSON-RPC 1.0 over HTTP(S) with HTTP Basic auth, as pearld (a btcd
//! fork) speaks it. Errors name the URL and the fix; the password never appears in any output.

mod error;
mod error_chain;
mod tls;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use error::PearldError;
use error_chain::{ChainFacts, error_chain_text, visit_chain};
use pearl_protocol::error::truncate_chars;
use tls::tls_config;

/// The JSON-RPC request id every call carries; pearld echoes it back.
pub const REQUEST_ID: &str = "pearl-rpc";

/// Default time allowed for one call (connect + answer), as the doctor probe uses.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest response body accepted (a getblocktemplate with a full mempool stays far below).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Longest excerpt of a foreign response quoted in an error message.
const EXCERPT_CHARS: usize = 160;

/// Where and how to reach pearld's RPC server.
#[derive(Clone)]
pub struct PearldEndpoint {
    /// `http://host:port` or `https://host:port` (no credentials in the URL).
    pub url: String,
    /// RPC user (pearld's `rpcuser`).
    pub user: String,
    /// RPC password (pearld's `rpcpass`); never printed.
    pub password: String,
    /// pearld's `rpc.cert`; for https, exactly this certificate is trusted.
    pub cert_path: Option<PathBuf>,
    /// Connect timeout and total time allowed for one call.
    pub timeout: Duration,
    /// The HTTP `User-Agent` to send, e.g. `my-miner/1.2`; `None` sends none.
    pub user_agent: Option<String>,
}

impl PearldEndpoint {
    /// An endpoint with no certificate and [`DEFAULT_TIMEOUT`].
    pub fn new(
        url: impl Into<String>,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            url: url.into(),
            user: user.into(),
            password: password.into(),
            cert_path: None,
            timeout: DEFAULT_TIMEOUT,
            user_agent: None,
        }
    }
}

impl fmt::Debug for PearldEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PearldEndpoint")
            .field("url", &redact_url_text(&self.url))
            .field("user", &self.user)
            .field("password", &"[REDACTED]")
            .field("cert_path", &self.cert_path)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// What `getblockchaininfo` reports (the fields a miner needs).
///
/// Note: pearld reports `headers == blocks` and omits `initialblockdownload` and
/// `verificationprogress`; while it syncs, `getblocktemplate` fails with code -10 instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockchainInfo {
    /// Network name, e.g. `mainnet`, `testnet2`, `regtest`.
    pub chain: String,
    /// Height of the best validated block.
    pub blocks: u64,
    /// Height of the best known header.
    pub headers: u64,
    /// Hash of the best block (hex).
    #[serde(rename = "bestblockhash")]
    pub best_block_hash: String,
    /// Whether the node says it is in initial block download (absent on pearld).
    #[serde(rename = "initialblockdownload", default)]
    pub initial_block_download: Option<bool>,
    /// Estimated verification progress 0..=1 (absent on pearld).
    #[serde(rename = "verificationprogress", default)]
    pub verification_progress: Option<f64>,
}

impl BlockchainInfo {
    /// True when the node is not in initial block download and has validated every known header.
    pub fn is_synced(&self) -> bool {
        self.initial_block_download != Some(true) && self.blocks >= self.headers
    }
}

/// An async pearld JSON-RPC client (cheap to clone).
#[derive(Clone)]
pub struct PearldClient {
    http: reqwest::Client,
    url: Url,
    user: String,
    password: String,
    timeout: Duration,
}

impl fmt::Debug for PearldClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PearldClient")
            .field("url", &self.url.as_str())
            .field("user", &self.user)
            .field("password", &"[REDACTED]")
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[derive(Serialize)]
struct RpcRequest<'a> {
    jsonrpc: &'static str,
    id: &'static str,
    method: &'a str,
    params: &'a Value,
}

#[derive(Deserialize)]
struct RpcResponse {
    #[serde(default)]
    result: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    id: Option<Value>,
}

impl PearldClient {
    /// Checks the URL (http/https, a host, no credentials), loads the certificate for https.
    pub fn new(endpoint: PearldEndpoint) -> Result<Self, PearldError> {
        let url = parse_url(&endpoint.url)?;
        let https = url.scheme() == "https";
        let tls = tls_config(https, endpoint.cert_path.as_deref(), url.as_str())?;
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(endpoint.timeout)
            .timeout(endpoint.timeout)
            // pearld is local: never send its credentials through an HTTP(S)_PROXY.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none());
        if let Some(agent) = &endpoint.user_agent {
            builder = builder.user_agent(agent.as_str());
        }
        let http = builder.build().map_err(|e| PearldError::Tls {
            url: url.to_string(),
            detail: error_chain_text(&e),
        })?;
        Ok(Self {
            http,
            url,
            user: endpoint.user,
            password: endpoint.password,
            timeout: endpoint.timeout,
        })
    }

    /// The URL calls go to (never contains credentials).
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// Calls `method`; `params` is a JSON array (`null` means none, any other value is sent as
    /// the only parameter). A JSON-RPC error or a `null` result is an error.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, PearldError> {
        match self.call_nullable(method, params).await? {
            Value::Null => Err(PearldError::NullResult {
                method: method.to_owned(),
            }),
            value => Ok(value),
        }
    }

    /// Like [`PearldClient::call`] but a `null` result is a success (e.g. `submitblock`).
    pub async fn call_nullable(&self, method: &str, params: Value) -> Result<Value, PearldError> {
        let params = match params {
            Value::Null => Value::Array(Vec::new()),
            Value::Array(items) => Value::Array(items),
            other => Value::Array(vec![other]),
        };
        let request = RpcRequest {
            jsonrpc: "1.0",
            id: REQUEST_ID,
            method,
            params: &params,
        };
        let body = serde_json::to_vec(&request).map_err(|e| self.bad(format!("{e}")))?;
        let response = self
            .http
            .post(self.url.clone())
            .basic_auth(&self.user, Some(&self.password))
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| self.classify(&e))?;
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            return Err(PearldError::Unauthorized {
                url: self.url.to_string(),
                user: self.user.clone(),
            });
        }
        let body = self.read_body(response).await?;
        self.decode(method, status, &body)
    }

    /// `getblockchaininfo`, typed.
    pub async fn get_blockchain_info(&self) -> Result<BlockchainInfo, PearldError> {
        let value = self
            .call("getblockchaininfo", Value::Array(Vec::new()))
            .await?;
        serde_json::from_value(value).map_err(|e| {
            self.bad(format!(
                "getblockchaininfo result has an unexpected shape: {e}"
            ))
        })
    }

    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, PearldError> {
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(&e))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(self.bad(format!("response body exceeds {MAX_BODY_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn decode(&self, method: &str, status: StatusCode, body: &[u8]) -> Result<Value, PearldError> {
        let parsed: Option<RpcResponse> = serde_json::from_slice(body).ok();
        if let Some(RpcResponse {
            error: Some(error), ..
        }) = &parsed
        {
            return Err(rpc_error(method, error));
        }
        if status != StatusCode::OK {
            return Err(PearldError::Http {
                url: self.url.to_string(),
                status: status.as_u16(),
                body: excerpt(body),
            });
        }
        let Some(response) = parsed else {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Err(self.bad("empty response body".to_owned()));
            }
            return Err(self.bad(format!("not a JSON-RPC response: {}", excerpt(body))));
        };
        if let Some(id) = &response.id
            && !id.is_null()
            && id.as_str() != Some(REQUEST_ID)
        {
            return Err(self.bad(format!(
                "response id {id} does not match request id \"{REQUEST_ID}\""
            )));
        }
        Ok(response.result.unwrap_or(Value::Null))
    }

    fn bad(&self, detail: String) -> PearldError {
        PearldError::BadResponse {
            url: self.url.to_string(),
            detail,
        }
    }

    /// Sorts a transport failure into refused / timeout / TLS / connect / bad answer.
    fn classify(&self, err: &reqwest::Error) -> PearldError {
        let url = self.url.to_string();
        let mut facts = ChainFacts::default();
        visit_chain(err, 0, &mut facts);
        if err.is_timeout() || facts.timed_out {
            return PearldError::Timeout {
                url,
                seconds: self.timeout.as_secs_f64(),
            };
        }
        if let Some(detail) = facts.tls {
            return PearldError::Tls { url, detail };
        }
        if facts.refused {
            return PearldError::Refused { url };
        }
        let detail = error_chain_text(err);
        if err.is_connect() {
            return PearldError::Connect { url, detail };
        }
        PearldError::BadResponse {
            url,
            detail: format!("the connection closed without a complete HTTP answer ({detail})"),
        }
    }
}

fn rpc_error(method: &str, error: &Value) -> PearldError {
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
    let message = match error.get("message") {
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
        None if error.is_object() => String::new(),
        None => error.to_string(),
    };
    PearldError::Rpc {
        method: method.to_owned(),
        code,
        message: truncate_chars(&message, 4 * EXCERPT_CHARS),
    }
}

fn parse_url(text: &str) -> Result<Url, PearldError> {
    let invalid = |detail: &str| PearldError::InvalidUrl {
        url: redact_url_text(text),
        detail: detail.to_owned(),
    };
    let url = Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid("the scheme must be http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials do not belong in the URL: give the RPC user and password separately",
        ));
    }
    Ok(url)
}

/// Hides anything between the scheme and the last `@`, where URL credentials would sit.
fn redact_url_text(text: &str) -> String {
    let Some(at) = text.rfind('@') else {
        return text.to_owned();
    };
    let start = text.find("://").map_or(0, |i| i + 3).min(at);
    format!("{}[REDACTED]{}", &text[..start], &text[at..])
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "empty body".to_owned();
    }
    truncate_chars(&trimmed.escape_debug().to_string(), EXCERPT_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn endpoint(url: &str) -> PearldEndpoint {
        PearldEndpoint::new(url, "rpcuser", "hunter2-secret")
    }

    #[test]
    fn accepts_http_and_https_urls() {
        assert!(PearldClient::new(endpoint("http://127.0.0.1:44107")).is_ok());
        assert!(PearldClient::new(endpoint("https://localhost:44107/")).is_ok());
    }

    #[test]
    fn rejects_other_schemes_hostless_and_credentials() {
        for url in ["ftp://host:1", "127.0.0.1:44107", "http://", "not a url"] {
            let err = PearldClient::new(endpoint(url)).unwrap_err();
            assert!(
                matches!(err, PearldError::InvalidUrl { .. }),
                "{url}: {err:?}"
            );
        }
        let err = PearldClient::new(endpoint("http://u:topsecret@127.0.0.1:1")).unwrap_err();
        assert!(matches!(err, PearldError::InvalidUrl { .. }));
        assert!(!err.to_string().contains("topsecret"), "{err}");
        assert!(!format!("{err:?}").contains("topsecret"));
    }

    #[test]
    fn debug_output_hides_password() {
        let ep = endpoint("http://127.0.0.1:1");
        assert!(format!("{ep:?}").contains("[REDACTED]"));
        assert!(!format!("{ep:?}").contains("hunter2"));
        let client = PearldClient::new(ep).unwrap();
        assert!(!format!("{client:?}").contains("hunter2"));
    }

    #[test]
    fn missing_or_garbage_cert_file_is_cert_file_error() {
        let mut ep = endpoint("https://127.0.0.1:1");
        ep.cert_path = Some(PathBuf::from("/nonexistent/rpc.cert"));
        let err = PearldClient::new(ep.clone()).unwrap_err();
        assert!(matches!(err, PearldError::CertFile { .. }), "{err:?}");
        assert!(err.to_string().contains("/nonexistent/rpc.cert"));

        let dir = std::env::temp_dir().join(format!("pearld-cert-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("rpc.cert");
        std::fs::write(&file, b"hello, not a certificate\n").unwrap();
        ep.cert_path = Some(file);
        let err = PearldClient::new(ep).unwrap_err();
        assert!(matches!(err, PearldError::CertFile { .. }), "{err:?}");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A FIFO or a device where `rpc.cert` belongs is refused at once with its kind, never
    /// waited on (a FIFO without a writer) nor read until memory runs out (`/dev/zero`).
    #[cfg(unix)]
    #[test]
    fn special_cert_files_are_refused_without_reading() {
        let dir = std::env::temp_dir().join(format!("pearld-cert-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("rpc.cert");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", fifo.display());
        for (path, kind) in [(fifo, "FIFO"), (PathBuf::from("/dev/zero"), "device")] {
            let mut ep = endpoint("https://127.0.0.1:1");
            ep.cert_path = Some(path.clone());
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(PearldClient::new(ep).map(|_| ()));
            });
            // The bound only stops a hung test: the refusal itself needs no waiting.
            let result = rx
                .recv_timeout(std::time::Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("reading {} as rpc.cert hung", path.display()));
            let err = result.unwrap_err();
            assert!(matches!(err, PearldError::CertFile { .. }), "{err:?}");
            let text = err.to_string();
            assert!(
                text.contains(&path.display().to_string()) && text.contains(kind),
                "{text}"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn sync_state() {
        let mut info = BlockchainInfo {
            chain: "mainnet".into(),
            blocks: 10,
            headers: 10,
            best_block_hash: "00".into(),
            initial_block_download: None,
            verification_progress: None,
        };
        assert!(info.is_synced());
        info.headers = 11;
        assert!(!info.is_synced());
        info.headers = 10;
        info.initial_block_download = Some(true);
        assert!(!info.is_synced());
    }

    #[test]
    fn redacts_url_credentials() {
        assert_eq!(
            redact_url_text("http://me:pw@host:1"),
            "http://[REDACTED]@host:1"
        );
        assert_eq!(redact_url_text("http://host:1"), "http://host:1");
    }

    fn client() -> PearldClient {
        PearldClient::new(endpoint("http://127.0.0.1:1")).unwrap()
    }

    #[test]
    fn decodes_envelopes() {
        let c = client();
        let ok = br#"{"jsonrpc":"1.0","result":5,"error":null,"id":"pearl-rpc"}"#;
        assert_eq!(c.decode("m", StatusCode::OK, ok).unwrap(), Value::from(5));
        let err = br#"{"result":null,"error":{"code":-10,"message":"Pearl is downloading blocks..."},"id":"pearl-rpc"}"#;
        let e = c
            .decode("getblocktemplate", StatusCode::OK, err)
            .unwrap_err();
        assert!(matches!(e, PearldError::Rpc { code: -10, .. }), "{e:?}");
        assert!(e.to_string().contains("still downloading"));
        // Bitcoin Core style: HTTP 500 with a JSON-RPC error body is still an RPC error.
        let e = c
            .decode("x", StatusCode::INTERNAL_SERVER_ERROR, err)
            .unwrap_err();
        assert!(matches!(e, PearldError::Rpc { .. }));
        let e = c
            .decode(
                "x",
                StatusCode::BAD_REQUEST,
                b"Client sent an HTTP request to an HTTPS server.\n",
            )
            .unwrap_err();
        assert!(matches!(e, PearldError::Http { status: 400, .. }), "{e:?}");
        assert!(e.to_string().contains("HTTPS server"));
        let e = c.decode("x", StatusCode::OK, b"\n").unwrap_err();
        assert!(matches!(e, PearldError::BadResponse { .. }));
        let e = c
            .decode(
                "x",
                StatusCode::OK,
                br#"{"result":1,"error":null,"id":"other"}"#,
            )
            .unwrap_err();
        assert!(matches!(e, PearldError::BadResponse { .. }));
    }

    proptest! {
        #[test]
        fn decode_never_panics(body in proptest::collection::vec(any::<u8>(), 0..256), status in 100u16..600) {
            let c = client();
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let _ = c.decode("getblockchaininfo", status, &body);
        }

        #[test]
        fn parse_url_never_panics(text in "\\PC{0,40}") {
            let _ = parse_url(&text);
            let _ = redact_url_text(&text);
        }
    }
}
