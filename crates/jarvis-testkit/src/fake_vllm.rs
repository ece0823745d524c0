//! `FakeVllm`: a real HTTP/1.1 server on 127.0.0.1 that answers like vLLM's OpenAI-compatible
//! server (`/health`, `/v1/models`, `/v1/chat/completions` with and without SSE streaming,
//! `/metrics`), with injectable faults.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_pearld::RecordedRequest;
use crate::http_server::{FakeServer, Reply, lock, unix_now};

/// A fault the fake injects into every inference request (`/v1/...`) from now on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VllmFault {
    /// Answer normally.
    None,
    /// Answer every `/v1/...` request with this HTTP status and vLLM's error JSON.
    Status { code: u16, message: String },
    /// Wait this long before the response head and again before every streamed chunk.
    Slow(Duration),
    /// Read the request and never answer (the connection stays open).
    Hang,
}

/// What the fake serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeVllmOptions {
    /// Model ids listed by `/v1/models`; the first also names the metrics' `model_name` label.
    pub models: Vec<String>,
    /// The assistant's reply; streamed as one chunk per whitespace-separated word.
    pub reply: String,
    /// Whether `/health` answers 200 (false: 503, as while vLLM is still loading).
    pub ready: bool,
    /// The injected fault.
    pub fault: VllmFault,
}

impl Default for FakeVllmOptions {
    fn default() -> Self {
        Self {
            models: vec!["pearl-ai/Llama-3.3-70B-Instruct-pearl".to_owned()],
            reply: "Pearl mines while it answers.".to_owned(),
            ready: true,
            fault: VllmFault::None,
        }
    }
}

struct State {
    options: FakeVllmOptions,
    hold_after: Option<usize>,
    gate: Arc<tokio::sync::Semaphore>,
    prompt_tokens: u64,
    generation_tokens: u64,
    requests_served: u64,
}

/// A running fake vLLM; it stops (and closes every connection) when dropped.
pub struct FakeVllm {
    server: FakeServer,
    state: Arc<Mutex<State>>,
}

impl FakeVllm {
    /// Starts the fake on an ephemeral port. Must run inside a tokio runtime.
    pub async fn start(options: FakeVllmOptions) -> FakeVllm {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), options)
            .await
            .expect("bind 127.0.0.1:0")
    }

    /// Starts the fake on `addr` (vLLM's `--host`/`--port`). Must run inside a tokio runtime.
    pub async fn start_on(addr: SocketAddr, options: FakeVllmOptions) -> std::io::Result<FakeVllm> {
        let state = Arc::new(Mutex::new(State {
            options,
            hold_after: None,
            gate: Arc::new(tokio::sync::Semaphore::new(0)),
            prompt_tokens: 0,
            generation_tokens: 0,
            requests_served: 0,
        }));
        let handler_state = Arc::clone(&state);
        let server = FakeServer::start_on(
            addr,
            Arc::new(move |req: &RecordedRequest| route(&mut lock(&handler_state), req)),
        )
        .await?;
        Ok(FakeVllm { server, state })
    }

    /// `http://127.0.0.1:<port>` (the server root, where `/health` and `/metrics` live).
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// `http://127.0.0.1:<port>/v1`, the OpenAI base URL (what a sidecar's `vllm_endpoint` holds).
    pub fn v1_url(&self) -> String {
        format!("{}/v1", self.server.url())
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.requests()
    }

    /// Changes the injected fault for requests that arrive from now on.
    pub fn set_fault(&self, fault: VllmFault) {
        lock(&self.state).options.fault = fault;
    }

    /// Changes the listed models.
    pub fn set_models(&self, models: Vec<String>) {
        lock(&self.state).options.models = models;
    }

    /// Streams of later requests pause after `chunks` SSE events until [`FakeVllm::release`]
    /// (lets a test see tokens arrive while the reply is still open).
    pub fn hold_streams_after(&self, chunks: usize) {
        lock(&self.state).hold_after = Some(chunks);
    }

    /// Lets every held stream finish.
    pub fn release(&self) {
        lock(&self.state).gate.add_permits(1_000);
    }

    /// Changes what `/health` answers.
    pub fn set_ready(&self, ready: bool) {
        lock(&self.state).options.ready = ready;
    }
}

impl std::fmt::Debug for FakeVllm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeVllm")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

fn route(state: &mut State, req: &RecordedRequest) -> Reply {
    let path = req.path.split('?').next().unwrap_or_default();
    let is_v1 = path.starts_with("/v1/");
    if is_v1 {
        match state.options.fault.clone() {
            VllmFault::None => {}
            VllmFault::Hang => return Reply::Hang,
            VllmFault::Status { code, message } => {
                return Reply::json(code, &vllm_error(code, &message));
            }
            VllmFault::Slow(delay) => {
                let reply = route_ok(state, req, path);
                return reply.delayed(delay);
            }
        }
    }
    route_ok(state, req, path)
}

fn route_ok(state: &mut State, req: &RecordedRequest, path: &str) -> Reply {
    match (req.method.as_str(), path) {
        ("GET", "/health") if state.options.ready => Reply::full(200, "text/plain", Vec::new()),
        ("GET", "/health") => Reply::full(503, "text/plain", Vec::new()),
        ("GET", "/v1/models") => Reply::json(200, &models_body(&state.options.models)),
        ("GET", "/metrics") => Reply::full(
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            metrics_body(state).into_bytes(),
        ),
        ("POST", "/v1/chat/completions") => chat(state, &req.body),
        (_, "/health" | "/v1/models" | "/metrics" | "/v1/chat/completions") => {
            Reply::json(405, &json!({"detail": "Method Not Allowed"}))
        }
        _ => Reply::json(404, &json!({"detail": "Not Found"})),
    }
}

/// vLLM's `ErrorResponse` JSON.
fn vllm_error(code: u16, message: &str) -> Value {
    let kind = match code {
        400 => "BadRequestError",
        404 => "NotFoundError",
        _ => "InternalServerError",
    };
    json!({"object": "error", "message": message, "type": kind, "param": null, "code": code})
}

fn models_body(models: &[String]) -> Value {
    let created = unix_now();
    let data: Vec<Value> = models
        .iter()
        .map(|id| {
            json!({
                "id": id, "object": "model", "created": created, "owned_by": "vllm",
                "root": id, "parent": null, "max_model_len": 8192,
                "permission": [{"id": "modelperm-fake", "object": "model_permission",
                    "created": created, "allow_create_engine": false, "allow_sampling": true,
                    "allow_logprobs": true, "allow_search_indices": false, "allow_view": true,
                    "allow_fine_tuning": false, "organization": "*", "group": null,
                    "is_blocking": false}]
            })
        })
        .collect();
    json!({"object": "list", "data": data})
}

fn chat(state: &mut State, body: &[u8]) -> Reply {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return Reply::json(400, &vllm_error(400, "request body is not valid JSON"));
    };
    let model = request.get("model").and_then(Value::as_str).unwrap_or("");
    if !state.options.models.iter().any(|m| m == model) {
        let message = format!("The model `{model}` does not exist.");
        return Reply::json(404, &vllm_error(404, &message));
    }
    let Some(messages) = request.get("messages").and_then(Value::as_array) else {
        return Reply::json(400, &vllm_error(400, "messages: Field required"));
    };
    let prompt_tokens = messages
        .iter()
        .filter_map(|m| m.get("content").and_then(Value::as_str))
        .map(|c| c.split_whitespace().count() as u64)
        .sum::<u64>()
        + 1;
    let max_tokens = request
        .get("max_tokens")
        .or_else(|| request.get("max_completion_tokens"))
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX);
    // vLLM's `SamplingParams` and request validation refuse these before generating.
    if max_tokens == 0 {
        return Reply::json(
            400,
            &vllm_error(400, "max_tokens must be at least 1, got 0."),
        );
    }
    let stream = request.get("stream").and_then(Value::as_bool) == Some(true);
    if !stream && request.get("stream_options").is_some_and(|o| !o.is_null()) {
        let message = "Stream options can only be defined when `stream=True`.";
        return Reply::json(400, &vllm_error(400, message));
    }
    let all_tokens = word_tokens(&state.options.reply);
    let limit = usize::try_from(max_tokens).unwrap_or(usize::MAX);
    let finish = if all_tokens.len() > limit {
        "length"
    } else {
        "stop"
    };
    let tokens: Vec<String> = all_tokens.into_iter().take(limit).collect();
    let completion_tokens = tokens.len() as u64;
    state.prompt_tokens += prompt_tokens;
    state.generation_tokens += completion_tokens;
    state.requests_served += 1;
    let usage = json!({"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens +
        completion_tokens, "completion_tokens": completion_tokens, "prompt_tokens_details": null});
    let id = format!("chatcmpl-fake{}", state.requests_served);
    let created = unix_now();
    if !stream {
        let body = json!({
            "id": id, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": tokens.concat(),
                "tool_calls": []}, "logprobs": null, "finish_reason": finish, "stop_reason": null}],
            "usage": usage, "prompt_logprobs": null
        });
        return Reply::json(200, &body);
    }
    let include_usage = request
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        == Some(true);
    let chunk = |choices: Value, usage: Option<&Value>| {
        let mut c = json!({"id": id, "object": "chat.completion.chunk", "created": created,
            "model": model, "choices": choices});
        if let (Some(u), Some(obj)) = (usage, c.as_object_mut()) {
            obj.insert("usage".to_owned(), u.clone());
        }
        sse(&c)
    };
    let mut events = vec![chunk(
        json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": null,
            "finish_reason": null}]),
        None,
    )];
    for token in &tokens {
        events.push(chunk(
            json!([{"index": 0, "delta": {"content": token}, "logprobs": null,
                "finish_reason": null}]),
            None,
        ));
    }
    events.push(chunk(
        json!([{"index": 0, "delta": {"content": ""}, "logprobs": null,
            "finish_reason": finish, "stop_reason": null}]),
        None,
    ));
    if include_usage {
        events.push(chunk(json!([]), Some(&usage)));
    }
    events.push(b"data: [DONE]\n\n".to_vec());
    Reply::Stream {
        status: 200,
        content_type: "text/event-stream; charset=utf-8".to_owned(),
        chunks: events,
        delay: Duration::ZERO,
        hold: state.hold_after.map(|n| (n, Arc::clone(&state.gate))),
    }
}

fn sse(value: &Value) -> Vec<u8> {
    format!("data: {value}\n\n").into_bytes()
}

/// Splits text into word tokens that concatenate back to the original (spaces kept in front).
pub(crate) fn word_tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        if i == 0 {
            out.push(word.to_owned());
        } else {
            out.push(format!(" {word}"));
        }
    }
    out.retain(|t| !t.is_empty());
    out
}

fn metrics_body(state: &State) -> String {
    let model = state
        .options
        .models
        .first()
        .cloned()
        .unwrap_or_else(|| "none".to_owned());
    let label = format!("{{engine=\"0\",model_name=\"{model}\"}}");
    let start = unix_now().saturating_sub(600);
    format!(
        "# HELP python_gc_objects_collected_total Objects collected during gc\n\
         # TYPE python_gc_objects_collected_total counter\n\
         python_gc_objects_collected_total{{generation=\"0\"}} 12345.0\n\
         # HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n\
         # TYPE process_start_time_seconds gauge\n\
         process_start_time_seconds {start}.25\n\
         # HELP vllm:num_requests_running Number of requests in model execution batches.\n\
         # TYPE vllm:num_requests_running gauge\n\
         vllm:num_requests_running{label} 0.0\n\
         # HELP vllm:num_requests_waiting Number of requests waiting to be processed.\n\
         # TYPE vllm:num_requests_waiting gauge\n\
         vllm:num_requests_waiting{label} 0.0\n\
         # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.\n\
         # TYPE vllm:kv_cache_usage_perc gauge\n\
         vllm:kv_cache_usage_perc{label} 0.0\n\
         # HELP vllm:prompt_tokens_total Number of prefill tokens processed.\n\
         # TYPE vllm:prompt_tokens_total counter\n\
         vllm:prompt_tokens_total{label} {}.0\n\
         # HELP vllm:generation_tokens_total Number of generation tokens processed.\n\
         # TYPE vllm:generation_tokens_total counter\n\
         vllm:generation_tokens_total{label} {}.0\n\
         # HELP vllm:request_success_total Count of successfully processed requests.\n\
         # TYPE vllm:request_success_total counter\n\
         vllm:request_success_total{{engine=\"0\",finished_reason=\"stop\",model_name=\"{model}\"}} {}.0\n",
        state.prompt_tokens, state.generation_tokens, state.requests_served
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(body: &str) -> u16 {
        let mut state = State {
            options: FakeVllmOptions::default(),
            hold_after: None,
            gate: Arc::new(tokio::sync::Semaphore::new(0)),
            prompt_tokens: 0,
            generation_tokens: 0,
            requests_served: 0,
        };
        match chat(&mut state, body.as_bytes()) {
            Reply::Full { status, .. } | Reply::Stream { status, .. } => status,
            Reply::Hang => 0,
        }
    }

    #[test]
    fn chat_refuses_what_vllm_refuses() {
        let model = &FakeVllmOptions::default().models[0];
        let ok = format!(r#"{{"model":"{model}","messages":[{{"role":"user","content":"hi"}}]"#);
        assert_eq!(status_of(&format!("{ok}}}")), 200);
        assert_eq!(status_of(&format!(r#"{ok},"stream":true}}"#)), 200);
        assert_eq!(status_of(&format!(r#"{ok},"max_tokens":0}}"#)), 400);
        let options = r#""stream_options":{"include_usage":true}"#;
        assert_eq!(status_of(&format!("{ok},{options}}}")), 400);
        assert_eq!(
            status_of(&format!(r#"{ok},"stream":true,{options}}}"#)),
            200
        );
        assert_eq!(status_of(r#"{"model":"nope","messages":[]}"#), 404);
        assert_eq!(status_of("{"), 400);
    }

    #[test]
    fn word_tokens_concatenate_back() {
        let text = "Pearl mines  while it answers.";
        assert_eq!(word_tokens(text).concat(), text);
        assert_eq!(word_tokens("one").len(), 1);
        assert!(word_tokens("").is_empty());
    }
}
