//! `FakeOllama`: a real HTTP/1.1 server that answers like Ollama's native API (`/api/tags`,
//! `/api/chat` streaming NDJSON by default, `/api/version`).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::fake_pearld::RecordedRequest;
use crate::fake_vllm::word_tokens;
use crate::http_server::{FakeServer, Reply};

/// A running fake Ollama; stops when dropped.
pub struct FakeOllama {
    server: FakeServer,
}

impl FakeOllama {
    /// Starts the fake serving `models` (names like `llama3.2:latest`) and answering `reply`.
    pub async fn start(models: Vec<String>, reply: &str) -> FakeOllama {
        let reply = reply.to_owned();
        let server = FakeServer::start(Arc::new(move |req: &RecordedRequest| {
            route(&models, &reply, req)
        }))
        .await;
        FakeOllama { server }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.requests()
    }
}

impl std::fmt::Debug for FakeOllama {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeOllama")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

const CREATED_AT: &str = "2026-11-25T18:00:00.000000000Z";

fn route(models: &[String], reply: &str, req: &RecordedRequest) -> Reply {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/") => Reply::full(
            200,
            "text/plain; charset=utf-8",
            b"Ollama is running".to_vec(),
        ),
        ("GET", "/api/version") => Reply::json(200, &json!({"version": "0.13.0"})),
        ("GET", "/api/tags") => {
            let list: Vec<Value> = models
                .iter()
                .map(|name| {
                    json!({"name": name, "model": name, "modified_at": CREATED_AT,
                        "size": 2_019_393_189_u64, "digest": "a80c4f17acd5",
                        "details": {"parent_model": "", "format": "gguf", "family": "llama",
                            "families": ["llama"], "parameter_size": "3.2B",
                            "quantization_level": "Q4_K_M"}})
                })
                .collect();
            Reply::json(200, &json!({"models": list}))
        }
        ("POST", "/api/chat") => chat(models, reply, &req.body),
        _ => Reply::full(
            404,
            "text/plain; charset=utf-8",
            b"404 page not found".to_vec(),
        ),
    }
}

fn chat(models: &[String], reply: &str, body: &[u8]) -> Reply {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return Reply::json(400, &json!({"error": "invalid character in request body"}));
    };
    let model = request.get("model").and_then(Value::as_str).unwrap_or("");
    if !models.iter().any(|m| m == model) {
        let error = format!("model \"{model}\" not found, try pulling it first");
        return Reply::json(404, &json!({"error": error}));
    }
    let tokens = word_tokens(reply);
    let done = json!({"model": model, "created_at": CREATED_AT,
        "message": {"role": "assistant", "content": ""}, "done_reason": "stop", "done": true,
        "total_duration": 120_000_000_u64, "load_duration": 1_000_000_u64,
        "prompt_eval_count": 8, "prompt_eval_duration": 10_000_000_u64,
        "eval_count": tokens.len(), "eval_duration": 100_000_000_u64});
    // Ollama streams unless the request says `"stream": false`.
    if request.get("stream").and_then(Value::as_bool) == Some(false) {
        let mut whole = done;
        if let Some(msg) = whole.get_mut("message") {
            *msg = json!({"role": "assistant", "content": tokens.concat()});
        }
        return Reply::json(200, &whole);
    }
    let mut chunks: Vec<Vec<u8>> = tokens
        .iter()
        .map(|t| {
            let line = json!({"model": model, "created_at": CREATED_AT,
                "message": {"role": "assistant", "content": t}, "done": false});
            format!("{line}\n").into_bytes()
        })
        .collect();
    chunks.push(format!("{done}\n").into_bytes());
    Reply::Stream {
        status: 200,
        content_type: "application/x-ndjson".to_owned(),
        chunks,
        delay: std::time::Duration::ZERO,
        hold: None,
    }
}
