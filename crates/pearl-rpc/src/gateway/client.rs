//! `GatewayClient`: one persistent connection, sequential calls with increasing ids.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use pearl_protocol::gateway::rpc::{
    Line, MAX_LINE_BYTES, Reply, encode_request, excerpt, parse_reply,
};
use pearl_protocol::gateway::{
    CODE_MINING_PAUSED, CODE_SERVER_ERROR, GET_MINING_INFO, GatewayAddress, SUBMIT_PLAIN_PROOF,
};
use pearl_protocol::{MiningJob, PlainProof};

use super::error::GatewayError;
use super::line::read_line_capped;

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

type Connection = BufReader<Box<dyn Stream>>;

/// What the gateway said to a `submitPlainProof`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// `"submitted"`: queued for proving (acceptance is never reported back).
    Submitted,
    /// Any other successful result, as raw JSON.
    Other(String),
}

/// A miner-side connection to pearl-gateway. Calls are sequential (`&mut self`).
pub struct GatewayClient {
    address: GatewayAddress,
    timeout: Duration,
    connection: Option<Connection>,
    next_id: u64,
}

impl std::fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayClient")
            .field("address", &self.address)
            .field("timeout", &self.timeout)
            .field("connected", &self.connection.is_some())
            .field("next_id", &self.next_id)
            .finish()
    }
}

impl GatewayClient {
    /// Connects within `timeout`; `timeout` also bounds every later call.
    pub async fn connect(address: GatewayAddress, timeout: Duration) -> Result<Self, GatewayError> {
        let mut client = Self {
            address,
            timeout,
            connection: None,
            next_id: 1,
        };
        client.reconnect().await?;
        Ok(client)
    }

    /// The endpoint this client talks to.
    pub fn address(&self) -> &GatewayAddress {
        &self.address
    }

    /// Whether the connection is open (false after a protocol error, timeout or close).
    pub fn is_connected(&self) -> bool {
        self.connection.is_some()
    }

    /// Drops any current connection and opens a new one (ids keep increasing).
    pub async fn reconnect(&mut self) -> Result<(), GatewayError> {
        self.connection = None;
        let connect_error = |detail: String| GatewayError::Connect {
            address: self.address.to_string(),
            detail,
        };
        let stream = tokio::time::timeout(self.timeout, open(&self.address))
            .await
            .map_err(|_| connect_error(format!("timed out after {:?}", self.timeout)))?
            .map_err(|e| connect_error(e.to_string()))?;
        self.connection = Some(BufReader::new(stream));
        Ok(())
    }

    /// `getMiningInfo`: the current job (`Err(Paused)` while the gateway has no template).
    pub async fn get_mining_info(&mut self) -> Result<MiningJob, GatewayError> {
        let result = self.call(GET_MINING_INFO, "{}").await?;
        MiningJob::from_json(&result).map_err(|e| {
            self.connection = None;
            self.protocol(format!("getMiningInfo returned an invalid job: {e}"))
        })
    }

    /// `submitPlainProof` with params `{"plain_proof": <b64>, "mining_job": <job as received>}`.
    pub async fn submit_plain_proof(
        &mut self,
        job: &MiningJob,
        proof: &PlainProof,
    ) -> Result<SubmitOutcome, GatewayError> {
        let params = job.submit_plain_proof_params(proof);
        let result = self.call(SUBMIT_PLAIN_PROOF, &params).await?;
        Ok(if result == "\"submitted\"" {
            SubmitOutcome::Submitted
        } else {
            SubmitOutcome::Other(result)
        })
    }

    /// One request/reply exchange; returns the raw `result` JSON.
    async fn call(&mut self, method: &'static str, params: &str) -> Result<String, GatewayError> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let request = encode_request(method, params, id);
        let Some(connection) = self.connection.as_mut() else {
            return Err(GatewayError::Closed {
                address: self.address.to_string(),
                detail: "not connected after an earlier failure".to_owned(),
            });
        };
        let exchanged = tokio::time::timeout(self.timeout, exchange(connection, request)).await;
        let line = match exchanged {
            Err(_) => {
                self.connection = None;
                return Err(GatewayError::Timeout {
                    address: self.address.to_string(),
                    method,
                    after: self.timeout,
                });
            }
            Ok(Err(error)) => {
                self.connection = None;
                return Err(self.framing_error(error));
            }
            Ok(Ok(line)) => line,
        };
        match parse_reply(&line, id) {
            Ok(Reply::Result(result)) => Ok(result),
            Ok(Reply::Error { code, message }) => Err(rpc_error(code, message)),
            Err(detail) => {
                self.connection = None;
                Err(self.protocol(format!("{method}: {detail}")))
            }
        }
    }

    fn protocol(&self, detail: String) -> GatewayError {
        GatewayError::Protocol {
            address: self.address.to_string(),
            detail,
        }
    }

    fn framing_error(&self, error: ExchangeError) -> GatewayError {
        let closed = |detail: String| GatewayError::Closed {
            address: self.address.to_string(),
            detail,
        };
        match error {
            ExchangeError::Io(e) => closed(e.to_string()),
            ExchangeError::Eof => closed("the gateway closed the connection".to_owned()),
            ExchangeError::Truncated => {
                closed("the gateway closed the connection in the middle of a reply".to_owned())
            }
            ExchangeError::TooLong => {
                self.protocol(format!("reply line longer than {MAX_LINE_BYTES} bytes"))
            }
        }
    }
}

enum ExchangeError {
    Io(std::io::Error),
    Eof,
    Truncated,
    TooLong,
}

async fn exchange(
    connection: &mut Connection,
    mut request: String,
) -> Result<Vec<u8>, ExchangeError> {
    request.push('\n');
    let stream = connection.get_mut();
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(ExchangeError::Io)?;
    stream.flush().await.map_err(ExchangeError::Io)?;
    match read_line_capped(connection, MAX_LINE_BYTES)
        .await
        .map_err(ExchangeError::Io)?
    {
        Line::Complete(line) => Ok(line),
        Line::Eof => Err(ExchangeError::Eof),
        Line::Truncated => Err(ExchangeError::Truncated),
        Line::TooLong => Err(ExchangeError::TooLong),
    }
}

fn rpc_error(code: i64, message: String) -> GatewayError {
    if code == CODE_MINING_PAUSED {
        GatewayError::Paused { message }
    } else if code == CODE_SERVER_ERROR && message.contains("queue full") {
        GatewayError::QueueFull { message }
    } else {
        GatewayError::Rpc {
            code,
            message: excerpt(&message),
        }
    }
}

async fn open(address: &GatewayAddress) -> std::io::Result<Box<dyn Stream>> {
    match address {
        #[cfg(unix)]
        GatewayAddress::Unix(path) => Ok(Box::new(tokio::net::UnixStream::connect(path).await?)),
        #[cfg(not(unix))]
        GatewayAddress::Unix(_) => Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "Unix sockets are not available on this platform; use MINER_RPC_TRANSPORT=tcp",
        )),
        GatewayAddress::Tcp { host, port } => {
            let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(stream))
        }
    }
}

/// Back-off used by [`submit_with_policy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmitPolicy {
    /// Wait after `-32000 queue full` before the single retry.
    pub queue_full_backoff: Duration,
    /// Wait after `-32001 mining paused` before reporting it (the job is gone; poll again).
    pub paused_backoff: Duration,
}

impl Default for SubmitPolicy {
    fn default() -> Self {
        Self {
            queue_full_backoff: Duration::from_secs(1),
            paused_backoff: Duration::from_secs(1),
        }
    }
}

/// Submits a proof, reconnecting first if needed. Queue full or a closed connection: back
/// off (queue full only), reconnect if needed and retry once. Paused: back off, then return
/// `Err(Paused)`. Other errors are returned at once.
pub async fn submit_with_policy(
    client: &mut GatewayClient,
    job: &MiningJob,
    proof: &PlainProof,
    policy: SubmitPolicy,
) -> Result<SubmitOutcome, GatewayError> {
    if !client.is_connected() {
        client.reconnect().await?;
    }
    match client.submit_plain_proof(job, proof).await {
        Err(GatewayError::QueueFull { .. }) => {
            tokio::time::sleep(policy.queue_full_backoff).await;
        }
        Err(GatewayError::Closed { .. }) => {}
        Err(error @ GatewayError::Paused { .. }) => {
            tokio::time::sleep(policy.paused_backoff).await;
            return Err(error);
        }
        other => return other,
    }
    if !client.is_connected() {
        client.reconnect().await?;
    }
    client.submit_plain_proof(job, proof).await
}
